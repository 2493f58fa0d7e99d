//! The weekly trend digest for a brand manager: a watch's week (or any period) against the one
//! before — mentions per day by sentiment, net sentiment, share of voice in its competitor group,
//! risk categories, the emotions of the negative mentions, the aspects with their negative
//! share against the period before, the terms that rose, the most engaged negative and positive
//! posts (one per duplicate cluster), the alerts raised — and the changes in words ([`headlines`]). Rendered
//! as one self-contained HTML file ([`html`]), Markdown for chat robots ([`markdown`]), a Word
//! document ([`docx`]) or JSON.

pub mod charts;
pub mod docx;
pub mod headlines;
pub mod html;
pub mod markdown;
mod period;
pub mod schedule;

use serde::Serialize;
use tantivy::Searcher;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};

pub use period::{Period, PeriodKind, day, iso_week, last_week, month};

use crate::alert::{AlertRecord, Severity};
use crate::index::search::{SearchRequest, Sort, TopPost, top_posts};
use crate::index::stats::{AspectCount, Bucket, Counts, Stats, StatsRequest, emotion_counts, stats, watches_query};
use crate::index::terms::{RisingTerm, rising, term_counts};
use crate::index::{Fields, IndexError};
use crate::sentiment::{Emotion, Label, RiskCategory};
use crate::text::TextPipeline;
use crate::watch::Watch;

/// Mentions read per period for the rising terms (the newest of each period).
const TERMS_SAMPLE: usize = 2000;
/// Top posts of each polarity.
const TOP_POSTS: usize = 5;
/// Rising terms listed.
const RISING: usize = 10;

/// What to digest.
#[derive(Debug, Clone)]
pub struct DigestRequest {
    pub watch: Watch,
    /// The watches of its competitor group, itself first.
    pub group: Vec<String>,
    pub period: Period,
    /// The alert history (the digest keeps the watch's alerts of the period).
    pub alerts: Vec<AlertRecord>,
}

impl DigestRequest {
    /// The digest of `watch` (its competitor group among `all`) over `period`.
    pub fn for_watch(watch: &Watch, all: &[Watch], period: Period, alerts: Vec<AlertRecord>) -> Self {
        DigestRequest { group: watch.group_members(all), watch: watch.clone(), period, alerts }
    }
}

/// A watch's share of its group, this period and the one before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareChange {
    pub watch: String,
    pub mentions: u64,
    pub share: f64,
    pub previous_share: f64,
    pub previous_mentions: u64,
    /// Its negative mentions, this period and the one before: a competitor's crisis moves shares.
    pub negative: u64,
    pub previous_negative: u64,
}

/// A risk category's mentions, this period and the one before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskChange {
    pub risk: RiskCategory,
    /// Its Chinese label.
    pub label: &'static str,
    pub mentions: u64,
    pub previous: u64,
}

/// An aspect's mentions by clause label, this period and the one before (zeros when it was not
/// spoken of).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AspectChange {
    pub now: AspectCount,
    pub previous: AspectCount,
}

/// Aspects a digest lists.
const ASPECTS: usize = 10;

/// An alert of the period, in short.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertLine {
    /// The bucket start.
    #[serde(with = "crate::time::rfc3339_local")]
    pub at: jiff::Timestamp,
    pub severity: Severity,
    pub observed: u64,
    pub expected: f64,
    pub terms: Vec<String>,
}

/// The digest's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub watch: String,
    pub title: String,
    pub period: Period,
    pub previous_period: Period,
    /// Mentions per local day by sentiment (per hour for a day: `Period::interval`).
    pub days: Vec<Bucket>,
    pub counts: Counts,
    pub previous_counts: Counts,
    pub net_sentiment: f64,
    pub previous_net_sentiment: f64,
    pub share_of_voice: Vec<ShareChange>,
    pub risks: Vec<RiskChange>,
    /// The strongest emotions of the period's negative mentions, most first.
    pub negative_emotions: Vec<(Emotion, u64)>,
    /// The aspects most spoken of this period (at most 10), with the period before.
    pub aspects: Vec<AspectChange>,
    /// Terms of all the period's mentions that rose most against the period before.
    pub rising_terms: Vec<RisingTerm>,
    /// The same among negative mentions only.
    pub negative_terms: Vec<RisingTerm>,
    pub top_negative: Vec<TopPost>,
    pub top_positive: Vec<TopPost>,
    pub alerts: Vec<AlertLine>,
    /// The changes in words, most important first.
    pub headlines: Vec<String>,
}

impl Digest {
    /// The emotions of the period's negative mentions: "愤怒 62%，恐惧 21%"; `None` without any.
    pub fn emotions_line(&self) -> Option<String> {
        crate::render::shares::emotion_shares(&self.negative_emotions, self.negative_emotions.len())
    }

    /// Each listed aspect with its negative share against the period before: "电池 负面 68%（上周
    /// 21%）".
    pub fn aspect_lines(&self) -> Vec<String> {
        let was = self.period.before_zh();
        self.aspects
            .iter()
            .map(|a| crate::render::shares::aspect_share(&a.now, Some((&was, Some(&a.previous)))))
            .collect()
    }
}

/// Computes the digest of `r` on the committed index.
pub fn build(searcher: &Searcher, f: Fields, text: &TextPipeline, r: &DigestRequest) -> Result<Digest, IndexError> {
    let previous_period = r.period.previous();
    let stats_of = |p: &Period| {
        let request = StatsRequest {
            watch: r.watch.name.clone(),
            aliases: r.watch.aliases.clone(),
            group: r.group.clone(),
            since: p.since,
            until: p.until,
            interval: r.period.interval(),
        };
        stats(searcher, f, text, &request)
    };
    let now = stats_of(&r.period)?;
    let before = stats_of(&previous_period)?;

    let share_of_voice = share_changes(searcher, f, (&r.period, &previous_period), &now, &before)?;
    let risks = risk_changes(&now, &before);
    let aspects = aspect_changes(&now, &before);
    let negative_q = crate::index::search::checked_request(
        searcher,
        f,
        &SearchRequest {
            watch: Some(r.watch.name.clone()),
            sentiment: Some(Label::Negative),
            since: Some(r.period.since),
            until: Some(r.period.until),
            limit: 1,
            ..SearchRequest::default()
        },
    )?;
    let negative_emotions = emotion_counts(searcher, &*negative_q)?;
    let rising_terms = rising_between(searcher, f, text, r, &previous_period, None)?;
    let negative_terms = rising_between(searcher, f, text, r, &previous_period, Some(Label::Negative))?;
    let posts = |label: Label| {
        let request = SearchRequest {
            watch: Some(r.watch.name.clone()),
            sentiment: Some(label),
            since: Some(r.period.since),
            until: Some(r.period.until),
            sort: Sort::Engagement,
            limit: TOP_POSTS,
            collapse: true,
            ..SearchRequest::default()
        };
        top_posts(searcher, f, &request)
    };
    let alerts = alert_lines(r);
    let mut digest = Digest {
        watch: r.watch.name.clone(),
        title: format!("{} 舆情{} {}", r.watch.name, r.period.kind.report_zh(), r.period.label),
        period: r.period.clone(),
        previous_period,
        days: now.buckets,
        counts: now.counts,
        previous_counts: before.counts,
        net_sentiment: now.net_sentiment,
        previous_net_sentiment: before.net_sentiment,
        share_of_voice,
        risks,
        negative_emotions,
        aspects,
        rising_terms,
        negative_terms,
        top_negative: posts(Label::Negative)?,
        top_positive: posts(Label::Positive)?,
        alerts,
        headlines: Vec::new(),
    };
    digest.headlines = headlines::headlines(&digest);
    Ok(digest)
}

/// Each watch's share of voice now, with its share the period before, and each one's mentions
/// and negative mentions in both periods.
fn share_changes(
    searcher: &Searcher,
    f: Fields,
    periods: (&Period, &Period),
    now: &Stats,
    before: &Stats,
) -> Result<Vec<ShareChange>, IndexError> {
    let negative = |watch: &str, p: &Period| -> Result<u64, IndexError> {
        let q = watch_query(f, watch, p, Some(Label::Negative));
        Ok(searcher.search(&*q, &tantivy::collector::Count)? as u64)
    };
    now.share_of_voice
        .iter()
        .map(|s| {
            let was = before.share_of_voice.iter().find(|b| b.watch == s.watch);
            Ok(ShareChange {
                watch: s.watch.clone(),
                mentions: s.mentions,
                share: s.share,
                previous_share: was.map_or(0.0, |b| b.share),
                previous_mentions: was.map_or(0, |b| b.mentions),
                negative: negative(&s.watch, periods.0)?,
                previous_negative: negative(&s.watch, periods.1)?,
            })
        })
        .collect()
}

/// Every risk category of either period with its mentions in both, most now first.
fn risk_changes(now: &Stats, before: &Stats) -> Vec<RiskChange> {
    let mut risks: Vec<RiskChange> = now
        .risks
        .iter()
        .copied()
        .chain(before.risks.iter().filter(|(r, _)| !now.risks.iter().any(|(m, _)| m == r)).map(|(r, _)| (*r, 0)))
        .map(|(risk, mentions)| RiskChange {
            label: risk.label_zh(),
            previous: before.risks.iter().find(|(r, _)| *r == risk).map_or(0, |(_, n)| *n),
            risk,
            mentions,
        })
        .collect();
    risks.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(b.previous.cmp(&a.previous)).then(a.risk.cmp(&b.risk)));
    risks
}

/// The period's most spoken-of aspects, each with its counts the period before.
fn aspect_changes(now: &Stats, before: &Stats) -> Vec<AspectChange> {
    now.aspects
        .iter()
        .take(ASPECTS)
        .map(|a| AspectChange {
            now: a.clone(),
            previous: before
                .aspects
                .iter()
                .find(|b| b.aspect == a.aspect)
                .cloned()
                .unwrap_or_else(|| AspectCount { aspect: a.aspect.clone(), ..AspectCount::default() }),
        })
        .collect()
}

/// The watch's alerts of the period, oldest first.
fn alert_lines(r: &DigestRequest) -> Vec<AlertLine> {
    r.alerts
        .iter()
        .filter(|a| a.alert.watch == r.watch.name && r.period.contains(a.alert.verdict.start))
        .map(|a| AlertLine {
            at: a.alert.verdict.start,
            severity: a.alert.verdict.severity.unwrap_or(Severity::Warning),
            observed: a.alert.verdict.observed,
            expected: a.alert.verdict.expected,
            terms: a.alert.rising_terms.iter().take(3).map(|t| t.term.clone()).collect(),
        })
        .rev()
        .collect()
}

/// The mentions of `watch` in `p`, of one sentiment label or all.
fn watch_query(f: Fields, watch: &str, p: &Period, label: Option<Label>) -> Box<dyn Query> {
    let base = watches_query(f, &[watch.to_string()], p.since, p.until);
    match label {
        None => base,
        Some(l) => {
            let term: Box<dyn Query> =
                Box::new(TermQuery::new(Term::from_field_text(f.label, l.name()), IndexRecordOption::Basic));
            Box::new(BooleanQuery::new(vec![(Occur::Must, base), (Occur::Must, term)]))
        }
    }
}

/// The terms of the watch's mentions (of one sentiment label, or all) that rose most from the
/// previous period to this one.
fn rising_between(
    searcher: &Searcher,
    f: Fields,
    text: &TextPipeline,
    r: &DigestRequest,
    previous: &Period,
    label: Option<Label>,
) -> Result<Vec<RisingTerm>, IndexError> {
    let query = |p: &Period| watch_query(f, &r.watch.name, p, label);
    let (now, n_now) = term_counts(searcher, f, &*query(&r.period), text, &r.watch.aliases, TERMS_SAMPLE)?;
    let (before, n_before) = term_counts(searcher, f, &*query(previous), text, &r.watch.aliases, TERMS_SAMPLE)?;
    let min = (n_now / 50).max(3);
    Ok(rising(&now, n_now, &before, n_before, min, RISING))
}

#[cfg(test)]
mod tests;
