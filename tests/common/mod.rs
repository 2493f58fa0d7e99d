//! Shared by the crawl tests: an in-process HTTP server on 127.0.0.1 that serves fixture sites,
//! and a crawl of source definitions into a fresh data directory through the library.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use yuqing::config::Config;
use yuqing::crawl::{Crawler, Progress, SourceReport};
use yuqing::index::search::{SearchHit, SearchRequest, Sort, search};
use yuqing::source::Source;
use yuqing::store::Store;

/// Requests per path (with query), for tests that check what was fetched.
pub type Hits = Arc<Mutex<HashMap<String, u32>>>;

/// Serves `router` on a free port; returns its origin (`http://127.0.0.1:PORT`).
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    origin
}

/// Counts a hit and returns how many there were before it.
pub fn hit(hits: &Hits, key: &str) -> u32 {
    let mut h = hits.lock().unwrap();
    let n = h.entry(key.to_string()).or_default();
    *n += 1;
    *n - 1
}

/// Writes `sources` (file name, TOML) into `dir/sources` and `config` into `dir/yuqing.toml`,
/// then crawls them once.
pub async fn crawl(dir: &Path, config: &str, sources: &[(&str, String)]) -> Vec<SourceReport> {
    let src_dir = dir.join("sources");
    std::fs::create_dir_all(&src_dir).unwrap();
    for (name, text) in sources {
        std::fs::write(src_dir.join(name), text).unwrap();
    }
    let cfg_path = dir.join("yuqing.toml");
    std::fs::write(&cfg_path, config).unwrap();
    let config = Config::load(&cfg_path).unwrap();
    let names: Vec<String> = sources.iter().map(|(n, _)| n.trim_end_matches(".toml").to_string()).collect();
    let mut defs = Source::load_dir(&src_dir).unwrap_or_else(|e| panic!("{e}"));
    defs.retain(|s| names.contains(&s.name));
    let analyzer = Arc::new(yuqing::analyzer::Analyzer::load(&config).unwrap());
    let (index, fields) = yuqing::index::open_or_create(&config.data_dir.join("index"), analyzer.text.clone()).unwrap();
    let store = Store::open(&config.data_dir.join("state")).unwrap();
    let crawler = Crawler::new(config.crawl.clone(), store, analyzer, index, fields, config.watches.clone());
    crawler.run(defs, Arc::new(Progress::default())).await.unwrap()
}

/// Every mention in `dir`'s index, newest first.
pub fn mentions(dir: &Path) -> Vec<SearchHit> {
    let config = Config::load(&dir.join("yuqing.toml")).unwrap();
    let analyzer = yuqing::analyzer::Analyzer::load(&config).unwrap();
    let (index, fields) = yuqing::index::open_or_create(&config.data_dir.join("index"), analyzer.text.clone()).unwrap();
    let request = SearchRequest { limit: 10_000, sort: Sort::Time, ..Default::default() };
    search(&index, fields, &request).unwrap()
}

/// The report of `source`.
pub fn report<'a>(reports: &'a [SourceReport], source: &str) -> &'a SourceReport {
    reports.iter().find(|r| r.source == source).unwrap_or_else(|| panic!("no report for {source}"))
}
