//! Politeness and robots.txt shared by every worker, through two key-value buckets. A host's
//! entry holds the next time (Unix milliseconds) a request to it may start; a worker takes its
//! turn by compare-and-swap on the entry's revision (the one that wins moves the time on by the
//! host's delay, the others read again), then waits until its turn. robots.txt is kept once for
//! all, with its fetch time. When NATS cannot be reached a worker goes on with its own gate and
//! cache (logged): politeness is then per worker until the connection is back.

use std::time::Duration;

use async_nats::jetstream::kv;
use futures_util::future::BoxFuture;

use crate::crawl::SharedLimits;

/// Compare-and-swap attempts before a worker takes its turn without the shared gate.
const CAS_TRIES: usize = 50;

/// [`SharedLimits`] over the hosts and robots buckets.
pub struct KvLimits {
    hosts: kv::Store,
    robots: kv::Store,
}

/// A key NATS accepts for any host or origin: a hex fingerprint with a readable prefix.
fn key(prefix: &str, name: &str) -> String {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(name.as_bytes());
    let readable: String =
        name.chars().take(40).map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{prefix}.{readable}.{:016x}", h.finish())
}

fn now_ms() -> u64 {
    jiff::Timestamp::now().as_millisecond().max(0) as u64
}

impl KvLimits {
    pub fn new(hosts: kv::Store, robots: kv::Store) -> Self {
        KvLimits { hosts, robots }
    }

    /// Takes the next turn at `host`: the time its request may start.
    async fn take_turn(&self, host: &str, delay: Duration) -> Result<u64, String> {
        let key = key("host", host);
        for _ in 0..CAS_TRIES {
            let entry = self.hosts.entry(key.as_str()).await.map_err(|e| e.to_string())?;
            let now = now_ms();
            let live = entry.filter(|e| e.operation == kv::Operation::Put);
            let next = live.as_ref().and_then(|e| std::str::from_utf8(&e.value).ok()?.parse::<u64>().ok());
            let start = next.unwrap_or(0).max(now);
            let value = bytes::Bytes::from((start + delay.as_millis() as u64).to_string());
            let stored = match &live {
                Some(e) => self.hosts.update(key.as_str(), value, e.revision).await.is_ok(),
                None => self.hosts.create(key.as_str(), value).await.is_ok(),
            };
            if stored {
                return Ok(start);
            }
        }
        Err(format!("{CAS_TRIES} workers' turns taken before this one's"))
    }
}

impl SharedLimits for KvLimits {
    fn turn<'a>(&'a self, host: &'a str, delay: Duration) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if delay.is_zero() {
                return;
            }
            match self.take_turn(host, delay).await {
                Ok(start) => {
                    let wait = start.saturating_sub(now_ms());
                    if wait > 0 {
                        tokio::time::sleep(Duration::from_millis(wait)).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(host, error = %e, "the shared politeness gate failed; this worker's own holds")
                }
            }
        })
    }

    fn robots<'a>(&'a self, origin: &'a str) -> BoxFuture<'a, Option<(i64, Vec<u8>)>> {
        Box::pin(async move {
            let value = match self.robots.get(key("robots", origin)).await {
                Ok(v) => v?,
                Err(e) => {
                    tracing::warn!(origin, error = %e, "the shared robots.txt cache could not be read");
                    return None;
                }
            };
            let at = i64::from_be_bytes(value.get(..8)?.try_into().ok()?);
            Some((at, value[8..].to_vec()))
        })
    }

    fn keep_robots<'a>(&'a self, origin: &'a str, at: i64, body: Vec<u8>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut value = at.to_be_bytes().to_vec();
            value.extend_from_slice(&body);
            if let Err(e) = self.robots.put(key("robots", origin), value.into()).await {
                tracing::warn!(origin, error = %e, "robots.txt not kept in the shared cache");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_valid_for_any_host() {
        let k = super::key("host", "例子.中国:443");
        assert!(k.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{k}");
        assert_ne!(k, super::key("host", "例子.中国:80"));
    }
}
