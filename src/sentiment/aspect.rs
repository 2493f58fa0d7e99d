//! Aspects: which part of a product a clause praises or blames (电池, 屏幕, 价格, 物流, 客服, 质量,
//! 外观 …), with that clause's sentiment, so stats and digests can say "电池 负面 68%".
//!
//! The list is `lexicons/aspects.tsv` (aspect, term) plus the user's own (`[sentiment.aspects]` in
//! `yuqing.toml`, and a watch's `aspects`). A clause (up to a comma or sentence end) naming a
//! term is about its aspect; its label comes from the clause's own margin (the terms' weights under
//! the rules), else from its sentence's. One aspect counts once per text, by its strongest clause.

use rustc_hash::FxHashMap;

use super::SentimentError;
use super::lexicon::{LexiconSource, fingerprint};
use super::score::{Label, Workspace};
use crate::text::TokenKind;

pub const ASPECT_FILE: &str = "aspects.tsv";

/// A clause's margin beyond ±this is positive or negative; within it, neutral.
pub const CLAUSE_BAND: f32 = 0.4;

/// The aspect list: term fingerprint → aspect names.
#[derive(Debug, Clone, Default)]
pub struct AspectList {
    terms: FxHashMap<u64, Vec<std::sync::Arc<str>>>,
}

/// An aspect a text speaks of, and how.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AspectHit {
    pub aspect: String,
    pub label: Label,
    /// The term that named it.
    pub term: String,
}

impl AspectList {
    /// The shipped or edited `aspects.tsv` of `source` (empty when absent).
    pub fn load(source: &LexiconSource) -> Result<AspectList, SentimentError> {
        let mut list = AspectList::default();
        let Some(text) = source.read(ASPECT_FILE)? else { return Ok(list) };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split('\t').map(str::trim).collect::<Vec<_>>()[..] {
                [aspect, term] if !aspect.is_empty() && !term.is_empty() => list.add(aspect, term),
                _ => {
                    let reason = "expected 2 tab-separated columns: aspect, term".to_string();
                    return Err(SentimentError::Parse { path: source.path_of(ASPECT_FILE), line: n + 1, reason });
                }
            }
        }
        Ok(list)
    }

    /// Adds `term` to `aspect`. The term is normalized as texts are (case, width, traditional
    /// characters), so `APP` or 電池 finds what the text says in any of those forms.
    pub fn add(&mut self, aspect: &str, term: &str) {
        let aspects = self.terms.entry(fingerprint(&crate::text::normalize(term))).or_default();
        if !aspects.iter().any(|a| &**a == aspect) {
            aspects.push(aspect.into());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The aspects of the text scored last in `ws`, its clauses weighed as it was scored.
    pub fn find(&self, ws: &Workspace) -> Vec<AspectHit> {
        if self.is_empty() {
            return Vec::new();
        }
        let doc = &ws.doc;
        // Clause of each token: a new one after each run of punctuation.
        let mut clause = Vec::with_capacity(doc.tokens.len());
        let mut c = 0u32;
        for (i, t) in doc.tokens.iter().enumerate() {
            if t.kind == TokenKind::Punct && i > 0 && doc.tokens[i - 1].kind != TokenKind::Punct {
                c += 1;
            }
            clause.push(c);
        }
        let mut clause_margin = vec![0f32; c as usize + 1];
        for (i, h) in ws.hits.iter().enumerate() {
            clause_margin[clause[h.token as usize] as usize] += ws.hit_weight(i) * h.value;
        }
        let sentence_of = |token: usize| ws.sentences.iter().position(|s| (s.start..s.end).contains(&(token as u32)));
        let mut best: Vec<(AspectHit, f32)> = Vec::new();
        for (i, (word, kind)) in doc.words().enumerate() {
            if kind != TokenKind::Word {
                continue;
            }
            let Some(aspects) = self.terms.get(&fingerprint(word)) else { continue };
            let k = clause[i] as usize;
            let mut margin = clause_margin[k];
            if margin.abs() <= CLAUSE_BAND {
                margin = sentence_of(i).and_then(|s| ws.sentence_margin(s)).unwrap_or(0.0);
            }
            let label = match margin {
                m if m > CLAUSE_BAND => Label::Positive,
                m if m < -CLAUSE_BAND => Label::Negative,
                _ => Label::Neutral,
            };
            for aspect in aspects {
                let hit = AspectHit { aspect: aspect.to_string(), label, term: word.to_string() };
                match best.iter_mut().find(|(b, _)| b.aspect == hit.aspect) {
                    Some(b) if margin.abs() > b.1.abs() => *b = (hit, margin),
                    Some(_) => {}
                    None => best.push((hit, margin)),
                }
            }
        }
        best.into_iter().map(|(h, _)| h).collect()
    }
}
