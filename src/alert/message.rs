//! An alert in words: one Markdown text (DingTalk, WeCom, Feishu's lark_md, Slack's mrkdwn and
//! the console read it) and its title. Crawled text (terms) is escaped so that it cannot break
//! out of the formatting or smuggle links.

use super::backtest::Alert;
use super::detect::Severity;
use crate::mention::local_minute;
use crate::sentiment::RiskCategory;

/// The alert's one-line title.
pub fn title(a: &Alert) -> String {
    let level = match a.verdict.severity {
        Some(Severity::Critical) => "严重",
        _ => "预警",
    };
    format!("[舆情{level}] {}: 负面声量激增 {} 条 (预期 {:.1})", a.watch, a.verdict.observed, a.verdict.expected)
}

/// The alert as Markdown.
pub fn markdown(a: &Alert) -> String {
    let v = &a.verdict;
    let mut s = format!("### {}\n\n", escape(&title(a)));
    s.push_str(&format!("- 时间: {} (Asia/Shanghai)\n", local_minute(v.start)));
    s.push_str(&format!(
        "- 负面提及: {} 条, 预期 {:.1} 条 (p = {:.1e})\n- 负面占比: {:.0}% (平时 {:.0}%)\n",
        v.observed,
        v.expected,
        v.p_value,
        100.0 * v.negative_share,
        100.0 * v.usual_share
    ));
    if !a.rising_terms.is_empty() {
        let terms: Vec<String> =
            a.rising_terms.iter().map(|t| format!("{} ({}←{})", escape(&t.term), t.mentions, t.before)).collect();
        s.push_str(&format!("- 上升词: {}\n", terms.join(", ")));
    }
    if !a.risks.is_empty() {
        let risks: Vec<String> = a.risks.iter().map(|(name, n)| format!("{} {n}", risk_label(name))).collect();
        s.push_str(&format!("- 风险类别: {}\n", risks.join(", ")));
    }
    if !a.top_posts.is_empty() {
        s.push_str("- 热门负面:\n");
        for (i, p) in a.top_posts.iter().enumerate() {
            let text = escape(&p.text);
            let shown = match safe_url(&p.url) {
                Some(url) => format!("[{text}]({url})"),
                None => text,
            };
            s.push_str(&format!("  {}. {shown} ({}, 互动 {})\n", i + 1, escape(&p.source), p.engagement));
        }
    }
    s
}

/// The Chinese label of a risk category name, or the name itself.
pub fn risk_label(name: &str) -> String {
    name.parse::<RiskCategory>().map_or_else(|_| name.to_string(), |c| c.label_zh().to_string())
}

/// A crawled URL made safe for a Markdown link: http(s) only, with the characters that could
/// end the link or open markup percent-encoded.
pub fn safe_url(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for c in parsed.as_str().chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '|' => out.push_str("%7C"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    Some(out)
}

/// Escapes Markdown control characters and angle brackets in untrusted text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, safe_url};

    #[test]
    fn crawled_text_cannot_format_or_link() {
        assert_eq!(escape("[点我](http://x) <script>"), "\\[点我\\]\\(http://x\\) &lt;script&gt;");
        assert_eq!(escape("起火\n# 标题"), "起火 \\# 标题");
    }

    #[test]
    fn only_web_links_pass_and_cannot_end_early() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("不是链接"), None);
        assert_eq!(safe_url("https://weibo.com/1/a)b").as_deref(), Some("https://weibo.com/1/a%29b"));
    }
}
