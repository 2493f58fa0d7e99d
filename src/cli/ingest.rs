//! `yuqing ingest`: mentions from JSON lines or CSV into the index. A bad record is named,
//! skipped and counted; the index commits every `crawl.commit_every` mentions or `commit_secs`
//! seconds, as the crawl does, so a killed ingest keeps what it committed.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use yuqing::analysis::Preparer;
use yuqing::config::Config;
use yuqing::import::{Format, records};
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
    /// Input format: jsonl or csv (default: from the file name, `.csv` or JSON lines).
    #[arg(long, value_parser = ["jsonl", "csv"])]
    format: Option<String>,
}

#[derive(Debug, Default)]
struct Report {
    read: u64,
    added: u64,
    duplicate_ids: u64,
    copies: u64,
    bad: Vec<String>,
}

/// The writer, the preparer, and when to commit.
struct Sink {
    writer: MentionWriter,
    preparer: Preparer,
    commit_every: usize,
    commit_after: Duration,
    uncommitted: usize,
    since: Instant,
}

impl Sink {
    /// Prepares and admits `chunk`, committing when enough waited.
    fn flush(&mut self, chunk: &mut Vec<Mention>, report: &mut Report) -> anyhow::Result<()> {
        for added in self.writer.add_batch(std::mem::take(chunk), &self.preparer)? {
            match added {
                Added::New => report.added += 1,
                Added::Copy => (report.added, report.copies) = (report.added + 1, report.copies + 1),
                Added::DuplicateId => report.duplicate_ids += 1,
            }
            self.uncommitted += 1;
        }
        if self.uncommitted >= self.commit_every || self.since.elapsed() >= self.commit_after {
            self.commit()?;
        }
        Ok(())
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        self.writer.commit().context("committing the index")?;
        (self.uncommitted, self.since) = (0, Instant::now());
        Ok(())
    }
}

pub fn run(config: &Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let analyzer = Arc::new(super::load_analyzer(config)?);
    let (index, fields) = yuqing::app::open_index(config, &analyzer)?;
    let mut sink = Sink {
        writer: MentionWriter::new(&index, fields, analyzer.text.clone(), default_writer_heap_bytes())?,
        preparer: Preparer::new(analyzer, WatchMatcher::new(config.watches.clone())),
        commit_every: config.crawl.commit_every,
        commit_after: Duration::from_secs(config.crawl.commit_secs),
        uncommitted: 0,
        since: Instant::now(),
    };
    yuqing::data_dir::note_holder(config.data.root());
    let name = args.file.as_ref().map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string());
    let input: Box<dyn BufRead> = match &args.file {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let format = match (args.format.as_deref(), &args.file) {
        (Some("csv"), _) => Format::Csv,
        (Some(_), _) => Format::Jsonl,
        (None, Some(p)) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => Format::Csv,
        (None, _) => Format::Jsonl,
    };
    let progress = ProgressBar::new_spinner();
    progress.set_style(ProgressStyle::with_template("{spinner} {pos} mentions read ({per_sec}) {msg}").unwrap());
    let mut report = Report::default();
    let read = read_all(records(input, format), &name, &mut sink, &mut report, &progress);
    progress.set_message("committing");
    // What was read before a failing read is committed too.
    sink.commit()?;
    progress.finish_and_clear();
    read?;
    print_report(&name, &report, &config.data.index());
    Ok(if report.bad.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Reads every record into the index; a bad one goes to the report.
fn read_all(
    records: impl Iterator<Item = Result<yuqing::import::Record, yuqing::import::ImportError>>,
    name: &str,
    sink: &mut Sink,
    report: &mut Report,
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    // Mentions are prepared a chunk at a time on every core, then admitted in order.
    let mut chunk: Vec<Mention> = Vec::with_capacity(CHUNK);
    for record in records {
        let record = record.with_context(|| format!("reading {name}"))?;
        report.read += 1;
        progress.inc(1);
        match record.mention {
            Ok(m) => chunk.push(m),
            Err(reason) => report.bad.push(format!("{name}:{}: {reason}", record.line)),
        }
        if chunk.len() >= CHUNK {
            sink.flush(&mut chunk, report)?;
        }
    }
    sink.flush(&mut chunk, report)
}

fn print_report(name: &str, report: &Report, index_dir: &std::path::Path) {
    println!(
        "{name}: {} read, {} added ({} of them copies of an earlier text), {} already indexed (same id), {} bad lines; index at {}",
        report.read,
        report.added,
        report.copies,
        report.duplicate_ids,
        report.bad.len(),
        index_dir.display()
    );
    for line in report.bad.iter().take(SHOWN_ERRORS) {
        eprintln!("  skipped {line}");
    }
    if report.bad.len() > SHOWN_ERRORS {
        eprintln!("  … and {} more bad lines", report.bad.len() - SHOWN_ERRORS);
    }
}
