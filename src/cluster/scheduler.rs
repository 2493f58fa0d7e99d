//! The scheduler role: while it holds the lease, it publishes each source's listing jobs now and
//! then at every time of the source's schedule (a time missed while another scheduler held the
//! lease, or while this one could not reach NATS, is not made up: the next one comes). A tick's
//! jobs are published with their ids, and the tick advances only once the server stored them
//! all; a failed round is tried again on the next renewal.

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::watch;

use super::lease::Lease;
use super::{Cluster, ClusterError, Job};
use crate::source::Source;
use crate::time::Clock;
use crate::watch::Watch;

/// What a scheduler needs.
pub struct Scheduler {
    pub cluster: Cluster,
    pub sources: Vec<Arc<Source>>,
    pub watches: Vec<Watch>,
    pub clock: Clock,
    /// Its name in the lease.
    pub name: String,
}

/// Each source's next tick while the lease is held.
struct Due {
    source: Arc<Source>,
    next: Option<Timestamp>,
}

impl Scheduler {
    /// Runs until `shutdown`; returns how many jobs it published. The lease is given up at the end.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<u64, ClusterError> {
        if self.sources.is_empty() {
            return Err(ClusterError::NoSources);
        }
        self.cluster.jobs().await?;
        let lease_kv = self.cluster.bucket(&self.cluster.config.lease_bucket, self.cluster.config.lease).await?;
        let mut lease = Lease::new(lease_kv, &self.name);
        let renew = Lease::renew_every(self.cluster.config.lease);
        let mut due: Vec<Due> = Vec::new();
        let mut published = 0u64;
        tracing::info!(name = %self.name, sources = self.sources.len(), "scheduler started; waiting for the lease");
        loop {
            if *shutdown.borrow() {
                break;
            }
            if lease.hold().await {
                if due.is_empty() {
                    // Just taken: every source now, then on its schedule.
                    let now = self.clock.now();
                    due = self.sources.iter().map(|s| Due { source: s.clone(), next: Some(now) }).collect();
                }
                published += self.publish_due(&mut due).await;
            }
            // A lease lost and taken again (a NATS restart) goes on with the same schedule.
            let now = self.clock.now();
            let soonest = due.iter().filter_map(|d| d.next).min().map(|t| t.duration_since(now));
            let wait = soonest
                .map(|d| std::time::Duration::try_from(d).unwrap_or_default().min(renew))
                .unwrap_or(renew)
                .max(std::time::Duration::from_millis(50));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|stop| *stop) => break,
            }
        }
        lease.release().await;
        tracing::info!(published, "scheduler stopped");
        Ok(published)
    }

    /// Publishes the jobs of every source whose tick has come; returns how many.
    async fn publish_due(&self, due: &mut [Due]) -> u64 {
        let now = self.clock.now();
        let mut count = 0;
        for d in due.iter_mut() {
            let Some(tick) = d.next.filter(|t| *t <= now) else { continue };
            match self.publish_tick(&d.source, tick).await {
                Ok(n) => {
                    count += n;
                    d.next = d.source.schedule.next_after(now);
                    tracing::info!(source = %d.source.name, jobs = n, tick = %tick, "crawl jobs published");
                }
                Err(e) => {
                    tracing::error!(source = %d.source.name, error = %e, "crawl jobs not published; trying again")
                }
            }
        }
        count
    }

    async fn publish_tick(&self, source: &Source, tick: Timestamp) -> Result<u64, ClusterError> {
        let jobs = Job::starts(source, &self.watches, tick.as_second())
            .map_err(|reason| ClusterError::Publish { what: format!("the jobs of {}", source.name), reason })?;
        let subject = &self.cluster.config.jobs_subject;
        let mut acks = Vec::with_capacity(jobs.len());
        for job in &jobs {
            let body = serde_json::to_vec(job).expect("a job serializes");
            acks.push(self.cluster.publish(subject, &job.id(), body.into()).await?);
        }
        for ack in acks {
            ack.await.map_err(|e| ClusterError::Publish {
                what: format!("a job of {}", source.name),
                reason: e.to_string(),
            })?;
        }
        Ok(jobs.len() as u64)
    }
}
