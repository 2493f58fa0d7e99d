//! The text stage: normalization and segmentation, producing an [`Analyzed`] document that the
//! sentiment scorer and the index read without segmenting again; near-duplicate fingerprints.

mod config;
mod normalize;
mod offsets;
mod segment;
pub mod simhash;

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

pub use config::TextConfig;
pub use normalize::{normalize, normalize_into};
pub use offsets::{Mapped, normalize_mapped};
pub use segment::{Segmenter, Token, TokenKind, is_punct};

/// What can go wrong while setting the text stage up.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("cannot read dictionary {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("dictionary {origin}, line {line}: {reason}")]
    Dictionary { origin: String, line: usize, reason: String },
}

/// A normalized document and its tokens. Reused across documents to avoid allocation.
#[derive(Debug, Default, Clone)]
pub struct Analyzed {
    /// The normalized text the token ranges point into.
    pub text: String,
    pub tokens: Vec<Token>,
    /// Reused by normalization.
    scratch: String,
}

impl Analyzed {
    /// The text of token `i`.
    pub fn word(&self, i: usize) -> &str {
        let t = self.tokens[i];
        &self.text[t.start as usize..t.end as usize]
    }

    /// Every token's text with its kind.
    pub fn words(&self) -> impl Iterator<Item = (&str, TokenKind)> + '_ {
        self.tokens.iter().map(|t| (&self.text[t.start as usize..t.end as usize], t.kind))
    }

    /// Drops emoticon and emoji tokens, to measure what the words alone say.
    pub fn strip_emoticons(&mut self) {
        self.tokens.retain(|t| !matches!(t.kind, TokenKind::Emoticon | TokenKind::Emoji));
    }
}

/// Texts handed over and not yet taken beyond this many are dropped (they were not indexed).
const HANDOFF_MAX: usize = 32_768;

/// A normalized text and its tokens, kept for the index tokenizer (see [`TextPipeline::hand_over`]).
pub struct Handed {
    pub text: Arc<str>,
    pub tokens: Vec<Token>,
}

/// Normalization plus segmentation over one shared segmenter.
pub struct TextPipeline {
    segmenter: Segmenter,
    /// Segmentations handed over to the index tokenizer, by the address of their text.
    handoff: Mutex<FxHashMap<usize, Handed>>,
}

impl TextPipeline {
    pub fn new(segmenter: Segmenter) -> Self {
        TextPipeline { segmenter, handoff: Mutex::default() }
    }

    /// Normalizes `raw` and segments it into `out`.
    pub fn analyze_into(&self, raw: &str, out: &mut Analyzed) {
        normalize_into(raw, &mut out.text, &mut out.scratch);
        self.segmenter.segment_into(&out.text, &mut out.tokens);
    }

    /// Keeps the segmentation of `text` (normalized) for the index tokenizer. A mention is
    /// segmented once, to be scored, and its document then carries this very `Arc<str>` to
    /// tantivy's indexing threads, whose tokenizer takes the tokens back by the text's address
    /// instead of segmenting again. The entry holds the `Arc`, so no other text can sit at that
    /// address while it waits; one not indexed after all is [withdrawn](Self::withdraw).
    ///
    /// Kept over tantivy's pre-tokenized values (measured 2026-12-02, now that mentions are
    /// their own `Document`): a `PreTokenizedString` built on the preparing threads is cloned
    /// into a `Box` when the document yields it and cloned again by tantivy's indexer, a `String`
    /// per token each time. In one run alternating the two builds (300,000 mentions, three
    /// rounds each), ingest / bare indexing was 0.65 and 0.72 with this hand-over, 0.66 and
    /// 0.59 with pre-tokenized values: no gain, within this machine's noise.
    pub fn hand_over(&self, text: Arc<str>, tokens: Vec<Token>) {
        let mut h = self.handoff.lock().unwrap_or_else(|e| e.into_inner());
        if h.len() >= HANDOFF_MAX {
            h.clear();
        }
        h.insert(text.as_ptr() as usize, Handed { text, tokens });
    }

    /// Takes back what was handed over for exactly this text (same address and length).
    pub fn take_handed(&self, text: &str) -> Option<Handed> {
        let mut h = self.handoff.lock().unwrap_or_else(|e| e.into_inner());
        let key = text.as_ptr() as usize;
        match h.get(&key) {
            Some(handed) if handed.text.len() == text.len() => h.remove(&key),
            _ => None,
        }
    }

    /// Drops what was handed over for `text`, which will not be indexed.
    pub fn withdraw(&self, text: &Arc<str>) {
        let mut h = self.handoff.lock().unwrap_or_else(|e| e.into_inner());
        if h.get(&(text.as_ptr() as usize)).is_some_and(|handed| Arc::ptr_eq(&handed.text, text)) {
            h.remove(&(text.as_ptr() as usize));
        }
    }

    /// The segmenter, for dictionary look-ups.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Normalizes and segments `raw` into a new [`Analyzed`].
    pub fn analyze(&self, raw: &str) -> Analyzed {
        let mut out = Analyzed::default();
        self.analyze_into(raw, &mut out);
        out
    }
}

#[cfg(test)]
mod tests;
