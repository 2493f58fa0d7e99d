//! Segmentation: splits normalized text into typed tokens.
//!
//! Spans jieba must not see are cut out first and kept whole: URLs and @mentions (kept out of
//! sentiment), Weibo emoticon codes such as `[怒]` and emoji sequences (they carry sentiment).
//! Everything between them goes through one shared `Jieba` that holds the user dictionaries.

use std::io::BufRead;
use std::path::Path;

use jieba_rs::Jieba;
use unicode_properties::{GeneralCategoryGroup, UnicodeEmoji, UnicodeGeneralCategory};

use super::TextError;

/// What a token is; decides how later stages treat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A word or number from jieba.
    Word,
    /// Punctuation and symbols; they end clauses and sentences.
    Punct,
    /// A bracketed emoticon code such as `[哈哈]`.
    Emoticon,
    /// An emoji, including joined sequences and skin-tone modifiers.
    Emoji,
    /// A link; never scored.
    Url,
    /// An `@user` mention; never scored.
    Mention,
}

/// A token as a byte range of the normalized text; no allocation per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: u32,
    pub end: u32,
    pub kind: TokenKind,
}

/// Longest emoticon code kept whole, in characters between the brackets.
const MAX_EMOTICON_CHARS: usize = 8;

/// Jieba with the user dictionaries, loaded once and shared (it is `Send + Sync`).
pub struct Segmenter {
    jieba: Jieba,
    hmm: bool,
}

impl Segmenter {
    /// Loads jieba's default dictionary, then each user dictionary in order.
    /// `hmm` lets jieba guess words that are in no dictionary.
    pub fn new(hmm: bool) -> Self {
        Segmenter { jieba: Jieba::new(), hmm }
    }

    /// Adds the words of a dictionary in jieba's format (`word [freq] [tag]` a line, `#`
    /// comments allowed); `origin` names it in errors.
    pub fn add_dictionary(&mut self, origin: &str, reader: impl BufRead) -> Result<usize, TextError> {
        let mut added = 0;
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(|source| TextError::Read { path: origin.to_string(), source })?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let word = parts.next().unwrap_or_default();
            let freq = match parts.next() {
                Some(f) => Some(f.parse::<usize>().map_err(|_| TextError::Dictionary {
                    origin: origin.to_string(),
                    line: n + 1,
                    reason: format!("frequency {f:?} of {word:?} is not a whole number"),
                })?),
                None => None,
            };
            self.jieba.add_word(word, freq, parts.next());
            added += 1;
        }
        Ok(added)
    }

    /// Adds a dictionary file.
    pub fn add_dictionary_file(&mut self, path: &Path) -> Result<usize, TextError> {
        let file =
            std::fs::File::open(path).map_err(|source| TextError::Read { path: path.display().to_string(), source })?;
        self.add_dictionary(&path.display().to_string(), std::io::BufReader::new(file))
    }

    /// Adds one word so that jieba keeps it whole (lexicon and risk terms).
    pub fn add_word(&mut self, word: &str) {
        if !self.jieba.has_word(word) {
            self.jieba.add_word(word, None, None);
        }
    }

    /// Whether `word` is in the dictionary (jieba's, the user dictionaries, or added words).
    pub fn is_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// The part of speech jieba's dictionary gives `word` (`n`, `v`, `t` …; empty for a word
    /// added without one), or `None` when `word` is in no dictionary or not cut whole.
    pub fn dictionary_tag(&self, word: &str) -> Option<String> {
        if !self.jieba.has_word(word) {
            return None;
        }
        match self.jieba.tag(word, false).as_slice() {
            [one] if one.word == word => Some(one.tag.to_string()),
            _ => None,
        }
    }

    /// Segments `text` into `tokens` (cleared first). Whitespace is dropped.
    pub fn segment_into(&self, text: &str, tokens: &mut Vec<Token>) {
        tokens.clear();
        let mut run_start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((pos, c)) = chars.next() {
            let special = match c {
                'h' | 'w' => url_len(&text[pos..]).map(|len| (len, TokenKind::Url)),
                '@' => mention_len(&text[pos..]).map(|len| (len, TokenKind::Mention)),
                '[' => emoticon_len(&text[pos..]).map(|len| (len, TokenKind::Emoticon)),
                c if starts_emoji(c) => Some((emoji_len(&text[pos..]), TokenKind::Emoji)),
                _ => None,
            };
            let Some((len, kind)) = special else { continue };
            self.cut_run(text, run_start, pos, tokens);
            tokens.push(Token { start: pos as u32, end: (pos + len) as u32, kind });
            run_start = pos + len;
            while chars.peek().is_some_and(|&(p, _)| p < run_start) {
                chars.next();
            }
        }
        self.cut_run(text, run_start, text.len(), tokens);
    }

    fn cut_run(&self, text: &str, start: usize, end: usize, tokens: &mut Vec<Token>) {
        if start >= end {
            return;
        }
        for t in self.jieba.cut(&text[start..end], self.hmm) {
            let kind = if t.word.chars().all(char::is_whitespace) {
                continue;
            } else if t.word.chars().all(is_punct) {
                TokenKind::Punct
            } else {
                TokenKind::Word
            };
            let s = start + t.byte_start;
            tokens.push(Token { start: s as u32, end: (s + t.word.len()) as u32, kind });
        }
    }
}

/// Punctuation or a symbol: anything that is no letter, mark or number.
pub fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return false;
    }
    matches!(c.general_category_group(), GeneralCategoryGroup::Punctuation | GeneralCategoryGroup::Symbol)
}

fn url_len(s: &str) -> Option<usize> {
    if !(s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.")) {
        return None;
    }
    let len = s.find(|c: char| !c.is_ascii_graphic() || matches!(c, '"' | '\'' | '<' | '>' | '`')).unwrap_or(s.len());
    let url = s[..len].trim_end_matches(['.', ',', ')', '!', '?', ';', ':']);
    Some(url.len())
}

fn mention_len(s: &str) -> Option<usize> {
    let len =
        s[1..].find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-') || is_punct(c)).map_or(s.len(), |n| n + 1);
    (len > 1).then_some(len)
}

fn emoticon_len(s: &str) -> Option<usize> {
    let close = s.find(']')?;
    let inner = &s[1..close];
    let n = inner.chars().count();
    let ok = (1..=MAX_EMOTICON_CHARS).contains(&n) && inner.chars().all(|c| c.is_alphabetic());
    ok.then_some(close + 1)
}

fn starts_emoji(c: char) -> bool {
    !c.is_ascii()
        && !('\u{4E00}'..='\u{9FFF}').contains(&c)
        && c.is_emoji_char()
        && !c.is_emoji_component()
        && c.general_category_group() == GeneralCategoryGroup::Symbol
}

/// One emoji with what binds to it: variation selectors, skin tones, keycaps and
/// zero-width-joined followers.
fn emoji_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    let mut end = chars.next().map_or(0, |(_, c)| c.len_utf8());
    let mut joined = false;
    for (i, c) in chars {
        let binds = c == '\u{200D}'
            || c == '\u{FE0F}'
            || c == '\u{20E3}'
            || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
            || (joined && c.is_emoji_char());
        if !binds {
            break;
        }
        joined = c == '\u{200D}';
        end = i + c.len_utf8();
    }
    end
}
