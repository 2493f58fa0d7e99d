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

/// The file in a data directory that says which process holds it.
const HOLDER_FILE: &str = ".holder";

/// Records that this process works in the data directory at `root` (the command line, the pid,
/// since when), for the message another yuqing gets when it finds the directory locked.
pub fn note_holder(root: &Path) {
    let command: Vec<String> = std::env::args().take(6).collect();
    let since = crate::time::local_minute(jiff::Timestamp::now());
    let note = format!("{}\n{}\n{since}\n", std::process::id(), command.join(" "));
    let _ = std::fs::write(root.join(HOLDER_FILE), note);
}

/// Who holds the data directory at `root`, when a process that says so still runs:
/// "pid 4242, `yuqing run --serve 127.0.0.1:8080`, since 2026-12-01 21:40".
pub fn holder(root: &Path) -> Option<String> {
    let note = std::fs::read_to_string(root.join(HOLDER_FILE)).ok()?;
    let mut lines = note.lines();
    let pid: u32 = lines.next()?.trim().parse().ok()?;
    let (command, since) = (lines.next().unwrap_or_default(), lines.next().unwrap_or_default());
    let alive = Path::new(&format!("/proc/{pid}")).exists() && pid != std::process::id();
    alive.then(|| format!("pid {pid}, `{command}`, since {since}"))
}

impl std::fmt::Display for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.root.display().fmt(f)
    }
}
