//! An incident's scope and evidence, as the incident page, `yuqing incidents show` and the JSON
//! API give it: the timeline per hour (the watch's mentions by sentiment, the incident's by
//! source), where it started (the earliest posts), who spreads it (accounts by reach), the
//! copy-paste waves, the rising terms, the risk categories, the emotions and aspects of its
//! mentions, the most engaged posts, and the
//! totals. Every figure is a count over [`Incident::request`] (narrowed by hour, source, account
//! or group), so the dashboard links each to the posts it counts.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tantivy::Searcher;

use super::{Incident, IncidentError};
use crate::index::Fields;
use crate::index::breakdown::{SourceBucket, Spreader, Totals, Wave, spreaders, timeline_by_source, totals, waves};
use crate::index::search::{SearchRequest, Sort, TopPost, checked_request, top_posts};
use crate::index::stats::{AspectCount, Bucket, aspect_counts, emotion_counts, risk_counts, timeline};
use crate::index::terms::{RisingTerm, TERMS_SAMPLE, rising, term_counts};
use crate::sentiment::{Emotion, RiskCategory};
use crate::text::TextPipeline;
use crate::time::Interval;

/// How many of each list the evidence carries.
const LIST: usize = 10;
/// The longest timeline shown, in hours (a long incident shows its last two weeks).
const MAX_HOURS: i64 = 24 * 14;

/// One hour of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hour {
    /// The watch's mentions that hour, by sentiment.
    pub watch: Bucket,
    /// The incident's mentions that hour, by source.
    pub incident: SourceBucket,
}

/// Everything the incident page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub incident: Incident,
    /// When it was gathered: the hour containing it is still filling.
    #[serde(with = "crate::time::rfc3339_local")]
    pub as_of: Timestamp,
    pub totals: Totals,
    pub timeline: Vec<Hour>,
    /// The earliest posts of its scope: where it started.
    pub first_posts: Vec<TopPost>,
    pub spreaders: Vec<Spreader>,
    /// Duplicate groups of at least two of its mentions, largest first.
    pub waves: Vec<Wave>,
    /// Terms of its mentions that rose against the watch's week before it.
    pub rising_terms: Vec<RisingTerm>,
    pub risks: Vec<(RiskCategory, u64)>,
    /// The strongest emotions of its mentions, most first.
    pub emotions: Vec<(Emotion, u64)>,
    /// The aspects its mentions speak of, most first (at most [`LIST`]).
    pub aspects: Vec<AspectCount>,
    pub top_posts: Vec<TopPost>,
    /// The sources of its mentions, most first.
    pub sources: Vec<(String, u64)>,
}

/// The evidence of `incident` at `now`.
pub fn gather(
    searcher: &Searcher,
    f: Fields,
    text: &TextPipeline,
    aliases: &[String],
    incident: &Incident,
    now: Timestamp,
) -> Result<Evidence, IncidentError> {
    let request = incident.request();
    let query = checked_request(searcher, f, &request)?;
    let until =
        Interval::Hour.floor(incident.ended_at.unwrap_or(now).max(incident.start)) + SignedDuration::from_hours(1);
    let from = incident.start.max(until - SignedDuration::from_hours(MAX_HOURS));
    let own = timeline_by_source(searcher, &*query, from, until, Interval::Hour)?;
    let all = timeline(searcher, f, &incident.watch, from, until, Interval::Hour)?;
    let timeline = all.into_iter().zip(own).map(|(watch, incident)| Hour { watch, incident }).collect();
    let first_posts = top_posts(searcher, f, &SearchRequest { sort: Sort::Earliest, limit: 5, ..request.clone() })?;
    let top = top_posts(
        searcher,
        f,
        &SearchRequest { sort: Sort::Engagement, limit: LIST, collapse: true, ..request.clone() },
    )?;
    let week_before = SearchRequest {
        watch: Some(incident.watch.clone()),
        since: Some(incident.start - SignedDuration::from_hours(168)),
        until: Some(incident.start),
        ..SearchRequest::default()
    };
    let before_q = checked_request(searcher, f, &week_before)?;
    let (now_terms, n_now) = term_counts(searcher, f, &*query, text, aliases, TERMS_SAMPLE)?;
    let (before, n_before) = term_counts(searcher, f, &*before_q, text, aliases, TERMS_SAMPLE)?;
    Ok(Evidence {
        totals: totals(searcher, &*query)?,
        timeline,
        first_posts,
        spreaders: spreaders(searcher, &*query, LIST)?,
        waves: waves(searcher, f, &*query, 2, LIST)?,
        rising_terms: rising(&now_terms, n_now, &before, n_before, (n_now / 20).max(2), LIST),
        risks: risk_counts(searcher, &*query)?,
        emotions: emotion_counts(searcher, &*query)?,
        aspects: aspect_counts(searcher, &*query)?.into_iter().take(LIST).collect(),
        top_posts: top,
        sources: crate::index::stats::source_counts(searcher, &*query)?,
        incident: incident.clone(),
        as_of: now,
    })
}
