//! Judging every watch after a crawl: the watch's buckets up to the current, filling one are
//! replayed through a fresh detector (so the cooldown survives restarts without state of its
//! own), and a spike in the current or the previous bucket that the alert history does not hold
//! yet (same watch, bucket and severity; an escalation is new) is explained, sent through every
//! channel and recorded with its deliveries, after being filed under its incident (see
//! `incidents`, which then follows every open incident).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use tantivy::{IndexReader, Searcher};

use super::DaemonError;
use crate::alert::channels::Channel;
use crate::alert::{AlertHistory, AlertRecord, AlertRules, Detector, explain, series};
use crate::index::{Fields, IndexError};
use crate::text::TextPipeline;
use crate::watch::Watch;

/// Everything needed to judge the watches and deliver their alerts.
pub struct Evaluator {
    /// Reloaded before each judgement, so that it reads what the crawl just committed.
    pub reader: IndexReader,
    pub fields: Fields,
    pub text: Arc<TextPipeline>,
    pub watches: Vec<Watch>,
    pub rules: AlertRules,
    pub channels: Vec<Channel>,
    pub history: AlertHistory,
    pub client: reqwest::Client,
    /// How incidents are formed and reported.
    pub incidents: crate::incident::IncidentRules,
    /// The rule alerts (`[[rule]]`).
    pub rule_alerts: Vec<crate::incident::rules::RuleConfig>,
    pub book: crate::incident::IncidentBook,
    /// The state (rule alerts' marks).
    pub store: crate::store::Store,
    /// Where incident reviews are written (beside the digests).
    pub reports_dir: std::path::PathBuf,
    /// Reads a saved search's query (the dashboard's parser, handed down by the app).
    pub saved_request: crate::saved::Resolver,
}

impl Evaluator {
    pub fn watch_count(&self) -> usize {
        self.watches.len()
    }

    /// Judges every watch at `now`; sends and records the new alerts; returns their records.
    pub async fn evaluate(self: Arc<Self>, now: Timestamp) -> Result<Vec<AlertRecord>, DaemonError> {
        let me = self.clone();
        // Aggregations and segmentation block: off the async threads.
        let alerts = blocking(move || me.new_alerts(now)).await?;
        let mut records = Vec::new();
        for alert in alerts {
            let record = self.history.raise(alert, &self.channels, &self.client).await?;
            tracing::warn!(
                watch = %record.alert.watch,
                bucket = %record.alert.verdict.start,
                severity = ?record.alert.verdict.severity,
                observed = record.alert.verdict.observed,
                expected = record.alert.verdict.expected,
                delivered = record.delivered(),
                "alert raised"
            );
            records.push(record);
        }
        self.follow_incidents(now).await?;
        Ok(records)
    }

    /// The index as last committed.
    pub(super) fn fresh_searcher(&self) -> Result<Searcher, DaemonError> {
        self.reader.reload().map_err(IndexError::from)?;
        Ok(self.reader.searcher())
    }

    /// The alerts of the current or previous bucket that are not in the history yet.
    fn new_alerts(&self, now: Timestamp) -> Result<Vec<crate::alert::Alert>, DaemonError> {
        let len = self.rules.bucket.len();
        let current = self.rules.bucket.floor(now);
        let replay = self.rules.cooldown_buckets as i32 + 2;
        let from = current - SignedDuration::from_hours(24 * self.rules.history_days) - len * replay;
        let searcher = self.fresh_searcher()?;
        let mut out = Vec::new();
        for watch in &self.watches {
            let points = series(&searcher, self.fields, watch, from, current + len, self.rules.bucket)?;
            let mut detector = Detector::new(self.rules.clone());
            let first = points.len().saturating_sub(replay as usize).max(1);
            for end in first..=points.len() {
                let Some(verdict) = detector.step(&points[..end]) else { continue };
                if verdict.start < current - len {
                    continue;
                }
                if !self.history.contains(&watch.name, &verdict)? {
                    let mut alert = explain(&searcher, self.fields, &self.text, watch, verdict, len)?;
                    self.file_alert(&searcher, &mut alert, now)?;
                    out.push(alert);
                }
            }
        }
        Ok(out)
    }
}

/// Runs blocking work (index reads, segmentation) on a blocking thread; a panic in it goes on
/// unwinding here.
pub(super) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(t) => t,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a blocking task of the daemon was cancelled: {e}"),
    }
}
