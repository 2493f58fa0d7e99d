//! Connecting to NATS and setting up what the roles share: the jobs stream (a work queue: a job
//! is removed once a worker acknowledges it), the mentions stream (kept `mentions_max_age_hours`,
//! read by the indexer's durable consumer) and the key-value buckets. Every role sets them up
//! the same way, so any may start first. The client reconnects by itself, forever, with growing
//! pauses; each event is logged, none ends the process.

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};

use super::{ClusterConfig, ClusterError};

/// A connection to the cluster and its JetStream context.
#[derive(Clone)]
pub struct Cluster {
    pub config: ClusterConfig,
    pub client: async_nats::Client,
    pub js: jetstream::Context,
}

/// Reads the secret named by `var` for `field`.
fn secret(field: &'static str, var: &Option<String>) -> Result<Option<String>, ClusterError> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Some(v)),
        _ => Err(ClusterError::MissingSecret { field, var: var.clone() }),
    }
}

/// Pauses between reconnection attempts: 100 ms doubling to 8 s, with jitter.
fn reconnect_delay(attempts: usize) -> Duration {
    let base = 100u64.saturating_mul(1 << attempts.min(7)).min(8_000);
    Duration::from_millis(base / 2 + fastrand::u64(0..=base / 2))
}

impl Cluster {
    /// Connects as `name` (shown by the server); waits for the first connection up to
    /// `first_wait` (the client goes on trying in the background after a later loss).
    pub async fn connect(config: &ClusterConfig, name: &str, first_wait: Duration) -> Result<Cluster, ClusterError> {
        let mut options = async_nats::ConnectOptions::new()
            .name(name)
            .max_reconnects(None)
            .reconnect_delay_callback(reconnect_delay)
            .connection_timeout(Duration::from_secs(5))
            .event_callback(|event| async move {
                match event {
                    async_nats::Event::Connected => tracing::info!("connected to NATS"),
                    async_nats::Event::Disconnected => tracing::warn!("lost the NATS connection; reconnecting"),
                    other => tracing::warn!(event = %other, "NATS"),
                }
            });
        if let Some(token) = secret("token_env", &config.auth.token_env)? {
            options = options.token(token);
        }
        if let Some(seed) = secret("nkey_env", &config.auth.nkey_env)? {
            options = options.nkey(seed);
        }
        if let Some(path) = secret("credentials_env", &config.auth.credentials_env)? {
            options = options
                .credentials_file(&path)
                .await
                .map_err(|e| ClusterError::Credentials { path: path.clone(), reason: e.to_string() })?;
        }
        let url = config.url.clone();
        let started = std::time::Instant::now();
        let mut attempt = 0;
        let client = loop {
            match options.clone().connect(url.as_str()).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() >= first_wait => {
                    return Err(ClusterError::Connect { url, reason: e.to_string() });
                }
                Err(e) => {
                    tracing::warn!(%url, error = %e, "NATS not reachable yet; trying again");
                    tokio::time::sleep(reconnect_delay(attempt)).await;
                    attempt += 1;
                }
            }
        };
        let js = jetstream::new(client.clone());
        Ok(Cluster { config: config.clone(), client, js })
    }

    /// The jobs stream, created when absent.
    pub async fn jobs(&self) -> Result<stream::Stream, ClusterError> {
        let c = &self.config;
        self.stream(stream::Config {
            name: c.jobs_stream.clone(),
            subjects: vec![c.jobs_subject.clone()],
            retention: stream::RetentionPolicy::WorkQueue,
            duplicate_window: c.duplicate_window,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
    }

    /// The mentions stream, created when absent.
    pub async fn mentions(&self) -> Result<stream::Stream, ClusterError> {
        let c = &self.config;
        self.stream(stream::Config {
            name: c.mentions_stream.clone(),
            subjects: vec![c.mentions_subject.clone()],
            retention: stream::RetentionPolicy::Limits,
            max_age: c.mentions_max_age,
            duplicate_window: c.duplicate_window,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
    }

    async fn stream(&self, config: stream::Config) -> Result<stream::Stream, ClusterError> {
        let what = format!("the stream {}", config.name);
        self.js.get_or_create_stream(config).await.map_err(|e| ClusterError::Setup { what, reason: e.to_string() })
    }

    /// The key-value bucket `name`, created when absent; entries older than `max_age` (zero:
    /// kept) are dropped by the server. Its stream (`KV_<name>`) is made here as the client
    /// library would, without its account query, whose answer Debian's server 2.9 words
    /// differently from what the library expects.
    pub async fn bucket(&self, name: &str, max_age: Duration) -> Result<kv::Store, ClusterError> {
        let setup = |reason: String| ClusterError::Setup { what: format!("the bucket {name}"), reason };
        if let Ok(store) = self.js.get_key_value(name).await {
            return Ok(store);
        }
        let config = stream::Config {
            name: format!("KV_{name}"),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: 1,
            max_age,
            storage: stream::StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            num_replicas: 1,
            ..Default::default()
        };
        self.js.get_or_create_stream(config).await.map_err(|e| setup(e.to_string()))?;
        self.js.get_key_value(name).await.map_err(|e| setup(e.to_string()))
    }

    /// Stores `payload` on `subject` with `id` as its message id, and returns the server's
    /// acknowledgement future (await it to know it is stored).
    pub async fn publish(
        &self,
        subject: &str,
        id: &str,
        payload: bytes::Bytes,
    ) -> Result<jetstream::context::PublishAckFuture, ClusterError> {
        let publish = jetstream::message::PublishMessage::build().payload(payload).message_id(id);
        self.js
            .send_publish(subject.to_string(), publish)
            .await
            .map_err(|e| ClusterError::Publish { what: format!("{subject} {id}"), reason: e.to_string() })
    }
}
