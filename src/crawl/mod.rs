//! The crawler: fetches what the source definitions describe, politely (robots.txt, per-host
//! delay and concurrency, retries with backoff, Retry-After) and incrementally (the crawl state
//! in [`crate::store`]), and hands the mentions to the index through one writer thread.
//!
//! Fetching is async (tokio, reqwest with rustls); reading a page (scraper, JSON, feeds) and
//! preparing its mentions (text pipeline, sentiment, watches) run on blocking threads; the
//! writer admits, commits, and only then records what was seen. A failing source, page or item
//! is reported with its URL and reason and never stops the others.

mod decode;
mod fetch;
mod politeness;
mod report;
mod robots;
mod sink;
mod walk;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use tantivy::Index;

pub use decode::decode;
pub use fetch::{FetchError, Fetched, Fetcher, SourceClient};
pub use report::{Failure, SourceReport};
pub use walk::start_urls;

use crate::analyzer::Analyzer;
use crate::config::CrawlConfig;
use crate::index::writer::default_writer_heap_bytes;
use crate::index::{Fields, IndexError, MentionWriter};
use crate::source::Source;
use crate::store::{Store, StoreError};
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

/// Running totals for a progress display.
#[derive(Debug, Default)]
pub struct Progress {
    pub pages: AtomicU64,
    pub mentions: AtomicU64,
    pub errors: AtomicU64,
}

/// What every walk of a run shares.
struct Ctx {
    settings: CrawlConfig,
    fetcher: Arc<Fetcher>,
    store: Store,
    analyzer: Arc<Analyzer>,
    fields: Fields,
    watches: WatchMatcher,
    watch_list: Vec<Watch>,
    sink: tokio::sync::mpsc::Sender<sink::Batch>,
    now: Timestamp,
    progress: Arc<Progress>,
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
        Crawler { settings, store, fetcher, analyzer, index, fields, watches }
    }

    /// Crawls every source once, all at the same time; one report per source, in their order.
    pub async fn run(&self, sources: Vec<Source>, progress: Arc<Progress>) -> Result<Vec<SourceReport>, CrawlError> {
        let matcher = WatchMatcher::new(self.watches.clone());
        let writer = MentionWriter::new(
            &self.index,
            self.fields,
            self.analyzer.clone(),
            matcher.clone(),
            default_writer_heap_bytes(),
        )?;
        let (tx, writer_thread) = sink::spawn(writer, self.store.clone(), self.settings.commit_every);
        let ctx = Arc::new(Ctx {
            settings: self.settings.clone(),
            fetcher: self.fetcher.clone(),
            store: self.store.clone(),
            analyzer: self.analyzer.clone(),
            fields: self.fields,
            watches: matcher,
            watch_list: self.watches.clone(),
            sink: tx,
            now: Timestamp::now(),
            progress,
        });
        let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        let tasks: Vec<_> =
            sources.into_iter().map(|s| tokio::spawn(walk::crawl_source(ctx.clone(), Arc::new(s)))).collect();
        drop(ctx);
        let mut reports = Vec::new();
        for (task, name) in tasks.into_iter().zip(names) {
            reports.push(task.await.unwrap_or_else(|e| {
                let mut r = SourceReport::new(&name);
                r.fail(name.clone(), format!("internal error: {e}"));
                r
            }));
        }
        let tallies = tokio::task::spawn_blocking(move || writer_thread.join())
            .await
            .map_err(|_| CrawlError::WriterGone)?
            .map_err(|_| CrawlError::WriterGone)??;
        for r in &mut reports {
            if let Some(t) = tallies.get(&r.source) {
                r.new = t.new;
                r.duplicates = t.duplicates;
            }
        }
        Ok(reports)
    }
}
