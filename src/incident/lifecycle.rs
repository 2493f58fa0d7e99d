//! An incident's phase, judged from counts alone (no model, nothing a user cannot check):
//!
//! - **结束 (ended)**: the watch's negative mentions have stayed at or under the usual level
//!   (`Incident::usual_negative`) in every full bucket for `incidents.end_quiet_hours` since the
//!   last bucket above it; it ended at the end of that quiet stretch.
//! - otherwise, over windows of three hours (one bucket when buckets are days) of the incident's
//!   own mentions: **发酵 (growing)** while the latest window is the busiest so far and busier
//!   than the one before it; **高峰 (at its peak)** while it holds at least 60% of the busiest;
//!   **回落 (subsiding)** below that.
//!
//! Only full buckets count, so that an hour that has just begun is not taken for a drop.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Where an incident is in its course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Growing,
    Peak,
    Subsiding,
    Ended,
}

impl Phase {
    /// What people read: 发酵, 高峰, 回落, 结束.
    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::Growing => "发酵",
            Phase::Peak => "高峰",
            Phase::Subsiding => "回落",
            Phase::Ended => "结束",
        }
    }
}

/// A window holding at least this share of the busiest one is still the peak.
pub const PEAK_SHARE: f64 = 0.6;
/// The window the phase is judged on, in hours.
const WINDOW_HOURS: i64 = 3;

/// One bucket of an incident's course.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Course {
    pub start: Timestamp,
    /// The incident's own mentions.
    pub own: u64,
    /// All negative mentions of the watch.
    pub negative: u64,
}

/// The judgement of an incident at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    pub phase: Phase,
    pub ended_at: Option<Timestamp>,
    /// The full bucket with most of the incident's own mentions (the filling one when it has more).
    pub peak: Option<(Timestamp, u64)>,
}

/// Judges the course of an incident (its buckets from its start, oldest first) at `now`.
pub fn judge(course: &[Course], usual: u64, now: Timestamp, bucket: SignedDuration, quiet_hours: i64) -> Judged {
    let full: Vec<&Course> = course.iter().filter(|c| c.start + bucket <= now).collect();
    let peak = course.iter().filter(|c| c.own > 0).fold(None::<(Timestamp, u64)>, |best, c| match best {
        Some((_, n)) if n >= c.own => best,
        _ => Some((c.start, c.own)),
    });
    let hours = (bucket.as_secs() / 3600).max(1);
    let quiet = ((quiet_hours + hours - 1) / hours).max(1) as usize;
    let last_loud = full.iter().rposition(|c| c.negative > usual);
    let quiet_since = last_loud.map_or(0, |i| i + 1);
    if full.len() >= quiet_since + quiet && !full.is_empty() {
        let ended_at = full[quiet_since + quiet - 1].start + bucket;
        return Judged { phase: Phase::Ended, ended_at: Some(ended_at), peak };
    }
    let w = ((WINDOW_HOURS / hours).max(1)) as usize;
    let sums: Vec<u64> =
        (0..full.len()).map(|i| full[i.saturating_sub(w - 1)..=i].iter().map(|c| c.own).sum()).collect();
    let phase = match sums.last() {
        None => Phase::Growing,
        Some(&now_sum) => {
            let busiest = sums.iter().copied().max().unwrap_or(0);
            let before = if sums.len() > w { sums[sums.len() - 1 - w] } else { 0 };
            if now_sum >= busiest && now_sum > before {
                Phase::Growing
            } else if now_sum as f64 >= PEAK_SHARE * busiest as f64 {
                Phase::Peak
            } else {
                Phase::Subsiding
            }
        }
    };
    Judged { phase, ended_at: None, peak }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: SignedDuration = SignedDuration::from_hours(1);

    /// A course from per-hour counts of the incident's mentions (the watch's negatives are
    /// those plus 2 ordinary complaints an hour).
    fn course(start: Timestamp, own: &[u64]) -> Vec<Course> {
        own.iter()
            .enumerate()
            .map(|(i, &n)| Course { start: start + HOUR * i as i32, own: n, negative: n + 2 })
            .collect()
    }

    #[test]
    fn a_crisis_grows_peaks_subsides_and_ends() {
        let start: Timestamp = "2026-11-10T08:00:00Z".parse().unwrap();
        let mut own = vec![6, 14, 30, 55, 80, 70, 52, 30, 18, 9, 4, 2, 1];
        own.extend([0; 14]);
        let c = course(start, &own);
        let at = |hours: i32| judge(&c[..hours as usize], 4, start + HOUR * hours, HOUR, 12);
        // In the first hour nothing is full yet: it is growing.
        assert_eq!(judge(&c[..1], 4, start + HOUR / 2, HOUR, 12).phase, Phase::Growing);
        assert_eq!(at(3).phase, Phase::Growing);
        assert_eq!(at(5).phase, Phase::Growing, "the busiest three hours so far");
        assert_eq!(at(7).phase, Phase::Peak, "80+70+52 against the busiest 55+80+70");
        assert_eq!(at(9).phase, Phase::Subsiding);
        assert_eq!(at(5).peak, Some((start + HOUR * 4, 80)));
        // The watch's negatives (own + 2) are at most the usual 4 from hour 11 (own 2) on;
        // twelve quiet hours later it has ended.
        assert_eq!(at(22).phase, Phase::Subsiding);
        let ended = at(23);
        assert_eq!(ended.phase, Phase::Ended);
        assert_eq!(ended.ended_at, Some(start + HOUR * 23));
    }

    #[test]
    fn a_filling_hour_is_not_a_drop_and_a_flare_is_growth_again() {
        let start: Timestamp = "2026-11-10T08:00:00Z".parse().unwrap();
        let c = course(start, &[20, 40, 3]);
        // Twenty minutes into the third hour its 3 mentions do not count yet.
        let j = judge(&c, 4, start + HOUR * 2 + HOUR / 3, HOUR, 12);
        assert_eq!(j.phase, Phase::Growing);
        let c = course(start, &[20, 40, 10, 5, 60, 90, 120]);
        assert_eq!(judge(&c[..4], 4, start + HOUR * 4, HOUR, 12).phase, Phase::Peak);
        assert_eq!(judge(&c, 4, start + HOUR * 7, HOUR, 12).phase, Phase::Growing);
    }
}
