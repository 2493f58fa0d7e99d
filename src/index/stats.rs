//! Stats for a watch over a period: volume per bucket split by sentiment, net sentiment, share
//! of voice against its competitor group, risk-category counts, top terms. Computed by tantivy
//! aggregations over fast fields (top terms by [`super::terms`]); buckets follow Asia/Shanghai
//! days and hours.

use jiff::Timestamp;
use serde_json::{Value, json};
use tantivy::Searcher;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::AggregationResults;
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};

use super::search::published_range;
use super::terms::{TERMS_SAMPLE, TermCount};
use super::{Fields, IndexError};
use crate::sentiment::{Emotion, Label, RiskCategory};
use crate::text::TextPipeline;
use crate::time::{Interval, LOCAL_OFFSET_SECS};
use crate::watch::Watch;

/// What to count.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    pub watch: String,
    /// The watch's names, left out of its top terms.
    pub aliases: Vec<String>,
    /// The watches of its competitor group (including itself), for share of voice.
    pub group: Vec<String>,
    pub since: Timestamp,
    pub until: Timestamp,
    pub interval: Interval,
}

impl StatsRequest {
    /// The stats of `watch` (its names left out of the top terms, its competitor group among
    /// `all` for share of voice) over [`since`, `until`).
    pub fn for_watch(watch: &Watch, all: &[Watch], since: Timestamp, until: Timestamp, interval: Interval) -> Self {
        StatsRequest {
            watch: watch.name.clone(),
            aliases: watch.aliases.clone(),
            group: watch.group_members(all),
            since,
            until,
            interval,
        }
    }
}

/// Mentions by sentiment.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub total: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

impl Counts {
    /// (positive − negative) / total, in [-1, 1]; 0 without mentions.
    pub fn net_sentiment(&self) -> f64 {
        if self.total == 0 { 0.0 } else { (self.positive as f64 - self.negative as f64) / self.total as f64 }
    }
}

/// One time bucket.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Bucket {
    /// Bucket start (a local hour or midnight).
    #[serde(with = "crate::time::rfc3339_local")]
    pub start: Timestamp,
    #[serde(flatten)]
    pub counts: Counts,
}

/// One watch's share of its group's mentions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Share {
    pub watch: String,
    pub mentions: u64,
    pub share: f64,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stats {
    pub watch: String,
    #[serde(with = "crate::time::rfc3339_local")]
    pub since: Timestamp,
    #[serde(with = "crate::time::rfc3339_local")]
    pub until: Timestamp,
    pub interval: Interval,
    pub counts: Counts,
    /// (positive − negative) / total, in [-1, 1]; 0 without mentions.
    pub net_sentiment: f64,
    pub buckets: Vec<Bucket>,
    pub share_of_voice: Vec<Share>,
    /// Risk category and mention count, most first.
    pub risks: Vec<(RiskCategory, u64)>,
    /// Strongest emotion and mention count, most first (mentions without one left out).
    pub emotions: Vec<(Emotion, u64)>,
    /// Per aspect: mentions speaking of it with each label, most mentions first.
    pub aspects: Vec<AspectCount>,
    /// Per source (at most 50, most mentions first): its mentions by sentiment.
    pub by_source: Vec<SourceCounts>,
    /// The words in most mentions of the newest `terms_sampled` (at most [`TERMS_SAMPLE`]).
    pub top_terms: Vec<TermCount>,
    pub terms_sampled: u64,
}

/// A source's mentions by sentiment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceCounts {
    pub source: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// How many top terms stats report.
pub const TOP_TERMS: usize = 20;

/// The most buckets one request may ask for (31 days by the hour is 744, ten years by day 3,650).
pub const MAX_BUCKETS: i64 = 5_000;

/// Refuses a period that is empty or cut into more than [`MAX_BUCKETS`] buckets.
pub fn check_period(since: Timestamp, until: Timestamp, interval: Interval) -> Result<(), IndexError> {
    if since >= until {
        return Err(IndexError::Request("since must be before until".into()));
    }
    let buckets = until.duration_since(since).as_secs() / interval.len().as_secs().max(1);
    if buckets > MAX_BUCKETS {
        return Err(IndexError::Request(format!(
            "the period holds {buckets} {} buckets; at most {MAX_BUCKETS} (ask for a shorter period, or by day)",
            interval.name()
        )));
    }
    Ok(())
}

/// Computes the stats of `request` on the committed index.
pub fn stats(searcher: &Searcher, f: Fields, text: &TextPipeline, request: &StatsRequest) -> Result<Stats, IndexError> {
    check_period(request.since, request.until, request.interval)?;
    let (from_ms, to_ms) = (request.since.as_millisecond(), request.until.as_millisecond());
    let aggs = json!({
        "timeline": timeline_agg(request.interval, from_ms, to_ms),
        "label": {"terms": {"field": "label", "size": 3}},
        "risks": {"terms": {"field": "risks", "size": 20}},
        "emotion": {"terms": {"field": "emotion", "size": 6}},
        "aspects": {"terms": {"field": "aspects", "size": 120}},
        "sources": {"terms": {"field": "source", "size": 50}, "aggs": {"label": {"terms": {"field": "label", "size": 3}}}}
    });
    let watch_query = terms_query(f, std::slice::from_ref(&request.watch), request);
    let result = aggregate(searcher, &*watch_query, aggs)?;
    let counts = counts(&result["label"]);
    let buckets = buckets_of(&result["timeline"]);
    let risks = risk_counts_of(&result["risks"]);
    let emotions = risk_counts_of(&result["emotion"]);
    let aspects = aspect_counts_of(&result["aspects"]);
    let by_source = result["sources"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| SourceCounts { source: b["key"].as_str().unwrap_or_default().to_string(), counts: counts_of(b) })
        .collect();

    let mut group = request.group.clone();
    if !group.contains(&request.watch) {
        group.insert(0, request.watch.clone());
    }
    // One count per watch of the group: a term and a date range each, cheaper than
    // aggregating the whole group's mentions by watch.
    let group_counts = group
        .iter()
        .map(|w| {
            let n = if *w == request.watch {
                counts.total
            } else {
                searcher.search(&*terms_query(f, std::slice::from_ref(w), request), &Count)? as u64
            };
            Ok((w.clone(), n))
        })
        .collect::<Result<Vec<(String, u64)>, IndexError>>()?;
    let group_total: u64 = group_counts.iter().map(|(_, n)| n).sum();
    let share_of_voice = group_counts
        .into_iter()
        .map(|(watch, mentions)| Share {
            watch,
            mentions,
            share: if group_total == 0 { 0.0 } else { mentions as f64 / group_total as f64 },
        })
        .collect();
    let (term_counts, terms_sampled) =
        super::terms::term_counts(searcher, f, &*watch_query, text, &request.aliases, TERMS_SAMPLE)?;
    let net = counts.net_sentiment();
    Ok(Stats {
        watch: request.watch.clone(),
        since: request.since,
        until: request.until,
        interval: request.interval,
        counts,
        net_sentiment: net,
        buckets,
        share_of_voice,
        risks,
        emotions,
        aspects,
        by_source,
        top_terms: super::terms::top(&term_counts, TOP_TERMS),
        terms_sampled,
    })
}

/// Only the buckets of a watch's mentions in [`since`, `until`) by sentiment: what the spike
/// detector reads, without the rest of [`stats`] (top terms, share of voice, risks).
pub fn timeline(
    searcher: &Searcher,
    f: Fields,
    watch: &str,
    since: Timestamp,
    until: Timestamp,
    interval: Interval,
) -> Result<Vec<Bucket>, IndexError> {
    let query = watches_query(f, &[watch.to_string()], since, until);
    timeline_of(searcher, &*query, since, until, interval)
}

/// The buckets in [`since`, `until`) of the mentions `query` picks, by sentiment (empty ones
/// included).
pub fn timeline_of(
    searcher: &Searcher,
    query: &dyn Query,
    since: Timestamp,
    until: Timestamp,
    interval: Interval,
) -> Result<Vec<Bucket>, IndexError> {
    // The detector replays at most a year of history (alerts.history_days) by the hour.
    if until.duration_since(since).as_secs() / interval.len().as_secs().max(1) > 24 * 400 {
        return Err(IndexError::Request("a timeline of more than 400 days by the hour is not kept".into()));
    }
    let aggs = json!({"timeline": timeline_agg(interval, since.as_millisecond(), until.as_millisecond())});
    Ok(buckets_of(&aggregate(searcher, query, aggs)?["timeline"]))
}

/// The date histogram by sentiment label over [`from_ms`, `to_ms`), empty buckets included,
/// days starting at local midnight.
pub(super) fn timeline_agg(interval: Interval, from_ms: i64, to_ms: i64) -> Value {
    let (width, offset) = match interval {
        Interval::Hour => ("1h", "0h".to_string()),
        Interval::Day => ("1d", format!("{}h", 24 - LOCAL_OFFSET_SECS / 3600)),
    };
    json!({
        "date_histogram": {
            "field": "published", "fixed_interval": width, "offset": offset, "min_doc_count": 0,
            "extended_bounds": {"min": from_ms, "max": to_ms - 1},
            "hard_bounds": {"min": from_ms, "max": to_ms - 1}
        },
        "aggs": {"label": {"terms": {"field": "label", "size": 3}}}
    })
}

pub(super) fn buckets_of(timeline: &Value) -> Vec<Bucket> {
    timeline["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let start = Timestamp::from_millisecond(b["key"].as_f64()? as i64).ok()?;
            Some(Bucket { start, counts: counts_of(b) })
        })
        .collect()
}

/// Mentions of any of `watches` published in the request's period.
fn terms_query(f: Fields, watches: &[String], r: &StatsRequest) -> Box<dyn Query> {
    watches_query(f, watches, r.since, r.until)
}

/// Mentions of any of `watches` published in [`since`, `until`).
pub fn watches_query(f: Fields, watches: &[String], since: Timestamp, until: Timestamp) -> Box<dyn Query> {
    let any: Vec<(Occur, Box<dyn Query>)> = watches
        .iter()
        .map(|w| {
            let q: Box<dyn Query> =
                Box::new(TermQuery::new(Term::from_field_text(f.watches, w), IndexRecordOption::Basic));
            (Occur::Should, q)
        })
        .collect();
    let range = published_range(f, Some(&since), Some(&until));
    Box::new(BooleanQuery::new(vec![(Occur::Must, Box::new(BooleanQuery::new(any))), (Occur::Must, Box::new(range))]))
}

/// Risk category and mention count among the mentions `query` matches, most first.
pub fn risk_counts(searcher: &Searcher, query: &dyn Query) -> Result<Vec<(RiskCategory, u64)>, IndexError> {
    let result = aggregate(searcher, query, json!({"risks": {"terms": {"field": "risks", "size": 20}}}))?;
    Ok(risk_counts_of(&result["risks"]))
}

/// Source and mention count among the mentions `query` matches, most first.
pub fn source_counts(searcher: &Searcher, query: &dyn Query) -> Result<Vec<(String, u64)>, IndexError> {
    let result = aggregate(searcher, query, json!({"sources": {"terms": {"field": "source", "size": 200}}}))?;
    Ok(risk_counts_of(&result["sources"]))
}

/// Strongest emotion and mention count among the mentions `query` matches, most first.
pub fn emotion_counts(searcher: &Searcher, query: &dyn Query) -> Result<Vec<(Emotion, u64)>, IndexError> {
    let result = aggregate(searcher, query, json!({"emotion": {"terms": {"field": "emotion", "size": 6}}}))?;
    Ok(risk_counts_of(&result["emotion"]))
}

/// The aspects of the mentions `query` matches, most mentions first.
pub fn aspect_counts(searcher: &Searcher, query: &dyn Query) -> Result<Vec<AspectCount>, IndexError> {
    let result = aggregate(searcher, query, json!({"aspects": {"terms": {"field": "aspects", "size": 120}}}))?;
    Ok(aspect_counts_of(&result["aspects"]))
}

/// Mentions speaking of one aspect, by the label of its clause.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct AspectCount {
    pub aspect: String,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

impl AspectCount {
    pub fn total(&self) -> u64 {
        self.positive + self.neutral + self.negative
    }
}

/// The aspects of a terms aggregation over `aspects` (`电池:negative` keys), most mentions first.
fn aspect_counts_of(terms: &Value) -> Vec<AspectCount> {
    let mut out: Vec<AspectCount> = Vec::new();
    for b in terms["buckets"].as_array().into_iter().flatten() {
        let Some((aspect, label)) = b["key"].as_str().and_then(|k| k.rsplit_once(':')) else { continue };
        let Ok(label) = label.parse::<Label>() else { continue };
        let n = b["doc_count"].as_u64().unwrap_or_default();
        let i = match out.iter().position(|a| a.aspect == aspect) {
            Some(i) => i,
            None => {
                out.push(AspectCount { aspect: aspect.to_string(), positive: 0, neutral: 0, negative: 0 });
                out.len() - 1
            }
        };
        match label {
            Label::Positive => out[i].positive += n,
            Label::Neutral => out[i].neutral += n,
            Label::Negative => out[i].negative += n,
        }
    }
    out.sort_by(|a, b| b.total().cmp(&a.total()).then(a.aspect.cmp(&b.aspect)));
    out
}

/// The (name, count) pairs of a terms aggregation over `risks` (or `emotion`).
fn risk_counts_of<T: std::str::FromStr>(terms: &Value) -> Vec<(T, u64)> {
    terms["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| Some((b["key"].as_str()?.parse().ok()?, b["doc_count"].as_u64().unwrap_or_default())))
        .collect()
}

pub(super) fn aggregate(searcher: &Searcher, query: &dyn Query, aggs: Value) -> Result<Value, IndexError> {
    let aggs: Aggregations = serde_json::from_value(aggs).expect("the aggregation requests above are well formed");
    let collector = AggregationCollector::from_aggs(aggs, AggContextParams::default());
    let result: AggregationResults = searcher.search(query, &collector)?;
    Ok(serde_json::to_value(result).expect("aggregation results serialize"))
}

fn counts_of(bucket: &Value) -> Counts {
    let mut c = counts(&bucket["label"]);
    c.total = bucket["doc_count"].as_u64().unwrap_or(c.total);
    c
}

fn counts(terms: &Value) -> Counts {
    let mut c = Counts::default();
    for b in terms["buckets"].as_array().into_iter().flatten() {
        let n = b["doc_count"].as_u64().unwrap_or_default();
        match b["key"].as_str() {
            Some("positive") => c.positive += n,
            Some("neutral") => c.neutral += n,
            Some("negative") => c.negative += n,
            _ => {}
        }
        c.total += n;
    }
    c
}
