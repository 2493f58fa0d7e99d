//! Past one machine: the roles of `yuqing run --role` over NATS JetStream. A **scheduler** (one
//! at a time, holding a lease in a key-value bucket) publishes crawl jobs on each source's
//! schedule to a work-queue stream; **workers**, any number on any machines, take jobs, fetch,
//! extract and analyse, publish each mention (its id as the message id, so the server stores it
//! once) and the follow-up jobs, and acknowledge the job only once the server has stored all of
//! them; the **indexer** reads the mentions stream with a durable consumer, indexes with the
//! embedded writer, acknowledges after the commit, and judges alerts and sends digests as
//! `yuqing run` does. Politeness (each host's next allowed time) and robots.txt are shared
//! through key-value buckets. `yuqing cluster status` reads the streams, consumers and buckets.
//!
//! Nothing here keeps a queue of its own: a killed worker's unacknowledged job goes to another
//! worker after `ack_wait`; a killed indexer's unacknowledged mentions come again, and the index
//! skips the ids it holds; a lost connection is retried by the client, with backoff, and logged.

mod config;
mod connect;
mod indexer;
mod job;
mod lease;
mod limits;
mod page;
mod scheduler;
mod slots;
mod status;
mod walks;
mod worker;

pub use config::{Auth, ClusterConfig, RawClusterConfig};
pub use connect::Cluster;
pub use indexer::{Indexer, IndexerSummary};
pub use job::{Job, JobOf};
pub use lease::Lease;
pub use limits::KvLimits;
pub use scheduler::Scheduler;
pub use status::{ClusterStatus, STATUS_WAIT, status};
pub use worker::{Worker, WorkerSummary};

/// The role of one `yuqing run` process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in this process, without NATS: the embedded daemon (the default).
    All,
    /// Publishes crawl jobs on the sources' schedules (one acts at a time).
    Scheduler,
    /// Takes crawl jobs: fetches, extracts, analyses, publishes mentions.
    Worker,
    /// Indexes the mentions, judges alerts, sends digests, serves the dashboard.
    Indexer,
}

/// What can go wrong talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "cannot reach NATS at {url}: {reason} (is nats-server running with JetStream, `nats-server -js`? check [cluster] url)"
    )]
    Connect { url: String, reason: String },
    #[error("[cluster] {field}: the environment variable {var} is not set")]
    MissingSecret { field: &'static str, var: String },
    #[error("cannot read the NATS credentials file {path}: {reason}")]
    Credentials { path: String, reason: String },
    #[error("cannot set up {what} on the NATS server: {reason} (JetStream enabled? the account's limits?)")]
    Setup { what: String, reason: String },
    #[error("NATS did not store {what}: {reason}")]
    Publish { what: String, reason: String },
    #[error("reading {what} from NATS: {reason}")]
    Read { what: String, reason: String },
    #[error("a message on {subject} is not a yuqing {what}: {reason}")]
    Decode { subject: String, what: &'static str, reason: String },
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    #[error(transparent)]
    Daemon(#[from] crate::daemon::DaemonError),
    #[error("no source definitions to run")]
    NoSources,
}

/// A stable name for this process in heartbeats and the lease: host name and process id.
pub fn process_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    let host: String = host.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{host}-{}", std::process::id())
}
