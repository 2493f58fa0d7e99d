//! The analysis stage: what a mention means before it is indexed. [`Analyzer`] assembles the text
//! pipeline and the sentiment scorer from their settings — the one place that decides which
//! dictionaries and lexicons are loaded, so that `score`, `eval`, `lexicon learn`, ingestion and
//! the crawler all segment the same way — and [`Preparer`] turns a mention into a
//! [`PreparedMention`]: normalized, segmented, scored, tagged with its risks and watches, and
//! fingerprinted, ready for the index.

mod prepare;

use std::sync::Arc;

pub use prepare::{PreparedMention, Preparer};

use crate::sentiment::{
    AspectHit, AspectList, Domain, EmotionModel, Emotions, Lexicon, Scorer, Sentiment, SentimentConfig, SentimentError,
    Workspace, text_pipeline,
};
use crate::text::{TextConfig, TextPipeline};

/// What can go wrong assembling the analyzer: a dictionary or lexicon file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct AnalyzerError(#[from] SentimentError);

/// Text pipeline plus scorer; share it behind an `Arc` (both halves are `Sync`). The text
/// pipeline is itself shared with the index's query tokenizer: jieba is loaded once.
pub struct Analyzer {
    pub text: Arc<TextPipeline>,
    pub scorer: Scorer,
    pub emotions: EmotionModel,
    pub aspects: AspectList,
}

impl Analyzer {
    /// Loads everything the settings name, with the learned lexicon.
    pub fn load(text: &TextConfig, sentiment: &SentimentConfig) -> Result<Analyzer, AnalyzerError> {
        let source = sentiment.lexicon_source();
        let lexicon = Lexicon::load(&source, true)?;
        let text = text_pipeline(text, &source, &lexicon)?;
        let scorer = Scorer::new(lexicon, sentiment.neutral_band).with_evaluative_weight(sentiment.evaluative_weight);
        let emotions = EmotionModel::load(&source, true)?;
        let mut aspects = AspectList::load(&source)?;
        for (aspect, terms) in &sentiment.aspects {
            terms.iter().for_each(|t| aspects.add(aspect, t));
        }
        Ok(Analyzer { text: Arc::new(text), scorer, emotions, aspects })
    }

    /// The emotions and aspects of the text scored last in `ws` (its clauses weighed in the domain it was scored in).
    pub fn emotions_and_aspects(&self, ws: &Workspace) -> (Option<Emotions>, Vec<AspectHit>) {
        self.emotions_and_aspects_in(ws, &self.aspects)
    }

    /// [`Self::emotions_and_aspects`], with the aspects of `aspects` (the shared list plus a
    /// watch group's own) instead of the shared list alone.
    pub fn emotions_and_aspects_in(&self, ws: &Workspace, aspects: &AspectList) -> (Option<Emotions>, Vec<AspectHit>) {
        let mut seen = rustc_hash::FxHashSet::default();
        (self.emotions.classify(&ws.doc, &mut seen), aspects.find(ws))
    }

    /// Normalizes, segments and scores `raw` in `domain`, reusing `ws`.
    pub fn score(&self, raw: &str, domain: Domain, ws: &mut Workspace, explain: bool) -> Sentiment {
        self.text.analyze_into(raw, &mut ws.doc);
        self.scorer.score(ws, domain, explain)
    }
}

#[cfg(test)]
mod eval_sets;
