//! A saved search's subscription, through the daemon of `yuqing run` on a manual clock: a local
//! site serves a social feed (JSON) and a webhook. The first check only takes the position; an
//! hour later the new matches go out as one batch (their count, the first five verbatim with
//! their links, a link to the search on the dashboard); after a restart the next batch holds
//! only newer mentions — and a late find published before the last batch — never one sent
//! before; an interval with nothing new sends nothing, and neither does a search without one.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use yuqing::config::Config;
use yuqing::saved::{SavedBook, SavedSearch, Subscription};
use yuqing::source::Source;
use yuqing::time::Clock;

const MIN: SignedDuration = SignedDuration::from_mins(1);

#[derive(Clone, Debug)]
struct Post {
    id: String,
    /// Its publication time.
    at: Timestamp,
    /// When the feed first shows it (a late find shows long after it was published).
    shown: Timestamp,
    text: String,
}

#[derive(Clone)]
struct Site {
    posts: Arc<Mutex<Vec<Post>>>,
    clock: Clock,
    hook: Arc<Mutex<Vec<Value>>>,
}

/// The feed: what it shows by now, newest first, one page.
async fn feed(State(site): State<Site>) -> Json<Value> {
    let now = site.clock.now();
    let mut shown: Vec<Post> = site.posts.lock().unwrap().iter().filter(|p| p.shown <= now).cloned().collect();
    shown.sort_by_key(|p| std::cmp::Reverse(p.at));
    let list: Vec<Value> = shown
        .iter()
        .map(|p| json!({"mid": p.id, "text": p.text, "created_at": p.at.to_string(), "user": {"screen_name": format!("网友{}", p.id)}}))
        .collect();
    Json(json!({"data": {"list": list}}))
}

async fn start_site(clock: &Clock) -> (Site, String) {
    let site = Site { posts: Arc::default(), clock: clock.clone(), hook: Arc::default() };
    let app = axum::Router::new()
        .route("/feed", get(feed))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route(
            "/hook",
            post(|State(s): State<Site>, Json(b): Json<Value>| async move {
                s.hook.lock().unwrap().push(b);
                "ok"
            }),
        )
        .with_state(site.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, app).into_future());
    (site, format!("http://{addr}"))
}

/// The feed's source definition (`ORIGIN` is the site's).
const SOURCE: &str = r#"name = "t-feed"
kind = "post"
schedule = "0 0 * * * *"
window_days = 10
urls = ["ORIGIN/feed"]

[request]
delay_ms = 0

[list]
format = "json"
items = "/data/list"

[list.fields]
id = "/mid"
text = "/text"
author = "/user/screen_name"
published_at = "/created_at"
url = { pointer = "/mid", format = "ORIGIN/status/{}" }
"#;

const CONFIG: &str = r#"
[data]
dir = "data"

[crawl]
sources_dir = "sources"

[[watch]]
name = "极光"
aliases = ["极光手机"]

[[channel]]
kind = "webhook"
url_env = "T_SAVED_HOOK"

[incidents]
dashboard_url = "http://yuqing.example.com/"
"#;

fn setup(dir: &Path, origin: &str) -> Config {
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    std::fs::write(dir.join("sources/feed.toml"), SOURCE.replace("ORIGIN", origin)).unwrap();
    std::fs::write(dir.join("yuqing.toml"), CONFIG).unwrap();
    Config::load(&dir.join("yuqing.toml")).unwrap()
}

async fn daemon(config: &Config, clock: &Clock) -> yuqing::daemon::Running {
    let (config, clock) = (config.clone(), clock.clone());
    tokio::task::spawn_blocking(move || {
        let opened = yuqing::app::open_all(&config).unwrap();
        let sources = Source::load_dir(&config.crawl.sources_dir).unwrap().sources;
        yuqing::app::daemon(&config, &opened, sources, clock, Default::default()).unwrap().start().unwrap()
    })
    .await
    .unwrap()
}

/// Posts `from..to` of the fire story, published `at` (a minute apart), shown from `shown`.
fn fire(from: usize, to: usize, at: Timestamp, shown: Option<Timestamp>) -> Vec<Post> {
    (from..to)
        .map(|k| {
            let at = at + MIN * (k - from) as i32;
            let text = format!("极光手机充电时电池起火了，第{k}位用户说太可怕了，要求召回！");
            Post { id: format!("f{k}"), at, shown: shown.unwrap_or(at), text }
        })
        .collect()
}

/// The saved-search batches the webhook received (alerts may go there too).
fn batches(site: &Site) -> Vec<Value> {
    site.hook.lock().unwrap().iter().filter(|m| m.get("saved_search").is_some()).cloned().collect()
}

fn ids(batch: &Value) -> Vec<String> {
    batch["saved_search"]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect()
}

fn save(running: &yuqing::daemon::Running, name: &str, query: &str, subscription: Option<Subscription>) {
    let book = SavedBook::new(running.evaluator().store.clone());
    let saved = SavedSearch { name: name.into(), query: query.into(), created_at: Timestamp::now(), subscription };
    book.add(&saved, yuqing::serve::saved_request, &running.evaluator().watches).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_sends_each_new_mention_once_in_batches() {
    let t0: Timestamp = "2026-11-20T08:00:00+08:00".parse().unwrap();
    let clock = Clock::manual(t0);
    let (site, origin) = start_site(&clock).await;
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: set before the daemon's threads read the environment; nothing else sets it.
    unsafe { std::env::set_var("T_SAVED_HOOK", format!("{origin}/hook")) };
    let config = setup(dir.path(), &origin);
    site.posts.lock().unwrap().extend(fire(0, 3, t0 - MIN * 60, None));

    // The first check takes the position: what matched before is not sent.
    let mut running = daemon(&config, &clock).await;
    running.step().await;
    let hourly = Some(Subscription { channel: "webhook".into(), every_minutes: 60 });
    save(&running, "电池起火", "q=%E8%B5%B7%E7%81%AB&watch=%E6%9E%81%E5%85%89", hourly);
    save(&running, "只看不推", "q=%E8%B5%B7%E7%81%AB", None);
    assert_eq!(running.send_saved().await, 0);
    // Seven new posts and an ordinary one; half an hour on, the interval has not passed.
    site.posts.lock().unwrap().extend(fire(3, 10, t0 + MIN * 10, None));
    let ordinary =
        Post { id: "ok1".into(), at: t0 + MIN * 12, shown: t0 + MIN * 12, text: "极光手机拍照很清晰".into() };
    site.posts.lock().unwrap().push(ordinary);
    clock.set(t0 + MIN * 30);
    running.step().await;
    assert_eq!(running.send_saved().await, 0, "sent before its interval");
    assert!(batches(&site).is_empty());

    clock.set(t0 + MIN * 61);
    running.step().await;
    assert_eq!(running.send_saved().await, 1);
    the_first_batch_tells_the_seven(&batches(&site));

    // Restarted; two newer posts and a late find published before the first batch.
    running.finish().await.unwrap();
    running = daemon(&config, &clock).await;
    let mut more = fire(10, 12, t0 + MIN * 90, None);
    more.extend(fire(20, 21, t0 + MIN * 20, Some(t0 + MIN * 100)));
    site.posts.lock().unwrap().extend(more);
    clock.set(t0 + MIN * 125);
    running.step().await;
    assert_eq!(running.send_saved().await, 1);
    let all = batches(&site);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["saved_search"]["count"], 3, "{}", all[1]);
    assert_eq!(ids(&all[1]), ["f20", "f10", "f11"], "oldest first, none sent before");

    // Nothing new an interval later: nothing sent.
    clock.set(t0 + MIN * 190);
    running.step().await;
    assert_eq!(running.send_saved().await, 0);
    assert_eq!(batches(&site).len(), 2);
    running.finish().await.unwrap();
}

/// Its count, the first five verbatim with their links, the rest counted, the dashboard's search.
fn the_first_batch_tells_the_seven(all: &[Value]) {
    assert_eq!(all.len(), 1);
    let b = &all[0];
    assert_eq!(b["saved_search"]["count"], 7, "{b}");
    assert_eq!(ids(b), ["f3", "f4", "f5", "f6", "f7"]);
    let markdown = b["markdown"].as_str().unwrap();
    eprintln!("{markdown}");
    assert!(b["title"].as_str().unwrap().contains("电池起火：新增 7 条"), "{b}");
    assert!(markdown.contains("极光手机充电时电池起火了，第3位用户说太可怕了，要求召回！"), "{markdown}");
    assert!(markdown.contains("/status/f3"), "{markdown}");
    assert!(markdown.contains("另有 2 条未列出"), "{markdown}");
    let link = "http://yuqing.example.com/search?q=%E8%B5%B7%E7%81%AB&watch=%E6%9E%81%E5%85%89";
    assert_eq!(b["saved_search"]["link"], link);
    assert!(markdown.contains(link), "{markdown}");
}
