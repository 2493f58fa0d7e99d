//! The index's tokenizer: jieba search-mode tokens with phrase-safe positions.
//!
//! Each word of the text stage's segmentation gets one position; its dictionary sub-words
//! (北京 and 大学 inside 北京大学) are emitted at that same position, so a search for 大学
//! finds 北京大学 while phrase queries, tokenized by this same code, line up with the index.
//! Punctuation and URLs are dropped. Documents come in already analyzed (ingest segments each
//! text once); queries go through [`JiebaTokenizer`], registered under [`TOKENIZER_NAME`]. A text
//! that was not handed over (a query, or the text as written that a snippet is cut from) is
//! normalized with each character's origin kept, and its tokens' offsets point into the text as
//! given: a snippet marks the match in what was written, not in the normalized form.

use std::sync::Arc;

use tantivy::tokenizer::{Token as IndexToken, TokenStream, Tokenizer};

use crate::text::{Mapped, Segmenter, TextPipeline, Token, TokenKind, normalize_mapped};

/// The name the tokenizer is registered under in the index.
pub const TOKENIZER_NAME: &str = "yuqing_jieba";

/// Sub-words are looked for in words of at least this many characters.
const MIN_COMPOUND_CHARS: usize = 3;
/// Sub-words have 2 or 3 characters, as in jieba's search mode.
const SUB_WORD_CHARS: [usize; 2] = [2, 3];

/// The index tokens of one text. Token strings are reused from one text to the next: tantivy
/// calls the tokenizer for every value it indexes, and a fresh `String` per token was a tenth of
/// the indexing threads' time.
#[derive(Clone, Default)]
pub struct IndexTokens {
    tokens: Vec<IndexToken>,
    len: usize,
    /// Byte offsets of a word's characters, for its sub-words.
    starts: Vec<usize>,
}

impl IndexTokens {
    /// Replaces the tokens with those of `text`, segmented into `tokens`.
    pub fn fill(&mut self, text: &str, tokens: &[Token], segmenter: &Segmenter) {
        self.len = 0;
        let mut position = 0;
        for t in tokens {
            if matches!(t.kind, TokenKind::Punct | TokenKind::Url) {
                continue;
            }
            let word = &text[t.start as usize..t.end as usize];
            let from = t.start as usize;
            self.push(word, from, position);
            if t.kind == TokenKind::Word {
                self.push_sub_words(word, from, position, segmenter);
            }
            position += 1;
        }
    }

    fn push(&mut self, text: &str, from: usize, position: usize) {
        if self.len == self.tokens.len() {
            self.tokens.push(IndexToken::default());
        }
        let t = &mut self.tokens[self.len];
        t.text.clear();
        t.text.push_str(text);
        t.offset_from = from;
        t.offset_to = from + text.len();
        t.position = position;
        t.position_length = 1;
        self.len += 1;
    }

    fn push_sub_words(&mut self, word: &str, from: usize, position: usize, segmenter: &Segmenter) {
        let mut starts = std::mem::take(&mut self.starts);
        starts.clear();
        starts.extend(word.char_indices().map(|(b, _)| b).chain([word.len()]));
        let chars = starts.len() - 1;
        if chars >= MIN_COMPOUND_CHARS {
            for n in SUB_WORD_CHARS.into_iter().filter(|&n| n < chars) {
                for i in 0..=chars - n {
                    let sub = &word[starts[i]..starts[i + n]];
                    if segmenter.is_word(sub) {
                        self.push(sub, from + starts[i], position);
                    }
                }
            }
        }
        self.starts = starts;
    }
}

/// The tokenizer tantivy calls for every indexed text, query and snippet; shares the one text
/// pipeline (and so takes over the segmentation ingest handed over).
#[derive(Clone)]
pub struct JiebaTokenizer {
    text: Arc<TextPipeline>,
    mapped: Mapped,
    segments: Vec<Token>,
    tokens: IndexTokens,
}

impl JiebaTokenizer {
    pub fn new(text: Arc<TextPipeline>) -> Self {
        JiebaTokenizer { text, mapped: Mapped::default(), segments: Vec::new(), tokens: IndexTokens::default() }
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        match self.text.take_handed(text) {
            Some(handed) => self.tokens.fill(&handed.text, &handed.tokens, self.text.segmenter()),
            None => {
                normalize_mapped(text, &mut self.mapped);
                self.text.segmenter().segment_into(&self.mapped.text, &mut self.segments);
                self.tokens.fill(&self.mapped.text, &self.segments, self.text.segmenter());
                for t in &mut self.tokens.tokens[..self.tokens.len] {
                    (t.offset_from, t.offset_to) = self.mapped.written(t.offset_from, t.offset_to);
                }
            }
        }
        let len = self.tokens.len;
        VecTokenStream { tokens: &mut self.tokens.tokens[..len], next: 0 }
    }
}

/// Streams a token list.
pub struct VecTokenStream<'a> {
    tokens: &'a mut [IndexToken],
    next: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &IndexToken {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut IndexToken {
        &mut self.tokens[self.next - 1]
    }
}
