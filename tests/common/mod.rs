//! Shared by the crawl tests: an in-process HTTP server on 127.0.0.1 that serves fixture sites,
//! and a crawl of source definitions into a fresh data directory through the library.

#![allow(dead_code)]

pub mod bin;
pub mod cluster;
pub mod docx;
pub mod nats;
pub mod shop;

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
    let loaded = Source::load_dir(&src_dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.broken.is_empty(), "{:?}", loaded.broken);
    let mut defs = loaded.sources;
    defs.retain(|s| names.contains(&s.name));
    let analyzer = Arc::new(yuqing::analysis::Analyzer::load(&config.text, &config.sentiment).unwrap());
    let (index, fields) = yuqing::index::open_or_create(&config.data.index(), analyzer.text.clone()).unwrap();
    let store = Store::open(&config.data.state()).unwrap();
    let crawler = Crawler::new(config.crawl.clone(), store, analyzer, index, fields, config.watches.clone());
    crawler.run(defs, Arc::new(Progress::default())).await.unwrap()
}

/// Every mention in `dir`'s index, newest first.
pub fn mentions(dir: &Path) -> Vec<SearchHit> {
    let config = Config::load(&dir.join("yuqing.toml")).unwrap();
    let analyzer = yuqing::analysis::Analyzer::load(&config.text, &config.sentiment).unwrap();
    let (index, fields) = yuqing::index::open_or_create(&config.data.index(), analyzer.text.clone()).unwrap();
    let request = SearchRequest { limit: 10_000, sort: Sort::Time, ..Default::default() };
    let results = search(&index.reader().unwrap().searcher(), fields, &request).unwrap();
    assert!(results.total <= 10_000, "more mentions than one page holds: {}", results.total);
    results.hits
}

/// The report of `source`.
pub fn report<'a>(reports: &'a [SourceReport], source: &str) -> &'a SourceReport {
    reports.iter().find(|r| r.source == source).unwrap_or_else(|| panic!("no report for {source}"))
}

/// A message an SMTP receiver took: the envelope's recipients and the raw message.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP receiver on 127.0.0.1 (EHLO, AUTH PLAIN/LOGIN accepted, MAIL, RCPT, DATA,
/// RSET, QUIT); returns its `smtp://` URL with credentials and the mails it takes.
pub async fn smtp_receiver() -> (String, Arc<Mutex<Vec<Mail>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://alerts%40example.com:pw@{}", listener.local_addr().unwrap());
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let store = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 localhost ESMTP test\r\n").await.unwrap();
                let mut mail = Mail::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-localhost\r\n250 AUTH PLAIN LOGIN\r\n"
                    } else if upper.starts_with("AUTH") {
                        b"235 2.7.0 ok\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        mail.from = line[10..].trim().to_string();
                        b"250 ok\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        mail.to.push(line[8..].trim().to_string());
                        b"250 ok\r\n"
                    } else if upper == "DATA" {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            mail.data.push_str(&l);
                            mail.data.push('\n');
                        }
                        store.lock().unwrap().push(std::mem::take(&mut mail));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, mails)
}
