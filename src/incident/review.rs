//! The review (事件专报) of an incident that has ended: its nature and scope, timeline, where it
//! started, how it spread, what drove it, what the team did (the log's entries by people), and
//! the recovery: when the watch's negative share and net sentiment over 12 hours (the first
//! such window from the incident's start on) came back to their level of the week before the
//! incident (within 2 points of share, 0.05 of net), or that they have not yet. Written as HTML,
//! Markdown, JSON and a Word document (`super::docx`) next to the digests, and sent.

use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use maud::{DOCTYPE, PreEscaped, html};
use serde::Serialize;
use tantivy::Searcher;

use super::evidence::{Evidence, gather};
use super::html::{Links, body, summary};
use super::track::Due;
use super::{Incident, IncidentError, IncidentRules};
use crate::alert::channels::Notice;
use crate::index::Fields;
use crate::index::stats::timeline;
use crate::render::{Block, Dialect, Message, Span};
use crate::text::TextPipeline;
use crate::time::{Interval, local_minute};

/// Back to usual: negative share within this of its level before.
pub const SHARE_TOLERANCE: f64 = 0.02;
/// Back to usual: net sentiment within this of its level before.
pub const NET_TOLERANCE: f64 = 0.05;
/// The window recovery is measured over, in hours.
pub const RECOVERY_HOURS: i64 = 12;

/// How the watch recovered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recovery {
    /// Over the week before the incident.
    pub before_negative_share: f64,
    pub before_net: f64,
    /// The end of the first 12 hours (from the incident's start on) whose share was back.
    pub share_back_at: Option<Timestamp>,
    pub net_back_at: Option<Timestamp>,
    /// The last 12 hours before the review.
    pub latest_negative_share: f64,
    pub latest_net: f64,
}

/// The review.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub title: String,
    pub evidence: Evidence,
    pub recovery: Recovery,
    /// From its start to its end (or to now, when it has not ended).
    pub hours: i64,
    pub written_at: Timestamp,
}

/// (negative share, net sentiment) of counts.
fn shares(total: u64, positive: u64, negative: u64) -> (f64, f64) {
    if total == 0 {
        return (0.0, 0.0);
    }
    (negative as f64 / total as f64, (positive as f64 - negative as f64) / total as f64)
}

/// The watch's recovery from `incident` as of `now`.
fn recovery(searcher: &Searcher, f: Fields, incident: &Incident, now: Timestamp) -> Result<Recovery, IncidentError> {
    let day = SignedDuration::from_hours(RECOVERY_HOURS);
    let week_before = incident.start - SignedDuration::from_hours(24 * 7);
    let until = Interval::Hour.floor(now) + SignedDuration::from_hours(1);
    let hours = timeline(searcher, f, &incident.watch, week_before, until.max(incident.start + day), Interval::Hour)?;
    let sum = |from: Timestamp, to: Timestamp| {
        hours
            .iter()
            .filter(|b| b.start >= from && b.start < to)
            .fold((0, 0, 0), |(t, p, n), b| (t + b.counts.total, p + b.counts.positive, n + b.counts.negative))
    };
    let (t, p, n) = sum(week_before, incident.start);
    let (before_negative_share, before_net) = shares(t, p, n);
    let (mut share_back_at, mut net_back_at) = (None, None);
    let mut from = incident.start;
    while from + day <= until && (share_back_at.is_none() || net_back_at.is_none()) {
        let (t, p, n) = sum(from, from + day);
        let (share, net) = shares(t, p, n);
        if share_back_at.is_none() && t > 0 && share <= before_negative_share + SHARE_TOLERANCE {
            share_back_at = Some(from + day);
        }
        if net_back_at.is_none() && t > 0 && net >= before_net - NET_TOLERANCE {
            net_back_at = Some(from + day);
        }
        from += SignedDuration::from_hours(1);
    }
    let (t, p, n) = sum(until - day, until);
    let (latest_negative_share, latest_net) = shares(t, p, n);
    Ok(Recovery { before_negative_share, before_net, share_back_at, net_back_at, latest_negative_share, latest_net })
}

/// The review of `incident` at `now`.
pub fn build(
    searcher: &Searcher,
    f: Fields,
    text: &TextPipeline,
    aliases: &[String],
    incident: &Incident,
    now: Timestamp,
) -> Result<Review, IncidentError> {
    let evidence = gather(searcher, f, text, aliases, incident, now)?;
    let end = incident.ended_at.unwrap_or(now);
    Ok(Review {
        title: format!("事件专报: {} 事件 {}", incident.watch, incident.label()),
        recovery: recovery(searcher, f, incident, now)?,
        hours: end.duration_since(incident.start).as_hours(),
        written_at: now,
        evidence,
    })
}

/// Hours from the incident's start to `at`, in words.
pub(super) fn after(start: Timestamp, at: Option<Timestamp>) -> String {
    match at {
        Some(t) => format!("{} 小时后 ({})", t.duration_since(start).as_hours(), local_minute(t)),
        None => "尚未恢复".to_string(),
    }
}

/// The review's message (the notice's text, and the `.md` file in CommonMark).
pub fn message(r: &Review, rules: &IncidentRules) -> Message {
    let (e, rc) = (&r.evidence, &r.recovery);
    let i = &e.incident;
    let mut m = Message::default();
    m.item(format!(
        "性质与规模：{} 条负面提及，{} 个账号，互动 {}；驱动词 {}",
        e.totals.mentions,
        e.totals.accounts,
        e.totals.engagement,
        i.scope.terms.join("、")
    ));
    let peak = i.peak.map_or(String::new(), |(at, n)| format!("，{} 达峰（一小时 {n} 条）", local_minute(at)));
    let end = i.ended_at.map_or("—".into(), local_minute);
    m.item(format!("时间线：{} 开始{peak}，{end} 结束，历时 {} 小时", local_minute(i.start), r.hours));
    if let Some(p) = e.first_posts.first() {
        m.blocks.push(Block::Item {
            number: None,
            spans: vec![
                Span::Text("起源：".into()),
                Span::Link { text: p.text.clone(), url: p.url.clone() },
                Span::Text(format!("（{}，{}）", p.source, local_minute(p.published_at))),
            ],
        });
    }
    let sources: Vec<String> = e.sources.iter().map(|(s, n)| format!("{s} {n} 条")).collect();
    m.item(format!("扩散：{}", sources.join("、")));
    let done: Vec<String> = i.log.iter().filter(|l| l.by != "yuqing").map(|l| format!("{} {}", l.by, l.what)).collect();
    m.item(format!("处置：{}", if done.is_empty() { "无记录".to_string() } else { done.join("；") }));
    m.item(format!(
        "恢复：负面占比 事件前 {:.0}%，近12小时 {:.0}%，回到事件前水平：{}",
        100.0 * rc.before_negative_share,
        100.0 * rc.latest_negative_share,
        after(i.start, rc.share_back_at)
    ));
    m.item(format!(
        "恢复：净情感 事件前 {:+.2}，近12小时 {:+.2}，回到事件前水平：{}",
        rc.before_net,
        rc.latest_net,
        after(i.start, rc.net_back_at)
    ));
    super::update::details(&mut m, rules, i.id);
    m
}

/// The review as a complete HTML document.
pub fn html(r: &Review, rules: &IncidentRules) -> String {
    let rc = &r.recovery;
    let i = &r.evidence.incident;
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { (r.title) } style { (PreEscaped(crate::digest::html::CSS)) (PreEscaped(crate::digest::charts::CSS)) } }
            body { main {
                h1 { (r.title) }
                (summary(i))
                section {
                    h2 { "恢复" }
                    p { "负面占比: 事件前一周 " (format!("{:.1}%", 100.0 * rc.before_negative_share)) ", 近12小时 " (format!("{:.1}%", 100.0 * rc.latest_negative_share)) " — 回到事件前水平: " (after(i.start, rc.share_back_at)) }
                    p { "净情感: 事件前一周 " (format!("{:+.2}", rc.before_net)) ", 近12小时 " (format!("{:+.2}", rc.latest_net)) " — 回到事件前水平: " (after(i.start, rc.net_back_at)) }
                }
                (body(&r.evidence, Links(rules.dashboard_url.as_deref())))
                p.sub { "生成于 " (local_minute(r.written_at)) " (Asia/Shanghai)" }
            } }
        }
    }
    .into_string()
}

/// The review's files: `incident-<id>.html`, `.md`, `.json` and `.docx` in `dir`.
pub fn write(dir: &Path, r: &Review, rules: &IncidentRules) -> Result<Vec<PathBuf>, IncidentError> {
    let fail = |path: &Path, e: &dyn std::fmt::Display| IncidentError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
    let stem = format!("incident-{}", r.evidence.incident.id);
    let json = serde_json::to_string_pretty(r).expect("reviews serialize");
    let md = message(r, rules).document(&r.title, Dialect::Markdown);
    let docx = super::docx::render(r, rules).map_err(|e| fail(&dir.join(format!("{stem}.docx")), &e))?;
    let mut written = Vec::new();
    for (ext, bytes) in
        [("html", html(r, rules).into_bytes()), ("md", md.into_bytes()), ("json", json.into_bytes()), ("docx", docx)]
    {
        let path = dir.join(format!("{stem}.{ext}"));
        // Whole or not at all: a crash mid-write leaves the previous file (or none), never half.
        let tmp = dir.join(format!(".{stem}.{ext}.tmp"));
        std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path)).map_err(|e| fail(&path, &e))?;
        written.push(path);
    }
    Ok(written)
}

/// The ending update and the review in one message.
pub fn notice(d: &Due, r: &Review, rules: &IncidentRules) -> Notice {
    Notice {
        title: super::update::title(d),
        markdown: Message {
            blocks: [super::update::message(d, rules).blocks, {
                let mut m = Message::default();
                m.line(r.title.clone());
                m.blocks.extend(message(r, rules).blocks);
                m.blocks
            }]
            .concat(),
        },
        html: Some(html(r, rules)),
        what: "incident_review",
        data: serde_json::json!({ "update": d, "review": r }),
    }
}
