//! Politeness and robots.txt shared by every worker, through two key-value buckets. A host's
//! entry holds the next time (Unix milliseconds) a request to it may start; a worker takes its
//! turn by compare-and-swap on the entry's revision (the one that wins moves the time on by the
//! host's delay, the others read again), then waits until its turn. robots.txt is kept once for
//! all, with its fetch time. When NATS cannot be reached a worker waits for it (a server restart
//! takes seconds) before it takes a turn or a slot, up to [`OUTAGE_WAIT`]; only past that does
//! it go on with its own gate and cache (logged), politeness then per worker until the
//! connection is back (meanwhile each turn tries NATS once, without waiting again). Going on
//! alone at once let two workers each keep only their own delay while NATS restarted
//! (`tests/cluster.rs` saw two requests to one host 67 ms apart). A host's
//! concurrency cap is held across workers by its slots in the same bucket ([`super::slots`]),
//! and a 429's or 503's Retry-After pushes the host's next allowed time for every worker.

use std::time::Duration;

use async_nats::jetstream::kv;
use futures_util::future::BoxFuture;

use super::slots::Slots;
use crate::crawl::{SharedLimits, SharedSlot};

/// Compare-and-swap attempts before a worker takes its turn without the shared gate.
const CAS_TRIES: usize = 50;

/// How long a worker waits for the shared buckets to answer again before it goes on with its
/// own gate alone (the default of [`KvLimits::with_outage_wait`]).
pub const OUTAGE_WAIT: Duration = Duration::from_secs(60);

/// Runs `attempt` until it succeeds, waiting between tries (0.1 s, doubling to 2 s) while it
/// fails, for up to `patience`; then returns the last error.
async fn patiently<T, F>(what: &str, patience: Duration, mut attempt: impl FnMut() -> F) -> Result<T, String>
where
    F: std::future::Future<Output = Result<T, String>>,
{
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if started.elapsed() + pause > patience => return Err(e),
            Err(e) => {
                tracing::debug!(what, error = %e, "the shared limits did not answer; waiting for NATS");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// [`SharedLimits`] over the hosts and robots buckets.
pub struct KvLimits {
    hosts: kv::Store,
    robots: kv::Store,
    slots: Slots,
    /// How long a turn or a slot waits for NATS.
    outage_wait: Duration,
    /// Set when a wait for NATS ran out, until the buckets answer again: meanwhile each turn and
    /// slot tries once and goes on alone, instead of waiting the whole time again.
    away: std::sync::atomic::AtomicBool,
}

/// A key NATS accepts for any host or origin: a hex fingerprint with a readable prefix.
pub(super) fn key(prefix: &str, name: &str) -> String {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(name.as_bytes());
    let readable: String =
        name.chars().take(40).map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{prefix}.{readable}.{:016x}", h.finish())
}

pub(super) fn now_ms() -> u64 {
    jiff::Timestamp::now().as_millisecond().max(0) as u64
}

impl KvLimits {
    /// Over the two buckets; a host slot taken here holds for `slot_lease` past its last
    /// renewal, and names `holder`.
    pub fn new(hosts: kv::Store, robots: kv::Store, slot_lease: Duration, holder: String) -> Self {
        let slots = Slots::new(hosts.clone(), slot_lease, holder);
        KvLimits { slots, hosts, robots, outage_wait: OUTAGE_WAIT, away: Default::default() }
    }

    /// Waits up to `wait` for NATS before a turn or a slot goes on without it (default
    /// [`OUTAGE_WAIT`]).
    pub fn with_outage_wait(mut self, wait: Duration) -> Self {
        self.outage_wait = wait;
        self
    }

    /// [`patiently`], with no patience while NATS is known to be away (a wait ran out and nothing
    /// has answered since).
    async fn shared<T, F>(&self, what: &str, attempt: impl FnMut() -> F) -> Result<T, String>
    where
        F: std::future::Future<Output = Result<T, String>>,
    {
        use std::sync::atomic::Ordering::Relaxed;
        let patience = if self.away.load(Relaxed) { Duration::ZERO } else { self.outage_wait };
        let result = patiently(what, patience, attempt).await;
        self.away.store(result.is_err(), Relaxed);
        result
    }

    /// The host's entry (absent: never asked).
    async fn host(&self, key: &str) -> Result<Option<Host>, String> {
        let entry = self.hosts.entry(key).await.map_err(|e| e.to_string())?;
        Ok(entry.filter(|e| e.operation == kv::Operation::Put).map(|e| Host::read(&e.value, e.revision)))
    }

    /// Stores `next` and `paused` at `key` if the entry is still at `revision` (none: absent).
    async fn swap(&self, key: &str, next: u64, paused: u64, revision: Option<u64>) -> bool {
        let value = bytes::Bytes::from(format!("{next} {paused}"));
        match revision {
            Some(r) => self.hosts.update(key, value, r).await.is_ok(),
            None => self.hosts.create(key, value).await.is_ok(),
        }
    }

    /// Pauses the host until `until` (Unix ms): no turn starts before it, a turn taken before
    /// and not yet started is taken again.
    async fn push_back(&self, host: &str, until: u64) -> Result<(), String> {
        let key = key("host", host);
        for _ in 0..CAS_TRIES {
            let h = self.host(&key).await?.unwrap_or_default();
            if h.paused >= until {
                return Ok(());
            }
            if self.swap(&key, h.next.max(until), until, h.revision).await {
                return Ok(());
            }
        }
        Err(format!("{CAS_TRIES} workers' turns taken before this pause"))
    }

    /// Takes the next turn at `host`: the time its request may start. Without a delay nothing
    /// is taken, but a pause (Retry-After) still holds.
    async fn take_turn(&self, host: &str, delay: Duration) -> Result<u64, String> {
        let key = key("host", host);
        for _ in 0..CAS_TRIES {
            let h = self.host(&key).await?.unwrap_or_default();
            let start = h.next.max(h.paused).max(now_ms());
            if delay.is_zero() || self.swap(&key, start + delay.as_millis() as u64, h.paused, h.revision).await {
                return Ok(start);
            }
        }
        Err(format!("{CAS_TRIES} workers' turns taken before this one's"))
    }

    /// Waits for a turn at `host`; taken again when a pause came while it waited.
    async fn wait_turn(&self, host: &str, delay: Duration) -> Result<(), String> {
        loop {
            let wait = self.take_turn(host, delay).await?.saturating_sub(now_ms());
            if wait == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(wait)).await;
            let paused = self.host(&key("host", host)).await?.map_or(0, |h| h.paused);
            if paused <= now_ms() {
                return Ok(());
            }
        }
    }
}

/// A host's entry: the next time a request may start, the end of its pause (both Unix ms;
/// the value is `next paused`, or `next` as first written), and its revision.
#[derive(Debug, Default, PartialEq)]
struct Host {
    next: u64,
    paused: u64,
    revision: Option<u64>,
}

impl Host {
    fn read(value: &[u8], revision: u64) -> Host {
        let text = std::str::from_utf8(value).unwrap_or_default();
        let mut parts = text.split(' ').map(|p| p.parse::<u64>().unwrap_or(0));
        Host { next: parts.next().unwrap_or(0), paused: parts.next().unwrap_or(0), revision: Some(revision) }
    }
}

impl SharedLimits for KvLimits {
    fn turn<'a>(&'a self, host: &'a str, delay: Duration) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            match self.shared("turn", || self.wait_turn(host, delay)).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(host, error = %e, "the shared politeness gate failed; this worker's own holds")
                }
            }
        })
    }

    fn slot<'a>(&'a self, host: &'a str, concurrency: usize) -> BoxFuture<'a, SharedSlot> {
        Box::pin(async move {
            match self.shared("slot", || self.slots.take(host, concurrency)).await {
                Ok(held) => {
                    let slots = self.slots.clone();
                    SharedSlot::held(Box::pin(async move { slots.free(held).await }))
                }
                Err(e) => {
                    tracing::warn!(host, error = %e, "the shared concurrency cap failed; this worker's own holds");
                    SharedSlot::empty()
                }
            }
        })
    }

    fn pause<'a>(&'a self, host: &'a str, wait: Duration) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(e) = self.push_back(host, now_ms() + wait.as_millis() as u64).await {
                tracing::warn!(host, error = %e, "the host's pause (Retry-After) not shared; this worker's own holds");
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

    #[test]
    fn host_entries_old_and_new() {
        let h = super::Host::read(b"1700000000000", 3);
        assert_eq!((h.next, h.paused, h.revision), (1_700_000_000_000, 0, Some(3)));
        let h = super::Host::read(b"5 9", 4);
        assert_eq!((h.next, h.paused), (5, 9));
    }

    /// NATS away for 3 s (a restart): the turn waits for it rather than going on alone.
    #[tokio::test(start_paused = true)]
    async fn a_short_outage_is_waited_out_and_a_long_one_is_not() {
        use std::time::Duration;
        let started = tokio::time::Instant::now();
        let back_at = started + Duration::from_secs(3);
        let mut tries = 0;
        let got = super::patiently("turn", super::OUTAGE_WAIT, || {
            tries += 1;
            async move { if tokio::time::Instant::now() >= back_at { Ok(tries) } else { Err("no NATS".to_string()) } }
        })
        .await;
        assert!(matches!(got, Ok(n) if n > 3), "{got:?}");
        assert!(started.elapsed() < Duration::from_secs(6), "waited {:?}", started.elapsed());

        let started = tokio::time::Instant::now();
        let never =
            super::patiently("turn", super::OUTAGE_WAIT, || async { Err::<(), _>("no NATS".to_string()) }).await;
        assert_eq!(never, Err("no NATS".to_string()));
        let waited = started.elapsed();
        assert!(waited <= super::OUTAGE_WAIT && waited > super::OUTAGE_WAIT - Duration::from_secs(3), "{waited:?}");
    }
}
