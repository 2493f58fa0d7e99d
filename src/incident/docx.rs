//! The review (事件专报) as a Word document (`.docx`), beside its HTML: the same sections in the
//! same words — nature and scope, recovery, the hourly timeline chart (a PNG of the page's SVG)
//! and its table, where it started, how it spread (sources, spreaders, copy-paste waves quoted
//! whole), what drove it, the most engaged posts, and the log of what the team did. Counts link
//! to their posts on the dashboard when `incidents.dashboard_url` is set, as in the HTML.

use jiff::SignedDuration;

use super::IncidentRules;
use super::evidence::Evidence;
use super::html::{Links, hourly_chart, rfc};
use super::review::{Review, after};
use crate::digest::docx::{chart, posts};
use crate::render::Span;
use crate::render::docx::{Document, DocxError, cell, col, num};
use crate::render::shares::{aspect_shares, emotion_shares};
use crate::time::local_minute;

/// The review as the bytes of a `.docx` file.
pub fn render(r: &Review, rules: &IncidentRules) -> Result<Vec<u8>, DocxError> {
    let links = Links(rules.dashboard_url.as_deref());
    let e = &r.evidence;
    let mut doc = Document::new(&r.title);
    summary(&mut doc, e);
    recovery(&mut doc, r);
    scale(&mut doc, e, &links);
    doc.heading("起源: 最早的帖子");
    posts(&mut doc, &e.first_posts);
    spread(&mut doc, e, &links);
    doc.heading("驱动: 上升词、风险、情绪与方面");
    doc.line(&cell(e.rising_terms.iter().map(|t| format!("{} {}　", t.term, t.mentions)).collect::<String>()));
    doc.line(&cell(e.risks.iter().map(|(r, n)| format!("{} {n}　", r.label_zh())).collect::<String>()));
    if let Some(line) = emotion_shares(&e.emotions, e.emotions.len()) {
        doc.line(&cell(format!("情绪：{line}")));
    }
    if let Some(line) = aspect_shares(&e.aspects, e.aspects.len()) {
        doc.line(&cell(format!("方面：{line}")));
    }
    doc.subheading("互动最高的帖子");
    posts(&mut doc, &e.top_posts);
    log(&mut doc, e);
    doc.note(&format!("生成于 {} (Asia/Shanghai)", local_minute(r.written_at)));
    doc.into_bytes()
}

/// `n`, linked to the posts it counts when links are on.
fn count(links: &Links, id: u64, n: u64, filters: &[(&str, String)]) -> Span {
    match links.posts(id, filters) {
        Some(url) => Span::Link { text: n.to_string(), url },
        None => Span::Text(n.to_string()),
    }
}

/// The incident's headline facts (`html::summary`).
fn summary(doc: &mut Document, e: &Evidence) {
    let i = &e.incident;
    let mut facts = format!("阶段 {} · 处置 {}", i.phase.label_zh(), i.status.label_zh());
    if let Some(a) = &i.assignee {
        facts.push_str(&format!(" · 负责人 {a}"));
    }
    facts.push_str(&format!(" · 开始 {}", local_minute(i.start)));
    if let Some(end) = i.ended_at {
        facts.push_str(&format!(" · 结束 {}", local_minute(end)));
    }
    if let Some((at, n)) = i.peak {
        facts.push_str(&format!(" · 峰值 {} 一小时 {n} 条", local_minute(at)));
    }
    if i.reopened > 0 {
        facts.push_str(&format!(" · 再次发酵 {} 次", i.reopened));
    }
    doc.note(&facts);
    let or_dash = |v: Vec<String>| if v.is_empty() { "—".to_string() } else { v.join("、") };
    let risks = i.scope.risks.iter().map(|r| r.label_zh().to_string()).collect();
    doc.note(&format!(
        "关联规则: 驱动词 {} · 风险 {} · 复制粘贴组 {}",
        or_dash(i.scope.terms.clone()),
        or_dash(risks),
        i.scope.clusters.len()
    ));
}

fn recovery(doc: &mut Document, r: &Review) {
    let (rc, start) = (&r.recovery, r.evidence.incident.start);
    doc.heading("恢复");
    doc.line(&cell(format!(
        "负面占比: 事件前一周 {:.1}%, 近12小时 {:.1}% — 回到事件前水平: {}",
        100.0 * rc.before_negative_share,
        100.0 * rc.latest_negative_share,
        after(start, rc.share_back_at)
    )));
    doc.line(&cell(format!(
        "净情感: 事件前一周 {:+.2}, 近12小时 {:+.2} — 回到事件前水平: {}",
        rc.before_net,
        rc.latest_net,
        after(start, rc.net_back_at)
    )));
}

/// Its size, the hourly chart, and the hours it was loud in a table.
fn scale(doc: &mut Document, e: &Evidence, links: &Links) {
    let (i, id) = (&e.incident, e.incident.id);
    doc.heading("规模");
    doc.line(&[
        Span::Text("事件提及 ".into()),
        count(links, id, e.totals.mentions, &[]),
        Span::Text(format!(" 条 · 账号 {} 个 · 互动 {}", e.totals.accounts, e.totals.engagement)),
    ]);
    let watch_hours: Vec<_> = e.timeline.iter().map(|h| h.watch.clone()).collect();
    chart(doc, &hourly_chart(e, &watch_hours, links));
    let shown: Vec<_> = e
        .timeline
        .iter()
        .rev()
        .filter(|h| h.incident.bucket.counts.total > 0 || h.watch.counts.negative > i.usual_negative)
        .collect();
    doc.subheading(&format!("每小时明细（{} 小时）", shown.len()));
    let rows: Vec<_> = shown
        .iter()
        .map(|h| {
            let hour =
                vec![("since", rfc(h.watch.start)), ("until", rfc(h.watch.start + SignedDuration::from_hours(1)))];
            let sources: String = h.incident.by_source.iter().map(|(s, n)| format!("{s} {n} ")).collect();
            vec![
                cell(local_minute(h.watch.start)),
                vec![count(links, id, h.incident.bucket.counts.total, &hour)],
                cell(sources),
                cell(h.watch.counts.negative.to_string()),
                cell(h.watch.counts.total.to_string()),
            ]
        })
        .collect();
    doc.table(&[col("小时"), num("事件提及"), col("来源"), num("品牌负面"), num("品牌总量")], &rows);
}

/// Its sources, the accounts that spread it, and the copy-paste waves (their texts whole).
fn spread(doc: &mut Document, e: &Evidence, links: &Links) {
    let id = e.incident.id;
    doc.heading("扩散: 来源与传播者");
    let mut sources = Vec::new();
    for (s, n) in &e.sources {
        sources.extend([
            Span::Text(format!("{s} ")),
            count(links, id, *n, &[("source", s.clone())]),
            Span::Text(" 条　".into()),
        ]);
    }
    doc.line(&sources);
    let rows: Vec<_> = e
        .spreaders
        .iter()
        .map(|s| {
            vec![
                cell(s.author.clone()),
                cell(s.source.clone()),
                cell(s.followers.map_or("—".to_string(), |f| f.to_string())),
                vec![count(links, id, s.mentions, &[("author", s.author.clone())])],
                cell(s.engagement.to_string()),
            ]
        })
        .collect();
    doc.table(&[col("账号"), col("来源"), num("粉丝"), num("提及"), num("互动")], &rows);
    if e.waves.is_empty() {
        return;
    }
    doc.subheading("复制粘贴");
    let rows: Vec<_> = e
        .waves
        .iter()
        .map(|w| {
            vec![
                cell(w.text.clone()),
                vec![count(links, id, w.mentions, &[("cluster", w.cluster.to_string())])],
                cell(w.accounts.to_string()),
                cell(format!("{} – {}", local_minute(w.first), local_minute(w.last))),
            ]
        })
        .collect();
    doc.table(&[col("文本"), num("条数"), num("账号"), col("时间")], &rows);
}

/// What was done, newest first: the team's notes and what yuqing did.
fn log(doc: &mut Document, e: &Evidence) {
    doc.heading("处置记录");
    let rows: Vec<_> = e
        .incident
        .log
        .iter()
        .rev()
        .map(|l| vec![cell(local_minute(l.at)), cell(l.by.clone()), cell(l.what.clone())])
        .collect();
    doc.table(&[col("时间"), col("人"), col("内容")], &rows);
}
