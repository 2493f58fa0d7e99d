//! The crawler against fixture sites served on 127.0.0.1: a GBK review site with numbered pages,
//! a JSONP social feed with cursor pagination and relative times, a Q&A site (question list →
//! question pages with answers), an RSS feed with an ETag, gzip and brotli pages with a
//! Last-Modified date in a listing that reaches the time window; and the faults a real crawl meets.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use common::{Hits, hit, mentions, report, shop};
use std::collections::HashMap;

const CONFIG: &str = r#"
[data]
dir = "data"

[crawl]
delay_ms = 0
concurrency = 4
retries = 1
retry_base_ms = 10
timeout_secs = 1
max_body_bytes = 65536
max_redirects = 3

[[watch]]
name = "华为"
aliases = ["HUAWEI"]
group = "phones"

[[watch]]
name = "小米"
group = "phones"
"#;

/// Reviews as a shop prints them: (author, stars, text, date, useful votes).
const REVIEWS: [(&str, u8, &str, &str, u32); 15] = [
    ("j***9", 5, "华为手机收到了，质量很好，运行流畅，物流也快", "刚刚", 3),
    ("小***鱼", 1, "电池用了两天就鼓包，客服推来推去，差评", "5分钟前", 41),
    ("a***n", 4, "拍照清晰，就是有点发热，总体满意", "今天 09:30", 0),
    ("星***辰", 2, "屏幕有划痕，怀疑是翻新机，申请退货中", "昨天 20:15", 12),
    ("m***e", 5, "第二次买了，性价比高，推荐", "3天前", 5),
    ("老***王", 1, "充电的时候突然冒烟，吓死了，要求召回", "2小时前", 230),
    ("t***y", 3, "一般般吧，系统广告有点多", "前天 11:00", 1),
    ("风***过", 5, "续航给力，一天一充没问题", "4天前", 8),
    ("李***3", 1, "发货太慢了，等了一个星期还没到", "昨天 08:00", 6),
    ("c***t", 4, "外观漂亮，手感不错，值得购买", "6天前", 2),
    ("g***o", 2, "用了半个月就死机两次，售后不给换", "今天 01:10", 19),
    ("阿***喵", 5, "送给爸妈的，字大声音大，老人很喜欢", "5天前", 4),
    ("z***1", 1, "买到假货了，序列号查不到，已经投诉12315", "2019-05-01 10:00", 77),
    ("w***w", 4, "小米的做工也不差，但这款华为信号更好", "30分钟前", 0),
    ("d***k", 5, "客服态度好，耐心解答问题", "1小时前", 2),
];

const PER_PAGE: usize = 5;

/// A review list page; `model` starts each text (a shop page per phone model).
fn review_page(prefix: &str, reviews: &[(&str, u8, &str, &str, u32)], start: usize, model: &str) -> String {
    let texts: Vec<String> = reviews.iter().map(|r| format!("{model}{}", r.2)).collect();
    let items: Vec<shop::Review> = reviews
        .iter()
        .zip(&texts)
        .enumerate()
        .map(|(i, ((user, stars, _, date, useful), text))| shop::Review {
            id: format!("{prefix}{}", start + i),
            user,
            stars: *stars,
            text,
            date,
            useful: *useful,
        })
        .collect();
    shop::page_html(&items)
}

fn gbk_html(html: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/html")], shop::gbk(html)).into_response()
}

fn html_source(path: &str) -> String {
    shop::definition(&format!("{path}?page={{page}}"), "")
}

#[derive(Clone, Default)]
struct Site {
    hits: Hits,
    flaky_fixed: Arc<AtomicBool>,
}

async fn reviews(Query(q): Query<HashMap<String, usize>>) -> Response {
    let page = q.get("page").copied().unwrap_or(1);
    let start = (page - 1) * PER_PAGE;
    let slice = if start < REVIEWS.len() { &REVIEWS[start..(start + PER_PAGE).min(REVIEWS.len())] } else { &[] };
    gbk_html(&review_page("r", slice, start, ""))
}

async fn social(Query(q): Query<HashMap<String, String>>) -> Response {
    let cursor = q.get("cursor").map(String::as_str).unwrap_or("");
    let (cards, next, end) = match cursor {
        "" => (
            r#"{"card_type":9,"mblog":{"id":"5001","text":"<a href='/n/x'>@数码君</a> 华为新机发布会看完了，<span class=\"url-icon\">[赞]</span>期待","created_at":"刚刚","reposts_count":"1.2万","comments_count":340,"attitudes_count":"5万+","user":{"screen_name":"数码君"}}},
               {"card_type":11,"card_group":[]},
               {"card_type":9,"mblog":{"id":"5002","text":"小米手机充电器烧了，官方客服一直不回复[怒]","created_at":"15分钟前","reposts_count":12,"comments_count":8,"attitudes_count":30,"user":{"screen_name":"用户7"}}}"#,
            "c2",
            0,
        ),
        "c2" => (
            r#"{"card_type":9,"mblog":{"id":"5003","text":"华为的售后真不错，一小时就修好了","created_at":"昨天 18:40","reposts_count":0,"comments_count":2,"attitudes_count":9,"user":{"screen_name":"小林"}}}"#,
            "c3",
            1,
        ),
        _ => ("", "", 1),
    };
    let body = format!(r#"jsonp_1({{"ok":1,"data":{{"cards":[{cards}],"cursor":"{next}","is_end":{end}}}}});"#);
    ([(header::CONTENT_TYPE, "application/javascript")], body).into_response()
}

const SOCIAL_SOURCE: &str = r#"kind = "post"
urls = ["/social/api?q={keyword}&cursor={cursor}"]
[list]
format = "json"
items = "/data/cards"
skip_without = "/mblog"
[list.fields]
id = "/mblog/id"
text = { pointer = "/mblog/text", html = true }
author = "/mblog/user/screen_name"
published_at = "/mblog/created_at"
reposts = "/mblog/reposts_count"
replies = "/mblog/comments_count"
likes = "/mblog/attitudes_count"
url = { pointer = "/mblog/id", format = "https://m.weibo.cn/detail/{}" }
[list.pagination]
cursor = { from = "/data/cursor" }
end = "/data/is_end"
[params]
keyword = ["华为"]
"#;

async fn qa_list(Query(q): Query<HashMap<String, u32>>) -> Response {
    let body = if q.get("page") == Some(&1) {
        r#"<html><body><ul>
        <li class="question" data-qid="101"><a class="title" href="/qa/q/101">华为手机发热严重怎么办？</a><span class="time">昨天 10:00</span></li>
        <li class="question" data-qid="102"><a class="title" href="/qa/q/102">小米和华为哪个拍照好？</a><span class="time">3小时前</span></li>
        </ul></body></html>"#
    } else {
        "<html><body><ul></ul></body></html>"
    };
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn qa_question(UrlPath(id): UrlPath<u32>, Query(q): Query<HashMap<String, u32>>) -> Response {
    let p = q.get("p").copied().unwrap_or(1);
    let answers = match (id, p) {
        (101, 1) => vec![
            ("9001", "老张", "关掉后台应用，别边充边玩，发热会好很多。", "2小时前", "1.1万"),
            ("9002", "Lily", "我的也是，玩游戏烫手，售后说正常，很失望。", "1小时前", "56"),
        ],
        (101, 2) => vec![("9003", "匿名用户", "系统更新以后好多了。", "30分钟前", "3")],
        (102, 1) => vec![("9004", "摄影师K", "夜景华为更稳，小米色彩更讨喜，看个人喜好。", "今天 08:00", "820")],
        _ => vec![],
    };
    let mut html = String::from("<html><body><h1>问题</h1>");
    for (aid, author, text, time, votes) in answers {
        html.push_str(&format!(
            "<div class=\"answer\" data-aid=\"{aid}\"><span class=\"author\">{author}</span>\
             <div class=\"content\"><p>{text}</p></div><span class=\"time\">{time}</span>\
             <button class=\"vote\">{votes} 赞同</button></div>"
        ));
    }
    if id == 101 && p == 1 {
        html.push_str("<a class=\"next\" href=\"?p=2\">下一页</a>");
    }
    html.push_str("</body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

const QA_SOURCE: &str = r#"kind = "question"
urls = ["/qa/list?page={page}"]
[list]
format = "html"
items = "li.question"
follow = "a.title@href"
[list.fields]
id = "@data-qid"
title = "a.title"
published_at = "span.time"
[list.pagination]
pages = { first = 1 }
[detail]
format = "html"
kind = "answer"
items = "div.answer"
[detail.fields]
id = "@data-aid"
author = "span.author"
text = { select = "div.content p", all = true }
published_at = "span.time"
likes = { select = "button.vote", regex = '(\S+)\s*赞同' }
[detail.pagination]
next = "a.next@href"
"#;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>科技新闻</title><link>http://news.test/</link>
<item><title>华为发布新款折叠屏手机</title><link>http://news.test/a/1.html</link><guid>news-1</guid>
<description><![CDATA[<p>华为今天发布了新款折叠屏手机，起售价8999元。</p>]]></description><pubDate>Sun, 22 Nov 2026 02:00:00 GMT</pubDate></item>
<item><title>某地暴雨预警</title><link>http://news.test/a/2.html</link><guid>news-2</guid>
<description>气象台发布暴雨橙色预警。</description><pubDate>Sun, 22 Nov 2026 01:00:00 GMT</pubDate></item>
<item><title>小米汽车交付量创新高</title><link>http://news.test/a/3.html</link><guid>news-3</guid>
<description>小米汽车本月交付量再创新高。</description><pubDate>Sat, 21 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>"#;

async fn rss(State(site): State<Site>, headers: HeaderMap) -> Response {
    hit(&site.hits, "rss");
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"v1\"") {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    // Fresh dates, so the feed stays inside the window whenever the test runs.
    let now = jiff::Timestamp::now();
    let body = RSS
        .replace(
            "Sun, 22 Nov 2026 02:00:00 GMT",
            &jiff::fmt::rfc2822::to_string(&now.to_zoned(jiff::tz::TimeZone::UTC)).unwrap(),
        )
        .replace(
            "Sun, 22 Nov 2026 01:00:00 GMT",
            &jiff::fmt::rfc2822::to_string(&now.to_zoned(jiff::tz::TimeZone::UTC)).unwrap(),
        )
        .replace(
            "Sat, 21 Nov 2026 09:00:00 GMT",
            &jiff::fmt::rfc2822::to_string(&now.to_zoned(jiff::tz::TimeZone::UTC)).unwrap(),
        );
    ([(header::CONTENT_TYPE, "application/rss+xml"), (header::ETAG, "\"v1\"")], body).into_response()
}

/// Page 1 of every fault listing is a good page; page 2 is the fault; page 3 is empty.
async fn fault(
    State(site): State<Site>,
    UrlPath(kind): UrlPath<String>,
    Query(q): Query<HashMap<String, u32>>,
) -> Response {
    let page = q.get("page").copied().unwrap_or(1);
    let model = match kind.as_str() {
        "429" => "Mate 60 ",
        "503" => "nova 12 ",
        "slow" => "P70 ",
        "truncated" => "Pura 70 ",
        "huge" => "畅享 70 ",
        _ => "Mate X5 ",
    };
    let good = |n: usize| gbk_html(&review_page(&format!("{kind}-{page}-"), &REVIEWS[n..n + 2], 0, model));
    if page == 1 {
        return good(0);
    }
    if page >= 3 {
        return gbk_html(&review_page(&kind, &[], 0, model));
    }
    let before = hit(&site.hits, &format!("fault-{kind}"));
    match kind.as_str() {
        "429" if before == 0 => (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response(),
        "503" if before == 0 => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        "429" | "503" => good(2),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            good(2)
        }
        "truncated" => {
            let full = review_page("t-", &REVIEWS[2..4], 0, model);
            let cut = full.find("<span class=\"user\">星").unwrap() + "<span class=\"user\">星".len();
            gbk_html(&full[..cut])
        }
        "huge" => gbk_html(&review_page("h-", &REVIEWS[2..4], 0, model).repeat(200)),
        "loop" => Redirect::temporary(&format!("/fault/loop?page={page}")).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn json_page(Query(q): Query<HashMap<String, u32>>) -> Response {
    let body = match q.get("page") {
        Some(1) => {
            r#"{"data":[{"id":1,"text":"华为手表续航不错","time":"1小时前"},{"id":2,"text":"小米手环断连","time":"2小时前"}]}"#
        }
        _ => "{\"data\": [{\"id\": 3, \"text\": \"华为",
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Four pages; page 3 fails until the test fixes it.
async fn flaky(State(site): State<Site>, Query(q): Query<HashMap<String, usize>>) -> Response {
    let page = q.get("page").copied().unwrap_or(1);
    hit(&site.hits, &format!("flaky-{page}"));
    if page == 3 && !site.flaky_fixed.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let start = (page - 1) * PER_PAGE;
    let slice = if page <= 3 { &REVIEWS[start..start + PER_PAGE] } else { &[][..] };
    gbk_html(&review_page("f", slice, start, ""))
}

/// A listing sent compressed: page 1 gzip (with a Last-Modified date), page 2 brotli, page 3 only
/// reviews from 2019 (older than the window), page 4 fresh reviews the walk must not reach.
async fn packed(State(site): State<Site>, headers: HeaderMap, Query(q): Query<HashMap<String, usize>>) -> Response {
    use std::io::Write;
    const MODIFIED: &str = "Sun, 22 Nov 2026 08:00:00 GMT";
    let page = q.get("page").copied().unwrap_or(1);
    hit(&site.hits, &format!("packed-{page}"));
    if page == 1 && headers.get(header::IF_MODIFIED_SINCE).is_some_and(|v| v == MODIFIED) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let old = REVIEWS[12];
    let html = match page {
        1 | 2 | 4 => review_page("p", &REVIEWS[(page - 1) * PER_PAGE..page * PER_PAGE], (page - 1) * PER_PAGE, ""),
        3 => review_page("p", &[old; PER_PAGE], 2 * PER_PAGE, ""),
        _ => review_page("p", &[], 0, ""),
    };
    let gbk = encoding_rs::GBK.encode(&html).0.into_owned();
    let (encoding, body) = match page {
        1 => {
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(&gbk).unwrap();
            ("gzip", z.finish().unwrap())
        }
        2 => {
            let mut out = Vec::new();
            brotli::BrotliCompress(&mut &gbk[..], &mut out, &brotli::enc::BrotliEncoderParams::default()).unwrap();
            ("br", out)
        }
        _ => ("identity", gbk),
    };
    let mut response =
        ([(header::CONTENT_TYPE, "text/html"), (header::CONTENT_ENCODING, encoding)], body).into_response();
    if page == 1 {
        response.headers_mut().insert(header::LAST_MODIFIED, header::HeaderValue::from_static(MODIFIED));
    }
    response
}

async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /private/\n"
}

async fn start(site: Site) -> String {
    let router = axum::Router::new()
        .route("/robots.txt", get(robots))
        .route("/reviews", get(reviews))
        .route("/private/reviews", get(reviews))
        .route("/social/api", get(social))
        .route("/qa/list", get(qa_list))
        .route("/qa/q/{id}", get(qa_question))
        .route("/news/rss.xml", get(rss))
        .route("/fault/{kind}", get(fault))
        .route("/json", get(json_page))
        .route("/flaky", get(flaky))
        .route("/packed", get(packed))
        .with_state(site);
    common::serve(router).await
}

fn at(origin: &str, source: &str) -> String {
    source.replace("urls = [\"/", &format!("urls = [\"{origin}/"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gbk_reviews_are_paged_until_the_listing_ends_then_crawled_incrementally() {
    let origin = start(Site::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = [("shop.toml", html_source(&format!("{origin}/reviews")))];
    let reports = common::crawl(dir.path(), CONFIG, &sources).await;
    let r = report(&reports, "shop");
    assert!(r.errors.is_empty(), "{r}");
    // Three full pages and the empty fourth that ends the listing; one review is from 2019.
    assert_eq!((r.pages, r.items, r.new, r.old), (4, 15, 14, 1), "{r}");
    let all = mentions(dir.path());
    assert_eq!(all.len(), 14);
    let smoke = all.iter().find(|m| m.id == "shop:r5").expect("the smoke review");
    assert_eq!(smoke.text, "充电的时候突然冒烟，吓死了，要求召回", "decoded from GBK, as written");
    assert_eq!((smoke.author.as_str(), smoke.likes, smoke.label.name()), ("老***王", 230, "negative"));
    assert_eq!(smoke.risks.iter().map(|r| r.name()).collect::<Vec<_>>(), ["quality", "legal"]);
    // "2小时前" was read against now in Asia/Shanghai.
    let published = smoke.published_at;
    let age = jiff::Timestamp::now().duration_since(published).as_secs();
    assert!((7100..7300).contains(&age), "2小时前 is {age} s old");
    assert!(all.iter().all(|m| m.kind.name() == "review" && m.source == "shop"));

    // The second run sees page 1 is all known and stops there.
    let reports = common::crawl(dir.path(), CONFIG, &sources).await;
    let r = report(&reports, "shop");
    assert_eq!((r.pages, r.new, r.seen), (1, 0, 5), "{r}");
    assert_eq!(mentions(dir.path()).len(), 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_feed_with_cursor_qa_with_answers_and_rss_with_etag() {
    let site = Site::default();
    let origin = start(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let news = format!(
        "kind = \"news\"\nonly_watched = true\nurls = [\"{origin}/news/rss.xml\"]\n[list]\nformat = \"feed\"\n"
    );
    let sources =
        [("social.toml", at(&origin, SOCIAL_SOURCE)), ("qa.toml", at(&origin, QA_SOURCE)), ("news.toml", news.clone())];
    let reports = common::crawl(dir.path(), CONFIG, &sources).await;
    for r in &reports {
        assert!(r.errors.is_empty(), "{r}");
    }
    let all = mentions(dir.path());
    let by_id = |id: &str| all.iter().find(|m| m.id == id).unwrap_or_else(|| panic!("{id} missing"));

    // Social: two cursor pages, a card without a post skipped, markup stripped, counts read.
    assert_eq!(report(&reports, "social").new, 3);
    let post = by_id("social:5001");
    assert_eq!(post.text, "@数码君 华为新机发布会看完了，[赞]期待");
    assert_eq!((post.reposts, post.replies, post.likes), (12_000, 340, 50_000));
    assert_eq!(post.url, "https://m.weibo.cn/detail/5001");
    assert_eq!(by_id("social:5002").label.name(), "negative");

    // Q&A: two questions, three answers on the first (over two pages), one on the second.
    let qa = report(&reports, "qa");
    assert_eq!(qa.new, 6, "{qa}");
    let answer = by_id("qa:9003");
    assert_eq!((answer.kind.name(), answer.text.as_str()), ("answer", "系统更新以后好多了。"));
    assert_eq!(by_id("qa:9001").likes, 11_000);
    assert_eq!(by_id("qa:101").kind.name(), "question");

    // News: the item about no watch is left out.
    let n = report(&reports, "news");
    assert_eq!((n.items, n.new, n.unwatched), (3, 2, 1), "{n}");
    assert!(by_id("news:news-1").watches.contains(&"华为".to_string()));

    // The feed is asked again with its ETag and answers 304.
    let reports = common::crawl(dir.path(), CONFIG, &[("news.toml", news)]).await;
    let n = report(&reports, "news");
    assert_eq!((n.pages, n.not_modified, n.new), (1, 1, 0), "{n}");
    assert_eq!(site.hits.lock().unwrap()["rss"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_ends_in_its_report_line_and_keeps_what_was_stored() {
    let origin = start(Site::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut sources: Vec<(&str, String)> = Vec::new();
    let kinds = ["429", "503", "slow", "truncated", "huge", "loop"];
    let names: Vec<String> = kinds.iter().map(|k| format!("fault-{k}.toml")).collect();
    for (k, name) in kinds.iter().zip(&names) {
        sources.push((name.as_str(), html_source(&format!("{origin}/fault/{k}"))));
    }
    sources.push(("private.toml", html_source(&format!("{origin}/private/reviews"))));
    let json = format!(
        "kind = \"post\"\nurls = [\"{origin}/json?page={{page}}\"]\n[list]\nformat = \"json\"\nitems = \"/data\"\n\
         [list.fields]\nid = \"/id\"\ntext = \"/text\"\npublished_at = \"/time\"\n[list.pagination]\npages = {{ first = 1 }}\n"
    );
    sources.push(("badjson.toml", json));
    let reports = common::crawl(dir.path(), CONFIG, &sources).await;
    let line = |name: &str| report(&reports, name).to_string();
    let expect = [
        ("fault-429", None),
        ("fault-503", None),
        ("fault-slow", Some(format!("error {origin}/fault/slow?page=2: timed out after 1 s (after 2 attempts)"))),
        ("fault-truncated", Some(format!("error {origin}/fault/truncated?page=2: item 2: item has no text"))),
        ("fault-huge", Some(format!("error {origin}/fault/huge?page=2: body larger than 65536 bytes"))),
        ("fault-loop", Some(format!("error {origin}/fault/loop?page=2: too many redirects (more than 3"))),
        ("private", Some(format!("error {origin}/private/reviews?page=1: disallowed by robots.txt"))),
        ("badjson", Some(format!("error {origin}/json?page=2: malformed JSON at line 1 column"))),
    ];
    for (name, want) in &expect {
        let text = line(name);
        match want {
            Some(w) => assert!(text.contains(w.as_str()), "want {w:?} in:\n{text}"),
            None => assert!(report(&reports, name).errors.is_empty(), "{text}"),
        }
    }
    // Retried after Retry-After / 503, then read: both good pages are in.
    for name in ["fault-429", "fault-503"] {
        let r = report(&reports, name);
        assert_eq!((r.retries, r.new), (1, 4), "{r}");
    }
    let all = mentions(dir.path());
    let count = |source: &str| all.iter().filter(|m| m.source == source).count();
    // What page 1 held is stored whatever page 2 did; the truncated page's whole item is kept.
    for (name, want) in
        [("fault-slow", 2), ("fault-huge", 2), ("fault-loop", 2), ("fault-truncated", 3), ("badjson", 2)]
    {
        assert_eq!(count(name), want, "{name}");
    }
    assert_eq!(count("private"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_listing_resumes_where_it_stopped() {
    let site = Site::default();
    let origin = start(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = [("flaky.toml", html_source(&format!("{origin}/flaky")))];
    let r = common::crawl(dir.path(), CONFIG, &sources).await.remove(0);
    assert_eq!((r.new, r.errors.len()), (10, 1), "{r}");
    assert!(r.errors[0].reason.contains("HTTP 500 (after 2 attempts)"), "{r}");

    site.flaky_fixed.store(true, Ordering::SeqCst);
    let r = common::crawl(dir.path(), CONFIG, &sources).await.remove(0);
    // Page 1 is all seen, so the walk jumps to page 3 without fetching page 2 again.
    assert_eq!((r.new, r.seen, r.old), (4, 5, 1), "{r}");
    assert!(r.errors.is_empty(), "{r}");
    assert_eq!(site.hits.lock().unwrap()["flaky-2"], 1);
    assert_eq!(mentions(dir.path()).len(), 14);

    // Finished: the next run starts at the top and stops there.
    let r = common::crawl(dir.path(), CONFIG, &sources).await.remove(0);
    assert_eq!((r.pages, r.new), (1, 0), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_pages_are_read_paging_stops_at_the_window_and_last_modified_is_sent_back() {
    let site = Site::default();
    let origin = start(site.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = [("packed.toml", html_source(&format!("{origin}/packed")))];
    let r = common::crawl(dir.path(), CONFIG, &sources).await.remove(0);
    assert!(r.errors.is_empty(), "{r}");
    // Pages 1 (gzip) and 2 (brotli) are new; page 3 is all older than the 7-day window, so the
    // walk stops there and page 4 is never asked for.
    assert_eq!((r.pages, r.new, r.old), (3, 10, 5), "{r}");
    assert!(!site.hits.lock().unwrap().contains_key("packed-4"));
    let all = mentions(dir.path());
    let text = |id: &str| all.iter().find(|m| m.id == id).map(|m| m.text.clone());
    assert_eq!(text("packed:p0").as_deref(), Some("华为手机收到了，质量很好，运行流畅，物流也快"), "gzip");
    assert_eq!(text("packed:p5").as_deref(), Some("充电的时候突然冒烟，吓死了，要求召回"), "brotli");
    assert_eq!(all.len(), 10);

    // The next run asks for page 1 with its Last-Modified date, gets 304, and stops there.
    let r = common::crawl(dir.path(), CONFIG, &sources).await.remove(0);
    assert_eq!((r.pages, r.not_modified, r.new), (1, 1, 0), "{r}");
    assert_eq!(site.hits.lock().unwrap()["packed-2"], 1);
}
