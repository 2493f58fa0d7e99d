//! `yuqing search`: full-text search with filters; table, JSON lines or CSV out.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::index::export::{CsvExport, CsvHeaders};
use yuqing::index::search::{AspectFilter, SearchHit, SearchRequest, Sort, for_each_match, search};
use yuqing::mention::Kind;
use yuqing::sentiment::{Emotion, Label, RiskCategory};
use yuqing::time::{local_minute, parse_time, parse_until};

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
    /// Only mentions whose strongest emotion is this: anger, fear, sadness, disgust, joy or surprise.
    #[arg(long, value_parser = str::parse::<Emotion>)]
    emotion: Option<Emotion>,
    /// Only mentions speaking of this aspect (电池), or of it with one clause label (电池:negative).
    #[arg(long, value_parser = str::parse::<AspectFilter>)]
    aspect: Option<AspectFilter>,
    /// Published at or after (RFC 3339, YYYY-MM-DD[ HH:MM], Asia/Shanghai when no offset).
    #[arg(long, value_parser = parse_time)]
    since: Option<jiff::Timestamp>,
    /// Published before (a plain date: up to the end of that day).
    #[arg(long, value_parser = parse_until)]
    until: Option<jiff::Timestamp>,
    /// time (newest first), relevance, engagement or earliest.
    #[arg(long, default_value = "time", value_parser = str::parse::<Sort>)]
    sort: Sort,
    /// At most this many results (1 to 10000).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=10_000))]
    limit: u16,
    /// Skip this many results first (the next page: --offset 20 with --limit 20).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    offset: u32,
    /// Every match, whatever --limit and --offset say (an export: streamed, in bounded memory).
    #[arg(long)]
    all: bool,
    /// CSV for people (zh: Chinese headers and values, a byte-order mark for Excel, local times)
    /// or for programs (en: English headers and names, RFC 3339 times).
    #[arg(long, default_value = "zh", value_parser = str::parse::<CsvHeaders>)]
    csv_headers: CsvHeaders,
    /// One result per duplicate group (reposts, copy-paste campaigns), with the group's size.
    #[arg(long)]
    collapse: bool,
    /// Only this thread: the question (or post) with this id and its answers (or comments).
    #[arg(long, value_name = "ID")]
    thread: Option<String>,
    /// Only this account's mentions.
    #[arg(long)]
    author: Option<String>,
    /// Only mentions from accounts with at least this many followers.
    #[arg(long, value_name = "N")]
    min_followers: Option<u64>,
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
    if let Some(w) = &args.watch {
        yuqing::watch::find(&config.watches, w).map_err(|e| anyhow::anyhow!("--watch: {e}"))?;
    }
    let (_analyzer, reader, fields) = super::open_existing_index(config)?;
    let request = SearchRequest {
        query: args.query,
        watch: args.watch,
        source: args.source,
        kind: args.kind,
        sentiment: args.sentiment,
        risk: args.risk,
        emotion: args.emotion,
        aspect: args.aspect,
        since: args.since,
        until: args.until,
        thread: args.thread,
        sort: args.sort,
        limit: usize::from(args.limit),
        offset: args.offset as usize,
        collapse: args.collapse,
        author: args.author,
        min_followers: args.min_followers,
        ..SearchRequest::default()
    };
    let searcher = reader.searcher();
    let mut out = Output::new(args.format, args.csv_headers)?;
    if args.all {
        let total = for_each_match(&searcher, fields, &request, |hits| {
            out.write(hits).map_err(|e| yuqing::index::IndexError::Request(format!("writing the results: {e}")))
        })?;
        out.finish(&format!("共 {total} 条"))?;
    } else {
        let results = search(&searcher, fields, &request)?;
        out.write(&results.hits)?;
        out.finish(&results.range_zh())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Results written to standard output as they come, in the chosen format.
enum Output {
    Table(std::io::BufWriter<std::io::Stdout>),
    Json(std::io::BufWriter<std::io::Stdout>),
    Csv(Box<CsvExport<std::io::BufWriter<std::io::Stdout>>>),
}

impl Output {
    fn new(format: Format, headers: CsvHeaders) -> anyhow::Result<Output> {
        let out = std::io::BufWriter::new(std::io::stdout());
        Ok(match format {
            Format::Table => Output::Table(out),
            Format::Json => Output::Json(out),
            Format::Csv => Output::Csv(Box::new(CsvExport::new(out, headers)?)),
        })
    }

    fn write(&mut self, hits: &[SearchHit]) -> anyhow::Result<()> {
        match self {
            Output::Json(out) => {
                for h in hits {
                    serde_json::to_writer(&mut *out, h)?;
                    out.write_all(b"\n")?;
                }
            }
            Output::Csv(export) => export.write(hits)?,
            Output::Table(out) => {
                for h in hits {
                    let group = h.group.and_then(|g| g.label_zh()).map_or_else(String::new, |g| format!("  ({g})"));
                    writeln!(
                        out,
                        "{}  {:<8} {:<4} {:+.2} {:<4} {:<10} {}{group}",
                        local_minute(h.published_at),
                        h.source,
                        h.label.label_zh(),
                        h.score,
                        h.emotion.map_or("—", |e| e.label_zh()),
                        h.watches.join(","),
                        h.snippet
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Flushes; a table ends with `summary` (the total and the range shown).
    fn finish(self, summary: &str) -> anyhow::Result<()> {
        let mut out = match self {
            Output::Table(mut out) => {
                writeln!(out, "{summary}")?;
                out
            }
            Output::Json(out) => out,
            Output::Csv(export) => export.finish()?,
        };
        out.flush().context("writing the results")
    }
}
