//! `yuqing alerts`: the alerts raised by `yuqing run`, newest first, with their deliveries.

use std::io::Write;
use std::process::ExitCode;

use yuqing::alert::{AlertHistory, Severity};
use yuqing::config::Config;
use yuqing::time::{local_minute, parse_time};

#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Only this watch's alerts.
    #[arg(long)]
    watch: Option<String>,
    /// Only alerts for buckets at or after this time.
    #[arg(long, value_parser = parse_time)]
    since: Option<jiff::Timestamp>,
    /// At most this many (newest first).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print JSON lines (alert, evidence, deliveries) instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: AlertsArgs) -> anyhow::Result<ExitCode> {
    if let Some(w) = &args.watch {
        super::find_watch(config, w)?;
    }
    let Some(history) = AlertHistory::open_existing(&config.data)? else {
        anyhow::bail!("no alert history at {}: `yuqing run` keeps it there", config.data.state().display());
    };
    let records = history.list(args.watch.as_deref(), args.since)?;
    let mut out = std::io::stdout().lock();
    for r in records.iter().take(args.limit) {
        if args.json {
            writeln!(out, "{}", serde_json::to_string(r)?)?;
            continue;
        }
        let v = &r.alert.verdict;
        let severity = super::severity_word(v.severity.unwrap_or(Severity::Warning));
        let deliveries: Vec<String> = r
            .deliveries
            .iter()
            .map(|d| match &d.error {
                None => format!("{} ok", d.channel),
                Some(e) => format!("{} FAILED ({e})", d.channel),
            })
            .collect();
        let terms: Vec<&str> = r.alert.rising_terms.iter().take(5).map(|t| t.term.as_str()).collect();
        writeln!(
            out,
            "{}  {:<8} {}  negative {} vs {:.1} expected; rising: {}; sent: {}",
            local_minute(v.start),
            severity,
            r.alert.watch,
            v.observed,
            v.expected,
            if terms.is_empty() { "-".into() } else { terms.join(", ") },
            if deliveries.is_empty() { "no channels".into() } else { deliveries.join(", ") }
        )?;
    }
    if records.is_empty() && !args.json {
        writeln!(out, "no alerts")?;
    }
    Ok(ExitCode::SUCCESS)
}
