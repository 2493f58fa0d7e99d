//! `yuqing digest`: a watch's trend digest (日报, 周报, 月报, whole or so far, or any span) as
//! HTML, Markdown, JSON or a Word document (`.docx`, to a file or a pipe).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use yuqing::alert::{AlertHistory, AlertRecord};
use yuqing::config::Config;
use yuqing::digest::{DigestRequest, Period, PeriodKind, build, day, docx, html, iso_week, markdown, month};
use yuqing::render::Dialect;
use yuqing::time::{parse_time, parse_until};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Md,
    Json,
    /// A Word document (needs `-o FILE`, or stdout not a terminal).
    Docx,
}

/// A report's calendar unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    Day,
    Week,
    Month,
}

impl From<Unit> for PeriodKind {
    fn from(u: Unit) -> PeriodKind {
        match u {
            Unit::Day => PeriodKind::Day,
            Unit::Week => PeriodKind::Week,
            Unit::Month => PeriodKind::Month,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The watch (as named in yuqing.toml).
    #[arg(long)]
    watch: String,
    /// Which report: the last complete day (日报), week (周报, the default) or month (月报) in
    /// Asia/Shanghai, each against the one before.
    #[arg(long, value_enum, default_value_t = Unit::Week)]
    period: Unit,
    /// The current day, week or month so far instead, against the same stretch of the one before
    /// (mid-crisis: this week up to now against last week up to the same hour).
    #[arg(long, conflicts_with_all = ["week", "day", "month", "since"])]
    to_date: bool,
    /// An ISO week, like 2026-W47 (Monday to Monday, Asia/Shanghai).
    #[arg(long, conflicts_with_all = ["since", "until", "day", "month"])]
    week: Option<String>,
    /// A day, like 2026-11-30.
    #[arg(long, conflicts_with_all = ["since", "until", "month"])]
    day: Option<String>,
    /// A calendar month, like 2026-11.
    #[arg(long, conflicts_with_all = ["since", "until"])]
    month: Option<String>,
    /// Period start, instead of a week (with --until).
    #[arg(long, value_parser = parse_time, requires = "until")]
    since: Option<jiff::Timestamp>,
    /// Period end, exclusive (a plain date: the end of that day).
    #[arg(long, value_parser = parse_until, requires = "since")]
    until: Option<jiff::Timestamp>,
    #[arg(long, value_enum, default_value_t = Format::Html)]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(short, long, visible_alias = "out", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Markdown only: where the HTML version can be read (added as a link).
    #[arg(long, value_name = "URL")]
    link: Option<String>,
}

pub fn run(config: &Config, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let watch = super::find_watch(config, &args.watch)?;
    let period = period(&args)?;
    let (analyzer, reader, fields) = super::open_existing_index(config)?;
    let request = DigestRequest::for_watch(watch, &config.watches, period, alert_history(config));
    let digest = build(&reader.searcher(), fields, &analyzer.text, &request)?;
    if args.format == Format::Docx && args.output.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!("--format docx writes a Word file: give --out FILE (or pipe stdout)");
    }
    let bytes = match args.format {
        Format::Html => html::render(&digest, config.incidents.dashboard_url.as_deref()).into_bytes(),
        Format::Md => {
            markdown::render(&digest, args.link.as_deref()).document(&digest.title, Dialect::Markdown).into_bytes()
        }
        Format::Json => (serde_json::to_string_pretty(&digest)? + "\n").into_bytes(),
        Format::Docx => docx::render(&digest).context("writing the Word document")?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ({})", path.display(), digest.title);
        }
        None => std::io::stdout().lock().write_all(&bytes).context("writing to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The alert history, or none (with a warning) when there is none or the daemon holds it.
/// The period the arguments name.
fn period(args: &DigestArgs) -> anyhow::Result<Period> {
    let named = |flag: &str, r: Result<Period, String>| r.map_err(|e| anyhow::anyhow!("--{flag}: {e}"));
    Ok(match (&args.week, &args.day, &args.month, args.since, args.until) {
        (Some(w), ..) => named("week", iso_week(w))?,
        (_, Some(d), ..) => named("day", day(d))?,
        (_, _, Some(m), ..) => named("month", month(m))?,
        (.., Some(since), Some(until)) => {
            anyhow::ensure!(since < until, "--since must be before --until");
            Period::new(since, until)
        }
        _ if args.to_date => Period::so_far(args.period.into(), jiff::Timestamp::now()),
        _ => Period::last(args.period.into(), jiff::Timestamp::now()),
    })
}

fn alert_history(config: &Config) -> Vec<AlertRecord> {
    match AlertHistory::open_existing(&config.data).and_then(|h| h.map_or(Ok(Vec::new()), |h| h.list(None, None))) {
        Ok(records) => records,
        Err(e) => {
            eprintln!("warning: the digest leaves out alerts: {e}");
            Vec::new()
        }
    }
}
