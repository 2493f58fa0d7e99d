//! A subscription's batches: at each of its intervals, the saved search's matches it has not
//! sent yet become one message — how many, the first [`QUOTED`] verbatim with their links, a
//! link to the search on the dashboard — and nothing is sent when there are none.
//!
//! Its position is the set of mentions it sent (by id fingerprint, so that commits and merges do
//! not move it), kept for those published up to [`LATE`] before the batch: a mention found late
//! (a slow source) is still sent once, and one published earlier than that (a backfill) is
//! counted on the 专题 page but not pushed. The first check sends nothing and takes every match
//! as sent: a subscription tells what arrives after it starts. A batch is recorded after it was
//! delivered: a crash in between sends that one batch again, and a failed delivery is retried
//! with the next batch.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::{SavedBook, SavedError, SavedSearch};
use crate::alert::channels::Notice;
use crate::index::Fields;
use crate::index::search::{MatchKey, SearchHit, SearchRequest, Sort, hits_at, match_keys};
use crate::render::{Message, Span};
use crate::time::local_minute;

/// How long before a batch a mention may have been published and still be sent.
pub const LATE: SignedDuration = SignedDuration::from_hours(48);
/// Posts a batch quotes in full.
pub const QUOTED: usize = 5;

/// Where a subscription stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// Its last check (a batch sent, or nothing new).
    pub checked_at: Timestamp,
}

/// The matches a batch would send: all of them, oldest first, and the first [`QUOTED`] as hits.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub keys: Vec<MatchKey>,
    pub first: Vec<SearchHit>,
}

impl SavedBook {
    /// Whether `saved`'s subscription is due at `now` (its first check is due at once).
    pub fn due(&self, saved: &SavedSearch, now: Timestamp) -> Result<bool, SavedError> {
        let Some(sub) = &saved.subscription else { return Ok(false) };
        Ok(match self.mark(&saved.name)? {
            None => true,
            Some(m) => now >= m.checked_at + SignedDuration::from_mins(i64::from(sub.every_minutes)),
        })
    }

    /// Whether the subscription has checked before (else its first check only takes its position).
    pub fn started(&self, name: &str) -> Result<bool, SavedError> {
        Ok(self.mark(name)?.is_some())
    }

    /// The matches of `request` (the saved search `name`'s) published since `now` − [`LATE`]
    /// that its subscription has not sent.
    pub fn fresh(
        &self,
        name: &str,
        searcher: &Searcher,
        fields: Fields,
        request: &SearchRequest,
        now: Timestamp,
    ) -> Result<Fresh, SavedError> {
        let since = request.since.map_or(now - LATE, |s| s.max(now - LATE));
        let r = SearchRequest { since: Some(since), sort: Sort::Earliest, ..request.clone() };
        if r.until.is_some_and(|u| u <= since) {
            return Ok(Fresh { keys: Vec::new(), first: Vec::new() });
        }
        let mut keys = Vec::new();
        for k in match_keys(searcher, fields, &r)? {
            if !self.store.saved_sent(name, k.id_hash)? {
                keys.push(k);
            }
        }
        let quoted: Vec<_> = keys.iter().take(QUOTED).map(|k| k.address).collect();
        let first = hits_at(searcher, fields, &r, &quoted)?;
        Ok(Fresh { keys, first })
    }

    /// Records `keys` as sent at `now` (forgetting those published before `now` − [`LATE`]), then
    /// the check.
    pub fn record_sent(&self, name: &str, keys: &[MatchKey], now: Timestamp) -> Result<(), SavedError> {
        let sent: Vec<(u64, i64)> = keys.iter().map(|k| (k.id_hash, k.published.as_second())).collect();
        self.store.record_saved_sent(name, &sent, (now - LATE).as_second())?;
        self.put_mark(name, &Mark { checked_at: now })
    }
}

/// The dashboard's search of `saved` under `base` (its address, as `incidents.dashboard_url`).
pub fn search_link(saved: &SavedSearch, base: &str) -> String {
    format!("{}/search?{}", base.trim_end_matches('/'), saved.query)
}

/// The batch as a message for every channel.
pub fn notice(saved: &SavedSearch, fresh: &Fresh, dashboard: Option<&str>) -> Notice {
    let n = fresh.keys.len();
    let mut m = Message::default();
    if let (Some(a), Some(b)) = (fresh.keys.first(), fresh.keys.last()) {
        m.item(format!(
            "新增 {n} 条（发布于 {} 至 {}，北京时间）",
            local_minute(a.published),
            local_minute(b.published)
        ));
    }
    for (i, h) in fresh.first.iter().enumerate() {
        let text = if h.title.trim().is_empty() { h.text.clone() } else { format!("{}：{}", h.title, h.text) };
        let about = format!(
            "（{}，{}，{}）",
            h.source,
            if h.author.is_empty() { "匿名" } else { &h.author },
            local_minute(h.published_at)
        );
        m.numbered(i + 1, vec![Span::Link { text, url: h.url.clone() }, Span::Text(about)]);
    }
    if n > fresh.first.len() {
        m.item(format!("另有 {} 条未列出", n - fresh.first.len()));
    }
    let link = dashboard.map(|base| search_link(saved, base));
    match &link {
        Some(url) => m.blocks.push(crate::render::Block::Item {
            number: None,
            spans: vec![Span::Text("在看板查看：".into()), Span::Link { text: "打开搜索页".into(), url: url.clone() }],
        }),
        None => m.item("在看板「专题」页查看全部"),
    }
    let posts: Vec<serde_json::Value> = fresh.first.iter().map(post).collect();
    Notice {
        title: format!("【舆情专题】{}：新增 {n} 条", saved.name),
        markdown: m,
        html: None,
        what: "saved_search",
        data: serde_json::json!({"name": saved.name, "query": saved.query, "count": n, "posts": posts, "link": link}),
    }
}

/// A quoted post in the batch's JSON: the mention as written, with its link.
fn post(h: &SearchHit) -> serde_json::Value {
    serde_json::json!({
        "id": h.id, "source": h.source, "author": h.author, "url": h.url, "title": h.title, "text": h.text,
        "published_at": crate::time::local_rfc3339(h.published_at), "label": h.label,
    })
}
