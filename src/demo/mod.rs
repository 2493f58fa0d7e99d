//! `yuqing demo`: the whole job in one command. A demo site on 127.0.0.1 ([`site`]) serves four
//! weeks of mentions of three fictional phone brands ([`corpus`]) with a battery-fire crisis in
//! the last 30 hours; the ordinary source definitions in `sources/demo/` crawl it into a fresh
//! data directory through the same code as real sources; the detector replays the last three
//! days and raises the crisis alert, which goes to the site's own webhook and into the alert
//! history; the weekly digest of each brand is written as HTML.

pub mod corpus;
pub mod site;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

use crate::alert::channels::{Channel, ChannelError};
use crate::alert::{AlertHistory, AlertRecord, BacktestRequest, backtest};
use crate::analyzer::{Analyzer, AnalyzerError};
use crate::config::{Config, ConfigError};
use crate::crawl::{CrawlError, Crawler, Progress, SourceReport};
use crate::digest::{Digest, DigestRequest, Period, build, html};
use crate::index::search::{SearchHit, SearchRequest, Sort, search};
use crate::index::{Fields, IndexError};
use crate::source::{Source, SourceError};
use crate::store::{Store, StoreError};

/// The origin the demo definitions are written for; replaced by the address the site got.
pub const DEFINITION_ORIGIN: &str = "http://127.0.0.1:18765";
/// The environment variable the demo's webhook channel reads.
pub const WEBHOOK_ENV: &str = "YUQING_DEMO_WEBHOOK";
/// A file marking a directory as the demo's, so that a rerun may replace it.
const MARKER: &str = ".yuqing-demo";
/// The days the detector replays.
const DETECT_DAYS: i64 = 3;

const SOURCES: [(&str, &str); 3] = [
    ("shop.toml", include_str!("../../sources/demo/shop.toml")),
    ("feed.toml", include_str!("../../sources/demo/feed.toml")),
    ("qa.toml", include_str!("../../sources/demo/qa.toml")),
];

const CONFIG: &str = r#"# Written by `yuqing demo`. Explore with: yuqing --config <this file> search 起火 --watch 极光
[data]
dir = "data"

[crawl]
sources_dir = "sources"

[[watch]]
name = "极光"
aliases = ["极光手机", "Aurora"]
group = "手机"

[[watch]]
name = "星河"
group = "手机"

[[watch]]
name = "青橙"
group = "手机"

[[channel]]
kind = "webhook"
name = "demo-webhook"
url_env = "YUQING_DEMO_WEBHOOK"
"#;

/// What can stop the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path} exists and is not a yuqing demo directory (no {MARKER}); choose another --dir")]
    NotADemoDir { path: PathBuf },
    #[error("demo directory {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Analyzer(#[from] AnalyzerError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Crawl(#[from] CrawlError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
}

/// A prepared demo directory and the site's socket.
pub struct Prepared {
    pub dir: PathBuf,
    pub config_path: PathBuf,
    pub origin: String,
    listener: std::net::TcpListener,
}

/// What the demo did.
pub struct DemoReport {
    /// The instant the demo's timeline ends at.
    pub now: Timestamp,
    pub dir: PathBuf,
    pub config_path: PathBuf,
    pub origin: String,
    pub served: usize,
    pub crisis_start: Timestamp,
    pub crawl: Vec<SourceReport>,
    pub alerts: Vec<AlertRecord>,
    /// Messages the site's webhook received.
    pub webhook: Vec<serde_json::Value>,
    /// The crisis brand's digest, then the others'.
    pub digests: Vec<(Digest, PathBuf)>,
    pub sample_query: String,
    pub sample: Vec<SearchHit>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DemoError + '_ {
    move |e| DemoError::Io { path: path.to_path_buf(), reason: e.to_string() }
}

/// Makes `dir` a fresh demo directory (replacing an earlier demo's), binds the site's socket,
/// and writes the config and the source definitions pointing at it.
pub fn prepare(dir: &Path) -> Result<Prepared, DemoError> {
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            return Err(DemoError::NotADemoDir { path: dir.to_path_buf() });
        }
        std::fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    let sources = dir.join("sources");
    std::fs::create_dir_all(&sources).map_err(io(dir))?;
    std::fs::write(dir.join(MARKER), "a yuqing demo directory: `yuqing demo` replaces it\n").map_err(io(dir))?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io(dir))?;
    listener.set_nonblocking(true).map_err(io(dir))?;
    let origin = format!("http://{}", listener.local_addr().map_err(io(dir))?);
    for (name, text) in SOURCES {
        std::fs::write(sources.join(name), text.replace(DEFINITION_ORIGIN, &origin)).map_err(io(&sources))?;
    }
    let config_path = dir.join("yuqing.toml");
    std::fs::write(&config_path, CONFIG).map_err(io(dir))?;
    Ok(Prepared { dir: dir.to_path_buf(), config_path, origin, listener })
}

/// Runs the demo in a prepared directory; `stage` is told what it is doing.
pub async fn run(p: Prepared, progress: Arc<Progress>, stage: impl Fn(&str)) -> Result<DemoReport, DemoError> {
    let now = Timestamp::now();
    stage("starting the demo site");
    let corpus = corpus::generate(now);
    let served = corpus.mentions.len() + corpus.questions.len();
    let crisis_start = corpus.crisis_start;
    let site = Arc::new(site::Site { corpus, webhook: Mutex::default() });
    let listener = tokio::net::TcpListener::from_std(p.listener).map_err(io(&p.dir))?;
    let server = tokio::spawn(axum::serve(listener, site::router(site.clone())).into_future());

    let config = Config::load(&p.config_path)?;
    stage("loading the dictionaries and lexicons");
    let analyzer = {
        let config = config.clone();
        Arc::new(tokio::task::spawn_blocking(move || Analyzer::load(&config)).await.expect("loading panicked")?)
    };
    let (index, fields) = crate::index::open_or_create(&config.data_dir.join("index"), analyzer.text.clone())?;
    let store = Store::open(&config.data_dir.join("state"))?;
    let sources = Source::load_dir(&config.crawl.sources_dir)?;
    stage("crawling the demo site: a GBK shop, a JSON feed, a Q&A forum");
    let crawler = Crawler::new(
        config.crawl.clone(),
        store.clone(),
        analyzer.clone(),
        index.clone(),
        fields,
        config.watches.clone(),
    );
    let crawl = crawler.run(sources, progress).await?;
    // What the crawl committed, read by everything below.
    let searcher = index.reader().map_err(IndexError::from)?.searcher();

    stage("replaying the last three days through the spike detector");
    let history = AlertHistory::new(store);
    let channels = Channel::all(&config.channels)?;
    let client = reqwest::Client::new();
    let mut alerts = Vec::new();
    let found = {
        let (searcher, config, analyzer) = (searcher.clone(), config.clone(), analyzer.clone());
        tokio::task::spawn_blocking(move || -> Result<Vec<crate::alert::Alert>, IndexError> {
            let mut all = Vec::new();
            for watch in &config.watches {
                let request = BacktestRequest {
                    watch: watch.clone(),
                    since: now - SignedDuration::from_hours(24 * DETECT_DAYS),
                    until: now,
                    rules: config.alerts.clone(),
                };
                all.extend(backtest(&searcher, fields, &analyzer.text, &request)?);
            }
            Ok(all)
        })
        .await
        .expect("detection panicked")?
    };
    for alert in found {
        alerts.push(history.raise(alert, &channels, &client).await?);
    }

    stage("writing the weekly digests");
    let digests = {
        let (searcher, config, analyzer, records) =
            (searcher.clone(), config.clone(), analyzer.clone(), alerts.clone());
        let dir = config.data_dir.join("digests");
        tokio::task::spawn_blocking(move || write_digests(&searcher, fields, &analyzer, &config, records, &dir, now))
            .await
            .expect("the digest panicked")?
    };
    let sample_query = "起火 召回".to_string();
    let request = SearchRequest {
        query: sample_query.clone(),
        watch: Some(corpus::CRISIS_BRAND.into()),
        sort: Sort::Engagement,
        limit: 3,
        collapse: true,
        ..SearchRequest::default()
    };
    let sample = search(&searcher, fields, &request)?;
    server.abort();
    let webhook = site.webhook.lock().expect("webhook log").clone();
    Ok(DemoReport {
        now,
        dir: p.dir,
        config_path: p.config_path,
        origin: p.origin,
        served,
        crisis_start,
        crawl,
        alerts,
        webhook,
        digests,
        sample_query,
        sample,
    })
}

/// The digest of the week up to `now` for every watch, the crisis brand first.
fn write_digests(
    searcher: &tantivy::Searcher,
    fields: Fields,
    analyzer: &Analyzer,
    config: &Config,
    alerts: Vec<AlertRecord>,
    dir: &Path,
    now: Timestamp,
) -> Result<Vec<(Digest, PathBuf)>, DemoError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let period = Period::new(now - SignedDuration::from_hours(24 * 7), now);
    let mut out = Vec::new();
    for watch in &config.watches {
        let request = DigestRequest::for_watch(watch, &config.watches, period.clone(), alerts.clone());
        let digest = build(searcher, fields, &analyzer.text, &request)?;
        let path = dir.join(crate::digest::schedule::file_name(&watch.name, "demo-week"));
        std::fs::write(&path, html::render(&digest)).map_err(io(&path))?;
        out.push((digest, path));
    }
    Ok(out)
}
