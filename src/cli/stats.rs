//! `yuqing stats`: a watch's volume, sentiment, share of voice and risks over a period.

use std::io::Write;
use std::process::ExitCode;

use yuqing::config::Config;
use yuqing::index::stats::{Interval, StatsRequest, last_days, stats};
use yuqing::mention::parse_time;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// The watch (as named in yuqing.toml).
    #[arg(long)]
    watch: String,
    /// Period start (default: --days before --until).
    #[arg(long, value_parser = parse_time)]
    since: Option<jiff::Timestamp>,
    /// Period end, exclusive (default: now).
    #[arg(long, value_parser = parse_time)]
    until: Option<jiff::Timestamp>,
    /// Length of the period in days when --since is not given.
    #[arg(long, default_value_t = 30)]
    days: i64,
    #[arg(long, value_enum, default_value_t = Interval::Day)]
    interval: Interval,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let watch = super::find_watch(config, &args.watch)?;
    let until = args.until.unwrap_or_else(jiff::Timestamp::now);
    let since = args.since.unwrap_or_else(|| last_days(until, args.days));
    anyhow::ensure!(since < until, "--since must be before --until");
    let (analyzer, reader, fields) = super::open_existing_index(config)?;
    let request = StatsRequest::for_watch(watch, &config.watches, since, until, args.interval);
    let s = stats(&reader.searcher(), fields, &analyzer.text, &request)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &s)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let c = s.counts;
    writeln!(
        out,
        "{}  {} → {} (Asia/Shanghai), by {}",
        s.watch,
        s.since,
        s.until,
        if args.interval == Interval::Day { "day" } else { "hour" }
    )?;
    writeln!(
        out,
        "mentions {}: positive {}, neutral {}, negative {}; net sentiment {:+.2}",
        c.total, c.positive, c.neutral, c.negative, s.net_sentiment
    )?;
    let shares: Vec<String> =
        s.share_of_voice.iter().map(|x| format!("{} {:.1}% ({})", x.watch, 100.0 * x.share, x.mentions)).collect();
    writeln!(out, "share of voice: {}", shares.join(", "))?;
    let risks: Vec<String> = s.risks.iter().map(|(r, n)| format!("{r} {n}")).collect();
    writeln!(out, "risks: {}", if risks.is_empty() { "none".to_string() } else { risks.join(", ") })?;
    let terms: Vec<String> = s.top_terms.iter().map(|t| format!("{} {}", t.term, t.mentions)).collect();
    writeln!(out, "top terms (newest {} mentions): {}", s.terms_sampled, terms.join(", "))?;
    writeln!(out, "{:<17} {:>6} {:>6} {:>6} {:>6}", "bucket", "total", "pos", "neu", "neg")?;
    for b in &s.buckets {
        let k = b.counts;
        writeln!(out, "{:<17} {:>6} {:>6} {:>6} {:>6}", b.start, k.total, k.positive, k.neutral, k.negative)?;
    }
    Ok(ExitCode::SUCCESS)
}
