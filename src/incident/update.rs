//! An incident's update in words: what changed since the last one (volume doubled, a new
//! source, a post of large reach, the peak passed, the end), where it stands, and where to read
//! it. One message per incident per judgement, however many things changed; the channels keep
//! to each robot's rate. Crawled text is escaped as in alerts.

use super::Incident;
use super::config::IncidentRules;
use super::lifecycle::Phase;
use super::track::{Change, Due};
use crate::alert::channels::Notice;
use crate::index::search::SearchHit;
use crate::render::{escape, safe_url};
use crate::time::local_minute;

/// The update's one-line title.
pub fn title(d: &Due) -> String {
    let i = &d.incident;
    let what = if i.phase == Phase::Ended {
        "事件结束".to_string()
    } else {
        format!("事件更新 · {}", i.phase.label_zh())
    };
    format!("[舆情{what}] {} 事件 {}: 累计 {} 条负面", i.watch, i.label(), i.told.mentions)
}

/// One change as a line.
fn line(c: &Change) -> String {
    match c {
        Change::Doubled { before, now } => format!("声量翻倍: {before} → {now} 条"),
        Change::NewSource { source, mentions } => format!("扩散到新来源: {} ({mentions} 条)", escape(source)),
        Change::Notable { post, author, followers } => {
            let text = escape(&post.text);
            let shown = match safe_url(&post.url) {
                Some(url) => format!("[{text}]({url})"),
                None => text,
            };
            let reach = followers.map_or(String::new(), |f| format!("粉丝 {f}, "));
            format!("大号/高互动发布: {} ({reach}互动 {}): {shown}", escape(author), post.engagement)
        }
        Change::Phase { to: Phase::Ended, .. } => "负面声量已回到平时水平: 事件结束".to_string(),
        Change::Phase { from, to } => format!("阶段: {} → {}", from.label_zh(), to.label_zh()),
        Change::Reopened => "事件结束后再次发酵".to_string(),
    }
}

/// The update as Markdown.
pub fn markdown(d: &Due, rules: &IncidentRules) -> String {
    let i = &d.incident;
    let mut s = format!("### {}\n\n", escape(&title(d)));
    for c in &d.changes {
        s.push_str(&format!("- {}\n", line(c)));
    }
    s.push_str(&format!("- 开始于: {} (Asia/Shanghai)\n", local_minute(i.start)));
    if let Some((at, n)) = i.peak {
        s.push_str(&format!("- 峰值: {} 一小时 {n} 条\n", local_minute(at)));
    }
    if let Some(end) = i.ended_at {
        s.push_str(&format!("- 结束于: {}\n", local_minute(end)));
    }
    s.push_str(&format!("- 处置状态: {}", i.status.label_zh()));
    if let Some(a) = &i.assignee {
        s.push_str(&format!(" (负责人 {})", escape(a)));
    }
    // The link is the configured dashboard address (checked) or a command: no crawled text.
    s.push_str(&format!("\n- 详情: {}\n", rules.link(i.id)));
    s
}

/// The update as a notice for every channel.
pub fn notice(d: &Due, rules: &IncidentRules) -> Notice {
    Notice {
        title: title(d),
        markdown: markdown(d, rules),
        html: None,
        what: "incident_update",
        data: serde_json::to_value(d).expect("updates serialize"),
    }
}

/// A rule alert: the mention that matched, who posted it, and the incident it opened or joined.
pub fn rule_notice(rule: &str, hit: &SearchHit, incident: &Incident, rules: &IncidentRules) -> Notice {
    let title = format!("[舆情规则预警] {}: 命中「{rule}」", incident.watch);
    let text = escape(&crate::index::search::TopPost::from(hit.clone()).text);
    let shown = match safe_url(&hit.url) {
        Some(url) => format!("[{text}]({url})"),
        None => text,
    };
    let followers = hit.author_followers.map_or(String::new(), |f| format!(", 粉丝 {f}"));
    let markdown = format!(
        "### {}\n\n- 帖子: {shown}\n- 发布: {} ({}{followers}, 互动 {}) · {}\n- 事件: {} {} · 详情: {}\n",
        escape(&title),
        escape(&hit.author),
        escape(&hit.source),
        hit.likes + hit.reposts + hit.replies,
        local_minute(hit.published_at),
        incident.label(),
        incident.phase.label_zh(),
        rules.link(incident.id),
    );
    let data = serde_json::json!({ "rule": rule, "mention": hit, "incident": incident.id });
    Notice { title, markdown, html: None, what: "rule_alert", data }
}
