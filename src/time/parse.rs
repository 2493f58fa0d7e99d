//! Parsing times as Chinese sites, imports and users write them, read in a given time zone.
//!
//! Absolute: RFC 3339, RFC 2822 (feeds), Weibo's `Sun Nov 22 10:23:05 +0800 2026`, Unix seconds or
//! milliseconds, `2024-03-05[ 12:30[:00]]`, `2024/03/05`, `2024年3月5日 12:30`, and the year-less
//! `12-03 08:15` / `3月5日` (this year, or last year when that would lie in the future). Relative to
//! a given now: 刚刚, 30秒前, 5分钟前, 3小时前, 今天 12:30, 昨天 08:15, 前天, 3天前, 2周前, 1个月前, and a
//! bare `12:30` (today, or yesterday when that would be later than now). Prefixes such as
//! 发布于 / 编辑于 are skipped.

use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, ToSpan, Unit};
use regex::Regex;

/// A time that cannot be read, or that no mention can have.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "time {0:?} is not a known form (RFC 3339/2822, YYYY-MM-DD[ HH:MM[:SS]], YYYY年M月D日, MM-DD, Unix seconds or milliseconds, 刚刚, N分钟前, 今天/昨天/前天 HH:MM, N天前, 3 days ago)"
    )]
    Unknown(String),
    #[error("time {text:?} is {at}, outside what yuqing keeps (1990-01-01 to a day after now)")]
    OutOfRange { text: String, at: String },
}

/// The earliest time a mention may have: nothing monitored was published before.
pub const EARLIEST: Timestamp = Timestamp::constant(631_152_000, 0); // 1990-01-01T00:00:00Z

/// `t` when it lies between 1990 and a day after `now`; the index cannot hold times far outside
/// (they wrapped: 1600-01-01 was stored as 2184-07-20), and none is a real publication time.
pub fn plausible(t: Timestamp, now: Timestamp, text: &str) -> Result<Timestamp, TimeError> {
    let latest = now.checked_add(SignedDuration::from_hours(24)).unwrap_or(now);
    if t < EARLIEST || t > latest {
        return Err(TimeError::OutOfRange { text: text.to_string(), at: t.to_string() });
    }
    Ok(t)
}

static RELATIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+)\s*(秒|分钟|分|小时|天|周|个月)\s*前$").unwrap());
static DAY_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(今天|昨天|前天)\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?$").unwrap());
static CALENDAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$",
    )
    .unwrap()
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$").unwrap());
static ENGLISH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(\d+)\s*(second|minute|min|hour|day|week|month)s?\s+ago$").unwrap());

/// Words some sites put before the time.
const PREFIXES: [&str; 5] = ["发布于", "发表于", "编辑于", "更新于", "发布时间："];

/// Parses `s` as a publication time; times without an offset are read in `tz`, relative ones from
/// `now`. A time outside 1990 to a day after `now` is refused ([`plausible`]).
pub fn parse_time_in(s: &str, tz: &TimeZone, now: Timestamp) -> Result<Timestamp, TimeError> {
    plausible(parse_form(s, tz, now)?, now, s)
}

/// The time `s` says, in any known form.
fn parse_form(s: &str, tz: &TimeZone, now: Timestamp) -> Result<Timestamp, TimeError> {
    let mut t = s.trim();
    for p in PREFIXES {
        t = t.strip_prefix(p).unwrap_or(t).trim_start();
    }
    let fail = || TimeError::Unknown(s.to_string());
    if t.is_empty() {
        return Err(fail());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok().and_then(from_unix).ok_or_else(fail);
    }
    if let Some(ts) = absolute(t) {
        return Ok(ts);
    }
    let local_now = now.to_zoned(tz.clone());
    if let Some(back) = relative(t) {
        return back.and_then(|back| local_now.checked_sub(back).ok()).map(|z| z.timestamp()).ok_or_else(fail);
    }
    Local { s, tz, now, today: local_now.date() }.read(t)
}

/// A time with its zone or offset written out: RFC 3339, RFC 2822, Twitter's `created_at`.
fn absolute(t: &str) -> Option<Timestamp> {
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(t) {
        return Some(z.timestamp());
    }
    jiff::Zoned::strptime("%a %b %d %H:%M:%S %z %Y", t).ok().map(|z| z.timestamp())
}

/// How long ago a relative time says (`3分钟前`, `2 hours ago`, `刚刚`): `None` when `t` is no
/// relative time, `Some(None)` when it is one whose number does not fit.
fn relative(t: &str) -> Option<Option<Span>> {
    if t == "刚刚" || t.eq_ignore_ascii_case("now") {
        return Some(Some(Span::new()));
    }
    if let Some(c) = ENGLISH.captures(t) {
        let unit = match c[2].to_ascii_lowercase().as_str() {
            "second" => Unit::Second,
            "minute" | "min" => Unit::Minute,
            "hour" => Unit::Hour,
            "day" => Unit::Day,
            "week" => Unit::Week,
            _ => Unit::Month,
        };
        return Some(span_of(&c[1], unit));
    }
    let c = RELATIVE.captures(t)?;
    let unit = match &c[2] {
        "秒" => Unit::Second,
        "分钟" | "分" => Unit::Minute,
        "小时" => Unit::Hour,
        "天" => Unit::Day,
        "周" => Unit::Week,
        _ => Unit::Month,
    };
    Some(span_of(&c[1], unit))
}

/// `n` of `unit` as a span; `None` when the number does not fit one (`10000000 days ago`).
fn span_of(n: &str, unit: Unit) -> Option<Span> {
    let n: i64 = n.parse().ok()?;
    let s = Span::new();
    match unit {
        Unit::Second => s.try_seconds(n),
        Unit::Minute => s.try_minutes(n),
        Unit::Hour => s.try_hours(n),
        Unit::Day => s.try_days(n),
        Unit::Week => s.try_weeks(n),
        _ => s.try_months(n),
    }
    .ok()
}

/// The forms read in the source's zone: a day word (`昨天 18:30`), a calendar date with or
/// without its year, a bare time of day, a plain date and time.
struct Local<'a> {
    /// The text as given, for errors.
    s: &'a str,
    tz: &'a TimeZone,
    now: Timestamp,
    today: Date,
}

impl Local<'_> {
    fn read(&self, t: &str) -> Result<Timestamp, TimeError> {
        let fail = || TimeError::Unknown(self.s.to_string());
        let today = self.today;
        if let Some(c) = DAY_WORD.captures(t) {
            let days_back = match &c[1] {
                "今天" => 0,
                "昨天" => 1,
                _ => 2,
            };
            let date = today.checked_sub(days_back.days()).map_err(|_| fail())?;
            return self.at(date, clock(c.get(2), c.get(3), c.get(4)).ok_or_else(fail)?);
        }
        if let Some(c) = CALENDAR.captures(t) {
            let month: i8 = c[2].parse().map_err(|_| fail())?;
            let day: i8 = c[3].parse().map_err(|_| fail())?;
            let time = clock(c.get(4), c.get(5), c.get(6)).ok_or_else(fail)?;
            let Some(year) = c.get(1) else {
                // No year: this year, unless that is more than a day ahead of now.
                let ts = self.at(Date::new(today.year(), month, day).map_err(|_| fail())?, time)?;
                if ts.duration_since(self.now) <= SignedDuration::from_hours(24) {
                    return Ok(ts);
                }
                return self.at(Date::new(today.year() - 1, month, day).map_err(|_| fail())?, time);
            };
            let year: i16 = year.as_str().parse().map_err(|_| fail())?;
            return self.at(Date::new(year, month, day).map_err(|_| fail())?, time);
        }
        if let Some(c) = CLOCK.captures(t) {
            // A bare time of day later than now (beyond the clock skew) was yesterday's.
            let time = clock(c.get(1), c.get(2), c.get(3)).ok_or_else(fail)?;
            let ts = self.at(today, time)?;
            if ts.duration_since(self.now) > super::CLOCK_SKEW {
                return self.at(today.checked_sub(1.days()).map_err(|_| fail())?, time);
            }
            return Ok(ts);
        }
        if let Ok(dt) = t.parse::<DateTime>() {
            return self.at(dt.date(), dt.time());
        }
        Err(fail())
    }

    /// `date` at `time` in the zone. A real date that is no time jiff can hold (the year 9999 in
    /// +08:00) is out of range.
    fn at(&self, date: Date, time: Time) -> Result<Timestamp, TimeError> {
        self.tz
            .to_ambiguous_zoned(date.to_datetime(time))
            .compatible()
            .map(|z| z.timestamp())
            .map_err(|_| TimeError::OutOfRange { text: self.s.to_string(), at: date.to_datetime(time).to_string() })
    }
}

/// Unix seconds, or milliseconds when the number is too large to be seconds.
pub fn from_unix(n: i64) -> Option<Timestamp> {
    if n.abs() >= 100_000_000_000 { Timestamp::from_millisecond(n) } else { Timestamp::from_second(n) }.ok()
}

/// A time of day from optional hour, minute, second captures; midnight when absent.
fn clock(h: Option<regex::Match>, m: Option<regex::Match>, s: Option<regex::Match>) -> Option<Time> {
    let num = |x: Option<regex::Match>| x.map_or(Some(0), |x| x.as_str().parse::<i8>().ok());
    Time::new(num(h)?, num(m)?, num(s)?, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    /// 2026-11-22 15:00 in Shanghai.
    fn now() -> Timestamp {
        "2026-11-22T07:00:00Z".parse().unwrap()
    }

    fn local(s: &str) -> String {
        let t = parse_time_in(s, &shanghai(), now()).unwrap_or_else(|e| panic!("{e}"));
        t.to_zoned(shanghai()).strftime("%Y-%m-%d %H:%M:%S").to_string()
    }

    #[test]
    fn relative_chinese_forms() {
        assert_eq!(local("刚刚"), "2026-11-22 15:00:00");
        assert_eq!(local("30秒前"), "2026-11-22 14:59:30");
        assert_eq!(local("5分钟前"), "2026-11-22 14:55:00");
        assert_eq!(local("3小时前"), "2026-11-22 12:00:00");
        assert_eq!(local("今天 12:30"), "2026-11-22 12:30:00");
        assert_eq!(local("昨天 08:15"), "2026-11-21 08:15:00");
        assert_eq!(local("前天"), "2026-11-20 00:00:00");
        assert_eq!(local("3天前"), "2026-11-19 15:00:00");
        assert_eq!(local("2周前"), "2026-11-08 15:00:00");
        assert_eq!(local("1个月前"), "2026-10-22 15:00:00");
        assert_eq!(local("09:05"), "2026-11-22 09:05:00");
        // Now is 15:00: a bare 21:30 is yesterday's, 15:03 (within the clock skew) today's.
        assert_eq!(local("21:30"), "2026-11-21 21:30:00");
        assert_eq!(local("15:03"), "2026-11-22 15:03:00");
    }

    #[test]
    fn absolute_forms_in_the_source_time_zone() {
        assert_eq!(local("2024年3月5日"), "2024-03-05 00:00:00");
        assert_eq!(local("2024年3月5日 12:30"), "2024-03-05 12:30:00");
        assert_eq!(local("2024-03-05 12:30:45"), "2024-03-05 12:30:45");
        assert_eq!(local("2024/3/5 12:30"), "2024-03-05 12:30:00");
        assert_eq!(local("发布于 2024-03-05"), "2024-03-05 00:00:00");
        assert_eq!(local("11-20 08:15"), "2026-11-20 08:15:00");
        // A year-less date ahead of now is last year's.
        assert_eq!(local("12-03"), "2025-12-03 00:00:00");
        assert_eq!(local("3月5日 10:00"), "2026-03-05 10:00:00");
        assert_eq!(local("2026-11-20T12:30:00+08:00"), "2026-11-20 12:30:00");
        assert_eq!(local("Fri, 20 Nov 2026 04:30:00 GMT"), "2026-11-20 12:30:00");
        assert_eq!(local("Fri Nov 20 12:30:00 +0800 2026"), "2026-11-20 12:30:00");
        assert_eq!(local("1763613000"), "2025-11-20 12:30:00");
        assert_eq!(local("1763613000000"), "2025-11-20 12:30:00");
    }

    #[test]
    fn another_time_zone_shifts_the_reading() {
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let t = parse_time_in("2024-03-05 12:30", &tokyo, now()).unwrap();
        assert_eq!(t, "2024-03-05T03:30:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn english_relative_forms_as_the_readme_shows_them() {
        assert_eq!(local("3 days ago"), "2026-11-19 15:00:00");
        assert_eq!(local("2 hours ago"), "2026-11-22 13:00:00");
        assert_eq!(local("1 week ago"), "2026-11-15 15:00:00");
        assert_eq!(local("now"), "2026-11-22 15:00:00");
        // A number no span can hold is refused, not a panic (the property tests found it).
        for s in ["10000000days ago", "99999999999天前", "9999999999999 weeks ago"] {
            assert!(parse_time_in(s, &shanghai(), now()).is_err(), "{s}");
        }
    }

    #[test]
    fn times_no_mention_can_have_are_refused_with_the_reason() {
        for s in ["1600-01-01", "1989-12-31 23:59", "9999-12-31 23:59", "2026-11-24 15:01", "32503680000"] {
            let err = parse_time_in(s, &shanghai(), now()).unwrap_err();
            assert!(matches!(err, TimeError::OutOfRange { .. }), "{s}: {err}");
            assert!(err.to_string().contains("outside what yuqing keeps (1990-01-01 to a day after now)"), "{err}");
        }
        assert!(parse_time_in("1990-01-01 08:00", &shanghai(), now()).is_ok());
        assert!(parse_time_in("2026-11-23 14:00", &shanghai(), now()).is_ok(), "within a day of now");
    }

    #[test]
    fn nonsense_is_refused_with_the_text() {
        for s in ["", "昨天下午", "13-45", "2024年13月5日", "25:00", "很久以前"] {
            let err = parse_time_in(s, &shanghai(), now()).unwrap_err();
            assert!(err.to_string().contains(&format!("{s:?}")), "{err}");
        }
    }
}
