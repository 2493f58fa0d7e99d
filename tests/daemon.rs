//! `yuqing run` end to end against a local fixture site: a brand's ordinary history is indexed,
//! the daemon crawls a JSON social feed every 2 seconds (and a forum that takes 6 seconds to
//! answer, which must delay nothing), 30 negative posts appear ("刚刚"), and
//! the alert must reach a local webhook within one crawl interval plus 10 seconds. SIGINT then
//! stops it cleanly; `yuqing alerts` lists the alert with its delivery; a restart that crawls
//! the same incident again sends nothing twice. The digest goes out on its schedule: Markdown
//! with a link to the webhook, HTML by e-mail to a local SMTP receiver, a file in the data dir.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

const CONFIG: &str = r#"
[[watch]]
name = "华为"
aliases = ["HUAWEI", "华子"]

[crawl]
delay_ms = 0

[[channel]]
kind = "webhook"
url_env = "T_DAEMON_HOOK"

[[channel]]
kind = "email"
url_env = "T_DAEMON_SMTP"
from = "舆情 <yuqing@example.com>"
to = ["pr@example.com"]

[digest]
schedule = "*/3 * * * * *"
daily = "*/4 * * * * *"
link_base = "http://127.0.0.1:8080/digests"
"#;

const SOURCE: &str = r#"
kind = "post"
schedule = "*/2 * * * * *"
urls = ["{origin}/api/feed"]

[request]
respect_robots = false

[list]
format = "json"
items = "/data/list"

[list.fields]
id = "/mid"
text = "/text"
author = "/user"
published_at = "/created_at"
likes = "/attitudes_count"
url = { pointer = "/mid", format = "{origin}/status/{}" }
"#;

/// What the fixture site serves and what the webhook received.
#[derive(Clone, Default)]
struct Site {
    posts: Arc<Mutex<Vec<Value>>>,
    feed_hits: Arc<Mutex<u32>>,
    slow_hits: Arc<Mutex<u32>>,
    alerts: Arc<Mutex<Vec<(Instant, Value)>>>,
    digests: Arc<Mutex<Vec<Value>>>,
}

async fn feed(State(site): State<Site>) -> Json<Value> {
    *site.feed_hits.lock().unwrap() += 1;
    Json(json!({"ok": 1, "data": {"list": site.posts.lock().unwrap().clone()}}))
}

/// A forum that takes 6 seconds to answer: it must delay no other source, and a crawl of it
/// in flight at SIGINT finishes before the daemon exits.
async fn slow(State(site): State<Site>) -> Json<Value> {
    let n = {
        let mut hits = site.slow_hits.lock().unwrap();
        *hits += 1;
        *hits
    };
    tokio::time::sleep(Duration::from_secs(6)).await;
    Json(
        json!({"ok": 1, "data": {"list": [post(&format!("slow{n}"), &format!("华为论坛第{n}帖：新系统更新体验分享"), 0)]}}),
    )
}

async fn hook(State(site): State<Site>, Json(body): Json<Value>) -> &'static str {
    if body.get("digest").is_some() {
        site.digests.lock().unwrap().push(body);
    } else if body.get("alert").is_some() {
        site.alerts.lock().unwrap().push((Instant::now(), body));
    }
    "ok"
}

fn post(mid: &str, text: &str, likes: u64) -> Value {
    json!({"mid": mid, "text": text, "user": format!("用户{mid}"), "created_at": "刚刚", "attitudes_count": likes})
}

/// Three days of ordinary mentions before the current hour: 4 an hour, one of them negative
/// every other hour.
fn baseline() -> String {
    let now = jiff::Timestamp::now();
    let hour_start = jiff::Timestamp::from_second(now.as_second() / 3600 * 3600).unwrap();
    let mut lines = String::new();
    for h in 1..=72i64 {
        let at = hour_start - jiff::SignedDuration::from_hours(h) + jiff::SignedDuration::from_mins(10);
        for k in 0..4 {
            let text = if k == 0 && h % 2 == 0 {
                format!("华为P70发货有点慢，等了好几天，第{h}-{k}单")
            } else {
                format!("华为Mate60拍照清晰，续航给力，很满意，第{h}-{k}单")
            };
            lines.push_str(&format!(
                "{{\"id\":\"base:{h}:{k}\",\"source\":\"history\",\"text\":\"{text}\",\"published_at\":\"{at}\"}}\n"
            ));
        }
    }
    lines
}

/// Starts `yuqing run` (with its dashboard on a free port) in `dir`; its stdout and stderr
/// lines are collected.
fn start(dir: &Path, hook: &str, smtp: &str) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .current_dir(dir)
        .args(["run", "-v", "--serve", "127.0.0.1:0"])
        .env("T_DAEMON_HOOK", hook)
        .env("T_DAEMON_SMTP", smtp)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let (sink, out_sink) = (lines.clone(), lines.clone());
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            out_sink.lock().unwrap().push(line);
        }
    });
    (child, lines)
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGINT, then the exit status and the stderr lines.
fn interrupt(mut child: Child, lines: &Arc<Mutex<Vec<String>>>) -> String {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "yuqing run did not stop after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(200));
    let log = lines.lock().unwrap().join("\n");
    assert!(exit.success(), "exit {exit:?}\n{log}");
    log
}

/// The fixture: the site (feed, slow forum, webhook), a local SMTP receiver, and a data directory
/// with the config, the two sources and three days of ingested history.
struct Fixture {
    dir: tempfile::TempDir,
    site: Site,
    runtime: tokio::runtime::Runtime,
    origin: String,
    smtp: String,
    mails: Arc<Mutex<Vec<common::Mail>>>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let site = Site::default();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let router = axum::Router::new()
            .route("/api/feed", axum::routing::get(feed))
            .route("/api/slow", axum::routing::get(slow))
            .route("/hook", axum::routing::post(hook))
            .with_state(site.clone());
        let origin = runtime.block_on(common::serve(router));
        let (smtp, mails) = runtime.block_on(common::smtp_receiver());
        std::fs::write(d.join("yuqing.toml"), CONFIG).unwrap();
        std::fs::create_dir(d.join("sources")).unwrap();
        std::fs::write(d.join("sources/feed.toml"), SOURCE.replace("{origin}", &origin)).unwrap();
        let slow_source = SOURCE.replace("{origin}/api/feed", "{origin}/api/slow").replace("{origin}", &origin);
        std::fs::write(d.join("sources/slow.toml"), slow_source).unwrap();
        std::fs::write(d.join("history.jsonl"), baseline()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_yuqing")).current_dir(d).args(["ingest", "history.jsonl"]).output();
        assert!(out.unwrap().status.success());
        Fixture { dir, site, runtime, origin, smtp, mails }
    }

    fn start(&self) -> (Child, Arc<Mutex<Vec<String>>>) {
        start(self.dir.path(), &format!("{}/hook", self.origin), &self.smtp)
    }

    /// A GET on the running daemon's dashboard, as JSON.
    fn get(&self, url: &str) -> Vec<Value> {
        let body = self.runtime.block_on(async { reqwest::get(url).await.unwrap().text().await });
        serde_json::from_str(&body.unwrap()).unwrap()
    }
}

/// The crisis breaks on the feed; the alert must reach the webhook within an interval and 10 s.
fn the_incident_alerts(f: &Fixture) {
    let broke = Instant::now();
    {
        let mut posts = f.site.posts.lock().unwrap();
        for k in 0..30u64 {
            let text = format!("华为Mate60充电时起火爆炸了，太吓人，要求召回！网友{k}");
            posts.insert(0, post(&format!("99{k:02}"), &text, k * 10));
        }
    }
    wait_until("the alert", Duration::from_secs(2 + 10), || !f.site.alerts.lock().unwrap().is_empty());
    let (at, alert) = f.site.alerts.lock().unwrap()[0].clone();
    let latency = at.duration_since(broke);
    eprintln!("new negative posts to alert delivered: {latency:?} (limit 2 s interval + 10 s)");
    assert_eq!(alert["alert"]["watch"], "华为");
    assert_eq!(alert["alert"]["severity"], "critical");
    assert!(alert["alert"]["observed"].as_u64().unwrap() >= 30, "{alert}");
    let terms: Vec<&str> =
        alert["alert"]["rising_terms"].as_array().unwrap().iter().map(|t| t["term"].as_str().unwrap()).collect();
    assert!(terms.contains(&"起火") && terms.contains(&"召回"), "{terms:?}");
    let top = &alert["alert"]["top_posts"][0];
    assert_eq!(top["url"], format!("{}/status/9929", f.origin), "the most liked post first: {top}");
}

/// The weekly and the daily digest go out, each on its schedule: Markdown with a link to the
/// robots, HTML by e-mail.
fn the_digest_goes_out(f: &Fixture) {
    let titled = |what: &str| {
        f.site.digests.lock().unwrap().iter().any(|d| d["markdown"].as_str().is_some_and(|m| m.contains(what)))
    };
    wait_until("a weekly and a daily digest", Duration::from_secs(15), || {
        titled("华为 舆情周报")
            && titled("华为 舆情日报")
            && f.mails.lock().unwrap().iter().any(|m| m.data.contains("text/html"))
    });
    let digest = f.site.digests.lock().unwrap()[0].clone();
    let md = digest["markdown"].as_str().unwrap();
    assert!(md.contains("华为 舆情") && md.contains("(http://127.0.0.1:8080/digests/"), "{md}");
    let files: Vec<_> =
        std::fs::read_dir(f.dir.path().join("yuqing-data/digests")).unwrap().map(|e| e.unwrap().path()).collect();
    let pages: Vec<_> = files.iter().filter(|p| p.extension().is_some_and(|e| e == "html")).collect();
    assert!(pages.iter().any(|p| std::fs::read_to_string(p).unwrap().contains("data-chart=\"daily\"")), "{files:?}");
    // Each page with its Word document beside it.
    assert!(pages.iter().all(|p| p.with_extension("docx").is_file()), "{files:?}");
}

/// The daemon's own dashboard lists the alert while it runs, and its search follows the commits.
fn the_live_dashboard_follows(f: &Fixture, lines: &Arc<Mutex<Vec<String>>>) -> String {
    let dashboard = lines
        .lock()
        .unwrap()
        .iter()
        .find_map(|l| l.strip_prefix("dashboard: ").map(|u| u.trim_end_matches('/').to_string()))
        .expect("the dashboard's address");
    // (Recorded once every channel has had it: the e-mail may still be on its way.)
    let alerts = format!("{dashboard}/api/alerts");
    wait_until("the alert in the live history", Duration::from_secs(10), || !f.get(&alerts).is_empty());
    let live = f.get(&alerts);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["alert"]["watch"], "华为");
    // Its search, opened before the crisis was crawled, follows the daemon's commits.
    let search = format!("{dashboard}/api/search?q=起火&watch=华为&sentiment=negative&limit=50");
    let total = || -> u64 {
        let body = f.runtime.block_on(async { reqwest::get(&search).await.unwrap().text().await.unwrap() });
        serde_json::from_str::<Value>(&body).unwrap()["total"].as_u64().unwrap()
    };
    wait_until("the crisis in the live search", Duration::from_secs(10), || total() >= 30);
    dashboard
}

/// The crisis's incident is worked on while the daemon holds the state: from the CLI (through
/// the daemon's control API) and from the dashboard's forms (which need the page's CSRF secret).
fn the_incident_is_worked_on(f: &Fixture, dashboard: &str) {
    let d = f.dir.path();
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_yuqing")).current_dir(d).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let assigned = cli(&["incidents", "assign", "1", "李四", "--by", "张三"]);
    assert!(assigned.contains("处置中") && assigned.contains("张三 指派给 李四"), "{assigned}");
    let page = f
        .runtime
        .block_on(async { reqwest::get(format!("{dashboard}/incidents/1")).await.unwrap().text().await.unwrap() });
    assert!(page.contains("事件 #1") && page.contains("负责人 李四"), "{page}");
    let csrf =
        regex::Regex::new(r#"name="csrf" value="([0-9a-f]{32})""#).unwrap().captures(&page).expect("the form's secret")
            [1]
        .to_string();
    let post = |body: String| {
        f.runtime.block_on(async {
            let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let r = client
                .post(format!("{dashboard}/incidents/1"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        })
    };
    let note = "action=note&by=%E7%8E%8B%E4%BA%94&text=%E5%B7%B2%E8%81%94%E7%B3%BB%E6%A3%80%E6%B5%8B%E6%9C%BA%E6%9E%84";
    assert_eq!(post(format!("{note}&csrf=0000")), 403, "a form without the page's secret is refused");
    assert_eq!(post(format!("{note}&csrf={csrf}")), 303);
    let shown = cli(&["incidents", "show", "1"]);
    assert!(shown.contains("王五  备注: 已联系检测机构") && shown.contains("张三  指派给 李四"), "{shown}");
    let listed: Value = serde_json::from_str(&cli(&["incidents", "--json"])).unwrap();
    assert_eq!((&listed[0]["status"], &listed[0]["assignee"]), (&json!("handling"), &json!("李四")));
}

/// `yuqing saved` while the daemon holds the state: through its control API, bad input refused.
fn searches_are_saved_through_the_daemon(f: &Fixture) {
    let d = f.dir.path();
    let cli = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_yuqing")).current_dir(d).args(args).output().unwrap();
    let added = cli(&["saved", "add", "华为起火", "起火", "--watch", "华为", "--channel", "webhook", "--every", "5"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let bad = cli(&["saved", "add", "坏", "起火", "--sentiment", "angry"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("sentiment"));
    let listed = String::from_utf8_lossy(&cli(&["saved", "list"]).stdout).into_owned();
    assert!(listed.contains("华为起火  matches ") && listed.contains("push webhook every 5 min"), "{listed}");
    assert!(!listed.contains("matches 0"), "the crisis matches: {listed}");
    assert!(cli(&["saved", "rm", "华为起火"]).status.success());
    assert!(String::from_utf8_lossy(&cli(&["saved", "list"]).stdout).contains("no saved searches"));
}

/// After the stop: the in-flight crawl's post is committed; the history lists the alert as sent.
fn the_history_keeps_it(f: &Fixture) {
    let d = f.dir.path();
    let last = *f.site.slow_hits.lock().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .current_dir(d)
        .args(["search", &format!("论坛第{last}帖"), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "the in-flight crawl's post was committed");
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing")).current_dir(d).args(["alerts", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let records: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["deliveries"][0]["channel"], "webhook");
    assert_eq!(records[0]["deliveries"][0]["delivered"], true);
    assert_eq!(
        (&records[0]["deliveries"][1]["channel"], &records[0]["deliveries"][1]["delivered"]),
        (&json!("email"), &json!(true))
    );
    let table = Command::new(env!("CARGO_BIN_EXE_yuqing")).current_dir(d).arg("alerts").output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("CRITICAL 华为") && table.contains("sent: webhook ok, email ok"), "{table}");
}

#[test]
fn a_new_negative_spike_reaches_the_webhook_within_an_interval_and_ten_seconds() {
    let f = Fixture::new();
    *f.site.posts.lock().unwrap() =
        vec![post("9001", "华为新品发布会定在下周", 3), post("9002", "华为Mate60用了一个月，体验不错", 5)];
    let (child, lines) = f.start();
    // The first crawls happen and judge the ordinary hour: nothing is sent.
    wait_until("two crawls", Duration::from_secs(60), || *f.site.feed_hits.lock().unwrap() >= 2);
    // The slow forum's first crawl is still in flight: it held the feed up in nothing.
    assert_eq!(*f.site.slow_hits.lock().unwrap(), 1);
    assert!(f.site.alerts.lock().unwrap().is_empty(), "an ordinary hour alerted");

    the_incident_alerts(&f);
    the_digest_goes_out(&f);
    let dashboard = the_live_dashboard_follows(&f, &lines);
    the_incident_is_worked_on(&f, &dashboard);
    searches_are_saved_through_the_daemon(&f);

    // More crawls of the same incident send nothing more.
    let hits = *f.site.feed_hits.lock().unwrap();
    wait_until("two more crawls", Duration::from_secs(30), || *f.site.feed_hits.lock().unwrap() >= hits + 2);
    assert_eq!(f.site.alerts.lock().unwrap().len(), 1);

    // SIGINT while a slow crawl is in flight: it finishes, its post is committed, then the exit.
    let in_flight = *f.site.slow_hits.lock().unwrap();
    wait_until("a slow crawl in flight", Duration::from_secs(20), || *f.site.slow_hits.lock().unwrap() > in_flight);
    let log = interrupt(child, &lines);
    assert!(log.contains("stopped cleanly:") && log.contains("1 alerts (0 not fully delivered)"), "{log}");
    the_history_keeps_it(&f);

    // A restart resumes: one more post arrives, the incident is judged again, nothing is resent.
    f.site.posts.lock().unwrap().insert(0, post("9100", "华为门店排队的人很多", 1));
    let (child, lines) = f.start();
    wait_until("the restarted daemon to index the new post", Duration::from_secs(60), || {
        lines.lock().unwrap().iter().any(|l| l.contains("crawled") && l.contains("new=1"))
    });
    std::thread::sleep(Duration::from_secs(1));
    let log = interrupt(child, &lines);
    assert_eq!(f.site.alerts.lock().unwrap().len(), 1, "{log}");
    assert!(log.contains("0 alerts"), "{log}");
}
