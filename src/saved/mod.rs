//! Saved searches (舆情专题): a name and the search page's query string (`q`, `watch`,
//! `sentiment`, `kind`, `source`, `risk`, `since`/`until` — a relative `7天前` stays relative —,
//! `sort`, …), kept in the state; how many mentions each matches, and how many arrived since it
//! was last viewed ([`count`]); optionally a subscription — a channel and an interval — whose
//! batches of new matches the daemon sends ([`batch`]).
//!
//! The query string is read by the dashboard's own parameter parser (the `serve` module's, one
//! parser for the page, the API, the CLI and the daemon): the caller hands it in as a
//! [`Resolver`], since this module sits below the dashboard.

pub mod batch;
pub mod count;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::index::search::SearchRequest;
use crate::store::{Store, StoreError};
use crate::watch::Watch;

/// Reads a saved query string into the search it asks for, or the error naming the parameter.
pub type Resolver = fn(&str, &[Watch]) -> Result<SearchRequest, String>;

/// The parameters a saved search keeps: the search's, not the page's (`offset`, `limit`, the
/// CSV's `headers`, an `incident`, a `token` are left out).
pub const KEPT: [&str; 15] = [
    "q",
    "watch",
    "source",
    "kind",
    "sentiment",
    "risk",
    "emotion",
    "aspect",
    "since",
    "until",
    "sort",
    "collapse",
    "thread",
    "author",
    "cluster",
];

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 40;
/// The longest interval of a subscription: a week.
pub const MAX_EVERY_MINUTES: u32 = 7 * 24 * 60;

/// A saved search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub name: String,
    /// The search page's query string, its kept parameters only (`q=起火&sentiment=negative`).
    pub query: String,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Subscription>,
}

/// Where and how often new matches are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// A configured channel's name.
    pub channel: String,
    pub every_minutes: u32,
}

/// Why a saved search cannot be kept, found or read.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// Bad input, said in Chinese and naming the field (`名称（name）…`, `sentiment：…`).
    #[error("{0}")]
    Invalid(String),
    #[error("已有名为 {0:?} 的专题：换一个名称，或先删除它")]
    Exists(String),
    #[error("没有名为 {0:?} 的专题")]
    NotFound(String),
    #[error("专题 {0:?} 的记录无法读取（{1}）")]
    Unreadable(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
}

/// The query string with only the kept parameters, empty values dropped, in the order given.
pub fn kept_query(raw: &str) -> String {
    let pairs = url::form_urlencoded::parse(raw.trim_start_matches('?').as_bytes())
        .filter(|(k, v)| KEPT.contains(&k.as_ref()) && !v.trim().is_empty());
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// A name that may be kept: 1 to [`MAX_NAME_CHARS`] characters, no control characters.
pub fn check_name(name: &str) -> Result<String, SavedError> {
    let name = name.trim();
    let bad = |why: &str| Err(SavedError::Invalid(format!("名称（name）{why}")));
    if name.is_empty() {
        return bad("不能为空");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return bad(&format!("最长 {MAX_NAME_CHARS} 个字"));
    }
    if name.chars().any(char::is_control) {
        return bad("不能含控制字符");
    }
    Ok(name.to_string())
}

/// A subscription that may be kept: its channel one of `channels`, its interval 1 minute to a week.
pub fn check_subscription(channel: &str, every: &str, channels: &[String]) -> Result<Option<Subscription>, SavedError> {
    let (channel, every) = (channel.trim(), every.trim());
    if channel.is_empty() {
        return Ok(None);
    }
    if !channels.iter().any(|c| c == channel) {
        let known =
            if channels.is_empty() { "配置中还没有 [[channel]]".to_string() } else { channels.join("、") };
        return Err(SavedError::Invalid(format!("推送渠道（channel）：没有名为 {channel:?} 的渠道，已配置：{known}")));
    }
    let every_minutes = every.parse::<u32>().ok().filter(|m| (1..=MAX_EVERY_MINUTES).contains(m)).ok_or_else(|| {
        SavedError::Invalid(format!("推送间隔（every）：{every:?} 不是 1 到 {MAX_EVERY_MINUTES} 之间的分钟数"))
    })?;
    Ok(Some(Subscription { channel: channel.to_string(), every_minutes }))
}

impl SavedSearch {
    /// A saved search from what a form or the command line gives, every field checked: its
    /// name, its query (the page's query string, read by `resolve` over `watches`), its
    /// subscription (`channel` one of `channels`, or empty for none; `every` in minutes).
    pub fn new(
        name: &str,
        query: &str,
        (channel, every): (&str, &str),
        channels: &[String],
        (resolve, watches): (Resolver, &[Watch]),
    ) -> Result<(SavedSearch, SearchRequest), SavedError> {
        let name = check_name(name)?;
        let query = kept_query(query);
        let request = resolve(&query, watches).map_err(SavedError::Invalid)?;
        let subscription = check_subscription(channel, every, channels)?;
        Ok((SavedSearch { name, query, created_at: Timestamp::now(), subscription }, request))
    }
}

/// The saved searches in the state.
#[derive(Clone)]
pub struct SavedBook {
    store: Store,
}

impl SavedBook {
    pub fn new(store: Store) -> Self {
        SavedBook { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Keeps `saved` once its name is free and its query reads (`resolve` over `watches`).
    pub fn add(&self, saved: &SavedSearch, resolve: Resolver, watches: &[Watch]) -> Result<(), SavedError> {
        resolve(&saved.query, watches).map_err(SavedError::Invalid)?;
        let bytes = serde_json::to_vec(saved).expect("saved searches serialize");
        if !self.store.add_saved(&saved.name, &bytes)? {
            return Err(SavedError::Exists(saved.name.clone()));
        }
        Ok(())
    }

    /// The saved search `name`.
    pub fn get(&self, name: &str) -> Result<SavedSearch, SavedError> {
        let bytes = self.store.saved(name)?.ok_or_else(|| SavedError::NotFound(name.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| SavedError::Unreadable(name.to_string(), e.to_string()))
    }

    /// Every saved search, by name; unreadable records are skipped with a warning.
    pub fn list(&self) -> Result<Vec<SavedSearch>, SavedError> {
        Ok(self
            .store
            .saved_records()?
            .iter()
            .filter_map(|b| match serde_json::from_slice::<SavedSearch>(b) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "a saved search's record cannot be read; skipped");
                    None
                }
            })
            .collect())
    }

    /// Forgets `name`, its views and what its subscription sent.
    pub fn remove(&self, name: &str) -> Result<(), SavedError> {
        if !self.store.remove_saved(name)? {
            return Err(SavedError::NotFound(name.to_string()));
        }
        Ok(())
    }

    fn read<T: for<'de> Deserialize<'de>>(bytes: Option<Vec<u8>>) -> Option<T> {
        bytes.and_then(|b| serde_json::from_slice(&b).ok())
    }

    /// When `name` was last viewed, and what it matched then.
    pub fn view(&self, name: &str) -> Result<Option<count::Viewed>, SavedError> {
        Ok(Self::read(self.store.saved_view(name)?))
    }

    pub fn put_view(&self, name: &str, viewed: &count::Viewed) -> Result<(), SavedError> {
        Ok(self.store.put_saved_view(name, &serde_json::to_vec(viewed).expect("views serialize"))?)
    }

    /// Where `name`'s subscription stands.
    pub fn mark(&self, name: &str) -> Result<Option<batch::Mark>, SavedError> {
        Ok(Self::read(self.store.saved_mark(name)?))
    }

    pub fn put_mark(&self, name: &str, mark: &batch::Mark) -> Result<(), SavedError> {
        Ok(self.store.put_saved_mark(name, &serde_json::to_vec(mark).expect("marks serialize"))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_keeps_the_search_and_drops_the_page() {
        let q = kept_query(
            "?q=%E8%B5%B7%E7%81%AB&offset=50&limit=10&sentiment=negative&watch=&since=7%E5%A4%A9%E5%89%8D&token=x",
        );
        assert_eq!(q, "q=%E8%B5%B7%E7%81%AB&sentiment=negative&since=7%E5%A4%A9%E5%89%8D");
    }

    #[test]
    fn names_and_subscriptions_are_checked_in_chinese() {
        assert!(check_name("  ").unwrap_err().to_string().contains("名称（name）不能为空"));
        assert_eq!(check_name(" 电池起火 ").unwrap(), "电池起火");
        assert!(check_name("a\0b").is_err());
        assert!(check_name(&"长".repeat(41)).is_err());
        let channels = vec!["webhook".to_string()];
        assert_eq!(check_subscription("", "x", &channels).unwrap(), None);
        let e = check_subscription("slack", "60", &channels).unwrap_err().to_string();
        assert!(e.contains("推送渠道（channel）") && e.contains("webhook"), "{e}");
        assert!(check_subscription("webhook", "0", &channels).unwrap_err().to_string().contains("推送间隔（every）"));
        let s = check_subscription("webhook", "60", &channels).unwrap().unwrap();
        assert_eq!(s.every_minutes, 60);
    }
}
