//! Throughput of the text pipeline and the scorer, each against bare jieba-rs segmentation of the
//! same reviews in the same run (ratios are what to compare: this machine is noisy).
//!
//! `cargo bench --bench pipeline [-- FILE.csv [ROWS]]`; the default file is the e-commerce
//! corpus in `../shared/data/sentiment/`. Single thread throughout: figures are per core.

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

    let bare = measure("bare jieba-rs cut (hmm)", &texts, |t| {
        black_box(jieba.cut(t, config.text.hmm).len());
    });
    let analyze = measure("normalize + segment", &texts, |t| {
        analyzer.text.analyze_into(t, &mut ws.doc);
        black_box(ws.doc.tokens.len());
    });
    let score = measure("normalize + segment + score", &texts, |t| {
        black_box(analyzer.score(t, Domain::Review, &mut ws, false).score);
    });
    let json = measure("... + explanation + JSON line (yuqing score)", &texts, |t| {
        let s = analyzer.score(t, Domain::Review, &mut ws, true);
        out.clear();
        serde_json::to_writer(&mut out, &s).unwrap();
        out.write_all(b"\n").unwrap();
        black_box(out.len());
    });
    println!(
        "ratios to bare segmentation (time): normalize+segment {:.2}x, +score {:.2}x, +JSON {:.2}x",
        bare / analyze,
        bare / score,
        bare / json
    );
}

/// Runs `f` over every text (after one warm-up pass over a tenth) and prints documents/s.
fn measure(name: &str, texts: &[&str], mut f: impl FnMut(&str)) -> f64 {
    for t in texts.iter().take(texts.len() / 10) {
        f(t);
    }
    let started = Instant::now();
    for t in texts {
        f(t);
    }
    let rate = texts.len() as f64 / started.elapsed().as_secs_f64();
    println!("{name:<48} {rate:>10.0} documents/s");
    rate
}
