//! Saved searches (舆情专题): kept from the command line and from the search page's form (with
//! its CSRF secret), listed on the 专题 page with their matches and those new since last viewed
//! (opening one brings that to 0; mentions indexed afterwards — a late find published before
//! the viewing too — raise it again), bad input refused with a 400 naming the field and nothing
//! kept, deleted; everything survives the dashboard's restart. The subscriptions' batches are
//! in `saved_batches.rs`.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::bin::{Serving, command, yuqing};

const CONFIG: &str = r#"
[data]
dir = "data"

[[watch]]
name = "极光"
aliases = ["极光手机"]

[[channel]]
kind = "webhook"
name = "群机器人"
url_env = "T_SAVED_UNUSED_HOOK"
"#;

/// JSON lines of mentions `n`.. of a fire story and one ordinary post, published `at`.
fn mentions(from: usize, n: usize, at: &str) -> String {
    let mut out = String::new();
    for k in from..from + n {
        out.push_str(&format!(
            "{{\"id\":\"wb:{k}\",\"source\":\"weibo\",\"text\":\"极光手机充电时起火了，太可怕了，要求召回（{k}）\",\"published_at\":\"{at}\",\"url\":\"https://weibo.example/{k}\"}}\n"
        ));
    }
    out.push_str(&format!(
        "{{\"id\":\"wb:ok{from}\",\"source\":\"weibo\",\"text\":\"极光手机拍照清晰，很满意（{from}）\",\"published_at\":\"{at}\"}}\n"
    ));
    out
}

fn ingest(d: &Path, lines: &str) {
    let file = d.join("in.jsonl");
    std::fs::write(&file, lines).unwrap();
    let out = yuqing(d, &["ingest", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn cli(d: &Path, args: &[&str]) -> (bool, String, String) {
    let out = yuqing(d, args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A tiny HTTP client over one runtime: status, `Location`, body.
struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Client {
    fn new() -> Client {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { runtime, http }
    }

    fn send(&self, r: reqwest::RequestBuilder) -> (u16, String, String) {
        self.runtime.block_on(async {
            let r = r.send().await.unwrap();
            let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (r.status().as_u16(), location, r.text().await.unwrap())
        })
    }

    fn get(&self, url: &str) -> (u16, String, String) {
        self.send(self.http.get(url))
    }

    fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send(self.http.post(url).header("content-type", "application/x-www-form-urlencoded").body(body))
    }

    /// The saved searches as the API lists them.
    fn listed(&self, origin: &str) -> Vec<serde_json::Value> {
        let (status, _, body) = self.get(&format!("{origin}/api/saved"));
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
}

fn named<'a>(all: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    all.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no {name} in {all:?}"))
}

/// The hidden field `name`'s value in the search page's 保存为专题 form.
fn hidden(page: &str, name: &str) -> String {
    let re = regex::Regex::new(&format!("name=\"{name}\" value=\"([^\"]*)\"")).unwrap();
    re.captures(page).unwrap_or_else(|| panic!("no {name} field in the page"))[1].replace("&amp;", "&")
}

#[test]
fn saved_searches_are_kept_listed_viewed_and_counted_again() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("yuqing.toml"), CONFIG).unwrap();
    ingest(d, &mentions(0, 3, "2026-11-20 10:00"));
    the_cli_keeps_them(d);
    let client = Client::new();
    let server = Serving::start(command(d, &["serve", "--addr", "127.0.0.1:0"]));
    let origin = server.origin.clone();
    let saved = the_form_keeps_one(&client, &origin);
    bad_input_is_refused(&client, &origin, &saved);
    viewing_and_new_mentions_move_the_count(&client, &origin, d);
    // Deleting: a form with the page's secret.
    let (status, _, _) =
        client.post_form(&format!("{origin}/saved/delete"), &[("csrf", &saved.csrf), ("name", "电池专题")]);
    assert_eq!(status, 303);
    assert!(client.listed(&origin).iter().all(|s| s["name"] != "电池专题"));
    drop(server);
    // After the dashboard: the CLI sees what it kept, and removes the rest.
    let (ok, out, err) = cli(d, &["saved", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("起火  matches 5  new 5  push 群机器人 every 30 min"), "{out}");
    assert!(cli(d, &["saved", "rm", "起火"]).0);
    assert!(cli(d, &["saved", "list"]).1.contains("no saved searches"));
    let (ok, _, err) = cli(d, &["saved", "rm", "起火"]);
    assert!(!ok && err.contains("没有名为"), "{err}");
}

/// `saved add` with filters and a subscription; a bad filter or channel is an error naming it.
fn the_cli_keeps_them(d: &Path) {
    let (ok, out, err) = cli(
        d,
        &[
            "saved",
            "add",
            "起火",
            "起火",
            "--watch",
            "极光",
            "--sentiment",
            "negative",
            "--channel",
            "群机器人",
            "--every",
            "30",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("saved \"起火\""), "{out}");
    let (ok, out, err) = cli(d, &["saved", "list", "--json"]);
    assert!(ok, "{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((&listed[0]["total"], &listed[0]["new"]), (&3.into(), &3.into()), "{listed}");
    for (args, field) in [
        (vec!["--sentiment", "angry"], "sentiment"),
        (vec!["--watch", "星辰"], "watch"),
        (vec!["--channel", "钉钉"], "推送渠道（channel）"),
        (vec!["--since", "上辈子"], "since"),
        (vec!["--emotion", "rage"], "emotion"),
        (vec!["--aspect", "电池:bad"], "aspect"),
    ] {
        let mut all = vec!["saved", "add", "坏专题", "起火"];
        all.extend(args);
        let (ok, _, err) = cli(d, &all);
        assert!(!ok && err.contains(field), "{all:?}: {err}");
    }
    let (ok, _, err) = cli(d, &["saved", "add", "起火", "召回"]);
    assert!(!ok && err.contains("已有名为"), "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&cli(d, &["saved", "list", "--json"]).1)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

struct Saved {
    csrf: String,
    query: String,
}

/// The search page carries the form; posting it keeps the search, listed with its counts.
fn the_form_keeps_one(client: &Client, origin: &str) -> Saved {
    let (status, _, page) = client.get(&format!("{origin}/search?q=%E8%B5%B7%E7%81%AB&sentiment=negative&offset=0"));
    assert_eq!(status, 200);
    assert!(page.contains("保存为专题") && page.contains(r#"href="/saved""#), "no form or nav link");
    let saved = Saved { csrf: hidden(&page, "csrf"), query: hidden(&page, "query") };
    assert_eq!(saved.query, "q=%E8%B5%B7%E7%81%AB&sentiment=negative", "the page's paging is not kept");
    let form = [
        ("csrf", saved.csrf.as_str()),
        ("query", &saved.query),
        ("name", "电池专题"),
        ("channel", ""),
        ("every", "60"),
    ];
    let (status, location, _) = client.post_form(&format!("{origin}/saved"), &form);
    assert_eq!((status, location.as_str()), (303, "/saved"));
    let (status, _, page) = client.get(&format!("{origin}/saved"));
    assert_eq!(status, 200);
    assert!(page.contains("舆情专题") && page.contains("电池专题") && page.contains("新增（上次查看后）"), "{page}");
    assert!(page.contains("查询 起火 · 情感 负面"), "{page}");
    let all = client.listed(origin);
    let s = named(&all, "电池专题");
    assert_eq!((&s["total"], &s["new"]), (&3.into(), &3.into()), "never viewed: all new");
    assert_eq!(named(&all, "起火")["subscription"]["every_minutes"], 30, "the CLI's search is listed too");
    saved
}

/// A 400 in Chinese naming the field, and nothing kept; a form without the secret is a 403.
fn bad_input_is_refused(client: &Client, origin: &str, saved: &Saved) {
    let url = format!("{origin}/saved");
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("name", "  "), ("query", &saved.query)], "名称（name）不能为空"),
        (&[("name", "坏"), ("query", "q=x&sentiment=angry")], "sentiment"),
        (&[("name", "坏"), ("query", "q=x&since=%E4%B8%8A%E8%BE%88%E5%AD%90")], "since"),
        (&[("name", "坏"), ("query", "q=AND%20("), ("channel", "")], "q：无法理解搜索词"),
        (&[("name", "坏"), ("query", "q=x"), ("channel", "群机器人"), ("every", "0")], "推送间隔（every）"),
    ];
    for (fields, named_field) in cases {
        let mut all = vec![("csrf", saved.csrf.as_str())];
        all.extend_from_slice(fields);
        let (status, _, page) = client.post_form(&url, &all);
        assert_eq!(status, 400, "{fields:?}");
        assert!(page.contains(named_field) && page.contains("class=\"error\""), "{fields:?}: {page}");
    }
    let (status, _, _) = client.post_form(&url, &[("csrf", "0000"), ("name", "坏"), ("query", "q=x")]);
    assert_eq!(status, 403);
    let (status, _, _) = client.post_form(&url, &[("csrf", &saved.csrf), ("name", "电池专题"), ("query", "q=x")]);
    assert_eq!(status, 400, "a name is kept once");
    assert_eq!(client.listed(origin).len(), 2, "nothing bad was kept");
}

/// Opening it marks it viewed (new 0); mentions indexed afterwards — one published before the
/// viewing among them — are new.
fn viewing_and_new_mentions_move_the_count(client: &Client, origin: &str, d: &Path) {
    let (status, location, _) = client.get(&format!("{origin}/saved/open?name=%E7%94%B5%E6%B1%A0%E4%B8%93%E9%A2%98"));
    assert_eq!((status, location.as_str()), (303, "/search?q=%E8%B5%B7%E7%81%AB&sentiment=negative"));
    let s = client.listed(origin);
    assert_eq!((&named(&s, "电池专题")["total"], &named(&s, "电池专题")["new"]), (&3.into(), &0.into()));
    assert_eq!(named(&s, "起火")["new"], 3, "another search's view is its own");
    // While the dashboard serves: one mention of today and a late find published last week.
    let now = jiff::Timestamp::now().to_string();
    ingest(d, &format!("{}{}", mentions(3, 1, &now), mentions(4, 1, "2026-11-13 09:00")));
    let since = Instant::now();
    loop {
        let s = client.listed(origin);
        let (total, new) = (&named(&s, "电池专题")["total"], &named(&s, "电池专题")["new"]);
        if total == 5 {
            assert_eq!(new, 2, "{s:?}");
            break;
        }
        assert!(since.elapsed() < Duration::from_secs(10), "the new mentions never counted: {s:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, _, page) = client.get(&format!("{origin}/saved"));
    assert!(page.contains("<strong>2</strong>"), "the new count stands out: {page}");
}
