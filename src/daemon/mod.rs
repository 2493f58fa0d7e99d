//! `yuqing run`: every source on its own cron schedule, continuously through the pipeline into
//! the index, the alert rules judged after each crawl that brought new mentions, alerts sent and
//! kept in the history.
//!
//! Each source has its own task (a slow source delays no other; a crawl that overruns its next
//! time skips it rather than piling up); they share one crawl session, so one index writer
//! commits each crawl's mentions before the crawl state that covers them. A crawl's report goes
//! over a bounded channel to the evaluator ([`evaluate`]). Shutdown is a watch signal every loop
//! selects on: crawls in flight finish, the evaluator drains the last reports, the writer
//! commits and the state is flushed; a restart resumes where the crawl state says.

mod digests;
mod evaluate;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, watch};

pub use evaluate::{Evaluator, bucket_floor};

use crate::alert::channels::ChannelError;
use crate::crawl::{CrawlError, CrawlSession, Crawler, Progress, SourceReport};
use crate::digest::schedule::DigestPlan;
use crate::index::IndexError;
use crate::source::Source;
use crate::store::StoreError;

/// Reports waiting for the evaluator before sources have to wait.
const REPORTS: usize = 64;

/// What stops the daemon.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Crawl(#[from] CrawlError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("no source definitions to run")]
    NoSources,
    #[error("cannot write {path}: {reason}")]
    Write { path: std::path::PathBuf, reason: String },
}

/// What a run did, for the last log line.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct RunSummary {
    pub crawls: u64,
    pub new_mentions: u64,
    pub crawl_errors: u64,
    pub alerts: u64,
    pub undelivered: u64,
    pub digests: u64,
}

/// The daemon: a crawler, its sources, and the evaluator of the alert rules.
pub struct Daemon {
    pub crawler: Crawler,
    pub sources: Vec<Arc<Source>>,
    pub evaluator: Evaluator,
    /// The digest schedule and the directory the digests go to.
    pub digests: Option<(DigestPlan, PathBuf)>,
}

impl Daemon {
    /// Runs until `shutdown` turns true, then finishes what is in flight and commits.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<RunSummary, DaemonError> {
        if self.sources.is_empty() {
            return Err(DaemonError::NoSources);
        }
        let session = Arc::new(self.crawler.start(Arc::new(Progress::default()))?);
        let (reports_tx, mut reports) = mpsc::channel::<SourceReport>(REPORTS);
        let loops: Vec<_> = self
            .sources
            .iter()
            .map(|s| tokio::spawn(source_loop(session.clone(), s.clone(), shutdown.clone(), reports_tx.clone())))
            .collect();
        drop(reports_tx);
        tracing::info!(sources = self.sources.len(), watches = self.evaluator.watch_count(), "yuqing run started");
        let mut summary = RunSummary::default();
        let evaluator = Arc::new(self.evaluator);
        let digest_job = self
            .digests
            .map(|(plan, dir)| tokio::spawn(digest_loop(evaluator.clone(), Arc::new(plan), dir, shutdown.clone())));
        // Ends when every source loop has ended (on shutdown), after the last report.
        while let Some(report) = reports.recv().await {
            summary.crawls += 1;
            summary.new_mentions += report.new;
            summary.crawl_errors += report.errors.len() as u64;
            if report.new == 0 {
                continue;
            }
            let records = evaluator.clone().evaluate(Timestamp::now()).await?;
            for r in &records {
                summary.alerts += 1;
                summary.undelivered += u64::from(!r.delivered());
            }
        }
        for l in loops {
            if let Err(e) = l.await {
                tracing::error!(error = %e, "a source loop ended abnormally");
            }
        }
        if let Some(job) = digest_job {
            match job.await {
                Ok(n) => summary.digests = n,
                Err(e) => tracing::error!(error = %e, "the digest job ended abnormally"),
            }
        }
        let session = Arc::into_inner(session).expect("every source loop has ended");
        session.finish().await?;
        tracing::info!(?summary, "yuqing run stopped: index committed, state flushed");
        Ok(summary)
    }
}

/// Crawls `source` now and then at each time of its schedule until shutdown.
async fn source_loop(
    session: Arc<CrawlSession>,
    source: Arc<Source>,
    mut shutdown: watch::Receiver<bool>,
    reports: mpsc::Sender<SourceReport>,
) {
    let name = source.name.clone();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let started = std::time::Instant::now();
        match session.crawl(source.clone()).await {
            Ok(r) => {
                tracing::info!(
                    source = %name,
                    pages = r.pages,
                    new = r.new,
                    duplicates = r.duplicates,
                    seen = r.seen,
                    errors = r.errors.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "crawled"
                );
                for e in &r.errors {
                    tracing::warn!(source = %name, url = %e.url, reason = %e.reason, "crawl error");
                }
                if reports.send(r).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                tracing::error!(source = %name, error = %e, "the crawl session failed; this source stops");
                break;
            }
        }
        // The next time of the schedule after now: times missed by a long crawl are skipped.
        let Some(wait) = until_next(&source.schedule) else {
            tracing::info!(source = %name, "its schedule has no further times");
            break;
        };
        tracing::debug!(source = %name, wait_ms = wait.as_millis() as u64, "waiting");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
    }
}

/// How long until the schedule's next time; schedules are read in Asia/Shanghai (UTC+8, no DST),
/// so "0 0 9 * * Mon" is Monday 09:00 there.
pub fn until_next(schedule: &cron::Schedule) -> Option<Duration> {
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is an offset");
    let next = schedule.upcoming(shanghai).next()?;
    Some((next.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().unwrap_or_default())
}

/// Sends the digests at each time of the plan's schedule until shutdown; returns how many
/// rounds went out.
async fn digest_loop(
    evaluator: Arc<Evaluator>,
    plan: Arc<DigestPlan>,
    dir: PathBuf,
    mut shutdown: watch::Receiver<bool>,
) -> u64 {
    let mut rounds = 0;
    while let Some(wait) = until_next(&plan.schedule) {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
        match evaluator.clone().send_digests(plan.clone(), dir.clone(), Timestamp::now()).await {
            Ok(_) => rounds += 1,
            Err(e) => tracing::error!(error = %e, "the digests could not be made"),
        }
    }
    rounds
}
