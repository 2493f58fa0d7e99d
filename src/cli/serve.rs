//! `yuqing serve`: the dashboard and JSON API over the data directory.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use yuqing::config::Config;
use yuqing::serve::{check_bind, serve};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but this machine (127.0.0.1, ::1) needs a token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The environment variable holding the access token (required off this machine).
    #[arg(long, default_value = "YUQING_TOKEN")]
    token_env: String,
}

pub fn run(config: &Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let token = std::env::var(&args.token_env).ok().filter(|t| !t.is_empty());
    check_bind(args.addr, token.as_deref())
        .with_context(|| format!("--addr {} (token from {})", args.addr, args.token_env))?;
    let (analyzer, reader, fields) = super::open_existing_index(config)?;
    let history = match yuqing::store::Store::open_existing(&config.data) {
        Ok(Some(store)) => Ok(store),
        Ok(None) => Err(format!(
            "no alert history or incidents yet at {} (`yuqing run` keeps them)",
            config.data.state().display()
        )),
        Err(e) => Err(format!("the alert history and incidents cannot be read: {e}")),
    };
    let dash = Arc::new(yuqing::app::dashboard(config, reader, fields, &analyzer, history, token));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let local = listener.local_addr()?;
        println!("dashboard: http://{local}/ (Ctrl-C stops)");
        std::io::stdout().flush()?;
        serve(listener, dash, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving the dashboard")
    })?;
    Ok(ExitCode::SUCCESS)
}
