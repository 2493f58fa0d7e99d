//! `yuqing serve`'s JSON API and its guard: search (JSON and CSV export), stats, alerts and
//! digest over the demo's data; a bad query is a 400 naming it; listening beyond this machine
//! needs a token, and then every request needs it.

use std::path::Path;
mod common;
use common::bin::{Serving, command, yuqing};

use serde_json::{Value, json};

/// `yuqing serve` of the demo's config on `addr`, with `token` in the environment or none.
fn serve(dir: &Path, addr: &str, token: Option<&str>) -> Serving {
    let mut cmd = command(dir, &["--config", "demo/yuqing.toml", "serve", "--addr", addr]);
    match token {
        Some(t) => cmd.env("YUQING_TOKEN", t),
        None => cmd.env_remove("YUQING_TOKEN"),
    };
    Serving::start(cmd)
}

#[test]
fn the_api_answers_and_the_token_guards_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert!(yuqing(d, &["demo", "--dir", "demo"]).status.success());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let get = |url: String| -> (u16, String, String) {
        runtime.block_on(async {
            let r = reqwest::get(&url).await.unwrap();
            let status = r.status().as_u16();
            let kind = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (status, kind, r.text().await.unwrap())
        })
    };
    let server = serve(d, "127.0.0.1:0", None);
    the_api_answers(&server.origin, &get);
    runtime.block_on(the_word_documents_download(&server.origin));
    drop(server);
    the_token_guards_it(d, &runtime, &get);
}

/// A GET: status, content type, body.
type Get<'a> = dyn Fn(String) -> (u16, String, String) + 'a;

/// Search (JSON, CSV), bad queries, stats, alerts and digests of the demo's data.
fn the_api_answers(origin: &str, get: &Get) {
    let (status, _, body) = get(format!("{origin}/api/search?q=起火&watch=极光&collapse=1&sort=engagement&limit=5"));
    assert_eq!(status, 200);
    let results: Value = serde_json::from_str(&body).unwrap();
    let hits = results["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 5);
    assert!(
        results["total"].as_u64().unwrap() > 100,
        "the total counts every match, not the page: {}",
        results["total"]
    );
    let engagement: Vec<u64> = hits
        .iter()
        .map(|h| h["likes"].as_u64().unwrap() + h["reposts"].as_u64().unwrap() + h["replies"].as_u64().unwrap())
        .collect();
    assert!(engagement.windows(2).all(|w| w[0] >= w[1]), "{engagement:?}");
    // Pages: the second starts where the first ended.
    let page = |offset: usize| -> Value {
        serde_json::from_str(&get(format!("{origin}/api/search?q=召回&watch=极光&limit=20&offset={offset}")).2).unwrap()
    };
    let (first, second) = (page(0), page(20));
    let total = first["total"].as_u64().unwrap();
    assert!(total > 40, "{total}");
    let last_of_first = first["hits"][19]["id"].clone();
    assert_eq!(second["offset"], 20);
    assert!(second["hits"].as_array().unwrap().iter().all(|h| h["id"] != last_of_first));
    // The export is every match (the page size ignored), for Excel: a BOM and Chinese headers.
    let (status, kind, csv) = get(format!("{origin}/api/search.csv?q=召回&watch=极光&limit=3"));
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(csv.starts_with("\u{feff}发布时间,来源,类型,情感"), "{}", &csv[..200.min(csv.len())]);
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count() as u64;
    assert_eq!(rows, total, "one row per match");
    let (_, _, csv) = get(format!("{origin}/api/search.csv?q=召回&watch=极光&headers=en"));
    assert!(csv.starts_with("published_at,source,kind,label"));
    // A bad filter value is a 400 naming the parameter and what it may be, in Chinese, never an
    // empty 200.
    for (query, named) in [
        ("sentiment=bad", "sentiment：没有 \\\"bad\\\" 这一项，可选 positive（正面）"),
        ("watch=nope", "watch：没有名为 \\\"nope\\\" 的监测对象，已配置：极光"),
        ("kind=reviews", "kind：没有 \\\"reviews\\\" 这一项，可选 review（"),
        ("offset=x", "offset：\\\"x\\\" 不是 0 到"),
        ("emotion=rage", "emotion：没有 \\\"rage\\\" 这一项，可选 anger（愤怒）"),
        ("aspect=电池:bad", "aspect：\\\"电池:bad\\\" 不是方面"),
    ] {
        let (status, _, body) = get(format!("{origin}/api/search?q=召回&{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.contains(named), "{query}: {body}");
    }

    let (status, _, body) = get(format!("{origin}/api/search?q=AND%20("));
    assert_eq!(status, 400);
    assert!(body.contains("q：无法理解搜索词"), "{body}");
    let (status, _, body) = get(format!("{origin}/api/search?since=yesterday-ish"));
    assert_eq!(status, 400);
    assert!(body.contains("since：无法识别的时间 \\\"yesterday-ish\\\""), "{body}");
    // The pages say the same on the page.
    let (status, kind, page) = get(format!("{origin}/trends?watch=极光&days=0"));
    assert_eq!((status, kind.as_str()), (400, "text/html; charset=utf-8"));
    assert!(page.contains("days：&quot;0&quot; 不是 1 到 3650 之间的整数"), "{page}");

    let (status, _, body) = get(format!("{origin}/api/stats?watch=极光&days=7&interval=day"));
    assert_eq!(status, 200);
    let stats: Value = serde_json::from_str(&body).unwrap();
    assert!(stats["counts"]["negative"].as_u64().unwrap() > 300, "the crisis week");
    assert_eq!(stats["share_of_voice"].as_array().unwrap().len(), 3);
    let (status, _, body) = get(format!("{origin}/api/stats?watch=华为"));
    assert_eq!(status, 400);
    assert!(body.contains("没有名为 \\\"华为\\\" 的监测对象"), "{body}");

    let (status, _, body) = get(format!("{origin}/api/alerts"));
    assert_eq!(status, 200);
    let alerts: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(alerts[0]["alert"]["watch"], "极光");

    the_digests_answer(origin, get);
    the_time_ranges_answer(origin, get);
    the_trend_drills_down(origin, get);
    let (status, _, _) = get(format!("{origin}/digests/..%2Fyuqing.toml"));
    assert_eq!(status, 404, "only digest files are served");
}

/// A week, a day so far and a month by name; a bad period is a 400 naming it.
fn the_digests_answer(origin: &str, get: &Get) {
    let (status, _, body) = get(format!("{origin}/api/digest?watch=星河&week=2026-W40"));
    assert_eq!(status, 200);
    let digest: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(digest["period"]["label"], "2026-W40");
    // 日报 so far, 月报 by name, and a bad period named in the 400.
    let (status, _, body) = get(format!("{origin}/api/digest?watch=星河&period=day&to_date=1"));
    assert_eq!(status, 200, "{body}");
    let digest: Value = serde_json::from_str(&body).unwrap();
    assert!(digest["title"].as_str().unwrap().starts_with("星河 舆情日报") && digest["period"]["to_date"] == true);
    let (status, _, body) = get(format!("{origin}/api/digest?watch=星河&month=2026-11"));
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).unwrap()["period"]["label"].clone()),
        (200, json!("2026-11"))
    );
    let (status, _, body) = get(format!("{origin}/api/digest?watch=星河&period=quarter"));
    assert!(status == 400 && body.contains("period"), "{status} {body}");
}

/// A GET's status, content type, content disposition and bytes.
async fn fetch(url: &str) -> (u16, String, String, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    let header = |name: &str| r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let (status, kind, disposition) = (r.status().as_u16(), header("content-type"), header("content-disposition"));
    (status, kind, disposition, r.bytes().await.unwrap().to_vec())
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The 报告 page's Word download (and the API's), named for the watch and period; the demo's
/// written digest listed and served with its Word document beside it.
async fn the_word_documents_download(origin: &str) {
    for path in ["/digest", "/api/digest"] {
        let (status, kind, disposition, bytes) =
            fetch(&format!("{origin}{path}?watch=星河&week=2026-W40&format=docx")).await;
        assert_eq!((status, kind.as_str()), (200, DOCX), "{path}");
        assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
        assert!(disposition.ends_with("filename*=UTF-8''%E6%98%9F%E6%B2%B3-2026-W40.docx"), "{disposition}");
        let xml = common::docx::part(&bytes, "word/document.xml");
        assert!(xml.contains("星河 舆情周报 2026-W40") && xml.contains("热门负面"), "{path}");
        assert_eq!(common::docx::images(&bytes).len(), 1, "{path}: the chart");
    }
    let (status, kind, _, body) = fetch(&format!("{origin}/api/digest?watch=星河&format=pdf")).await;
    assert_eq!((status, kind.as_str()), (400, "application/json"));
    assert!(String::from_utf8_lossy(&body).contains("format：\\\"pdf\\\" 应为 json 或 docx"), "{body:?}");
    // The demo's digest (written by the daemon) is listed with its Word document, which downloads.
    let (_, _, _, list) = fetch(&format!("{origin}/digests")).await;
    let list = String::from_utf8(list).unwrap();
    let word = regex::Regex::new("<a class=\"word\" href=\"/digests/([^\"]+\\.docx)\">Word</a>").unwrap();
    let file = &word.captures(&list).unwrap_or_else(|| panic!("no Word link on the 报告 page: {list}"))[1];
    let (status, kind, disposition, bytes) = fetch(&format!("{origin}/digests/{file}")).await;
    assert_eq!((status, kind.as_str()), (200, DOCX));
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(common::docx::part(&bytes, "word/document.xml").contains("要点"));
}

/// Off this machine: refused without a token; with one, every request needs it.
fn the_token_guards_it(d: &Path, runtime: &tokio::runtime::Runtime, get: &Get) {
    let out = command(d, &["--config", "demo/yuqing.toml", "serve", "--addr", "0.0.0.0:0"])
        .env_remove("YUQING_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a token"), "{}", String::from_utf8_lossy(&out.stderr));
    // A token of one space, or a short one, is no token.
    for weak in [" ", "s3cret"] {
        let out = command(d, &["--config", "demo/yuqing.toml", "serve", "--addr", "0.0.0.0:0"])
            .env("YUQING_TOKEN", weak)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{weak:?}");
    }
    const TOKEN: &str = "0a1b2c3d4e5f6a7b8c9d";
    let server = serve(d, "0.0.0.0:0", Some(TOKEN));
    let origin = server.origin.clone();
    let port = origin.rsplit(':').next().unwrap();
    let local = format!("http://127.0.0.1:{port}");
    let (status, kind, body) = get(format!("{local}/api/alerts"));
    assert_eq!((status, kind.as_str()), (401, "application/json"));
    assert!(body.contains("需要访问令牌") && body.contains("Authorization: Bearer"), "{body}");
    assert_eq!(get(format!("{local}/api/alerts?token=wrong")).0, 401);
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let denied = runtime.block_on(async {
        plain.get(format!("{local}/search")).header("accept", "text/html,*/*").send().await.unwrap()
    });
    assert!(denied.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    // A browser gets a page in Chinese saying how to open the dashboard.
    assert_eq!(denied.status().as_u16(), 401);
    let page = runtime.block_on(denied.text()).unwrap();
    assert!(
        page.contains("<html lang=\"zh-CN\"") && page.contains("需要访问令牌") && page.contains("?token=令牌"),
        "{page}"
    );
    // ?token= once: a cookie, and the same page again without the token in its address.
    let once = runtime.block_on(async {
        plain.get(format!("{local}/search?q=%E8%B5%B7%E7%81%AB&token={TOKEN}&watch=x")).send().await.unwrap()
    });
    assert_eq!(once.status().as_u16(), 303);
    let location = once.headers()["location"].to_str().unwrap();
    assert!(!location.contains("token") && location.starts_with("/search?q="), "{location}");
    assert!(once.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (status, body) = runtime.block_on(async {
        let r = browser.get(format!("{local}/api/alerts?token={TOKEN}")).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    let bearer = runtime.block_on(async {
        reqwest::Client::new().get(format!("{local}/search")).bearer_auth(TOKEN).send().await.unwrap()
    });
    assert_eq!(bearer.status().as_u16(), 200);
    assert!(bearer.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
}

/// Quick ranges keep the other filters; an end date picked takes its whole day.
fn the_time_ranges_answer(origin: &str, get: &Get) {
    let (status, _, page) = get(format!("{origin}/search?q=召回&sentiment=negative&since=7天前"));
    assert_eq!(status, 200);
    assert!(page.contains(r#"class="on">近 7 天"#), "the range in force is marked");
    assert!(page.contains(
        "href=\"/search?q=%E5%8F%AC%E5%9B%9E&amp;sentiment=negative&amp;since=24%E5%B0%8F%E6%97%B6%E5%89%8D\""
    ));
    let (_, _, page) = get(format!("{origin}/trends?watch=极光&days=3"));
    assert!(
        page.contains(r#"type="date" name="since""#) && !page.contains(r#"class="on">近"#),
        "3 days is no quick range"
    );
    let total = |query: String| -> u64 {
        let (status, _, body) = get(format!("{origin}/api/search?watch=极光&limit=1&{query}"));
        assert_eq!(status, 200, "{query}: {body}");
        serde_json::from_str::<Value>(&body).unwrap()["total"].as_u64().unwrap()
    };
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let yesterday = jiff::Timestamp::now().to_zoned(zone).date().yesterday().unwrap();
    let today = yesterday.tomorrow().unwrap();
    let whole_day = total(format!("since={yesterday}&until={yesterday}"));
    assert!(whole_day > 0, "the demo has mentions yesterday");
    assert_eq!(whole_day, total(format!("since={yesterday}&until={today}%2000:00")));
}

/// Every count of the trend page links to the posts it counts: following a source's, a risk's or
/// a watch's share link finds exactly that many; a top term's finds at least its count (counted
/// over the newest 500). The chart draws the net-sentiment line and marks the incident's start.
fn the_trend_drills_down(origin: &str, get: &Get) {
    let (status, _, page) = get(format!("{origin}/trends?watch=极光&days=7"));
    assert_eq!(status, 200);
    assert!(page.contains(r#"data-series="net""#) && page.contains(">净情感<"), "the net-sentiment line");
    assert!(page.contains(">#1 开始<"), "the incident's start is marked");
    let html = scraper::Html::parse_document(&page);
    let links = |selector: &str| -> Vec<(String, u64)> {
        let sel = scraper::Selector::parse(selector).unwrap();
        html.select(&sel)
            .map(|a| {
                let n = a.text().collect::<String>();
                let n = n.rsplit(' ').next().unwrap().trim().parse::<u64>().unwrap_or_else(|_| panic!("{n}"));
                (a.value().attr("href").unwrap().to_string(), n)
            })
            .collect()
    };
    let found = |href: &str| -> u64 {
        let (status, _, body) = get(format!("{origin}{}&limit=1", href.replacen("/search?", "/api/search?", 1)));
        assert_eq!(status, 200, "{href}: {body}");
        serde_json::from_str::<Value>(&body).unwrap()["total"].as_u64().unwrap()
    };
    let sources = links("table.sources a");
    assert!(sources.len() >= 6, "3 sources, mentions and negative each: {sources:?}");
    let risks = links("section.risks table a");
    assert!(risks.iter().any(|(h, _)| h.contains("risk=quality")), "{risks:?}");
    let shares = links("table.share a");
    assert_eq!(shares.len(), 3, "one per watch of the group");
    // 情绪 and 方面: each emotion's, each aspect's and its negatives' counts link to exactly
    // those posts (the demo's crisis is angry and speaks of the battery).
    assert!(page.contains("<h2>情绪</h2>") && page.contains("<h2>方面</h2>"), "the sections");
    let emotions = links("section.emotions table a");
    assert!(emotions.iter().any(|(h, _)| h.contains("emotion=anger")), "{emotions:?}");
    let aspects = links("section.aspects table a");
    assert!(aspects.iter().any(|(h, _)| h.contains("%3Anegative")), "{aspects:?}");
    for (href, n) in sources.iter().chain(&risks).chain(&shares).chain(&emotions).chain(&aspects) {
        assert_eq!(found(href), *n, "{href}");
    }
    let terms = links("section p a[href^=\"/search?\"]");
    assert!(terms.iter().any(|(h, _)| h.contains("q=%E8%B5%B7%E7%81%AB")), "起火 among the terms: {terms:?}");
    for (href, n) in terms.iter().take(5) {
        assert!(found(href) >= *n, "{href}");
    }
}
