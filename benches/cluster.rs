//! The cluster's crawl: one worker against two, on a site whose every page answers after a
//! fixed latency (so the crawl is bound by latency and politeness, not by CPU), through a real
//! nats-server on loopback. `cargo bench --bench cluster [-- WORKERS...]` (default: 1 then 2).
//!
//! The site serves 8 hosts (8 listeners on 127.0.0.1), two shops each, 25 pages of 10 reviews a
//! shop; each page answers after 100 ms; politeness is 50 ms between two requests to a host,
//! shared by the workers through NATS. Each worker works on 4 jobs at once. The roles run in
//! this process as the library runs them in `yuqing run --role`: a scheduler, N workers (each
//! with its own fetcher, preparer and HTTP clients) and an indexer over a fresh index. Printed:
//! pages per second from the scheduler's start to the commit of the last mention, and each
//! mention's delay from its fetch to the commit that made it searchable (median, p95, max).

#[path = "../tests/common/nats.rs"]
mod nats;
#[path = "../tests/common/shop.rs"]
mod shop;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use yuqing::cluster::{Cluster, Indexer, KvLimits, Scheduler, Worker};
use yuqing::config::Config;
use yuqing::source::Source;

const HOSTS: usize = 8;
const SHOPS_PER_HOST: usize = 2;
const PAGES: usize = 25;
const PER_PAGE: usize = 10;
const LATENCY: Duration = Duration::from_millis(100);

async fn list(Path(shop): Path<usize>, Query(q): Query<HashMap<String, usize>>) -> impl IntoResponse {
    tokio::time::sleep(LATENCY).await;
    let page = q.get("page").copied().unwrap_or(1);
    let texts: Vec<String> = (0..PER_PAGE)
        .map(|i| format!("第{shop}家店第{page}页第{i}条：华为手机拍照清晰，物流很快，客服态度好"))
        .collect();
    let reviews: Vec<shop::Review> = if page <= PAGES {
        (0..PER_PAGE)
            .map(|i| shop::Review {
                id: format!("{shop}-{page}-{i}"),
                user: "买家",
                stars: 4,
                text: &texts[i],
                date: "3分钟前",
                useful: 2,
            })
            .collect()
    } else {
        Vec::new()
    };
    ([(header::CONTENT_TYPE, "text/html")], shop::page(&reviews))
}

/// Serves the hosts; returns the source definitions over them.
async fn site(dir: &std::path::Path) -> Vec<Source> {
    let mut sources = Vec::new();
    for h in 0..HOSTS {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new().route("/shop/{shop}", axum::routing::get(list));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        for s in 0..SHOPS_PER_HOST {
            let shop = h * SHOPS_PER_HOST + s;
            let def = shop::definition(
                &format!("{origin}/shop/{shop}?page={{page}}"),
                "window_days = 3650\nmax_pages = 100\nschedule = \"0 0 0 1 1 *\"\n[request]\ndelay_ms = 50\nrespect_robots = false",
            );
            sources.push(Source::parse(&def, &dir.join(format!("shop{shop}.toml"))).unwrap());
        }
    }
    sources
}

/// A worker as `yuqing run --role worker` makes it: its own fetcher, store and preparer.
async fn worker(
    config: &Config,
    state: &std::path::Path,
    opened: &yuqing::app::Opened,
    sources: &[Arc<Source>],
    n: usize,
) -> Worker {
    let c = config.cluster.clone().unwrap();
    let cluster = Cluster::connect(&c, "bench-worker", Duration::from_secs(10)).await.unwrap();
    let store = yuqing::store::Store::open(state).unwrap();
    let limits = KvLimits::new(
        cluster.bucket(&c.hosts_bucket, Duration::from_secs(3600)).await.unwrap(),
        cluster.bucket(&c.robots_bucket, Duration::from_secs(3600)).await.unwrap(),
        c.slot_lease,
        format!("bench-{n}"),
    );
    let fetcher = yuqing::crawl::Fetcher::new(config.crawl.clone(), store).with_shared(Arc::new(limits));
    let preparer = yuqing::analysis::Preparer::new(opened.analyzer.clone(), yuqing::watch::WatchMatcher::new(vec![]));
    Worker { cluster, fetcher: Arc::new(fetcher), sources: sources.to_vec(), preparer, name: format!("bench-{n}") }
}

/// One crawl with `workers` workers; prints its figures.
async fn run(workers: usize) {
    let nats = nats::Nats::start();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[data]\ndir = \"data\"\n[crawl]\ncommit_every = 2000\n[cluster]\nurl = \"{}\"\nworker_jobs = 4\n",
        nats.url()
    );
    let config = Config::parse(&text, &dir.path().join("yuqing.toml")).unwrap();
    let c = config.cluster.clone().unwrap();
    let sources: Vec<Arc<Source>> = site(dir.path()).await.into_iter().map(Arc::new).collect();
    let opened = yuqing::app::open_all(&config).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let worker = worker(&config, &dir.path().join(format!("w{w}")), &opened, &sources, w).await;
        let shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            worker.run(shutdown).await.unwrap();
        }));
    }
    let cluster = Cluster::connect(&c, "bench-indexer", Duration::from_secs(10)).await.unwrap();
    let writer =
        yuqing::index::MentionWriter::new(&opened.index, opened.fields, opened.analyzer.text.clone(), 200 << 20)
            .unwrap();
    let indexer = Indexer {
        cluster: cluster.clone(),
        writer,
        evaluator: Arc::new(yuqing::app::evaluator(&config, &opened).unwrap()),
        digests: None,
        clock: yuqing::time::Clock::system(),
        batch: config.crawl.commit_every,
    };
    let indexing = tokio::spawn(indexer.run(shutdown.clone()));
    let started = Instant::now();
    let scheduler =
        Scheduler { cluster, sources, watches: vec![], clock: yuqing::time::Clock::system(), name: "bench".into() };
    tasks.push(tokio::spawn(async move {
        scheduler.run(shutdown).await.unwrap();
    }));
    let total = (HOSTS * SHOPS_PER_HOST * PAGES * PER_PAGE) as u64;
    let reader = opened.index.reader().unwrap();
    while reader.searcher().num_docs() < total {
        tokio::time::sleep(Duration::from_millis(20)).await;
        reader.reload().unwrap();
        assert!(started.elapsed() < Duration::from_secs(600), "the crawl did not finish");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    for t in tasks {
        t.await.unwrap();
    }
    let summary = indexing.await.unwrap().unwrap();
    let mut delays = summary.delays_ms.clone();
    delays.sort_unstable();
    let pct = |p: f64| delays[((delays.len() as f64 - 1.0) * p) as usize];
    let pages = HOSTS * SHOPS_PER_HOST * (PAGES + 1);
    println!(
        "{workers} worker(s): {pages} pages ({total} mentions) in {elapsed:.2} s = {:.1} pages/s; fetch→searchable median {} ms, p95 {} ms, max {} ms; {} indexed, {} duplicates",
        pages as f64 / elapsed,
        pct(0.5),
        pct(0.95),
        delays.last().unwrap(),
        summary.indexed,
        summary.duplicates
    );
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if args.is_empty() { vec![1, 2] } else { args };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    for n in counts {
        runtime.block_on(run(n));
    }
}
