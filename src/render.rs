//! What every renderer shares (alerts, digests, the dashboard): a message in no markup dialect
//! ([`Message`]: lines and list items of text and links) rendered for each place it goes
//! ([`Dialect`]: a terminal, CommonMark, DingTalk, WeCom, Feishu's lark_md, Slack's mrkdwn), and
//! crawled URLs made safe for links. Crawled text is untrusted (DESIGN.md): in every dialect it
//! must not format, link, mention or break out of what it is put in, so every text of a message
//! is escaped the way its dialect documents; only the message's structure is markup. Reports
//! handed up as Word documents are built with [`docx`], their SVG charts drawn as [`png`];
//! emotions and aspects are put in words by [`shares`].

pub mod docx;
pub mod png;
pub mod shares;

/// Where a message is read, and so which markup it is written in.
///
/// What each dialect escapes, from its documentation:
/// - Markdown (CommonMark): backslash escapes for ASCII punctuation, `&lt; &gt; &amp;`.
/// - DingTalk custom robots and WeCom group robots document a Markdown subset (headings, bold,
///   links, quotes, lists; WeCom also `<font>` and `<@userid>` mentions) and no escape at all: the
///   characters those read are replaced by their full-width forms (`［点我］（http://evil）`),
///   which read the same to people and as nothing to the robots.
/// - Feishu lark_md: "需要对特殊字符进行 HTML 转义" — `&#42;` for `*`, `&#91;` for `[`, and so on.
/// - Slack mrkdwn: `&amp; &lt; &gt;` ("only these three"); it has no escape for `* _ ~ \``, so
///   those take their full-width forms; links are `<url|text>`.
/// - Plain (a terminal, a text/plain e-mail): no markup, no escapes; control characters (a
///   crawled terminal escape sequence) are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Plain,
    Markdown,
    DingTalk,
    WeCom,
    LarkMd,
    Mrkdwn,
}

impl Dialect {
    pub const ALL: [Dialect; 6] =
        [Dialect::Plain, Dialect::Markdown, Dialect::DingTalk, Dialect::WeCom, Dialect::LarkMd, Dialect::Mrkdwn];
}

/// A piece of a line: text (escaped for the dialect), or a link whose text is.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    /// A link, shown only when its URL is a web link ([`safe_url`]); else its text alone.
    Link {
        text: String,
        url: String,
    },
}

/// A line of a message: a paragraph line, or a list item (numbered or not).
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Line(Vec<Span>),
    Item { number: Option<usize>, spans: Vec<Span> },
}

/// A message in no dialect: its blocks in order; [`Message::render`] writes it in one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub blocks: Vec<Block>,
}

impl Message {
    /// A line of one text.
    pub fn line(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Line(vec![Span::Text(text.into())]));
    }

    /// A bullet item of one text.
    pub fn item(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Item { number: None, spans: vec![Span::Text(text.into())] });
    }

    /// A numbered item of its spans.
    pub fn numbered(&mut self, number: usize, spans: Vec<Span>) {
        self.blocks.push(Block::Item { number: Some(number), spans });
    }

    /// The message in `dialect`. Blocks of one kind follow each other line by line; a blank line
    /// separates a list from a line (and, where single line breaks do not show — CommonMark and
    /// DingTalk — every line from the next).
    pub fn render(&self, dialect: Dialect) -> String {
        let paragraphs = matches!(dialect, Dialect::Markdown | Dialect::DingTalk);
        let mut out = String::new();
        let mut previous: Option<&Block> = None;
        for block in &self.blocks {
            if let Some(p) = previous {
                let same_list = matches!((p, block), (Block::Item { .. }, Block::Item { .. }));
                let same_lines = matches!((p, block), (Block::Line(_), Block::Line(_)));
                out.push_str(if same_list || (same_lines && !paragraphs) { "\n" } else { "\n\n" });
            }
            match block {
                Block::Line(spans) => out.push_str(&spans_in(spans, dialect)),
                Block::Item { number, spans } => {
                    match (number, dialect) {
                        (Some(n), _) => out.push_str(&format!("{n}. ")),
                        (None, Dialect::Mrkdwn | Dialect::Plain) => out.push_str("• "),
                        (None, _) => out.push_str("- "),
                    }
                    out.push_str(&spans_in(spans, dialect));
                }
            }
            previous = Some(block);
        }
        out
    }

    /// The message under its title as one text in `dialect`: a heading where the dialect has
    /// headings, bold where it has only that, a line of its own in plain text.
    pub fn document(&self, title: &str, dialect: Dialect) -> String {
        let title = escape(title, dialect);
        let head = match dialect {
            Dialect::Plain => title,
            Dialect::Markdown | Dialect::DingTalk | Dialect::WeCom => format!("### {title}"),
            Dialect::LarkMd => format!("**{title}**"),
            Dialect::Mrkdwn => format!("*{title}*"),
        };
        format!("{head}\n\n{}\n", self.render(dialect))
    }
}

fn spans_in(spans: &[Span], dialect: Dialect) -> String {
    let mut out = String::new();
    for span in spans {
        match span {
            Span::Text(t) => out.push_str(&escape(t, dialect)),
            Span::Link { text, url } => out.push_str(&link(text, url, dialect)),
        }
    }
    out
}

/// A link in `dialect`: its text alone when the URL is not a web link.
fn link(text: &str, url: &str, dialect: Dialect) -> String {
    let shown = escape(text, dialect);
    match safe_url(url) {
        None => shown,
        Some(url) => match dialect {
            Dialect::Plain => format!("{shown} <{url}>"),
            Dialect::Mrkdwn => format!("<{url}|{shown}>"),
            _ => format!("[{shown}]({url})"),
        },
    }
}

/// A crawled URL made safe for a link in any dialect: http(s) only, with the characters that
/// could end the link or open markup percent-encoded.
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

/// Untrusted text made inert in `dialect` (see [`Dialect`] for each one's rule); line breaks
/// become spaces in every dialect, so that text cannot start a heading, a list or a quote.
pub fn escape(text: &str, dialect: Dialect) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\n' || c == '\r' || c == '\t' {
            out.push(' ');
            continue;
        }
        if c.is_control() {
            continue;
        }
        match dialect {
            Dialect::Plain => out.push(c),
            Dialect::Markdown => match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '~' | '!' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            },
            Dialect::DingTalk | Dialect::WeCom => out.push(full_width(c, "\\`*_[]()#|~<>!&")),
            Dialect::LarkMd => match c {
                '&' | '<' | '>' | '*' | '~' | '_' | '`' | '[' | ']' | '(' | ')' | '#' | ':' | '$' | '!' | '\\'
                | '|' => out.push_str(&format!("&#{};", c as u32)),
                c => out.push(c),
            },
            Dialect::Mrkdwn => match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(full_width(c, "*_~`")),
            },
        }
    }
    out
}

/// `c`'s full-width form (U+FF01…U+FF5E) when it is one of `these`, else `c`.
fn full_width(c: char, these: &str) -> char {
    if c.is_ascii_punctuation() && these.contains(c) {
        char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts a crawled post or term may hold to format, link, mention or break out.
    const HOSTILE: &str = "[点我](http://evil) <!channel> *粗* _斜_ ~删~ `码` \\ # <at id=all></at> :OK: \
                           <font color=\"warning\">红</font> &lt;b&gt;\n# 标题\u{1b}[31m";

    #[test]
    fn each_dialect_escapes_as_its_documentation_says() {
        let got = |d| escape(HOSTILE, d);
        assert_eq!(
            got(Dialect::Markdown),
            "\\[点我\\]\\(http://evil\\) &lt;\\!channel&gt; \\*粗\\* \\_斜\\_ \\~删\\~ \\`码\\` \\\\ \\# &lt;at id=all&gt;&lt;/at&gt; :OK: \
             &lt;font color=\"warning\"&gt;红&lt;/font&gt; &amp;lt;b&amp;gt; \\# 标题\\[31m"
        );
        assert_eq!(
            got(Dialect::DingTalk),
            "［点我］（http://evil） ＜！channel＞ ＊粗＊ ＿斜＿ ～删～ ｀码｀ ＼ ＃ ＜at id=all＞＜/at＞ :OK: \
             ＜font color=\"warning\"＞红＜/font＞ ＆lt;b＆gt; ＃ 标题［31m"
        );
        assert_eq!(got(Dialect::WeCom), got(Dialect::DingTalk));
        assert_eq!(
            got(Dialect::LarkMd),
            "&#91;点我&#93;&#40;http&#58;//evil&#41; &#60;&#33;channel&#62; &#42;粗&#42; &#95;斜&#95; &#126;删&#126; \
             &#96;码&#96; &#92; &#35; &#60;at id=all&#62;&#60;/at&#62; &#58;OK&#58; \
             &#60;font color=\"warning\"&#62;红&#60;/font&#62; &#38;lt;b&#38;gt; &#35; 标题&#91;31m"
        );
        assert_eq!(
            got(Dialect::Mrkdwn),
            "[点我](http://evil) &lt;!channel&gt; ＊粗＊ ＿斜＿ ～删～ ｀码｀ \\ # &lt;at id=all&gt;&lt;/at&gt; :OK: \
             &lt;font color=\"warning\"&gt;红&lt;/font&gt; &amp;lt;b&amp;gt; # 标题[31m"
        );
        // A terminal gets the text as written, on one line, without the escape character.
        assert_eq!(
            got(Dialect::Plain),
            "[点我](http://evil) <!channel> *粗* _斜_ ~删~ `码` \\ # <at id=all></at> :OK: \
             <font color=\"warning\">红</font> &lt;b&gt; # 标题[31m"
        );
    }

    #[test]
    fn no_dialect_lets_crawled_text_open_markup() {
        for d in Dialect::ALL {
            let e = escape(HOSTILE, d);
            assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{d:?}: {e}");
            if d == Dialect::Plain {
                continue;
            }
            // No link, tag, mention or emphasis can start: the characters that open them are gone
            // or escaped (a backslash before each in CommonMark: those pairs are taken out here).
            let mut bare = String::new();
            let mut chars = e.chars();
            while let Some(c) = chars.next() {
                if c == '\\' && d == Dialect::Markdown {
                    chars.next();
                } else {
                    bare.push(c);
                }
            }
            let mut openers = vec!["<!", "<at", "<font", "*粗", "_斜", "`码", "~删"];
            match d {
                // Slack reads no [text](url); its links and mentions open with <.
                Dialect::Mrkdwn => openers.push("<"),
                Dialect::LarkMd => openers.extend(["](", ":OK:"]),
                _ => openers.push("]("),
            }
            for opener in openers {
                assert!(!bare.contains(opener), "{d:?} keeps {opener:?}: {e}");
            }
        }
    }

    #[test]
    fn messages_render_lists_links_and_titles_per_dialect() {
        let mut m = Message::default();
        m.item("负面提及：31 条");
        m.line("热门负面：");
        m.numbered(1, vec![Span::Link { text: "起火了 *真的*".into(), url: "https://m.weibo.cn/1".into() }]);
        m.numbered(2, vec![Span::Link { text: "<script>".into(), url: "javascript:alert(1)".into() }]);
        assert_eq!(
            m.document("【舆情严重】华为", Dialect::Plain),
            "【舆情严重】华为\n\n• 负面提及：31 条\n\n热门负面：\n\n1. 起火了 *真的* <https://m.weibo.cn/1>\n2. <script>\n"
        );
        assert_eq!(
            m.render(Dialect::Markdown),
            "- 负面提及：31 条\n\n热门负面：\n\n1. [起火了 \\*真的\\*](https://m.weibo.cn/1)\n2. &lt;script&gt;"
        );
        assert_eq!(
            m.render(Dialect::Mrkdwn),
            "• 负面提及：31 条\n\n热门负面：\n\n1. <https://m.weibo.cn/1|起火了 ＊真的＊>\n2. &lt;script&gt;"
        );
        assert!(m.render(Dialect::LarkMd).contains("1. [起火了 &#42;真的&#42;](https://m.weibo.cn/1)"));
        assert!(m.render(Dialect::DingTalk).contains("1. [起火了 ＊真的＊](https://m.weibo.cn/1)\n2. ＜script＞"));
        assert_eq!(m.document("a*b", Dialect::Mrkdwn).lines().next(), Some("*a＊b*"));
        assert_eq!(m.document("a*b", Dialect::DingTalk).lines().next(), Some("### a＊b"));
        for d in Dialect::ALL {
            assert!(!m.render(d).contains("javascript"), "{d:?}");
        }
    }

    #[test]
    fn only_web_links_pass_and_cannot_end_early() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("不是链接"), None);
        assert_eq!(safe_url("https://weibo.com/1/a)b").as_deref(), Some("https://weibo.com/1/a%29b"));
        assert_eq!(safe_url("https://x.cn/a|b>c").as_deref(), Some("https://x.cn/a%7Cb%3Ec"));
    }
}
