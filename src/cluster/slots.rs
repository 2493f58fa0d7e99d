//! A host's concurrency cap across workers: the host has `concurrency` slot entries in the hosts
//! bucket (`slot.<host>.<n>`), each holding until when it is taken (Unix milliseconds) and by
//! whom. A request takes a free or expired one by compare-and-swap on its revision (create when
//! absent), renews it every third of `slot_lease` while the request runs, and frees it after.
//! A worker killed while holding one stops renewing it, so the slot frees itself at most
//! `slot_lease` later. nats-server 2.9 has no per-key TTL, hence the time in the value; the
//! workers' clocks must agree to well within the lease (as for the shared delay).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::kv;
use bytes::Bytes;

use super::limits::{key, now_ms};

/// How long a worker waits between two looks for a free slot (plus up to as much again).
const POLL: Duration = Duration::from_millis(20);
/// The value of a free slot.
const FREE: &str = "0";

/// Takes and frees the slots of hosts in one bucket.
#[derive(Clone)]
pub struct Slots {
    store: kv::Store,
    lease: Duration,
    /// This process's name, in the slots it holds.
    holder: String,
    taken: Arc<AtomicU64>,
}

/// A slot held: its key, the token written in it, and its revision (moved on by renewals).
pub struct Held {
    key: String,
    token: String,
    revision: Arc<Mutex<u64>>,
    renewal: tokio::task::JoinHandle<()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

/// Slot `n` of `host`.
fn slot_key(host: &str, n: usize) -> String {
    format!("{}.{n}", key("slot", host))
}

/// Until when a slot entry's value holds it (0 for a free one or one not understood).
fn held_until(value: &[u8]) -> u64 {
    std::str::from_utf8(value).ok().and_then(|v| v.split(' ').next()?.parse().ok()).unwrap_or(0)
}

impl Slots {
    pub fn new(store: kv::Store, lease: Duration, holder: String) -> Self {
        Slots { store, lease, holder, taken: Arc::default() }
    }

    /// Waits until one of `concurrency` slots of `host` is taken here; an error when NATS
    /// could not be asked.
    pub async fn take(&self, host: &str, concurrency: usize) -> Result<Held, String> {
        let token = format!("{}#{}", self.holder, self.taken.fetch_add(1, Ordering::Relaxed));
        loop {
            for n in 0..concurrency.max(1) {
                let key = slot_key(host, n);
                if let Some(revision) = self.try_take(&key, &token).await? {
                    let revision = Arc::new(Mutex::new(revision));
                    let renewal = tokio::spawn(self.clone().renew(key.clone(), token.clone(), revision.clone()));
                    return Ok(Held { key, token, revision, renewal });
                }
            }
            tokio::time::sleep(POLL + POLL.mul_f64(fastrand::f64())).await;
        }
    }

    fn value(&self, token: &str) -> Bytes {
        Bytes::from(format!("{} {token}", now_ms() + self.lease.as_millis() as u64))
    }

    /// Takes the slot at `key` if it is free or its holder's lease has run out: its revision.
    async fn try_take(&self, key: &str, token: &str) -> Result<Option<u64>, String> {
        let entry = self.store.entry(key).await.map_err(|e| e.to_string())?;
        let taken = match entry {
            None => self.store.create(key, self.value(token)).await.map_err(|e| match e.kind() {
                kv::CreateErrorKind::AlreadyExists => None,
                _ => Some(e.to_string()),
            }),
            Some(e) if e.operation == kv::Operation::Put && held_until(&e.value) > now_ms() => return Ok(None),
            Some(e) => self.store.update(key, self.value(token), e.revision).await.map_err(|e| match e.kind() {
                kv::UpdateErrorKind::WrongLastRevision => None,
                _ => Some(e.to_string()),
            }),
        };
        match taken {
            Ok(revision) => Ok(Some(revision)),
            Err(None) => Ok(None),
            Err(Some(e)) => Err(e),
        }
    }

    /// Moves the lease on every third of it, until aborted or the slot is lost.
    async fn renew(self, key: String, token: String, revision: Arc<Mutex<u64>>) {
        loop {
            tokio::time::sleep(self.lease / 3).await;
            let current = *revision.lock().unwrap_or_else(|e| e.into_inner());
            match self.store.update(&key, self.value(&token), current).await {
                Ok(next) => *revision.lock().unwrap_or_else(|e| e.into_inner()) = next,
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    tracing::warn!(slot = %key, "a host slot held past its lease was taken by another worker");
                    return;
                }
                Err(e) => tracing::debug!(slot = %key, error = %e, "a host slot's lease not renewed; trying again"),
            }
        }
    }

    /// Frees a slot held here (unless another worker took it over after its lease ran out).
    pub async fn free(&self, mut held: Held) {
        held.renewal.abort();
        let _ = (&mut held.renewal).await;
        let known = *held.revision.lock().unwrap_or_else(|e| e.into_inner());
        if self.store.update(&held.key, Bytes::from_static(FREE.as_bytes()), known).await.is_ok() {
            return;
        }
        // A renewal stored as it was aborted moved the revision on: read it, if it is still ours.
        match self.store.entry(held.key.as_str()).await {
            Ok(Some(e)) if e.value.ends_with(format!(" {}", held.token).as_bytes()) => {
                if let Err(e) = self.store.update(&held.key, Bytes::from_static(FREE.as_bytes()), e.revision).await {
                    tracing::debug!(slot = %held.key, error = %e, "a host slot not freed; its lease frees it");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(slot = %held.key, error = %e, "a host slot not freed; its lease frees it"),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slot_values_and_keys() {
        assert_eq!(super::held_until(b"1700000000000 w-1#3"), 1_700_000_000_000);
        assert_eq!((super::held_until(b"0"), super::held_until(b"junk")), (0, 0));
        assert!(super::slot_key("a.test:80", 1).starts_with("slot.a_test_80."));
        assert!(super::slot_key("a.test:80", 1).ends_with(".1"));
    }
}
