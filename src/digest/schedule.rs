//! When `yuqing run` sends digests (`[digest]` in yuqing.toml): a cron schedule read in
//! Asia/Shanghai, the watches, where the HTML files go and the URL they are read at.

use std::path::PathBuf;

use serde::Deserialize;

/// `[digest]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDigestConfig {
    /// Cron (with seconds, or crontab's five fields), in Asia/Shanghai: "0 0 9 * * Mon" is
    /// Monday 09:00.
    pub schedule: String,
    /// The watches to digest (default: every watch).
    #[serde(default)]
    pub watches: Vec<String>,
    /// Where the HTML digests are written (default: `<data>/digests`).
    pub dir: Option<PathBuf>,
    /// The URL the digests directory is served at (the dashboard serves it at `/digests/`);
    /// the Markdown summary links to `<link_base>/<file>`.
    pub link_base: Option<String>,
}

/// `[digest]` validated.
#[derive(Debug, Clone)]
pub struct DigestPlan {
    pub schedule: cron::Schedule,
    /// Watch names; every configured watch when the config named none.
    pub watches: Vec<String>,
    /// `None`: `<data>/digests`.
    pub dir: Option<PathBuf>,
    pub link_base: Option<String>,
}

/// The file name of a watch's digest for a period label ("华为-2026-W47.html").
pub fn file_name(watch: &str, label: &str) -> String {
    let safe =
        |s: &str| -> String { s.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect() };
    format!("{}-{}.html", safe(watch), safe(label))
}
