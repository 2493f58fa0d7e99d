//! Normalization: turns raw crawled text into the one canonical form every later stage sees.
//!
//! One pass over the characters does the cheap work (full-width ASCII to half-width, Latin
//! lower-casing, control characters dropped, whitespace collapsed); HTML entities are decoded
//! before it and traditional characters converted to simplified after it (zhconv), because
//! jieba's dictionary and the lexicons are simplified.

use std::borrow::Cow;
use std::sync::OnceLock;

use zhconv::{Variant, ZhConverter, get_builtin_converter};

/// Normalizes `raw` into `out` (cleared first), reusing its allocation and `scratch`'s.
///
/// Characters the pass leaves as they are (most of any Chinese text) are copied as whole runs
/// of bytes, not pushed one by one.
pub fn normalize_into(raw: &str, out: &mut String, scratch: &mut String) {
    out.clear();
    scratch.clear();
    let decoded: Cow<'_, str> =
        if raw.contains('&') { html_escape::decode_html_entities(raw) } else { Cow::Borrowed(raw) };
    let text = &*decoded;
    let mut pending_space = false;
    let mut traditional = false;
    let table = traditional_table();
    // `text[..copied]` is in `out` already (or dropped).
    let mut copied = 0;
    for (i, c) in text.char_indices() {
        let folded = fold_char(c);
        traditional |= table.contains(folded);
        if folded == c && !(c.is_whitespace() || c.is_control() || is_invisible(c)) {
            // Kept as it is: part of the run copied later. A pending space opens the run
            // (it is only pending right after a character that was not kept, so here
            // `copied == i`).
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            continue;
        }
        out.push_str(&text[copied..i]);
        copied = i + c.len_utf8();
        if folded.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if folded.is_control() || is_invisible(folded) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(folded);
    }
    out.push_str(&text[copied..]);
    if traditional {
        std::mem::swap(out, scratch);
        converter().convert_to(scratch, out);
    }
}

pub(super) fn converter() -> &'static ZhConverter {
    get_builtin_converter(Variant::ZhHans)
}

/// The CJK code points zhconv turns into another character on their own: a text with none of
/// them is already simplified, and skips the converter (most texts: it saves a tenth of the
/// whole pipeline's time).
pub(super) struct TraditionalTable {
    bits: Vec<u64>,
}

/// The CJK unified ideographs (with extension A) and the compatibility ideographs.
const CJK_RANGES: [(u32, u32); 2] = [(0x3400, 0x9FFF), (0xF900, 0xFAFF)];

impl TraditionalTable {
    fn build() -> Self {
        let mut bits = vec![0u64; (0xFB00 / 64) + 1];
        let conv = converter();
        let mut buf = [0u8; 4];
        for (lo, hi) in CJK_RANGES {
            for c in (lo..=hi).filter_map(char::from_u32) {
                if conv.convert(c.encode_utf8(&mut buf)) != *c.encode_utf8(&mut buf) {
                    bits[c as usize / 64] |= 1 << (c as usize % 64);
                }
            }
        }
        TraditionalTable { bits }
    }

    #[inline]
    pub(super) fn contains(&self, c: char) -> bool {
        let i = c as usize;
        i >= 0x3400 && self.bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

pub(super) fn traditional_table() -> &'static TraditionalTable {
    static TABLE: OnceLock<TraditionalTable> = OnceLock::new();
    TABLE.get_or_init(TraditionalTable::build)
}

/// Normalizes `raw` into a new string.
pub fn normalize(raw: &str) -> String {
    let mut out = String::new();
    normalize_into(raw, &mut out, &mut String::new());
    out
}

/// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms;
/// Latin letters to lower case.
pub(super) fn fold_char(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Zero-width and byte-order characters that carry nothing but break matching. The zero-width
/// joiner (U+200D) and variation selectors are kept: they hold emoji sequences together.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}' | '\u{FFFE}')
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
    fn traditional_table_knows_traditional_from_simplified() {
        let t = super::traditional_table();
        for c in ['這', '價', '發', '臺', '灣', '務'] {
            assert!(t.contains(c), "{c}");
        }
        for c in ['这', '价', '发', '台', '好', '著', 'a', '!'] {
            assert!(!t.contains(c), "{c}");
        }
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(normalize("這個價格真的很划算，服務也不錯"), "这个价格真的很划算,服务也不错");
        assert_eq!(normalize("臺灣發貨"), "台湾发货");
    }

    #[test]
    fn entities_decoded_and_whitespace_collapsed() {
        assert_eq!(normalize("  质量&amp;做工 \t\n 都&lt;差&gt;  "), "质量&做工 都<差>");
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
