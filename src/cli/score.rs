//! `yuqing score`: texts in, one JSON object per text out.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Which weights read the texts: review, social or news.
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

pub fn run(config: &Config, args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let analyzer = super::load_analyzer(config)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        builder = builder.num_threads(usize::from(n));
    }
    let pool = builder.build().context("starting the scoring threads")?;
    let source: Box<dyn Read> = match &args.file {
        Some(p) => Box::new(std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?),
        None => Box::new(std::io::stdin()),
    };
    let input = BufReader::with_capacity(READ_BUFFER, source);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut done, mut failed) = (0u64, 0u64);
    let mut batch: Vec<Item> = Vec::with_capacity(BATCH);
    let mut bytes = 0;
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
    // `idle`: the input has nothing more read ahead, so the next line may be a while (a pipe
    // fed as things happen): what was read is scored and written now.
    let mut push = |item: Item, idle: bool, out: &mut BufWriter<_>| -> std::io::Result<()> {
        bytes += item.1.as_ref().map_or(0, String::len);
        batch.push(item);
        if batch.len() < BATCH && bytes < BATCH_BYTES && !idle {
            return Ok(());
        }
        bytes = 0;
        flush(&mut batch, out)?;
        if idle { out.flush() } else { Ok(()) }
    };
    let result = if args.csv {
        read_csv(input, &args.column, |item| push(item, false, &mut out))?
    } else {
        score_lines(input, |line, text, idle| push((line, text.map(str::to_owned)), idle, &mut out))
    };
    let result = result.and_then(|()| flush(&mut batch, &mut out)).and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("writing the output")?,
    }
    if failed > 0 {
        eprintln!("yuqing score: {failed} of {} inputs could not be scored (see their \"error\")", done + failed);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
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

/// Feeds each record's `column` to `each`; a record that cannot be read is an input with an error.
/// The outer error is a header without the column; the inner one, `each`'s.
fn read_csv(
    input: impl BufRead,
    column: &str,
    mut each: impl FnMut(Item) -> std::io::Result<()>,
) -> anyhow::Result<std::io::Result<()>> {
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
            Ok(false) => return Ok(Ok(())),
            Ok(true) => decode(record.get(col).unwrap_or_default()).map(str::to_owned),
            Err(e) => Err(format!("bad CSV: {e}")),
        };
        if let Err(e) = each((line, item)) {
            return Ok(Err(e));
        }
    }
}

fn decode(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))
}

/// Feeds each line of `input` to `each`, with lines over [`MAX_LINE_BYTES`] reported as errors,
/// and whether `input` has nothing more read ahead after it.
fn score_lines<R: Read>(
    mut input: BufReader<R>,
    mut each: impl FnMut(u64, Result<&str, String>, bool) -> std::io::Result<()>,
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
        let idle = input.buffer().is_empty();
        if too_long {
            each(line, Err(format!("line longer than {MAX_LINE_BYTES} bytes")), idle)?;
            continue;
        }
        let text = decode(&buf).map(|t| t.trim_end_matches(['\n', '\r']));
        each(line, text, idle)?;
    }
}
