//! `yuqing crawl`: every source (or the named ones) once, with a progress display and a report
//! per source.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use yuqing::config::Config;
use yuqing::crawl::{Crawler, Progress};
use yuqing::source::Source;
use yuqing::store::Store;

#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Crawl only this source (repeatable); default: every definition in the sources directory.
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Directory of source definitions (overrides crawl.sources_dir; default ./sources).
    #[arg(long, value_name = "DIR")]
    sources_dir: Option<PathBuf>,
    /// Print the reports as JSON lines.
    #[arg(long)]
    json: bool,
}

/// The definitions in `dir`, or only those `names` when given (an unknown name is an error).
pub fn select_sources(dir: &std::path::Path, names: &[String]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Source::load_dir(dir)?;
    if !names.is_empty() {
        let known: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        if let Some(unknown) = names.iter().find(|n| !known.contains(n)) {
            anyhow::bail!("no source named {unknown:?} in {}; there are: {}", dir.display(), known.join(", "));
        }
        sources.retain(|s| names.contains(&s.name));
    }
    anyhow::ensure!(!sources.is_empty(), "no source definitions (*.toml) in {}", dir.display());
    Ok(sources)
}

pub fn run(config: &Config, args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let dir = args.sources_dir.unwrap_or_else(|| config.crawl.sources_dir.clone());
    let sources = select_sources(&dir, &args.sources)?;
    let analyzer = Arc::new(super::load_analyzer(config)?);
    let (index, fields) = yuqing::index::open_or_create(&config.data_dir.join("index"), analyzer.text.clone())?;
    let store = Store::open(&config.data_dir.join("state"))?;
    let crawler = Crawler::new(config.crawl.clone(), store, analyzer, index, fields, config.watches.clone());
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("template"));
    bar.enable_steady_tick(Duration::from_millis(120));
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        std::thread::spawn(move || {
            while !bar.is_finished() {
                bar.set_message(format!(
                    "{} pages, {} mentions read, {} errors",
                    progress.pages.load(Ordering::Relaxed),
                    progress.mentions.load(Ordering::Relaxed),
                    progress.errors.load(Ordering::Relaxed)
                ));
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let reports = runtime.block_on(crawler.run(sources, progress));
    bar.finish_and_clear();
    let _ = ticker.join();
    let reports = reports.context("crawling")?;
    for r in &reports {
        if args.json {
            println!("{}", serde_json::to_string(r)?);
        } else {
            println!("{r}");
        }
    }
    let failed = reports.iter().any(|r| !r.errors.is_empty());
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
