//! The indexer role: reads the mentions stream through its durable consumer, a batch at a time
//! (up to `crawl.commit_every` mentions, or what came within a second), admits them with the
//! embedded index writer (which leaves out the ids it holds, so a mention delivered again is
//! not indexed twice), commits, and only then acknowledges the batch. After a commit that added
//! mentions it judges the alert rules, as `yuqing run` does after a crawl; the digests go out on
//! their schedule. Killed at any moment, it loses nothing: what it had not acknowledged comes
//! again, and what it had committed is skipped.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures_util::StreamExt;
use tokio::sync::watch;

use super::{Cluster, ClusterError};
use crate::analysis::PreparedMention;
use crate::daemon::{DigestJob, Evaluator};
use crate::index::MentionWriter;
use crate::time::Clock;

/// How long a batch waits for mentions before what came is committed.
const BATCH_WAIT: Duration = Duration::from_secs(1);

/// What an indexer did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct IndexerSummary {
    pub indexed: u64,
    /// Delivered again or published twice: the index held their ids.
    pub duplicates: u64,
    pub commits: u64,
    pub alerts: u64,
    pub failures: u64,
    /// Milliseconds from each indexed mention's fetch to the commit that made it searchable.
    #[serde(skip)]
    pub delays_ms: Vec<u64>,
}

/// What an indexer needs.
pub struct Indexer {
    pub cluster: Cluster,
    pub writer: MentionWriter,
    pub evaluator: Arc<Evaluator>,
    pub digests: Option<Arc<DigestJob>>,
    pub clock: Clock,
    /// Most mentions in one commit.
    pub batch: usize,
}

impl Indexer {
    /// Indexes until `shutdown`; the last batch is committed and acknowledged before it returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<IndexerSummary, ClusterError> {
        let consumer = self.consumer().await?;
        let Indexer { evaluator, digests, clock, batch, writer, .. } = self;
        let digest_tasks = match &digests {
            Some(job) => crate::daemon::spawn_digest_loops(&evaluator, job, &clock, &shutdown),
            None => Vec::new(),
        };
        let saved = crate::daemon::spawn_saved_loop(&evaluator, &clock, &shutdown);
        let mut writer = Some(writer);
        let mut summary = IndexerSummary::default();
        let mut failures = 0u32;
        tracing::info!("indexer started");
        while !*shutdown.borrow() {
            let msgs = match next_batch(&consumer, batch).await {
                Ok(m) => m,
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, "cannot read mentions from NATS; trying again");
                    let wait = Duration::from_millis(200u64.saturating_mul(1 << failures.min(6)).min(10_000));
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.wait_for(|stop| *stop) => {}
                    }
                    continue;
                }
            };
            failures = 0;
            if msgs.is_empty() {
                continue;
            }
            let new = index_batch(&mut writer, msgs, &mut summary).await?;
            if new > 0 {
                match evaluator.clone().evaluate(clock.now()).await {
                    Ok(records) => summary.alerts += records.len() as u64,
                    Err(e) => {
                        summary.failures += 1;
                        tracing::error!(error = %e, "judging the watches failed; monitoring goes on");
                    }
                }
            }
        }
        for task in digest_tasks {
            let _ = task.await;
        }
        let _ = saved.await;
        tracing::info!(indexed = summary.indexed, duplicates = summary.duplicates, "indexer stopped");
        Ok(summary)
    }

    async fn consumer(&self) -> Result<jetstream::consumer::Consumer<pull::Config>, ClusterError> {
        let c = &self.cluster.config;
        let stream = self.cluster.mentions().await?;
        let config = pull::Config {
            durable_name: Some(c.indexer_durable.clone()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: c.ack_wait,
            max_ack_pending: (self.batch as i64 * 2).max(1000),
            ..Default::default()
        };
        stream.get_or_create_consumer(&c.indexer_durable, config).await.map_err(|e| ClusterError::Setup {
            what: format!("the consumer {} on {}", c.indexer_durable, c.mentions_stream),
            reason: e.to_string(),
        })
    }
}

/// Up to `max` mentions, or what came within [`BATCH_WAIT`].
async fn next_batch(
    consumer: &jetstream::consumer::Consumer<pull::Config>,
    max: usize,
) -> Result<Vec<jetstream::Message>, ClusterError> {
    let read = |e: String| ClusterError::Read { what: "mentions".into(), reason: e };
    // The server ends a pull at its expiry; one lost with the connection is ended here.
    let pull = consumer.batch().max_messages(max).expires(BATCH_WAIT).messages();
    let mut batch = match tokio::time::timeout(BATCH_WAIT * 3, pull).await {
        Ok(b) => b.map_err(|e| read(e.to_string()))?,
        Err(_) => return Err(read("no answer from the server".into())),
    };
    let mut msgs = Vec::new();
    while let Ok(Some(m)) = tokio::time::timeout(BATCH_WAIT * 3, batch.next()).await {
        match m {
            Ok(m) => msgs.push(m),
            Err(e) if msgs.is_empty() => return Err(read(e.to_string())),
            Err(_) => break,
        }
    }
    Ok(msgs)
}

/// Admits and commits a batch (off the async threads), then acknowledges it; returns how many
/// mentions it added to the index.
async fn index_batch(
    writer: &mut Option<MentionWriter>,
    msgs: Vec<jetstream::Message>,
    summary: &mut IndexerSummary,
) -> Result<u64, ClusterError> {
    let mut mentions = Vec::with_capacity(msgs.len());
    let mut keep = Vec::with_capacity(msgs.len());
    for msg in msgs {
        match serde_json::from_slice::<PreparedMention>(&msg.payload) {
            Ok(m) => {
                mentions.push(m);
                keep.push(msg);
            }
            Err(e) => {
                tracing::error!(subject = %msg.subject, error = %e, "not a yuqing mention; dropped");
                let _ = msg.ack_with(AckKind::Term).await;
            }
        }
    }
    let mut w = writer.take().expect("the writer is back after each batch");
    let fetched: Vec<jiff::Timestamp> = mentions.iter().map(|m| m.fetched_at).collect();
    let (w, result) = tokio::task::spawn_blocking(move || {
        let result = (|| {
            let mut added = Vec::with_capacity(mentions.len());
            for m in mentions {
                added.push(w.admit(m)?.indexed());
            }
            w.commit()?;
            Ok::<_, crate::index::IndexError>(added)
        })();
        (w, result)
    })
    .await
    .expect("the index writer's task does not panic");
    *writer = Some(w);
    let added = result?;
    let committed = jiff::Timestamp::now();
    summary.commits += 1;
    let mut new = 0;
    for (indexed, at) in added.iter().zip(&fetched) {
        if *indexed {
            new += 1;
            summary.delays_ms.push(committed.duration_since(*at).as_millis().max(0) as u64);
        }
    }
    summary.indexed += new;
    summary.duplicates += added.len() as u64 - new;
    // Acknowledged after the commit: a lost ack only brings back a mention the index skips.
    for msg in keep {
        if let Err(e) = msg.ack().await {
            tracing::debug!(error = %e, "a mention's acknowledgement was lost; it comes again and is skipped");
        }
    }
    tracing::info!(indexed = new, duplicates = added.len() as u64 - new, "mentions committed");
    Ok(new)
}
