//! `[sentiment]`: which lexicons are read, and the neutral band of the label.

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
}

/// The default half-width of the neutral band around 0.
pub const fn default_neutral_band() -> f32 {
    0.2
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig { lexicon_dir: None, neutral_band: default_neutral_band() }
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
