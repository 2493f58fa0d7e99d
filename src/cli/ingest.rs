//! `yuqing ingest`: mentions from JSON lines or CSV into the index.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use yuqing::analysis::Preparer;
use yuqing::config::Config;
use yuqing::index::writer::default_writer_heap_bytes;
use yuqing::index::{Added, MentionWriter};
use yuqing::mention::Mention;
use yuqing::watch::WatchMatcher;

/// At most this many bad lines are printed; all are counted.
const SHOWN_ERRORS: usize = 10;

/// Mentions prepared together on every core.
const CHUNK: usize = 2048;

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// JSON lines or CSV of mentions (default: JSON lines on stdin).
    file: Option<PathBuf>,
    /// Input format (default: from the file name, `.csv` or JSON lines).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Jsonl,
    Csv,
}

#[derive(Debug, Default)]
struct Report {
    read: u64,
    added: u64,
    duplicate_ids: u64,
    exact_copies: u64,
    bad: Vec<String>,
}

pub fn run(config: &Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let analyzer = Arc::new(super::load_analyzer(config)?);
    let index_dir = config.data.index();
    let (index, fields) = yuqing::app::open_index(config, &analyzer)?;
    let mut writer = MentionWriter::new(&index, fields, analyzer.text.clone(), default_writer_heap_bytes())?;
    let preparer = Preparer::new(analyzer, WatchMatcher::new(config.watches.clone()));
    let name = args.file.as_ref().map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string());
    let input: Box<dyn BufRead> = match &args.file {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let format = args.format.unwrap_or(match &args.file {
        Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => Format::Csv,
        _ => Format::Jsonl,
    });
    let progress = ProgressBar::new_spinner();
    progress.set_style(ProgressStyle::with_template("{spinner} {pos} mentions read ({per_sec}) {msg}").unwrap());
    let mut report = Report::default();
    // Mentions are prepared a chunk at a time on every core, then admitted in order.
    let mut chunk: Vec<Mention> = Vec::with_capacity(CHUNK);
    let mut flush = |chunk: &mut Vec<Mention>, report: &mut Report| -> anyhow::Result<()> {
        for added in writer.add_batch(std::mem::take(chunk), &preparer)? {
            match added {
                Added::New => report.added += 1,
                Added::DuplicateId => report.duplicate_ids += 1,
                Added::ExactCopy => report.exact_copies += 1,
            }
        }
        Ok(())
    };
    let take = |line: u64, parsed: Result<Mention, String>, chunk: &mut Vec<Mention>, report: &mut Report| {
        report.read += 1;
        progress.inc(1);
        match parsed {
            Ok(m) => chunk.push(m),
            Err(reason) => report.bad.push(format!("{name}:{line}: {reason}")),
        }
    };
    match format {
        Format::Jsonl => {
            for (n, line) in input.lines().enumerate() {
                let line = line.with_context(|| format!("reading {name}"))?;
                if line.trim().is_empty() {
                    continue;
                }
                let parsed = serde_json::from_str::<Mention>(&line).map_err(|e| e.to_string());
                take(n as u64 + 1, parsed, &mut chunk, &mut report);
                if chunk.len() >= CHUNK {
                    flush(&mut chunk, &mut report)?;
                }
            }
        }
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(input);
            for row in reader.deserialize::<Mention>() {
                let line = row.as_ref().err().and_then(|e| e.position()).map_or(report.read + 2, |p| p.line());
                take(line, row.map_err(|e| e.to_string()), &mut chunk, &mut report);
                if chunk.len() >= CHUNK {
                    flush(&mut chunk, &mut report)?;
                }
            }
        }
    }
    flush(&mut chunk, &mut report)?;
    progress.set_message("committing");
    writer.commit().context("committing the index")?;
    progress.finish_and_clear();
    println!(
        "{name}: {} read, {} added, {} already indexed (same id), {} exact copies, {} bad lines; index at {}",
        report.read,
        report.added,
        report.duplicate_ids,
        report.exact_copies,
        report.bad.len(),
        index_dir.display()
    );
    for line in report.bad.iter().take(SHOWN_ERRORS) {
        eprintln!("  skipped {line}");
    }
    if report.bad.len() > SHOWN_ERRORS {
        eprintln!("  … and {} more bad lines", report.bad.len() - SHOWN_ERRORS);
    }
    Ok(if report.bad.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
