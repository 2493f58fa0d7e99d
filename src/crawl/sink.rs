//! The one index writer of a crawl, on its own thread: prepared mentions arrive over a bounded
//! channel (back-pressure on the fetchers), are admitted (duplicates left out), committed every
//! `commit_every` mentions or once the oldest has waited `commit_secs`, when a source's crawl ends (a flush) and at the end, and only after
//! each commit is the crawl state that covers them applied (DESIGN.md's invariant).

use std::collections::HashMap;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::CrawlError;
use crate::analysis::PreparedMention;
use crate::index::{Added, MentionWriter};
use crate::store::{StateUpdate, Store};

/// Batches waiting for the writer before fetchers have to wait.
const CHANNEL_BATCHES: usize = 64;

/// What the writer thread is told.
pub enum Msg {
    Batch(Batch),
    /// Commit now, then answer with what was done with this source's mentions since its last flush.
    Flush(String, tokio::sync::oneshot::Sender<Tally>),
}

/// Mentions of one page and the state to record once they are committed.
pub struct Batch {
    pub source: String,
    pub mentions: Vec<PreparedMention>,
    pub update: StateUpdate,
}

/// What the writer did with one source's mentions.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Indexed (copies of an earlier text included).
    pub new: u64,
    /// Of `new`, copies of an earlier text.
    pub copies: u64,
    /// Not indexed: the index held their ids.
    pub duplicates: u64,
}

type Tallies = HashMap<String, Tally>;

/// Starts the writer thread; it commits a last time and ends when every sender is dropped.
pub fn spawn(
    mut writer: MentionWriter,
    store: Store,
    commit_every: usize,
    commit_after: std::time::Duration,
) -> (mpsc::Sender<Msg>, JoinHandle<Result<(), CrawlError>>) {
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL_BATCHES);
    let handle = std::thread::Builder::new()
        .name("yuqing-index-writer".into())
        .spawn(move || {
            let mut tallies = Tallies::new();
            let mut pending = StateUpdate::default();
            let mut uncommitted = 0usize;
            // When the oldest uncommitted mention arrived.
            let mut waiting_since: Option<std::time::Instant> = None;
            let commit = |writer: &mut MentionWriter, pending: &mut StateUpdate| -> Result<(), CrawlError> {
                writer.commit()?;
                store.apply(std::mem::take(pending))?;
                Ok(())
            };
            while let Some(msg) = rx.blocking_recv() {
                let batch = match msg {
                    Msg::Batch(b) => b,
                    Msg::Flush(source, reply) => {
                        commit(&mut writer, &mut pending)?;
                        uncommitted = 0;
                        waiting_since = None;
                        let _ = reply.send(tallies.remove(&source).unwrap_or_default());
                        continue;
                    }
                };
                let tally = tallies.entry(batch.source).or_default();
                for p in batch.mentions {
                    let added = writer.admit(p)?;
                    if added.indexed() {
                        tally.new += 1;
                        tally.copies += u64::from(added == Added::Copy);
                        uncommitted += 1;
                        waiting_since.get_or_insert_with(std::time::Instant::now);
                    } else {
                        tally.duplicates += 1;
                    }
                }
                pending.append(batch.update);
                if uncommitted >= commit_every || waiting_since.is_some_and(|t| t.elapsed() >= commit_after) {
                    commit(&mut writer, &mut pending)?;
                    uncommitted = 0;
                    waiting_since = None;
                }
            }
            commit(&mut writer, &mut pending)?;
            Ok(())
        })
        .expect("spawning the index writer thread");
    (tx, handle)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::analysis::{Analyzer, Preparer};
    use crate::mention::Mention;
    use crate::watch::WatchMatcher;

    fn batch(preparer: &mut Preparer, id: &str, text: &str) -> Batch {
        let m: Mention =
            serde_json::from_value(serde_json::json!({"id": id, "text": text, "published_at": "2026-11-20 10:00"}))
                .unwrap();
        Batch { source: "s".into(), mentions: vec![preparer.prepare(m)], update: StateUpdate::default() }
    }

    #[test]
    fn mentions_that_waited_long_enough_are_committed_before_the_crawl_ends() {
        let dir = tempfile::tempdir().unwrap();
        let analyzer = Arc::new(Analyzer::load(&Default::default(), &Default::default()).unwrap());
        let (index, f) = crate::index::open_or_create(&dir.path().join("index"), analyzer.text.clone()).unwrap();
        let matcher = WatchMatcher::new(Vec::new());
        let writer = MentionWriter::new(&index, f, analyzer.text.clone(), 20_000_000).unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let mut preparer = Preparer::new(analyzer, matcher);
        let committed = || index.reader().unwrap().searcher().num_docs();
        // A commit per 1,000 mentions, or once the oldest has waited 50 ms.
        let (tx, thread) = spawn(writer, store, 1000, Duration::from_millis(50));
        tx.blocking_send(Msg::Batch(batch(&mut preparer, "s:1", "华为手机拍照很清晰"))).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        tx.blocking_send(Msg::Batch(batch(&mut preparer, "s:2", "小米手机续航很给力"))).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(committed(), 0, "neither the count nor the wait is reached yet");
        tx.blocking_send(Msg::Batch(batch(&mut preparer, "s:3", "客服态度很好，物流也快"))).unwrap();
        let start = std::time::Instant::now();
        while committed() < 3 {
            assert!(start.elapsed() < Duration::from_secs(5), "the waiting mentions were not committed");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(tx);
        thread.join().unwrap().unwrap();
    }
}
