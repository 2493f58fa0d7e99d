//! The crawler: fetches what the source definitions describe, politely (robots.txt, per-host
//! delay and concurrency, retries with backoff, Retry-After) and incrementally (the crawl state
//! in [`crate::store`]), and hands the mentions to the index through one writer thread.
//!
//! Fetching is async (tokio, reqwest with rustls); reading a page (scraper, JSON, feeds) and
//! preparing its mentions (text pipeline, sentiment, watches) run on blocking threads; the
//! writer admits, commits, and only then records what was seen. A failing source, page or item
//! is reported with its URL and reason and never stops the others.

mod config;
mod decode;
mod fetch;
mod guard;
mod politeness;
mod report;
mod robots;
mod sink;
mod walk;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use tantivy::Index;

pub use config::CrawlConfig;
pub use decode::decode;
pub use fetch::{FetchError, Fetched, Fetcher, SourceClient};
pub use politeness::SharedSlot;
pub use report::{Failure, SourceReport};
pub use walk::start_urls;

use crate::analysis::{Analyzer, Preparer};
use crate::index::writer::default_writer_heap_bytes;
use crate::index::{Fields, IndexError, MentionWriter};
use crate::source::Source;
use crate::store::{Store, StoreError};
use crate::time::Clock;
use crate::watch::{Watch, WatchMatcher};

/// What stops a whole crawl (a single source's failures only go to its report).
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the index writer stopped unexpectedly")]
    WriterGone,
}

/// Politeness and robots.txt shared beyond this process: the cluster's workers share them
/// through NATS key-value buckets (the cluster module); the embedded crawler has none. Failures
/// are the implementation's to log: the local gate and robots cache still hold.
pub trait SharedLimits: Send + Sync {
    /// Waits until a request to `host` may start: `delay` after the last one any process made.
    fn turn<'a>(&'a self, host: &'a str, delay: std::time::Duration) -> futures_util::future::BoxFuture<'a, ()>;
    /// A robots.txt another process fetched: when (Unix seconds), and its body.
    fn robots<'a>(&'a self, origin: &'a str) -> futures_util::future::BoxFuture<'a, Option<(i64, Vec<u8>)>>;
    /// Keeps a robots.txt fetched here for the others.
    fn keep_robots<'a>(&'a self, origin: &'a str, at: i64, body: Vec<u8>) -> futures_util::future::BoxFuture<'a, ()>;
    /// Waits for one of the `concurrency` slots of `host` that every process shares; the slot
    /// is held until it is released (or dropped). An empty slot when the sharing failed.
    fn slot<'a>(&'a self, host: &'a str, concurrency: usize) -> futures_util::future::BoxFuture<'a, SharedSlot>;
    /// No request to `host` starts in any process for `wait` (a 429's or 503's Retry-After).
    fn pause<'a>(&'a self, host: &'a str, wait: std::time::Duration) -> futures_util::future::BoxFuture<'a, ()>;
}

/// Running totals for a progress display.
#[derive(Debug, Default)]
pub struct Progress {
    pub pages: AtomicU64,
    pub mentions: AtomicU64,
    pub errors: AtomicU64,
}

/// What every walk of a crawl shares.
#[derive(Clone)]
struct Ctx {
    settings: CrawlConfig,
    fetcher: Arc<Fetcher>,
    store: Store,
    /// Cloned for each page read (the clone shares the analyzer and the watches).
    preparer: Preparer,
    watch_list: Vec<Watch>,
    sink: tokio::sync::mpsc::Sender<sink::Msg>,
    /// Relative times ("5分钟前") are read against this: the start of the source's crawl.
    now: Timestamp,
    /// A backfill (`crawl --since`): walk every listing past what was seen, down to this time.
    backfill_since: Option<Timestamp>,
    progress: Arc<Progress>,
    /// Pages being read and prepared at once: two per core (measured: one per core, or no
    /// bound at all, left the cores less busy or crowded out the index writer's threads).
    cpu: Arc<tokio::sync::Semaphore>,
}

/// Crawls sources into one index.
pub struct Crawler {
    pub settings: CrawlConfig,
    pub store: Store,
    pub fetcher: Arc<Fetcher>,
    pub analyzer: Arc<Analyzer>,
    pub index: Index,
    pub fields: Fields,
    pub watches: Vec<Watch>,
    /// Where "now" comes from: relative times ("5分钟前") and the window are read against it.
    pub clock: Clock,
    /// A backfill: every listing walked past what was seen, down to this time (instead of the
    /// source's window), new items indexed, known ones skipped.
    pub backfill_since: Option<Timestamp>,
}

/// A crawler with its index writer open: sources may be crawled, together or one after another,
/// until [`CrawlSession::finish`].
pub struct CrawlSession {
    ctx: Ctx,
    writer_thread: std::thread::JoinHandle<Result<(), CrawlError>>,
    clock: Clock,
}

impl Crawler {
    pub fn new(
        settings: CrawlConfig,
        store: Store,
        analyzer: Arc<Analyzer>,
        index: Index,
        fields: Fields,
        watches: Vec<Watch>,
    ) -> Self {
        let fetcher = Arc::new(Fetcher::new(settings.clone(), store.clone()));
        Crawler {
            settings,
            store,
            fetcher,
            analyzer,
            index,
            fields,
            watches,
            clock: Clock::system(),
            backfill_since: None,
        }
    }

    /// The same crawler reading "now" from `clock` (tests, the demo).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Opens the index writer (one per index) on its thread.
    pub fn start(&self, progress: Arc<Progress>) -> Result<CrawlSession, CrawlError> {
        let matcher = WatchMatcher::new(self.watches.clone());
        let writer =
            MentionWriter::new(&self.index, self.fields, self.analyzer.text.clone(), default_writer_heap_bytes())?;
        let (tx, writer_thread) = sink::spawn(
            writer,
            self.store.clone(),
            self.settings.commit_every,
            std::time::Duration::from_secs(self.settings.commit_secs),
        );
        let ctx = Ctx {
            settings: self.settings.clone(),
            fetcher: self.fetcher.clone(),
            store: self.store.clone(),
            preparer: Preparer::new(self.analyzer.clone(), matcher),
            watch_list: self.watches.clone(),
            sink: tx,
            now: self.clock.now(),
            backfill_since: self.backfill_since,
            progress,
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get) * 2,
            )),
        };
        Ok(CrawlSession { ctx, writer_thread, clock: self.clock.clone() })
    }

    /// Crawls every source once, all at the same time; one report per source, in their order.
    pub async fn run(&self, sources: Vec<Source>, progress: Arc<Progress>) -> Result<Vec<SourceReport>, CrawlError> {
        let session = Arc::new(self.start(progress)?);
        let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        let tasks: Vec<_> = sources
            .into_iter()
            .map(|s| {
                let session = session.clone();
                tokio::spawn(async move { session.crawl(Arc::new(s)).await })
            })
            .collect();
        let mut reports = Vec::new();
        for (task, name) in tasks.into_iter().zip(names) {
            reports.push(task.await.unwrap_or_else(|e| {
                let mut r = SourceReport::new(&name);
                r.fail(name.clone(), format!("internal error: {e}"));
                Ok(r)
            })?);
        }
        let session = Arc::into_inner(session).expect("every crawl task has ended");
        session.finish().await?;
        Ok(reports)
    }
}

impl CrawlSession {
    /// Crawls `source` once and commits what it found; the report counts what the index took.
    pub async fn crawl(&self, source: Arc<Source>) -> Result<SourceReport, CrawlError> {
        let ctx = Arc::new(Ctx { now: self.clock.now(), ..self.ctx.clone() });
        let mut report = walk::crawl_source(ctx, source).await;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.ctx.sink.send(sink::Msg::Flush(report.source.clone(), reply)).await.map_err(|_| CrawlError::WriterGone)?;
        let tally = answer.await.map_err(|_| CrawlError::WriterGone)?;
        report.new = tally.new;
        report.copies = tally.copies;
        report.duplicates = tally.duplicates;
        Ok(report)
    }

    /// Commits what is left and closes the writer.
    pub async fn finish(self) -> Result<(), CrawlError> {
        let CrawlSession { ctx, writer_thread, .. } = self;
        drop(ctx);
        tokio::task::spawn_blocking(move || writer_thread.join())
            .await
            .map_err(|_| CrawlError::WriterGone)?
            .map_err(|_| CrawlError::WriterGone)?
    }
}
