//! The cluster against a real nats-server (started by the tests on a free loopback port):
//! a scheduler, two workers and an indexer — the real binary, as child processes — crawl a
//! local shop; every review is indexed exactly once, also when a worker and then the indexer
//! are killed with SIGKILL mid-crawl and the NATS server is killed and started again. A second
//! scheduler takes the lease over when the first is killed. `yuqing cluster status` shows the
//! workers, the lease holder and the streams.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use common::nats::Nats;
use common::shop;
use serde_json::Value;

/// Shops, pages of reviews in each, reviews on a page.
const SHOPS: usize = 4;
const PAGES: usize = 8;
const PER_PAGE: usize = 10;
/// Every page answers after this long (the crawl is bound by latency and politeness).
const LATENCY: Duration = Duration::from_millis(40);

/// When each page request arrived (the host's politeness is checked on them).
type Arrivals = Arc<Mutex<Vec<Instant>>>;

async fn reviews(
    State(arrivals): State<Arrivals>,
    UrlPath(shop): UrlPath<usize>,
    Query(q): Query<HashMap<String, usize>>,
) -> Response {
    arrivals.lock().unwrap().push(Instant::now());
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
fn expected_ids() -> BTreeSet<String> {
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
struct Fixture {
    dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
    index: tantivy::Index,
    arrivals: Arrivals,
    fields: yuqing::index::Fields,
}

impl Fixture {
    fn new(nats: &Nats, delay_ms: u64) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let arrivals = Arrivals::default();
        let router =
            axum::Router::new().route("/shop/{shop}/list", axum::routing::get(reviews)).with_state(arrivals.clone());
        let origin = runtime.block_on(common::serve(router));
        let config = format!(
            "[data]\ndir = \"data\"\n[crawl]\ndelay_ms = {delay_ms}\nconcurrency = 4\ncommit_every = 200\n\n[cluster]\nurl = \"{}\"\nlease_secs = 3\nack_wait_secs = 3\nworker_jobs = 4\n",
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
        Fixture { dir, _runtime: runtime, index, fields, arrivals }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `yuqing run --role ROLE` (a worker with its own data directory `data`), its log in a file.
    fn role(&self, role: &str, data: Option<&str>) -> Role {
        let log = self.path().join(format!("{role}-{}.log", data.unwrap_or("main")));
        let mut args = vec!["run", "-v", "--role", role];
        if let Some(d) = data {
            args.extend(["--data", d]);
        }
        let child = common::bin::command(self.path(), &args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Role { child: Some(child), log }
    }

    /// The ids in the index, as committed, with their count (ids repeated count twice).
    fn indexed(&self) -> (usize, BTreeSet<String>) {
        let reader = self.index.reader().unwrap();
        let request = yuqing::index::search::SearchRequest { limit: 10_000, ..Default::default() };
        let results = yuqing::index::search::search(&reader.searcher(), self.fields, &request).unwrap();
        assert!(results.total as usize == results.hits.len(), "more mentions than one page: {}", results.total);
        (results.hits.len(), results.hits.into_iter().map(|h| h.id).collect())
    }

    /// Every role's log so far, for a failure's message.
    fn logs(&self) -> String {
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
    fn wait(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < limit, "waited {limit:?} for {what}{}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `yuqing cluster status --json`.
    fn status(&self) -> Value {
        let out = common::bin::yuqing(self.path(), &["cluster", "status", "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// A role's process, killed on drop.
struct Role {
    child: Option<Child>,
    log: PathBuf,
}

impl Role {
    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL: no acknowledgement, commit or goodbye goes out.
    fn kill9(&mut self) {
        let mut c = self.child.take().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// SIGINT, and the clean exit it must lead to within `limit`.
    fn stop(&mut self, limit: Duration) -> String {
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

    fn log_text(&self) -> String {
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

fn pid_of(name: &Value) -> Option<u32> {
    name.as_str()?.rsplit('-').next()?.parse().ok()
}

#[test]
fn every_review_is_indexed_once_through_a_killed_worker_a_killed_indexer_and_a_nats_restart() {
    let mut nats = Nats::start();
    let f = Fixture::new(&nats, 200);
    let mut scheduler = f.role("scheduler", None);
    let mut w1 = f.role("worker", Some("w1"));
    let mut w2 = f.role("worker", Some("w2"));
    let mut indexer = f.role("indexer", None);
    let total = SHOPS * PAGES * PER_PAGE;
    let t0 = Instant::now();

    f.wait("the first mentions", Duration::from_secs(60), || f.indexed().0 > 0);
    let status = f.status();
    let workers: BTreeSet<u32> =
        status["workers"].as_array().unwrap().iter().filter_map(|w| pid_of(&w["name"])).collect();
    assert_eq!(workers, BTreeSet::from([w1.pid(), w2.pid()]), "{status:#}");
    assert_eq!(pid_of(&status["scheduler"]["name"]), Some(scheduler.pid()), "{status:#}");
    assert_eq!(status["jobs"]["name"], "YUQING_JOBS");

    // Mid-crawl: a worker, then the indexer, die without a word; then NATS itself restarts.
    assert!(f.indexed().0 < total, "the crawl ended before the kills: make the site slower");
    w1.kill9();
    std::thread::sleep(Duration::from_millis(700));
    indexer.kill9();
    assert!(f.indexed().0 < total, "the crawl ended before the indexer was killed");
    let mut indexer = f.role("indexer", None);
    std::thread::sleep(Duration::from_millis(500));
    nats.kill();
    std::thread::sleep(Duration::from_secs(1));
    nats.restart();
    eprintln!("{:.1} s: killed a worker and the indexer, restarted NATS", t0.elapsed().as_secs_f64());

    f.wait("every review indexed", Duration::from_secs(120), || f.indexed().0 >= total);
    eprintln!("{:.1} s: every review indexed", t0.elapsed().as_secs_f64());
    // Redeliveries still in flight (the killed worker's jobs, the indexer's batch) must add nothing.
    std::thread::sleep(Duration::from_secs(5));
    let (count, ids) = f.indexed();
    assert_eq!(count, total, "indexed more than once: {count} mentions for {total} reviews");
    assert_eq!(ids, expected_ids());
    // One host, two workers: their requests were spaced by the shared delay (200 ms).
    let mut arrivals = f.arrivals.lock().unwrap().clone();
    arrivals.sort();
    let closest = arrivals.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    assert!(closest >= Duration::from_millis(150), "two requests to the host {closest:?} apart");
    let status = f.status();
    assert_eq!(status["mentions"]["consumer"]["pending"], 0, "{status:#}");
    // Every job done: none waiting, none in hand. (After a SIGKILL of the server, nats-server
    // 2.9 may keep a few acknowledged jobs' messages in the work queue; its consumer is past them.)
    assert_eq!(status["jobs"]["consumer"]["pending"], 0, "{status:#}");
    assert_eq!(status["jobs"]["consumer"]["ack_pending"], 0, "{status:#}");

    let log = w2.stop(Duration::from_secs(30));
    assert!(log.contains("lost the NATS connection"), "the restart is logged: {log}");
    let log = indexer.stop(Duration::from_secs(30));
    assert!(log.contains("indexer stopped cleanly"), "{log}");
    scheduler.stop(Duration::from_secs(30));
}

#[test]
fn a_second_scheduler_takes_the_lease_over_when_the_first_is_killed() {
    let nats = Nats::start();
    let f = Fixture::new(&nats, 0);
    let mut first = f.role("scheduler", None);
    let holder = |f: &Fixture| pid_of(&f.status()["scheduler"]["name"]);
    f.wait("the first scheduler's lease", Duration::from_secs(30), || holder(&f) == Some(first.pid()));
    let mut second = f.role("scheduler", Some("second"));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(holder(&f), Some(first.pid()), "the lease is renewed while its holder lives");
    let jobs_before = f.status()["jobs"]["messages"].as_u64().unwrap();
    assert_eq!(jobs_before, SHOPS as u64, "one job per listing, published once");
    first.kill9();
    let killed = Instant::now();
    f.wait("the second scheduler's lease", Duration::from_secs(15), || holder(&f) == Some(second.pid()));
    assert!(killed.elapsed() >= Duration::from_secs(1), "taken before the lease expired");
    let text = common::bin::yuqing(f.path(), &["cluster", "status"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("-{} (lease renewed", second.pid())), "{text}");
    assert!(text.contains("stream YUQING_JOBS:"), "{text}");
    let log = second.stop(Duration::from_secs(20));
    assert!(log.contains("took the scheduler lease"), "{log}");
    // Given up on a clean stop: nobody holds it.
    assert_eq!(holder(&f), None);
}

#[test]
fn a_role_without_a_cluster_section_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("yuqing.toml"), "[crawl]\ndelay_ms = 0\n").unwrap();
    let out = common::bin::yuqing(dir.path(), &["run", "--role", "indexer"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`yuqing run --role indexer` needs a [cluster] section in yuqing.toml"), "{err}");
    let out = common::bin::yuqing(dir.path(), &["cluster", "status"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a [cluster] section"));
    // A server that is not there is named, with what to check.
    std::fs::write(dir.path().join("yuqing.toml"), "[cluster]\nurl = \"nats://127.0.0.1:9\"\n").unwrap();
    let out = common::bin::yuqing(dir.path(), &["cluster", "status"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cannot reach NATS at nats://127.0.0.1:9"), "{err}");
}
