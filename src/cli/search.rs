//! `yuqing search`: full-text search with filters; table, JSON lines or CSV out.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::index::search::{SearchRequest, Sort, search};
use yuqing::mention::parse_time;
use yuqing::sentiment::RiskCategory;

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
    #[arg(long)]
    kind: Option<String>,
    /// Only this sentiment.
    #[arg(long, value_parser = ["positive", "neutral", "negative"])]
    sentiment: Option<String>,
    /// Only mentions tagged with this risk category.
    #[arg(long, value_parser = parse_risk)]
    risk: Option<RiskCategory>,
    /// Published at or after (RFC 3339, YYYY-MM-DD[ HH:MM], Asia/Shanghai when no offset).
    #[arg(long, value_parser = parse_time)]
    since: Option<jiff::Timestamp>,
    /// Published before.
    #[arg(long, value_parser = parse_time)]
    until: Option<jiff::Timestamp>,
    #[arg(long, value_enum, default_value_t = Sort::Time)]
    sort: Sort,
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// One result per near-duplicate cluster (reposts, copy-paste campaigns).
    #[arg(long)]
    collapse: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

fn parse_risk(s: &str) -> Result<RiskCategory, String> {
    s.parse()
}

pub fn run(config: &Config, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let (_analyzer, reader, fields) = super::open_existing_index(config)?;
    let request = SearchRequest {
        query: args.query,
        watch: args.watch,
        source: args.source,
        kind: args.kind,
        sentiment: args.sentiment,
        risk: args.risk.map(|r| r.name().to_string()),
        since: args.since,
        until: args.until,
        sort: args.sort,
        limit: args.limit,
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
                writeln!(
                    out,
                    "{}  {:<8} {:<8} {:+.2}  {:<10} {}",
                    local_time(&h.published_at),
                    h.source,
                    h.label,
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

/// A hit's RFC 3339 time in local time.
fn local_time(utc: &str) -> String {
    utc.parse().map_or_else(|_| utc.to_string(), yuqing::mention::local_minute)
}
