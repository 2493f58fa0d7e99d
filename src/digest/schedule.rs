//! When `yuqing run` sends digests (`[digest]` in yuqing.toml): a cron schedule per report — the
//! weekly (周报), daily (日报) and monthly (月报) — read in Asia/Shanghai, the watches, where the
//! HTML files go and the URL they are read at.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::schedule::Schedule;
use crate::setting::{Invalid, resolve};

/// `[digest]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDigestConfig {
    /// When the weekly digest (周报, the last complete week) goes out: cron (with seconds, or
    /// crontab's five fields), in Asia/Shanghai: "0 0 9 * * Mon" is Monday 09:00.
    pub schedule: Option<String>,
    /// When the daily digest (日报, the day before) goes out, e.g. "0 0 9 * * *".
    pub daily: Option<String>,
    /// When the monthly digest (月报, the month before) goes out, e.g. "0 0 9 1 * *".
    pub monthly: Option<String>,
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
    /// Each report and when it goes out (at least one).
    pub schedules: Vec<(super::PeriodKind, Schedule)>,
    /// Watch names; every configured watch when the config named none.
    pub watches: Vec<String>,
    /// `None`: `<data>/digests`.
    pub dir: Option<PathBuf>,
    pub link_base: Option<String>,
}

impl RawDigestConfig {
    /// Validates the table against the configured watch names; paths are taken from `base`.
    pub fn validate(self, base: &Path, watches: &[String]) -> Result<DigestPlan, Invalid> {
        use super::PeriodKind::{Day, Month, Week};
        let mut schedules = Vec::new();
        for (field, kind, cron) in
            [("schedule", Week, &self.schedule), ("daily", Day, &self.daily), ("monthly", Month, &self.monthly)]
        {
            if let Some(cron) = cron {
                let parsed = Schedule::parse(cron).map_err(|r| Invalid::new(format!("digest.{field}"), r))?;
                schedules.push((kind, parsed));
            }
        }
        if schedules.is_empty() {
            let why = "give at least one of schedule (周报), daily (日报), monthly (月报)";
            return Err(Invalid::new("digest", why));
        }
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
        Ok(DigestPlan { schedules, watches, dir: self.dir.map(|p| resolve(base, &p)), link_base: self.link_base })
    }
}

/// The file name of a watch's digest for a period: "华为-2026-W47.html" for a week (likewise
/// "华为-2026-11-30.html", "华为-2026-11.html"), "华为-2026-W49-to-202612021500.html" for a week
/// so far, "华为-202611240000-202612010000.html" (local start and end) for any other span.
pub fn file_name(watch: &str, period: &super::Period) -> String {
    let safe =
        |s: &str| -> String { s.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect() };
    let at = |t: jiff::Timestamp| t.to_zoned(crate::time::local_zone().clone()).strftime("%Y%m%d%H%M").to_string();
    let slug = match period.kind {
        super::PeriodKind::Span => format!("{}-{}", at(period.since), at(period.until)),
        kind if period.to_date => format!("{}-to-{}", super::Period::unit(kind, period.since).label, at(period.until)),
        _ => period.label.clone(),
    };
    format!("{}-{}.html", safe(watch), safe(&slug))
}

/// The name of its Word document: [`file_name`] with `.docx`.
pub fn docx_name(watch: &str, period: &super::Period) -> String {
    let html = file_name(watch, period);
    format!("{}.docx", html.strip_suffix(".html").unwrap_or(&html))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(toml: &str) -> Result<DigestPlan, Invalid> {
        let raw: RawDigestConfig = toml::from_str(toml).unwrap();
        raw.validate(Path::new("/etc/yuqing"), &["华为".to_string()])
    }

    #[test]
    fn each_report_has_its_schedule_and_a_bad_one_is_named() {
        let p = plan("schedule = \"0 0 9 * * Mon\"\ndaily = \"0 0 9 * * *\"\nmonthly = \"0 0 9 1 * *\"").unwrap();
        let kinds: Vec<_> = p.schedules.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            [super::super::PeriodKind::Week, super::super::PeriodKind::Day, super::super::PeriodKind::Month]
        );
        assert_eq!(plan("daily = \"0 0 9 * * *\"").unwrap().schedules.len(), 1);
        assert_eq!(plan("daily = \"every day\"").unwrap_err().field, "digest.daily");
        assert_eq!(plan("dir = \"d\"").unwrap_err().field, "digest");
        assert!(toml::from_str::<RawDigestConfig>("weekly = \"0 0 9 * * Mon\"").is_err(), "unknown fields refused");
    }
}
