//! The cluster tests' fixture: a local shop of reviews on one host (each page answered after
//! [`LATENCY`], the requests it saw recorded, optionally one answered 429), a config naming a
//! real nats-server, the roles as child processes of the real binary with their logs, and the
//! index as the tests read it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::nats::Nats;
use super::shop;

/// Shops, pages of reviews in each, reviews on a page.
pub const SHOPS: usize = 4;
pub const PAGES: usize = 8;
pub const PER_PAGE: usize = 10;
/// Every page answers after this long (the crawl is bound by latency and politeness).
pub const LATENCY: Duration = Duration::from_millis(40);

/// What the site saw: when each page request arrived and whether it was refused (the host's
/// politeness is checked on them), and the most requests it had in flight at once.
#[derive(Default)]
pub struct Site {
    pub arrivals: Mutex<Vec<(Instant, bool)>>,
    in_flight: AtomicUsize,
    pub most_in_flight: AtomicUsize,
    /// The page request (counted from 0) answered 429 with `Retry-After: 2`.
    refuse: Option<usize>,
}

/// A request in flight at the site until dropped.
struct InFlight<'a>(&'a Site);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn reviews(
    State(site): State<Arc<Site>>,
    UrlPath(shop): UrlPath<usize>,
    Query(q): Query<HashMap<String, usize>>,
) -> Response {
    let now = site.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _in_flight = InFlight(&site);
    site.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let refused = {
        let mut arrivals = site.arrivals.lock().unwrap();
        let refused = site.refuse == Some(arrivals.len());
        arrivals.push((Instant::now(), refused));
        refused
    };
    if refused {
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "2")], "slow down").into_response();
    }
    tokio::time::sleep(LATENCY).await;
    let page = q.get("page").copied().unwrap_or(1);
    let texts: Vec<String> =
        (0..PER_PAGE).map(|i| format!("第{shop}家店第{page}页第{i}条：华为手机拍照清晰，物流很快")).collect();
    let items: Vec<shop::Review> = if page <= PAGES {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| shop::Review {
                id: format!("{shop}-{page}-{i}"),
                user: "买家",
                stars: 5,
                text,
                date: "5分钟前",
                useful: 1,
            })
            .collect()
    } else {
        Vec::new()
    };
    ([(header::CONTENT_TYPE, "text/html")], shop::page(&items)).into_response()
}

/// Every review id the shops have, as the index holds them.
pub fn expected_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for s in 0..SHOPS {
        for p in 1..=PAGES {
            for i in 0..PER_PAGE {
                ids.insert(format!("shop{s}:{s}-{p}-{i}"));
            }
        }
    }
    ids
}

/// The site, the config and the sources, and the index as the test reads it.
pub struct Fixture {
    dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
    index: tantivy::Index,
    pub site: Arc<Site>,
    fields: yuqing::index::Fields,
}

/// How the fixture's crawl is set: the least delay and most requests in flight at the host,
/// and the page request answered 429 (none: every one answered).
pub struct Settings {
    pub delay_ms: u64,
    pub concurrency: usize,
    pub refuse: Option<usize>,
}

impl Fixture {
    pub fn new(nats: &Nats, delay_ms: u64) -> Fixture {
        Fixture::with(nats, Settings { delay_ms, concurrency: 4, refuse: None })
    }

    pub fn with(nats: &Nats, settings: Settings) -> Fixture {
        let Settings { delay_ms, concurrency, refuse } = settings;
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let site = Arc::new(Site { refuse, ..Site::default() });
        let router =
            axum::Router::new().route("/shop/{shop}/list", axum::routing::get(reviews)).with_state(site.clone());
        let origin = runtime.block_on(super::serve(router));
        let config = format!(
            "[data]\ndir = \"data\"\n[crawl]\ndelay_ms = {delay_ms}\nconcurrency = {concurrency}\ncommit_every = 200\n\n[cluster]\nurl = \"{}\"\nlease_secs = 3\nack_wait_secs = 3\nworker_jobs = 4\n",
            nats.url()
        );
        std::fs::write(dir.path().join("yuqing.toml"), config).unwrap();
        std::fs::create_dir(dir.path().join("sources")).unwrap();
        for s in 0..SHOPS {
            let url = format!("{origin}/shop/{s}/list?page={{page}}");
            let def = shop::definition(&url, "window_days = 3650\nmax_pages = 50\nschedule = \"0 0 0 1 1 *\"");
            std::fs::write(dir.path().join(format!("sources/shop{s}.toml")), def).unwrap();
        }
        let config = yuqing::config::Config::load(&dir.path().join("yuqing.toml")).unwrap();
        let analyzer = yuqing::analysis::Analyzer::load(&config.text, &config.sentiment).unwrap();
        let (index, fields) = yuqing::index::open_or_create(&config.data.index(), analyzer.text.clone()).unwrap();
        Fixture { dir, _runtime: runtime, index, fields, site }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `yuqing run --role ROLE` (a worker with its own data directory `data`), its log in a file.
    pub fn role(&self, role: &str, data: Option<&str>) -> Role {
        self.role_with(role, data, &[])
    }

    /// [`role`](Self::role) with more arguments (`--serve ADDR`).
    pub fn role_with(&self, role: &str, data: Option<&str>, extra: &[&str]) -> Role {
        let log = self.path().join(format!("{role}-{}.log", data.unwrap_or("main")));
        let mut args = vec!["run", "-v", "--role", role];
        if let Some(d) = data {
            args.extend(["--data", d]);
        }
        args.extend_from_slice(extra);
        let child = super::bin::command(self.path(), &args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Role { child: Some(child), log }
    }

    /// The ids in the index, as committed, with their count (ids repeated count twice).
    pub fn indexed(&self) -> (usize, BTreeSet<String>) {
        let reader = self.index.reader().unwrap();
        let request = yuqing::index::search::SearchRequest { limit: 10_000, ..Default::default() };
        let results = yuqing::index::search::search(&reader.searcher(), self.fields, &request).unwrap();
        assert!(results.total as usize == results.hits.len(), "more mentions than one page: {}", results.total);
        (results.hits.len(), results.hits.into_iter().map(|h| h.id).collect())
    }

    /// Every role's log so far, for a failure's message.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for e in std::fs::read_dir(self.path()).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "log") {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                out.push_str(&format!("\n== {}\n", e.path().display()));
                out.extend(tail.into_iter().rev().map(|l| format!("{l}\n")));
            }
        }
        out
    }

    /// Waits for `done`, failing with the roles' logs.
    pub fn wait(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < limit, "waited {limit:?} for {what}{}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `yuqing cluster status --json`.
    pub fn status(&self) -> Value {
        let out = super::bin::yuqing(self.path(), &["cluster", "status", "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// A role's process, killed on drop.
pub struct Role {
    child: Option<Child>,
    log: PathBuf,
}

impl Role {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL: no acknowledgement, commit or goodbye goes out.
    pub fn kill9(&mut self) {
        let mut c = self.child.take().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// SIGINT, and the clean exit it must lead to within `limit`.
    pub fn stop(&mut self, limit: Duration) -> String {
        let mut c = self.child.take().unwrap();
        let _ = std::process::Command::new("kill").args(["-INT", &c.id().to_string()]).status();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = c.try_wait().unwrap() {
                break s;
            }
            assert!(start.elapsed() < limit, "did not stop after SIGINT: {}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = self.log_text();
        assert!(status.success(), "exit {status:?}: {log}");
        log
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn pid_of(name: &Value) -> Option<u32> {
    name.as_str()?.rsplit('-').next()?.parse().ok()
}
