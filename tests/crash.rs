//! `yuqing crawl` killed with SIGKILL at many points of a crawl, then run again until done: every
//! item of the site ends up in the index exactly once. The site has three sources — a GBK shop
//! with numbered pages, a JSON feed paged by cursor, and a Q&A list whose questions are read from
//! their own pages (the question's head and its answers, some over two pages). The kill points are
//! seeded and spread over the whole crawl: the k-th request the site answers (from the first
//! request of a listing to the last), killed before answering it or a few milliseconds after (a
//! detail page read but not yet committed).

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::shop;
use serde_json::json;

const SHOP_PAGES: usize = 10;
const FEED_PAGES: usize = 10;
const QA_PAGES: usize = 5;
const PER_PAGE: usize = 20;
const QUESTIONS_PER_PAGE: usize = 8;
/// Seeded kill points tried (the README quotes this number).
const KILL_POINTS: usize = 32;

/// The site, and when to kill the crawl reading it: at its `kill_at`-th request, `kill_after` ms
/// after answering it (0: before answering).
#[derive(Clone, Default)]
struct Site {
    requests: Arc<AtomicUsize>,
    kill_at: Arc<AtomicUsize>,
    kill_after: Arc<AtomicU32>,
    /// The crawl to kill.
    child: Arc<Mutex<Option<u32>>>,
    /// Requests per path, for the check that a resumed walk does not walk its first pages again.
    hits: common::Hits,
}

impl Site {
    /// Counts a request; kills the crawl when this is the chosen one.
    async fn request(&self, key: &str) {
        common::hit(&self.hits, key);
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.kill_at.load(Ordering::SeqCst) {
            let (pid, after) = (*self.child.lock().unwrap(), self.kill_after.load(Ordering::SeqCst));
            if let Some(pid) = pid {
                let kill = move || {
                    let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
                };
                if after == 0 {
                    kill();
                } else {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(u64::from(after))).await;
                        kill();
                    });
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
}

fn day(i: usize) -> String {
    format!("2026-11-{:02} {:02}:{:02}", 24 + i % 4, i % 24, i % 60)
}

async fn shop_page(State(site): State<Site>, Query(q): Query<HashMap<String, usize>>) -> Response {
    let n = q.get("page").copied().unwrap_or(1);
    site.request(&format!("shop-{n}")).await;
    let texts: Vec<String> =
        (0..PER_PAGE).map(|k| format!("第{}条评价：华为手机用着不错", (n - 1) * PER_PAGE + k)).collect();
    let dates: Vec<String> = (0..PER_PAGE).map(|k| day((n - 1) * PER_PAGE + k)).collect();
    let reviews: Vec<shop::Review> = if n <= SHOP_PAGES {
        (0..PER_PAGE)
            .map(|k| shop::Review {
                id: format!("r{}", (n - 1) * PER_PAGE + k),
                user: "买家",
                stars: 5,
                text: &texts[k],
                date: &dates[k],
                useful: 1,
            })
            .collect()
    } else {
        Vec::new()
    };
    ([(header::CONTENT_TYPE, "text/html")], shop::page(&reviews)).into_response()
}

async fn feed_page(State(site): State<Site>, Query(q): Query<HashMap<String, String>>) -> Response {
    let cursor: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    site.request(&format!("feed-{cursor}")).await;
    let list: Vec<_> = (cursor..(cursor + PER_PAGE).min(FEED_PAGES * PER_PAGE))
        .map(|i| json!({"mid": format!("p{i}"), "text": format!("第{i}条微博：华为新机到手"), "created_at": day(i)}))
        .collect();
    let next = cursor + list.len();
    let end = u8::from(next >= FEED_PAGES * PER_PAGE);
    axum::Json(json!({"data": {"list": list, "next_cursor": next.to_string(), "is_end": end}})).into_response()
}

async fn qa_list(State(site): State<Site>, Query(q): Query<HashMap<String, usize>>) -> Response {
    let n = q.get("page").copied().unwrap_or(1);
    site.request(&format!("qa-{n}")).await;
    let mut html = String::from("<html><body><ul>");
    if n <= QA_PAGES {
        for id in (n - 1) * QUESTIONS_PER_PAGE..n * QUESTIONS_PER_PAGE {
            html.push_str(&format!("<li class=\"q\" data-qid=\"q{id}\"><a href=\"/q/{id}\">问题{id}</a></li>"));
        }
    }
    html.push_str("</ul></body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Answers of question `id` on page `p`: five on the first, three more on a second for even ids.
fn answers(id: usize, p: usize) -> std::ops::Range<usize> {
    match (p, id % 2) {
        (1, _) => 0..5,
        (2, 0) => 5..8,
        _ => 0..0,
    }
}

async fn question(
    State(site): State<Site>,
    UrlPath(id): UrlPath<usize>,
    Query(q): Query<HashMap<String, usize>>,
) -> Response {
    let p = q.get("page").copied().unwrap_or(1);
    site.request(&format!("q{id}-{p}")).await;
    let mut html = format!(
        "<html><body><h1>华为手机问题{id}</h1><div class=\"qbody\">华为手机第{id}个问题的描述</div>\
         <span class=\"qtime\">{}</span>",
        day(id)
    );
    for k in answers(id, p) {
        html.push_str(&format!(
            "<div class=\"answer\" id=\"a{id}-{k}\"><p>问题{id}的第{k}个回答：华为挺好</p><i>{}</i></div>",
            day(id + k)
        ));
    }
    if p == 1 && id % 2 == 0 {
        html.push_str(&format!("<a class=\"next\" href=\"/q/{id}?page=2\">下一页</a>"));
    }
    html.push_str("</body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Every mention id the site holds.
fn expected_ids() -> HashSet<String> {
    let mut ids: HashSet<String> = (0..SHOP_PAGES * PER_PAGE).map(|i| format!("shop:r{i}")).collect();
    ids.extend((0..FEED_PAGES * PER_PAGE).map(|i| format!("feed:p{i}")));
    for id in 0..QA_PAGES * QUESTIONS_PER_PAGE {
        ids.insert(format!("qa:q{id}"));
        ids.extend(answers(id, 1).chain(answers(id, 2)).map(|k| format!("qa:a{id}-{k}")));
    }
    ids
}

const CONFIG: &str = "[data]\ndir = \"data\"\n[crawl]\ndelay_ms = 0\nconcurrency = 4\ncommit_every = 30\nretries = 0\nrespect_robots = false\n[[watch]]\nname = \"华为\"\n";

fn definitions(origin: &str) -> Vec<(&'static str, String)> {
    let shop = shop::definition(&format!("{origin}/shop?page={{page}}"), "window_days = 3650");
    let feed = format!(
        "kind = \"post\"\nwindow_days = 3650\nurls = [\"{origin}/feed?cursor={{cursor}}\"]\n[list]\nformat = \"json\"\n\
         items = \"/data/list\"\n[list.fields]\nid = \"/mid\"\ntext = \"/text\"\npublished_at = \"/created_at\"\n\
         [list.pagination]\ncursor = {{ from = \"/data/next_cursor\", first = \"0\" }}\nend = \"/data/is_end\"\n"
    );
    let qa = format!(
        "kind = \"question\"\nwindow_days = 3650\nurls = [\"{origin}/qa?page={{page}}\"]\n[list]\nformat = \"html\"\n\
         items = \"li.q\"\nfollow = \"a@href\"\nemit = false\n[list.fields]\nid = \"@data-qid\"\ntitle = \"a\"\n\
         [list.pagination]\npages = {{ first = 1 }}\n[detail]\nformat = \"html\"\nkind = \"answer\"\n\
         items = \"div.answer\"\n[detail.fields]\nid = \"@id\"\ntext = \"p\"\npublished_at = \"i\"\n\
         url = {{ attr = \"id\", format = \"#{{}}\" }}\n[detail.pagination]\nnext = \"a.next@href\"\n\
         [detail.head]\n[detail.head.fields]\ntitle = \"h1\"\ntext = \"div.qbody\"\npublished_at = \"span.qtime\"\n"
    );
    vec![("shop.toml", shop), ("feed.toml", feed), ("qa.toml", qa)]
}

fn crawl_command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    c.current_dir(dir).arg("crawl").env_remove("RUST_LOG").stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// Runs a crawl to its end; its report.
fn crawl_to_end(dir: &Path) -> String {
    let out = crawl_command(dir).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{report}\n{}", String::from_utf8_lossy(&out.stderr));
    report
}

/// Starts a crawl that the site kills at its `at`-th request, `after` ms after answering it, and
/// waits for it to die (or end, when the crawl needed fewer requests).
fn crawl_killed(dir: &Path, site: &Site, at: usize, after: u32) {
    site.requests.store(0, Ordering::SeqCst);
    site.kill_after.store(after, Ordering::SeqCst);
    site.kill_at.store(at, Ordering::SeqCst);
    let mut child: Child = crawl_command(dir).spawn().unwrap();
    *site.child.lock().unwrap() = Some(child.id());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(120), "the crawl neither ended nor was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    *site.child.lock().unwrap() = None;
    site.kill_at.store(usize::MAX, Ordering::SeqCst);
}

/// The page the shop's cut walk will come back to (1 when it had none).
fn shop_resume_page(dir: &Path, origin: &str) -> u64 {
    let store = yuqing::store::Store::open(&dir.join("data/state")).unwrap();
    let state = store.walk_state("shop", &format!("{origin}/shop?page={{page}}")).unwrap();
    state.resume.map_or(1, |r| r.page)
}

fn assert_every_item_once(dir: &Path, context: &str) {
    let all = common::mentions(dir);
    let ids: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    let unique: HashSet<String> = ids.iter().map(|s| s.to_string()).collect();
    assert_eq!(unique.len(), ids.len(), "{context}: a mention is in the index twice");
    let want = expected_ids();
    let missing: Vec<&String> = want.difference(&unique).collect();
    assert!(
        missing.is_empty(),
        "{context}: {} items never came back, e.g. {:?}",
        missing.len(),
        &missing[..3.min(missing.len())]
    );
    assert_eq!(unique, want, "{context}");
}

#[test]
fn a_crawl_killed_at_any_point_loses_nothing_and_duplicates_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let site = Site { kill_at: Arc::new(AtomicUsize::new(usize::MAX)), ..Site::default() };
    let router = axum::Router::new()
        .route("/shop", get(shop_page))
        .route("/feed", get(feed_page))
        .route("/qa", get(qa_list))
        .route("/q/{id}", get(question))
        .with_state(site.clone());
    let origin = runtime.block_on(common::serve(router));
    let sources = definitions(&origin);
    let setup = |dir: &Path| {
        std::fs::create_dir_all(dir.join("sources")).unwrap();
        std::fs::write(dir.join("yuqing.toml"), CONFIG).unwrap();
        for (name, text) in &sources {
            std::fs::write(dir.join("sources").join(name), text).unwrap();
        }
    };
    // A whole crawl without a kill: how many requests it takes, and what a crawl finds.
    let reference = tempfile::tempdir().unwrap();
    setup(reference.path());
    site.requests.store(0, Ordering::SeqCst);
    crawl_to_end(reference.path());
    let total = site.requests.load(Ordering::SeqCst);
    assert_every_item_once(reference.path(), "an uninterrupted crawl");

    let mut rng = fastrand::Rng::with_seed(17);
    for trial in 0..KILL_POINTS {
        // Spread over the crawl: trial t lands in the t-th slice of the requests, a random one of it.
        let slice = total.div_ceil(KILL_POINTS);
        let at = (trial * slice + 1 + rng.usize(0..slice)).min(total);
        let after = [0, 2, 15][trial % 3];
        let dir = tempfile::tempdir().unwrap();
        setup(dir.path());
        crawl_killed(dir.path(), &site, at, after);
        let context = format!("killed at request {at} of {total}, {after} ms after answering it");
        let resume = shop_resume_page(dir.path(), &origin);
        site.hits.lock().unwrap().clear();
        let first = crawl_to_end(dir.path());
        // The shop's walk went on where the killed one had committed: the pages between its first
        // (read for what is new) and that one were not walked again.
        let hits = site.hits.lock().unwrap().clone();
        let again: Vec<u64> = (2..resume).filter(|p| hits.contains_key(&format!("shop-{p}"))).collect();
        assert!(again.is_empty(), "{context}: shop pages {again:?} walked again before page {resume}");
        assert_every_item_once(dir.path(), &format!("{context}, then crawled again: {first}"));
        let again = crawl_to_end(dir.path());
        let reports: Vec<&str> = again.lines().filter(|l| l.contains(" items: ")).collect();
        assert!(reports.len() == 3 && reports.iter().all(|l| l.contains(" items: 0 new")), "{context}: {again}");
        assert_every_item_once(dir.path(), &context);
    }
    eprintln!("{KILL_POINTS} kill points over {total} requests: every item came back exactly once");
}
