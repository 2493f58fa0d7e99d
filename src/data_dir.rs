//! The data directory and what lives where inside it, written out once: the tantivy index, the
//! sled state (crawl state, alert history, incidents), the digests `yuqing run` writes.

use std::path::{Path, PathBuf};

/// The data directory unless configured.
pub const DEFAULT_DATA_DIR: &str = "yuqing-data";

/// A data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl Default for DataDir {
    fn default() -> Self {
        DataDir::new(DEFAULT_DATA_DIR)
    }
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The tantivy index.
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }

    /// Whether an index has been written here.
    pub fn has_index(&self) -> bool {
        self.index().join("meta.json").exists()
    }

    /// The sled database: crawl state, alert history.
    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    /// Where digests go unless `[digest] dir` says otherwise.
    pub fn digests(&self) -> PathBuf {
        self.root.join("digests")
    }
}

impl std::fmt::Display for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.root.display().fmt(f)
    }
}
