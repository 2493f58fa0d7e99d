//! `yuqing run`: the daemon. Signals become the shutdown: the first SIGINT or SIGTERM lets
//! in-flight crawls finish, commits and flushes; a second one stops at once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use yuqing::app;
use yuqing::config::Config;
use yuqing::serve::{Dashboard, check_bind, serve};
use yuqing::time::Clock;

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
    /// What this process does: everything, without NATS (`all`, the default), or one role of
    /// a cluster (`[cluster]` in the config): `scheduler`, `worker` or `indexer` (which serves
    /// `--serve`).
    #[arg(long, value_enum, default_value = "all")]
    role: yuqing::cluster::Role,
}

/// The dashboard `--serve` asks for: its address and token, checked.
pub struct Served {
    addr: std::net::SocketAddr,
    token: Option<String>,
}

pub fn run(config: &Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let dir = args.sources_dir.clone().unwrap_or_else(|| config.crawl.sources_dir.clone());
    let served = served(&args)?;
    // The indexer reads no source definitions: its machine need not have them.
    let sources = match args.role {
        yuqing::cluster::Role::Indexer => Vec::new(),
        _ => super::crawl::select_sources(&dir, &args.sources)?.0,
    };
    if args.role != yuqing::cluster::Role::All {
        anyhow::ensure!(
            served.is_none() || args.role == yuqing::cluster::Role::Indexer,
            "--serve: the dashboard is the indexer's (it holds the index)"
        );
        return super::cluster::run_role(config, args.role, sources, served);
    }
    let opened = app::open_all(config)?;
    let dashboard = served.map(|s| dashboard(config, s, &opened)).transpose()?;
    let daemon = app::daemon(config, &opened, sources, Clock::system(), Default::default())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let summary = runtime.block_on(async {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let server = match dashboard {
            None => None,
            Some((addr, dash)) => Some(spawn_dashboard(addr, dash, shutdown.clone()).await?),
        };
        let control = spawn_control(config, &opened, shutdown.clone()).await?;
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::warn!("stopping: finishing in-flight crawls, then committing (signal again to stop now)");
            eprintln!("stopping: finishing in-flight crawls, then committing (Ctrl-C again to stop now)");
            let _ = stop.send(true);
            wait_for_signal().await;
            eprintln!("stopped without finishing; the next run fetches again what was not committed");
            std::process::exit(130);
        });
        let summary = daemon.run(shutdown).await;
        yuqing::serve::control::remove(&config.data);
        let summary = summary?;
        let _ = control.await;
        if let Some(server) = server {
            let _ = server.await;
        }
        anyhow::Ok(summary)
    })?;
    eprintln!(
        "stopped cleanly: {} crawls, {} new mentions, {} crawl errors, {} alerts ({} not fully delivered), {} digest rounds, {} saved-search batches, {} failed judgements or digests (see the log)",
        summary.crawls,
        summary.new_mentions,
        summary.crawl_errors,
        summary.alerts,
        summary.undelivered,
        summary.digests,
        summary.saved_batches,
        summary.failures
    );
    Ok(ExitCode::SUCCESS)
}

/// The address and token `--serve` asks for, checked.
fn served(args: &RunArgs) -> anyhow::Result<Option<Served>> {
    let Some(addr) = args.serve else { return Ok(None) };
    let token = std::env::var(&args.token_env).ok().filter(|t| !t.is_empty());
    check_bind(addr, token.as_deref()).with_context(|| format!("--serve {addr} (token from {})", args.token_env))?;
    Ok(Some(Served { addr, token }))
}

/// The dashboard over the daemon's own index and alert history.
fn dashboard(
    config: &Config,
    served: Served,
    opened: &app::Opened,
) -> anyhow::Result<(std::net::SocketAddr, Arc<Dashboard>)> {
    let history = Ok(opened.store.clone());
    let reader = opened.index.reader()?;
    let dash = app::dashboard(config, reader, opened.fields, &opened.analyzer, history, served.token);
    Ok((served.addr, Arc::new(dash)))
}

/// Starts serving the dashboard over `opened` until shutdown (the indexer role's).
pub async fn start_dashboard(
    config: &Config,
    served: Served,
    opened: &app::Opened,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let (addr, dash) = dashboard(config, served, opened)?;
    spawn_dashboard(addr, dash, shutdown).await
}

/// Serves the dashboard's API on a loopback port of its own for `yuqing incidents` while the
/// daemon holds the state, and says where in the data directory's control file.
async fn spawn_control(
    config: &Config,
    opened: &app::Opened,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let reader = opened.index.reader()?;
    let dash = app::dashboard(config, reader, opened.fields, &opened.analyzer, Ok(opened.store.clone()), None);
    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot listen on 127.0.0.1 for the control API")?;
    let control = yuqing::serve::control::Control {
        addr: listener.local_addr()?,
        csrf: dash.csrf.clone(),
        pid: std::process::id(),
    };
    yuqing::serve::control::write(&config.data, &control)
        .with_context(|| format!("cannot write the control file in {}", config.data))?;
    Ok(tokio::spawn(serve(listener, Arc::new(dash), async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    })))
}

/// Serves the dashboard until shutdown.
async fn spawn_dashboard(
    addr: std::net::SocketAddr,
    dash: Arc<Dashboard>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    println!("dashboard: http://{}/", listener.local_addr()?);
    Ok(tokio::spawn(serve(listener, dash, async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    })))
}

/// SIGINT or SIGTERM.
pub async fn wait_for_signal() {
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
