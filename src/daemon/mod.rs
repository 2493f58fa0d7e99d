//! `yuqing run`: every source on its own cron schedule, continuously through the pipeline into
//! the index, the alert rules judged after each crawl that brought new mentions, alerts sent and
//! kept in the history, digests sent on their schedule, the saved searches' subscriptions sent
//! at their intervals (`saved`).
//!
//! [`Daemon::start`] opens one crawl session (one index writer, which commits each crawl's
//! mentions before the crawl state that covers them) and gives a [`Running`] daemon. Its one
//! step — crawl, then judge ([`Running::after_crawl`]) — is what both the scheduled loops of
//! [`Running::run_until`] and the demo (which moves a manual clock through three days) run.
//!
//! Each source has its own task (a slow source delays no other; a crawl that overruns its next
//! time skips it rather than piling up). A crawl's report goes over a bounded channel to the
//! loop that judges. Shutdown is a watch signal every loop selects on: crawls in flight finish,
//! the last reports are judged, the writer commits and the state is flushed; a restart resumes
//! where the crawl state says. No single failure ends monitoring: a failed crawl, judgement or
//! digest is logged and counted, and the daemon goes on.

mod digests;
mod evaluate;
mod incidents;
mod saved;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

pub use evaluate::Evaluator;

use crate::alert::channels::ChannelError;
use crate::crawl::{CrawlError, CrawlSession, Crawler, Progress, SourceReport};
use crate::digest::schedule::DigestPlan;
use crate::index::IndexError;
use crate::source::Source;
use crate::store::StoreError;
use crate::time::Clock;

/// Reports waiting for the evaluator before sources have to wait.
const REPORTS: usize = 64;

/// What can go wrong in the daemon.
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
    #[error(transparent)]
    Incident(#[from] crate::incident::IncidentError),
    #[error(transparent)]
    Saved(#[from] crate::saved::SavedError),
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
    /// Batches of saved searches' subscriptions sent.
    pub saved_batches: u64,
    /// Judgements and digest rounds that failed (logged; monitoring went on).
    pub failures: u64,
}

/// The digest schedule and the directory the digests go to.
#[derive(Debug, Clone)]
pub struct DigestJob {
    pub plan: DigestPlan,
    pub dir: PathBuf,
}

/// The daemon: a crawler, its sources, and the evaluator of the alert rules.
pub struct Daemon {
    pub crawler: Crawler,
    pub sources: Vec<Arc<Source>>,
    pub evaluator: Evaluator,
    pub digests: Option<DigestJob>,
    /// Running totals of the crawls, for a progress display.
    pub progress: Arc<Progress>,
}

impl Daemon {
    /// Opens the crawl session.
    pub fn start(self) -> Result<Running, DaemonError> {
        if self.sources.is_empty() {
            return Err(DaemonError::NoSources);
        }
        let session = Arc::new(self.crawler.start(self.progress)?);
        tracing::info!(sources = self.sources.len(), watches = self.evaluator.watch_count(), "yuqing run started");
        Ok(Running {
            session,
            sources: self.sources,
            evaluator: Arc::new(self.evaluator),
            digests: self.digests.map(Arc::new),
            clock: self.crawler.clock.clone(),
            summary: RunSummary::default(),
        })
    }

    /// Runs until `shutdown` turns true, then finishes what is in flight and commits.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<RunSummary, DaemonError> {
        self.start()?.run_until(shutdown).await
    }
}

/// A started daemon: its crawl session is open.
pub struct Running {
    session: Arc<CrawlSession>,
    sources: Vec<Arc<Source>>,
    evaluator: Arc<Evaluator>,
    digests: Option<Arc<DigestJob>>,
    clock: Clock,
    pub summary: RunSummary,
}

impl Running {
    pub fn evaluator(&self) -> &Arc<Evaluator> {
        &self.evaluator
    }

    /// Crawls every source once, all at the same time, and judges after each report: one step
    /// of the daemon, as the demo and tests drive it.
    pub async fn step(&mut self) -> Vec<SourceReport> {
        let crawls: Vec<_> = self.sources.iter().map(|s| self.session.crawl(s.clone())).collect();
        let mut reports = Vec::new();
        for (source, result) in self.sources.clone().iter().zip(futures_util::future::join_all(crawls).await) {
            match result {
                Ok(report) => {
                    self.after_crawl(&report).await;
                    reports.push(report);
                }
                Err(e) => {
                    self.summary.failures += 1;
                    tracing::error!(source = %source.name, error = %e, "the crawl could not be committed");
                }
            }
        }
        reports
    }

    /// What the daemon does with a crawl's report: counts it, and judges the watches when it
    /// brought new mentions (sending and recording new alerts). A failed judgement is logged and
    /// counted; the next crawl judges again.
    pub async fn after_crawl(&mut self, report: &SourceReport) {
        self.summary.crawls += 1;
        self.summary.new_mentions += report.new;
        self.summary.crawl_errors += report.errors.len() as u64;
        if report.new == 0 {
            // Nothing new to judge, but an incident may still end as quiet hours pass.
            if let Err(e) = self.evaluator.clone().follow_incidents(self.clock.now()).await {
                self.summary.failures += 1;
                tracing::error!(error = %e, "following the incidents failed; monitoring goes on");
            }
            return;
        }
        match self.evaluator.clone().evaluate(self.clock.now()).await {
            Ok(records) => {
                for r in &records {
                    self.summary.alerts += 1;
                    self.summary.undelivered += u64::from(!r.delivered());
                }
            }
            Err(e) => {
                self.summary.failures += 1;
                tracing::error!(error = %e, "judging the watches failed; monitoring goes on");
            }
        }
    }

    /// Digests `period` for every planned watch and sends them; each digest with its file.
    pub async fn send_digests(&mut self, period: crate::digest::Period) -> Vec<(crate::digest::Digest, PathBuf)> {
        let Some(job) = self.digests.clone() else { return Vec::new() };
        match self.evaluator.clone().send_digests(job, period).await {
            Ok(files) => {
                self.summary.digests += 1;
                files
            }
            Err(e) => {
                self.summary.failures += 1;
                tracing::error!(error = %e, "the digests could not be made");
                Vec::new()
            }
        }
    }

    /// Sends the batch of every saved search's subscription that is due now; how many went out.
    pub async fn send_saved(&mut self) -> u64 {
        match self.evaluator.clone().send_saved(self.clock.now()).await {
            Ok(n) => {
                self.summary.saved_batches += n;
                n
            }
            Err(e) => {
                self.summary.failures += 1;
                tracing::error!(error = %e, "the saved searches could not be checked");
                0
            }
        }
    }

    /// Runs every source on its schedule and the digests on theirs until `shutdown`, then
    /// finishes: the index commits and the state is flushed, whatever failed on the way.
    pub async fn run_until(mut self, shutdown: watch::Receiver<bool>) -> Result<RunSummary, DaemonError> {
        let (reports_tx, mut reports) = mpsc::channel::<SourceReport>(REPORTS);
        let loops: Vec<_> = self
            .sources
            .iter()
            .map(|s| {
                let (session, clock) = (self.session.clone(), self.clock.clone());
                tokio::spawn(source_loop(session, s.clone(), clock, shutdown.clone(), reports_tx.clone()))
            })
            .collect();
        drop(reports_tx);
        let digest_loops = match &self.digests {
            Some(job) => spawn_digest_loops(&self.evaluator, job, &self.clock, &shutdown),
            None => Vec::new(),
        };
        let saved = spawn_saved_loop(&self.evaluator, &self.clock, &shutdown);
        // Ends when every source loop has ended (on shutdown), after the last report.
        while let Some(report) = reports.recv().await {
            self.after_crawl(&report).await;
        }
        for l in loops {
            join(l).await;
        }
        for job in digest_loops {
            let (rounds, failures) = join(job).await.unwrap_or_default();
            self.summary.digests += rounds;
            self.summary.failures += failures;
        }
        let (batches, failures) = join(saved).await.unwrap_or_default();
        self.summary.saved_batches += batches;
        self.summary.failures += failures;
        self.finish().await
    }

    /// Commits what is left and closes the writer.
    pub async fn finish(self) -> Result<RunSummary, DaemonError> {
        let Running { session, summary, .. } = self;
        let session = Arc::into_inner(session).expect("every source loop has ended");
        session.finish().await?;
        tracing::info!(?summary, "yuqing run stopped: index committed, state flushed");
        Ok(summary)
    }
}

/// Waits for a task; a panic in it goes on unwinding here.
async fn join<T>(task: tokio::task::JoinHandle<T>) -> Option<T> {
    match task.await {
        Ok(t) => Some(t),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => {
            tracing::error!(error = %e, "a task of the daemon was cancelled");
            None
        }
    }
}

/// Crawls `source` now and then at each time of its schedule until shutdown.
async fn source_loop(
    session: Arc<CrawlSession>,
    source: Arc<Source>,
    clock: Clock,
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
            Err(CrawlError::WriterGone) => {
                tracing::error!(source = %name, "the index writer has stopped; this source stops");
                break;
            }
            Err(e) => tracing::error!(source = %name, error = %e, "the crawl could not be committed; next time again"),
        }
        // The next time of the schedule after now: times missed by a long crawl are skipped.
        let Some(wait) = source.schedule.wait_from(clock.now()) else {
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

/// The loop of the saved searches' subscriptions (the cluster's indexer runs it too).
pub(crate) fn spawn_saved_loop(
    evaluator: &Arc<Evaluator>,
    clock: &Clock,
    shutdown: &watch::Receiver<bool>,
) -> tokio::task::JoinHandle<(u64, u64)> {
    tokio::spawn(saved::saved_loop(evaluator.clone(), clock.clone(), shutdown.clone()))
}

/// One loop per report of the plan (周报, 日报, 月报), each on its own schedule.
pub(crate) fn spawn_digest_loops(
    evaluator: &Arc<Evaluator>,
    job: &Arc<DigestJob>,
    clock: &Clock,
    shutdown: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<(u64, u64)>> {
    (0..job.plan.schedules.len())
        .map(|k| tokio::spawn(digest_loop(evaluator.clone(), job.clone(), k, clock.clone(), shutdown.clone())))
        .collect()
}

/// Sends the digests of the plan's `k`th report at each time of its schedule until shutdown
/// (the last complete day, week or month then); returns how many rounds went out and how many
/// failed.
async fn digest_loop(
    evaluator: Arc<Evaluator>,
    job: Arc<DigestJob>,
    k: usize,
    clock: Clock,
    mut shutdown: watch::Receiver<bool>,
) -> (u64, u64) {
    let (mut rounds, mut failures) = (0, 0);
    let (kind, schedule) = &job.plan.schedules[k];
    while let Some(wait) = schedule.wait_from(clock.now()) {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
        let period = crate::digest::Period::last(*kind, clock.now());
        match evaluator.clone().send_digests(job.clone(), period).await {
            Ok(_) => rounds += 1,
            Err(e) => {
                failures += 1;
                tracing::error!(error = %e, "the digests could not be made; next time again");
            }
        }
    }
    (rounds, failures)
}
