//! Serving connections without trusting the clients: a connection that does not send a whole
//! request head within [`HEAD_TIMEOUT`] (its first one, or the next on a kept-alive connection)
//! is closed, and shutdown never waits on a client: connections get [`GRACE`] to finish what
//! they are answering, then they are dropped. axum's own `serve` has neither.

use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::task::JoinSet;

/// How long a client may take to send a request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections get to finish when the server stops.
pub const GRACE: Duration = Duration::from_secs(3);

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "a connection could not be accepted");
                        continue;
                    }
                };
                let service = TowerToHyperService::new(app.clone());
                connections.spawn(async move {
                    // HTTP/1 only: sniffing for HTTP/2 would wait on a silent client with no timeout.
                    let mut builder = http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(HEAD_TIMEOUT);
                    if let Err(e) = builder.serve_connection(TokioIo::new(stream), service).await {
                        tracing::debug!(%peer, error = %e, "connection closed");
                    }
                });
            }
            // Reap finished connections as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let drained = tokio::time::timeout(GRACE, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::info!(open = connections.len(), "stopping: connections still open are dropped");
        connections.abort_all();
    }
    Ok(())
}
