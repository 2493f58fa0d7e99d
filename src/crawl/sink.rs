//! The one index writer of a crawl, on its own thread: prepared mentions arrive over a bounded
//! channel (back-pressure on the fetchers), are admitted (duplicates left out), committed every
//! `commit_every` mentions and at the end, and only after each commit is the crawl state that
//! covers them applied (DESIGN.md's invariant).

use std::collections::HashMap;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::CrawlError;
use crate::index::{Added, MentionWriter, Prepared};
use crate::store::{StateUpdate, Store};

/// Batches waiting for the writer before fetchers have to wait.
const CHANNEL_BATCHES: usize = 64;

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

pub type Tallies = HashMap<String, Tally>;

/// Starts the writer thread.
pub fn spawn(
    mut writer: MentionWriter,
    store: Store,
    commit_every: usize,
) -> (mpsc::Sender<Batch>, JoinHandle<Result<Tallies, CrawlError>>) {
    let (tx, mut rx) = mpsc::channel::<Batch>(CHANNEL_BATCHES);
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
            while let Some(batch) = rx.blocking_recv() {
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
            Ok(tallies)
        })
        .expect("spawning the index writer thread");
    (tx, handle)
}
