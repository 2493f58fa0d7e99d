//! An alert in words: one Markdown text (DingTalk, WeCom, Feishu's lark_md, Slack's mrkdwn and
//! the console read it) and its title. Crawled text (terms) is escaped so that it cannot break
//! out of the formatting or smuggle links.

use super::backtest::Alert;
use super::detect::Severity;
use crate::mention::local_minute;

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
    s
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
    use super::escape;

    #[test]
    fn crawled_text_cannot_format_or_link() {
        assert_eq!(escape("[点我](http://x) <script>"), "\\[点我\\]\\(http://x\\) &lt;script&gt;");
        assert_eq!(escape("起火\n# 标题"), "起火 \\# 标题");
    }
}
