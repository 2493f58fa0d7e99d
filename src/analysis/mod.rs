//! The analysis stage: what a mention means before it is indexed. [`Analyzer`] assembles the text
//! pipeline and the sentiment scorer from their settings — the one place that decides which
//! dictionaries and lexicons are loaded, so that `score`, `eval`, `lexicon learn`, ingestion and
//! the crawler all segment the same way — and [`Preparer`] turns a mention into a
//! [`PreparedMention`]: normalized, segmented, scored, tagged with its risks and watches, and
//! fingerprinted, ready for the index.

mod prepare;

use std::sync::Arc;

pub use prepare::{PreparedMention, Preparer};

use crate::sentiment::lexicon::USER_DICT_FILE;
use crate::sentiment::{Lexicon, LexiconSource, Scorer, Sentiment, SentimentConfig, SentimentError, Workspace};
use crate::text::{Segmenter, TextConfig, TextError, TextPipeline};

/// What can go wrong assembling the analyzer.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error(transparent)]
    Sentiment(#[from] SentimentError),
}

/// Text pipeline plus scorer; share it behind an `Arc` (both halves are `Sync`). The text
/// pipeline is itself shared with the index's query tokenizer: jieba is loaded once.
pub struct Analyzer {
    pub text: Arc<TextPipeline>,
    pub scorer: Scorer,
}

impl Analyzer {
    /// Loads everything the settings name, with the learned lexicon.
    pub fn load(text: &TextConfig, sentiment: &SentimentConfig) -> Result<Analyzer, AnalyzerError> {
        let source = sentiment.lexicon_source();
        let lexicon = Lexicon::load(&source, true)?;
        let text = text_pipeline(text, &source, &lexicon)?;
        Ok(Analyzer { text: Arc::new(text), scorer: Scorer::new(lexicon, sentiment.neutral_band) })
    }

    /// Normalizes, segments and scores `raw`, reusing `ws`.
    pub fn score(&self, raw: &str, ws: &mut Workspace, explain: bool) -> Sentiment {
        self.text.analyze_into(raw, &mut ws.doc);
        self.scorer.score(ws, explain)
    }
}

/// The text pipeline: jieba with `user_dict.txt` of the lexicon source, the config's user
/// dictionaries, and the lexicon's function words (negators, degree adverbs, risk terms) kept whole.
pub fn text_pipeline(
    config: &TextConfig,
    source: &LexiconSource,
    lexicon: &Lexicon,
) -> Result<TextPipeline, AnalyzerError> {
    let mut segmenter = Segmenter::new(config.hmm);
    if let Some(dict) = source.read(USER_DICT_FILE)? {
        segmenter.add_dictionary(&source.path_of(USER_DICT_FILE).display().to_string(), dict.as_bytes())?;
    }
    for path in &config.user_dicts {
        segmenter.add_dictionary_file(path)?;
    }
    for word in lexicon.function_words() {
        if word.chars().count() > 1 {
            segmenter.add_word(word);
        }
    }
    Ok(TextPipeline::new(segmenter))
}
