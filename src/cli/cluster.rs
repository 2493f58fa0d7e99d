//! `yuqing run --role scheduler|worker|indexer` and `yuqing cluster status`: the roles of the
//! binary over NATS (`[cluster]` in the config), each with the same signal handling as the
//! embedded `yuqing run`: the first SIGINT or SIGTERM finishes what is in flight, a second
//! stops at once.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use yuqing::app;
use yuqing::cluster::{Cluster, ClusterConfig, Indexer, KvLimits, Role, Scheduler, Worker, process_name};
use yuqing::config::Config;
use yuqing::source::Source;
use yuqing::time::Clock;

/// How long a role waits for NATS at its start before giving up (it then keeps reconnecting).
const FIRST_CONNECT: Duration = Duration::from_secs(300);

#[derive(Debug, clap::Subcommand)]
pub enum ClusterCommand {
    /// The streams' depths, the consumers' lag, the workers seen and the scheduler's lease.
    Status {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The `[cluster]` section, or an error saying a role needs it.
fn cluster_config(config: &Config, what: &str) -> anyhow::Result<ClusterConfig> {
    config
        .cluster
        .clone()
        .with_context(|| format!("{what} needs a [cluster] section in yuqing.toml (url = \"nats://HOST:4222\")"))
}

pub fn status(config: &Config, cmd: ClusterCommand) -> anyhow::Result<ExitCode> {
    let ClusterCommand::Status { json } = cmd;
    let c = cluster_config(config, "`yuqing cluster status`")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
    let status = runtime.block_on(async {
        let cluster = Cluster::connect(&c, "yuqing-status", yuqing::cluster::STATUS_WAIT).await?;
        yuqing::cluster::status(&cluster).await
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", status.text());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one role until a signal.
pub fn run_role(
    config: &Config,
    role: Role,
    sources: Vec<Source>,
    serve: Option<super::run::Served>,
) -> anyhow::Result<ExitCode> {
    let c = cluster_config(config, &format!("`yuqing run --role {}`", role_name(role)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let name = process_name();
    runtime.block_on(async {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            super::run::wait_for_signal().await;
            eprintln!("stopping: finishing what is in flight (signal again to stop now)");
            let _ = stop.send(true);
            super::run::wait_for_signal().await;
            eprintln!("stopped without finishing; what was not acknowledged is handed out again");
            std::process::exit(130);
        });
        let cluster = Cluster::connect(&c, &format!("yuqing-{}-{name}", role_name(role)), FIRST_CONNECT).await?;
        let sources: Vec<Arc<Source>> = sources.into_iter().map(Arc::new).collect();
        match role {
            Role::Scheduler => {
                let s = Scheduler { cluster, sources, watches: config.watches.clone(), clock: Clock::system(), name };
                let published = s.run(shutdown).await?;
                eprintln!("scheduler stopped cleanly: {published} jobs published");
            }
            Role::Worker => worker(config, cluster, sources, name, shutdown).await?,
            Role::Indexer => indexer(config, cluster, serve, shutdown).await?,
            Role::All => unreachable!("the embedded daemon runs without NATS"),
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::All => "all",
        Role::Scheduler => "scheduler",
        Role::Worker => "worker",
        Role::Indexer => "indexer",
    }
}

async fn worker(
    config: &Config,
    cluster: Cluster,
    sources: Vec<Arc<Source>>,
    name: String,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let c = cluster.config.clone();
    let (config2, state) = (config.clone(), config.data.state());
    let (analyzer, store) = tokio::task::spawn_blocking(move || {
        anyhow::Ok((app::load_analyzer(&config2)?, yuqing::store::Store::open(&state)?))
    })
    .await??;
    let limits = KvLimits::new(
        cluster.bucket(&c.hosts_bucket, Duration::from_secs(3600)).await?,
        cluster.bucket(&c.robots_bucket, Duration::from_secs(24 * 3600)).await?,
        c.slot_lease,
        name.clone(),
    );
    let fetcher = yuqing::crawl::Fetcher::new(config.crawl.clone(), store).with_shared(Arc::new(limits));
    let preparer =
        yuqing::analysis::Preparer::new(Arc::new(analyzer), yuqing::watch::WatchMatcher::new(config.watches.clone()));
    let w = Worker { cluster, fetcher: Arc::new(fetcher), sources, preparer, name };
    let s = w.run(shutdown).await?;
    use std::sync::atomic::Ordering::Relaxed;
    eprintln!(
        "worker stopped cleanly: {} jobs, {} mentions published, {} follow-up jobs, {} pages failed",
        s.jobs.load(Relaxed),
        s.mentions.load(Relaxed),
        s.follow_ups.load(Relaxed),
        s.pages_failed.load(Relaxed)
    );
    Ok(())
}

async fn indexer(
    config: &Config,
    cluster: Cluster,
    serve: Option<super::run::Served>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let config2 = config.clone();
    let opened = tokio::task::spawn_blocking(move || app::open_all(&config2)).await??;
    let server = match serve {
        Some(s) => Some(super::run::start_dashboard(config, s, &opened, shutdown.clone()).await?),
        None => None,
    };
    let evaluator = Arc::new(app::evaluator(config, &opened)?);
    let writer = yuqing::index::MentionWriter::new(
        &opened.index,
        opened.fields,
        opened.analyzer.text.clone(),
        yuqing::index::writer::default_writer_heap_bytes(),
    )?;
    let digests =
        config.digest.clone().map(|plan| Arc::new(yuqing::daemon::DigestJob { plan, dir: config.digests_dir() }));
    let indexer =
        Indexer { cluster, writer, evaluator, digests, clock: Clock::system(), batch: config.crawl.commit_every };
    let s = indexer.run(shutdown).await?;
    if let Some(server) = server {
        let _ = server.await;
    }
    eprintln!(
        "indexer stopped cleanly: {} mentions indexed, {} duplicates skipped, {} commits, {} alerts",
        s.indexed, s.duplicates, s.commits, s.alerts
    );
    Ok(())
}
