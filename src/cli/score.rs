//! `yuqing score`: texts in, one JSON object per text out.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;

use anyhow::Context;
use serde::Serialize;
use yuqing::analysis::Analyzer;
use yuqing::config::Config;
use yuqing::sentiment::{AspectHit, Domain, Emotion, Emotions, Explanation, Label, RiskHit, Workspace};
use yuqing::text::TokenKind;

/// Lines longer than this are reported as errors instead of being read into memory.
const MAX_LINE_BYTES: usize = 16 << 20;

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Input file (default: stdin).
    file: Option<PathBuf>,
    /// Read CSV with a header row and score the column named by --column.
    #[arg(long)]
    csv: bool,
    /// The CSV column holding the text.
    #[arg(long, default_value = "text", requires = "csv")]
    column: String,
    /// Which weights read the texts: review, social, news or hotel.
    #[arg(long, default_value = "review")]
    domain: Domain,
    /// The texts' star rating (1–5), combined with the text as a review's rating is.
    #[arg(long)]
    rating: Option<f32>,
    /// Leave the tokens out of the output.
    #[arg(long)]
    no_tokens: bool,
    /// Scoring threads (default: one per core). The output keeps the input's order either way.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
}

#[derive(Serialize)]
struct Scored<'a> {
    line: u64,
    score: f32,
    label: Label,
    domain: Domain,
    risks: &'a [RiskHit],
    #[serde(skip_serializing_if = "Option::is_none")]
    emotions: Option<EmotionShares>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aspects: Vec<AspectHit>,
    explanation: &'a Explanation,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<Vec<&'a str>>,
}

/// A text's emotions as written out: the strongest, and each class's share by name.
#[derive(Serialize)]
struct EmotionShares {
    top: Emotion,
    shares: std::collections::BTreeMap<&'static str, f32>,
}

impl From<Emotions> for EmotionShares {
    fn from(e: Emotions) -> Self {
        let shares = Emotion::ALL
            .iter()
            .zip(e.shares)
            .filter(|(_, s)| *s >= 0.005)
            .map(|(e, s)| (e.name(), (s * 100.0).round() / 100.0))
            .collect();
        EmotionShares { top: e.top, shares }
    }
}

#[derive(Serialize)]
struct Failed<'a> {
    line: u64,
    error: &'a str,
}

/// Texts read before a batch is scored; their JSON lines are written in input order.
const BATCH: usize = 4096;
/// Bytes of text read before a batch is scored, whatever its count (lines may be long).
const BATCH_BYTES: usize = 32 << 20;
/// Bytes read ahead from the input (a batch's worth of typical lines).
const READ_BUFFER: usize = 1 << 20;
/// Texts one worker scores at a time (with its own workspace).
const CHUNK: usize = 128;

/// One input as read: its line number and its text, or why it has none.
type Item = (u64, Result<String, String>);

/// Inputs read ahead of the scoring (the reading thread waits when this many are queued).
const QUEUED: usize = 64;
/// An input quiet for this long has what it sent so far scored and written.
const QUIET: std::time::Duration = std::time::Duration::from_millis(20);

/// What the reading thread hands over: an input, or why reading stopped early.
enum Reading {
    Input(Item),
    Failed(anyhow::Error),
}

pub fn run(config: &Config, args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let analyzer = super::load_analyzer(config)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        builder = builder.num_threads(usize::from(n));
    }
    let pool = builder.build().context("starting the scoring threads")?;
    let source: Box<dyn std::io::Read + Send> = match &args.file {
        Some(p) => Box::new(std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?),
        None => Box::new(std::io::stdin()),
    };
    let inputs = spawn_reader(source, args.csv.then(|| args.column.clone()));
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut done, mut failed) = (0u64, 0u64);
    let mut flush = |batch: &mut Vec<Item>, out: &mut BufWriter<_>| -> std::io::Result<()> {
        let written = pool.install(|| write_batch(&analyzer, &args, batch));
        batch.clear();
        for (bytes, ok, bad) in written {
            done += ok;
            failed += bad;
            out.write_all(&bytes)?;
        }
        Ok(())
    };
    let mut batch: Vec<Item> = Vec::with_capacity(BATCH);
    let (mut bytes, mut read_error) = (0, None);
    let result = (|| -> std::io::Result<()> {
        loop {
            let next = match inputs.recv_timeout(QUIET) {
                Ok(next) => next,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
                // The input is quiet (a pipe fed as things happen): what was read is scored and
                // written before waiting for more.
                Err(RecvTimeoutError::Timeout) => {
                    flush(&mut batch, &mut out)?;
                    bytes = 0;
                    out.flush()?;
                    match inputs.recv() {
                        Ok(next) => next,
                        Err(_) => return Ok(()),
                    }
                }
            };
            match next {
                Reading::Input(item) => {
                    bytes += item.1.as_ref().map_or(0, String::len);
                    batch.push(item);
                    if batch.len() >= BATCH || bytes >= BATCH_BYTES {
                        flush(&mut batch, &mut out)?;
                        bytes = 0;
                    }
                }
                Reading::Failed(e) => {
                    read_error = Some(e);
                    return Ok(());
                }
            }
        }
    })();
    // What was read before a read error is still scored and written.
    let result = result.and_then(|()| flush(&mut batch, &mut out)).and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("writing the output")?,
    }
    if let Some(e) = read_error {
        return Err(e);
    }
    if failed > 0 {
        eprintln!("yuqing score: {failed} of {} inputs could not be scored (see their \"error\")", done + failed);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the inputs on a thread of their own (lines, or `column` of CSV records), so that reading
/// goes on while a batch is scored and a quiet input is noticed (the queue runs empty). The thread
/// ends with the input, or when the scoring side is gone.
fn spawn_reader(source: Box<dyn std::io::Read + Send>, column: Option<String>) -> std::sync::mpsc::Receiver<Reading> {
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUED);
    std::thread::spawn(move || {
        let input = BufReader::with_capacity(READ_BUFFER, source);
        let send = |item: Item| tx.send(Reading::Input(item)).map_err(|_| std::io::ErrorKind::BrokenPipe.into());
        let result = match &column {
            Some(column) => read_csv(input, column, send),
            None => score_lines(input, |line, text| send((line, text.map(str::to_owned)))).context("reading the input"),
        };
        if let Err(e) = result {
            let _ = tx.send(Reading::Failed(e));
        }
    });
    rx
}

/// Scores `batch` on the pool's threads, a chunk per task: each chunk's JSON lines, and how many
/// of its inputs were scored and failed, in input order.
fn write_batch(analyzer: &Analyzer, args: &ScoreArgs, batch: &[Item]) -> Vec<(Vec<u8>, u64, u64)> {
    use rayon::prelude::*;
    batch
        .par_chunks(CHUNK)
        .map_init(Workspace::default, |ws, chunk| {
            let mut bytes = Vec::with_capacity(chunk.len() * 512);
            let (mut ok, mut bad) = (0, 0);
            for (line, text) in chunk {
                match text {
                    Ok(text) => {
                        write_scored(analyzer, args, *line, text, ws, &mut bytes);
                        ok += 1;
                    }
                    Err(error) => {
                        serde_json::to_writer(&mut bytes, &Failed { line: *line, error }).expect("JSON into memory");
                        bad += 1;
                    }
                }
                bytes.push(b'\n');
            }
            (bytes, ok, bad)
        })
        .collect()
}

/// Scores one text and appends its JSON object to `bytes`.
fn write_scored(analyzer: &Analyzer, args: &ScoreArgs, line: u64, text: &str, ws: &mut Workspace, bytes: &mut Vec<u8>) {
    let mut s = analyzer.score(text, args.domain, ws, true);
    if let Some(stars) = args.rating {
        s = analyzer.scorer.with_rating(s, stars);
    }
    let (emotions, aspects) = analyzer.emotions_and_aspects(ws);
    let tokens =
        (!args.no_tokens).then(|| ws.doc.words().filter(|(_, k)| *k != TokenKind::Punct).map(|(w, _)| w).collect());
    let row = Scored {
        line,
        score: s.score,
        label: s.label,
        domain: s.domain,
        risks: &s.risks,
        emotions: emotions.map(EmotionShares::from),
        aspects,
        explanation: &s.explanation,
        tokens,
    };
    serde_json::to_writer(bytes, &row).expect("JSON into memory");
}

/// Feeds each record's `column` to `each`; a record that cannot be parsed is an input with an
/// error. Stops with an error at a header without the column, or when the input cannot be read.
fn read_csv(
    input: impl BufRead,
    column: &str,
    mut each: impl FnMut(Item) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers().context("reading the CSV header")?.clone();
    let col = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == column)
        .with_context(|| format!("no column {column:?} in the CSV header {headers:?}"))?;
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        let item = match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => match record.get(col).unwrap_or_default() {
                field if field.len() > MAX_LINE_BYTES => Err(format!("field longer than {MAX_LINE_BYTES} bytes")),
                field => decode(field).map(str::to_owned),
            },
            Err(e) if e.is_io_error() => return Err(e).context("reading the input"),
            Err(e) => Err(format!("bad CSV: {e}")),
        };
        each((line, item))?;
    }
}

fn decode(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))
}

/// Feeds each line of `input` to `each`, with lines over [`MAX_LINE_BYTES`] reported as errors.
fn score_lines(
    mut input: impl BufRead,
    mut each: impl FnMut(u64, Result<&str, String>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let mut too_long = false;
        let mut read_any = false;
        loop {
            let chunk = input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            read_any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                buf.extend_from_slice(&chunk[..take]);
                if buf.len() > MAX_LINE_BYTES {
                    too_long = true;
                    buf.clear();
                }
            }
            input.consume(take);
            if done {
                break;
            }
        }
        if !read_any {
            return Ok(());
        }
        line += 1;
        if too_long {
            each(line, Err(format!("line longer than {MAX_LINE_BYTES} bytes")))?;
            continue;
        }
        let text = decode(&buf).map(|t| t.trim_end_matches(['\n', '\r']));
        each(line, text)?;
    }
}
