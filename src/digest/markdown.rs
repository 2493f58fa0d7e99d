//! The digest as Markdown for chat robots (DingTalk, WeCom, Feishu, Slack) and e-mail text: the
//! headlines, the figures, the top posts, and a link to the full HTML when one is known. Crawled
//! text is escaped with the alerts' escaping.

use super::Digest;
use crate::render::{escape, safe_url};

/// The digest in Markdown; `link` is where the HTML version can be read.
pub fn render(d: &Digest, link: Option<&str>) -> String {
    let mut s = format!("### {}\n\n", escape(&d.title));
    for h in &d.headlines {
        s.push_str(&format!("- {}\n", escape(h)));
    }
    let c = d.counts;
    s.push_str(&format!(
        "\n提及 {} 条：正面 {}，中性 {}，负面 {}；净情感 {:+.2}（上周 {:+.2}）\n",
        c.total, c.positive, c.neutral, c.negative, d.net_sentiment, d.previous_net_sentiment
    ));
    if !d.risks.is_empty() {
        let risks: Vec<String> =
            d.risks.iter().map(|r| format!("{} {}（上周 {}）", r.label, r.mentions, r.previous)).collect();
        s.push_str(&format!("\n风险类别：{}\n", risks.join("，")));
    }
    if !d.top_negative.is_empty() {
        s.push_str("\n热门负面：\n");
        for (i, p) in d.top_negative.iter().take(3).enumerate() {
            let text = escape(&p.text);
            let shown = safe_url(&p.url).map_or(text.clone(), |u| format!("[{text}]({u})"));
            s.push_str(&format!("{}. {shown}（{}，互动 {}）\n", i + 1, escape(&p.source), p.engagement));
        }
    }
    if let Some(url) = link.and_then(safe_url) {
        s.push_str(&format!("\n[完整周报]({url})\n"));
    }
    s
}
