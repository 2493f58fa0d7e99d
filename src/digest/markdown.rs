//! The digest as a message for chat robots (DingTalk, WeCom, Feishu, Slack) and e-mail text, in
//! no markup dialect ([`Message`]: each channel renders it in its own; `yuqing digest --format md`
//! as CommonMark): the headlines, the figures, the top posts, and a link to the full HTML when
//! one is known. Crawled text is escaped by the dialect's renderer, as in alerts.

use super::Digest;
use crate::render::{Block, Message, Span};

/// The digest's message (its title is the notice's); `link` is where the HTML version can be read.
pub fn render(d: &Digest, link: Option<&str>) -> Message {
    let was = d.period.before_zh();
    let mut m = Message::default();
    for h in &d.headlines {
        m.item(h.clone());
    }
    let c = d.counts;
    m.line(format!(
        "提及 {} 条：正面 {}，中性 {}，负面 {}；净情感 {:+.2}（{} {:+.2}）",
        c.total, c.positive, c.neutral, c.negative, d.net_sentiment, was, d.previous_net_sentiment
    ));
    if !d.risks.is_empty() {
        let risks: Vec<String> =
            d.risks.iter().map(|r| format!("{} {}（{was} {}）", r.label, r.mentions, r.previous)).collect();
        m.line(format!("风险类别：{}", risks.join("，")));
    }
    if let Some(line) = d.emotions_line() {
        m.line(format!("负面情绪：{line}"));
    }
    let aspects = d.aspect_lines();
    if !aspects.is_empty() {
        m.line(format!("方面：{}", aspects.iter().take(5).cloned().collect::<Vec<_>>().join("，")));
    }
    if !d.top_negative.is_empty() {
        m.line("热门负面：");
        for (i, p) in d.top_negative.iter().take(3).enumerate() {
            let link = Span::Link { text: p.text.clone(), url: p.url.clone() };
            m.numbered(i + 1, vec![link, Span::Text(format!("（{}，互动 {}）", p.source, p.engagement))]);
        }
    }
    if let Some(url) = link {
        m.blocks.push(Block::Line(vec![Span::Link {
            text: format!("完整{}", d.period.kind.report_zh()),
            url: url.into(),
        }]));
    }
    m
}
