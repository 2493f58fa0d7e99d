//! When `yuqing run` sends digests (`[digest]` in yuqing.toml): a cron schedule read in
//! Asia/Shanghai, the watches, where the HTML files go and the URL they are read at.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::schedule::Schedule;
use crate::setting::{Invalid, resolve};

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
    pub schedule: Schedule,
    /// Watch names; every configured watch when the config named none.
    pub watches: Vec<String>,
    /// `None`: `<data>/digests`.
    pub dir: Option<PathBuf>,
    pub link_base: Option<String>,
}

impl RawDigestConfig {
    /// Validates the table against the configured watch names; paths are taken from `base`.
    pub fn validate(self, base: &Path, watches: &[String]) -> Result<DigestPlan, Invalid> {
        let schedule = Schedule::parse(&self.schedule).map_err(|r| Invalid::new("digest.schedule", r))?;
        if let Some(w) = self.watches.iter().find(|w| !watches.contains(w)) {
            return Err(Invalid::new("digest.watches", format!("{w:?} is not a [[watch]] name")));
        }
        if let Some(link) = &self.link_base {
            let url = url::Url::parse(link).map_err(|e| Invalid::new("digest.link_base", format!("not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Invalid::new("digest.link_base", format!("{link:?} is not an http:// or https:// URL")));
            }
        }
        let watches = if self.watches.is_empty() { watches.to_vec() } else { self.watches };
        Ok(DigestPlan { schedule, watches, dir: self.dir.map(|p| resolve(base, &p)), link_base: self.link_base })
    }
}

/// The file name of a watch's digest for a period: "华为-2026-W47.html" for a week,
/// "华为-202611240000-202612010000.html" (local start and end) for any other span.
pub fn file_name(watch: &str, period: &super::Period) -> String {
    let safe =
        |s: &str| -> String { s.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect() };
    let slug = match period.kind {
        super::PeriodKind::Week => period.label.clone(),
        super::PeriodKind::Span => {
            let at =
                |t: jiff::Timestamp| t.to_zoned(crate::time::local_zone().clone()).strftime("%Y%m%d%H%M").to_string();
            format!("{}-{}", at(period.since), at(period.until))
        }
    };
    format!("{}-{}.html", safe(watch), safe(&slug))
}
