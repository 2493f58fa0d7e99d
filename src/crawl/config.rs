//! `[crawl]`: how the crawler fetches — identity, politeness, timeouts, limits, retries and
//! commits. Sources may override the politeness settings (`[request]` in a definition).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::setting::{Invalid, check_range, resolve};

/// How the crawler fetches (`[crawl]`); sources may override the politeness settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlConfig {
    /// Directory of source definitions (`*.toml`), relative to the config file.
    #[serde(default = "default_sources_dir")]
    pub sources_dir: PathBuf,
    /// The User-Agent sent to every site.
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// Obey robots.txt (sources may turn it off for APIs they are allowed to use).
    #[serde(default = "default_true")]
    pub respect_robots: bool,
    /// Seconds allowed to open a connection.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Seconds allowed for a whole request, body included.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Larger responses are refused.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// More redirects than this is an error (a redirect loop).
    #[serde(default = "default_max_redirects")]
    pub max_redirects: usize,
    /// Least milliseconds between two requests to one host.
    #[serde(default = "default_delay_ms")]
    pub delay_ms: u64,
    /// Most requests in flight to one host.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Retries after a timeout, a connection error, 429 or 5xx.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The first retry waits about this long; each next one twice as long, with jitter.
    #[serde(default = "default_retry_base_ms")]
    pub retry_base_ms: u64,
    /// A Retry-After longer than this many seconds ends the attempt instead of waiting.
    #[serde(default = "default_max_retry_after_secs")]
    pub max_retry_after_secs: u64,
    /// Commit the index (and then the crawl state) after this many new mentions.
    #[serde(default = "default_commit_every")]
    pub commit_every: usize,
    /// Also commit, as the next page arrives, once the oldest uncommitted mention has waited
    /// this many seconds (so that a long crawl's mentions reach search and alerts).
    #[serde(default = "default_commit_secs")]
    pub commit_secs: u64,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        toml::from_str("").expect("crawl defaults")
    }
}

fn default_sources_dir() -> PathBuf {
    PathBuf::from("sources")
}

fn default_user_agent() -> String {
    concat!("yuqing/", env!("CARGO_PKG_VERSION"), " (brand monitoring; +https://github.com/yuqing/yuqing)").to_string()
}

const fn default_true() -> bool {
    true
}

const fn default_connect_timeout_secs() -> u64 {
    10
}

const fn default_timeout_secs() -> u64 {
    30
}

const fn default_max_body_bytes() -> u64 {
    8 << 20
}

const fn default_max_redirects() -> usize {
    5
}

const fn default_delay_ms() -> u64 {
    1000
}

const fn default_concurrency() -> usize {
    2
}

const fn default_retries() -> u32 {
    3
}

const fn default_retry_base_ms() -> u64 {
    500
}

const fn default_max_retry_after_secs() -> u64 {
    120
}

const fn default_commit_secs() -> u64 {
    30
}

const fn default_commit_every() -> usize {
    20_000
}

impl CrawlConfig {
    /// Takes `sources_dir` from `base`; checks every number and the User-Agent.
    pub fn validate(&mut self, base: &Path) -> Result<(), Invalid> {
        self.sources_dir = resolve(base, &self.sources_dir);
        // The ranges README's "Limits" table gives.
        check_range("crawl.connect_timeout_secs", self.connect_timeout_secs, 1, 600)?;
        check_range("crawl.timeout_secs", self.timeout_secs, 1, 3600)?;
        check_range("crawl.max_body_bytes", self.max_body_bytes, 1, 256 << 20)?;
        check_range("crawl.max_redirects", self.max_redirects, 0, 20)?;
        check_range("crawl.delay_ms", self.delay_ms, 0, 3_600_000)?;
        check_range("crawl.concurrency", self.concurrency, 1, 64)?;
        check_range("crawl.retries", self.retries, 0, 10)?;
        check_range("crawl.retry_base_ms", self.retry_base_ms, 0, 60_000)?;
        check_range("crawl.max_retry_after_secs", self.max_retry_after_secs, 0, 86_400)?;
        check_range("crawl.commit_every", self.commit_every, 1, 1_000_000)?;
        check_range("crawl.commit_secs", self.commit_secs, 1, 3600)?;
        if reqwest::header::HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(Invalid::new("crawl.user_agent", "is not a valid header value"));
        }
        Ok(())
    }

    /// The product token robots.txt groups are matched against: the User-Agent up to its first
    /// `/` or space (`yuqing` for `yuqing/0.1.0 (…)`).
    pub fn robots_agent(&self) -> &str {
        let ua = self.user_agent.trim();
        ua.split(['/', ' ']).next().filter(|t| !t.is_empty()).unwrap_or(ua)
    }
}
