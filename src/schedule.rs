//! Schedules: cron expressions, read in Asia/Shanghai (China has no DST), as sources' `schedule`
//! and `[digest] schedule` write them. cron 0.17 wants a seconds field (`0 */15 * * * *`);
//! crontab's five fields (`*/15 * * * *`) are accepted too, with the seconds added.

use std::str::FromStr;

use jiff::Timestamp;

/// A parsed schedule and the expression it was written as. Displayed as cron reads it (with
/// the seconds field).
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: cron::Schedule,
    text: String,
}

impl Schedule {
    /// Parses cron with seconds (`0 */15 * * * *`) or crontab's five fields (`*/15 * * * *`).
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let fields = s.split_whitespace().count();
        let full = if fields == 5 { format!("0 {s}") } else { s.to_string() };
        let cron = cron::Schedule::from_str(&full)
            .map_err(|e| format!("{s:?} is not a cron expression ({e}); e.g. \"*/30 * * * *\""))?;
        Ok(Schedule { cron, text: s.to_string() })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first time of the schedule after `now`; `None` when it has no further times.
    pub fn next_after(&self, now: Timestamp) -> Option<Timestamp> {
        let zone = chrono::FixedOffset::east_opt(crate::time::LOCAL_OFFSET_SECS)?;
        let now = chrono::DateTime::from_timestamp_micros(now.as_microsecond())?.with_timezone(&zone);
        let next = self.cron.after(&now).next()?;
        Timestamp::from_microsecond(next.timestamp_micros()).ok()
    }

    /// How long from `now` until the next time (zero when it is due).
    pub fn wait_from(&self, now: Timestamp) -> Option<std::time::Duration> {
        let next = self.next_after(now)?;
        Some(next.duration_since(now).try_into().unwrap_or_default())
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cron.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_read_in_shanghai_with_or_without_seconds() {
        let monday_9 = Schedule::parse("0 0 9 * * Mon").unwrap();
        // Sunday 2026-11-22 12:00 in Shanghai (04:00 UTC): next is Monday 09:00 there.
        let now: Timestamp = "2026-11-22T04:00:00Z".parse().unwrap();
        assert_eq!(monday_9.next_after(now).unwrap().to_string(), "2026-11-23T01:00:00Z");
        let crontab = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(crontab.next_after(now).unwrap().to_string(), "2026-11-22T04:15:00Z");
        assert_eq!(crontab.wait_from(now), Some(std::time::Duration::from_secs(900)));
        assert!(Schedule::parse("every day").unwrap_err().contains("\"every day\" is not a cron expression"));
    }
}
