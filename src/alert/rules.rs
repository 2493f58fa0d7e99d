//! The alert rules a team tunes (`[alerts]` in yuqing.toml): the bucket, how much history an
//! expectation may use, and the detector's thresholds. `yuqing backtest` replays history with
//! the same rules the daemon runs; the detector reads its thresholds from them.

use serde::Deserialize;

use crate::setting::{Invalid, check_range};
use crate::time::Interval;

/// `[alerts]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRules {
    /// The bucket negative mentions are counted in: "hour" (default) or "day".
    #[serde(default = "default_bucket")]
    pub bucket: Interval,
    /// Days of buckets before a bucket that its expectation may use.
    #[serde(default = "default_history_days")]
    pub history_days: i64,
    /// A warning needs the count's tail probability below this.
    #[serde(default = "default_warning_p")]
    pub warning_p: f64,
    /// A critical alert needs the tail probability below this and `critical_ratio`.
    #[serde(default = "default_critical_p")]
    pub critical_p: f64,
    /// A critical alert needs observed over expected of at least this.
    #[serde(default = "default_critical_ratio")]
    pub critical_ratio: f64,
    /// Fewer negative mentions in a bucket than this never alert.
    #[serde(default = "default_min_count")]
    pub min_count: u64,
    /// Observed over expected must reach this.
    #[serde(default = "default_min_ratio")]
    pub min_ratio: f64,
    /// The bucket's negative share must exceed the usual share by this much (0.05 = 5 points).
    #[serde(default = "default_min_share_rise")]
    pub min_share_rise: f64,
    /// After an alert, buckets in which the same incident stays quiet (unless it escalates).
    #[serde(default = "default_cooldown_buckets")]
    pub cooldown_buckets: usize,
}

const fn default_bucket() -> Interval {
    Interval::Hour
}
const fn default_history_days() -> i64 {
    28
}
const fn default_warning_p() -> f64 {
    1e-4
}
const fn default_critical_p() -> f64 {
    1e-8
}
const fn default_critical_ratio() -> f64 {
    3.0
}
const fn default_min_count() -> u64 {
    5
}
const fn default_min_ratio() -> f64 {
    1.5
}
const fn default_min_share_rise() -> f64 {
    0.05
}
const fn default_cooldown_buckets() -> usize {
    6
}

impl Default for AlertRules {
    fn default() -> Self {
        toml::from_str("").expect("alert rule defaults")
    }
}

impl AlertRules {
    /// The first rule that makes no sense, with its field.
    pub fn validate(&self) -> Result<(), Invalid> {
        let probability = |p: f64| p > 0.0 && p < 1.0;
        if !probability(self.warning_p) {
            return Err(Invalid::new("alerts.warning_p", format!("must be between 0 and 1, is {}", self.warning_p)));
        }
        if !probability(self.critical_p) || self.critical_p > self.warning_p {
            return Err(Invalid::new(
                "alerts.critical_p",
                format!("must be above 0 and at most warning_p, is {}", self.critical_p),
            ));
        }
        check_range("alerts.history_days", self.history_days, 1, 365)?;
        check_range("alerts.min_count", self.min_count, 0, 1_000_000)?;
        check_range("alerts.cooldown_buckets", self.cooldown_buckets, 0, 1000)?;
        for (field, v) in [("alerts.min_ratio", self.min_ratio), ("alerts.critical_ratio", self.critical_ratio)] {
            if v.is_nan() || v < 1.0 {
                return Err(Invalid::new(field, format!("must be at least 1, is {v}")));
            }
        }
        if !(0.0..1.0).contains(&self.min_share_rise) {
            return Err(Invalid::new(
                "alerts.min_share_rise",
                format!("must be at least 0 and below 1, is {}", self.min_share_rise),
            ));
        }
        Ok(())
    }
}
