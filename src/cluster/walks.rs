//! Walk state shared by the workers, in one key-value bucket (`walks_bucket`): a seen mark per
//! mention a worker published (`seen.<source>.<id>`, written once the mentions stream stored it,
//! so the indexer will have it), and per listing the reach of its last walk that went to its end
//! (`walk.<source>.<start URL>`). As in the embedded crawl, a listing page whose mentions were
//! all seen ends the walk, but only once a walk of the listing went to its end with at least the
//! definition's reach (its window and page limit), and no page of a later walk failed. Entries not written again for
//! `mentions_max_age_hours` expire with the bucket's age limit: a listing not walked that long
//! walks to its end again. A failure to read or write is logged and the walk goes on: reading
//! again is harmless (the mention ids), only slower.

use async_nats::jetstream::kv;
use futures_util::future::join_all;

use super::limits::key;
use crate::store::Reach;

/// The seen marks and walk reaches of every worker.
pub struct Walks {
    store: kv::Store,
}

fn seen_key(source: &str, id: &str) -> String {
    key("seen", &format!("{source}\u{0}{id}"))
}

fn walk_key(source: &str, start: &str) -> String {
    key("walk", &format!("{source}\u{0}{start}"))
}

impl Walks {
    pub fn new(store: kv::Store) -> Self {
        Walks { store }
    }

    /// Whether every one of `ids` (none: no) was seen, and a walk of the listing went to its
    /// end with at least `reach`: then the walk ends at this page.
    pub async fn ends_here(&self, source: &str, start: &str, reach: Reach, ids: &[&str]) -> bool {
        if ids.is_empty() || !self.completed(source, start, reach).await {
            return false;
        }
        let marks = join_all(ids.iter().map(|id| self.store.get(seen_key(source, id)))).await;
        marks.into_iter().all(|m| matches!(m, Ok(Some(_))))
    }

    async fn completed(&self, source: &str, start: &str, reach: Reach) -> bool {
        match self.store.get(walk_key(source, start)).await {
            Ok(Some(v)) => serde_json::from_slice::<Reach>(&v)
                .is_ok_and(|c| c.window_days >= reach.window_days && c.max_pages >= reach.max_pages),
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(source, error = %e, "the shared walk state could not be read; the walk goes on");
                false
            }
        }
    }

    /// Marks `ids` seen (after the mentions stream stored them).
    pub async fn mark_seen(&self, source: &str, ids: &[&str]) {
        let puts = join_all(ids.iter().map(|id| self.store.put(seen_key(source, id), "1".into()))).await;
        if let Some(Err(e)) = puts.into_iter().find(Result::is_err) {
            tracing::warn!(source, error = %e, "seen marks not all kept; the next walk reads those pages again");
        }
    }

    /// A page of the listing could not be read, so its walk was cut there: the next walk goes
    /// to its end again (the embedded crawl resumes at the cut page; a worker has no walk to
    /// resume, the walk is the chain of jobs).
    pub async fn cut(&self, source: &str, start: &str) {
        if let Err(e) = self.store.put(walk_key(source, start), "cut".into()).await {
            tracing::warn!(source, error = %e, "a cut walk not recorded; its next walk may end at seen pages");
        }
    }

    /// A walk of the listing went to its end with `reach`.
    pub async fn completed_with(&self, source: &str, start: &str, reach: Reach) {
        let value = serde_json::to_vec(&reach).expect("a reach serializes");
        if let Err(e) = self.store.put(walk_key(source, start), value.into()).await {
            tracing::warn!(source, error = %e, "the walk's end not kept; the next walk goes to its end again");
        }
    }
}
