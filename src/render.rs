//! What every renderer shares (alerts, digests, the dashboard): crawled text made safe for
//! Markdown, and crawled URLs made safe for links. Crawled text is untrusted (DESIGN.md): it must
//! not format, link or break out of what it is put in.

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
