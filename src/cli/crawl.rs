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
    /// Backfill: walk every listing past what it has seen, down to items published at this time
    /// (instead of the source's window_days; max_pages lifted), so that a new brand gets its past.
    #[arg(long, value_parser = yuqing::time::parse_time, value_name = "DATE")]
    since: Option<jiff::Timestamp>,
}

/// The definitions to run: those in `dir`, or only those `names` when given (an unknown name is
/// an error). A definition that fails to load is printed with its file and reason and the others
/// run; it counts as a failure (the second value) when it was asked for, or all were.
pub fn select_sources(dir: &std::path::Path, names: &[String]) -> anyhow::Result<(Vec<Source>, bool)> {
    let loaded = Source::load_dir(dir)?;
    let mut failed = false;
    let mut broken_names = Vec::new();
    for e in &loaded.broken {
        let stem = e.file().and_then(|f| f.file_stem()).map(|s| s.to_string_lossy().into_owned());
        let asked = names.is_empty() || stem.as_ref().is_some_and(|s| names.contains(s));
        failed |= asked;
        eprintln!("{}: {e}", if asked { "error" } else { "warning (not run)" });
        broken_names.extend(stem);
    }
    let mut sources = loaded.sources;
    if !names.is_empty() {
        let known: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        let missing = names.iter().find(|n| !known.contains(n) && !broken_names.contains(n));
        if let Some(unknown) = missing {
            anyhow::bail!("no source named {unknown:?} in {}; there are: {}", dir.display(), known.join(", "));
        }
        sources.retain(|s| names.contains(&s.name));
    }
    anyhow::ensure!(
        !sources.is_empty(),
        "no source definitions to run in {}{}",
        dir.display(),
        if loaded.broken.is_empty() { " (no *.toml there)" } else { " (every one named failed to load: see above)" }
    );
    Ok((sources, failed))
}

pub fn run(config: &Config, args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let dir = args.sources_dir.unwrap_or_else(|| config.crawl.sources_dir.clone());
    let (sources, broken) = select_sources(&dir, &args.sources)?;
    let o = yuqing::app::open_all(config)?;
    let mut crawler =
        Crawler::new(config.crawl.clone(), o.store, o.analyzer, o.index, o.fields, config.watches.clone());
    crawler.backfill_since = args.since;
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
    let failed = broken || reports.iter().any(|r| !r.errors.is_empty());
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
