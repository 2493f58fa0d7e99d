//! The shipped definitions for real sites (`sources/*.toml`), crawled against fixtures in each
//! site's real response shape (`tests/fixtures/sites/`), served on 127.0.0.1. The definitions'
//! start URLs are pointed at the local server; everything else is the shipped file.

mod common;

use std::collections::HashMap;
use std::path::Path;

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use common::{mentions, report};
use jiff::{Timestamp, ToSpan};

const CONFIG: &str = r#"
[data]
dir = "data"

[crawl]
delay_ms = 0
retries = 0

[[watch]]
name = "华为"
group = "phones"

[[watch]]
name = "小米"
group = "phones"
"#;

/// Fixture text with its time placeholders filled relative to now (so the items stay inside
/// the sources' windows) and `{{origin}}` pointing at the local server.
fn fixture(name: &str, origin: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sites").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let now = Timestamp::now();
    let sh = now.in_tz("Asia/Shanghai").unwrap();
    let hour_ago = sh.checked_sub(1.hour()).unwrap();
    text.replace("{{origin}}", origin)
        .replace("{{today}}", &sh.strftime("%Y-%m-%d").to_string())
        .replace("{{yesterday}}", &sh.checked_sub(1.day()).unwrap().strftime("%Y-%m-%d").to_string())
        .replace("{{weibo_now}}", &hour_ago.strftime("%a %b %d %H:%M:%S %z %Y").to_string())
        .replace("{{epoch_1h}}", &(now.as_second() - 3600).to_string())
        .replace("{{epoch_2h}}", &(now.as_second() - 7200).to_string())
        .replace("{{rfc2822_now}}", &jiff::fmt::rfc2822::to_string(&sh).unwrap())
        .replace("{{rfc3339_now}}", &now.to_string())
}

fn reply(content_type: &str, body: impl Into<Vec<u8>>) -> Response {
    ([(header::CONTENT_TYPE, content_type.to_string())], body.into()).into_response()
}

fn gbk(content_type: &str, text: &str) -> Response {
    reply(content_type, encoding_rs::GBK.encode(text).0.into_owned())
}

/// Routes every site's URLs to its fixtures; checks the headers the definitions must send.
async fn site(uri: Uri, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let origin = format!("http://{}", headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default());
    let f = |name: &str| fixture(name, &origin);
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let header_is = |name: &str, want: &str| headers.get(name).is_some_and(|v| v == want);
    let huawei = get("qw") == "华为" || get("q") == "华为" || get("containerid").contains("q=华为");
    match uri.path() {
        "/robots.txt" => StatusCode::NOT_FOUND.into_response(),
        "/comment/productPageComments.action" => {
            if !header_is("referer", "https://item.jd.com/") {
                return StatusCode::FORBIDDEN.into_response();
            }
            let page = if get("page") == "0" && get("productId") == "100012043978" {
                "jd-page0.jsonp"
            } else {
                "jd-page1.jsonp"
            };
            reply("text/html;charset=GBK", encoding_rs::GBK.encode(&f(page)).0.into_owned())
        }
        "/api/container/getIndex" => {
            if !header_is("cookie", "SUB=weibo-test") {
                return StatusCode::FORBIDDEN.into_response();
            }
            let page = if huawei && get("page") == "1" { "weibo-page1.json" } else { "weibo-page2.json" };
            reply("application/json; charset=utf-8", f(page))
        }
        "/api/v4/search_v3" => {
            if !header_is("cookie", "z_c0=zhihu-test") || !header_is("x-zse-96", "2.0_test") {
                return StatusCode::FORBIDDEN.into_response();
            }
            match (huawei, get("offset")) {
                (true, "0") => reply("application/json", f("zhihu-search-1.json")),
                (true, "20") => reply("application/json", f("zhihu-search-2.json")),
                _ => reply("application/json", r#"{"paging":{"is_end":true},"data":[]}"#),
            }
        }
        "/api/v4/questions/20190101/answers" => reply("application/json", f("zhihu-answers.json")),
        "/f/search/res" => {
            let page = if huawei && get("pn") == "1" { "tieba-search.html" } else { "tieba-empty.html" };
            gbk("text/html", &f(page))
        }
        "/p/8801234567" => gbk("text/html", &f("tieba-thread.html")),
        "/x/v2/reply/main" => match (get("oid"), get("next")) {
            ("170001", "0") => reply("application/json", f("bilibili-0.json")),
            ("170001", "2") => reply("application/json", f("bilibili-2.json")),
            _ => reply("application/json", r#"{"code":-400,"message":"请求错误"}"#),
        },
        "/rss/finance.xml" => reply("application/xml", f("chinanews-finance.xml")),
        "/rss/it.xml" => reply("application/xml", f("chinanews-it.xml")),
        "/feed" => reply("application/atom+xml", f("36kr.xml")),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The shipped definition with the hosts of its start URLs replaced by `origin`, no delay.
fn localized(name: &str, origin: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sources").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("\nurls = [").expect("urls");
    let end = start + text[start..].find(']').unwrap();
    let hosts = regex::Regex::new(r"https?://[a-z0-9.]+").unwrap();
    let urls = hosts.replace_all(&text[start..end], origin);
    let text = format!("{}{}{}", &text[..start], urls, &text[end..]);
    // Every site is one local host here: lift the politeness delay so the test does not wait.
    let text = regex::Regex::new(r"(?m)^delay_ms = \d+").unwrap().replace_all(&text, "delay_ms = 0");
    (format!("{name}.toml"), text.into_owned())
}

#[test]
fn shipped_definitions_read_their_sites_real_shapes() {
    // One test: the environment is set before any thread reads it.
    // SAFETY: no other thread exists yet in this test binary's only test.
    unsafe {
        std::env::set_var("WEIBO_COOKIE", "SUB=weibo-test");
        std::env::set_var("ZHIHU_COOKIE", "z_c0=zhihu-test");
        std::env::set_var("ZHIHU_ZSE96", "2.0_test");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let origin = common::serve(axum::Router::new().fallback(site)).await;
        let dir = tempfile::tempdir().unwrap();
        let names =
            ["jd-comments", "weibo-search", "zhihu-search", "zhihu-answers", "tieba", "bilibili-comments", "news-rss"];
        let sources: Vec<(String, String)> = names.iter().map(|n| localized(n, &origin)).collect();
        let sources: Vec<(&str, String)> = sources.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
        let reports = common::crawl(dir.path(), CONFIG, &sources).await;
        for r in &reports {
            assert!(r.errors.is_empty(), "{r}");
        }
        let all = mentions(dir.path());
        let by_id = |id: &str| all.iter().find(|m| m.id == id).unwrap_or_else(|| panic!("{id} missing"));
        let new = |name: &str| report(&reports, name).new;

        // JD: JSONP unwrapped, GBK by header, stars, votes, the product page as URL.
        assert_eq!(new("jd-comments"), 2);
        let bad = by_id("jd-comments:19283746502");
        assert_eq!((bad.author.as_str(), bad.likes, bad.label.name()), ("小***7", 57, "negative"));
        assert_eq!(bad.url, "https://item.jd.com/100012043978.html");

        // Weibo: cookie from the environment, the card without a post skipped, emoticons kept.
        assert_eq!(new("weibo-search"), 2);
        let post = by_id("weibo-search:5041234567890123");
        assert!(post.text.starts_with("#华为Mate60# 刚拿到手，[哈哈]信号"), "as written: {}", post.text);
        assert_eq!((post.reposts, post.replies, post.likes), (11_000, 892, 100_000));
        assert_eq!(post.author, "数码小达人");
        assert!(by_id("weibo-search:5041234567890124").text.ends_with("[怒]"));

        // Zhihu search: two pages through paging.next, highlights stripped, question as parent.
        assert_eq!(new("zhihu-search"), 2);
        let answer = by_id("zhihu-search:3312345678");
        assert_eq!((answer.title.as_str(), answer.likes, answer.replies), ("华为手机值得买吗？", 2314, 188));
        assert_eq!(answer.kind.name(), "answer");

        // Zhihu answers: HTML content to text.
        let a = by_id("zhihu-answers:3398765432");
        assert!(a.text.contains("小米之家当天就修好了。 整体体验不错。"), "{}", a.text);

        // Tieba: GBK search results, then the thread's floors; the first floor is the result itself.
        let t = report(&reports, "tieba");
        assert_eq!((t.new, t.duplicates), (2, 1), "{t}");
        let floor = by_id("tieba:149000000002");
        assert_eq!((floor.kind.name(), floor.author.as_str()), ("comment", "机友小李"));
        assert_eq!(floor.text, "正常的，关掉高性能模式会好很多。");
        assert_eq!(by_id("tieba:149000000001").author, "老王不吃鱼");

        // Bilibili: two pages by cursor, Unix times.
        assert_eq!(new("bilibili-comments"), 2);
        let c = by_id("bilibili-comments:211234567801");
        assert_eq!((c.likes, c.replies, c.url.as_str()), (1520, 3, "https://www.bilibili.com/video/av170001"));

        // News: RSS and Atom; the item about no watch left out.
        let n = report(&reports, "news-rss");
        assert_eq!((n.items, n.new, n.unwatched), (4, 3, 1), "{n}");
        let atom = all.iter().find(|m| m.source == "news-rss" && m.url == "https://36kr.com/p/3001234567").unwrap();
        assert_eq!(atom.author, "36氪的朋友们");
    });
}
