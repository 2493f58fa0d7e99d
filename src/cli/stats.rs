//! `yuqing stats`: a watch's volume, sentiment, share of voice, risks, emotions and aspects over a period.

use std::io::Write;
use std::process::ExitCode;

use yuqing::config::Config;
use yuqing::index::stats::{StatsRequest, stats};
use yuqing::render::shares::{aspect_share, emotion_shares};
use yuqing::sentiment::Emotion;
use yuqing::time::{Interval, local_minute};

use super::period::PeriodArgs;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// The watch (as named in yuqing.toml).
    #[arg(long)]
    watch: String,
    #[command(flatten)]
    period: PeriodArgs,
    /// Bucket width: day or hour.
    #[arg(long, default_value = "day", value_parser = str::parse::<Interval>)]
    interval: Interval,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Config, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let watch = super::find_watch(config, &args.watch)?;
    let (since, until) = args.period.resolve()?;
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
        local_minute(s.since),
        local_minute(s.until),
        args.interval.name()
    )?;
    writeln!(
        out,
        "mentions {}: positive {}, neutral {}, negative {}; net sentiment {:+.2}",
        c.total, c.positive, c.neutral, c.negative, s.net_sentiment
    )?;
    let shares: Vec<String> =
        s.share_of_voice.iter().map(|x| format!("{} {:.1}% ({})", x.watch, 100.0 * x.share, x.mentions)).collect();
    writeln!(out, "share of voice: {}", shares.join(", "))?;
    let sources: Vec<String> = s
        .by_source
        .iter()
        .map(|x| {
            format!("{} {} (neg {}, net {:+.2})", x.source, x.counts.total, x.counts.negative, x.counts.net_sentiment())
        })
        .collect();
    writeln!(out, "sources: {}", if sources.is_empty() { "none".to_string() } else { sources.join(", ") })?;
    let risks: Vec<String> = s.risks.iter().map(|(r, n)| format!("{} {n}", r.name())).collect();
    writeln!(out, "risks: {}", if risks.is_empty() { "none".to_string() } else { risks.join(", ") })?;
    let with_emotion: u64 = s.emotions.iter().map(|(_, n)| n).sum();
    let emotions = emotion_shares(&s.emotions, Emotion::ALL.len()).unwrap_or_else(|| "none".into());
    writeln!(out, "emotions ({with_emotion} mentions with one): {emotions}")?;
    let aspects: Vec<String> =
        s.aspects.iter().take(10).map(|a| format!("{} ({})", aspect_share(a, None), a.total())).collect();
    writeln!(out, "aspects: {}", if aspects.is_empty() { "none".into() } else { aspects.join(", ") })?;
    let terms: Vec<String> = s.top_terms.iter().map(|t| format!("{} {}", t.term, t.mentions)).collect();
    writeln!(out, "top terms (newest {} mentions): {}", s.terms_sampled, terms.join(", "))?;
    writeln!(out, "{:<17} {:>6} {:>6} {:>6} {:>6}", "bucket", "total", "pos", "neu", "neg")?;
    for b in &s.buckets {
        let k = b.counts;
        let start = local_minute(b.start);
        writeln!(out, "{start:<17} {:>6} {:>6} {:>6} {:>6}", k.total, k.positive, k.neutral, k.negative)?;
    }
    Ok(ExitCode::SUCCESS)
}
