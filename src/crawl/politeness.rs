//! Per-host politeness: a least delay between two requests to one host, a cap on requests in
//! flight to it, and pauses that a 429 or 503 with Retry-After imposes on every request to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The gate of one host.
pub struct HostGate {
    slots: Arc<Semaphore>,
    next: Mutex<Instant>,
    delay: Duration,
}

impl HostGate {
    fn new(delay: Duration, concurrency: usize) -> Self {
        HostGate { slots: Arc::new(Semaphore::new(concurrency)), next: Mutex::new(Instant::now()), delay }
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
