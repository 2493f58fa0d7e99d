//! The scheduler's lease: one key in a bucket whose entries expire after the lease's length.
//! The holder creates it (only possible when absent or expired) and renews it by
//! compare-and-swap on its revision every third of the length; a holder that dies stops
//! renewing, its entry expires, and another scheduler's next try creates it. A holder whose
//! renewal fails (taken over after a pause, say) knows it is no longer the holder.

use std::time::Duration;

use async_nats::jetstream::kv;

/// The lease's key in its bucket.
pub const LEASE_KEY: &str = "scheduler";

/// One scheduler's hold on the lease.
pub struct Lease {
    kv: kv::Store,
    holder: String,
    revision: Option<u64>,
}

/// Who holds the lease and since when its entry was last renewed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Holder {
    pub name: String,
    /// Seconds since its last renewal.
    pub renewed_secs_ago: f64,
}

impl Lease {
    pub fn new(kv: kv::Store, holder: &str) -> Self {
        Lease { kv, holder: holder.to_string(), revision: None }
    }

    /// Takes the lease when free, or renews it when held; says whether it is held now.
    pub async fn hold(&mut self) -> bool {
        let value = bytes::Bytes::from(self.holder.clone());
        let held = match self.revision {
            Some(rev) => self.kv.update(LEASE_KEY, value, rev).await.map_err(|e| e.to_string()),
            None => self.kv.create(LEASE_KEY, value).await.map_err(|e| e.to_string()),
        };
        match held {
            Ok(rev) => {
                if self.revision.is_none() {
                    tracing::warn!(holder = %self.holder, "took the scheduler lease");
                }
                self.revision = Some(rev);
                true
            }
            Err(e) if self.revision.is_some() => {
                // A renewal whose answer was lost may still have been stored: ask.
                match self.kv.entry(LEASE_KEY).await {
                    Ok(Some(entry))
                        if entry.value == self.holder.as_bytes() && entry.operation == kv::Operation::Put =>
                    {
                        self.revision = Some(entry.revision);
                        true
                    }
                    _ => {
                        tracing::warn!(holder = %self.holder, error = %e, "lost the scheduler lease");
                        self.revision = None;
                        false
                    }
                }
            }
            Err(_) => false,
        }
    }

    /// Gives the lease up (on shutdown), so another scheduler need not wait for it to expire.
    pub async fn release(&mut self) {
        if let Some(rev) = self.revision.take()
            && let Err(e) = self.kv.delete_expect_revision(LEASE_KEY, Some(rev)).await
        {
            tracing::warn!(error = %e, "the scheduler lease was not given up; it expires by itself");
        }
    }

    /// How long to wait before the next [`Lease::hold`].
    pub fn renew_every(length: Duration) -> Duration {
        length / 3
    }
}

/// The lease's holder, if any.
pub async fn holder(kv: &kv::Store) -> Result<Option<Holder>, String> {
    let entry = kv.entry(LEASE_KEY).await.map_err(|e| e.to_string())?;
    Ok(entry.filter(|e| e.operation == kv::Operation::Put).map(|e| {
        let created = e.created.unix_timestamp_nanos() as f64 / 1e9;
        let now = jiff::Timestamp::now().as_nanosecond() as f64 / 1e9;
        Holder { name: String::from_utf8_lossy(&e.value).into_owned(), renewed_secs_ago: (now - created).max(0.0) }
    }))
}
