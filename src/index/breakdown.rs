//! Who and where, for any set of mentions a query picks (an incident's): the mentions per bucket
//! by sentiment and by source, the accounts that spread them (by reach), the copy-paste waves
//! (duplicate groups with their size and accounts) and the totals of mentions, accounts and
//! engagement. Tantivy aggregations over fast fields; nothing is sampled.

use jiff::Timestamp;
use serde_json::{Value, json};
use tantivy::Searcher;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery};
use tantivy::schema::{Term, Value as _};
use tantivy::{Order, TantivyDocument};

use super::stats::{Bucket, aggregate, buckets_of, timeline_agg};
use super::{Fields, IndexError};
use crate::time::Interval;

/// One bucket: its counts by sentiment and by source (most first).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceBucket {
    #[serde(flatten)]
    pub bucket: Bucket,
    pub by_source: Vec<(String, u64)>,
}

/// The mentions `query` picks in [`since`, `until`), per bucket (empty ones included).
pub fn timeline_by_source(
    searcher: &Searcher,
    query: &dyn Query,
    since: Timestamp,
    until: Timestamp,
    interval: Interval,
) -> Result<Vec<SourceBucket>, IndexError> {
    super::stats::check_period(since, until, interval)?;
    let mut agg = timeline_agg(interval, since.as_millisecond(), until.as_millisecond());
    agg["aggs"]["source"] = json!({"terms": {"field": "source", "size": 50}});
    let result = aggregate(searcher, query, json!({ "timeline": agg }))?;
    let buckets = buckets_of(&result["timeline"]);
    let raw = result["timeline"]["buckets"].as_array().cloned().unwrap_or_default();
    Ok(buckets
        .into_iter()
        .zip(raw)
        .map(|(bucket, raw)| SourceBucket { bucket, by_source: key_counts(&raw["source"]) })
        .collect())
}

/// An account among the mentions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Spreader {
    pub author: String,
    /// Where it posted most.
    pub source: String,
    /// Its most followers seen, where the site gives them.
    pub followers: Option<u64>,
    pub mentions: u64,
    /// Likes, reposts and replies of its mentions.
    pub engagement: u64,
}

/// The `n` accounts of the most reach among the mentions `query` picks: most followers first,
/// then most engagement (accounts without followers, ranked by engagement, after them).
pub fn spreaders(searcher: &Searcher, query: &dyn Query, n: usize) -> Result<Vec<Spreader>, IndexError> {
    let per_author = json!({
        "followers": {"max": {"field": "author_followers"}},
        "likes": {"sum": {"field": "likes"}},
        "reposts": {"sum": {"field": "reposts"}},
        "replies": {"sum": {"field": "replies"}},
        "source": {"terms": {"field": "source", "size": 1}}
    });
    // Two passes over the fast fields: the accounts with most followers, and those with most
    // likes (the bulk of engagement: a viral post from an account whose followers the site hides).
    let mut found: Vec<Spreader> = Vec::new();
    for order in ["followers", "engagement"] {
        let order_by = if order == "followers" { json!({"followers": "desc"}) } else { json!({"likes": "desc"}) };
        let aggs =
            json!({"authors": {"terms": {"field": "author", "size": n * 2, "order": order_by}, "aggs": per_author}});
        let result = aggregate(searcher, query, aggs)?;
        for b in result["authors"]["buckets"].as_array().into_iter().flatten() {
            let author = b["key"].as_str().unwrap_or_default().to_string();
            if author.is_empty() || found.iter().any(|s| s.author == author) {
                continue;
            }
            let sum = |k: &str| b[k]["value"].as_f64().unwrap_or(0.0) as u64;
            found.push(Spreader {
                source: key_counts(&b["source"]).into_iter().next().map(|(s, _)| s).unwrap_or_default(),
                followers: b["followers"]["value"].as_f64().map(|f| f as u64),
                mentions: b["doc_count"].as_u64().unwrap_or_default(),
                engagement: sum("likes") + sum("reposts") + sum("replies"),
                author,
            });
        }
    }
    found.sort_by(|a, b| b.followers.unwrap_or(0).cmp(&a.followers.unwrap_or(0)).then(b.engagement.cmp(&a.engagement)));
    found.truncate(n);
    Ok(found)
}

/// A copy-paste wave: one duplicate group among the mentions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Wave {
    /// The group (the `cluster` of its mentions).
    pub cluster: u64,
    pub mentions: u64,
    /// Distinct accounts that posted it.
    pub accounts: u64,
    #[serde(with = "crate::time::rfc3339_local")]
    pub first: Timestamp,
    #[serde(with = "crate::time::rfc3339_local")]
    pub last: Timestamp,
    /// The text of its earliest mention, as written.
    pub text: String,
}

/// The `n` largest duplicate groups of at least `min_size` mentions among those `query` picks,
/// each with the text of its earliest mention.
pub fn waves(
    searcher: &Searcher,
    f: Fields,
    query: &dyn Query,
    min_size: u64,
    n: usize,
) -> Result<Vec<Wave>, IndexError> {
    let mut out = wave_groups(searcher, query, min_size, n)?;
    for w in &mut out {
        w.text = first_text(searcher, f, query, w.cluster)?;
    }
    Ok(out)
}

/// The same groups with their counts only (`text` left empty): one aggregation, no stored text read.
pub fn wave_groups(searcher: &Searcher, query: &dyn Query, min_size: u64, n: usize) -> Result<Vec<Wave>, IndexError> {
    let aggs = json!({"groups": {
        "terms": {"field": "cluster", "size": n, "min_doc_count": min_size},
        "aggs": {
            "accounts": {"terms": {"field": "author", "size": MAX_ACCOUNTS}},
            "first": {"min": {"field": "published"}},
            "last": {"max": {"field": "published"}}
        }
    }});
    let result = aggregate(searcher, query, aggs)?;
    let mut out = Vec::new();
    for b in result["groups"]["buckets"].as_array().into_iter().flatten() {
        // The group's key exactly (through an f64 a 64-bit fingerprint would lose its low bits).
        let Some(cluster) = b["key"].as_u64() else { continue };
        let at = |k: &str| {
            b[k]["value"].as_f64().and_then(|ms| Timestamp::from_millisecond(ms as i64).ok()).unwrap_or_default()
        };
        out.push(Wave {
            cluster,
            mentions: b["doc_count"].as_u64().unwrap_or_default(),
            accounts: key_counts(&b["accounts"]).iter().filter(|(a, _)| !a.is_empty()).count() as u64,
            first: at("first"),
            last: at("last"),
            text: String::new(),
        });
    }
    Ok(out)
}

/// The text as written of the earliest mention of group `cluster` among those `query` picks.
fn first_text(searcher: &Searcher, f: Fields, query: &dyn Query, cluster: u64) -> Result<String, IndexError> {
    let t = Term::from_field_u64(f.cluster, cluster);
    let group = RangeQuery::new(std::ops::Bound::Included(t.clone()), std::ops::Bound::Included(t));
    let both = BooleanQuery::new(vec![(Occur::Must, query.box_clone()), (Occur::Must, Box::new(group))]);
    let top = TopDocs::with_limit(1).order_by_fast_field::<tantivy::DateTime>("published", Order::Asc);
    let Some((_, address)) = searcher.search(&both, &top)?.into_iter().next() else { return Ok(String::new()) };
    let doc: TantivyDocument = searcher.doc(address)?;
    Ok(doc.get_first(f.text_original).and_then(|v| v.as_str()).unwrap_or_default().to_string())
}

/// How much the mentions weigh together.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Totals {
    pub mentions: u64,
    /// Distinct accounts (counted exactly up to [`MAX_ACCOUNTS`], which it then says).
    pub accounts: u64,
    /// Likes, reposts and replies together.
    pub engagement: u64,
}

/// The most distinct accounts [`totals`] counts.
pub const MAX_ACCOUNTS: usize = 200_000;

/// The totals of the mentions `query` picks.
pub fn totals(searcher: &Searcher, query: &dyn Query) -> Result<Totals, IndexError> {
    let aggs = json!({
        "accounts": {"terms": {"field": "author", "size": MAX_ACCOUNTS}},
        "likes": {"sum": {"field": "likes"}},
        "reposts": {"sum": {"field": "reposts"}},
        "replies": {"sum": {"field": "replies"}}
    });
    let mentions = searcher.search(query, &tantivy::collector::Count)? as u64;
    let r = aggregate(searcher, query, aggs)?;
    let sum = |k: &str| r[k]["value"].as_f64().unwrap_or(0.0) as u64;
    Ok(Totals {
        mentions,
        accounts: key_counts(&r["accounts"]).iter().filter(|(a, _)| !a.is_empty()).count() as u64,
        engagement: sum("likes") + sum("reposts") + sum("replies"),
    })
}

/// The (key, count) pairs of a terms aggregation, most first.
fn key_counts(terms: &Value) -> Vec<(String, u64)> {
    terms["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| Some((b["key"].as_str()?.to_string(), b["doc_count"].as_u64().unwrap_or_default())))
        .collect()
}
