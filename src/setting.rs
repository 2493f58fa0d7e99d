//! What every stage's settings share: the error that names the bad field, and relative paths
//! taken from the config file's folder. Each stage owns its own settings struct (parsed with
//! serde, unknown fields refused, then validated); `config` only assembles them from the file.

use std::path::{Path, PathBuf};

/// A setting that makes no sense: its field (`crawl.concurrency`) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Invalid { field: field.into(), reason: reason.into() }
    }
}

/// `path` taken from `base` (the config file's folder) when relative.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    base.join(path)
}

/// Fails with `field` when `value` is outside `min..=max`, saying which bound it crossed.
pub fn check_range<T: PartialOrd + std::fmt::Display>(field: &str, value: T, min: T, max: T) -> Result<(), Invalid> {
    if value < min {
        return Err(Invalid::new(field, format!("must be at least {min}")));
    }
    if value > max {
        return Err(Invalid::new(field, format!("must be at most {max}, is {value}")));
    }
    Ok(())
}
