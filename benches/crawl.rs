//! The crawler against a local review site with politeness lifted, next to a plain HTTP load of
//! the same pages in the same run. `cargo bench --bench crawl [-- PAGES] [--pairs]` (default 5,000
//! pages of 20 reviews: 100 products × 50 pages).
//!
//! Pages are GBK HTML in a shop's shape (stars, user, relative dates, votes) whose review texts
//! are the texts of the corpora in `../shared/data/sentiment/`, one a review (once the 88,693 are
//! used up, again as a follow-up review, "追评：", so every text is distinct); `--pairs` joins two
//! e-commerce reviews into each instead. The server runs in this process, on the same two cores, in both runs.
//! The crawl runs first so that the peak resident memory printed is its own. `-- --serve` serves
//! the site alone (printing its URL and the source definition) until stopped, for
//! `scripts/bench-vs-scrapy.sh`.

mod common;
#[path = "../tests/common/shop.rs"]
mod shop;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use common::{corpus_texts, cpu_seconds, peak_rss_mb};
use futures_util::StreamExt;
use yuqing::analysis::Analyzer;
use yuqing::config::Config;
use yuqing::crawl::{CrawlConfig, Crawler, Progress};
use yuqing::source::Source;
use yuqing::store::Store;

const PER_PAGE: usize = 20;
const PRODUCTS: usize = 100;
const PARALLEL: usize = 16;

struct Site {
    pages: Vec<Vec<u8>>,
    per_product: usize,
    empty: Vec<u8>,
}

fn page_html(texts: &[String], pairs: bool, first: usize) -> Vec<u8> {
    let k = texts.len();
    let bodies: Vec<String> = (first..first + PER_PAGE)
        .map(|i| {
            if pairs {
                format!("{}。{}", texts[i % k], texts[(i / k + i * 7919) % k])
            } else if i < k {
                texts[i].clone()
            } else {
                format!("追评：{}", texts[i % k])
            }
        })
        .collect();
    let dates: Vec<String> = (first..first + PER_PAGE)
        .map(|i| match i % 3 {
            0 => format!("{}分钟前", i % 59 + 1),
            1 => format!("昨天 {:02}:{:02}", i % 24, i % 60),
            _ => format!("{}天前", i % 6 + 1),
        })
        .collect();
    let users: Vec<String> = (first..first + PER_PAGE).map(|i| format!("用户{}", i % 977)).collect();
    let reviews: Vec<shop::Review> = (0..PER_PAGE)
        .map(|n| {
            let i = first + n;
            shop::Review {
                id: format!("c{i}"),
                user: &users[n],
                stars: (i % 5 + 1) as u8,
                text: &bodies[n],
                date: &dates[n],
                useful: (i % 31) as u32,
            }
        })
        .collect();
    shop::page(&reviews)
}

async fn page(
    State(site): State<Arc<Site>>,
    Path(product): Path<usize>,
    Query(q): Query<std::collections::HashMap<String, usize>>,
) -> impl IntoResponse {
    let n = q.get("page").copied().unwrap_or(1);
    let body = if (1..=site.per_product).contains(&n) {
        site.pages[product * site.per_product + n - 1].clone()
    } else {
        site.empty.clone()
    };
    ([(header::CONTENT_TYPE, "text/html")], body)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pages: usize = args.iter().find(|a| !a.starts_with("--")).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let pairs = args.iter().any(|a| a == "--pairs");
    let texts = corpus_texts(pairs);
    let per_product = pages.div_ceil(PRODUCTS);
    let site = Arc::new(Site {
        pages: (0..PRODUCTS * per_product).map(|p| page_html(&texts, pairs, p * PER_PAGE)).collect(),
        per_product,
        empty: Vec::new(),
    });
    let total_pages = PRODUCTS * per_product;
    let bytes: usize = site.pages.iter().map(Vec::len).sum();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let origin = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/p/{product}", axum::routing::get(page)).with_state(site.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        origin
    });
    println!(
        "site: {total_pages} pages of {PER_PAGE} reviews ({} mentions, {:.1} MB of GBK HTML), {PARALLEL} requests in flight",
        total_pages * PER_PAGE,
        bytes as f64 / 1e6
    );
    if args.iter().any(|a| a == "--serve") {
        // For scripts/bench-vs-scrapy.sh: the site alone, until the process is stopped.
        println!("serving {origin}/p/{{product}}?page={{page}} for products 0..{PRODUCTS}, pages 1..={per_product}");
        println!("{}", definition(&origin, per_product));
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        runtime.block_on(std::future::pending::<()>());
    }
    let crawl_rate = crawl(&runtime, &origin, per_product);
    let plain_rate = plain_fetch(&runtime, &origin, per_product);
    println!("crawler / plain fetch: {:.2}", crawl_rate / plain_rate);
}

/// The source definition of the site: every product's listing, politeness lifted.
fn definition(origin: &str, per_product: usize) -> String {
    let products: Vec<String> = (0..PRODUCTS).map(|p| format!("\"{p}\"")).collect();
    let extra = format!(
        "window_days = 3650\nmax_pages = {}\n[params]\nproduct = [{}]\n[request]\ndelay_ms = 0\nconcurrency = {PARALLEL}\nrespect_robots = false",
        per_product + 1,
        products.join(", ")
    );
    shop::definition(&format!("{origin}/p/{{product}}?page={{page}}"), &extra)
}

/// yuqing's crawl of the site (fetch, decode, extract, dates, text pipeline, sentiment, watches,
/// dedup, index, crawl state); pages a second.
fn crawl(runtime: &tokio::runtime::Runtime, origin: &str, per_product: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let source = Source::parse(&definition(origin, per_product), "bench.toml".as_ref()).unwrap();
    let config = Config {
        crawl: CrawlConfig { delay_ms: 0, concurrency: PARALLEL, ..CrawlConfig::default() },
        ..Config::default()
    };
    let analyzer = Arc::new(Analyzer::load(&config.text, &config.sentiment).unwrap());
    let (index, fields) = yuqing::index::open_or_create(&dir.path().join("index"), analyzer.text.clone()).unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let watches = Config::parse(
        "[[watch]]\nname = \"华为\"\n[[watch]]\nname = \"小米\"\n[[watch]]\nname = \"苹果\"\n",
        "w.toml".as_ref(),
    )
    .unwrap()
    .watches;
    let crawler = Crawler::new(config.crawl.clone(), store, analyzer, index, fields, watches);
    let (started, cpu_before) = (Instant::now(), cpu_seconds());
    let reports = runtime.block_on(crawler.run(vec![source], Arc::new(Progress::default()))).unwrap();
    let crawl_secs = started.elapsed().as_secs_f64();
    let crawl_cores = (cpu_seconds() - cpu_before) / crawl_secs;
    let r = &reports[0];
    assert!(r.errors.is_empty(), "{r}");
    let rss = peak_rss_mb();
    let crawl_rate = r.pages as f64 / crawl_secs;
    println!(
        "yuqing crawl:  {} pages, {} new mentions in {crawl_secs:.2} s: {crawl_rate:.0} pages/s, {:.0} mentions/s; {crawl_cores:.2} cores busy (the site's server included); peak RSS {rss} MB",
        r.pages,
        r.new,
        r.new as f64 / crawl_secs
    );
    crawl_rate
}

/// A plain HTTP load of the same pages (reqwest, same concurrency, bodies read); pages a second.
fn plain_fetch(runtime: &tokio::runtime::Runtime, origin: &str, per_product: usize) -> f64 {
    let urls: Vec<String> = (0..PRODUCTS)
        .flat_map(|p| (1..=per_product + 1).map(move |n| (p, n)))
        .map(|(p, n)| format!("{origin}/p/{p}?page={n}"))
        .collect();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let fetched: usize = runtime.block_on(async {
        futures_util::stream::iter(urls.iter())
            .map(|u| {
                let client = client.clone();
                async move { client.get(u).send().await.unwrap().bytes().await.unwrap().len() }
            })
            .buffer_unordered(PARALLEL)
            .fold(0usize, |n, _| async move { n + 1 })
            .await
    });
    let plain_secs = started.elapsed().as_secs_f64();
    let plain_rate = fetched as f64 / plain_secs;
    println!("plain HTTP:    {fetched} pages in {plain_secs:.2} s: {plain_rate:.0} pages/s");
    plain_rate
}
