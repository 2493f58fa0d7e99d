//! `yuqing digest`: a watch's weekly trend digest as HTML, Markdown or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use yuqing::alert::{AlertHistory, AlertRecord};
use yuqing::config::Config;
use yuqing::digest::{DigestRequest, Period, build, html, iso_week, last_week, markdown};
use yuqing::render::Dialect;
use yuqing::time::parse_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Md,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The watch (as named in yuqing.toml).
    #[arg(long)]
    watch: String,
    /// An ISO week, like 2026-W47 (Monday to Monday, Asia/Shanghai); default: last complete week.
    #[arg(long, conflicts_with_all = ["since", "until"])]
    week: Option<String>,
    /// Period start, instead of a week (with --until).
    #[arg(long, value_parser = parse_time, requires = "until")]
    since: Option<jiff::Timestamp>,
    /// Period end, exclusive.
    #[arg(long, value_parser = parse_time, requires = "since")]
    until: Option<jiff::Timestamp>,
    #[arg(long, value_enum, default_value_t = Format::Html)]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Markdown only: where the HTML version can be read (added as a link).
    #[arg(long, value_name = "URL")]
    link: Option<String>,
}

pub fn run(config: &Config, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let watch = super::find_watch(config, &args.watch)?;
    let period = match (&args.week, args.since, args.until) {
        (Some(w), _, _) => iso_week(w).map_err(|e| anyhow::anyhow!("--week: {e}"))?,
        (None, Some(since), Some(until)) => {
            anyhow::ensure!(since < until, "--since must be before --until");
            Period::new(since, until)
        }
        _ => last_week(jiff::Timestamp::now()),
    };
    let (analyzer, reader, fields) = super::open_existing_index(config)?;
    let request = DigestRequest::for_watch(watch, &config.watches, period, alert_history(config));
    let digest = build(&reader.searcher(), fields, &analyzer.text, &request)?;
    let text = match args.format {
        Format::Html => html::render(&digest),
        Format::Md => markdown::render(&digest, args.link.as_deref()).document(&digest.title, Dialect::Markdown),
        Format::Json => serde_json::to_string_pretty(&digest)? + "\n",
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ({})", path.display(), digest.title);
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The alert history, or none (with a warning) when there is none or the daemon holds it.
fn alert_history(config: &Config) -> Vec<AlertRecord> {
    match AlertHistory::open_existing(&config.data).and_then(|h| h.map_or(Ok(Vec::new()), |h| h.list(None, None))) {
        Ok(records) => records,
        Err(e) => {
            eprintln!("warning: the digest leaves out alerts: {e}");
            Vec::new()
        }
    }
}
