//! `yuqing lexicon`: learning the weighted term list from labeled corpora.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::sentiment::emotion::{EmotionEval, learn_emotions};
use yuqing::sentiment::learn::{LearnOptions, default_min_docs, learn};
use yuqing::sentiment::text_pipeline;
use yuqing::sentiment::{Domain, Emotion, EmotionModel, Lexicon};

use super::corpus_args::{CorpusArgs, Side};

#[derive(Debug, clap::Subcommand)]
pub enum LexiconCommand {
    /// Learn term weights from labeled CSV, merged with the curated seed lists, and write the
    /// learned list (lexicons/sentiment.tsv by default).
    Learn(LearnArgs),
    /// Learn words' emotions from posts labeled by their emoticons (distant supervision), write
    /// lexicons/emotions.tsv, and measure on the measured side of the split with the emoticons
    /// stripped (macro-F1 against the emoticons' emotion).
    Emotions(EmotionArgs),
}

#[derive(Debug, clap::Args)]
pub struct EmotionArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Where to write the learned list.
    #[arg(long, short, default_value = "lexicons/emotions.tsv")]
    out: PathBuf,
    /// Words in fewer labeled posts than this are not learned.
    #[arg(long, default_value_t = 3)]
    min_docs: u32,
    /// Words whose log-count ratio for an emotion stays below this are not written.
    #[arg(long, default_value_t = 0.3)]
    min_weight: f32,
}

#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Where to write the learned list; each domain's offsets go beside it
    /// (`sentiment.social.tsv`), when the files are of more than one domain.
    #[arg(long, short, default_value = "lexicons/sentiment.tsv")]
    out: PathBuf,
    /// Words and pairs in fewer documents than this are not learned.
    #[arg(long, default_value_t = default_min_docs())]
    min_docs: u32,
    /// Pull of each weight toward its curated prior (0 for unseeded words).
    #[arg(long, default_value_t = LearnOptions::default().l2)]
    l2: f32,
    /// Pull of each domain's offsets toward 0.
    #[arg(long, default_value_t = LearnOptions::default().offset_l2)]
    offset_l2: f32,
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
        LexiconCommand::Emotions(args) => run_emotions(config, args),
    }
}

fn run_emotions(config: &Config, args: EmotionArgs) -> anyhow::Result<ExitCode> {
    let source = config.sentiment.lexicon_source();
    let prior = Lexicon::load(&source, false).context("loading the curated lexicon lists")?;
    let text = text_pipeline(&config.text, &source, &prior)?;
    let seeds = EmotionModel::load(&source, false)?;
    let posts = |side| -> anyhow::Result<Vec<String>> {
        let read = args.corpus.read(side)?;
        Ok(read.into_iter().flat_map(|(_, _, c)| c.examples.into_iter().map(|e| e.text)).collect())
    };
    let train = posts(Side::Train)?;
    let (rows, docs) = learn_emotions(&text, &seeds, &train, args.min_docs, args.min_weight);
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?,
    );
    writeln!(
        out,
        "# Learned emotion evidence (log-count ratios), written by `yuqing lexicon emotions`; regenerate with:"
    )?;
    writeln!(out, "#   yuqing {}", std::env::args().skip(1).collect::<Vec<_>>().join(" "))?;
    let counts: Vec<String> = Emotion::ALL.iter().map(|e| format!("{} {}", e.name(), docs[*e as usize])).collect();
    writeln!(out, "# Posts labeled by their emoticons (only weights are stored, never texts): {}", counts.join(", "))?;
    writeln!(out, "# columns: word, emotion, weight")?;
    for (word, emotion, weight) in &rows {
        writeln!(out, "{word}\t{}\t{weight:.3}", emotion.name())?;
    }
    out.flush()?;
    eprintln!(
        "learned {} word-emotion weights from {} labeled posts; wrote {}",
        rows.len(),
        docs.iter().sum::<u32>(),
        args.out.display()
    );
    let measured = posts(Side::Measure)?;
    if args.corpus.holdout + args.corpus.validation > 0 {
        let mut model = seeds.clone();
        rows.iter().for_each(|(word, emotion, weight)| model.add(word, *emotion, *weight));
        let ev = EmotionEval::measure(&text, &model, &measured);
        let f1: Vec<String> = Emotion::ALL
            .iter()
            .zip(ev.f1())
            .map(|(e, f)| format!("{} {}", e.name(), f.map_or("-".into(), |f| format!("{f:.3}"))))
            .collect();
        println!(
            "{} posts with one emotion's emoticons, emoticons stripped: macro-F1 {:.4} ({}); no emotion found in {}",
            ev.posts,
            ev.macro_f1(),
            f1.join(", "),
            ev.none
        );
    }
    Ok(ExitCode::SUCCESS)
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
    for (path, domain, corpus) in corpora {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
        let positive = corpus.examples.iter().filter(|e| e.positive).count();
        header.push(format!("  {name} ({domain}): {} texts, {positive} positive", corpus.examples.len()));
        examples.extend(corpus.examples);
    }
    anyhow::ensure!(!examples.is_empty(), "no labeled rows selected to learn from");
    let options = LearnOptions {
        min_docs: args.min_docs,
        l2: args.l2,
        offset_l2: args.offset_l2,
        iterations: args.iterations,
        prune: args.prune,
        bigrams: !args.no_bigrams,
        strip_emoticons: args.strip_emoticons,
        nb_scaled: !args.no_nb_scaled,
    };
    let started = std::time::Instant::now();
    let learned = learn(&text, &prior, &examples, &options);
    let create = |path: &Path| {
        let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        anyhow::Ok(std::io::BufWriter::new(file))
    };
    let mut out = create(&args.out)?;
    learned.write_tsv(&mut out, &header)?;
    out.flush()?;
    let folder = args.out.parent().unwrap_or(Path::new("."));
    for domain in Domain::ALL {
        let path = folder.join(domain.offsets_file());
        let mut out = create(&path)?;
        if !learned.write_offsets(domain, &mut out, &header)? {
            writeln!(out, "# No offsets: the {domain} domain reads the shared weights of sentiment.tsv.")?;
        }
        out.flush()?;
    }
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
