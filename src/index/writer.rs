//! Writing mentions: the text pipeline and scorer run once per mention, watches are tagged, and
//! duplicates are left out, whether already committed or earlier in the same batch.
//!
//! The normalized text goes to tantivy as text, and the registered tokenizer segments it again
//! on tantivy's indexing threads. Handing over the scorer's tokens instead (PreTokenizedString)
//! measured 20% slower: tantivy 0.27 sends pre-tokenized values through its indexing channel as
//! JSON, and serializing ~100 tokens a mention costs more than segmenting again in parallel.

use std::hash::Hasher;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use tantivy::{DateTime, Index, IndexWriter, ReloadPolicy};

use super::clusters::Clusters;
use super::document::MentionDoc;
use super::{Fields, IndexError};
use crate::analyzer::Analyzer;
use crate::mention::Mention;
use crate::sentiment::Workspace;
use crate::watch::WatchMatcher;

/// The writer's memory budget unless told otherwise.
pub const fn default_writer_heap_bytes() -> usize {
    200 << 20
}

/// What became of one mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    /// Its id is already in the index (re-ingested, re-crawled).
    DuplicateId,
    /// Another mention with the same normalized text is already in.
    ExactCopy,
}

/// A mention analyzed (normalized, segmented, scored, tagged) into an index document, ready for
/// [`MentionWriter::admit`]. Preparing is the CPU-heavy half and runs on any thread.
pub struct Prepared {
    doc: MentionDoc,
}

/// Runs the text pipeline, the scorer and the watch matcher; one per thread.
pub struct Preparer {
    fields: Fields,
    analyzer: Arc<Analyzer>,
    watches: WatchMatcher,
    ws: Workspace,
}

impl Clone for Preparer {
    /// Shares the analyzer and the matcher; the workspace is the clone's own.
    fn clone(&self) -> Self {
        Preparer::new(self.fields, self.analyzer.clone(), self.watches.clone())
    }
}

impl Preparer {
    pub fn new(fields: Fields, analyzer: Arc<Analyzer>, watches: WatchMatcher) -> Self {
        Preparer { fields, analyzer, watches, ws: Workspace::default() }
    }

    /// Whether `m`'s title or text speaks of a watch.
    pub fn matches_a_watch(&self, m: &Mention) -> bool {
        [&m.title, &m.text].iter().any(|t| !self.watches.matches(&crate::text::normalize(t)).is_empty())
    }

    /// Scores and tags `m` and builds its document (all but the duplicate cluster).
    pub fn prepare(&mut self, mut m: Mention) -> Prepared {
        m.ensure_id();
        let sentiment = self.analyzer.score(&m.text, &mut self.ws, false);
        let text: Arc<str> = Arc::from(self.ws.doc.text.as_str());
        let title = crate::text::normalize(&m.title);
        let mut watches = self.watches.matching(&text);
        for w in self.watches.matching(&title) {
            if !watches.contains(&w) {
                watches.push(w);
            }
        }
        let simhash = crate::text::simhash::simhash(&self.ws.doc);
        self.analyzer.text.hand_over(text.clone(), self.ws.doc.tokens.clone());
        let doc = MentionDoc {
            fields: self.fields,
            id_hash: id_fingerprint(&m.id),
            id: m.id,
            source: m.source,
            kind: m.kind.name(),
            url: m.url,
            author: m.author,
            title,
            text_hash: fingerprint(&text),
            text,
            watches,
            label: sentiment.label.name(),
            score: f64::from(sentiment.score),
            risks: sentiment.risks.iter().map(|r| r.category.name()).collect(),
            published: DateTime::from_timestamp_micros(m.published_at.as_microsecond()),
            likes: m.likes,
            reposts: m.reposts,
            replies: m.replies,
            cluster: 0,
            simhash,
        };
        Prepared { doc }
    }
}

/// Adds mentions to one index; call [`MentionWriter::commit`] to make them durable and visible.
pub struct MentionWriter {
    writer: IndexWriter<MentionDoc>,
    preparer: Preparer,
    /// The id fingerprint of every mention in the index, committed or not.
    ids: FxHashSet<u64>,
    /// The fingerprint of every text in the index, committed or not (8 bytes and a little
    /// more a mention; a term per mention in the index made every segment's dictionary and
    /// merge twice as big).
    texts: FxHashSet<u64>,
    clusters: Clusters,
}

impl MentionWriter {
    pub fn new(
        index: &Index,
        fields: Fields,
        analyzer: Arc<Analyzer>,
        watches: WatchMatcher,
        heap_bytes: usize,
    ) -> Result<Self, IndexError> {
        let writer = index.writer(heap_bytes)?;
        let searcher = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?.searcher();
        let clusters = Clusters::load(&searcher)?;
        Ok(MentionWriter {
            writer,
            clusters,
            preparer: Preparer::new(fields, analyzer, watches),
            ids: column_set(&searcher, "id_hash")?,
            texts: column_set(&searcher, "text_hash")?,
        })
    }

    /// Scores, tags and adds `m` unless it is a duplicate.
    pub fn add(&mut self, mut m: Mention) -> Result<Added, IndexError> {
        m.ensure_id();
        if self.has_id(&m.id) {
            return Ok(Added::DuplicateId);
        }
        let prepared = self.preparer.prepare(m);
        self.admit(prepared)
    }

    /// Adds a batch: duplicates by id are left out first, the rest are prepared on every core
    /// (rayon) and admitted in order. One result per mention, in order.
    pub fn add_batch(&mut self, mentions: Vec<Mention>) -> Result<Vec<Added>, IndexError> {
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
        let preparer = self.preparer.clone();
        let prepared: Vec<(usize, Prepared)> =
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

    /// Adds a prepared mention unless it is a duplicate, assigning its duplicate cluster.
    pub fn admit(&mut self, p: Prepared) -> Result<Added, IndexError> {
        let mut doc = p.doc;
        let duplicate = if self.ids.contains(&doc.id_hash) {
            Some(Added::DuplicateId)
        } else if self.texts.contains(&doc.text_hash) {
            Some(Added::ExactCopy)
        } else {
            None
        };
        if let Some(duplicate) = duplicate {
            self.preparer.analyzer.text.withdraw(&doc.text);
            return Ok(duplicate);
        }
        doc.cluster = self.clusters.assign(doc.simhash, doc.text_hash);
        let (id, text) = (doc.id_hash, doc.text_hash);
        self.writer.add_document(doc)?;
        self.ids.insert(id);
        self.texts.insert(text);
        Ok(Added::New)
    }

    /// Commits what was added; after it returns, the mentions survive a crash.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        Ok(())
    }
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

fn fingerprint(text: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// A mention id's fingerprint: 64 bits of a good hash (among a million mentions, the chance that
/// two ids share one is about 3 in 100 million).
fn id_fingerprint(id: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6964).hash_one(id)
}
