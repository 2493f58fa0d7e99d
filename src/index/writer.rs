//! Writing mentions: one `IndexWriter` per index that admits prepared mentions
//! ([`PreparedMention`], from the analysis stage), leaves out a mention whose id it holds
//! (re-crawled, re-imported), whether committed or earlier in the same batch, assigns duplicate
//! groups, and commits when told. Every copy of a text is a mention of its own: 50 accounts
//! posting one text are 50 mentions in every count, in one group.
//!
//! The normalized text goes to tantivy as text; the registered tokenizer takes back the
//! segmentation the analysis stage handed over (`TextPipeline::hand_over`), so a text is
//! segmented once.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::{Index, IndexWriter, ReloadPolicy};

use super::clusters::Clusters;
use super::document::MentionDoc;
use super::{Fields, IndexError};
use crate::analysis::{PreparedMention, Preparer};
use crate::mention::{Mention, id_fingerprint};
use crate::text::TextPipeline;

/// The writer's memory budget unless told otherwise.
pub const fn default_writer_heap_bytes() -> usize {
    200 << 20
}

/// What became of one mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Indexed, its text new.
    New,
    /// Indexed, in the group of an earlier mention with the same normalized text.
    Copy,
    /// Not indexed: its id is already in the index (re-ingested, re-crawled).
    DuplicateId,
}

impl Added {
    /// Whether the mention went into the index.
    pub fn indexed(self) -> bool {
        self != Added::DuplicateId
    }
}

/// Adds mentions to one index; call [`MentionWriter::commit`] to make them durable and visible.
pub struct MentionWriter {
    writer: IndexWriter<MentionDoc>,
    fields: Fields,
    /// Takes back the segmentations of mentions that are not indexed after all.
    text: Arc<TextPipeline>,
    /// The id fingerprint of every mention in the index, committed or not.
    ids: FxHashSet<u64>,
    /// The group of every text in the index, committed or not, by the text's fingerprint (16
    /// bytes and a little more a distinct text; a term per mention in the index made every
    /// segment's dictionary and merge twice as big).
    texts: FxHashMap<u64, u64>,
    clusters: Clusters,
}

impl MentionWriter {
    pub fn new(index: &Index, fields: Fields, text: Arc<TextPipeline>, heap_bytes: usize) -> Result<Self, IndexError> {
        let writer = index.writer(heap_bytes).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => locked(index),
            e => IndexError::Engine(e),
        })?;
        let searcher = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?.searcher();
        let clusters = Clusters::load(&searcher)?;
        Ok(MentionWriter {
            writer,
            fields,
            text,
            clusters,
            ids: column_set(&searcher, "id_hash")?,
            texts: text_groups(&searcher)?,
        })
    }

    /// Adds a batch: duplicates by id are left out first, the rest are prepared on every core
    /// (rayon, each thread with its own clone of `preparer`) and admitted in order. One result
    /// per mention, in order.
    pub fn add_batch(&mut self, mentions: Vec<Mention>, preparer: &Preparer) -> Result<Vec<Added>, IndexError> {
        use rayon::prelude::*;
        let mut results = vec![Added::DuplicateId; mentions.len()];
        let mut todo = Vec::with_capacity(mentions.len());
        let mut batch = FxHashSet::default();
        for (i, mut m) in mentions.into_iter().enumerate() {
            m.ensure_id();
            let id = id_fingerprint(&m.id);
            if !self.ids.contains(&id) && batch.insert(id) {
                todo.push((i, m));
            }
        }
        let prepared: Vec<(usize, PreparedMention)> =
            todo.into_par_iter().map_init(|| preparer.clone(), |p, (i, m)| (i, p.prepare(m))).collect();
        for (i, p) in prepared {
            results[i] = self.admit(p)?;
        }
        Ok(results)
    }

    /// Whether a mention with this id is in the index, committed or not.
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.contains(&id_fingerprint(id))
    }

    /// Adds a prepared mention unless its id is in the index, assigning its duplicate group: an
    /// identical text's, else a near-duplicate's, else its own.
    pub fn admit(&mut self, m: PreparedMention) -> Result<Added, IndexError> {
        if self.ids.contains(&m.id_hash) {
            self.text.withdraw(&m.text);
            return Ok(Added::DuplicateId);
        }
        let (added, cluster) = match self.texts.get(&m.text_hash) {
            Some(&group) => (Added::Copy, group),
            None => (Added::New, self.clusters.assign(m.simhash, m.text_hash)),
        };
        let (id, text) = (m.id_hash, m.text_hash);
        let aspects = m.aspects.iter().map(|(a, l)| format!("{a}:{}", l.name())).collect();
        self.writer.add_document(MentionDoc { fields: self.fields, m, cluster, aspects })?;
        self.ids.insert(id);
        self.texts.insert(text, cluster);
        Ok(added)
    }

    /// Commits what was added; after it returns, the mentions survive a crash.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        Ok(())
    }
}

/// The error for an index whose writer lock another process holds.
fn locked(index: &Index) -> IndexError {
    // tantivy keeps no path on the index; its directory's debug form holds the root path, quoted.
    let dir = format!("{:?}", index.directory());
    let path = dir.split('"').nth(1).unwrap_or("the data directory's index").to_string();
    let holder = std::path::Path::new(&path).parent().and_then(crate::data_dir::holder);
    IndexError::Locked { path, holder: holder.unwrap_or_else(|| "which, it did not say".into()) }
}

/// The group of every text in the committed index, by the text's fingerprint.
fn text_groups(searcher: &tantivy::Searcher) -> Result<FxHashMap<u64, u64>, IndexError> {
    let mut map = FxHashMap::default();
    for segment in searcher.segment_readers() {
        let (texts, groups) = (segment.fast_fields().u64("text_hash")?, segment.fast_fields().u64("cluster")?);
        for doc in segment.doc_ids_alive() {
            if let (Some(t), Some(g)) = (texts.first(doc), groups.first(doc)) {
                map.entry(t).or_insert(g);
            }
        }
    }
    Ok(map)
}

/// The values of a fingerprint column over every mention in the committed index.
fn column_set(searcher: &tantivy::Searcher, column: &str) -> Result<FxHashSet<u64>, IndexError> {
    let mut set = FxHashSet::default();
    set.reserve(searcher.num_docs() as usize);
    for segment in searcher.segment_readers() {
        let values = segment.fast_fields().u64(column)?;
        set.extend(segment.doc_ids_alive().filter_map(|doc| values.first(doc)));
    }
    Ok(set)
}
