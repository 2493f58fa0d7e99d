//! Spike detection on a watch's negative mentions per bucket.
//!
//! The expectation for a bucket comes from the watch's own history (only what exists: from its
//! first mention on): the same hour of the week in past weeks once there are two weeks, else the
//! same hour of the day in past days once there are three days, else the recent level. A bucket
//! is a spike when its negative count is improbable under that expectation — a negative-binomial tail whose dispersion is measured on
//! the watch's own recent residuals (Poisson when they show none), so that a brand with 3
//! mentions an hour and one with 3,000 are judged on the same footing — and when it is also at
//! least `min_count`, at least `min_ratio` times the expectation, and its negative share is
//! above the usual share. A cooldown keeps one incident from alerting every bucket; an
//! escalation from warning to critical alerts again.

use jiff::Timestamp;
use serde::Serialize;
use statrs::distribution::{DiscreteCDF, NegativeBinomial, Poisson};

use super::rules::AlertRules;

/// The least expectation used (an hour that never had a mention is not "0 expected").
const MIN_EXPECTED: f64 = 0.5;
/// Buckets of history needed before anything is judged.
pub const MIN_HISTORY: usize = 6;
/// Past buckets whose residuals measure the dispersion.
const DISPERSION_WINDOW: usize = 168;

/// One bucket of a watch's mentions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Point {
    pub start: Timestamp,
    pub total: u64,
    pub negative: u64,
}

/// Where the expectation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The same hour of the week in past weeks.
    HourOfWeek,
    /// The same hour of the day in past days.
    HourOfDay,
    /// The recent level.
    RecentLevel,
}

impl Basis {
    /// What people read: where "usually" came from (the mean of up to 4 past weeks' or 7 past
    /// days' same bucket, or the busiest of the recent buckets: the last day's hours, or the last 6 days).
    pub fn label_zh(self) -> &'static str {
        match self {
            Basis::HourOfWeek => "前几周同一时段的平均",
            Basis::HourOfDay => "前几天同一时段的平均",
            Basis::RecentLevel => "近期各时段中的最高值",
        }
    }
}

/// How bad a spike is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    /// The name in JSON and keys.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// What people read: 预警 or 严重.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Warning => "预警",
            Severity::Critical => "严重",
        }
    }
}

/// The judgment of one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Verdict {
    pub start: Timestamp,
    pub observed: u64,
    pub expected: f64,
    /// P(count ≥ observed) under the expectation.
    pub p_value: f64,
    pub basis: Basis,
    /// Negative-binomial size parameter; `None` for Poisson.
    pub dispersion: Option<f64>,
    pub negative_share: f64,
    pub usual_share: f64,
    pub severity: Option<Severity>,
}

/// The expectation for the bucket after `history` (oldest first), and its basis.
pub fn expectation(history: &[Point], buckets_per_day: usize) -> Option<(f64, Basis)> {
    let n = history.len();
    if n < MIN_HISTORY {
        return None;
    }
    let (day, week) = (buckets_per_day.max(1), 7 * buckets_per_day.max(1));
    let peers = |period: usize, max: usize| -> Vec<u64> {
        (1..=max).take_while(|k| k * period <= n).map(|k| history[n - k * period].negative).collect()
    };
    let (samples, basis) = if n >= 2 * week {
        (peers(week, 4), Basis::HourOfWeek)
    } else if day > 1 && n >= 3 * day {
        (peers(day, 7), Basis::HourOfDay)
    } else {
        // Too young to know its daily rhythm: the busiest recent bucket, not their mean, so that
        // a new watch's first morning is not taken for a spike against its first night.
        let recent = &history[n.saturating_sub(day.max(MIN_HISTORY))..];
        let busiest = recent.iter().map(|p| p.negative).max().unwrap_or(0);
        return Some(((busiest as f64).max(MIN_EXPECTED), Basis::RecentLevel));
    };
    let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
    Some((mean.max(MIN_EXPECTED), basis))
}

/// The history that exists: from the first bucket with a mention on. Buckets before a watch's
/// first mention (a watch added today, a source crawled for the first time) are not weeks of
/// zero; counted as such, they would make every expectation too low and the basis claim weeks
/// that were never seen.
pub fn existing(history: &[Point]) -> &[Point] {
    &history[history.iter().position(|p| p.total > 0).unwrap_or(history.len())..]
}

/// The median of a squared standard normal: scales a median of squared residuals to a variance.
const CHI2_1_MEDIAN: f64 = 0.4549;

/// Dispersion φ (variance over mean) of the recent buckets against their own expectations, from
/// the median squared Pearson residual so that a past incident in the window does not make every
/// later one look ordinary; at least 1 (Poisson).
fn dispersion(history: &[Point], buckets_per_day: usize) -> f64 {
    let n = history.len();
    let mut squared: Vec<f64> = (n.saturating_sub(DISPERSION_WINDOW)..n)
        .filter_map(|i| {
            let (mu, _) = expectation(&history[..i], buckets_per_day)?;
            Some((history[i].negative as f64 - mu).powi(2) / mu)
        })
        .collect();
    if squared.len() < MIN_HISTORY {
        return 1.0;
    }
    let mid = squared.len() / 2;
    let (_, median, _) = squared.select_nth_unstable_by(mid, f64::total_cmp);
    (*median / CHI2_1_MEDIAN).max(1.0)
}

/// P(X ≥ x) for a count with mean `mu` and dispersion φ: negative binomial when φ > 1.
fn upper_tail(x: u64, mu: f64, phi: f64) -> (f64, Option<f64>) {
    if x == 0 {
        return (1.0, None);
    }
    if phi > 1.05 {
        // var = φμ = μ + μ²/r  ⇒  r = μ / (φ − 1); statrs counts failures before r successes with p = r / (r + μ).
        let r = mu / (phi - 1.0);
        if let Ok(nb) = NegativeBinomial::new(r, r / (r + mu)) {
            return (nb.sf(x - 1), Some(r));
        }
    }
    let p = Poisson::new(mu).map_or(1.0, |d| d.sf(x - 1));
    (p, None)
}

/// Judges `current` against `history` (the buckets before it, oldest first).
pub fn judge(history: &[Point], current: &Point, cfg: &AlertRules) -> Option<Verdict> {
    let per_day = cfg.bucket.per_day();
    let history = existing(history);
    let (expected, basis) = expectation(history, per_day)?;
    let phi = dispersion(history, per_day);
    let (p_value, dispersion) = upper_tail(current.negative, expected, phi);
    let recent = &history[history.len().saturating_sub(7 * per_day)..];
    let (neg, all) = recent.iter().fold((0u64, 0u64), |(n, t), p| (n + p.negative, t + p.total));
    let usual_share = if all == 0 { 0.0 } else { neg as f64 / all as f64 };
    let negative_share = if current.total == 0 { 0.0 } else { current.negative as f64 / current.total as f64 };
    let ratio = current.negative as f64 / expected;
    let spike = current.negative >= cfg.min_count
        && ratio >= cfg.min_ratio
        && p_value < cfg.warning_p
        && negative_share >= usual_share + cfg.min_share_rise;
    let critical = p_value < cfg.critical_p && ratio >= cfg.critical_ratio;
    let severity = spike.then_some(if critical { Severity::Critical } else { Severity::Warning });
    Some(Verdict {
        start: current.start,
        observed: current.negative,
        expected,
        p_value,
        basis,
        dispersion,
        negative_share,
        usual_share,
        severity,
    })
}

/// Runs the judgment bucket after bucket with a cooldown and escalation. The same bucket may be
/// judged again as it fills (the daemon judges the current hour after every crawl): the
/// cooldown counts buckets by their start times.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    cfg: AlertRules,
    /// The bucket start and severity of the last spike.
    last: Option<(Timestamp, Severity)>,
}

impl Detector {
    pub fn new(cfg: AlertRules) -> Self {
        Detector { cfg, last: None }
    }

    /// Judges the newest bucket of `series` (oldest first); `Some` when it raises an alert.
    pub fn step(&mut self, series: &[Point]) -> Option<Verdict> {
        let (current, history) = series.split_last()?;
        let verdict = judge(history, current, &self.cfg)?;
        let severity = verdict.severity?;
        let now = verdict.start;
        let cooldown = self.cfg.bucket.len() * self.cfg.cooldown_buckets as i32;
        match self.last {
            // Still the same incident: it stays quiet (and the cooldown runs from now) unless it escalates.
            Some((at, last)) if now.duration_since(at) <= cooldown && severity <= last => {
                self.last = Some((now, last));
                None
            }
            _ => {
                self.last = Some((now, severity));
                Some(verdict)
            }
        }
    }
}
