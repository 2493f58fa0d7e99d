//! The index's tokenizer: jieba search-mode tokens with phrase-safe positions.
//!
//! Each word of the text stage's segmentation gets one position; its dictionary sub-words
//! (北京 and 大学 inside 北京大学) are emitted at that same position, so a search for 大学
//! finds 北京大学 while phrase queries, tokenized by this same code, line up with the index.
//! Punctuation and URLs are dropped. Documents come in already analyzed (ingest segments each
//! text once); queries go through [`JiebaTokenizer`], registered under [`TOKENIZER_NAME`].

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{Analyzed, Segmenter, TextPipeline, TokenKind};

/// The name the tokenizer is registered under in the index.
pub const TOKENIZER_NAME: &str = "yuqing_jieba";

/// Sub-words are looked for in words of at least this many characters.
const MIN_COMPOUND_CHARS: usize = 3;
/// Sub-words have 2 or 3 characters, as in jieba's search mode.
const SUB_WORD_CHARS: [usize; 2] = [2, 3];

/// Appends the index tokens of `doc` to `out`.
pub fn index_tokens(doc: &Analyzed, segmenter: &Segmenter, out: &mut Vec<Token>) {
    let mut position = 0;
    for (i, t) in doc.tokens.iter().enumerate() {
        if matches!(t.kind, TokenKind::Punct | TokenKind::Url) {
            continue;
        }
        let word = doc.word(i);
        let (from, to) = (t.start as usize, t.end as usize);
        out.push(Token { offset_from: from, offset_to: to, position, text: word.to_string(), position_length: 1 });
        if t.kind == TokenKind::Word {
            push_sub_words(word, from, position, segmenter, out);
        }
        position += 1;
    }
}

fn push_sub_words(word: &str, from: usize, position: usize, segmenter: &Segmenter, out: &mut Vec<Token>) {
    let starts: Vec<usize> = word.char_indices().map(|(b, _)| b).chain([word.len()]).collect();
    let chars = starts.len() - 1;
    if chars < MIN_COMPOUND_CHARS {
        return;
    }
    for n in SUB_WORD_CHARS.into_iter().filter(|&n| n < chars) {
        for i in 0..=chars - n {
            let sub = &word[starts[i]..starts[i + n]];
            if segmenter.is_word(sub) {
                out.push(Token {
                    offset_from: from + starts[i],
                    offset_to: from + starts[i + n],
                    position,
                    text: sub.to_string(),
                    position_length: 1,
                });
            }
        }
    }
}

/// The tokenizer tantivy calls for queries and snippets; shares the one text pipeline.
#[derive(Clone)]
pub struct JiebaTokenizer {
    text: Arc<TextPipeline>,
    doc: Analyzed,
    tokens: Vec<Token>,
}

impl JiebaTokenizer {
    pub fn new(text: Arc<TextPipeline>) -> Self {
        JiebaTokenizer { text, doc: Analyzed::default(), tokens: Vec::new() }
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.text.analyze_into(text, &mut self.doc);
        self.tokens.clear();
        index_tokens(&self.doc, self.text.segmenter(), &mut self.tokens);
        VecTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

/// Streams a token list.
pub struct VecTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
