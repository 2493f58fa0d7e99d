//! The saved searches (舆情专题) in sled, as opaque records the `saved` module reads: each
//! definition, when it was last viewed, where its subscription stands, and the mentions the
//! subscription has sent (by id fingerprint, with their publication time, so that old ones can
//! be forgotten). Four trees keyed by the search's name, so that a view from the dashboard and a
//! batch of the daemon never overwrite each other's record; every write is on disk before it
//! returns, and sled writes each key whole, so a crash mid-write loses no other search.

use super::{Store, StoreError, pair_key};

/// The trees of the saved searches.
#[derive(Clone)]
pub(super) struct Trees {
    defs: sled::Tree,
    views: sled::Tree,
    marks: sled::Tree,
    sent: sled::Tree,
}

impl Trees {
    pub(super) fn open(db: &sled::Db) -> Result<Trees, sled::Error> {
        Ok(Trees {
            defs: db.open_tree("saved")?,
            views: db.open_tree("saved_views")?,
            marks: db.open_tree("saved_marks")?,
            sent: db.open_tree("saved_sent")?,
        })
    }
}

/// The key of a sent mention: the search's name, a 0 byte, the id's fingerprint.
fn sent_key(name: &str, id_hash: u64) -> Vec<u8> {
    let mut k = pair_key(name, "");
    k.extend_from_slice(&id_hash.to_be_bytes());
    k
}

impl Store {
    /// Keeps a new saved search under `name`; `false` (and nothing written) when one is kept
    /// under that name already.
    pub fn add_saved(&self, name: &str, record: &[u8]) -> Result<bool, StoreError> {
        let t = &self.saved;
        let added = t.defs.compare_and_swap(name, None as Option<&[u8]>, Some(record))?.is_ok();
        t.defs.flush()?;
        Ok(added)
    }

    /// The saved search `name`, when kept.
    pub fn saved(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.saved.defs.get(name)?.map(|v| v.to_vec()))
    }

    /// Every saved search, in name order.
    pub fn saved_records(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.saved.defs.iter().values().map(|v| Ok(v?.to_vec())).collect()
    }

    /// Forgets the saved search `name` and all it remembers; `false` when there was none. Its
    /// definition goes last: a crash midway leaves it kept, with its subscription starting over.
    pub fn remove_saved(&self, name: &str) -> Result<bool, StoreError> {
        let t = &self.saved;
        t.views.remove(name)?;
        t.marks.remove(name)?;
        let mut batch = sled::Batch::default();
        for k in t.sent.scan_prefix(pair_key(name, "")).keys() {
            batch.remove(k?);
        }
        t.sent.apply_batch(batch)?;
        let removed = t.defs.remove(name)?.is_some();
        self.db.flush()?;
        Ok(removed)
    }

    /// When the saved search `name` was last viewed (its record).
    pub fn saved_view(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.saved.views.get(name)?.map(|v| v.to_vec()))
    }

    pub fn put_saved_view(&self, name: &str, record: &[u8]) -> Result<(), StoreError> {
        self.saved.views.insert(name, record)?;
        self.saved.views.flush()?;
        Ok(())
    }

    /// Where the subscription of `name` stands (its record).
    pub fn saved_mark(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.saved.marks.get(name)?.map(|v| v.to_vec()))
    }

    pub fn put_saved_mark(&self, name: &str, record: &[u8]) -> Result<(), StoreError> {
        self.saved.marks.insert(name, record)?;
        self.saved.marks.flush()?;
        Ok(())
    }

    /// Whether the subscription of `name` has sent the mention with this id fingerprint (and
    /// not forgotten it yet).
    pub fn saved_sent(&self, name: &str, id_hash: u64) -> Result<bool, StoreError> {
        Ok(self.saved.sent.contains_key(sent_key(name, id_hash))?)
    }

    /// Records mentions the subscription of `name` sent — (id fingerprint, published, Unix
    /// seconds) — and forgets those published before `forget_before`; all or none, on disk
    /// before it returns.
    pub fn record_saved_sent(&self, name: &str, sent: &[(u64, i64)], forget_before: i64) -> Result<(), StoreError> {
        let t = &self.saved;
        let mut batch = sled::Batch::default();
        for kv in t.sent.scan_prefix(pair_key(name, "")) {
            let (k, v) = kv?;
            let published = v.as_ref().try_into().map(i64::from_be_bytes).unwrap_or(i64::MIN);
            if published < forget_before {
                batch.remove(k);
            }
        }
        for (id_hash, published) in sent {
            batch.insert(sent_key(name, *id_hash), &published.to_be_bytes());
        }
        t.sent.apply_batch(batch)?;
        t.sent.flush()?;
        Ok(())
    }

    /// How many mentions the subscription of `name` remembers sending.
    pub fn saved_sent_count(&self, name: &str) -> Result<usize, StoreError> {
        Ok(self.saved.sent.scan_prefix(pair_key(name, "")).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_searches_survive_reopening_and_forget_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        {
            let store = Store::open(&path).unwrap();
            assert!(store.add_saved("起火", b"a").unwrap());
            assert!(!store.add_saved("起火", b"b").unwrap(), "a name is kept once");
            assert!(store.add_saved("起火爆炸", b"c").unwrap());
            store.put_saved_view("起火", b"v").unwrap();
            store.record_saved_sent("起火", &[(1, 100), (2, 200)], 0).unwrap();
            store.record_saved_sent("起火爆炸", &[(1, 100)], 0).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.saved("起火").unwrap().as_deref(), Some(&b"a"[..]));
        assert!(store.saved_sent("起火", 2).unwrap() && !store.saved_sent("起火", 3).unwrap());
        // Forgetting by publication time.
        store.record_saved_sent("起火", &[(3, 300)], 150).unwrap();
        assert!(!store.saved_sent("起火", 1).unwrap() && store.saved_sent("起火", 3).unwrap());
        // A name that is the start of another's keeps its own sent mentions only.
        assert!(store.remove_saved("起火").unwrap());
        assert_eq!(store.saved_sent_count("起火").unwrap(), 0);
        assert!(store.saved_sent("起火爆炸", 1).unwrap());
        assert_eq!(store.saved_records().unwrap(), vec![b"c".to_vec()]);
        assert!(store.saved_view("起火").unwrap().is_none());
        assert!(!store.remove_saved("起火").unwrap());
    }
}
