//! Nothing lost, nothing rewritten, end to end through the binary:
//! - a copy-paste storm (50 accounts posting one text) is 50 mentions in search, stats, the
//!   digest and the backtest, whose spike alert fires on the storm alone; `--collapse` shows one
//!   result with the size of its group;
//! - a text with full-width punctuation, capitals, traditional characters, emoji and an entity
//!   comes back exactly as written (entities decoded, ends trimmed) in search (table, JSON, CSV),
//!   the API, the dashboard, alerts and digests, with the match highlighted in the written form.

use std::process::Output;

mod common;
use common::bin::{Serving, command, yuqing};

use serde_json::Value;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const CONFIG: &str = r#"
[[watch]]
name = "青禾"

[[watch]]
name = "华为"
aliases = ["HUAWEI"]
"#;

/// The storm's one text, as 50 accounts posted it.
const STORM: &str = "青禾手机充电时起火了，要求召回！";
/// The hour it broke (local).
const STORM_HOUR: &str = "2026-11-11T00:00:00+08:00";

/// The text as a forum wrote it: traditional characters, full-width punctuation, capitals, an
/// emoji and an emoticon, an entity, spaces at the ends.
const WRITTEN_RAW: &str = "  華為X5充電時起火了！！太可怕😱 [怒] &amp; 客服不理  ";
const WRITTEN: &str = "華為X5充電時起火了！！太可怕😱 [怒] & 客服不理";
const WRITTEN_TITLE: &str = "【曝光】HUAWEI X5 起火";

/// Ten days of a small brand's ordinary mentions (two an hour, distinct texts), the storm, and the
/// mention as written.
fn mentions() -> String {
    let start: jiff::Timestamp = "2026-11-01T00:00:00+08:00".parse().unwrap();
    let mut lines = String::new();
    let mut line = |v: Value| lines.push_str(&format!("{v}\n"));
    for hour in 0..240i64 {
        for k in 0..2 {
            let at = start + jiff::SignedDuration::from_hours(hour) + jiff::SignedDuration::from_mins(10 * k);
            let text = if (hour + k) % 5 == 0 {
                format!("青禾手机发货有点慢，第{hour}-{k}单")
            } else {
                format!("青禾手机拍照清晰，续航给力，很满意，第{hour}-{k}单")
            };
            line(
                serde_json::json!({"id": format!("h:{hour}:{k}"), "source": "weibo", "text": text, "published_at": at.to_string()}),
            );
        }
    }
    let storm: jiff::Timestamp = STORM_HOUR.parse().unwrap();
    for k in 0..50i64 {
        line(serde_json::json!({
            "id": format!("wb:storm{k}"), "source": "weibo", "author": format!("用户{k}"), "text": STORM,
            "url": format!("https://weibo.com/storm/{k}"), "likes": k, "reposts": 50 - k,
            "published_at": (storm + jiff::SignedDuration::from_secs(60 * k)).to_string()
        }));
    }
    line(serde_json::json!({
        "id": "tb:written", "source": "tieba", "title": WRITTEN_TITLE, "text": WRITTEN_RAW, "author": "網友",
        "url": "https://tieba.baidu.com/p/1", "likes": 500, "published_at": "2026-11-11 00:30"
    }));
    lines
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("yuqing.toml"), CONFIG).unwrap();
    std::fs::write(dir.path().join("m.jsonl"), mentions()).unwrap();
    let out = yuqing(dir.path(), &["ingest", "m.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("531 read, 531 added (49 of them copies of an earlier text)"), "{}", stdout(&out));
    dir
}

#[test]
fn a_copy_paste_storm_counts_every_copy_and_alerts() {
    let dir = setup();
    let d = dir.path();
    // Search: 50 mentions, each with its own account, link and engagement; collapsed, one with its group.
    let all = json_lines(&yuqing(d, &["search", "起火", "--watch", "青禾", "--limit", "100", "--format", "json"]));
    assert_eq!(all.len(), 50);
    let accounts: std::collections::HashSet<&str> = all.iter().map(|h| h["author"].as_str().unwrap()).collect();
    assert_eq!(accounts.len(), 50);
    assert!(
        all.iter().all(|h| h["text"] == STORM && h["url"].as_str().unwrap().starts_with("https://weibo.com/storm/"))
    );
    let collapsed = json_lines(&yuqing(d, &["search", "起火", "--watch", "青禾", "--collapse", "--format", "json"]));
    assert_eq!(collapsed.len(), 1);
    assert_eq!((&collapsed[0]["group"]["mentions"], &collapsed[0]["group"]["identical"]), (&50.into(), &50.into()));
    let table = stdout(&yuqing(d, &["search", "起火", "--watch", "青禾", "--collapse"]));
    assert!(table.contains("(+49 条相同)"), "{table}");

    // Stats: the storm's hour holds its 50 negative mentions.
    let out = yuqing(
        d,
        &[
            "stats",
            "--watch",
            "青禾",
            "--since",
            "2026-11-11",
            "--until",
            "2026-11-11 02:00",
            "--interval",
            "hour",
            "--json",
        ],
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["buckets"][0]["negative"], 50, "{}", s["buckets"]);
    assert_eq!(s["counts"]["total"], 50, "the ordinary mentions end the hour before");

    // The backtest's alert fires on the storm alone, in its hour, with the post as written.
    let out = yuqing(d, &["backtest", "--watch", "青禾", "--since", "2026-11-10", "--until", "2026-11-12", "--json"]);
    // (After the alerts come the incidents they would have opened.)
    let alerts: Vec<Value> = json_lines(&out).into_iter().filter(|v| v.get("incident").is_none()).collect();
    assert_eq!(alerts.len(), 1, "{}", stdout(&out));
    let a = &alerts[0];
    assert_eq!(a["start"], "2026-11-10T16:00:00Z");
    assert!(a["observed"].as_u64().unwrap() >= 50 && a["severity"] == "critical", "{a}");
    assert_eq!(a["top_posts"][0]["text"], STORM, "quoted as written: {a}");

    // The digest of the storm's day counts every copy.
    let out =
        yuqing(d, &["digest", "--watch", "青禾", "--since", "2026-11-11", "--until", "2026-11-12", "--format", "json"]);
    let digest: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((&digest["counts"]["negative"], &digest["counts"]["total"]), (&50.into(), &50.into()));
    assert_eq!(digest["top_negative"][0]["text"], STORM);
}

#[test]
fn what_users_read_is_what_was_written() {
    let dir = setup();
    let d = dir.path();
    // Search finds it by its simplified, lower-case, half-width form, and shows it as written.
    let hits = json_lines(&yuqing(d, &["search", "充电 huawei", "--format", "json"]));
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!((h["text"].as_str().unwrap(), h["title"].as_str().unwrap()), (WRITTEN, WRITTEN_TITLE));
    assert!(h["snippet"].as_str().unwrap().contains("【充電】時起火了！！"), "{h}");
    assert!(h["snippet_html"].as_str().unwrap().contains("<b>充電</b>時起火了！！太可怕😱 [怒] &amp; 客服不理"), "{h}");
    let table = stdout(&yuqing(d, &["search", "充电 huawei"]));
    assert!(table.contains("華為X5【充電】時起火了！！太可怕😱"), "{table}");
    let csv = stdout(&yuqing(d, &["search", "充电 huawei", "--format", "csv"]));
    assert!(csv.contains(WRITTEN) && csv.contains(WRITTEN_TITLE), "{csv}");
    // The digest quotes it as written.
    let out =
        yuqing(d, &["digest", "--watch", "华为", "--since", "2026-11-11", "--until", "2026-11-12", "--format", "json"]);
    let digest: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(digest["top_negative"][0]["text"], WRITTEN_TITLE);

    // The API and the dashboard say the same.
    let server = Serving::start(command(d, &["serve", "--addr", "127.0.0.1:0"]));
    let origin = &server.origin;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let get = |url: String| runtime.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() });
    let api: Value = serde_json::from_str(&get(format!("{origin}/api/search?q=充电+huawei"))).unwrap();
    let first = &api["hits"][0];
    assert_eq!((first["text"].as_str().unwrap(), first["title"].as_str().unwrap()), (WRITTEN, WRITTEN_TITLE));
    let page = get(format!("{origin}/search?q=充电+huawei"));
    assert!(
        page.contains(WRITTEN_TITLE) && page.contains("<b>充電</b>時起火了！！太可怕😱 [怒] &amp; 客服不理"),
        "{page}"
    );
}
