//! End-to-end tests of `yuqing ingest` and `yuqing search` on a realistic batch of mentions.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn yuqing(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yuqing")).current_dir(dir).args(args).env_remove("RUST_LOG").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const CONFIG: &str = r#"
[[watch]]
name = "华为"
aliases = ["HUAWEI", "华子"]
group = "phones"

[[watch]]
name = "小米"
excluded = ["小米粥"]
group = "phones"
"#;

/// Mentions in the shapes the crawler will hand over: reviews, posts, an answer; a repost that
/// is an exact copy; markup in the text; one line with a bad time.
const MENTIONS: &str = r#"{"id":"jd:1001","source":"jd","kind":"review","text":"华为手机电池不耐用，充电还发烫，差评","published_at":"2026-11-20 10:00","likes":12,"url":"https://item.jd.com/1001.html"}
{"id":"wb:2001","source":"weibo","text":"小米手机充电时起火了！要求召回 @小米公司","published_at":"2026-11-21T09:30:00+08:00","reposts":300}
{"id":"wb:2002","source":"weibo","text":"小米手机充电时起火了！要求召回 @小米公司","published_at":"2026-11-21T09:45:00+08:00"}
{"id":"zh:3001","source":"zhihu","kind":"answer","text":"早上喝了小米粥，配咸菜很舒服","published_at":"2026-11-19T08:00:00+08:00"}
{"id":"wb:2003","source":"weibo","text":"華為Mate新機拍照真不錯，華子牛","published_at":"2026-11-18T20:00:00+08:00","likes":88}
{"id":"tb:4001","source":"tieba","text":"<script>alert(1)</script>华为售后态度很差","published_at":"2026-11-22T12:00:00+08:00"}
{"id":"bad:1","source":"weibo","text":"时间不对","published_at":"很久以前"}
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("yuqing.toml"), CONFIG).unwrap();
    std::fs::write(dir.path().join("mentions.jsonl"), MENTIONS).unwrap();
    let out = yuqing(dir.path(), &["ingest", "mentions.jsonl"]);
    assert_eq!(out.status.code(), Some(1), "the bad line makes exit code 1");
    assert!(
        stdout(&out).contains(
            "7 read, 6 added (1 of them copies of an earlier text), 0 already indexed (same id), 1 bad lines"
        ),
        "{}",
        stdout(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("mentions.jsonl:7: time \"很久以前\" is not a known form"));
    dir
}

fn ids(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn reingesting_adds_nothing_and_search_filters_work() {
    let dir = setup();
    let d = dir.path();
    let again = yuqing(d, &["ingest", "mentions.jsonl"]);
    assert!(
        stdout(&again).contains("0 added (0 of them copies of an earlier text), 6 already indexed (same id)"),
        "{}",
        stdout(&again)
    );

    // Newest first by default; wb:2002, a copy of wb:2001's text by another post, is a mention too.
    assert_eq!(
        ids(&yuqing(d, &["search", "--format", "json"])),
        vec!["tb:4001", "wb:2002", "wb:2001", "jd:1001", "zh:3001", "wb:2003"]
    );
    // Watches: aliases across scripts; 小米粥 is not 小米.
    assert_eq!(
        ids(&yuqing(d, &["search", "--watch", "华为", "--format", "json"])),
        vec!["tb:4001", "jd:1001", "wb:2003"]
    );
    assert_eq!(ids(&yuqing(d, &["search", "--watch", "小米", "--format", "json"])), vec!["wb:2002", "wb:2001"]);
    // Sentiment, risk, source, kind and time filters.
    let neg = ids(&yuqing(d, &["search", "--sentiment", "negative", "--format", "json"]));
    assert!(
        neg.contains(&"jd:1001".to_string())
            && neg.contains(&"wb:2001".to_string())
            && !neg.contains(&"wb:2003".to_string()),
        "{neg:?}"
    );
    assert_eq!(
        ids(&yuqing(d, &["search", "--risk", "quality", "--source", "weibo", "--format", "json"])),
        vec!["wb:2002", "wb:2001"]
    );
    assert_eq!(ids(&yuqing(d, &["search", "--kind", "answer", "--format", "json"])), vec!["zh:3001"]);
    // Most engaged first (300 reposts, 88 likes, 12 likes), newest first among the rest.
    assert_eq!(
        ids(&yuqing(d, &["search", "--sort", "engagement", "--format", "json"])),
        vec!["wb:2001", "wb:2003", "jd:1001", "tb:4001", "wb:2002", "zh:3001"]
    );
    assert_eq!(
        ids(&yuqing(d, &["search", "--since", "2026-11-20", "--until", "2026-11-21 12:00", "--format", "json"])),
        vec!["wb:2002", "wb:2001", "jd:1001"]
    );
}

#[test]
fn queries_phrases_highlights_and_exports() {
    let dir = setup();
    let d = dir.path();
    // A traditional-script query finds simplified text and vice versa; both words must match.
    assert_eq!(ids(&yuqing(d, &["search", "電池 發燙", "--format", "json"])), vec!["jd:1001"]);
    assert_eq!(ids(&yuqing(d, &["search", "拍照 不错", "--format", "json"])), vec!["wb:2003"]);
    assert_eq!(ids(&yuqing(d, &["search", "\"充电 时 起火\"", "--format", "json"])), vec!["wb:2002", "wb:2001"]);
    assert!(ids(&yuqing(d, &["search", "\"起火 充电\"", "--format", "json"])).is_empty());
    let table = stdout(&yuqing(d, &["search", "起火"]));
    assert!(table.contains("2026-11-21 09:30") && table.contains("【起火】"), "{table}");
    // Markup in crawled text is escaped in the HTML snippet.
    let hit: serde_json::Value =
        serde_json::from_str(stdout(&yuqing(d, &["search", "售后", "--format", "json"])).trim()).unwrap();
    let html = hit["snippet_html"].as_str().unwrap();
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>") && html.contains("<b>售后</b>"), "{html}");
    // CSV for programs has a header and one row a hit, lists joined with |.
    let csv = stdout(&yuqing(d, &["search", "起火", "--format", "csv", "--csv-headers", "en"]));
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("published_at,source,kind,label,score,watches,risks"));
    for id in ["wb:2002", "wb:2001"] {
        let row = lines.next().unwrap();
        assert!(row.contains("quality|legal") && row.contains(id) && row.contains("+08:00"), "{row}");
    }
    assert!(lines.next().is_none());
    // For people (the default): a byte-order mark for Excel, Chinese headers and values, local times.
    let csv = stdout(&yuqing(d, &["search", "起火", "--format", "csv"]));
    assert!(csv.starts_with("\u{feff}发布时间,来源,类型,情感,情感分,品牌,风险"), "{csv}");
    let row = csv.lines().nth(1).unwrap();
    assert!(
        row.starts_with("2026-11-21 09:45:00,") && row.contains(",负面,") && row.contains("质量安全|法律监管"),
        "{row}"
    );
    // The table says how many match and which are shown; --offset pages, --all lists every one.
    let all = ids(&yuqing(d, &["search", "--format", "json", "--all", "--limit", "1"]));
    let page2 = ids(&yuqing(d, &["search", "--format", "json", "--limit", "2", "--offset", "2"]));
    assert_eq!(page2, all[2..4].to_vec());
    let table = stdout(&yuqing(d, &["search", "--limit", "2", "--offset", "2"]));
    assert!(table.ends_with(&format!("共 {} 条 · 第 3–4 条\n", all.len())), "{table}");
    // A watch that is not configured is an error naming it, not an empty result.
    let nope = yuqing(d, &["search", "起火", "--watch", "nope"]);
    assert_eq!(nope.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nope.stderr).contains("--watch: no watch named \"nope\""), "{nope:?}");
    // A malformed query is refused with a message naming it.
    let bad = yuqing(d, &["search", "AND AND ("]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad query \"AND AND (\""));
}

#[test]
fn search_without_an_index_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = yuqing(dir.path(), &["search", "华为"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index at yuqing-data/index: run `yuqing ingest`"));
}

#[test]
fn stats_match_the_fixture_counted_by_hand() {
    let dir = setup();
    let d = dir.path();
    // 华为 in the fixture: wb:2003 (11-18 20:00, praise), jd:1001 (11-20 10:00, complaint),
    // tb:4001 (11-22 12:00, complaint); 小米: wb:2001 (11-21 09:30) and wb:2002, a copy of its text.
    // An end date takes its whole day: the 18th to the 22nd inclusive.
    let out = yuqing(d, &["stats", "--watch", "华为", "--since", "2026-11-18", "--until", "2026-11-22", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["counts"]["total"], 3);
    assert_eq!(s["counts"]["positive"], 1);
    assert_eq!(s["counts"]["negative"], 2);
    assert!((s["net_sentiment"].as_f64().unwrap() - (1.0 - 2.0) / 3.0).abs() < 1e-9);
    let days: Vec<(String, u64, u64)> = s["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (b["start"].as_str().unwrap().to_string(), b["total"].as_u64().unwrap(), b["negative"].as_u64().unwrap())
        })
        .collect();
    let day = |d: &str, t, n| (format!("2026-11-{d}T00:00:00+08:00"), t, n);
    assert_eq!(days, vec![day("18", 1, 0), day("19", 0, 0), day("20", 1, 1), day("21", 0, 0), day("22", 1, 1)]);
    let shares: Vec<(String, u64)> = s["share_of_voice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["watch"].as_str().unwrap().to_string(), x["mentions"].as_u64().unwrap()))
        .collect();
    // 小米: wb:2001 and its copy wb:2002, each a mention.
    assert_eq!(shares, vec![("华为".to_string(), 3), ("小米".to_string(), 2)]);
    assert_eq!(s["share_of_voice"][0]["share"], 0.6);
    assert!(s["risks"].as_array().unwrap().iter().any(|r| r[0] == "service"), "{}", s["risks"]);
    // Top terms: counted once per mention over the three; the watch's own names are not terms.
    assert_eq!(s["terms_sampled"], 3);
    let terms: Vec<(&str, u64)> = s["top_terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["term"].as_str().unwrap(), t["mentions"].as_u64().unwrap()))
        .collect();
    for want in ["发烫", "售后", "拍照", "差评"] {
        assert!(terms.contains(&(want, 1)), "{want} in {terms:?}");
    }
    assert!(!terms.iter().any(|(t, _)| ["华为", "华子", "的"].contains(t)), "{terms:?}");

    // Hourly buckets follow local hours; the table names the period.
    let out = yuqing(
        d,
        &[
            "stats",
            "--watch",
            "华为",
            "--since",
            "2026-11-20 09:00",
            "--until",
            "2026-11-20 12:00",
            "--interval",
            "hour",
        ],
    );
    let table = stdout(&out);
    assert!(table.contains("mentions 1: positive 0, neutral 0, negative 1"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("2026-11-20 10:00") && l.split_whitespace().nth(2) == Some("1")),
        "{table}"
    );
    let bad = yuqing(d, &["stats", "--watch", "OPPO"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no watch named \"OPPO\" in the config; configured: 华为, 小米")
    );
}

#[test]
fn near_duplicates_collapse_in_search_but_count_in_stats() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("yuqing.toml"), CONFIG).unwrap();
    let campaign = "小米手机充电的时候突然起火了，整个床都烧黑了，售后到现在还没有给任何说法，大家千万小心";
    let first = format!(
        "{}\n{}\n{}\n",
        format_args!(r#"{{"id":"wb:1","source":"weibo","text":"{campaign}","published_at":"2026-11-21 09:00"}}"#),
        format_args!(
            r#"{{"id":"wb:2","source":"weibo","text":"//@数码博主: {campaign}[怒]","published_at":"2026-11-21 09:05"}}"#
        ),
        r#"{"id":"wb:3","source":"weibo","text":"小米的新平板屏幕显示效果很好，续航也不错，就是价格有点贵，等双十一降价再入手吧","published_at":"2026-11-21 09:10"}"#,
    );
    std::fs::write(d.join("a.jsonl"), first).unwrap();
    assert!(yuqing(d, &["ingest", "a.jsonl"]).status.success());
    // A later batch, after the writer was closed: the edited copy still joins the cluster.
    let edited = campaign.replace("千万", "千万千万");
    std::fs::write(
        d.join("b.jsonl"),
        format!(r#"{{"id":"wb:4","source":"weibo","text":"{edited}","published_at":"2026-11-21 09:20"}}"#) + "\n",
    )
    .unwrap();
    assert!(stdout(&yuqing(d, &["ingest", "b.jsonl"])).contains("1 added"));

    let all = ids(&yuqing(d, &["search", "--watch", "小米", "--format", "json"]));
    assert_eq!(all, vec!["wb:4", "wb:3", "wb:2", "wb:1"]);
    let collapsed = ids(&yuqing(d, &["search", "--watch", "小米", "--collapse", "--format", "json"]));
    assert_eq!(collapsed, vec!["wb:4", "wb:3"]);
    let out = yuqing(d, &["stats", "--watch", "小米", "--since", "2026-11-21", "--until", "2026-11-21", "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["counts"]["total"], 4, "volume keeps every member of a cluster");
}

/// Ten days of a brand's ordinary mentions, then an hour in which a battery-fire story breaks.
fn history_with_a_crisis() -> String {
    let praise = ["拍照清晰", "续航给力", "系统流畅", "外观漂亮", "信号稳定", "做工扎实"];
    let gripes = ["价格偏贵", "发货有点慢", "包装简陋"];
    let models = ["Mate 60", "P70", "nova 12", "Pura 70", "畅享 70", "Mate X5", "nova 11", "P60"];
    let mut lines = String::new();
    let start: jiff::Timestamp = "2026-11-01T00:00:00+08:00".parse().unwrap();
    let mut n = 0;
    for hour in 0..240i64 {
        let at = start + jiff::SignedDuration::from_hours(hour);
        for k in 0..(3 + hour % 3) {
            n += 1;
            let text = if k == 0 && hour % 2 == 0 {
                format!("华为{}{}，第{n}单", models[n % 8], gripes[n % 3])
            } else {
                format!("华为{}{}，很满意，第{n}单", models[n % 8], praise[n % 6])
            };
            lines.push_str(&format!(
                "{{\"id\":\"h:{n}\",\"source\":\"weibo\",\"text\":\"{text}\",\"published_at\":\"{at}\"}}\n"
            ));
        }
    }
    let crisis = start + jiff::SignedDuration::from_hours(240);
    for k in 0..30 {
        n += 1;
        let text = format!("华为{}充电时起火爆炸了，太吓人，要求召回！网友{k}", models[k % 8]);
        lines.push_str(&format!(
            "{{\"id\":\"h:{n}\",\"source\":\"weibo\",\"text\":\"{text}\",\"published_at\":\"{crisis}\",\"likes\":{},\"url\":\"https://weibo.com/{n}\"}}\n",
            k * 10
        ));
    }
    lines
}

#[test]
fn backtest_finds_the_crisis_hour_and_the_terms_that_rose() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("yuqing.toml"), CONFIG).unwrap();
    std::fs::write(d.join("history.jsonl"), history_with_a_crisis()).unwrap();
    let out = yuqing(d, &["ingest", "history.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = yuqing(
        d,
        &[
            "backtest",
            "--watch",
            "华为",
            "--since",
            "2026-11-04",
            "--until",
            "2026-11-12",
            "--history-days",
            "3",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (incidents, alerts): (Vec<serde_json::Value>, Vec<serde_json::Value>) = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .partition(|v| v.get("incident").is_some());
    assert_eq!(alerts.len(), 1, "{}", stdout(&out));
    // The incident it opens ends once the twelve hours after the crisis hour have been quiet.
    assert_eq!(incidents.len(), 1, "{}", stdout(&out));
    let i = &incidents[0]["incident"];
    assert_eq!(
        (&i["phase"], &i["ended_at"], &i["alerts"]),
        (&"ended".into(), &"2026-11-11T05:00:00Z".into(), &1.into()),
        "{i}"
    );
    let a = &alerts[0];
    assert_eq!(a["start"], "2026-11-10T16:00:00Z", "the crisis hour, 11-11 00:00 in Shanghai");
    assert!(a["observed"].as_u64().unwrap() >= 25, "{a}");
    assert_eq!(a["severity"], "critical");
    let terms: Vec<&str> = a["rising_terms"].as_array().unwrap().iter().map(|t| t["term"].as_str().unwrap()).collect();
    for want in ["起火", "召回"] {
        assert!(terms.contains(&want), "{want} in {terms:?}");
    }
    // The evidence: risk categories of the hour and its most engaged negative post, with its link.
    let risks: Vec<&str> = a["risks"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
    assert!(risks.contains(&"quality") && risks.contains(&"legal"), "{risks:?}");
    let top = &a["top_posts"][0];
    assert_eq!(top["engagement"], 290, "{top}");
    assert!(
        top["url"].as_str().unwrap().starts_with("https://weibo.com/")
            && top["text"].as_str().unwrap().contains("网友29")
    );
    // The table says the same in words.
    let out = yuqing(d, &["backtest", "--watch", "华为", "--since", "2026-11-04", "--until", "2026-11-12"]);
    let table = stdout(&out);
    assert!(table.contains("华为: 1 alerts") && table.contains("2026-11-11 00:00  CRITICAL"), "{table}");
    assert!(
        table.contains("1 incident(s)")
            && table.contains("#1  started 2026-11-11 00:00")
            && table.contains("ended 2026-11-11 13:00"),
        "{table}"
    );

    the_backtest_sends_what_it_found(d);
}

/// `--send` carries the alert through the configured channels (a webhook on 127.0.0.1 here).
fn the_backtest_sends_what_it_found(d: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = got.clone();
    let hook = axum::routing::post(move |axum::Json(v): axum::Json<serde_json::Value>| async move {
        sink.lock().unwrap().push(v);
        "ok"
    });
    let origin = runtime.block_on(common::serve(axum::Router::new().route("/hook", hook)));
    std::fs::write(d.join("yuqing.toml"), format!("{CONFIG}\n[[channel]]\nkind = \"webhook\"\nurl_env = \"T_HOOK\"\n"))
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .current_dir(d)
        .args(["backtest", "--watch", "华为", "--since", "2026-11-04", "--until", "2026-11-12", "--send"])
        .env("T_HOOK", format!("{origin}/hook"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["alert"]["start"], "2026-11-10T16:00:00Z");
    let markdown = got[0]["markdown"].as_str().unwrap();
    assert!(
        markdown.contains("起火") && markdown.contains("质量安全") && markdown.contains("(https://weibo.com/"),
        "{markdown}"
    );
}

#[test]
fn digest_writes_html_markdown_and_json_for_a_week() {
    let dir = setup();
    let d = dir.path();
    let out = yuqing(d, &["digest", "--watch", "华为", "--week", "2026-W47", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let digest: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    // 华为 in W47: jd:1001 (11-20), wb:2003 (11-18), tb:4001 (11-22); share against 小米's wb:2001
    // and its copy wb:2002.
    assert_eq!(digest["counts"]["total"], 3);
    assert_eq!(digest["days"].as_array().unwrap().len(), 7);
    assert_eq!(digest["share_of_voice"][0]["mentions"], 3);
    assert_eq!(digest["share_of_voice"][1]["mentions"], 2);
    let out = yuqing(d, &["digest", "--watch", "华为", "--week", "2026-W47", "-o", "w47.html"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(d.join("w47.html")).unwrap();
    assert!(page.contains("华为 舆情周报 2026-W47") && page.contains("&lt;script&gt;") && !page.contains("<script>"));
    let md = stdout(&yuqing(d, &["digest", "--watch", "华为", "--week", "2026-W47", "--format", "md"]));
    assert!(md.starts_with("### 华为 舆情周报 2026-W47"), "{md}");
    let bad = yuqing(d, &["digest", "--watch", "华为", "--week", "47"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--week: week \"47\": expected YYYY-Www"));
    // 日报 of 11-18 (wb:2003) by the hour, 月报 of November, and the current week so far.
    let day = yuqing(d, &["digest", "--watch", "华为", "--day", "2026-11-18", "--format", "json"]);
    let day: serde_json::Value = serde_json::from_str(&stdout(&day)).unwrap();
    assert_eq!((day["counts"]["total"].as_u64(), day["days"].as_array().unwrap().len()), (Some(1), 24));
    assert_eq!(day["title"], "华为 舆情日报 2026-11-18");
    let month = yuqing(d, &["digest", "--watch", "华为", "--month", "2026-11", "--format", "json"]);
    let month: serde_json::Value = serde_json::from_str(&stdout(&month)).unwrap();
    assert_eq!(month["title"], "华为 舆情月报 2026-11");
    let so_far = yuqing(d, &["digest", "--watch", "华为", "--period", "week", "--to-date", "--format", "md"]);
    assert!(so_far.status.success() && stdout(&so_far).contains("截至"), "{}", stdout(&so_far));
    let bad = yuqing(d, &["digest", "--watch", "华为", "--month", "2026-13"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--month: month \"2026-13\""), "{bad:?}");
}

/// A watch's `aspects` are its group's: mentions of a tea brand, or of the other brand in its
/// group, are read for 小料 and 甜度; a phone brand's mention of the same words is not.
#[test]
fn a_watch_groups_own_aspects_are_read_for_that_group_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = r#"
[[watch]]
name = "茶屿"
group = "tea"
aspects = { "小料" = ["珍珠", "椰果"], "甜度" = ["甜度"] }

[[watch]]
name = "云帆"
group = "tea"

[[watch]]
name = "极光"
group = "phones"
"#;
    std::fs::write(d.join("yuqing.toml"), config).unwrap();
    let lines = [
        ("t1", "茶屿的珍珠太硬了，嚼不动，很失望"),
        ("t2", "云帆奶茶甜度刚好，椰果很好吃，满意"),
        ("p1", "极光手机壳上的珍珠掉了，质量太差"),
        ("n1", "今天天气不错，珍珠奶茶真好喝"),
    ];
    let jsonl: String = lines
        .iter()
        .map(|(id, text)| {
            format!("{}\n", serde_json::json!({"id": id, "text": text, "published_at": "2026-11-20 10:00"}))
        })
        .collect();
    std::fs::write(d.join("m.jsonl"), jsonl).unwrap();
    let out = yuqing(d, &["ingest", "m.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hits: Vec<serde_json::Value> = stdout(&yuqing(d, &["search", "--all", "--format", "json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let aspects = |id: &str| -> Vec<String> {
        let hit = hits.iter().find(|h| h["id"] == id).unwrap_or_else(|| panic!("{id} not found"));
        let mut names: Vec<String> = hit["aspects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("{}:{}", a[0].as_str().unwrap(), a[1].as_str().unwrap()))
            .collect();
        names.sort();
        names
    };
    assert_eq!(aspects("t1"), ["小料:negative"]);
    // The shared list still reads 好吃 as 味道.
    assert_eq!(aspects("t2"), ["味道:positive", "小料:positive", "甜度:positive"]);
    assert!(!aspects("p1").iter().any(|a| a.starts_with("小料")), "{:?}", aspects("p1"));
    assert_eq!(aspects("n1"), ["味道:positive"], "a mention of no watch reads the shared list alone");
    // The group's aspects are filters like the shared ones.
    let found = stdout(&yuqing(d, &["search", "--aspect", "小料:negative", "--format", "json"]));
    assert_eq!(found.lines().count(), 1, "{found}");
    // A bad aspects table names the watch and the aspect.
    std::fs::write(d.join("yuqing.toml"), "[[watch]]\nname = \"茶屿\"\naspects = { \"小料\" = [] }\n").unwrap();
    let out = yuqing(d, &["search", "珍珠"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("茶屿") && err.contains("小料"), "{err}");
}
