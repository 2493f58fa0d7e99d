//! Everything yuqing must remember across restarts, in sled: the mentions each source has
//! seen, each listing's walk (where an interrupted one resumes, how far the last complete one
//! reached), HTTP validators (ETag, Last-Modified), robots.txt files, the alerts raised with
//! their deliveries, the incidents and what rule alerts have seen (as opaque records the `alert`
//! and `incident` modules read), and the saved searches with what their subscriptions sent
//! ([`saved`]). Every sled call lives here, so the engine stays replaceable.
//!
//! Crawl state changes are gathered in a [`StateUpdate`] and applied only after the index commit
//! that holds the mentions they speak of (DESIGN.md's invariant): a crash before it loses nothing
//! (the pages are fetched again) and a crash after the commit but before the update indexes nothing
//! twice (the index refuses ids it already holds).

mod saved;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// sled's page cache; its default of 1 GiB is far more than crawl state needs.
const CACHE_BYTES: u64 = 64 << 20;

/// How long opening waits for a lock that a just-closed store may still hold: sled releases it
/// from its flusher thread, shortly after the last handle is dropped.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What can go wrong with the crawl state.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the crawl state at {path}: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error(
        "the crawl state at {path} is in use by another yuqing ({holder}); only one process can hold a data \
         directory: stop it first, or use its dashboard (`yuqing run --serve ADDR` serves the same pages and API)"
    )]
    Locked { path: PathBuf, holder: String },
    #[error("crawl state: {0}")]
    Db(#[from] sled::Error),
}

/// HTTP validators of a page, sent back as If-None-Match / If-Modified-Since.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// Where a walk through a listing stopped: the next page to fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumePoint {
    pub url: String,
    /// The page number, for page-numbered listings.
    pub page: u64,
}

/// What the crawl remembers of one listing (a source's start URL).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WalkState {
    /// A walk under way (or cut short): the page it must come back to.
    #[serde(default)]
    pub resume: Option<ResumePoint>,
    /// The reach of the last walk that went to its end: until then, and after the definition
    /// reaches further, meeting what was seen before does not end a walk.
    #[serde(default)]
    pub completed: Option<Reach>,
}

/// How far a walk was allowed to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub window_days: u32,
    pub max_pages: u32,
}

/// A change to a listing's [`WalkState`].
#[derive(Debug, Clone, PartialEq)]
pub enum WalkChange {
    /// The walk is at this page (it is read again after a crash).
    At(ResumePoint),
    /// The walk went to its end with this reach (or, `None`, ended at pages it had seen); a
    /// thread keeps its last page, where the next walk goes on (new replies come at the end).
    Done { reach: Option<Reach>, last: Option<ResumePoint> },
}

/// Crawl state changes to apply once the mentions they cover are committed.
#[derive(Debug, Default)]
pub struct StateUpdate {
    /// (source, mention id) pairs now in the index.
    pub seen: Vec<(String, String)>,
    /// Validators of pages whose mentions are all in the index.
    pub validators: Vec<(String, Validators)>,
    /// (source, start URL, how the listing's walk moved on).
    pub walks: Vec<(String, String, WalkChange)>,
}

impl StateUpdate {
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty() && self.validators.is_empty() && self.walks.is_empty()
    }

    pub fn append(&mut self, other: StateUpdate) {
        self.seen.extend(other.seen);
        self.validators.extend(other.validators);
        self.walks.extend(other.walks);
    }
}

/// The crawl state database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    seen: sled::Tree,
    validators: sled::Tree,
    walks: sled::Tree,
    robots: sled::Tree,
    alerts: sled::Tree,
    incidents: sled::Tree,
    rule_marks: sled::Tree,
    saved: saved::Trees,
}

fn pair_key(a: &str, b: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(a.len() + b.len() + 1);
    k.extend_from_slice(a.as_bytes());
    k.push(0);
    k.extend_from_slice(b.as_bytes());
    k
}

/// Whether sled refused to open because another handle holds the directory's lock (sled 0.34
/// reports it only in the message).
fn is_locked(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

impl Store {
    /// Opens (or creates) the state in `path`; waits up to [`LOCK_WAIT`] for its lock.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open = |source: sled::Error| {
            if is_locked(&source) {
                let holder = path.parent().and_then(crate::data_dir::holder);
                return StoreError::Locked {
                    path: path.into(),
                    holder: holder.unwrap_or_else(|| "which, it did not say".into()),
                };
            }
            StoreError::Open { path: path.into(), source }
        };
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        let db = loop {
            match sled::Config::new().path(path).cache_capacity(CACHE_BYTES).open() {
                Err(e) if is_locked(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                r => break r.map_err(open)?,
            }
        };
        Ok(Store {
            seen: db.open_tree("seen")?,
            validators: db.open_tree("validators")?,
            walks: db.open_tree("walks")?,
            robots: db.open_tree("robots")?,
            alerts: db.open_tree("alerts")?,
            incidents: db.open_tree("incidents")?,
            rule_marks: db.open_tree("rule_marks")?,
            saved: saved::Trees::open(&db)?,
            db,
        })
    }

    /// The state in `data`, for a command that reads it while no daemon runs: `Ok(None)` when
    /// no state was ever written there; the error says when another yuqing holds it.
    pub fn open_existing(data: &crate::data_dir::DataDir) -> Result<Option<Store>, StoreError> {
        if !data.state().exists() {
            return Ok(None);
        }
        Store::open(&data.state()).map(Some)
    }

    /// Runs `f` on a blocking thread: sled reads and writes (and `flush`, which waits for the
    /// disk) must not hold up the async threads that fetch and serve.
    pub async fn blocking<T, F>(&self, f: F) -> T
    where
        F: FnOnce(&Store) -> T + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(t) => t,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a crawl-state task was cancelled: {e}"),
        }
    }

    /// Whether `source` has a committed mention `id`.
    pub fn is_seen(&self, source: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self.seen.contains_key(pair_key(source, id))?)
    }

    pub fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        Ok(self.validators.get(url)?.and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// What the crawl remembers of a listing (nothing yet: the default).
    pub fn walk_state(&self, source: &str, start: &str) -> Result<WalkState, StoreError> {
        Ok(self.walks.get(pair_key(source, start))?.and_then(|v| serde_json::from_slice(&v).ok()).unwrap_or_default())
    }

    /// A cached robots.txt: when it was fetched (Unix seconds) and its body.
    pub fn robots(&self, origin: &str) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        Ok(self.robots.get(origin)?.filter(|v| v.len() >= 8).map(|v| {
            let (at, body) = v.split_at(8);
            (i64::from_be_bytes(at.try_into().unwrap_or_default()), body.to_vec())
        }))
    }

    pub fn set_robots(&self, origin: &str, fetched_at: i64, body: &[u8]) -> Result<(), StoreError> {
        let mut v = fetched_at.to_be_bytes().to_vec();
        v.extend_from_slice(body);
        self.robots.insert(origin, v)?;
        Ok(())
    }

    /// Whether an alert record is kept under `key`.
    pub fn has_alert(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.alerts.contains_key(key)?)
    }

    /// Keeps (or replaces) the alert record under `key`, on disk before it returns.
    pub fn put_alert(&self, key: &str, record: &[u8]) -> Result<(), StoreError> {
        self.alerts.insert(key, record)?;
        self.alerts.flush()?;
        Ok(())
    }

    /// Every alert record, in key order.
    pub fn alert_records(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.alerts.iter().values().map(|v| Ok(v?.to_vec())).collect()
    }

    /// Keeps (or replaces) incident `id`, on disk before it returns.
    pub fn put_incident(&self, id: u64, record: &[u8]) -> Result<(), StoreError> {
        self.incidents.insert(id.to_be_bytes(), record)?;
        self.incidents.flush()?;
        Ok(())
    }

    /// Incident `id`, when kept.
    pub fn incident(&self, id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.incidents.get(id.to_be_bytes())?.map(|v| v.to_vec()))
    }

    /// Every incident record, oldest id first.
    pub fn incident_records(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.incidents.iter().values().map(|v| Ok(v?.to_vec())).collect()
    }

    /// The highest incident id kept (0 when none).
    pub fn last_incident_id(&self) -> Result<u64, StoreError> {
        Ok(self.incidents.last()?.and_then(|(k, _)| Some(u64::from_be_bytes(k.as_ref().try_into().ok()?))).unwrap_or(0))
    }

    /// What a rule alert remembers under `key` (a mention it has seen, when it last fired).
    pub fn rule_mark(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.rule_marks.get(key)?.map(|v| v.to_vec()))
    }

    /// Keeps rule marks, all or none, on disk before it returns.
    pub fn put_rule_marks(&self, marks: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (k, v) in marks {
            batch.insert(k.as_bytes(), v.as_slice());
        }
        self.rule_marks.apply_batch(batch)?;
        self.rule_marks.flush()?;
        Ok(())
    }

    /// Applies `update` and flushes it to disk.
    pub fn apply(&self, update: StateUpdate) -> Result<(), StoreError> {
        let mut seen = sled::Batch::default();
        for (source, id) in &update.seen {
            seen.insert(pair_key(source, id), &[]);
        }
        self.seen.apply_batch(seen)?;
        for (url, v) in &update.validators {
            if v.is_empty() {
                self.validators.remove(url.as_str())?;
            } else {
                self.validators.insert(url.as_str(), serde_json::to_vec(v).expect("validators serialize"))?;
            }
        }
        for (source, start, change) in &update.walks {
            let key = pair_key(source, start);
            let mut state: WalkState =
                self.walks.get(&key)?.and_then(|v| serde_json::from_slice(&v).ok()).unwrap_or_default();
            match change {
                WalkChange::At(point) => state.resume = Some(point.clone()),
                WalkChange::Done { reach, last } => {
                    state.resume = last.clone();
                    if reach.is_some() {
                        state.completed = *reach;
                    }
                }
            }
            self.walks.insert(key, serde_json::to_vec(&state).expect("walk states serialize"))?;
        }
        self.db.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        {
            let store = Store::open(&path).unwrap();
            let mut u = StateUpdate::default();
            u.seen.push(("jd".into(), "jd:1".into()));
            u.validators.push(("http://x/1".into(), Validators { etag: Some("\"a\"".into()), last_modified: None }));
            u.walks.push((
                "jd".into(),
                "http://x/".into(),
                WalkChange::At(ResumePoint { url: "http://x/?p=3".into(), page: 3 }),
            ));
            store.apply(u).unwrap();
            store.set_robots("http://x", 42, b"User-agent: *").unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert!(store.is_seen("jd", "jd:1").unwrap());
        assert!(!store.is_seen("weibo", "jd:1").unwrap());
        assert_eq!(store.validators("http://x/1").unwrap().unwrap().etag.as_deref(), Some("\"a\""));
        assert_eq!(store.walk_state("jd", "http://x/").unwrap().resume.unwrap().page, 3);
        assert_eq!(store.robots("http://x").unwrap().unwrap(), (42, b"User-agent: *".to_vec()));
        let mut u = StateUpdate::default();
        let reach = Reach { window_days: 7, max_pages: 50 };
        u.walks.push(("jd".into(), "http://x/".into(), WalkChange::Done { reach: Some(reach), last: None }));
        store.apply(u).unwrap();
        let state = store.walk_state("jd", "http://x/").unwrap();
        assert_eq!((state.resume, state.completed), (None, Some(reach)));
        // An incremental walk ending at seen pages keeps the reach of the last complete one.
        let mut u = StateUpdate::default();
        u.walks.push(("jd".into(), "http://x/".into(), WalkChange::At(ResumePoint { url: "u".into(), page: 2 })));
        u.walks.push(("jd".into(), "http://x/".into(), WalkChange::Done { reach: None, last: None }));
        store.apply(u).unwrap();
        assert_eq!(store.walk_state("jd", "http://x/").unwrap(), WalkState { resume: None, completed: Some(reach) });
    }

    #[test]
    fn a_locked_state_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let _first = Store::open(&path).unwrap();
        let err = Store::open(&path).err().expect("second open fails").to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}
