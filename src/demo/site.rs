//! The built-in demo site on 127.0.0.1, in the shapes of real ones: a shop's product reviews
//! (GBK pages with stars, numbered pages), a social feed (JSON, Weibo-style relative times,
//! reposts and likes, cursor paging) and a Q&A forum (question list → question page with
//! answers), plus a robots.txt and the webhook the demo's alerts are sent to. It serves what was
//! published up to its clock's now, so that the demo can move through the last three days as the
//! daemon would have lived them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::corpus::{Corpus, DemoMention, Place};
use crate::time::{Clock, local_zone};

const PER_PAGE: usize = 20;

/// The site's state: what it serves, its clock, and what its webhook received.
pub struct Site {
    pub corpus: Corpus,
    pub clock: Clock,
    pub webhook: Mutex<Vec<Value>>,
}

impl Site {
    /// Whether `m` is published by now.
    fn out(&self, at: Timestamp) -> bool {
        at <= self.clock.now()
    }
}

/// The site's routes.
pub fn router(site: Arc<Site>) -> axum::Router {
    axum::Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route("/shop/{product}/reviews", get(reviews))
        .route("/api/feed", get(feed))
        .route("/qa/list", get(questions))
        .route("/qa/q/{id}", get(answers))
        .route("/webhook", post(webhook))
        .with_state(site)
}

fn page<T>(items: &[T], page: usize) -> &[T] {
    let start = page.saturating_sub(1) * PER_PAGE;
    if start >= items.len() { &[] } else { &items[start..(start + PER_PAGE).min(items.len())] }
}

fn local(t: Timestamp, format: &str) -> String {
    t.to_zoned(local_zone().clone()).strftime(format).to_string()
}

/// How the feed prints a time, like Weibo: 刚刚, N分钟前, 今天 HH:MM, 昨天 HH:MM, MM-DD HH:MM.
fn feed_time(at: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second() - at.as_second();
    let day = |t: Timestamp| (t.as_second() + 8 * 3600).div_euclid(86_400);
    match secs {
        ..60 => "刚刚".into(),
        60..3600 => format!("{}分钟前", secs / 60),
        _ if day(at) == day(now) => local(at, "今天 %H:%M"),
        _ if day(at) + 1 == day(now) => local(at, "昨天 %H:%M"),
        _ => local(at, "%m-%d %H:%M"),
    }
}

fn escape(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

async fn reviews(
    State(site): State<Arc<Site>>,
    Path(product): Path<String>,
    Query(q): Query<HashMap<String, usize>>,
) -> Response {
    let items: Vec<&DemoMention> = site
        .corpus
        .mentions
        .iter()
        .filter(|m| m.place == Place::Review && m.product == product && site.out(m.at))
        .collect();
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">\
         <title>商品评价</title></head><body><div class=\"comment-list\">\n",
    );
    for m in page(&items, q.get("page").copied().unwrap_or(1)) {
        html.push_str(&format!(
            "<div class=\"comment-item\" data-id=\"{}\"><span class=\"user\">{}</span><span class=\"star star{}\"></span>\
             <p class=\"content\">{}</p><span class=\"date\">{}</span><span class=\"useful\">有用({})</span></div>\n",
            m.id,
            escape(&m.author),
            m.stars,
            escape(&m.text),
            local(m.at, "%Y-%m-%d %H:%M"),
            m.likes
        ));
    }
    html.push_str("</div></body></html>");
    let bytes = encoding_rs::GBK.encode(&html).0.into_owned();
    ([(header::CONTENT_TYPE, "text/html")], bytes).into_response()
}

async fn feed(State(site): State<Arc<Site>>, Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    let now = site.clock.now();
    let posts: Vec<&DemoMention> =
        site.corpus.mentions.iter().filter(|m| m.place == Place::Post && site.out(m.at)).collect();
    let offset: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let slice = if offset < posts.len() { &posts[offset..(offset + PER_PAGE).min(posts.len())] } else { &[] };
    let list: Vec<Value> = slice
        .iter()
        .map(|m| {
            json!({
                "mid": m.id, "text": escape(&m.text), "created_at": feed_time(m.at, now),
                "reposts_count": m.reposts, "comments_count": m.replies, "attitudes_count": m.likes,
                "user": {"screen_name": m.author}
            })
        })
        .collect();
    let next = offset + slice.len();
    Json(
        json!({"ok": 1, "data": {"list": list, "next_cursor": next.to_string(), "is_end": u8::from(next >= posts.len())}}),
    )
}

async fn questions(State(site): State<Arc<Site>>, Query(q): Query<HashMap<String, usize>>) -> Response {
    let mut html =
        String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>问答</title></head><body><ul>\n");
    let asked: Vec<_> = site.corpus.questions.iter().filter(|q| site.out(q.at)).collect();
    for question in page(&asked, q.get("page").copied().unwrap_or(1)) {
        html.push_str(&format!(
            "<li class=\"question\" data-qid=\"q{0}\"><a class=\"title\" href=\"/qa/q/{0}\">{1}</a><span class=\"time\">{2}</span></li>\n",
            question.id,
            escape(&question.title),
            local(question.at, "%Y-%m-%d %H:%M")
        ));
    }
    html.push_str("</ul></body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn answers(State(site): State<Arc<Site>>, Path(id): Path<usize>) -> Response {
    let Some(question) = site.corpus.questions.iter().find(|q| q.id == id && site.out(q.at)) else {
        return (StatusCode::NOT_FOUND, "没有这个问题").into_response();
    };
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{0}</title></head><body><h1>{0}</h1>\n",
        escape(&question.title)
    );
    for m in site.corpus.mentions.iter().filter(|m| m.place == Place::Answer && m.question == id && site.out(m.at)) {
        html.push_str(&format!(
            "<div class=\"answer\" data-aid=\"{}\"><span class=\"author\">{}</span><div class=\"content\"><p>{}</p></div>\
             <span class=\"time\">{}</span><button class=\"vote\">{} 赞同</button></div>\n",
            m.id,
            escape(&m.author),
            escape(&m.text),
            local(m.at, "%Y-%m-%d %H:%M"),
            m.likes
        ));
    }
    html.push_str("</body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn webhook(State(site): State<Arc<Site>>, Json(body): Json<Value>) -> Json<Value> {
    site.webhook.lock().expect("webhook log").push(body);
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

#[cfg(test)]
mod tests {
    use super::feed_time;

    #[test]
    fn the_feed_prints_times_like_weibo() {
        let now: jiff::Timestamp = "2026-11-23T06:20:00Z".parse().unwrap(); // 14:20 in Shanghai
        let ago = |s: i64| jiff::Timestamp::from_second(now.as_second() - s).unwrap();
        assert_eq!(feed_time(ago(20), now), "刚刚");
        assert_eq!(feed_time(ago(25 * 60), now), "25分钟前");
        assert_eq!(feed_time(ago(3 * 3600), now), "今天 11:20");
        assert_eq!(feed_time(ago(20 * 3600), now), "昨天 18:20");
        assert_eq!(feed_time(ago(5 * 86_400), now), "11-18 14:20");
    }
}
