//! `yuqing eval`: the scorer measured on labeled CSV files, each in its domain.

use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;
use yuqing::config::Config;
use yuqing::sentiment::eval::Confusion;
use yuqing::sentiment::{Domain, Workspace};

use super::corpus_args::{CorpusArgs, Side};

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    corpus: CorpusArgs,
    /// Remove emoticon codes and emoji before scoring (what do the words alone say?).
    #[arg(long)]
    strip_emoticons: bool,
    /// Score every file with this domain's weights instead of its own (what would news weights
    /// make of reviews?).
    #[arg(long, value_name = "DOMAIN")]
    score_as: Option<Domain>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also print up to N misjudged texts with their strongest evidence (to stderr).
    #[arg(long, value_name = "N", default_value_t = 0)]
    show_errors: usize,
}

#[derive(Serialize)]
struct Report {
    file: String,
    /// The domain whose weights scored it.
    domain: Domain,
    documents: u64,
    accuracy: f64,
    macro_f1: f64,
    confusion: Confusion,
    neutral_share: f64,
    documents_per_second: f64,
}

pub fn run(config: &Config, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let analyzer = super::load_analyzer(config)?;
    let mut reports = Vec::new();
    for (path, domain, corpus) in args.corpus.read(Side::Measure)? {
        let domain = args.score_as.unwrap_or(domain);
        anyhow::ensure!(!corpus.examples.is_empty(), "{}: no rows selected to evaluate", path.display());
        let mut ws = Workspace::default();
        let mut confusion = Confusion::default();
        let started = Instant::now();
        for ex in &corpus.examples {
            analyzer.text.analyze_into(&ex.text, &mut ws.doc);
            if args.strip_emoticons {
                ws.doc.strip_emoticons();
            }
            let shown = confusion.total() - confusion.tp - confusion.tn;
            let s = analyzer.scorer.score(&mut ws, domain, (shown as usize) < args.show_errors);
            confusion.add(ex.positive, s.score, s.label == yuqing::sentiment::Label::Neutral);
            if (shown as usize) < args.show_errors && (s.score >= 0.0) != ex.positive {
                let terms: Vec<String> =
                    s.explanation.terms.iter().take(6).map(|t| format!("{} {:+.2}", t.term, t.contribution)).collect();
                eprintln!(
                    "labeled {} scored {:+.3}: {}\n    {}",
                    if ex.positive { "+" } else { "-" },
                    s.score,
                    ex.text,
                    terms.join(", ")
                );
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let documents = confusion.total();
        reports.push(Report {
            file: path.display().to_string(),
            domain,
            documents,
            accuracy: confusion.accuracy(),
            macro_f1: confusion.macro_f1(),
            confusion,
            neutral_share: confusion.neutral as f64 / documents as f64,
            documents_per_second: documents as f64 / seconds.max(1e-9),
        });
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            let c = &r.confusion;
            println!("{} (scored as {})", r.file, r.domain);
            println!(
                "  documents {}  accuracy {:.4}  macro-F1 {:.4}  neutral {:.1}%  {:.0} documents/s (one thread)",
                r.documents,
                r.accuracy,
                r.macro_f1,
                100.0 * r.neutral_share,
                r.documents_per_second
            );
            println!("  confusion        scored +  scored -");
            println!("    labeled +   {:>9} {:>9}", c.tp, c.fn_);
            println!("    labeled -   {:>9} {:>9}", c.fp, c.tn);
        }
    }
    Ok(ExitCode::SUCCESS)
}
