//! The period a digest covers — a day (日报), an ISO week (周报) or a calendar month (月报) in
//! Asia/Shanghai, whole or so far (the current one up to now: what a team reads mid-crisis), or
//! any span — and the period it is compared with: the one before, and for a period so far the
//! same stretch of the one before (this week's Monday to Wednesday 15:00 against last week's).

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan, Zoned};
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
    /// Whether it is the current day, week or month up to `until` rather than a whole one.
    pub to_date: bool,
    /// "2026-W47", "2026-11-30", "2026-11", "2026-W49 截至 12-02 15:00", or
    /// "2026-11-16 00:00 → 2026-11-23 00:00".
    pub label: String,
}

/// A calendar unit in local time, or any span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Day,
    Week,
    Month,
    Span,
}

impl PeriodKind {
    /// The report's name: 日报, 周报, 月报, 舆情报告.
    pub fn report_zh(self) -> &'static str {
        match self {
            PeriodKind::Day => "日报",
            PeriodKind::Week => "周报",
            PeriodKind::Month => "月报",
            PeriodKind::Span => "报告",
        }
    }
}

impl Period {
    /// Any span [`since`, `until`).
    pub fn new(since: Timestamp, until: Timestamp) -> Period {
        let label = format!("{} → {}", local_minute(since), local_minute(until));
        Period { since, until, kind: PeriodKind::Span, to_date: false, label }
    }

    /// The whole day, week or month that `at` is in (local time); a span is a day.
    pub fn unit(kind: PeriodKind, at: Timestamp) -> Period {
        let start = unit_start(kind, at);
        let end = next_start(kind, &start);
        Period { since: start.timestamp(), until: end.timestamp(), kind, to_date: false, label: label(kind, &start) }
    }

    /// The last whole day, week or month before `now`.
    pub fn last(kind: PeriodKind, now: Timestamp) -> Period {
        let current = unit_start(kind, now).timestamp();
        Period::unit(kind, current - SignedDuration::from_secs(1))
    }

    /// The current day, week or month from its start up to `now`.
    pub fn so_far(kind: PeriodKind, now: Timestamp) -> Period {
        let whole = Period::unit(kind, now);
        let label = format!("{} 截至 {}", whole.label, short(now));
        Period { until: now.max(whole.since + SignedDuration::from_secs(1)), to_date: true, label, ..whole }
    }

    /// What it is compared with: the period just before (the same kind; for a period so far,
    /// the same stretch of the one before; for a span, the same length before).
    pub fn previous(&self) -> Period {
        let len: SignedDuration = self.until.duration_since(self.since);
        if self.kind == PeriodKind::Span {
            return Period::new(self.since - len, self.since);
        }
        let whole = Period::unit(self.kind, self.since - SignedDuration::from_secs(1));
        if !self.to_date {
            return whole;
        }
        let until = (whole.since + len).min(whole.until);
        Period { until, label: format!("{} 同期", whole.label), to_date: true, ..whole }
    }

    /// The buckets its chart counts by: hours for a day (or a span of two days at most), else days.
    pub fn interval(&self) -> crate::time::Interval {
        let short = self.until.duration_since(self.since) <= SignedDuration::from_hours(48);
        if self.kind == PeriodKind::Day || (self.kind == PeriodKind::Span && short) {
            crate::time::Interval::Hour
        } else {
            crate::time::Interval::Day
        }
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        self.since <= t && t < self.until
    }

    /// How people name it in a sentence: 本周, 本日, 本月, 本期 (…至今 when so far).
    pub fn this_zh(&self) -> String {
        let base = match self.kind {
            PeriodKind::Day => "当日",
            PeriodKind::Week => "本周",
            PeriodKind::Month => "本月",
            PeriodKind::Span => "本期",
        };
        if self.to_date { format!("{base}至今") } else { base.to_string() }
    }

    /// How people name the period it is compared with: 上周, 前一日, 上月, 上期 (…同期 when so far).
    pub fn before_zh(&self) -> String {
        let base = match self.kind {
            PeriodKind::Day => "前一日",
            PeriodKind::Week => "上周",
            PeriodKind::Month => "上月",
            PeriodKind::Span => "上期",
        };
        if self.to_date { format!("{base}同期") } else { base.to_string() }
    }
}

/// Local midnight starting the day, the ISO week's Monday or the month that `at` is in.
fn unit_start(kind: PeriodKind, at: Timestamp) -> Zoned {
    let date = at.to_zoned(local_zone().clone()).date();
    let first = match kind {
        PeriodKind::Day | PeriodKind::Span => date,
        PeriodKind::Week => date.iso_week_date().first_of_week().expect("a real week").date(),
        PeriodKind::Month => date.first_of_month(),
    };
    midnight(first)
}

fn next_start(kind: PeriodKind, start: &Zoned) -> Zoned {
    let date = start.date();
    let next = match kind {
        PeriodKind::Day | PeriodKind::Span => date.tomorrow().expect("a real day"),
        PeriodKind::Week => date + 7.days(),
        PeriodKind::Month => date.last_of_month().tomorrow().expect("a real day"),
    };
    midnight(next)
}

fn midnight(d: Date) -> Zoned {
    d.to_zoned(local_zone().clone()).expect("Asia/Shanghai has every midnight")
}

fn label(kind: PeriodKind, start: &Zoned) -> String {
    match kind {
        PeriodKind::Week => week_label(start.date().iso_week_date()),
        PeriodKind::Month => start.strftime("%Y-%m").to_string(),
        PeriodKind::Day | PeriodKind::Span => start.strftime("%Y-%m-%d").to_string(),
    }
}

fn short(t: Timestamp) -> String {
    t.to_zoned(local_zone().clone()).strftime("%m-%d %H:%M").to_string()
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
    Ok(Period::unit(PeriodKind::Week, start.timestamp()))
}

/// The day `2026-11-30` in Asia/Shanghai.
pub fn day(s: &str) -> Result<Period, String> {
    let date: Date = s.trim().parse().map_err(|_| format!("day {s:?}: expected YYYY-MM-DD, like 2026-11-30"))?;
    Ok(Period::unit(PeriodKind::Day, midnight(date).timestamp()))
}

/// The month `2026-11` in Asia/Shanghai.
pub fn month(s: &str) -> Result<Period, String> {
    let bad = || format!("month {s:?}: expected YYYY-MM, like 2026-11");
    let (year, month) = s.trim().split_once('-').ok_or_else(bad)?;
    let (year, month): (i16, i8) = (year.parse().map_err(|_| bad())?, month.parse().map_err(|_| bad())?);
    let date = Date::new(year, month, 1).map_err(|e| format!("month {s:?}: {e}"))?;
    Ok(Period::unit(PeriodKind::Month, midnight(date).timestamp()))
}

/// The last complete ISO week before `now`.
pub fn last_week(now: Timestamp) -> Period {
    Period::last(PeriodKind::Week, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_in_shanghai() {
        let w = iso_week("2026-W47").unwrap();
        assert_eq!(w.since.to_string(), "2026-11-15T16:00:00Z", "Monday 16 Nov, 00:00 +08:00");
        assert_eq!(w.until.to_string(), "2026-11-22T16:00:00Z");
        let p = w.previous();
        assert_eq!((p.label.as_str(), p.since.to_string()), ("2026-W46", "2026-11-08T16:00:00Z".into()));
        assert_eq!(iso_week("2027-W01").unwrap().previous().label, "2026-W53");
        assert_eq!(last_week(at("2026-11-23T02:00:00Z")).label, "2026-W47");
        assert!(iso_week("2026-47").unwrap_err().contains("expected YYYY-Www"));
        assert!(iso_week("2026-W60").is_err());
        let any = Period::new(at("2026-11-01T00:00:00Z"), at("2026-11-04T00:00:00Z"));
        assert_eq!(any.previous().since.to_string(), "2026-10-29T00:00:00Z");
    }

    #[test]
    fn days_and_months_are_local_and_compared_with_the_one_before() {
        // 2026-12-01 07:30 in Shanghai is still 30 November in UTC.
        let now = at("2026-11-30T23:30:00Z");
        let yesterday = Period::last(PeriodKind::Day, now);
        assert_eq!(
            (yesterday.label.as_str(), yesterday.since.to_string()),
            ("2026-11-30", "2026-11-29T16:00:00Z".into())
        );
        assert_eq!(yesterday.previous().label, "2026-11-29");
        let november = Period::last(PeriodKind::Month, now);
        assert_eq!(november.label, "2026-11");
        assert_eq!(
            (november.since.to_string(), november.until.to_string()),
            ("2026-10-31T16:00:00Z".into(), "2026-11-30T16:00:00Z".into())
        );
        // October has 31 days: the month before is the whole of it.
        let october = november.previous();
        assert_eq!((october.label.as_str(), october.since.to_string()), ("2026-10", "2026-09-30T16:00:00Z".into()));
        assert_eq!(month("2026-02").unwrap().until.to_string(), "2026-02-28T16:00:00Z");
        assert_eq!(day("2026-12-01").unwrap(), Period::unit(PeriodKind::Day, now));
        assert!(month("2026-13").is_err() && day("2026-11-31").is_err() && month("11").is_err());
    }

    #[test]
    fn a_period_so_far_is_compared_with_the_same_stretch_before() {
        // Wednesday 2 December 15:00 in Shanghai.
        let now = at("2026-12-02T07:00:00Z");
        let week = Period::so_far(PeriodKind::Week, now);
        assert_eq!((week.since.to_string(), week.until), ("2026-11-29T16:00:00Z".into(), now));
        assert_eq!(week.label, "2026-W49 截至 12-02 15:00");
        let before = week.previous();
        assert_eq!(
            (before.since.to_string(), before.until.to_string()),
            ("2026-11-22T16:00:00Z".into(), "2026-11-25T07:00:00Z".into())
        );
        assert_eq!((week.this_zh(), week.before_zh()), ("本周至今".to_string(), "上周同期".to_string()));
        // The 31st of a month so far is compared with the whole of a shorter month before.
        let dec31 = Period::so_far(PeriodKind::Month, at("2026-12-31T04:00:00Z"));
        assert_eq!(dec31.previous().until.to_string(), "2026-11-30T16:00:00Z");
        let today = Period::so_far(PeriodKind::Day, now);
        assert_eq!(today.previous().until.to_string(), "2026-12-01T07:00:00Z");
    }
}
