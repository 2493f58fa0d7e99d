//! `yuqing lexicon`: learning the weighted term list from labeled corpora.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::sentiment::Lexicon;
use yuqing::sentiment::learn::{LearnOptions, default_min_docs, learn};
use yuqing::sentiment::text_pipeline;

use super::corpus_args::{CorpusArgs, Side};

#[derive(Debug, clap::Subcommand)]
pub enum LexiconCommand {
    /// Learn term weights from labeled CSV, merged with the curated seed lists, and write the
    /// learned list (lexicons/sentiment.tsv by default).
    Learn(LearnArgs),
}

#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Where to write the learned list.
    #[arg(long, short, default_value = "lexicons/sentiment.tsv")]
    out: PathBuf,
    /// Words and pairs in fewer documents than this are not learned.
    #[arg(long, default_value_t = default_min_docs())]
    min_docs: u32,
    /// Pull of each weight toward its curated prior (0 for unseeded words).
    #[arg(long, default_value_t = LearnOptions::default().l2)]
    l2: f32,
    /// Optimization steps.
    #[arg(long, default_value_t = LearnOptions::default().iterations)]
    iterations: u32,
    /// Learned weights smaller than this are not written.
    #[arg(long, default_value_t = LearnOptions::default().prune)]
    prune: f32,
    /// Learn words only, no word pairs.
    #[arg(long)]
    no_bigrams: bool,
    /// Drop emoticons and emoji from the training texts.
    #[arg(long)]
    strip_emoticons: bool,
    /// Regularize every word alike, instead of less where its naive Bayes log-count ratio leans
    /// hard to one label (NBSVM style, the default: +0.75 points on hotel reviews and +0.6 on
    /// products in five-fold cross-validation).
    #[arg(long)]
    no_nb_scaled: bool,
}

pub fn run(config: &Config, cmd: LexiconCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LexiconCommand::Learn(args) => run_learn(config, args),
    }
}

fn run_learn(config: &Config, args: LearnArgs) -> anyhow::Result<ExitCode> {
    let source = config.sentiment.lexicon_source();
    let prior = Lexicon::load(&source, false).context("loading the curated lexicon lists")?;
    let text = text_pipeline(&config.text, &source, &prior)?;
    let corpora = args.corpus.read(Side::Train)?;
    let mut examples = Vec::new();
    let mut header = vec![
        "Learned sentiment weights, written by `yuqing lexicon learn`; do not edit by hand (edit".to_string(),
        "seed_sentiment.tsv or emoticons.tsv and learn again). Regenerate with:".to_string(),
        format!("  yuqing {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        "Learned from (only weights and document counts are stored here, never texts):".to_string(),
    ];
    for (path, corpus) in corpora {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
        let positive = corpus.examples.iter().filter(|e| e.positive).count();
        header.push(format!("  {name}: {} texts, {positive} positive", corpus.examples.len()));
        examples.extend(corpus.examples);
    }
    anyhow::ensure!(!examples.is_empty(), "no labeled rows selected to learn from");
    let options = LearnOptions {
        min_docs: args.min_docs,
        l2: args.l2,
        iterations: args.iterations,
        prune: args.prune,
        bigrams: !args.no_bigrams,
        strip_emoticons: args.strip_emoticons,
        nb_scaled: !args.no_nb_scaled,
    };
    let started = std::time::Instant::now();
    let learned = learn(&text, &prior, &examples, &options);
    let file = std::fs::File::create(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    learned.write_tsv(&mut out, &header)?;
    out.flush()?;
    let pairs = learned.entries.iter().filter(|e| e.term.contains(' ')).count();
    eprintln!(
        "learned {} words and {pairs} word pairs from {} texts in {:.1}s (training loss {:.4}); wrote {}",
        learned.entries.len() - pairs,
        examples.len(),
        started.elapsed().as_secs_f64(),
        learned.final_loss,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
