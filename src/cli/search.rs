//! `yuqing search`: full-text search with filters; table, JSON lines or CSV out.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::index::search::{SearchRequest, Sort, search};
use yuqing::mention::Kind;
use yuqing::sentiment::{Label, RiskCategory};
use yuqing::time::{local_minute, parse_time};

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Words (all must match), OR, -word, "a phrase"; leave out to list everything.
    #[arg(default_value = "")]
    query: String,
    /// Only mentions that matched this watch.
    #[arg(long)]
    watch: Option<String>,
    /// Only this source.
    #[arg(long)]
    source: Option<String>,
    /// Only this kind (review, post, question, answer, comment, news).
    #[arg(long, value_parser = str::parse::<Kind>)]
    kind: Option<Kind>,
    /// Only this sentiment: positive, neutral or negative.
    #[arg(long, value_parser = str::parse::<Label>)]
    sentiment: Option<Label>,
    /// Only mentions tagged with this risk category.
    #[arg(long, value_parser = str::parse::<RiskCategory>)]
    risk: Option<RiskCategory>,
    /// Published at or after (RFC 3339, YYYY-MM-DD[ HH:MM], Asia/Shanghai when no offset).
    #[arg(long, value_parser = parse_time)]
    since: Option<jiff::Timestamp>,
    /// Published before.
    #[arg(long, value_parser = parse_time)]
    until: Option<jiff::Timestamp>,
    /// time, relevance or engagement.
    #[arg(long, default_value = "time", value_parser = str::parse::<Sort>)]
    sort: Sort,
    /// At most this many results (1 to 10000).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=10_000))]
    limit: u16,
    /// One result per duplicate group (reposts, copy-paste campaigns), with the group's size.
    #[arg(long)]
    collapse: bool,
    /// Only this thread: the question (or post) with this id and its answers (or comments).
    #[arg(long, value_name = "ID")]
    thread: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub fn run(config: &Config, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let (_analyzer, reader, fields) = super::open_existing_index(config)?;
    let request = SearchRequest {
        query: args.query,
        watch: args.watch,
        source: args.source,
        kind: args.kind,
        sentiment: args.sentiment,
        risk: args.risk,
        since: args.since,
        until: args.until,
        thread: args.thread,
        sort: args.sort,
        limit: usize::from(args.limit),
        collapse: args.collapse,
    };
    let hits = search(&reader.searcher(), fields, &request)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Json => {
            for h in &hits {
                serde_json::to_writer(&mut out, h)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            yuqing::index::export::write_csv(&mut out, &hits)?;
        }
        Format::Table => {
            for h in &hits {
                let group = h.group.and_then(|g| g.label_zh()).map_or_else(String::new, |g| format!("  ({g})"));
                writeln!(
                    out,
                    "{}  {:<8} {:<8} {:+.2}  {:<10} {}{group}",
                    local_minute(h.published_at),
                    h.source,
                    h.label.name(),
                    h.score,
                    h.watches.join(","),
                    h.snippet
                )?;
            }
            writeln!(out, "{} results", hits.len())?;
        }
    }
    out.flush().context("writing the results")?;
    Ok(ExitCode::SUCCESS)
}
