//! Schedules: cron expressions, read in Asia/Shanghai (China has no DST), as sources' `schedule`
//! and `[digest] schedule` write them. cron 0.17 wants a seconds field (`0 */15 * * * *`);
//! crontab's five fields (`*/15 * * * *`) are accepted too, with the seconds added.

use std::str::FromStr;

use jiff::Timestamp;

/// One field of a cron expression: its name, range and the names it may use.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The fields in order (with seconds first, and an optional year).
const FIELDS: [Field; 7] = [
    Field { name: "seconds", min: 0, max: 59, names: &[] },
    Field { name: "minutes", min: 0, max: 59, names: &[] },
    Field { name: "hours", min: 0, max: 23, names: &[] },
    Field { name: "day of month", min: 1, max: 31, names: &[] },
    Field { name: "month", min: 1, max: 12, names: &MONTHS },
    Field { name: "day of week", min: 1, max: 7, names: &DAYS },
    Field { name: "year", min: 1970, max: 2100, names: &[] },
];

/// Why one field's value is wrong: `*`, `?`, numbers or names in range, `a-b`, `x/step`, lists.
fn check_field(value: &str, f: &Field) -> Result<(), String> {
    for part in value.split(',') {
        let (range, step) = part.split_once('/').map_or((part, None), |(r, s)| (r, Some(s)));
        if let Some(step) = step {
            let ok = step.parse::<u32>().is_ok_and(|n| n >= 1);
            if !ok {
                return Err(format!("has the step {step:?}, which must be a whole number of at least 1"));
            }
        }
        if matches!(range, "*" | "?") {
            continue;
        }
        for bound in range.split('-') {
            let upper = bound.to_ascii_uppercase();
            let ok = match bound.parse::<u32>() {
                Ok(n) => (f.min..=f.max).contains(&n),
                Err(_) => f.names.iter().any(|name| upper.starts_with(name)),
            };
            if !ok {
                let names = if f.names.is_empty() {
                    String::new()
                } else {
                    format!(" or a name ({}…)", f.names[..3].join(", "))
                };
                return Err(format!("must be {} to {}{names}; {bound:?} is not", f.min, f.max));
            }
        }
    }
    Ok(())
}

/// A parsed schedule and the expression it was written as. Displayed as cron reads it (with
/// the seconds field).
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: cron::Schedule,
    text: String,
}

impl Schedule {
    /// Parses cron with seconds (`0 */15 * * * *`) or crontab's five fields (`*/15 * * * *`).
    /// Errors say which field is wrong and why, in yuqing's words.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let fields: Vec<&str> = s.split_whitespace().collect();
        let full: Vec<&str> = match fields.len() {
            5 => std::iter::once("0").chain(fields.iter().copied()).collect(),
            6 | 7 => fields.clone(),
            n => {
                return Err(format!(
                    "{s:?} has {n} fields; a schedule has 5 (crontab: minute hour day month weekday) or 6 \
                     (seconds first), e.g. \"*/30 * * * *\""
                ));
            }
        };
        for (value, field) in full.iter().zip(FIELDS) {
            check_field(value, &field).map_err(|why| format!("{s:?}: the {} field {value:?} {why}", field.name))?;
        }
        let cron = cron::Schedule::from_str(&full.join(" "))
            .map_err(|e| format!("{s:?} is not a schedule yuqing can read ({e}); e.g. \"*/30 * * * *\""))?;
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
        assert!(
            Schedule::parse("every day").unwrap_err().contains("\"every day\" has 2 fields"),
            "{:?}",
            Schedule::parse("every day").err()
        );
        let err = Schedule::parse("0 0 25 * * *").unwrap_err();
        assert_eq!(err, "\"0 0 25 * * *\": the hours field \"25\" must be 0 to 23; \"25\" is not");
        let err = Schedule::parse("Mon * * * * *").unwrap_err();
        assert!(err.contains("the seconds field \"Mon\" must be 0 to 59"), "{err}");
        assert!(Schedule::parse("0 0 9 * * MON-FRI").is_ok() && Schedule::parse("0 */0 * * * *").is_err());
    }
}
