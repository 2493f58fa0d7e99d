//! Spike detection on a watch's negative mentions per bucket.
//!
//! The expectation for a bucket comes from the watch's own history (only what exists: from its
//! first mention on): the same hour of the week in past weeks once there are two weeks, else the
//! same hour of the day in past days once there are three days, else the recent level. A bucket
//! is a spike when its negative count is improbable under that expectation — a negative-binomial
//! tail of variance (μ + kμ²)(1 + 1/m), k measured on the watch's own recent residuals (Poisson
//! when they show none) and m the past buckets the expectation averages, so that a brand with
//! 3 mentions an hour and one with 3,000, a quiet night and a busy evening, are judged on the
//! same footing — and when it is also at least `min_count`, at least `min_ratio` times the
//! expectation, and its negative share is above the usual share. A cooldown keeps one incident
//! from alerting every bucket; an escalation from warning to critical alerts again.

use jiff::Timestamp;
use serde::Serialize;
use statrs::distribution::{DiscreteCDF, NegativeBinomial, Poisson};

use super::rules::AlertRules;

/// The least expectation used (an hour that never had a mention is not "0 expected").
const MIN_EXPECTED: f64 = 0.5;
/// Buckets of history needed before anything is judged.
pub const MIN_HISTORY: usize = 6;
/// The least ratio to the busiest recent bucket while a watch's daily rhythm is unknown (its
/// first days, the recent-level basis): a day's busiest hour is commonly two to three times its
/// quietest.
pub const UNKNOWN_RHYTHM_RATIO: f64 = 3.0;
/// The median of a squared standard normal: the median squared residual, each scaled by its
/// variance, that a well-measured dispersion gives.
const CHI2_1_MEDIAN: f64 = 0.4549;
/// The least expectation of a bucket whose residual measures the overdispersion: below it a
/// count is too small to show it (a squared residual of 0 or 1 against 0.5 is not normal) and
/// Poisson noise dominates the spread anyway.
const MIN_DISPERSION_MEAN: f64 = 5.0;
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
    expect(history, buckets_per_day).map(|(mean, basis, _)| (mean, basis))
}

/// The expectation, its basis, and how many past buckets it is the mean of (1 for the
/// recent level): a mean of m counts is itself uncertain, so a new count varies around it by
/// (1 + 1/m) times its own variance.
fn expect(history: &[Point], buckets_per_day: usize) -> Option<(f64, Basis, usize)> {
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
        return Some(((busiest as f64).max(MIN_EXPECTED), Basis::RecentLevel, 1));
    };
    let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
    Some((mean.max(MIN_EXPECTED), basis, samples.len()))
}

/// The history that exists: from the first bucket with a mention on. Buckets before a watch's
/// first mention (a watch added today, a source crawled for the first time) are not weeks of
/// zero; counted as such, they would make every expectation too low and the basis claim weeks
/// that were never seen.
pub fn existing(history: &[Point]) -> &[Point] {
    &history[history.iter().position(|p| p.total > 0).unwrap_or(history.len())..]
}

/// The largest overdispersion measured (1/r: a ±100% spread around the expectation).
const MAX_OVERDISPERSION: f64 = 1.0;

/// Overdispersion k = 1/r of the recent buckets against their own expectations, in the
/// negative-binomial form var = μ + kμ²: traffic varies by a share of its level (a busy evening
/// by more mentions than a quiet night), so one k fits a watch's night and its peak, where a
/// variance proportional to μ understates the peak's and raises false alerts at large brands.
/// Measured robustly: the k at which the median squared residual, each scaled by its own
/// variance, is that of a standard normal, so that a past incident in the window does not make
/// every later one look ordinary. 0 (Poisson) when the residuals show no overdispersion, or
/// when too few recent buckets expect enough mentions to show it.
fn overdispersion(history: &[Point], buckets_per_day: usize) -> f64 {
    let n = history.len();
    let pairs: Vec<(f64, f64, f64)> = (n.saturating_sub(DISPERSION_WINDOW)..n)
        .filter_map(|i| {
            let (mu, _, m) = expect(&history[..i], buckets_per_day)?;
            (mu >= MIN_DISPERSION_MEAN).then(|| ((history[i].negative as f64 - mu).powi(2), mu, uncertainty(m)))
        })
        .collect();
    if pairs.len() < MIN_HISTORY {
        return 0.0;
    }
    let mut scaled = vec![0.0; pairs.len()];
    let mut median_at = |k: f64| {
        for (s, (sq, mu, u)) in scaled.iter_mut().zip(&pairs) {
            *s = sq / ((mu + k * mu * mu) * u);
        }
        let mid = scaled.len() / 2;
        *scaled.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    if median_at(0.0) <= CHI2_1_MEDIAN {
        return 0.0;
    }
    if median_at(MAX_OVERDISPERSION) >= CHI2_1_MEDIAN {
        return MAX_OVERDISPERSION;
    }
    // The scaled median falls as k grows: bisect to where it meets the normal's.
    let (mut low, mut high) = (0.0, MAX_OVERDISPERSION);
    for _ in 0..40 {
        let mid = (low + high) / 2.0;
        if median_at(mid) > CHI2_1_MEDIAN {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

/// How much a count's variance grows because its expectation is the mean of `m` past counts.
fn uncertainty(m: usize) -> f64 {
    1.0 + 1.0 / m.max(1) as f64
}

/// P(X ≥ x) for a count with mean `mu`, overdispersion k and the expectation's uncertainty `u`:
/// a negative binomial of variance (μ + kμ²)·u (size r = μ² / (variance − μ)), Poisson when
/// that is no more than μ.
fn upper_tail(x: u64, mu: f64, k: f64, u: f64) -> (f64, Option<f64>) {
    if x == 0 {
        return (1.0, None);
    }
    let variance = (mu + k * mu * mu) * u;
    if variance > mu * 1.000_001 {
        // statrs counts failures before r successes with p = r / (r + μ): mean μ, var μ + μ²/r.
        let r = mu * mu / (variance - mu);
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
    let (expected, basis, samples) = expect(history, per_day)?;
    let k = overdispersion(history, per_day);
    let (p_value, dispersion) = upper_tail(current.negative, expected, k, uncertainty(samples));
    let recent = &history[history.len().saturating_sub(7 * per_day)..];
    let (neg, all) = recent.iter().fold((0u64, 0u64), |(n, t), p| (n + p.negative, t + p.total));
    let usual_share = if all == 0 { 0.0 } else { neg as f64 / all as f64 };
    let negative_share = if current.total == 0 { 0.0 } else { current.negative as f64 / current.total as f64 };
    let ratio = current.negative as f64 / expected;
    // A watch too young to know its daily rhythm cannot tell a morning from a spike by its
    // dispersion: it must be clearly above its busiest recent bucket.
    let min_ratio = if basis == Basis::RecentLevel { cfg.min_ratio.max(UNKNOWN_RHYTHM_RATIO) } else { cfg.min_ratio };
    let spike = current.negative >= cfg.min_count
        && ratio >= min_ratio
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
