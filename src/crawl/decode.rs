//! Bytes to text: the charset from a byte-order mark, the Content-Type header, or the page's own
//! `<meta charset>` / `<meta http-equiv>` (reqwest reads only the header, so GBK pages that
//! declare their charset in the page would come out garbled), else UTF-8. GBK, GB2312 and
//! GB18030 all decode through encoding_rs's GB18030 superset.

use encoding_rs::{Encoding, UTF_8};

/// How far into a page the meta tag is looked for (the HTML standard says 1024 bytes; some
/// Chinese sites put it later, after long comments and scripts).
const SNIFF_BYTES: usize = 4096;

/// The decoded text, the encoding used, and whether malformed sequences were replaced.
pub fn decode(body: &[u8], content_type: Option<&str>) -> (String, &'static Encoding, bool) {
    let encoding = Encoding::for_bom(body)
        .map(|(e, _)| e)
        .or_else(|| content_type.and_then(charset_param))
        .or_else(|| meta_charset(&body[..body.len().min(SNIFF_BYTES)]))
        .unwrap_or(UTF_8);
    let (text, used, had_errors) = encoding.decode(body);
    (text.into_owned(), used, had_errors)
}

/// `charset=` in a Content-Type value.
fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes()))?
    })
}

/// `charset=` inside a `<meta` tag near the start of the page.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&lower[at..], b"<meta") {
        let tag_start = at + i;
        let tag_end = memchr::memchr(b'>', &lower[tag_start..]).map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        if let Some(c) = memchr::memmem::find(tag, b"charset") {
            let rest = &tag[c + b"charset".len()..];
            let rest = rest.iter().skip_while(|b| b.is_ascii_whitespace() || **b == b'=').copied();
            let label: Vec<u8> = rest
                .skip_while(|b| *b == b'"' || *b == b'\'')
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
                .collect();
            if let Some(e) = Encoding::for_label(&label) {
                return Some(e);
            }
        }
        at = tag_end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn charset_from_the_header() {
        let (text, enc, bad) = decode(&gbk("质量很好"), Some("text/html; charset=GBK"));
        assert_eq!((text.as_str(), enc.name(), bad), ("质量很好", "GBK", false));
    }

    #[test]
    fn charset_from_meta_tags_when_the_header_has_none() {
        for head in [
            r#"<meta charset="gb2312">"#,
            r#"<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=gbk">"#,
            r#"<meta http-equiv=content-type content='text/html;charset=GB18030'/>"#,
        ] {
            let page =
                gbk(&format!("<html><head><meta name=\"x\" content=\"y\">{head}</head><body>电池鼓包</body></html>"));
            let (text, _, bad) = decode(&page, Some("text/html"));
            assert!(text.contains("电池鼓包") && !bad, "{head}: {text}");
        }
    }

    #[test]
    fn utf8_by_default_and_by_bom() {
        assert_eq!(decode("好评".as_bytes(), None).0, "好评");
        assert_eq!(decode(b"\xEF\xBB\xBF{\"a\":1}", Some("application/json")).0, "{\"a\":1}");
        // A GBK page with no declaration decodes as UTF-8 with replacements, and says so.
        assert!(decode(&gbk("差评"), None).2);
    }
}
