//! The worker role: takes crawl jobs from the jobs stream's one durable consumer (shared by all
//! workers: the server gives each job to one of them), a few at a time, and for each reads its
//! page ([`super::page`]), publishes the page's mentions to the mentions stream (the mention id
//! as the message id) and its follow-up jobs, waits until the server has stored every one, and
//! only then acknowledges the job. While a job is worked on, the server is told so every third
//! of `ack_wait`; a worker killed mid-job stops telling it, and the job goes to another worker.
//! A job whose page could not be read is acknowledged and logged (the next tick tries again,
//! as in the embedded crawl); a job whose publishes failed is handed back to be tried again.
//! A listing's walk ends at a page of mentions seen before once a walk of it went to its end
//! ([`super::walks`]). Each worker keeps a heartbeat in the workers bucket, which `yuqing
//! cluster status` lists.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures_util::StreamExt;
use tokio::sync::{Semaphore, watch};

use super::walks::Walks;
use super::{Cluster, ClusterError, Job, JobOf, page};
use crate::analysis::Preparer;
use crate::crawl::{Fetcher, SourceClient};
use crate::source::Source;

/// The workers' shared durable consumer on the jobs stream.
pub const WORKERS_DURABLE: &str = "yuqing_workers";
/// How long one pull for jobs waits on the server.
const PULL_WAIT: Duration = Duration::from_secs(1);
/// How often a worker's heartbeat is written; entries expire after four of these.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// What a worker did, counted as it goes.
#[derive(Debug, Default, serde::Serialize)]
pub struct WorkerSummary {
    pub jobs: AtomicU64,
    pub pages_failed: AtomicU64,
    pub mentions: AtomicU64,
    pub follow_ups: AtomicU64,
    /// Jobs handed back because a publish failed.
    pub retried: AtomicU64,
}

/// What a worker needs.
pub struct Worker {
    pub cluster: Cluster,
    pub fetcher: Arc<Fetcher>,
    pub sources: Vec<Arc<Source>>,
    pub preparer: Preparer,
    /// Its name in the heartbeats.
    pub name: String,
}

/// Shared by the jobs in flight.
struct Ctx {
    cluster: Cluster,
    fetcher: Arc<Fetcher>,
    sources: HashMap<String, Arc<Source>>,
    clients: Mutex<HashMap<String, Arc<SourceClient>>>,
    preparer: Preparer,
    summary: Arc<WorkerSummary>,
    walks: Walks,
}

impl Worker {
    /// Takes jobs until `shutdown`, then finishes the jobs in flight; returns what it did.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<Arc<WorkerSummary>, ClusterError> {
        let c = self.cluster.config.clone();
        self.cluster.mentions().await?;
        let consumer = self.consumer().await?;
        let beats = self.cluster.bucket(&c.workers_bucket, HEARTBEAT * 4).await?;
        let summary = Arc::new(WorkerSummary::default());
        let walks = Walks::new(self.cluster.bucket(&c.walks_bucket, c.mentions_max_age).await?);
        let ctx = Arc::new(Ctx {
            cluster: self.cluster.clone(),
            fetcher: self.fetcher.clone(),
            sources: self.sources.iter().map(|s| (s.name.clone(), s.clone())).collect(),
            clients: Mutex::default(),
            preparer: self.preparer.clone(),
            summary: summary.clone(),
            walks,
        });
        let heartbeat = tokio::spawn(heartbeat(beats.clone(), self.name.clone(), summary.clone(), shutdown.clone()));
        let slots = Arc::new(Semaphore::new(c.worker_jobs));
        tracing::info!(name = %self.name, jobs_at_once = c.worker_jobs, "worker started");
        let mut failures = 0u32;
        while !*shutdown.borrow() {
            let free = slots.available_permits().max(1);
            let batch = consumer.batch().max_messages(free).expires(PULL_WAIT).messages();
            // The server ends a pull at its expiry; one lost with the connection is ended here.
            let mut batch = match tokio::time::timeout(PULL_WAIT * 3, batch).await {
                Ok(Ok(b)) => b,
                Ok(Err(e)) => {
                    failures += 1;
                    tracing::warn!(error = %e, "cannot ask NATS for jobs; trying again");
                    backoff(failures, &mut shutdown).await;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, "cannot ask NATS for jobs; trying again");
                    backoff(failures, &mut shutdown).await;
                    continue;
                }
            };
            while let Ok(Some(msg)) = tokio::time::timeout(PULL_WAIT * 3, batch.next()).await {
                let msg = match msg {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::debug!(error = %e, "a fetch of jobs ended");
                        break;
                    }
                };
                failures = 0;
                let permit = slots.clone().acquire_owned().await.expect("the job slots are never closed");
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    work(&ctx, msg).await;
                    drop(permit);
                });
            }
        }
        // Jobs in flight finish (their acks go out) before the worker ends.
        let _ = slots.acquire_many(c.worker_jobs as u32).await;
        let _ = heartbeat.await;
        let _ = beats.delete(&self.name).await;
        tracing::info!(name = %self.name, jobs = summary.jobs.load(Ordering::Relaxed), "worker stopped");
        Ok(summary)
    }

    async fn consumer(&self) -> Result<jetstream::consumer::Consumer<pull::Config>, ClusterError> {
        let c = &self.cluster.config;
        let stream = self.cluster.jobs().await?;
        let config = pull::Config {
            durable_name: Some(WORKERS_DURABLE.into()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: c.ack_wait,
            max_ack_pending: 10_000,
            ..Default::default()
        };
        stream.get_or_create_consumer(WORKERS_DURABLE, config).await.map_err(|e| ClusterError::Setup {
            what: format!("the consumer {WORKERS_DURABLE} on {}", c.jobs_stream),
            reason: e.to_string(),
        })
    }
}

/// Waits a little longer after each failure in a row (at most 10 s), or until shutdown.
async fn backoff(failures: u32, shutdown: &mut watch::Receiver<bool>) {
    let wait = Duration::from_millis(200u64.saturating_mul(1 << failures.min(6)).min(10_000));
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

/// Works on one job and answers the server: acknowledged, or handed back to be tried again.
async fn work(ctx: &Ctx, msg: jetstream::Message) {
    let msg = Arc::new(msg);
    let progress = {
        let (msg, every) = (msg.clone(), ctx.cluster.config.ack_wait / 3);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let _ = msg.ack_with(AckKind::Progress).await;
            }
        })
    };
    let answer = match serde_json::from_slice::<Job>(&msg.payload) {
        Ok(job) => run_job(ctx, &job).await,
        Err(e) => {
            tracing::error!(subject = %msg.subject, error = %e, "not a yuqing crawl job; dropped");
            Answer::Drop
        }
    };
    progress.abort();
    let result = match answer {
        Answer::Done => msg.double_ack().await,
        Answer::Drop => msg.ack_with(AckKind::Term).await,
        Answer::Again => {
            ctx.summary.retried.fetch_add(1, Ordering::Relaxed);
            msg.ack_with(AckKind::Nak(Some(Duration::from_secs(2)))).await
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "the job's acknowledgement was lost; the server hands it out again");
    }
}

enum Answer {
    Done,
    Drop,
    Again,
}

/// Reads the job's page and publishes what it gave.
async fn run_job(ctx: &Ctx, job: &Job) -> Answer {
    let Some(source) = ctx.sources.get(&job.source) else {
        tracing::error!(source = %job.source, url = %job.url, "no such source here; the job is dropped (are the sources/ of every worker the same?)");
        return Answer::Drop;
    };
    let client = match client(ctx, source) {
        Ok(c) => c,
        Err(reason) => {
            tracing::error!(source = %job.source, %reason, "the source's client cannot be built");
            return Answer::Drop;
        }
    };
    ctx.summary.jobs.fetch_add(1, Ordering::Relaxed);
    let read = match page::read(&ctx.fetcher, &client, source, job, &ctx.preparer).await {
        Ok(r) => r,
        Err(reason) => {
            ctx.summary.pages_failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(source = %job.source, url = %job.url, %reason, "crawl error");
            if job.of == JobOf::List {
                ctx.walks.cut(&job.source, &job.start).await;
            }
            return Answer::Done;
        }
    };
    for f in &read.failures {
        tracing::warn!(source = %job.source, reason = %f, "crawl error");
    }
    let (follow_ups, ids, walk_ended) = walk_on(ctx, source, job, &read).await;
    match publish(ctx, read.prepared, &follow_ups).await {
        Ok(mentions) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            ctx.walks.mark_seen(&job.source, &ids).await;
            if walk_ended {
                ctx.walks.completed_with(&job.source, &job.start, reach(source)).await;
            }
            ctx.summary.mentions.fetch_add(mentions, Ordering::Relaxed);
            ctx.summary.follow_ups.fetch_add(follow_ups.len() as u64, Ordering::Relaxed);
            tracing::debug!(source = %job.source, url = %job.url, mentions, follow_ups = follow_ups.len(), "job done");
            Answer::Done
        }
        Err(e) => {
            tracing::warn!(source = %job.source, url = %job.url, error = %e, "not all was stored; the job is tried again");
            Answer::Again
        }
    }
}

fn reach(source: &Source) -> crate::store::Reach {
    crate::store::Reach { window_days: source.window_days, max_pages: source.max_pages }
}

/// The page's follow-up jobs (no next page when a listing's walk ends at mentions seen before),
/// the ids of its mentions, and whether the listing's walk went to its end here.
async fn walk_on(ctx: &Ctx, source: &Source, job: &Job, read: &page::PageRead) -> (Vec<Job>, Vec<String>, bool) {
    let ids: Vec<String> = read.prepared.iter().map(|m| m.id.clone()).collect();
    let listing = job.of == JobOf::List;
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let at_seen = listing && ctx.walks.ends_here(&job.source, &job.start, reach(source), &refs).await;
    let mut outcome = read.outcome.clone();
    outcome.end |= at_seen;
    let follow_ups = job.follow_ups(source, &outcome);
    if at_seen {
        tracing::debug!(source = %job.source, url = %job.url, "the walk ends at mentions seen before");
    }
    let ended = listing && !at_seen && !follow_ups.iter().any(|j| j.of == JobOf::List);
    (follow_ups, ids, ended)
}

/// The source's HTTP client, built once.
fn client(ctx: &Ctx, source: &Source) -> Result<Arc<SourceClient>, String> {
    let mut clients = ctx.clients.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = clients.get(&source.name) {
        return Ok(c.clone());
    }
    let c = Arc::new(ctx.fetcher.client_for(source)?);
    clients.insert(source.name.clone(), c.clone());
    Ok(c)
}

/// Publishes the mentions and the follow-up jobs and waits until the server stored them all;
/// returns how many mentions were new to the stream.
async fn publish(
    ctx: &Ctx,
    mentions: Vec<crate::analysis::PreparedMention>,
    jobs: &[Job],
) -> Result<u64, ClusterError> {
    let c = &ctx.cluster.config;
    let mut acks = Vec::with_capacity(mentions.len() + jobs.len());
    for m in &mentions {
        let body = serde_json::to_vec(m).expect("a mention serializes");
        ctx.preparer.analyzer().text.withdraw(&m.text);
        acks.push(ctx.cluster.publish(&c.mentions_subject, &m.id, body.into()).await?);
    }
    let first_job = acks.len();
    for job in jobs {
        let body = serde_json::to_vec(job).expect("a job serializes");
        acks.push(ctx.cluster.publish(&c.jobs_subject, &job.id(), body.into()).await?);
    }
    let mut new = 0;
    for (i, ack) in acks.into_iter().enumerate() {
        let ack =
            ack.await.map_err(|e| ClusterError::Publish { what: "a mention or job".into(), reason: e.to_string() })?;
        new += u64::from(i < first_job && !ack.duplicate);
    }
    Ok(new)
}

/// The worker's heartbeat entry, written every [`HEARTBEAT`] until shutdown.
async fn heartbeat(
    beats: jetstream::kv::Store,
    name: String,
    summary: Arc<WorkerSummary>,
    mut shutdown: watch::Receiver<bool>,
) {
    let started = jiff::Timestamp::now();
    loop {
        let beat = serde_json::json!({
            "name": name,
            "started": started.to_string(),
            "jobs": summary.jobs.load(Ordering::Relaxed),
            "mentions": summary.mentions.load(Ordering::Relaxed),
            "pages_failed": summary.pages_failed.load(Ordering::Relaxed),
        });
        if let Err(e) = beats.put(&name, serde_json::to_vec(&beat).expect("json").into()).await {
            tracing::debug!(error = %e, "heartbeat not written");
        }
        tokio::select! {
            _ = tokio::time::sleep(HEARTBEAT) => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
    }
}
