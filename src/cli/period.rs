//! The period flags `stats` and `backtest` share: `--since`, `--until`, or `--days` back from
//! `--until` (default now).

use jiff::Timestamp;
use yuqing::time::{parse_time, parse_until};

#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// Period start (default: --days before --until); RFC 3339, YYYY-MM-DD[ HH:MM], 3天前 …,
    /// read in Asia/Shanghai.
    #[arg(long, value_parser = parse_time)]
    since: Option<Timestamp>,
    /// Period end, exclusive (default: now; a plain date: the end of that day).
    #[arg(long, value_parser = parse_until)]
    until: Option<Timestamp>,
    /// Length of the period in days when --since is not given (1 to 3650).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    days: i64,
}

impl PeriodArgs {
    /// [`since`, `until`).
    pub fn resolve(&self) -> anyhow::Result<(Timestamp, Timestamp)> {
        let until = self.until.unwrap_or_else(Timestamp::now);
        let since = match self.since {
            Some(s) => s,
            None => until
                .checked_sub(jiff::SignedDuration::from_hours(24 * self.days))
                .map_err(|_| anyhow::anyhow!("--days {} reaches before any time yuqing can hold", self.days))?,
        };
        anyhow::ensure!(since < until, "--since must be before --until");
        Ok((since, until))
    }
}
