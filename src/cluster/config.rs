//! `[cluster]`: where the NATS server is, how to sign in to it (secrets only through the names
//! of environment variables), and the names and limits of the streams and buckets the roles
//! share. Parsed raw (unknown fields refused), then validated into [`ClusterConfig`], naming
//! the field that is wrong.

use std::time::Duration;

use serde::Deserialize;

use crate::setting::{Invalid, check_range};

/// `[cluster]` as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClusterConfig {
    /// The NATS server(s), comma-separated (`nats://10.0.0.5:4222`).
    #[serde(default = "default_url")]
    pub url: String,
    /// Environment variable holding a token, if the server asks for one.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Environment variable holding the path of a `.creds` file (NATS accounts with JWTs).
    #[serde(default)]
    pub credentials_env: Option<String>,
    /// Environment variable holding an nkey seed (`SU…`).
    #[serde(default)]
    pub nkey_env: Option<String>,
    /// The work-queue stream of crawl jobs.
    #[serde(default = "default_jobs_stream")]
    pub jobs_stream: String,
    /// The stream of analysed mentions, read by the indexer.
    #[serde(default = "default_mentions_stream")]
    pub mentions_stream: String,
    /// The subject prefix of both streams (`yuqing` gives `yuqing.jobs` and `yuqing.mentions`).
    #[serde(default = "default_subject_prefix")]
    pub subject_prefix: String,
    /// The key-value bucket of the scheduler's lease.
    #[serde(default = "default_lease_bucket")]
    pub lease_bucket: String,
    /// The key-value bucket of the workers' heartbeats.
    #[serde(default = "default_workers_bucket")]
    pub workers_bucket: String,
    /// The key-value bucket of per-host politeness (the next time a host may be asked).
    #[serde(default = "default_hosts_bucket")]
    pub hosts_bucket: String,
    /// The key-value bucket of robots.txt files fetched by any worker.
    #[serde(default = "default_robots_bucket")]
    pub robots_bucket: String,
    /// The key-value bucket of the walks' state: mentions seen, listings walked to their end.
    #[serde(default = "default_walks_bucket")]
    pub walks_bucket: String,
    /// The indexer's durable consumer on the mentions stream.
    #[serde(default = "default_indexer_durable")]
    pub indexer_durable: String,
    /// Seconds the scheduler's lease lasts without renewal (it renews every third of it).
    #[serde(default = "default_lease_secs")]
    pub lease_secs: u64,
    /// Seconds a job may stay unacknowledged before the server hands it to another worker
    /// (a worker working on a job tells the server so every third of it); also how long the
    /// indexer may hold a batch of mentions before its commit.
    #[serde(default = "default_ack_wait_secs")]
    pub ack_wait_secs: u64,
    /// Seconds within which a job or mention published twice (same id) is stored once.
    #[serde(default = "default_duplicate_window_secs")]
    pub duplicate_window_secs: u64,
    /// Jobs one worker works on at once.
    #[serde(default = "default_worker_jobs")]
    pub worker_jobs: usize,
    /// Hours the mentions stream keeps mentions (the indexer must catch up within them).
    #[serde(default = "default_mentions_max_age_hours")]
    pub mentions_max_age_hours: u64,
    /// Seconds a host slot (one of a host's `concurrency` requests in flight, shared by every
    /// worker) holds without renewal; a worker renews its slots every third of it, so a killed
    /// worker's slots free themselves within it.
    #[serde(default = "default_slot_lease_secs")]
    pub slot_lease_secs: u64,
}

pub fn default_url() -> String {
    "nats://127.0.0.1:4222".into()
}
fn default_jobs_stream() -> String {
    "YUQING_JOBS".into()
}
fn default_mentions_stream() -> String {
    "YUQING_MENTIONS".into()
}
fn default_subject_prefix() -> String {
    "yuqing".into()
}
fn default_lease_bucket() -> String {
    "yuqing_lease".into()
}
fn default_workers_bucket() -> String {
    "yuqing_workers".into()
}
fn default_hosts_bucket() -> String {
    "yuqing_hosts".into()
}
fn default_robots_bucket() -> String {
    "yuqing_robots".into()
}
fn default_walks_bucket() -> String {
    "yuqing_walks".into()
}
fn default_indexer_durable() -> String {
    "yuqing_indexer".into()
}
pub const fn default_lease_secs() -> u64 {
    15
}
pub const fn default_ack_wait_secs() -> u64 {
    60
}
pub const fn default_duplicate_window_secs() -> u64 {
    600
}
pub const fn default_worker_jobs() -> usize {
    8
}
pub const fn default_mentions_max_age_hours() -> u64 {
    7 * 24
}
pub const fn default_slot_lease_secs() -> u64 {
    10
}

impl Default for RawClusterConfig {
    fn default() -> Self {
        toml::from_str("").expect("every field has a default")
    }
}

/// Where the cluster is and what its parts are called, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    pub url: String,
    pub auth: Auth,
    pub jobs_stream: String,
    pub mentions_stream: String,
    pub jobs_subject: String,
    pub mentions_subject: String,
    pub lease_bucket: String,
    pub workers_bucket: String,
    pub hosts_bucket: String,
    pub robots_bucket: String,
    pub walks_bucket: String,
    pub indexer_durable: String,
    pub lease: Duration,
    pub ack_wait: Duration,
    pub duplicate_window: Duration,
    pub worker_jobs: usize,
    pub mentions_max_age: Duration,
    pub slot_lease: Duration,
}

/// How to sign in: the names of the environment variables, read when connecting.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Auth {
    pub token_env: Option<String>,
    pub credentials_env: Option<String>,
    pub nkey_env: Option<String>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        RawClusterConfig::default().validate().expect("the defaults are valid")
    }
}

/// A stream, bucket or consumer name NATS accepts (no dots, spaces, wildcards or slashes).
fn check_name(field: &str, value: &str) -> Result<(), Invalid> {
    let bad = value.is_empty()
        || value.len() > 64
        || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bad {
        return Err(Invalid::new(
            format!("cluster.{field}"),
            format!("{value:?}: use 1 to 64 ASCII letters, digits, _ or -"),
        ));
    }
    Ok(())
}

fn check_env(field: &str, value: &Option<String>) -> Result<(), Invalid> {
    match value {
        Some(v) if v.is_empty() || v.contains('=') => Err(Invalid::new(
            format!("cluster.{field}"),
            "names an environment variable (the secret itself never goes in the file)",
        )),
        _ => Ok(()),
    }
}

impl RawClusterConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(self) -> Result<ClusterConfig, Invalid> {
        let url_ok = self.url.split(',').all(|u| {
            let u = u.trim();
            !u.is_empty() && !u.contains(char::is_whitespace)
        });
        if !url_ok {
            return Err(Invalid::new("cluster.url", format!("{:?} is not a list of NATS server URLs", self.url)));
        }
        for (field, v) in [
            ("jobs_stream", &self.jobs_stream),
            ("mentions_stream", &self.mentions_stream),
            ("lease_bucket", &self.lease_bucket),
            ("workers_bucket", &self.workers_bucket),
            ("hosts_bucket", &self.hosts_bucket),
            ("robots_bucket", &self.robots_bucket),
            ("walks_bucket", &self.walks_bucket),
            ("indexer_durable", &self.indexer_durable),
            ("subject_prefix", &self.subject_prefix),
        ] {
            check_name(field, v)?;
        }
        if self.jobs_stream == self.mentions_stream {
            return Err(Invalid::new("cluster.mentions_stream", "must differ from cluster.jobs_stream"));
        }
        check_env("token_env", &self.token_env)?;
        check_env("credentials_env", &self.credentials_env)?;
        check_env("nkey_env", &self.nkey_env)?;
        check_range("cluster.lease_secs", self.lease_secs, 3, 3600)?;
        check_range("cluster.ack_wait_secs", self.ack_wait_secs, 3, 3600)?;
        check_range("cluster.duplicate_window_secs", self.duplicate_window_secs, 10, 7 * 24 * 3600)?;
        check_range("cluster.worker_jobs", self.worker_jobs, 1, 1024)?;
        check_range("cluster.mentions_max_age_hours", self.mentions_max_age_hours, 1, 24 * 365)?;
        check_range("cluster.slot_lease_secs", self.slot_lease_secs, 1, 600)?;
        Ok(ClusterConfig {
            auth: Auth { token_env: self.token_env, credentials_env: self.credentials_env, nkey_env: self.nkey_env },
            jobs_subject: format!("{}.jobs", self.subject_prefix),
            mentions_subject: format!("{}.mentions", self.subject_prefix),
            url: self.url,
            jobs_stream: self.jobs_stream,
            mentions_stream: self.mentions_stream,
            lease_bucket: self.lease_bucket,
            workers_bucket: self.workers_bucket,
            hosts_bucket: self.hosts_bucket,
            robots_bucket: self.robots_bucket,
            walks_bucket: self.walks_bucket,
            indexer_durable: self.indexer_durable,
            lease: Duration::from_secs(self.lease_secs),
            ack_wait: Duration::from_secs(self.ack_wait_secs),
            duplicate_window: Duration::from_secs(self.duplicate_window_secs),
            worker_jobs: self.worker_jobs,
            mentions_max_age: Duration::from_secs(self.mentions_max_age_hours * 3600),
            slot_lease: Duration::from_secs(self.slot_lease_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClusterConfig, String> {
        let raw: RawClusterConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.validate().map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_bad_fields_named() {
        let c = parse("").unwrap();
        assert_eq!((c.jobs_subject.as_str(), c.lease), ("yuqing.jobs", Duration::from_secs(15)));
        assert!(parse("jobs_stream = \"a.b\"").unwrap_err().starts_with("cluster.jobs_stream:"));
        assert!(parse("lease_secs = 1").unwrap_err().starts_with("cluster.lease_secs: must be at least 3"));
        assert!(parse("token_env = \"\"").unwrap_err().starts_with("cluster.token_env:"));
        assert!(parse("mentions_stream = \"YUQING_JOBS\"").unwrap_err().contains("must differ"));
        assert!(parse("urls = \"x\"").unwrap_err().contains("unknown field `urls`"));
        assert_eq!((c.slot_lease, c.walks_bucket.as_str()), (Duration::from_secs(10), "yuqing_walks"));
        assert!(parse("slot_lease_secs = 0").unwrap_err().starts_with("cluster.slot_lease_secs:"));
        assert!(parse("walks_bucket = \"a b\"").unwrap_err().starts_with("cluster.walks_bucket:"));
    }
}
