//! An incident's update in words: what changed since the last one (volume doubled, a new
//! source, a post of large reach, the peak passed, the end), where it stands, and where to read
//! it. One message per incident per judgement, however many things changed; the channels keep
//! to each robot's rate. A [`Message`] in no dialect: each channel renders (and escapes) it in its own.

use super::Incident;
use super::config::IncidentRules;
use super::lifecycle::Phase;
use super::track::{Change, Due};
use crate::alert::channels::Notice;
use crate::index::search::SearchHit;
use crate::render::{Block, Message, Span};
use crate::time::local_minute;

/// The update's one-line title.
pub fn title(d: &Due) -> String {
    let i = &d.incident;
    let what = if i.phase == Phase::Ended {
        "事件结束".to_string()
    } else {
        format!("事件更新 · {}", i.phase.label_zh())
    };
    format!("【舆情{what}】{} 事件 {}：累计 {} 条负面", i.watch, i.label(), i.told.mentions)
}

/// One change as a list item.
fn item(c: &Change) -> Vec<Span> {
    let text = |t: String| vec![Span::Text(t)];
    match c {
        Change::Doubled { before, now } => text(format!("声量翻倍：{before} → {now} 条")),
        Change::NewSource { source, mentions } => text(format!("扩散到新来源：{source}（{mentions} 条）")),
        Change::Notable { post, author, followers } => {
            let reach = followers.map_or(String::new(), |f| format!("粉丝 {f}，"));
            vec![
                Span::Text(format!("大号/高互动发布：{author}（{reach}互动 {}）：", post.engagement)),
                Span::Link { text: post.text.clone(), url: post.url.clone() },
            ]
        }
        Change::Phase { to: Phase::Ended, .. } => text("负面声量已回到平时水平：事件结束".to_string()),
        Change::Phase { from, to } => text(format!("阶段：{} → {}", from.label_zh(), to.label_zh())),
        Change::Reopened => text("事件结束后再次发酵".to_string()),
    }
}

/// A link to the incident (its page, or the command that shows it).
pub(super) fn details(m: &mut Message, rules: &IncidentRules, id: u64) {
    let link = rules.link(id);
    m.blocks.push(Block::Item {
        number: None,
        spans: vec![Span::Text("详情：".into()), Span::Link { text: link.clone(), url: link }],
    });
}

/// The update's message: what changed, then where the incident stands.
pub fn message(d: &Due, rules: &IncidentRules) -> Message {
    let i = &d.incident;
    let mut m = Message::default();
    for c in &d.changes {
        m.blocks.push(Block::Item { number: None, spans: item(c) });
    }
    m.item(format!("开始于：{}（北京时间）", local_minute(i.start)));
    if let Some((at, n)) = i.peak {
        m.item(format!("峰值：{} 起一小时 {n} 条", local_minute(at)));
    }
    if let Some(end) = i.ended_at {
        m.item(format!("结束于：{}", local_minute(end)));
    }
    let who = i.assignee.as_ref().map_or(String::new(), |a| format!("（负责人 {a}）"));
    m.item(format!("处置状态：{}{who}", i.status.label_zh()));
    details(&mut m, rules, i.id);
    m
}

/// The update as a notice for every channel.
pub fn notice(d: &Due, rules: &IncidentRules) -> Notice {
    Notice {
        title: title(d),
        markdown: message(d, rules),
        html: None,
        what: "incident_update",
        data: serde_json::to_value(d).expect("updates serialize"),
    }
}

/// A rule alert: the mention that matched, who posted it, and the incident it opened or joined.
pub fn rule_notice(rule: &str, hit: &SearchHit, incident: &Incident, rules: &IncidentRules) -> Notice {
    let title = format!("【舆情规则预警】{}：命中「{rule}」", incident.watch);
    let text = crate::index::search::TopPost::from(hit.clone()).text;
    let followers = hit.author_followers.map_or(String::new(), |f| format!("，粉丝 {f}"));
    let mut m = Message::default();
    m.blocks.push(Block::Item {
        number: None,
        spans: vec![Span::Text("帖子：".into()), Span::Link { text, url: hit.url.clone() }],
    });
    m.item(format!(
        "发布：{}（{}{followers}，互动 {}）· {}",
        hit.author,
        hit.source,
        hit.likes + hit.reposts + hit.replies,
        local_minute(hit.published_at)
    ));
    m.item(format!("事件：{} {}", incident.label(), incident.phase.label_zh()));
    details(&mut m, rules, incident.id);
    let data = serde_json::json!({ "rule": rule, "mention": hit, "incident": incident.id });
    Notice { title, markdown: m, html: None, what: "rule_alert", data }
}
