//! The one index writer of a crawl, on its own thread: prepared mentions arrive over a bounded
//! channel (back-pressure on the fetchers), are admitted (duplicates left out), committed every
//! `commit_every` mentions, when a source's crawl ends (a flush) and at the end, and only after
//! each commit is the crawl state that covers them applied (DESIGN.md's invariant).

use std::collections::HashMap;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::CrawlError;
use crate::index::{Added, MentionWriter, Prepared};
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
    pub mentions: Vec<Prepared>,
    pub update: StateUpdate,
}

/// What the writer did with one source's mentions.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub new: u64,
    pub duplicates: u64,
}

type Tallies = HashMap<String, Tally>;

/// Starts the writer thread; it commits a last time and ends when every sender is dropped.
pub fn spawn(
    mut writer: MentionWriter,
    store: Store,
    commit_every: usize,
) -> (mpsc::Sender<Msg>, JoinHandle<Result<(), CrawlError>>) {
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL_BATCHES);
    let handle = std::thread::Builder::new()
        .name("yuqing-index-writer".into())
        .spawn(move || {
            let mut tallies = Tallies::new();
            let mut pending = StateUpdate::default();
            let mut uncommitted = 0usize;
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
                        let _ = reply.send(tallies.remove(&source).unwrap_or_default());
                        continue;
                    }
                };
                let tally = tallies.entry(batch.source).or_default();
                for p in batch.mentions {
                    match writer.admit(p)? {
                        Added::New => {
                            tally.new += 1;
                            uncommitted += 1;
                        }
                        Added::DuplicateId | Added::ExactCopy => tally.duplicates += 1,
                    }
                }
                pending.append(batch.update);
                if uncommitted >= commit_every {
                    commit(&mut writer, &mut pending)?;
                    uncommitted = 0;
                }
            }
            commit(&mut writer, &mut pending)?;
            Ok(())
        })
        .expect("spawning the index writer thread");
    (tx, handle)
}
