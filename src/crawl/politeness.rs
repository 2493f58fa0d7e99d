//! Per-host politeness: a least delay between two requests to one host, a cap on requests in
//! flight to it, and pauses that a 429 or 503 with Retry-After imposes on every request to it.
//! With [`SharedLimits`] (the cluster's workers) each also holds across processes: a request
//! takes the local gate first, then one of the host's shared slots and its shared turn.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::SharedLimits;

/// The gate of one host.
pub struct HostGate {
    slots: Arc<Semaphore>,
    next: Mutex<Instant>,
    /// When this process's last request to the host started (with shared limits, requests
    /// leave the local gate long before they start).
    started: Mutex<Option<Instant>>,
    delay: Duration,
}

impl HostGate {
    fn new(delay: Duration, concurrency: usize) -> Self {
        let (slots, next) = (Arc::new(Semaphore::new(concurrency)), Mutex::new(Instant::now()));
        HostGate { slots, next, started: Mutex::new(None), delay }
    }

    /// Waits until `delay` has passed since this process's last request to the host started,
    /// and marks this one's start. Behind a shared turn it waits for nothing; when the shared
    /// gate fails (NATS away), it keeps this process's own requests apart at their start, not
    /// only at the local gate's entry.
    async fn start(&self) {
        loop {
            let wait = {
                let mut started = self.started.lock().expect("host gate lock");
                let now = Instant::now();
                match *started {
                    Some(last) if last + self.delay > now => Some(last + self.delay),
                    _ => {
                        *started = Some(now);
                        None
                    }
                }
            };
            match wait {
                None => return,
                Some(t) => tokio::time::sleep_until(t).await,
            }
        }
    }

    /// Waits for a free slot and for the host's next allowed start; hold the permit while fetching.
    pub async fn enter(&self) -> OwnedSemaphorePermit {
        let permit = self.slots.clone().acquire_owned().await.expect("host gates are never closed");
        loop {
            let wait = {
                let mut next = self.next.lock().expect("host gate lock");
                let now = Instant::now();
                if *next <= now {
                    *next = now + self.delay;
                    None
                } else {
                    Some(*next)
                }
            };
            match wait {
                None => return permit,
                Some(t) => tokio::time::sleep_until(t).await,
            }
        }
    }

    /// No request to this host starts before `until`.
    pub fn pause_until(&self, until: Instant) {
        let mut next = self.next.lock().expect("host gate lock");
        if *next < until {
            *next = until;
        }
    }
}

/// One of a host's slots shared by every process ([`SharedLimits::slot`]), held until
/// [`SharedSlot::release`]; dropped unreleased (a cancelled fetch), it is released in the
/// background. An empty one holds nothing (no sharing, or the sharing failed).
#[must_use]
pub struct SharedSlot {
    release: Option<BoxFuture<'static, ()>>,
}

impl SharedSlot {
    /// Holds nothing.
    pub fn empty() -> Self {
        SharedSlot { release: None }
    }

    /// Held until `release` has run.
    pub fn held(release: BoxFuture<'static, ()>) -> Self {
        SharedSlot { release: Some(release) }
    }

    /// Gives the slot back to the other processes.
    pub async fn release(mut self) {
        if let Some(f) = self.release.take() {
            f.await;
        }
    }
}

impl Drop for SharedSlot {
    fn drop(&mut self) {
        if let (Some(f), Ok(rt)) = (self.release.take(), tokio::runtime::Handle::try_current()) {
            rt.spawn(f);
        }
    }
}

/// A request's hold on its host: the local permit and, shared, a slot of the host.
pub struct Entered {
    _permit: OwnedSemaphorePermit,
    slot: Option<SharedSlot>,
}

impl Entered {
    /// The request is over: its shared slot first, then the local permit, are given back.
    pub async fn leave(self) {
        let Entered { _permit, slot } = self;
        if let Some(slot) = slot {
            slot.release().await;
        }
    }
}

/// Waits for the host's local gate, then for a slot of the host and its turn among every
/// process sharing `shared`.
pub async fn enter(
    gate: &HostGate,
    shared: Option<&dyn SharedLimits>,
    host: &str,
    delay: Duration,
    concurrency: usize,
) -> Entered {
    let permit = gate.enter().await;
    let slot = match shared {
        Some(s) => {
            let slot = s.slot(host, concurrency).await;
            s.turn(host, delay).await;
            gate.start().await;
            Some(slot)
        }
        None => None,
    };
    Entered { _permit: permit, slot }
}

/// No request to the host starts for `wait`, here and (shared) in every other process.
pub async fn pause(gate: &HostGate, shared: Option<&dyn SharedLimits>, host: &str, wait: Duration) {
    gate.pause_until(Instant::now() + wait);
    if let Some(s) = shared {
        s.pause(host, wait).await;
    }
}

/// The gates of every host seen; a host's limits are set by the first source that reaches it.
#[derive(Default)]
pub struct Gates {
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
}

impl Gates {
    pub fn get(&self, host: &str, delay: Duration, concurrency: usize) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().expect("gates lock");
        hosts.entry(host.to_string()).or_insert_with(|| Arc::new(HostGate::new(delay, concurrency))).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_a_host_are_spaced_and_paused() {
        let gates = Gates::default();
        let gate = gates.get("a.test", Duration::from_millis(500), 4);
        let start = Instant::now();
        for _ in 0..3 {
            drop(gate.enter().await);
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        gate.pause_until(Instant::now() + Duration::from_secs(30));
        drop(gate.enter().await);
        assert_eq!(start.elapsed(), Duration::from_millis(31_000));
        // Another host is not slowed down.
        let other = gates.get("b.test", Duration::from_millis(500), 4);
        let t = Instant::now();
        drop(other.enter().await);
        assert_eq!(t.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_is_capped() {
        let gate = Gates::default().get("a.test", Duration::ZERO, 2);
        let a = gate.enter().await;
        let _b = gate.enter().await;
        assert!(tokio::time::timeout(Duration::from_secs(1), gate.enter()).await.is_err());
        drop(a);
        assert!(tokio::time::timeout(Duration::from_secs(1), gate.enter()).await.is_ok());
    }
}
