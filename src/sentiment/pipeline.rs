//! The text pipeline the lexicons read: jieba with `user_dict.txt` of the lexicon source, the
//! `[text]` user dictionaries, and the lexicon's function words (negators, degree adverbs, risk
//! terms) kept whole, so that a rule always sees its word as one token. Scoring, learning and
//! indexing all segment through it.

use super::lexicon::USER_DICT_FILE;
use super::{Lexicon, LexiconSource, SentimentError};
use crate::text::{Segmenter, TextConfig, TextPipeline};

/// The text pipeline for `lexicon`, read from `source`, with the dictionaries of `config`.
pub fn text_pipeline(
    config: &TextConfig,
    source: &LexiconSource,
    lexicon: &Lexicon,
) -> Result<TextPipeline, SentimentError> {
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
