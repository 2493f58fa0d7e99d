//! `[sentiment]`: which lexicons are read, the neutral band of the label, and the news rule's
//! threshold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::LexiconSource;
use crate::setting::{Invalid, resolve};

/// Settings of the sentiment stage.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentConfig {
    /// A directory of lexicon files to use instead of the built-in ones (relative to the config file).
    #[serde(default)]
    pub lexicon_dir: Option<PathBuf>,
    /// Scores within ±this of 0 are labeled neutral.
    #[serde(default = "default_neutral_band")]
    pub neutral_band: f32,
    /// In the news domain, a text with no term whose weight reaches ±this is neutral (score 0):
    /// reporting is not an opinion.
    #[serde(default = "default_evaluative_weight")]
    pub evaluative_weight: f32,
    /// Aspects beyond `lexicons/aspects.tsv`: name → the terms that name it
    /// (`"续航" = ["续航", "待机"]`: TOML keys in Chinese are quoted); a name already listed gains the terms.
    #[serde(default)]
    pub aspects: BTreeMap<String, Vec<String>>,
}

/// The default half-width of the neutral band around 0.
pub const fn default_neutral_band() -> f32 {
    0.2
}

/// The default weight a term needs to count as evaluative in news.
pub const fn default_evaluative_weight() -> f32 {
    0.8
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig {
            lexicon_dir: None,
            neutral_band: default_neutral_band(),
            evaluative_weight: default_evaluative_weight(),
            aspects: BTreeMap::new(),
        }
    }
}

impl SentimentConfig {
    /// Takes the lexicon directory from `base`; checks it and the band.
    pub fn validate(&mut self, base: &Path) -> Result<(), Invalid> {
        if let Some(dir) = &mut self.lexicon_dir {
            *dir = resolve(base, dir);
            if !dir.is_dir() {
                return Err(Invalid::new("sentiment.lexicon_dir", format!("{} is not a directory", dir.display())));
            }
        }
        let band = self.neutral_band;
        if !(0.0..1.0).contains(&band) {
            return Err(Invalid::new("sentiment.neutral_band", format!("must be at least 0 and below 1, is {band}")));
        }
        for (aspect, terms) in &self.aspects {
            if aspect.trim().is_empty() || terms.is_empty() || terms.iter().any(|t| t.trim().is_empty()) {
                return Err(Invalid::new(
                    "sentiment.aspects",
                    format!("aspect {aspect:?}: a non-empty name and at least one non-empty term"),
                ));
            }
        }
        let weight = self.evaluative_weight;
        if !(0.0..=10.0).contains(&weight) {
            return Err(Invalid::new("sentiment.evaluative_weight", format!("must be from 0 to 10, is {weight}")));
        }
        Ok(())
    }

    /// Where the lexicons come from.
    pub fn lexicon_source(&self) -> LexiconSource {
        match &self.lexicon_dir {
            Some(dir) => LexiconSource::Dir(dir.clone()),
            None => LexiconSource::Builtin,
        }
    }
}
