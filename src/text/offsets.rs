//! Normalization that remembers where each character came from, so that a match found in the
//! normalized text (what the index holds) can be marked in the text as written (what people
//! read and quote). Only snippets and queries need it; ingestion normalizes without it.
//!
//! Each normalized character keeps the byte span of the written text it stands for: a full-width
//! letter for its half-width form, an HTML entity for the character it decodes to, a run of white
//! space for its one space, a traditional character for its simplified one.

use super::normalize::{fold_char, is_invisible, traditional_table};

/// A normalized text and, for each of its characters, the byte span of the written text it came
/// from.
#[derive(Debug, Default, Clone)]
pub struct Mapped {
    pub text: String,
    /// Per character of `text`, in order: (its byte start in `text`, written start, written end).
    spans: Vec<(u32, u32, u32)>,
}

impl Mapped {
    /// The written byte range of the normalized range `from..to` (character boundaries of `text`).
    pub fn written(&self, from: usize, to: usize) -> (usize, usize) {
        let at = |b: usize| self.spans.partition_point(|s| (s.0 as usize) < b);
        let first = at(from).min(self.spans.len().saturating_sub(1));
        let last = at(to).saturating_sub(1).max(first);
        match (self.spans.get(first), self.spans.get(last)) {
            (Some(a), Some(b)) => (a.1 as usize, b.2 as usize),
            _ => (0, 0),
        }
    }
}

/// Normalizes `raw` as [`super::normalize`] does, into `out`, keeping each character's origin.
pub fn normalize_mapped(raw: &str, out: &mut Mapped) {
    out.text.clear();
    out.spans.clear();
    // First pass: decode entities and fold, keeping spans; whitespace collapsed.
    let mut chars: Vec<(char, u32, u32)> = Vec::with_capacity(raw.len());
    let mut pending_space: Option<(u32, u32)> = None;
    let mut traditional = false;
    let table = traditional_table();
    for (c, start, end) in decoded_chars(raw) {
        let c = fold_char(c);
        traditional |= table.contains(c);
        if c.is_whitespace() {
            if !chars.is_empty() {
                pending_space = Some(pending_space.map_or((start, end), |(s, _)| (s, end)));
            }
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if let Some((s, e)) = pending_space.take() {
            chars.push((' ', s, e));
        }
        chars.push((c, start, end));
    }
    if traditional {
        simplify(&mut chars);
    }
    for (c, start, end) in chars {
        out.spans.push((out.text.len() as u32, start, end));
        out.text.push(c);
    }
}

/// The characters of `raw` with HTML entities decoded, each with the byte span it was written as.
fn decoded_chars(raw: &str) -> impl Iterator<Item = (char, u32, u32)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let c = raw[i..].chars().next()?;
        let start = i;
        i += c.len_utf8();
        if c == '&'
            && let Some(len) = raw[i..].bytes().take(12).position(|b| b == b';')
        {
            let entity = &raw[start..i + len + 1];
            let decoded = html_escape::decode_html_entities(entity);
            let mut it = decoded.chars();
            if let (Some(d), None) = (it.next(), it.next())
                && decoded != entity
            {
                i += len + 1;
                return Some((d, start as u32, i as u32));
            }
        }
        Some((c, start as u32, i as u32))
    })
}

/// Traditional characters to simplified, as the index's normalization does (zhconv, phrase by
/// phrase); when that changes the number of characters, character by character instead, so every
/// character keeps its origin.
fn simplify(chars: &mut [(char, u32, u32)]) {
    let text: String = chars.iter().map(|c| c.0).collect();
    let converted = super::normalize::converter().convert(&text);
    if converted.chars().count() == chars.len() {
        for (slot, c) in chars.iter_mut().zip(converted.chars()) {
            slot.0 = c;
        }
        return;
    }
    let mut buf = [0u8; 4];
    for slot in chars.iter_mut() {
        let one = super::normalize::converter().convert(slot.0.encode_utf8(&mut buf));
        if let (Some(c), 1) = (one.chars().next(), one.chars().count()) {
            slot.0 = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) {
        let mut m = Mapped::default();
        normalize_mapped(raw, &mut m);
        assert_eq!(m.text, super::super::normalize(raw), "{raw:?}");
    }

    #[test]
    fn the_same_text_as_normalize() {
        for raw in [
            "ＨＵＡＷＥＩ　Ｍａｔｅ６０！",
            "這個價格真的很划算，服務也不錯",
            "  质量&amp;做工 \t\n 都&lt;差&gt;  ",
            "好\u{0}\u{7}用\u{200B}",
            "X5 充电时起火了，要求召回！😡[怒]",
            "&nbsp; & &unknown; &#x4e2d;文",
        ] {
            check(raw);
        }
    }

    #[test]
    fn matches_map_back_to_what_was_written() {
        let raw = "網友：ＨＵＡＷＥＩ X5  充電時起火了！";
        let mut m = Mapped::default();
        normalize_mapped(raw, &mut m);
        let find = |word: &str| {
            let from = m.text.find(word).unwrap();
            let (a, b) = m.written(from, from + word.len());
            &raw[a..b]
        };
        assert_eq!(find("huawei"), "ＨＵＡＷＥＩ");
        assert_eq!(find("充电"), "充電");
        assert_eq!(find("x5 充电"), "X5  充電", "a run of spaces is the one space");
        assert_eq!(find("!"), "！");
    }
}
