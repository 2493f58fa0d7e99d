//! `yuqing cluster status`: what the cluster holds and who works in it, read from the server:
//! each stream's depth, each consumer's lag (not yet delivered) and jobs or mentions in hand
//! (delivered, not acknowledged), the workers whose heartbeats have not expired, and the
//! scheduler's lease.

use std::time::Duration;

use futures_util::StreamExt;

use super::lease::{Holder, holder};
use super::worker::{HEARTBEAT, WORKERS_DURABLE};
use super::{Cluster, ClusterError};

/// One stream.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StreamStatus {
    pub name: String,
    pub messages: u64,
    pub bytes: u64,
    /// Its consumer (the workers' on jobs, the indexer's on mentions), when it exists.
    pub consumer: Option<ConsumerStatus>,
}

/// One durable consumer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsumerStatus {
    pub name: String,
    /// Messages not yet delivered to it: the lag.
    pub pending: u64,
    /// Delivered and not yet acknowledged.
    pub ack_pending: usize,
    pub redelivered: usize,
}

/// The whole cluster.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterStatus {
    pub url: String,
    pub jobs: StreamStatus,
    pub mentions: StreamStatus,
    /// The workers' heartbeats, as they wrote them.
    pub workers: Vec<serde_json::Value>,
    pub scheduler: Option<Holder>,
}

/// Reads the cluster's status (setting up streams and buckets that do not exist yet).
pub async fn status(cluster: &Cluster) -> Result<ClusterStatus, ClusterError> {
    let c = &cluster.config;
    let jobs = stream_status(cluster, cluster.jobs().await?, WORKERS_DURABLE).await?;
    let mentions = stream_status(cluster, cluster.mentions().await?, &c.indexer_durable).await?;
    let read = |what: &str, e: String| ClusterError::Read { what: what.into(), reason: e };
    let beats = cluster.bucket(&c.workers_bucket, HEARTBEAT * 4).await?;
    let mut workers = Vec::new();
    let mut keys = beats.keys().await.map_err(|e| read("the workers' heartbeats", e.to_string()))?;
    while let Some(key) = keys.next().await {
        let key = key.map_err(|e| read("the workers' heartbeats", e.to_string()))?;
        if let Ok(Some(value)) = beats.get(&key).await
            && let Ok(beat) = serde_json::from_slice(&value)
        {
            workers.push(beat);
        }
    }
    let lease = cluster.bucket(&c.lease_bucket, c.lease).await?;
    let scheduler = holder(&lease).await.map_err(|e| read("the scheduler's lease", e))?;
    Ok(ClusterStatus { url: c.url.clone(), jobs, mentions, workers, scheduler })
}

async fn stream_status(
    _cluster: &Cluster,
    mut stream: async_nats::jetstream::stream::Stream,
    consumer: &str,
) -> Result<StreamStatus, ClusterError> {
    let info =
        stream.info().await.map_err(|e| ClusterError::Read { what: "a stream".into(), reason: e.to_string() })?;
    let (name, messages, bytes) = (info.config.name.clone(), info.state.messages, info.state.bytes);
    let consumer = match stream.consumer_info(consumer).await {
        Ok(i) => Some(ConsumerStatus {
            name: consumer.to_string(),
            pending: i.num_pending,
            ack_pending: i.num_ack_pending,
            redelivered: i.num_redelivered,
        }),
        Err(_) => None,
    };
    Ok(StreamStatus { name, messages, bytes, consumer })
}

impl ClusterStatus {
    /// The status as the terminal shows it.
    pub fn text(&self) -> String {
        let mut out = format!("NATS {}\n", self.url);
        for s in [&self.jobs, &self.mentions] {
            out.push_str(&format!("stream {}: {} messages, {} bytes\n", s.name, s.messages, s.bytes));
            match &s.consumer {
                Some(c) => out.push_str(&format!(
                    "  consumer {}: {} waiting (lag), {} in hand, {} redelivered\n",
                    c.name, c.pending, c.ack_pending, c.redelivered
                )),
                None => out.push_str("  no consumer yet\n"),
            }
        }
        match &self.scheduler {
            Some(h) => {
                out.push_str(&format!("scheduler: {} (lease renewed {:.1} s ago)\n", h.name, h.renewed_secs_ago))
            }
            None => out.push_str("scheduler: none holds the lease\n"),
        }
        out.push_str(&format!("workers seen in the last {} s: {}\n", (HEARTBEAT * 4).as_secs(), self.workers.len()));
        for w in &self.workers {
            let get = |k: &str| w.get(k).map(|v| v.to_string().trim_matches('"').to_string()).unwrap_or_default();
            out.push_str(&format!(
                "  {}: {} jobs, {} mentions, {} failed pages, since {}\n",
                get("name"),
                get("jobs"),
                get("mentions"),
                get("pages_failed"),
                get("started")
            ));
        }
        out
    }
}

/// How long `yuqing cluster status` waits for the server.
pub const STATUS_WAIT: Duration = Duration::from_secs(5);
