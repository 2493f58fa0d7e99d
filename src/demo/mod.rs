//! `yuqing demo`: the whole job in one command, through the daemon's own path. A demo site on
//! 127.0.0.1 ([`site`]) serves four weeks of mentions of three fictional phone brands
//! ([`corpus`]) with a battery-fire crisis in the last 30 hours. The daemon of `yuqing run`
//! ([`crate::daemon`]) lives the last three days on a manual clock: the site shows what was
//! published up to that clock, and each simulated hour the daemon crawls every source through the
//! ordinary definitions in `sources/demo/`, judges the watches and sends what it raises to the
//! site's own webhook, keeping it in the alert history, exactly as `yuqing run` does on the hour.
//! At the end it sends the weekly digest of each brand, written as HTML.

pub mod corpus;
pub mod site;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

use crate::alert::AlertRecord;
use crate::app::{self, AppError};
use crate::config::{Config, ConfigError};
use crate::crawl::{Progress, SourceReport};
use crate::daemon::{DaemonError, Running};
use crate::digest::{Digest, Period};
use crate::index::IndexError;
use crate::index::search::{SearchHit, SearchRequest, Sort, search};
use crate::source::{Source, SourceError};
use crate::store::StoreError;
use crate::time::Clock;

/// The origin the demo definitions are written for; replaced by the address the site got.
pub const DEFINITION_ORIGIN: &str = "http://127.0.0.1:18765";
/// The environment variable the demo's webhook channel reads.
pub const WEBHOOK_ENV: &str = "YUQING_DEMO_WEBHOOK";
/// A file marking a directory as the demo's, so that a rerun may replace it.
const MARKER: &str = ".yuqing-demo";
/// The days the daemon lives through on the demo's clock (before them, one crawl takes the history).
const LIVE_DAYS: i64 = 3;

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

[digest]
schedule = "0 0 9 * * Mon"
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
    App(#[from] AppError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    #[error(transparent)]
    Incident(#[from] crate::incident::IncidentError),
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
    /// The incidents the alerts opened, newest first.
    pub incidents: Vec<crate::incident::Incident>,
    /// Messages the site's webhook received.
    pub webhook: Vec<serde_json::Value>,
    /// The crisis brand's digest, then the others'.
    pub digests: Vec<(Digest, PathBuf)>,
    /// Simulated hours the daemon lived through.
    pub steps: usize,
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
    stage("starting the demo site");
    let corpus = corpus::generate(Timestamp::now());
    let now = corpus.end;
    let served = corpus.mentions.len() + corpus.questions.len();
    let crisis_start = corpus.crisis_start;
    let hour = SignedDuration::from_hours(1);
    let clock = Clock::manual(now - hour * (24 * LIVE_DAYS) as i32);
    let site = Arc::new(site::Site { corpus, clock: clock.clone(), webhook: Mutex::default() });
    let listener = tokio::net::TcpListener::from_std(p.listener).map_err(io(&p.dir))?;
    let server = tokio::spawn(axum::serve(listener, site::router(site.clone())).into_future());

    stage("loading the dictionaries and lexicons");
    let config = Config::load(&p.config_path)?;
    let mut running = {
        let (config, clock, progress) = (config.clone(), clock.clone(), progress.clone());
        tokio::task::spawn_blocking(move || daemon(&config, clock, progress)).await.expect("starting panicked")?
    };
    stage("the daemon lives the last three days: crawl, judge, alert, every simulated hour");
    let mut steps = 0;
    let mut crawl: Vec<SourceReport> = Vec::new();
    while clock.now() <= now {
        for report in running.step().await {
            match crawl.iter_mut().find(|r| r.source == report.source) {
                Some(total) => total.merge(report),
                None => crawl.push(report),
            }
        }
        steps += 1;
        clock.set(clock.now() + hour);
    }
    clock.set(now);

    stage("sending the weekly digests");
    let digests = running.send_digests(Period::new(now - SignedDuration::from_hours(24 * 7), now)).await;
    let evaluator = running.evaluator().clone();
    running.finish().await?;
    let (history, book) = (evaluator.history.clone(), evaluator.book.clone());
    let mut alerts = tokio::task::spawn_blocking(move || history.list(None, None)).await.expect("reading panicked")?;
    let incidents = tokio::task::spawn_blocking(move || book.list(None)).await.expect("reading panicked")?;
    alerts.reverse();
    let sample_query = "起火 召回".to_string();
    let request = SearchRequest {
        query: sample_query.clone(),
        watch: Some(corpus::CRISIS_BRAND.into()),
        sort: Sort::Engagement,
        limit: 3,
        collapse: true,
        ..SearchRequest::default()
    };
    let sample = tokio::task::spawn_blocking(move || -> Result<Vec<SearchHit>, IndexError> {
        evaluator.reader.reload()?;
        Ok(search(&evaluator.reader.searcher(), evaluator.fields, &request)?.hits)
    })
    .await
    .expect("searching panicked")?;
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
        incidents,
        webhook,
        digests,
        steps,
        sample_query,
        sample,
    })
}

/// The daemon `yuqing run` would start for the demo's config, on the demo's clock, started.
fn daemon(config: &Config, clock: Clock, progress: Arc<Progress>) -> Result<Running, DemoError> {
    let opened = app::open_all(config)?;
    let sources = Source::load_dir(&config.crawl.sources_dir)?.sources;
    Ok(app::daemon(config, &opened, sources, clock, progress)?.start()?)
}
