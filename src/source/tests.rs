//! Definition validation and extraction on small pages in the shapes the real sites use.

use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<Source, SourceError> {
    Source::parse(text, Path::new("sources/t.toml"))
}

fn url(s: &str) -> reqwest::Url {
    s.parse().unwrap()
}

const QA: &str = r#"
kind = "question"
schedule = "*/15 * * * *"
urls = ["http://qa.test/search?q={keyword}&page={page}"]
[list]
format = "html"
items = "div.question"
follow = "a.title@href"
[list.fields]
id = "@data-qid"
title = "a.title"
text = "p.excerpt"
published_at = "span.time"
[list.pagination]
pages = { first = 1 }
[detail]
format = "html"
kind = "answer"
items = "div.answer"
[detail.fields]
id = "@data-aid"
text = { select = "div.content p", all = true }
author = "span.author"
likes = { select = "span.votes", regex = '(\S+)\s*赞同' }
[detail.pagination]
next = "a.next@href"
"#;

#[test]
fn a_good_definition_is_typed() {
    let s = parse(QA).unwrap();
    assert_eq!(s.name, "t");
    assert_eq!(s.kind, Kind::Question);
    assert_eq!(s.detail.as_ref().unwrap().kind, Kind::Answer);
    assert!(matches!(s.list.pagination, Pagination::Pages { first: 1, step: 1 }));
    assert_eq!(s.window_days, 7);
    // A five-field crontab line gets its seconds.
    assert_eq!(s.schedule.to_string(), "0 */15 * * * *");
    assert_eq!(s.domain, None, "no domain: each item's kind chooses");
    let hotel = parse(&QA.replace("kind = \"question\"", "kind = \"review\"\ndomain = \"hotel\"")).unwrap();
    assert_eq!(hotel.domain, Some(Domain::Hotel));
}

#[test]
fn errors_name_the_file_and_the_field() {
    let cases = [
        (QA.replace("kind = \"question\"", "kind = \"tweet\""), "sources/t.toml: kind: \"tweet\" is not one of"),
        (
            QA.replace("*/15 * * * *", "every day"),
            "sources/t.toml: schedule: \"every day\" has 2 fields; a schedule has 5",
        ),
        (QA.replace("items = \"div.answer\"", "items = \"div[\""), "detail.items: CSS selector \"div[\""),
        (QA.replace("page={page}", "page={pg}"), "urls[0]: {pg} has no values"),
        (QA.replace("pages = { first = 1 }", "next = \"a.n@href\""), "urls[0]: {page} has no values"),
        (QA.replace("follow = \"a.title@href\"", ""), "detail: no page links here"),
        (QA.replace("author = \"span.author\"", "autor = \"x\""), "unknown field `autor`"),
        (
            QA.replace("kind = \"question\"", "kind = \"review\"\ndomain = \"hotels\""),
            "domain: \"hotels\" is not a domain; expected review, social, news or hotel",
        ),
        (
            QA.replace("text = \"p.excerpt\"", "text = \"/x\"\nurl = { pointer = \"/u\" }"),
            "list.fields.url: html pages take a CSS",
        ),
    ];
    for (text, want) in cases {
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains(want), "want {want:?} in: {err}");
        assert!(err.contains("sources/t.toml"), "{err}");
    }
    let err = parse(
        "kind = \"post\"\nurls = []\n[list]\nformat = \"json\"\nitems = \"/data\"\n[list.fields]\ntext = \"/t\"\n",
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "source sources/t.toml: urls: give at least one start URL");
}

#[test]
fn html_list_items_with_links_and_paging() {
    let s = parse(QA).unwrap();
    let page = r#"<html><body>
      <div class="question" data-qid="q1"><a class="title" href="/q/1">华为电池续航怎么样？</a>
        <p class="excerpt">用了半年掉电很快</p><span class="time">昨天 08:15</span></div>
      <div class="question" data-qid="q2"><a class="title" href="/q/2">值得买吗</a><span class="time">3天前</span></div>
    </body></html>"#;
    let got = extract(&s.list, page, &url("http://qa.test/search?q=x&page=1")).unwrap();
    assert_eq!(got.items.len(), 2);
    assert_eq!(got.items[0].get(Target::Title), Some("华为电池续航怎么样？"));
    assert_eq!(got.items[0].follow.as_deref(), Some("http://qa.test/q/1"));
    assert_eq!(got.items[1].get(Target::Text), None);
    let now: jiff::Timestamp = "2026-11-22T07:00:00Z".parse().unwrap();
    let m = to_mention(&s, &s.list.items_of(None, None), &got.items[0], now).unwrap();
    assert_eq!(m.id, "t:q1");
    assert_eq!(m.published_at, "2026-11-21T00:15:00Z".parse::<jiff::Timestamp>().unwrap());
    // A title alone is the text.
    assert_eq!(to_mention(&s, &s.list.items_of(None, None), &got.items[1], now).unwrap().text, "值得买吗");

    let detail = s.detail.as_ref().unwrap();
    let answers = r#"<div class="answer" data-aid="a7"><div class="content"><p>续航一般，</p><p>充电发烫</p></div>
      <span class="author">小王</span><span class="votes">1.2万 赞同</span></div><a class="next" href="?p=2">下一页</a>"#;
    let got = extract(detail, answers, &url("http://qa.test/q/1")).unwrap();
    assert_eq!(got.next.as_deref(), Some("http://qa.test/q/1?p=2"));
    let m = to_mention(&s, &detail.items_of(Some("t:q1"), None), &got.items[0], now).unwrap();
    assert_eq!((m.text.as_str(), m.likes, m.parent.as_str()), ("续航一般，\n充电发烫", 12000, "t:q1"));
    assert_eq!(m.kind, Kind::Answer);
}

const FEED: &str = r#"
kind = "post"
urls = ["http://social.test/api?q={keyword}&cursor={cursor}"]
[list]
format = "json"
items = "/data/cards"
skip_without = "/mblog"
[list.fields]
id = "/mblog/id"
text = { pointer = "/mblog/text", html = true }
published_at = "/mblog/created_at"
reposts = "/mblog/reposts_count"
[list.pagination]
cursor = { from = "/data/cursor" }
end = "/data/is_end"
"#;

#[test]
fn jsonp_with_cursor_and_skipped_cards() {
    let s = parse(FEED).unwrap();
    let body = r#"jsonp_123({"data":{"cursor":"abc","is_end":0,"cards":[
        {"card_type":11},
        {"mblog":{"id":"48","text":"<span>华为</span>手机&nbsp;发热","created_at":"5分钟前","reposts_count":"1万+"}}]}});"#;
    let got = extract(&s.list, body, &url("http://social.test/api")).unwrap();
    assert_eq!((got.items.len(), got.skipped, got.next.as_deref(), got.end), (1, 1, Some("abc"), false));
    let m = to_mention(&s, &s.list.items_of(None, None), &got.items[0], jiff::Timestamp::now()).unwrap();
    assert_eq!((m.text.as_str(), m.reposts), ("华为手机 发热", 10000));

    let err = extract(&s.list, "{\"data\": {\"cards\": [", &url("http://social.test/api")).unwrap_err();
    assert!(err.to_string().starts_with("malformed JSON at line 1 column"), "{err}");
    let err = extract(&s.list, "{\"data\": {\"cards\": \"none\"}}", &url("http://social.test/api")).unwrap_err();
    assert_eq!(err.to_string(), "items at \"/data/cards\" are a string, not a list");
}

#[test]
fn rss_entries_become_news() {
    let s = parse("kind = \"news\"\nurls = [\"http://news.test/rss.xml\"]\n[list]\nformat = \"feed\"\n").unwrap();
    let rss = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>财经</title>
      <item><title>某品牌电池召回</title><link>http://news.test/a/1.html</link><guid>n1</guid>
      <description><![CDATA[<p>因存在<b>起火</b>风险，召回部分产品。</p>]]></description>
      <pubDate>Fri, 20 Nov 2026 04:30:00 GMT</pubDate></item></channel></rss>"#;
    let got = extract(&s.list, rss, &url("http://news.test/rss.xml")).unwrap();
    let m = to_mention(&s, &s.list.items_of(None, None), &got.items[0], jiff::Timestamp::now()).unwrap();
    assert_eq!(m.title, "某品牌电池召回");
    assert_eq!(m.text, "因存在起火风险，召回部分产品。");
    assert_eq!(m.url, "http://news.test/a/1.html");
    assert_eq!(m.kind, Kind::News);
    assert_eq!(m.published_at, "2026-11-20T04:30:00Z".parse::<jiff::Timestamp>().unwrap());
    assert!(extract(&s.list, "<rss><channel><item>", &url("http://news.test/rss.xml")).is_err());
}

#[test]
fn the_shipped_definitions_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sources");
    let loaded = Source::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.broken.is_empty(), "{:?}", loaded.broken);
    let names: Vec<&str> = loaded.sources.iter().map(|s| s.name.as_str()).collect();
    for want in
        ["jd-comments", "weibo-search", "zhihu-search", "zhihu-answers", "tieba", "bilibili-comments", "news-rss"]
    {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
}
