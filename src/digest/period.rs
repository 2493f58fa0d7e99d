//! The period a digest covers: an ISO week in Asia/Shanghai (Monday 00:00 to the next Monday),
//! or any span, and the span of the same length before it.

use jiff::civil::{ISOWeekDate, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

use crate::time::{local_minute, local_zone};

/// [`since`, `until`) with a name for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    #[serde(with = "crate::time::rfc3339_local")]
    pub since: Timestamp,
    #[serde(with = "crate::time::rfc3339_local")]
    pub until: Timestamp,
    /// What kind of span it is.
    pub kind: PeriodKind,
    /// "2026-W47", or "2026-11-16 00:00 → 2026-11-23 00:00".
    pub label: String,
}

/// An ISO week (Monday to Monday, local time), or any span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Week,
    Span,
}

impl Period {
    /// Any span [`since`, `until`).
    pub fn new(since: Timestamp, until: Timestamp) -> Period {
        let label = format!("{} → {}", local_minute(since), local_minute(until));
        Period { since, until, kind: PeriodKind::Span, label }
    }

    /// The period of the same length (the same kind) just before.
    pub fn previous(&self) -> Period {
        let len: SignedDuration = self.until.duration_since(self.since);
        let since = self.since - len;
        match self.kind {
            PeriodKind::Week => {
                let week = self.since.to_zoned(local_zone().clone()).date().iso_week_date();
                let prev = ISOWeekDate::from_date(week.date() - 7.days());
                Period { since, until: self.since, kind: PeriodKind::Week, label: week_label(prev) }
            }
            PeriodKind::Span => Period::new(since, self.since),
        }
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        self.since <= t && t < self.until
    }
}

fn week_label(w: ISOWeekDate) -> String {
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// The ISO week `2026-W47` in Asia/Shanghai.
pub fn iso_week(s: &str) -> Result<Period, String> {
    let bad = || format!("week {s:?}: expected YYYY-Www, like 2026-W47");
    let (year, week) = s.trim().split_once("-W").ok_or_else(bad)?;
    let (year, week): (i16, i8) = (year.parse().map_err(|_| bad())?, week.parse().map_err(|_| bad())?);
    let monday = ISOWeekDate::new(year, week, Weekday::Monday).map_err(|e| format!("week {s:?}: {e}"))?;
    let start = monday.date().to_zoned(local_zone().clone()).map_err(|e| format!("week {s:?}: {e}"))?;
    let end = start.checked_add(7.days()).map_err(|e| format!("week {s:?}: {e}"))?;
    Ok(Period { since: start.timestamp(), until: end.timestamp(), kind: PeriodKind::Week, label: week_label(monday) })
}

/// The last complete ISO week before `now`.
pub fn last_week(now: Timestamp) -> Period {
    let today = now.to_zoned(local_zone().clone()).date();
    let this_week = today.iso_week_date();
    let previous = ISOWeekDate::from_date(this_week.date() - 7.days());
    iso_week(&week_label(previous)).expect("a real week")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_in_shanghai() {
        let w = iso_week("2026-W47").unwrap();
        assert_eq!(w.since.to_string(), "2026-11-15T16:00:00Z", "Monday 16 Nov, 00:00 +08:00");
        assert_eq!(w.until.to_string(), "2026-11-22T16:00:00Z");
        let p = w.previous();
        assert_eq!((p.label.as_str(), p.since.to_string()), ("2026-W46", "2026-11-08T16:00:00Z".into()));
        assert_eq!(iso_week("2027-W01").unwrap().previous().label, "2026-W53");
        assert_eq!(last_week("2026-11-23T02:00:00Z".parse().unwrap()).label, "2026-W47");
        assert!(iso_week("2026-47").unwrap_err().contains("expected YYYY-Www"));
        assert!(iso_week("2026-W60").is_err());
        let any = Period::new("2026-11-01T00:00:00Z".parse().unwrap(), "2026-11-04T00:00:00Z".parse().unwrap());
        assert_eq!(any.previous().since.to_string(), "2026-10-29T00:00:00Z");
    }
}
