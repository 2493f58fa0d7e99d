//! The text stage: normalization and segmentation, producing an [`Analyzed`] document that the
//! sentiment scorer and the index read without segmenting again; near-duplicate fingerprints.

pub mod dates;
mod normalize;
mod segment;
pub mod simhash;

use std::sync::Mutex;

use rustc_hash::FxHashMap;

pub use normalize::{normalize, normalize_into};
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

/// Normalization plus segmentation over one shared segmenter.
pub struct TextPipeline {
    segmenter: Segmenter,
    /// Segmentations kept for one more use of the same normalized text (see [`Self::hand_over`]).
    handoff: Mutex<FxHashMap<String, Vec<Token>>>,
}

impl TextPipeline {
    pub fn new(segmenter: Segmenter) -> Self {
        TextPipeline { segmenter, handoff: Mutex::default() }
    }

    /// Normalizes `raw` and segments it into `out`; a text handed over is not segmented again.
    pub fn analyze_into(&self, raw: &str, out: &mut Analyzed) {
        if let Some(tokens) = self.take_handed(raw) {
            out.text.clear();
            out.text.push_str(raw);
            out.tokens = tokens;
            return;
        }
        normalize_into(raw, &mut out.text, &mut out.scratch);
        self.segmenter.segment_into(&out.text, &mut out.tokens);
    }

    /// Keeps `doc`'s segmentation for the next analysis of its normalized text. A mention is
    /// analyzed once to be scored and then again by the index tokenizer on tantivy's indexing
    /// threads; handing the tokens over saves that second segmentation. The tokens point into
    /// the normalized text, which is the very text the index receives.
    pub fn hand_over(&self, doc: &Analyzed) {
        let mut h = self.handoff.lock().unwrap_or_else(|e| e.into_inner());
        if h.len() >= HANDOFF_MAX {
            h.clear();
        }
        h.insert(doc.text.clone(), doc.tokens.clone());
    }

    fn take_handed(&self, text: &str) -> Option<Vec<Token>> {
        let mut h = self.handoff.lock().unwrap_or_else(|e| e.into_inner());
        if h.is_empty() { None } else { h.remove(text) }
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
