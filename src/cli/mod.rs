//! Command-line parsing and dispatch. Each command lives in its own file and does only
//! argument handling and output formatting; the work is in the library.

mod alerts;
mod backtest;
mod cluster;
mod corpus_args;
mod crawl;
mod demo;
mod digest;
mod eval;
mod incidents;
mod ingest;
mod lexicon;
mod period;
mod progress;
mod run;
mod saved;
mod score;
mod search;
mod serve;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use yuqing::analysis::Analyzer;
use yuqing::config::Config;
use yuqing::data_dir::DataDir;

/// yuqing (舆情): watch what people say about a brand on Chinese e-commerce, social, Q&A and
/// news sites; score its sentiment and risks.
#[derive(Debug, Parser)]
#[command(name = "yuqing", version, about, long_about = None)]
struct Cli {
    /// Config file (default: ./yuqing.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Use the lexicon files in DIR instead of the built-in ones (overrides the config).
    #[arg(long, global = true, value_name = "DIR")]
    lexicons: Option<PathBuf>,
    /// Data directory holding the index (overrides the config; default ./yuqing-data).
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole job on a built-in demo site: crawl, index, detect the scripted crisis, alert
    /// a local webhook, write the weekly digest; then says where everything is.
    Demo(demo::DemoArgs),
    /// Score texts: one per line (or a CSV column), from FILE or stdin; JSON lines out.
    Score(score::ScoreArgs),
    /// Measure the scorer on labeled CSV (label,text): accuracy, macro-F1, confusion, speed.
    Eval(eval::EvalArgs),
    /// Index mentions from JSON lines or CSV (id, source, kind, url, title, text, author,
    /// published_at, likes, reposts, replies, rating, parent); duplicates are skipped.
    Ingest(ingest::IngestArgs),
    /// Search indexed mentions: query syntax, filters, highlights; table, JSON lines or CSV.
    Search(search::SearchArgs),
    /// A watch over a period: volume per day or hour by sentiment, net sentiment, share of voice
    /// in its competitor group, risk categories.
    Stats(stats::StatsArgs),
    /// Crawl the sources under sources/ once into the index; a report per source.
    Crawl(crawl::CrawlArgs),
    /// Replay a watch's indexed history through the spike detector: the alerts it would have
    /// raised, with observed against expected and the terms that rose.
    Backtest(backtest::BacktestArgs),
    /// A watch's weekly trend digest (volume by day and sentiment, net sentiment, share of
    /// voice, risks, rising terms, top posts, alerts, week-over-week changes): HTML, Markdown, JSON.
    Digest(digest::DigestArgs),
    /// The dashboard (search, trends, alerts, digests) and its JSON API, on 127.0.0.1:8080 by
    /// default; another address needs a token.
    Serve(serve::ServeArgs),
    /// The daemon: every source on its schedule into the index, spike alerts after each crawl,
    /// sent through the configured channels. SIGINT/SIGTERM finish, commit and exit.
    Run(run::RunArgs),
    /// The cluster of `yuqing run --role` over NATS (`[cluster]` in the config).
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// The alerts `yuqing run` raised, newest first, with their delivery status.
    Alerts(alerts::AlertsArgs),
    /// The incidents: list, show one, and the team's changes (ack, assign, note, status, resolve).
    Incidents(incidents::IncidentsArgs),
    /// Saved searches (舆情专题): list with new-match counts, add (optionally pushed to a
    /// channel every N minutes), rm.
    Saved(saved::SavedArgs),
    /// Build and inspect the sentiment lexicon.
    #[command(subcommand)]
    Lexicon(lexicon::LexiconCommand),
}

/// Runs the command line; the exit code says whether every item went through.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.log_json);
    let mut config = Config::load_or_default(cli.config.as_deref())?;
    if let Some(dir) = cli.lexicons {
        anyhow::ensure!(dir.is_dir(), "--lexicons {}: not a directory", dir.display());
        config.sentiment.lexicon_dir = Some(dir);
    }
    if let Some(dir) = cli.data {
        config.data = DataDir::new(dir);
    }
    if let Command::Demo(args) = cli.command {
        return demo::run(args);
    }
    match cli.command {
        Command::Score(args) => score::run(&config, args),
        Command::Eval(args) => eval::run(&config, args),
        Command::Ingest(args) => ingest::run(&config, args),
        Command::Crawl(args) => crawl::run(&config, args),
        Command::Backtest(args) => backtest::run(&config, args),
        Command::Run(args) => run::run(&config, args),
        Command::Digest(args) => digest::run(&config, args),
        Command::Serve(args) => serve::run(&config, args),
        Command::Alerts(args) => alerts::run(&config, args),
        Command::Incidents(args) => incidents::run(&config, args),
        Command::Saved(args) => saved::run(&config, args),
        Command::Cluster(cmd) => cluster::status(&config, cmd),
        Command::Search(args) => search::run(&config, args),
        Command::Stats(args) => stats::run(&config, args),
        Command::Lexicon(cmd) => lexicon::run(&config, cmd),
        Command::Demo(_) => unreachable!("handled above"),
    }
}

/// Loads the analyzer the config describes.
fn load_analyzer(config: &Config) -> anyhow::Result<Analyzer> {
    Ok(yuqing::app::load_analyzer(config)?)
}

/// The index a reading command needs; the reader follows later commits.
fn open_existing_index(config: &Config) -> anyhow::Result<(Analyzer, tantivy::IndexReader, yuqing::index::Fields)> {
    Ok(yuqing::app::open_existing_index(config)?)
}

/// A severity as the terminal shows it: `CRITICAL` stands out, `warning` does not.
fn severity_word(s: yuqing::alert::Severity) -> &'static str {
    match s {
        yuqing::alert::Severity::Critical => "CRITICAL",
        yuqing::alert::Severity::Warning => "warning",
    }
}

/// Asks the running daemon, which holds the state, through its API (`<data>/control.json`):
/// `ask` makes the request; an error names the daemon and where it was asked.
fn ask_daemon(
    config: &Config,
    ask: impl AsyncFnOnce(
        &yuqing::serve::control::Control,
    ) -> Result<serde_json::Value, yuqing::serve::control::ControlError>,
) -> anyhow::Result<serde_json::Value> {
    use anyhow::Context;
    let c = yuqing::serve::control::read(&config.data)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
    let answer = runtime.block_on(ask(&c));
    answer.with_context(|| format!("`yuqing run` (pid {}) holds the state; asked its API at {}", c.pid, c.addr))
}

/// The configured watch named `name`, or an error listing the configured ones.
fn find_watch<'a>(config: &'a Config, name: &str) -> anyhow::Result<&'a yuqing::watch::Watch> {
    yuqing::watch::find(&config.watches, name).map_err(|e| anyhow::anyhow!("{e}"))
}

fn init_logging(verbose: u8, json: bool) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // usvg (charts drawn for .docx files) warns of every empty bar segment (a zero-height rect).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level},usvg=error")));
    use std::io::IsTerminal;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
}
