//! Incidents (事件): a crisis as one event the team follows from the first alert to the review.
//!
//! The first spike alert of a watch, or the first hit of a rule ([`rules`]), opens an incident;
//! later ones of the same watch join it while it is open, or reopen it when it ended a short while
//! ago ([`track`]). The incident's mentions are the watch's negative mentions from its start that
//! fall in its [`Scope`]: its driving terms, the risk categories that rose with it, its copy-paste
//! groups, gathered from every loud bucket while it goes on ([`scope`]). Its phase — 发酵, 高峰, 回落, 结束 — is judged from their counts ([`lifecycle`]); the
//! channels hear of it when it changes in a way a crisis lead needs to know ([`update`]). Its
//! scope and evidence ([`evidence`], as HTML by [`html`]), the team's work on it ([`workflow`]) and, once over, its
//! review ([`review`], also as a Word document by [`docx`]) are read from the dashboard, the API and `yuqing incidents`. All of it is
//! kept in the state ([`book`]), so that a restart neither forgets an incident nor repeats an
//! update. `yuqing backtest` replays the same rules over history ([`replay`]).

pub mod book;
pub mod config;
pub mod docx;
pub mod evidence;
pub mod html;
pub mod lifecycle;
pub mod replay;
pub mod review;
pub mod rules;
pub mod scope;
pub mod track;
pub mod update;
pub mod workflow;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::index::search::Scope;
pub use book::IncidentBook;
pub use config::IncidentRules;
pub use lifecycle::Phase;
pub use workflow::{Action, Status};

use crate::alert::Severity;

/// What can go wrong with incidents.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    #[error("no incident #{0}: `yuqing incidents` lists them")]
    NotFound(u64),
    #[error("incident #{id}: {reason}")]
    Refused { id: u64, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: std::path::PathBuf, reason: String },
}

/// An incident as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Numbered from 1, in the order they opened.
    pub id: u64,
    pub watch: String,
    /// Where its mentions start: the bucket of the alert (or the mention) that opened it, or the
    /// first of the loud buckets right before it (see `track::rise_start`).
    pub start: Timestamp,
    /// When yuqing opened it.
    pub opened_at: Timestamp,
    /// What its mentions share: widened while it is open (see [`scope`]).
    pub scope: Scope,
    /// The start of the last bucket its scope was widened with (taken again, as it fills).
    #[serde(default)]
    pub widened_to: Option<Timestamp>,
    pub phase: Phase,
    pub status: Status,
    pub assignee: Option<String>,
    /// Who acknowledged it first, and when.
    pub acknowledged: Option<(String, Timestamp)>,
    /// When its negative volume had been back in its usual range for the configured time.
    pub ended_at: Option<Timestamp>,
    /// The most negative mentions of the watch per bucket that count as usual: the 95th
    /// percentile of the week before its start (at least `alerts.min_count` − 1).
    pub usual_negative: u64,
    /// The alerts and rule hits that opened it or joined it, oldest first.
    pub triggers: Vec<Trigger>,
    /// Every change, oldest first: who did what when.
    pub log: Vec<LogEntry>,
    /// What the channels were last told.
    pub told: Told,
    /// The peak so far: the bucket with most of its mentions, and how many.
    pub peak: Option<(Timestamp, u64)>,
    /// How often it flared again after it had ended.
    pub reopened: u32,
}

/// What opened or joined an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A spike of negative mentions in a bucket.
    Spike { bucket: Timestamp, severity: Severity, observed: u64, expected: f64 },
    /// A mention that matched a rule.
    Rule { rule: String, at: Timestamp, mention: String, text: String, url: String },
}

impl Trigger {
    /// When it happened: the spike's bucket, the mention's time.
    pub fn at(&self) -> Timestamp {
        match self {
            Trigger::Spike { bucket, .. } => *bucket,
            Trigger::Rule { at, .. } => *at,
        }
    }

    /// What people read.
    pub fn describe_zh(&self) -> String {
        match self {
            Trigger::Spike { severity, observed, expected, .. } => {
                format!("负面激增{}: {observed} 条 (预期 {expected:.1})", severity.label_zh())
            }
            Trigger::Rule { rule, text, .. } => format!("规则「{rule}」命中: {text}"),
        }
    }
}

/// One change of an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub at: Timestamp,
    /// A person's name, or "yuqing" for what the system did.
    pub by: String,
    pub what: String,
}

/// The state the last update reported, so that the next says only what changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Told {
    /// When the last update went out.
    pub at: Option<Timestamp>,
    pub mentions: u64,
    pub sources: Vec<String>,
    /// Mentions from accounts or with engagement above the reach thresholds already reported.
    pub notable: Vec<String>,
    pub phase: Option<Phase>,
    /// Updates sent.
    pub updates: u32,
}

impl Incident {
    /// Whether it is still going on (not 结束).
    pub fn is_open(&self) -> bool {
        self.phase != Phase::Ended
    }

    /// "#12".
    pub fn label(&self) -> String {
        format!("#{}", self.id)
    }

    /// Appends to its log.
    pub fn note(&mut self, at: Timestamp, by: &str, what: impl Into<String>) {
        self.log.push(LogEntry { at, by: by.to_string(), what: what.into() });
    }
}
