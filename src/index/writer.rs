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
use tantivy::schema::Term;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use super::clusters::Clusters;
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
    id: String,
    text_hash: u64,
    simhash: Option<u64>,
    doc: TantivyDocument,
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
        let f = self.fields;
        let sentiment = self.analyzer.score(&m.text, &mut self.ws, false);
        let text_hash = fingerprint(&self.ws.doc.text);
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &m.id);
        doc.add_text(f.source, &m.source);
        doc.add_text(f.kind, m.kind.name());
        doc.add_text(f.url, &m.url);
        doc.add_text(f.author, &m.author);
        let title = crate::text::normalize(&m.title);
        let mut watches = self.watches.matches(&self.ws.doc.text);
        for w in self.watches.matches(&title) {
            if !watches.contains(&w) {
                watches.push(w);
            }
        }
        for w in watches {
            doc.add_text(f.watches, w);
        }
        if !title.is_empty() {
            doc.add_text(f.title, &title);
        }
        doc.add_text(f.text, &self.ws.doc.text);
        doc.add_text(f.body, &self.ws.doc.text);
        doc.add_text(f.label, sentiment.label.name());
        doc.add_f64(f.score, f64::from(sentiment.score));
        for r in &sentiment.risks {
            doc.add_text(f.risks, r.category.name());
        }
        doc.add_date(f.published, DateTime::from_timestamp_micros(m.published_at.as_microsecond()));
        doc.add_u64(f.likes, m.likes);
        doc.add_u64(f.reposts, m.reposts);
        doc.add_u64(f.replies, m.replies);
        doc.add_u64(f.text_hash, text_hash);
        self.analyzer.text.hand_over(&self.ws.doc);
        let simhash = crate::text::simhash::simhash(&self.ws.doc);
        if let Some(fp) = simhash {
            doc.add_u64(f.simhash, fp);
        }
        Prepared { id: m.id, text_hash, simhash, doc }
    }
}

/// Adds mentions to one index; call [`MentionWriter::commit`] to make them durable and visible.
pub struct MentionWriter {
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    preparer: Preparer,
    batch_ids: FxHashSet<String>,
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
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        let clusters = Clusters::load(&searcher)?;
        let texts = text_hashes(&searcher)?;
        Ok(MentionWriter {
            writer,
            reader,
            clusters,
            fields,
            preparer: Preparer::new(fields, analyzer, watches),
            batch_ids: FxHashSet::default(),
            texts,
        })
    }

    /// Scores, tags and adds `m` unless it is a duplicate.
    pub fn add(&mut self, mut m: Mention) -> Result<Added, IndexError> {
        m.ensure_id();
        if self.has_id(&m.id)? {
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
        let mut ids = FxHashSet::default();
        for (i, mut m) in mentions.into_iter().enumerate() {
            m.ensure_id();
            if !self.has_id(&m.id)? && ids.insert(m.id.clone()) {
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

    /// Whether a mention with this id is in the index or the uncommitted batch.
    pub fn has_id(&self, id: &str) -> Result<bool, IndexError> {
        let term = Term::from_field_text(self.fields.id, id);
        Ok(self.batch_ids.contains(id) || self.reader.searcher().doc_freq(&term)? > 0)
    }

    /// Adds a prepared mention unless it is a duplicate, assigning its duplicate cluster.
    pub fn admit(&mut self, p: Prepared) -> Result<Added, IndexError> {
        if self.has_id(&p.id)? {
            return Ok(Added::DuplicateId);
        }
        if self.texts.contains(&p.text_hash) {
            return Ok(Added::ExactCopy);
        }
        let mut doc = p.doc;
        doc.add_u64(self.fields.cluster, self.clusters.assign(p.simhash, p.text_hash));
        self.writer.add_document(doc)?;
        self.batch_ids.insert(p.id);
        self.texts.insert(p.text_hash);
        Ok(Added::New)
    }

    /// Commits what was added; after it returns, the mentions survive a crash.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        self.reader.reload()?;
        self.batch_ids.clear();
        Ok(())
    }
}

/// The text fingerprints of every mention in the committed index.
fn text_hashes(searcher: &tantivy::Searcher) -> Result<FxHashSet<u64>, IndexError> {
    let mut texts = FxHashSet::default();
    texts.reserve(searcher.num_docs() as usize);
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().u64("text_hash")?;
        texts.extend(segment.doc_ids_alive().filter_map(|doc| column.first(doc)));
    }
    Ok(texts)
}

fn fingerprint(text: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(text.as_bytes());
    h.finish()
}
