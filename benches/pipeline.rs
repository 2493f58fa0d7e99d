//! Throughput of the text pipeline and the scorer, each against bare jieba-rs segmentation of the
//! same reviews in the same run (ratios are what to compare: this machine is noisy).
//!
//! `cargo bench --bench pipeline [-- FILE.csv [ROWS]]`; the default file is the e-commerce
//! corpus in `../shared/data/sentiment/`. Single thread throughout: figures are per core. Every
//! stage reads the file five times (rounds); the ratios printed are the median of the rounds'.

/// The allocator the `yuqing` binary runs with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use yuqing::analysis::Analyzer;
use yuqing::config::Config;
use yuqing::sentiment::corpus::{CorpusOptions, read_corpus};
use yuqing::sentiment::{Domain, Workspace};

const DEFAULT_FILE: &str = "../shared/data/sentiment/online_shopping_10_cats.dev.csv";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let file = args.first().map_or(DEFAULT_FILE, String::as_str);
    let rows: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(usize::MAX);
    let corpus = match read_corpus(file.as_ref(), &CorpusOptions::default()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench: {e}\n(pass a labeled CSV file: cargo bench --bench pipeline -- FILE.csv)");
            std::process::exit(2);
        }
    };
    let texts: Vec<&str> = corpus.examples.iter().take(rows).map(|e| e.text.as_str()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!("{} documents, {:.1} MB, from {file}", texts.len(), bytes as f64 / 1e6);

    let config = Config::default();
    let analyzer = Analyzer::load(&config.text, &config.sentiment).expect("loading the analyzer");
    let jieba = jieba_rs::Jieba::new();
    let mut ws = Workspace::default();
    let mut out = Vec::with_capacity(1 << 20);

    // The stages take turns on `SLICES` slices of the texts, so a drift of the
    // machine's speed during the run falls on every stage alike instead of on whichever ran last.
    let mut stages: [(&str, f64); 4] = [
        ("bare jieba-rs cut (hmm)", 0.0),
        ("normalize + segment", 0.0),
        ("normalize + segment + score", 0.0),
        ("... + explanation + JSON line (yuqing score)", 0.0),
    ];
    let mut run = |stage: usize, t: &str| match stage {
        0 => {
            black_box(jieba.cut(t, config.text.hmm).len());
        }
        1 => {
            analyzer.text.analyze_into(t, &mut ws.doc);
            black_box(ws.doc.tokens.len());
        }
        2 => {
            black_box(analyzer.score(t, Domain::Review, &mut ws, false).score);
        }
        _ => {
            let s = analyzer.score(t, Domain::Review, &mut ws, true);
            out.clear();
            serde_json::to_writer(&mut out, &s).unwrap();
            out.write_all(b"\n").unwrap();
            black_box(out.len());
        }
    };
    for stage in 0..stages.len() {
        texts.iter().take(texts.len() / 10).for_each(|t| run(stage, t));
    }
    let slice = texts.len().div_ceil(SLICES).max(1);
    let mut rounds: Vec<[f64; 4]> = Vec::new();
    for _ in 0..ROUNDS {
        let mut round = [0f64; 4];
        for part in texts.chunks(slice) {
            for (stage, seconds) in round.iter_mut().enumerate() {
                let started = Instant::now();
                part.iter().for_each(|t| run(stage, t));
                *seconds += started.elapsed().as_secs_f64();
            }
        }
        stages.iter_mut().zip(&round).for_each(|(s, r)| s.1 += r);
        rounds.push(round);
    }
    report(&stages, &rounds, texts.len());
}

/// Prints each stage's throughput over every round and the median of the rounds' ratios to
/// bare segmentation: one slow round (the machine's other work) moves the median less than the
/// sum.
fn report(stages: &[(&str, f64); 4], rounds: &[[f64; 4]], documents: usize) {
    for (name, seconds) in stages {
        println!("{name:<48} {:>10.0} documents/s", (rounds.len() * documents) as f64 / seconds);
    }
    let median = |stage: usize| {
        let mut r: Vec<f64> = rounds.iter().map(|round| round[stage] / round[0]).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let each: Vec<String> = rounds.iter().map(|r| format!("{:.2}", r[2] / r[0])).collect();
    println!("+score per round: {}", each.join(" "));
    println!(
        "ratios to bare segmentation (time, median of {} rounds): normalize+segment {:.2}x, +score {:.2}x, +JSON {:.2}x",
        rounds.len(),
        median(1),
        median(2),
        median(3)
    );
}

/// How many times every stage reads the whole file.
const ROUNDS: usize = 5;

/// How many slices the stages take turns on.
const SLICES: usize = 20;
