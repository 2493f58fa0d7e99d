//! `yuqing run`: the daemon. Signals become the shutdown: the first SIGINT or SIGTERM lets
//! in-flight crawls finish, commits and flushes; a second one stops at once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tantivy::ReloadPolicy;
use yuqing::alert::AlertHistory;
use yuqing::alert::channels::Channel;
use yuqing::config::Config;
use yuqing::crawl::Crawler;
use yuqing::daemon::{Daemon, Evaluator};
use yuqing::serve::{Dashboard, check_bind, serve};
use yuqing::store::Store;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Directory of source definitions (overrides crawl.sources_dir; default ./sources).
    #[arg(long, value_name = "DIR")]
    sources_dir: Option<PathBuf>,
    /// Run only this source (repeatable); default: every definition in the sources directory.
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Also serve the dashboard on this address (it then shows the alerts live; the state
    /// can only be open in one process).
    #[arg(long, value_name = "ADDR")]
    serve: Option<std::net::SocketAddr>,
    /// The environment variable holding the dashboard's token (required off this machine).
    #[arg(long, default_value = "YUQING_TOKEN")]
    token_env: String,
}

pub fn run(config: &Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let dir = args.sources_dir.unwrap_or_else(|| config.crawl.sources_dir.clone());
    let sources = super::crawl::select_sources(&dir, &args.sources)?;
    let channels = Channel::all(&config.channels)?;
    if channels.is_empty() {
        tracing::warn!("no [[channel]] configured: alerts are only logged and kept in the history");
    }
    let analyzer = Arc::new(super::load_analyzer(config)?);
    let (index, fields) = yuqing::index::open_or_create(&config.data_dir.join("index"), analyzer.text.clone())?;
    let store = Store::open(&config.data_dir.join("state"))?;
    let evaluator = Evaluator {
        reader: index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?,
        fields,
        text: analyzer.text.clone(),
        watches: config.watches.clone(),
        rules: config.alerts.clone(),
        channels,
        history: AlertHistory::new(store.clone()),
        client: reqwest::Client::new(),
    };
    let token = std::env::var(&args.token_env).ok().filter(|t| !t.is_empty());
    let dashboard = match args.serve {
        None => None,
        Some(addr) => {
            check_bind(addr, token.as_deref())
                .with_context(|| format!("--serve {addr} (token from {})", args.token_env))?;
            let dash = Dashboard {
                reader: index.reader()?,
                fields,
                text: analyzer.text.clone(),
                watches: config.watches.clone(),
                history: Ok(AlertHistory::new(store.clone())),
                digests_dir: config
                    .digest
                    .as_ref()
                    .and_then(|d| d.dir.clone())
                    .unwrap_or_else(|| config.data_dir.join("digests")),
                token,
            };
            Some((addr, Arc::new(dash)))
        }
    };
    let crawler = Crawler::new(config.crawl.clone(), store, analyzer, index, fields, config.watches.clone());
    let digests = config.digest.clone().map(|plan| {
        let dir = plan.dir.clone().unwrap_or_else(|| config.data_dir.join("digests"));
        (plan, dir)
    });
    let daemon = Daemon { crawler, sources: sources.into_iter().map(Arc::new).collect(), evaluator, digests };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let summary = runtime.block_on(async {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let server = match dashboard {
            None => None,
            Some((addr, dash)) => {
                let listener =
                    tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
                println!("dashboard: http://{}/", listener.local_addr()?);
                let mut until = shutdown.clone();
                Some(tokio::spawn(serve(listener, dash, async move {
                    let _ = until.wait_for(|stop| *stop).await;
                })))
            }
        };
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::warn!("stopping: finishing in-flight crawls, then committing (signal again to stop now)");
            eprintln!("stopping: finishing in-flight crawls, then committing (Ctrl-C again to stop now)");
            let _ = stop.send(true);
            wait_for_signal().await;
            eprintln!("stopped without finishing; the next run fetches again what was not committed");
            std::process::exit(130);
        });
        let summary = daemon.run(shutdown).await?;
        if let Some(server) = server {
            let _ = server.await;
        }
        anyhow::Ok(summary)
    })?;
    eprintln!(
        "stopped cleanly: {} crawls, {} new mentions, {} crawl errors, {} alerts ({} not fully delivered), {} digest rounds",
        summary.crawls,
        summary.new_mentions,
        summary.crawl_errors,
        summary.alerts,
        summary.undelivered,
        summary.digests
    );
    Ok(ExitCode::SUCCESS)
}

/// SIGINT or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
