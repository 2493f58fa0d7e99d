//! The sentiment stage: lexicons, rule-based scoring per text domain with explanations, risk
//! categories, lexicon learning from labeled corpora, and evaluation.

pub mod aspect;
pub mod config;
pub mod corpus;
pub mod domain;
pub mod emotion;
pub mod eval;
pub mod learn;
pub mod lexicon;
mod pipeline;
pub mod risk;
pub mod rules;
pub mod score;
pub mod stars;

pub use aspect::{AspectHit, AspectList};
pub use config::SentimentConfig;
pub use domain::Domain;
pub use emotion::{Emotion, EmotionModel, Emotions};
pub use lexicon::{Lexicon, LexiconSource};
pub use pipeline::text_pipeline;
pub use risk::{RiskCategory, RiskHit};
pub use score::{Explanation, Label, Scorer, Sentiment, TermEvidence, Workspace};

use std::path::PathBuf;

/// What can go wrong loading lexicons or corpora.
#[derive(Debug, thiserror::Error)]
pub enum SentimentError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("lexicon file {path} is missing")]
    Missing { path: PathBuf },
    #[error("{path}, line {line}: {reason}")]
    Parse { path: PathBuf, line: usize, reason: String },
    #[error("corpus {path}: {reason}")]
    Corpus { path: PathBuf, reason: String },
    #[error(transparent)]
    Text(#[from] crate::text::TextError),
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod domain_tests;
