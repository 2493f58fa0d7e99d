//! Normalization: turns raw crawled text into the one canonical form every later stage sees.
//!
//! One pass over the characters does the cheap work (full-width ASCII to half-width, Latin
//! lower-casing, control characters dropped, whitespace collapsed); HTML entities are decoded
//! before it and traditional characters converted to simplified after it (zhconv), because
//! jieba's dictionary and the lexicons are simplified.

use std::borrow::Cow;
use zhconv::{Variant, get_builtin_converter};

/// Normalizes `raw` into `out` (cleared first), reusing its allocation and `scratch`'s.
pub fn normalize_into(raw: &str, out: &mut String, scratch: &mut String) {
    out.clear();
    scratch.clear();
    let decoded: Cow<'_, str> = if raw.contains('&') {
        html_escape::decode_html_entities(raw)
    } else {
        Cow::Borrowed(raw)
    };
    let mut pending_space = false;
    for c in decoded.chars() {
        let c = fold_char(c);
        if c.is_whitespace() {
            pending_space = !scratch.is_empty();
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if pending_space {
            scratch.push(' ');
            pending_space = false;
        }
        scratch.push(c);
    }
    if scratch.is_ascii() {
        out.push_str(scratch);
    } else {
        get_builtin_converter(Variant::ZhHans).convert_to(scratch, out);
    }
}

/// Normalizes `raw` into a new string.
pub fn normalize(raw: &str) -> String {
    let mut out = String::new();
    normalize_into(raw, &mut out, &mut String::new());
    out
}

/// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms;
/// Latin letters to lower case.
fn fold_char(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Zero-width and byte-order characters that carry nothing but break matching. The zero-width
/// joiner (U+200D) and variation selectors are kept: they hold emoji sequences together.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}' | '\u{FFFE}'
    )
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn full_width_becomes_half_width_and_latin_lower_case() {
        assert_eq!(normalize("ＨＵＡＷＥＩ　Ｍａｔｅ６０！"), "huawei mate60!");
        assert_eq!(normalize("iPhone 15 Pro"), "iphone 15 pro");
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(
            normalize("這個價格真的很划算，服務也不錯"),
            "这个价格真的很划算,服务也不错"
        );
        assert_eq!(normalize("臺灣發貨"), "台湾发货");
    }

    #[test]
    fn entities_decoded_and_whitespace_collapsed() {
        assert_eq!(
            normalize("  质量&amp;做工 \t\n 都&lt;差&gt;  "),
            "质量&做工 都<差>"
        );
    }

    #[test]
    fn control_characters_and_zero_width_dropped_but_emoji_joiners_kept() {
        assert_eq!(normalize("好\u{0}\u{7}用\u{200B}"), "好用");
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(normalize(family), family);
    }

    #[test]
    fn empty_and_blank_input() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \t\r\n"), "");
    }
}
