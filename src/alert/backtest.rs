//! Replaying a watch's indexed history through the detector: the alerts it would have raised,
//! each with its evidence (the terms that rose against the week before), so that a team can tune
//! thresholds before going live.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::detect::{Detector, Point, Verdict};
use super::rules::AlertRules;
use crate::index::search::{SearchRequest, Sort, TopPost, top_posts};
use crate::index::stats::{aspect_counts, emotion_counts, risk_counts, timeline, watches_query};
use crate::index::terms::{RisingTerm, TERMS_SAMPLE, rising, term_counts};
use crate::index::{Fields, IndexError};
use crate::sentiment::Label;
use crate::text::TextPipeline;
use crate::time::Interval;
use crate::watch::Watch;

/// An alert the detector raised, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub watch: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Terms of the bucket's mentions that rose most against the 7 days before.
    pub rising_terms: Vec<RisingTerm>,
    /// Risk categories of the bucket's mentions and their counts, most first.
    #[serde(default)]
    pub risks: Vec<(crate::sentiment::RiskCategory, u64)>,
    /// The strongest emotions of the bucket's negative mentions and their counts, most first.
    #[serde(default)]
    pub emotions: Vec<(crate::sentiment::Emotion, u64)>,
    /// The aspects the bucket's mentions speak of, most mentions first (at most [`ASPECTS`]).
    #[serde(default)]
    pub aspects: Vec<crate::index::stats::AspectCount>,
    /// The bucket's most engaged negative mentions, one per duplicate cluster.
    #[serde(default)]
    pub top_posts: Vec<TopPost>,
    /// The incident it opened or joined, and where to read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentRef>,
}

/// An alert's incident as its message names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRef {
    pub id: u64,
    /// Its page, or the command that shows it.
    pub link: String,
}

/// How many top posts an alert carries.
const TOP_POSTS: usize = 3;
/// How many aspects an alert carries.
pub const ASPECTS: usize = 5;

/// What to replay.
#[derive(Debug, Clone)]
pub struct BacktestRequest {
    pub watch: Watch,
    pub since: Timestamp,
    pub until: Timestamp,
    pub rules: AlertRules,
}

/// The alerts for the request's watch in [`since`, `until`), judging each bucket against up to
/// `rules.history_days` of buckets before it.
pub fn backtest(
    searcher: &Searcher,
    f: Fields,
    text: &TextPipeline,
    r: &BacktestRequest,
) -> Result<Vec<Alert>, IndexError> {
    let from = r.since - SignedDuration::from_hours(24 * r.rules.history_days);
    let series = series(searcher, f, &r.watch, from, r.until, r.rules.bucket)?;
    let mut detector = Detector::new(r.rules.clone());
    let mut alerts = Vec::new();
    for end in 1..=series.len() {
        let Some(verdict) = detector.step(&series[..end]) else { continue };
        if verdict.start >= r.since {
            alerts.push(explain(searcher, f, text, &r.watch, verdict, r.rules.bucket.len())?);
        }
    }
    Ok(alerts)
}

/// The watch's mentions per bucket in [`from`, `until`), oldest first (the last one may be the
/// current, filling bucket).
pub fn series(
    searcher: &Searcher,
    f: Fields,
    watch: &Watch,
    from: Timestamp,
    until: Timestamp,
    interval: Interval,
) -> Result<Vec<Point>, IndexError> {
    Ok(timeline(searcher, f, &watch.name, from, until, interval)?
        .iter()
        .map(|b| Point { start: b.start, total: b.counts.total, negative: b.counts.negative })
        .collect())
}

/// The alert for a spike, with its evidence: the terms of the bucket that rose against the week
/// before, its risk categories, the emotions of its negative mentions, its aspects and its most
/// engaged negative posts.
pub fn explain(
    searcher: &Searcher,
    f: Fields,
    text: &TextPipeline,
    watch: &Watch,
    verdict: Verdict,
    bucket_len: SignedDuration,
) -> Result<Alert, IndexError> {
    let names = std::slice::from_ref(&watch.name);
    let bucket_end = verdict.start + bucket_len;
    let week_before = verdict.start - SignedDuration::from_hours(24 * 7);
    let now_q = watches_query(f, names, verdict.start, bucket_end);
    let before_q = watches_query(f, names, week_before, verdict.start);
    let (now, n_now) = term_counts(searcher, f, &*now_q, text, &watch.aliases, TERMS_SAMPLE)?;
    let (before, n_before) = term_counts(searcher, f, &*before_q, text, &watch.aliases, TERMS_SAMPLE)?;
    let min = (n_now / 20).max(2);
    let risks = risk_counts(searcher, &*now_q)?;
    let top = SearchRequest {
        watch: Some(watch.name.clone()),
        sentiment: Some(Label::Negative),
        since: Some(verdict.start),
        until: Some(bucket_end),
        sort: Sort::Engagement,
        limit: TOP_POSTS,
        collapse: true,
        ..SearchRequest::default()
    };
    let top_posts = top_posts(searcher, f, &top)?;
    let negative_q = crate::index::search::checked_request(searcher, f, &SearchRequest { limit: 1, ..top })?;
    let mut aspects = aspect_counts(searcher, &*now_q)?;
    aspects.truncate(ASPECTS);
    Ok(Alert {
        watch: watch.name.clone(),
        verdict,
        rising_terms: rising(&now, n_now, &before, n_before, min, 8),
        risks,
        emotions: emotion_counts(searcher, &*negative_q)?,
        aspects,
        top_posts,
        incident: None,
    })
}
