//! The text pipeline and the sentiment scorer assembled from configuration: the one place that
//! decides which dictionaries and lexicons are loaded, so that `score`, `eval`, `lexicon learn`
//! and ingestion all segment the same way.

use std::sync::Arc;

use crate::config::Config;
use crate::sentiment::lexicon::USER_DICT_FILE;
use crate::sentiment::{Lexicon, LexiconSource, Scorer, Sentiment, SentimentError, Workspace};
use crate::text::{Segmenter, TextError, TextPipeline};

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
    /// Loads everything the config names, with the learned lexicon.
    pub fn load(config: &Config) -> Result<Analyzer, AnalyzerError> {
        let source = lexicon_source(config);
        let lexicon = Lexicon::load(&source, true)?;
        let text = text_pipeline(config, &source, &lexicon)?;
        Ok(Analyzer { text: Arc::new(text), scorer: Scorer::new(lexicon, config.sentiment.neutral_band) })
    }

    /// Normalizes, segments and scores `raw`, reusing `ws`.
    pub fn score(&self, raw: &str, ws: &mut Workspace, explain: bool) -> Sentiment {
        self.text.analyze_into(raw, &mut ws.doc);
        self.scorer.score(ws, explain)
    }
}

/// Where the config says lexicons come from.
pub fn lexicon_source(config: &Config) -> LexiconSource {
    match &config.sentiment.lexicon_dir {
        Some(dir) => LexiconSource::Dir(dir.clone()),
        None => LexiconSource::Builtin,
    }
}

/// The text pipeline: jieba with `user_dict.txt` of the lexicon source, the config's user
/// dictionaries, and the lexicon's function words (negators, degree adverbs, risk terms) kept whole.
pub fn text_pipeline(
    config: &Config,
    source: &LexiconSource,
    lexicon: &Lexicon,
) -> Result<TextPipeline, AnalyzerError> {
    let mut segmenter = Segmenter::new(config.text.hmm);
    if let Some(dict) = source.read(USER_DICT_FILE)? {
        segmenter.add_dictionary(&source.path_of(USER_DICT_FILE).display().to_string(), dict.as_bytes())?;
    }
    for path in &config.text.user_dicts {
        segmenter.add_dictionary_file(path)?;
    }
    for word in lexicon.function_words() {
        if word.chars().count() > 1 {
            segmenter.add_word(word);
        }
    }
    Ok(TextPipeline::new(segmenter))
}
