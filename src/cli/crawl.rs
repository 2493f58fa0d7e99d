//! `yuqing crawl`: every source (or the named ones) once, with a progress display and a report
//! per source.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::crawl::{Crawler, Progress};
use yuqing::source::Source;

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
    let o = yuqing::app::open_all(config)?;
    let crawler = Crawler::new(config.crawl.clone(), o.store, o.analyzer, o.index, o.fields, config.watches.clone());
    let progress = Arc::new(Progress::default());
    let ticker = super::progress::Ticker::start(progress.clone());
    ticker.stage("crawling");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let reports = runtime.block_on(crawler.run(sources, progress));
    ticker.finish();
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
