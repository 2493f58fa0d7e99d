//! An incident from its first alert to its review, through the daemon of `yuqing run` on a
//! manual clock: a local site serves a social feed and a news feed (JSON, cursor paging) with
//! eight days of ordinary mentions of a phone brand — praise, and one ordinary complaint an hour
//! (slow delivery, unanswered service) — then a battery-fire crisis that grows for four hours,
//! spreads by a copy-paste wave, a post of a large account and the news, subsides and ends.
//! From its third hour it is also told in words its first hour never used (烫伤, 投诉) and by
//! a second copy-paste wave that shares no word with it: the incident must follow both.
//! The daemon crawls every simulated hour and is restarted in the middle. The webhook must
//! receive the opening alert, the rule alert, the updates and the ending with its review, in
//! order and each once; the incident must hold every crisis post and no ordinary complaint.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use yuqing::config::Config;
use yuqing::incident::workflow::{Change, apply};
use yuqing::incident::{Action, IncidentBook, Phase};
use yuqing::index::search::{SearchRequest, search};
use yuqing::source::Source;
use yuqing::time::Clock;

mod common;

/// What the team noted during the crisis: its review's log quotes it.
const NOTE: &str = "已联系首发用户并安排上门检测；官方声明 18:00 发布 <b>&</b>";

const HOUR: SignedDuration = SignedDuration::from_hours(1);

/// The crisis's own posts per hour from its start (the copy-paste wave, the large account and
/// the news come on top).
const CRISIS: [usize; 9] = [10, 14, 30, 40, 25, 12, 6, 2, 0];

const CRISIS_TEXTS: [&str; 6] = [
    "极光X5充电的时候电池起火冒烟了，太可怕了，差点烧了房子",
    "我的极光X5电池鼓包起火，售后还推卸责任，垃圾",
    "极光X5又起火了？电池质量太差，坚决不买了",
    "太吓人了，极光X5电池起火，孩子差点受伤，必须召回",
    "极光X5起火冒烟，电池问题这么严重还不召回，失望透顶",
    "朋友的极光X5昨晚电池起火，烧坏了沙发，太危险了",
];

/// The same crisis told another way from its third hour: no word of its first hour's posts.
const LATER_TEXTS: [&str; 2] = [
    "极光X5放在口袋里突然发烫冒火花，大腿烫伤了，已经打12315投诉",
    "刚买的极光X5发烫到拿不住，手掌烫伤起泡，明天去12315投诉",
];
/// Its posts per hour from the crisis's start.
const LATER: [usize; 6] = [0, 0, 5, 8, 6, 3];

#[derive(Clone, Debug)]
struct Post {
    id: String,
    feed: &'static str,
    at: Timestamp,
    text: String,
    author: String,
    followers: u64,
    likes: u64,
    crisis: bool,
}

/// Everything the site will ever publish, oldest first.
fn posts(t0: Timestamp) -> Vec<Post> {
    let mut out = Vec::new();
    let mut add = |feed, at, text: String, author: String, followers, likes, crisis| {
        let id = format!("{feed}-{}", out.len());
        out.push(Post { id, feed, at, text, author, followers, likes, crisis });
    };
    for h in -(8 * 24)..40i64 {
        let hour = t0 + HOUR * h as i32;
        for k in 0..3 {
            let text = format!("极光手机拍照清晰，续航给力，很满意，第{h}-{k}次推荐给朋友");
            add("feed", hour + SignedDuration::from_mins(5 + 10 * k), text, format!("路人{h}{k}"), 100, 3, false);
        }
        let complaint = if h % 2 == 0 {
            format!("极光手机物流太慢了，等了五天才到货，订单{h}，差评")
        } else {
            format!("极光客服一直不回复，售后体验很差，工单{h}")
        };
        add("feed", hour + SignedDuration::from_mins(40), complaint, format!("买家{h}"), 50, 1, false);
        let Some(&n) = usize::try_from(h).ok().and_then(|h| CRISIS.get(h)) else { continue };
        for k in 0..n {
            let text = format!("{}（{}）", CRISIS_TEXTS[k % CRISIS_TEXTS.len()], h * 100 + k as i64);
            let at = hour + SignedDuration::from_secs((k * 3000 / n.max(1)) as i64 + 60);
            add("feed", at, text, format!("网友{h}-{k}"), 300, 20, true);
        }
        if h == 1 {
            for k in 0..5 {
                let text = "转发：极光X5电池起火，太可怕了，大家千万别买！".to_string();
                add("feed", hour + SignedDuration::from_mins(20 + k), text, format!("水军{k}"), 10, 0, true);
            }
        }
        for k in 0..usize::try_from(h).ok().and_then(|h| LATER.get(h)).copied().unwrap_or(0) {
            let text = format!("{}（{}）", LATER_TEXTS[k % LATER_TEXTS.len()], h * 100 + 50 + k as i64);
            let at = hour + SignedDuration::from_mins(3 + 7 * k as i64);
            add("feed", at, text, format!("车主{h}-{k}"), 200, 8, true);
        }
        if h == 3 {
            for k in 0..8 {
                let text = "扩散！极光官方装死不回应，太恶心了，大家小心".to_string();
                add("feed", hour + SignedDuration::from_mins(33 + k), text, format!("路过{k}"), 20, 0, true);
            }
        }
        if h == 2 {
            let text = "【视频】极光X5起火爆炸现场，电池烧穿了外壳，太可怕了，官方必须给说法".to_string();
            add("feed", hour + SignedDuration::from_mins(30), text, "数码大V".into(), 2_000_000, 5_000, true);
        }
        if (3..5).contains(&h) {
            for k in 0..2 {
                let text = format!("多地用户反映极光X5电池起火，消费者愤怒要求召回，问题严重令人担忧（{h}{k}）");
                add("news", hour + SignedDuration::from_mins(15 + 20 * k), text, "科技日报".into(), 500_000, 50, true);
            }
        }
    }
    out.sort_by_key(|p| p.at);
    out
}

#[derive(Clone)]
struct Site {
    posts: Arc<Vec<Post>>,
    clock: Clock,
    hook: Arc<Mutex<Vec<Value>>>,
}

#[derive(serde::Deserialize)]
struct Page {
    cursor: usize,
}

/// A feed as Weibo-like JSON: newest first, 50 a page, the cursor the index of the next page.
async fn feed(State(site): State<Site>, Query(p): Query<Page>, name: &'static str) -> Json<Value> {
    let now = site.clock.now();
    let shown: Vec<&Post> = site.posts.iter().rev().filter(|x| x.feed == name && x.at <= now).collect();
    let page: Vec<Value> = shown
        .iter()
        .skip(p.cursor * 50)
        .take(50)
        .map(|x| {
            json!({"mid": x.id, "text": x.text, "created_at": x.at.to_string(), "attitudes_count": x.likes,
                   "user": {"screen_name": x.author, "followers_count": x.followers}})
        })
        .collect();
    let end = (p.cursor + 1) * 50 >= shown.len();
    Json(json!({"data": {"list": page, "next_cursor": p.cursor + 1, "is_end": end}}))
}

fn source(name: &str, origin: &str, path: &str) -> String {
    format!(
        r#"name = "{name}"
kind = "post"
schedule = "0 0 * * * *"
window_days = 10
max_pages = 400
urls = ["{origin}/{path}?cursor={{cursor}}"]

[request]
delay_ms = 0

[list]
format = "json"
items = "/data/list"

[list.fields]
id = "/mid"
text = "/text"
author = "/user/screen_name"
author_followers = "/user/followers_count"
published_at = "/created_at"
likes = "/attitudes_count"
url = {{ pointer = "/mid", format = "{origin}/status/{{}}" }}

[list.pagination]
cursor = {{ from = "/data/next_cursor", first = "0" }}
end = "/data/is_end"
"#
    )
}

fn config(dir: &Path) -> Config {
    let text = r#"
[data]
dir = "data"

[crawl]
sources_dir = "sources"

[[watch]]
name = "极光"
aliases = ["极光手机"]

[[channel]]
kind = "webhook"
url_env = "T_INCIDENT_HOOK"

[incidents]
dashboard_url = "http://yuqing.example.com"

[[rule]]
name = "大号爆炸"
terms = ["爆炸"]
min_followers = 100000
cooldown_minutes = 600
"#;
    std::fs::write(dir.join("yuqing.toml"), text).unwrap();
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

/// Starts the site on a free port: its state (with what the webhook receives) and its origin.
async fn start_site(all: &[Post], clock: &Clock) -> (Site, String) {
    let site = Site { posts: Arc::new(all.to_vec()), clock: clock.clone(), hook: Arc::default() };
    let app = axum::Router::new()
        .route("/feed", get(|s: State<Site>, q: Query<Page>| feed(s, q, "feed")))
        .route("/news", get(|s: State<Site>, q: Query<Page>| feed(s, q, "news")))
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

/// What each message is: the key of its data.
fn kinds(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            ["alert", "rule_alert", "incident_update", "incident_review"]
                .iter()
                .find(|k| m.get(**k).is_some())
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The opening alert, the rule alert, the updates and the review: in order, each once.
fn the_channel_heard_it_in_order(messages: &[Value], t0: Timestamp) {
    let kinds = kinds(messages);
    // The first alert opens incident #1 in the crisis's first hour and names it.
    let first = &messages[0]["alert"];
    assert_eq!(kinds[0], "alert", "{kinds:?}");
    assert_eq!(first["start"].as_str().unwrap().parse::<Timestamp>().unwrap(), t0, "{first}");
    assert_eq!(first["incident"]["id"], 1);
    assert_eq!(first["incident"]["link"], "http://yuqing.example.com/incidents/1");
    // The rule fires once, on the large account's post (the news outlet's 爆炸-free posts don't match).
    let rules: Vec<&Value> = messages.iter().filter_map(|m| m.get("rule_alert")).collect();
    assert_eq!(rules.len(), 1, "{kinds:?}");
    assert_eq!(rules[0]["mention"]["author"], "数码大V");
    // Updates then the review, in order, each once (told.updates counts 1, 2, 3 … across the restart).
    let updates: Vec<&Value> = messages.iter().filter_map(|m| m.get("incident_update")).collect();
    let numbers: Vec<u64> = updates.iter().map(|u| u["incident"]["told"]["updates"].as_u64().unwrap()).collect();
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>(), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("incident_review"), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "incident_review").count(), 1);
    let changes: Vec<&Value> = updates.iter().flat_map(|u| u["changes"].as_array().unwrap()).collect();
    for expected in ["doubled", "notable", "new_source", "phase"] {
        assert!(changes.iter().any(|c| c["change"] == expected), "no {expected} update: {changes:?}");
    }
    let new_source = changes.iter().find(|c| c["change"] == "new_source").unwrap();
    assert_eq!(new_source["source"], "t-news");
    let title = messages.last().unwrap()["incident_review"]["review"]["title"].as_str().unwrap();
    assert!(title.contains("事件专报"), "{title}");
}

/// The incident: ended when it should, with every crisis post and no ordinary complaint, and
/// its review written with the recovery measured.
fn the_incident_holds_the_crisis(evaluator: &yuqing::daemon::Evaluator, config: &Config, all: &[Post], t0: Timestamp) {
    let book = IncidentBook::new(evaluator.store.clone());
    let all_incidents = book.list(None).unwrap();
    assert_eq!(all_incidents.len(), 1, "{all_incidents:?}");
    let incident = &all_incidents[0];
    assert_eq!(incident.phase, Phase::Ended);
    // The last loud hour is hour 6 (6 crisis posts + 1 complaint); twelve quiet hours later it ends.
    assert_eq!(incident.ended_at, Some(t0 + HOUR * 19), "{:?}", incident.log);
    assert_eq!(incident.peak.map(|(at, _)| at), Some(t0 + HOUR * 3));
    evaluator.reader.reload().unwrap();
    let request = SearchRequest { limit: 1000, ..incident.request() };
    let found = search(&evaluator.reader.searcher(), evaluator.fields, &request).unwrap();
    // The site's post ids, from the links the source made of them.
    let ids: Vec<&str> = found.hits.iter().filter_map(|h| h.url.rsplit('/').next()).collect();
    let crisis: Vec<&Post> = all.iter().filter(|p| p.crisis).collect();
    let missing: Vec<&str> = crisis.iter().filter(|p| !ids.contains(&p.id.as_str())).map(|p| p.text.as_str()).collect();
    assert!(missing.is_empty(), "crisis posts outside the incident: {missing:?} (scope {:?})", incident.scope);
    let strays: Vec<&str> = found
        .hits
        .iter()
        .filter(|h| !crisis.iter().any(|p| h.url.ends_with(&format!("/{}", p.id))))
        .map(|h| h.text.as_str())
        .collect();
    assert!(strays.is_empty(), "ordinary complaints in the incident: {strays:?} (scope {:?})", incident.scope);
    assert_eq!(found.total, crisis.len() as u64);
    // The review: written, and its recovery measured (the complaints are back to one an hour).
    let review: Value =
        serde_json::from_slice(&std::fs::read(config.digests_dir().join("incident-1.json")).unwrap()).unwrap();
    assert_eq!(review["evidence"]["totals"]["mentions"], crisis.len() as u64);
    // The emotions and aspects of its mentions: a battery fire, told in fear and anger.
    let emotions = review["evidence"]["emotions"].as_array().unwrap();
    assert!(!emotions.is_empty(), "{emotions:?}");
    let battery = review["evidence"]["aspects"][0].clone();
    assert_eq!(battery["aspect"], "电池", "{}", review["evidence"]["aspects"]);
    assert!(battery["negative"].as_u64().unwrap() > 0, "{battery}");
    assert!(review["recovery"]["share_back_at"].is_string(), "{}", review["recovery"]);
    assert!(config.digests_dir().join("incident-1.html").exists());
    the_review_is_a_word_document_too(config);
}

/// `incident-1.docx`: the review's sections, the team's note verbatim, the timeline chart.
fn the_review_is_a_word_document_too(config: &Config) {
    let docx = std::fs::read(config.digests_dir().join("incident-1.docx")).unwrap();
    let xml = common::docx::part(&docx, "word/document.xml");
    for section in [
        "事件专报",
        "恢复",
        "规模",
        "每小时明细",
        "起源: 最早的帖子",
        "扩散: 来源与传播者",
        "驱动: 上升词、风险、情绪与方面",
        "处置记录",
    ] {
        assert!(xml.contains(section), "{section} in the review's document");
    }
    assert!(xml.contains("情绪：") && xml.contains("方面：电池 负面"), "emotions and aspects in the review's document");
    let note = NOTE.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    assert!(xml.contains(&note) && xml.contains("王经理"), "the team's note, as written: {xml}");
    let images = common::docx::images(&docx);
    assert_eq!(images.len(), 1, "the hourly chart");
    assert!(images[0].near([0xd6, 0x45, 0x41]) > 1000, "its negative bars are drawn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crisis_is_followed_from_its_first_alert_to_its_review() {
    let t0: Timestamp = "2026-11-20T08:00:00+08:00".parse().unwrap();
    let all = posts(t0);
    let clock = Clock::manual(t0 - HOUR * 2 + SignedDuration::from_mins(55));
    let (site, origin) = start_site(&all, &clock).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sources")).unwrap();
    std::fs::write(dir.path().join("sources/feed.toml"), source("t-feed", &origin, "feed")).unwrap();
    std::fs::write(dir.path().join("sources/news.toml"), source("t-news", &origin, "news")).unwrap();
    // SAFETY: set before the daemon's threads read the environment; nothing else sets it.
    unsafe { std::env::set_var("T_INCIDENT_HOOK", format!("{origin}/hook")) };
    let config = config(dir.path());

    // Hours −2 and −1 take the history; then each simulated hour at :55 until a day later,
    // the daemon restarted after hour 4.
    let mut running = daemon(&config, &clock).await;
    for h in -2..=26 {
        clock.set(t0 + HOUR * h + SignedDuration::from_mins(55));
        running.step().await;
        if h == 4 {
            running.finish().await.unwrap();
            running = daemon(&config, &clock).await;
        }
        if h == 6 {
            let book = IncidentBook::new(running.evaluator().store.clone());
            let note = Change { action: Action::Note { text: NOTE.into() }, by: "王经理".into() };
            apply(&book, 1, &note, clock.now()).unwrap();
        }
    }
    let evaluator = running.evaluator().clone();
    running.finish().await.unwrap();

    let messages = site.hook.lock().unwrap().clone();
    // Shown with `cargo test --test incidents -- --nocapture`: what the channel received.
    for m in &messages {
        eprintln!("{}\n", m["markdown"].as_str().unwrap_or_default());
    }
    the_channel_heard_it_in_order(&messages, t0);
    the_incident_holds_the_crisis(&evaluator, &config, &all, t0);
    drop(evaluator);
    the_dashboard_links_the_review(&config).await;
}

/// The ended incident's page on the dashboard links its review, which opens.
async fn the_dashboard_links_the_review(config: &Config) {
    let c = config.clone();
    let dash = tokio::task::spawn_blocking(move || {
        let opened = yuqing::app::open_all(&c).unwrap();
        let reader = opened.index.reader().unwrap();
        yuqing::app::dashboard(&c, reader, opened.fields, &opened.analyzer, Ok(opened.store), None)
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, yuqing::serve::router(Arc::new(dash))).into_future());
    let page = reqwest::get(format!("{origin}/incidents/1")).await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"href="/digests/incident-1.html""#), "no link to the review on the incident's page");
    let review = reqwest::get(format!("{origin}/digests/incident-1.html")).await.unwrap();
    assert_eq!(review.status(), 200);
    assert!(review.text().await.unwrap().contains("事件专报"));
}
