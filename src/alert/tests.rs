//! The detector on synthetic timelines: a daily and weekly rhythm with overdispersed noise over
//! 30 days, for a small brand (a few negative mentions an hour) and a large one (hundreds).

use jiff::{SignedDuration, Timestamp};

use super::detect::{expectation, judge};
use super::*;

/// A seeded generator of counts.
struct Noise(fastrand::Rng);

impl Noise {
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.0.f64().max(1e-12), self.0.f64());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// A Poisson count whose mean itself varies ±15% (real traffic is overdispersed).
    fn count(&mut self, mean: f64) -> u64 {
        let lambda = mean * (0.15 * self.normal()).exp();
        if lambda < 40.0 {
            let (limit, mut k, mut p) = ((-lambda).exp(), 0u64, 1.0);
            loop {
                p *= self.0.f64();
                if p <= limit {
                    return k;
                }
                k += 1;
            }
        }
        (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64
    }
}

/// Mean mentions in hour `h` (from a Monday 00:00): quiet nights, busy evenings, calmer weekends.
fn rhythm(h: usize, per_hour: f64) -> f64 {
    let hour = (h % 24) as f64;
    let daily = 1.0 + 0.8 * ((hour - 9.0) / 24.0 * 2.0 * std::f64::consts::PI).sin();
    let weekend = if (h / 24) % 7 >= 5 { 0.7 } else { 1.0 };
    per_hour * daily * weekend
}

fn timeline(days: usize, per_hour: f64, negative_share: f64, seed: u64) -> Vec<Point> {
    let start: Timestamp = "2026-10-05T00:00:00+08:00".parse().unwrap();
    let mut noise = Noise(fastrand::Rng::with_seed(seed));
    (0..days * 24)
        .map(|h| {
            let total = noise.count(rhythm(h, per_hour));
            let negative = noise.count(rhythm(h, per_hour) * negative_share).min(total);
            Point { start: start + SignedDuration::from_hours(h as i64), total, negative }
        })
        .collect()
}

/// Timelines per size in the false-alert measurements.
const SEEDS: u64 = 20;
/// The false alerts per watch-week allowed on ordinary traffic, a new watch's first weeks included.
const TARGET_PER_WEEK: f64 = 0.1;

/// Alerts raised bucket by bucket over `series`, as (bucket index, verdict).
fn run(series: &[Point]) -> Vec<(usize, Verdict)> {
    let mut d = Detector::new(AlertRules::default());
    (1..=series.len()).filter_map(|end| d.step(&series[..end]).map(|v| (end - 1, v))).collect()
}

#[test]
fn false_alerts_on_quiet_traffic_stay_within_the_target() {
    let weeks = 30.0 / 7.0;
    for (per_hour, seed) in [(3.0, 1), (15.0, 2), (300.0, 3), (3000.0, 4)] {
        let mut total = 0;
        for s in 0..SEEDS {
            let series = timeline(30, per_hour, 0.2, seed * 100 + s);
            let alerts = run(&series);
            total += alerts.len();
            assert!(
                alerts.len() as f64 / weeks <= 1.0,
                "{per_hour}/h seed {s}: {} false alerts in 30 days: {:?}",
                alerts.len(),
                alerts.iter().map(|(i, v)| (*i, v.observed, v.expected, v.p_value)).collect::<Vec<_>>()
            );
        }
        // Shown with `cargo test --lib false_alert -- --nocapture`; README quotes it.
        eprintln!(
            "{per_hour} mentions/h: {total} false alerts in {SEEDS} × 30 days = {:.2} per week",
            total as f64 / (SEEDS as f64 * weeks)
        );
        assert!(total as f64 / (SEEDS as f64 * weeks) <= TARGET_PER_WEEK, "{per_hour}/h: {total} false alerts");
    }
}

#[test]
fn a_spike_alerts_in_its_first_bucket_for_small_and_large_brands() {
    for (per_hour, extra) in [(3.0, 12u64), (300.0, 150), (3000.0, 900)] {
        let mut series = timeline(30, per_hour, 0.2, 7);
        // Day 29, 14:00: a battery-fire story breaks; negative mentions jump for five hours.
        let first = 28 * 24 + 14;
        for (k, p) in series[first..first + 5].iter_mut().enumerate() {
            let more = extra * (k as u64 + 1);
            p.negative += more;
            p.total += more;
        }
        let alerts = run(&series);
        let spike: Vec<_> = alerts.iter().filter(|(i, _)| *i >= first).collect();
        assert_eq!(spike.first().map(|(i, _)| *i), Some(first), "{per_hour}/h: {alerts:?}");
        let v = &spike[0].1;
        assert!(v.observed as f64 > 2.0 * v.expected, "{v:?}");
        assert_eq!(v.basis, Basis::HourOfWeek);
        // The cooldown keeps the incident to its first alert plus, at most, an escalation.
        assert!(spike.len() <= 2, "{spike:?}");
        if let [(_, a), (_, b)] = spike.as_slice() {
            assert_eq!((a.severity, b.severity), (Some(Severity::Warning), Some(Severity::Critical)));
        }
    }
}

#[test]
fn a_surge_of_ordinary_mentions_is_not_a_negative_spike() {
    let mut series = timeline(30, 50.0, 0.2, 11);
    // A launch: three times the mentions, the usual share of them negative.
    for p in &mut series[28 * 24 + 10..28 * 24 + 14] {
        p.total *= 3;
        p.negative *= 3;
    }
    let alerts = run(&series);
    assert!(alerts.iter().all(|(i, _)| *i < 28 * 24 + 10 || *i >= 28 * 24 + 14), "{alerts:?}");
}

#[test]
fn cooldown_and_escalation() {
    let start: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let point = |h: usize, negative: u64| Point {
        start: start + SignedDuration::from_hours(h as i64),
        total: 40 + negative,
        negative,
    };
    // Four quiet days first: the judgment has its daily basis.
    let mut series: Vec<Point> = (0..96).map(|h| point(h, 2 + (h % 3) as u64)).collect();
    let mut d = Detector::new(AlertRules::default());
    for end in 1..=series.len() {
        assert!(d.step(&series[..end]).is_none(), "quiet history alerted at {end}");
    }
    let mut raised = Vec::new();
    for (h, n) in [(96, 14), (97, 15), (98, 40), (99, 42)] {
        series.push(point(h, n));
        raised.push(d.step(&series).map(|v| v.severity.unwrap()));
    }
    assert_eq!(raised, [Some(Severity::Warning), None, Some(Severity::Critical), None]);
    // After the cooldown without spikes, a new incident alerts again (the last one now sits in
    // the history, raising the expectation and the measured dispersion: it must be clearer).
    for h in 100..108 {
        series.push(point(h, 3));
        assert!(d.step(&series).is_none());
    }
    series.push(point(108, 80));
    let v = judge(&series[..108], &series[108], &AlertRules::default());
    assert!(d.step(&series).is_some(), "{v:?}");
}

#[test]
fn too_little_history_judges_nothing() {
    let series = timeline(1, 10.0, 0.2, 5);
    assert!(judge(&series[..3], &series[3], &AlertRules::default()).is_none());
    let (_, basis) = expectation(&series[..10], 24).unwrap();
    assert_eq!(basis, Basis::RecentLevel);
}

/// A watch added today: its series starts with `history_days` of buckets before its first
/// mention. Those are no history (not weeks of zero): the detector judges only what exists, so
/// a new watch raises exactly the alerts of a watch whose history starts at its first mention,
/// and none before it. Its first days (the recent-level basis, rhythm unknown) are judged
/// against the busiest recent hour, not their mean.
#[test]
fn a_new_watch_s_first_weeks_raise_no_false_alerts_from_missing_history() {
    let weeks = 30.0 / 7.0;
    let empty = 28 * 24;
    for (per_hour, seed) in [(3.0, 21), (15.0, 22), (300.0, 23), (3000.0, 24)] {
        let (mut total, mut first_days) = (0, 0);
        for s in 0..SEEDS {
            let start: Timestamp = "2026-09-07T00:00:00+08:00".parse().unwrap();
            let mut series: Vec<Point> = (0..empty)
                .map(|h| Point { start: start + SignedDuration::from_hours(h as i64), total: 0, negative: 0 })
                .collect();
            let own = timeline(30, per_hour, 0.2, seed * 100 + s);
            series.extend(own.iter().copied());
            let cold: Vec<(usize, Verdict)> = run(&series).into_iter().map(|(i, v)| (i - empty, v)).collect();
            assert_eq!(cold, run(&own), "{per_hour}/h seed {s}: the empty weeks changed the judgment");
            total += cold.len();
            first_days += cold.iter().filter(|(i, _)| *i < 3 * 24).count();
        }
        // Shown with `cargo test --lib false_alert -- --nocapture`; README quotes it.
        eprintln!(
            "from the first mention, {per_hour} mentions/h: {total} false alerts in {SEEDS} × 30 days = {:.2} per week, {first_days} of them in the first 3 days",
            total as f64 / (SEEDS as f64 * weeks)
        );
        assert!(
            total as f64 / (SEEDS as f64 * weeks) <= TARGET_PER_WEEK,
            "{per_hour}/h from the first mention: {total}"
        );
        assert!(first_days <= 1, "{per_hour}/h: {first_days} false alerts in the first 3 days");
    }
}
