//! Rule alerts (规则预警): what a PR lead knows matters at once, whatever the statistics say. A
//! `[[rule]]` fires on the first mention of a watch that has one of its sensitive terms
//! (起火, 爆炸, 12315 …), optionally only from accounts above a follower count, posts above an
//! engagement, named accounts (a watch-list of media and opinion leaders) or named sources. A
//! rule reads the mentions published in the last 24 hours; each mention is judged once (the
//! state remembers it), and after firing the rule stays quiet for its cooldown (its matches
//! still join the incident through its terms).

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tantivy::Searcher;

use super::Scope;
use crate::index::Fields;
use crate::index::search::{SearchHit, SearchRequest, Sort, search};
use crate::setting::Invalid;
use crate::store::{Store, StoreError};
use crate::watch::Watch;

/// How far back a rule reads: older posts that arrive late are not news of the first hour.
pub const LOOKBACK_HOURS: i64 = 24;
/// The most matches a rule reads per judgement.
const MAX_MATCHES: usize = 500;

/// One `[[rule]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Its name in alerts and incidents.
    pub name: String,
    /// The watches it applies to (default: every watch).
    #[serde(default)]
    pub watches: Vec<String>,
    /// Sensitive terms: a mention with any of them matches (phrases as the search reads them).
    #[serde(default)]
    pub terms: Vec<String>,
    /// Only posts from accounts with at least this many followers…
    pub min_followers: Option<u64>,
    /// …or (when both are given, either suffices) with at least this much engagement.
    pub min_engagement: Option<u64>,
    /// Only posts by these accounts (as the sites name them).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Only posts from these sources (definition names).
    #[serde(default)]
    pub sources: Vec<String>,
    /// After firing, the rule stays quiet this long.
    #[serde(default = "default_cooldown_minutes")]
    pub cooldown_minutes: i64,
}

const fn default_cooldown_minutes() -> i64 {
    60
}

/// Checks every `[[rule]]`: a name, something to match, known watches, no two of one name.
pub fn validate_rules(rules: &[RuleConfig], watches: &[String]) -> Result<(), Invalid> {
    let mut names: Vec<&str> = Vec::new();
    for (n, r) in rules.iter().enumerate() {
        let field = format!("rule[{n}]");
        let invalid = |reason: String| Invalid::new(field.clone(), reason);
        if r.name.trim().is_empty() || names.contains(&r.name.as_str()) {
            return Err(invalid(format!("name {:?} must be given and unique", r.name)));
        }
        if r.terms.iter().all(|t| t.trim().is_empty()) && r.accounts.is_empty() && r.sources.is_empty() {
            return Err(invalid(format!("{}: give terms, accounts or sources to match", r.name)));
        }
        if let Some(w) = r.watches.iter().find(|w| !watches.contains(w)) {
            return Err(invalid(format!("{}: watch {w:?} is not configured", r.name)));
        }
        crate::setting::check_range(&format!("{field}.cooldown_minutes"), r.cooldown_minutes, 0, 7 * 24 * 60)?;
        names.push(&r.name);
    }
    Ok(())
}

impl RuleConfig {
    /// Whether it applies to `watch`.
    pub fn covers(&self, watch: &str) -> bool {
        self.watches.is_empty() || self.watches.iter().any(|w| w == watch)
    }

    /// The scope its terms give an incident.
    pub fn scope(&self, hit: &SearchHit) -> Scope {
        let text = format!("{} {}", hit.title, hit.text);
        Scope {
            terms: self.terms.iter().filter(|t| text.contains(t.as_str())).cloned().collect(),
            risks: Vec::new(),
            clusters: vec![hit.cluster],
        }
    }

    fn admits(&self, h: &SearchHit) -> bool {
        let reach = match (self.min_followers, self.min_engagement) {
            (None, None) => true,
            (f, e) => {
                f.is_some_and(|f| h.author_followers.unwrap_or(0) >= f)
                    || e.is_some_and(|e| h.likes + h.reposts + h.replies >= e)
            }
        };
        reach
            && (self.accounts.is_empty() || self.accounts.contains(&h.author))
            && (self.sources.is_empty() || self.sources.contains(&h.source))
    }
}

fn mark_key(rule: &str, watch: &str, mention: &str) -> String {
    format!("{rule}\u{0}{watch}\u{0}{mention}")
}

/// What a rule found: the mention that fires it, if any, and the marks to keep once the alert has
/// gone out (every match judged, and the firing time), so that a crash before sending loses no
/// alert.
#[derive(Debug, Default)]
pub struct Fired {
    pub hit: Option<SearchHit>,
    pub marks: Vec<(String, Vec<u8>)>,
}

/// What `rule` finds for `watch` at `now`: the earliest match not judged before fires it when the
/// rule is out of its cooldown.
pub fn fire(
    searcher: &Searcher,
    f: Fields,
    store: &Store,
    rule: &RuleConfig,
    watch: &Watch,
    now: Timestamp,
) -> Result<Fired, StoreError> {
    let terms: Vec<String> = rule.terms.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    let request = SearchRequest {
        watch: Some(watch.name.clone()),
        since: Some(now - SignedDuration::from_hours(LOOKBACK_HOURS)),
        scope: (!terms.is_empty()).then(|| Scope { terms, ..Scope::default() }),
        sort: Sort::Earliest,
        limit: MAX_MATCHES,
        ..SearchRequest::default()
    };
    let hits = match search(searcher, f, &request) {
        Ok(r) => r.hits,
        Err(e) => {
            tracing::warn!(rule = %rule.name, error = %e, "a rule's search failed; it is judged again next time");
            return Ok(Fired::default());
        }
    };
    let mut marks = Vec::new();
    let mut fired = None;
    let last_key = mark_key(&rule.name, &watch.name, "");
    let last = store.rule_mark(&last_key)?.and_then(|v| Some(i64::from_be_bytes(v.as_slice().try_into().ok()?)));
    let cooling = last.is_some_and(|t| now.as_second() < t + rule.cooldown_minutes * 60);
    for h in hits.into_iter().filter(|h| rule.admits(h)) {
        let key = mark_key(&rule.name, &watch.name, &h.id);
        if store.rule_mark(&key)?.is_some() {
            continue;
        }
        marks.push((key, Vec::new()));
        if fired.is_none() && !cooling {
            fired = Some(h);
        }
    }
    if fired.is_some() {
        marks.push((last_key, now.as_second().to_be_bytes().to_vec()));
    }
    Ok(Fired { hit: fired, marks })
}
