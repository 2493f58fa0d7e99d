//! Time, in one place: the zone people read times in (Asia/Shanghai, bundled with the binary; China
//! has no DST), how a time is written for people, the buckets counts are kept in (hours, local
//! days), the clock the daemon reads (the system's, or one a test or the demo moves), and the
//! parsing of every time form sites print ([`parse`]).
//!
//! The library carries [`Timestamp`]s from stage to stage and formats them only where text is
//! written (renderers, the CLI, the API).

pub mod parse;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

pub use parse::{EARLIEST, TimeError, from_unix, parse_time_in, plausible};

/// The time zone a time without an offset is read in, and the one people are shown.
pub const ZONE_NAME: &str = "Asia/Shanghai";

/// Asia/Shanghai's offset from UTC in seconds (UTC+8 all year): local days start at 16:00 UTC.
pub const LOCAL_OFFSET_SECS: i32 = 8 * 3600;

/// How far a site's clock may run ahead of ours: a published time later than the fetch by more
/// than this is not believed (a bare time of day is then yesterday's; anything else is set to
/// the fetch, and the mention says so).
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// The local time zone (Asia/Shanghai).
pub fn local_zone() -> &'static TimeZone {
    static TZ: std::sync::LazyLock<TimeZone> =
        std::sync::LazyLock::new(|| TimeZone::get(ZONE_NAME).expect("the bundled time zone database has it"));
    &TZ
}

/// `t` as `YYYY-MM-DD HH:MM` in local time, for people to read.
pub fn local_minute(t: Timestamp) -> String {
    t.to_zoned(local_zone().clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// `t` as `YYYY-MM-DD HH:MM:SS` in local time, for spreadsheets (Excel reads it as a time).
pub fn local_second(t: Timestamp) -> String {
    t.to_zoned(local_zone().clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// `t` as RFC 3339 with the local offset (`2026-11-22T09:30:00+08:00`): the one form the API and
/// exports write.
pub fn local_rfc3339(t: Timestamp) -> String {
    t.to_zoned(local_zone().clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `#[serde(with = "crate::time::rfc3339_local")]`: a [`Timestamp`] written as RFC 3339 with the
/// local offset (the one form JSON output uses), read back from any RFC 3339 form.
pub mod rfc3339_local {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::local_rfc3339(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses a time as a user or an import gives it: any form [`parse`] reads, in local time,
/// relative forms against now.
pub fn parse_time(s: &str) -> Result<Timestamp, TimeError> {
    parse_time_in(s, local_zone(), Timestamp::now())
}

/// Parses the end of a period as a user gives it: a plain date (`2026-11-30`, what a date
/// picker sends) means the end of that day, so that "11-01 to 11-30" takes all of the 30th;
/// any other form is the instant [`parse_time`] reads.
pub fn parse_until(s: &str) -> Result<Timestamp, TimeError> {
    match plain_date(s) {
        Some(day) => {
            let next = day.tomorrow().map_err(|_| TimeError::Unknown(s.to_string()))?;
            let end = next.to_zoned(local_zone().clone()).map_err(|_| TimeError::Unknown(s.to_string()))?.timestamp();
            parse_time(s).map(|_| end)
        }
        None => parse_time(s),
    }
}

/// `s` as a date alone (`2026-11-30`), nothing before or after it. (jiff's own parse of a
/// `Date` also takes `2026-11-30 10:00` and drops the time.)
pub fn plain_date(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    shape.then(|| s.parse().ok()).flatten()
}

/// The width of a bucket counts are kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Hour,
    /// A local (Asia/Shanghai) day, midnight to midnight.
    Day,
}

impl Interval {
    /// The name written in configs, parameters and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Interval::Hour => "hour",
            Interval::Day => "day",
        }
    }

    /// How long one bucket is.
    pub fn len(self) -> SignedDuration {
        match self {
            Interval::Hour => SignedDuration::from_hours(1),
            Interval::Day => SignedDuration::from_hours(24),
        }
    }

    /// Buckets in a day.
    pub fn per_day(self) -> usize {
        match self {
            Interval::Hour => 24,
            Interval::Day => 1,
        }
    }

    /// The start of the bucket holding `t`: the hour, or local midnight.
    pub fn floor(self, t: Timestamp) -> Timestamp {
        let (len, offset) = match self {
            Interval::Hour => (3600, 0),
            Interval::Day => (86_400, i64::from(LOCAL_OFFSET_SECS)),
        };
        let s = t.as_second();
        Timestamp::from_second((s + offset).div_euclid(len) * len - offset).unwrap_or(t)
    }
}

impl std::str::FromStr for Interval {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "hour" => Ok(Interval::Hour),
            "day" => Ok(Interval::Day),
            other => Err(format!("{other:?} is not hour or day")),
        }
    }
}

/// The clock the daemon and the crawler read "now" from: the system's, or one that a test or the
/// demo sets (the demo replays three days in seconds through the daemon's own path).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds since the epoch when set by hand; `None` for the system clock.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that stands at `t` until it is set or advanced.
    pub fn manual(t: Timestamp) -> Clock {
        Clock { manual: Some(Arc::new(AtomicI64::new(t.as_microsecond()))) }
    }

    pub fn now(&self) -> Timestamp {
        match &self.manual {
            None => Timestamp::now(),
            Some(us) => Timestamp::from_microsecond(us.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }

    /// Sets a manual clock (every clone sees it); a system clock is left as it is.
    pub fn set(&self, t: Timestamp) {
        if let Some(us) = &self.manual {
            us.store(t.as_microsecond(), Ordering::SeqCst);
        }
    }

    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_start_on_the_hour_and_at_local_midnight() {
        let t: Timestamp = "2026-11-22T17:42:10Z".parse().unwrap();
        assert_eq!(Interval::Hour.floor(t).to_string(), "2026-11-22T17:00:00Z");
        // 01:42 on the 23rd in Shanghai: the day began at 16:00 UTC on the 22nd.
        assert_eq!(Interval::Day.floor(t).to_string(), "2026-11-22T16:00:00Z");
        assert_eq!("day".parse::<Interval>(), Ok(Interval::Day));
        assert!("week".parse::<Interval>().unwrap_err().contains("\"week\" is not hour or day"));
    }

    #[test]
    fn a_plain_date_as_an_end_takes_the_whole_day() {
        assert_eq!(parse_until("2026-11-30").unwrap().to_string(), "2026-11-30T16:00:00Z");
        assert_eq!(parse_until("2026-11-30 10:00").unwrap().to_string(), "2026-11-30T02:00:00Z");
        assert!(parse_until("2099-01-01").is_err());
        assert!(parse_until("nope").is_err());
        assert_eq!(plain_date(" 2026-11-30 ").map(|d| d.to_string()).as_deref(), Some("2026-11-30"));
        assert_eq!(plain_date("2026-11-30 10:00"), None);
        assert_eq!(plain_date("2026-02-30"), None);
    }

    #[test]
    fn times_are_written_in_local_time() {
        let t: Timestamp = "2026-11-22T01:30:00Z".parse().unwrap();
        assert_eq!(local_minute(t), "2026-11-22 09:30");
        assert_eq!(local_rfc3339(t), "2026-11-22T09:30:00+08:00");
    }

    #[test]
    fn a_manual_clock_is_shared_by_its_clones() {
        let t: Timestamp = "2026-11-22T01:30:00Z".parse().unwrap();
        let clock = Clock::manual(t);
        let other = clock.clone();
        clock.set(t + SignedDuration::from_hours(2));
        assert_eq!(other.now().to_string(), "2026-11-22T03:30:00Z");
        assert!(!Clock::system().is_manual());
    }
}
