//! The application assembled from its config, written once for every command and the demo: the
//! analyzer (jieba and the lexicons, loaded once), the index with its tokenizer, the crawl state,
//! the daemon of `yuqing run` and the dashboard. The stages below take only the settings they
//! need; this is where a [`Config`] is turned into them.

use std::sync::Arc;

use tantivy::{Index, IndexReader, ReloadPolicy};

use crate::alert::AlertHistory;
use crate::alert::channels::{Channel, ChannelError};
use crate::analysis::{Analyzer, AnalyzerError};
use crate::config::Config;
use crate::crawl::{Crawler, Progress};
use crate::daemon::{Daemon, DigestJob, Evaluator};
use crate::index::{Fields, IndexError};
use crate::serve::Dashboard;
use crate::source::Source;
use crate::store::{Store, StoreError};
use crate::time::Clock;

/// What can stop a command from opening what it needs.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("loading the dictionaries and lexicons: {0}")]
    Analyzer(#[from] AnalyzerError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("no index at {path}: run `yuqing ingest` or `yuqing crawl` first (or pass --data DIR)")]
    NoIndex { path: String },
}

/// The analyzer the config describes, logging how long it took.
pub fn load_analyzer(config: &Config) -> Result<Analyzer, AppError> {
    let started = std::time::Instant::now();
    let analyzer = Analyzer::load(&config.text, &config.sentiment)?;
    let (words, pairs) = analyzer.scorer.lexicon().len();
    tracing::info!(words, pairs, elapsed_ms = started.elapsed().as_millis() as u64, "analyzer loaded");
    Ok(analyzer)
}

/// The data directory's index (created when absent), with the analyzer's tokenizer registered.
pub fn open_index(config: &Config, analyzer: &Analyzer) -> Result<(Index, Fields), AppError> {
    Ok(crate::index::open_or_create(&config.data.index(), analyzer.text.clone())?)
}

/// The index a reading command needs, which `ingest` or `crawl` must have written; the reader
/// follows later commits.
pub fn open_existing_index(config: &Config) -> Result<(Analyzer, IndexReader, Fields), AppError> {
    if !config.data.has_index() {
        return Err(AppError::NoIndex { path: config.data.index().display().to_string() });
    }
    let analyzer = load_analyzer(config)?;
    let (index, fields) = open_index(config, &analyzer)?;
    let reader = index.reader().map_err(IndexError::from)?;
    Ok((analyzer, reader, fields))
}

/// Everything `yuqing run` works on, open.
pub struct Opened {
    pub analyzer: Arc<Analyzer>,
    pub index: Index,
    pub fields: Fields,
    pub store: Store,
}

/// Loads the analyzer and opens the index and the crawl state (blocks: call it off async threads).
pub fn open_all(config: &Config) -> Result<Opened, AppError> {
    let analyzer = Arc::new(load_analyzer(config)?);
    let (index, fields) = open_index(config, &analyzer)?;
    let store = Store::open(&config.data.state())?;
    crate::data_dir::note_holder(config.data.root());
    Ok(Opened { analyzer, index, fields, store })
}

/// The daemon of `yuqing run` over `sources`, reading "now" from `clock`.
pub fn daemon(
    config: &Config,
    opened: &Opened,
    sources: Vec<Source>,
    clock: Clock,
    progress: Arc<Progress>,
) -> Result<Daemon, AppError> {
    let evaluator = evaluator(config, opened)?;
    let crawler = Crawler::new(
        config.crawl.clone(),
        opened.store.clone(),
        opened.analyzer.clone(),
        opened.index.clone(),
        opened.fields,
        config.watches.clone(),
    )
    .with_clock(clock);
    Ok(Daemon {
        crawler,
        sources: sources.into_iter().map(Arc::new).collect(),
        evaluator,
        digests: config.digest.clone().map(|plan| DigestJob { plan, dir: config.digests_dir() }),
        progress,
    })
}

/// The judge of the alert rules over the opened index, with the configured channels.
pub fn evaluator(config: &Config, opened: &Opened) -> Result<Evaluator, AppError> {
    let channels = Channel::all(&config.channels)?;
    if channels.is_empty() {
        tracing::warn!("no [[channel]] configured: alerts are only logged and kept in the history");
    }
    Ok(Evaluator {
        reader: opened
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(IndexError::from)?,
        fields: opened.fields,
        text: opened.analyzer.text.clone(),
        watches: config.watches.clone(),
        rules: config.alerts.clone(),
        channels,
        history: AlertHistory::new(opened.store.clone()),
        client: reqwest::Client::new(),
        incidents: config.incidents.clone(),
        rule_alerts: config.rules.clone(),
        book: crate::incident::IncidentBook::new(opened.store.clone()),
        store: opened.store.clone(),
        reports_dir: config.digests_dir(),
        saved_request: crate::serve::saved_request,
    })
}

/// The dashboard over `index`; `state` is the store holding the alert history and the
/// incidents, or why it cannot be read.
pub fn dashboard(
    config: &Config,
    reader: IndexReader,
    fields: Fields,
    analyzer: &Analyzer,
    state: Result<Store, String>,
    token: Option<String>,
) -> Dashboard {
    Dashboard {
        reader,
        fields,
        text: analyzer.text.clone(),
        watches: config.watches.clone(),
        history: state.clone().map(AlertHistory::new),
        saved: state.clone().map(crate::saved::SavedBook::new),
        book: state.map(crate::incident::IncidentBook::new),
        incidents: config.incidents.clone(),
        csrf: crate::serve::new_secret(),
        digests_dir: config.digests_dir(),
        channels: config.channels.iter().map(|c| c.display_name()).collect(),
        token,
    }
}
