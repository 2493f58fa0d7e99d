//! `[text]`: how texts are segmented (jieba's HMM, extra user dictionaries).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::setting::{Invalid, resolve};

/// Settings of the text stage.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextConfig {
    /// Let jieba guess words that are in no dictionary (HMM).
    #[serde(default = "default_hmm")]
    pub hmm: bool,
    /// Extra dictionaries in jieba's format (`word [freq] [tag]`), after `lexicons/user_dict.txt`;
    /// relative to the config file.
    #[serde(default)]
    pub user_dicts: Vec<PathBuf>,
}

const fn default_hmm() -> bool {
    true
}

impl Default for TextConfig {
    fn default() -> Self {
        TextConfig { hmm: default_hmm(), user_dicts: Vec::new() }
    }
}

impl TextConfig {
    /// Takes the dictionaries' paths from `base` and checks that they can be read.
    pub fn validate(&mut self, base: &Path) -> Result<(), Invalid> {
        for p in &mut self.user_dicts {
            *p = resolve(base, p);
            if !p.is_file() {
                return Err(Invalid::new("text.user_dicts", format!("{} is not a readable file", p.display())));
            }
        }
        Ok(())
    }
}
