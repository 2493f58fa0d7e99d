//! Query parameters of the pages and the API, read into the library's requests; a bad value
//! is refused with its name.

use jiff::Timestamp;
use serde::Deserialize;

use crate::digest::{Period, iso_week, last_week};
use crate::index::search::{SearchRequest, Sort};
use crate::time::{Interval, parse_time};
use crate::watch::Watch;

/// Most results a page returns.
pub const MAX_LIMIT: usize = crate::index::search::MAX_LIMIT;
/// The deepest page.
pub const MAX_OFFSET: usize = crate::index::search::MAX_OFFSET;

/// `?q=…&watch=…` as the search form sends it (empty fields are absent).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub watch: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub sentiment: Option<String>,
    pub risk: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub sort: Option<String>,
    pub collapse: Option<String>,
    pub limit: Option<String>,
    /// Results skipped before the page (paging).
    pub offset: Option<String>,
    /// `en` for CSV with English headers and names, for programs (the default is for people).
    pub headers: Option<String>,
    /// A thread's id: the question (or post) and its answers (or comments).
    pub thread: Option<String>,
    /// An account's mentions only.
    pub author: Option<String>,
    /// A duplicate group's mentions only.
    pub cluster: Option<String>,
    /// An incident's mentions only (its watch, negative, from its start, within its scope).
    pub incident: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn time(name: &str, v: &Option<String>) -> Result<Option<Timestamp>, String> {
    given(v).map(|s| parse_time(&s).map_err(|e| format!("{name}: {e}"))).transpose()
}

/// A parameter read by its type's `FromStr`, the error naming the parameter.
fn parsed<T: std::str::FromStr<Err = String>>(name: &str, v: &Option<String>) -> Result<Option<T>, String> {
    given(v).map(|s| s.parse().map_err(|e| format!("{name}: {e}"))).transpose()
}

impl SearchParams {
    /// The search asked for; a watch must be one of `watches`, and every value is checked with
    /// its parameter named.
    pub fn request(&self, watches: &[Watch]) -> Result<SearchRequest, String> {
        let sort = parsed::<Sort>("sort", &self.sort)?.unwrap_or_default();
        let watch = given(&self.watch);
        if let Some(w) = &watch {
            crate::watch::find(watches, w).map_err(|e| format!("watch: {e}"))?;
        }
        let offset = match given(&self.offset) {
            None => 0,
            Some(o) => o
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_OFFSET)
                .ok_or_else(|| format!("offset: {o:?} is not a number from 0 to {MAX_OFFSET}"))?,
        };
        let limit = match given(&self.limit) {
            None => 50,
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| format!("limit: {l:?} is not a number from 1 to {MAX_LIMIT}"))?,
        };
        Ok(SearchRequest {
            query: self.q.clone(),
            watch,
            source: given(&self.source),
            kind: parsed("kind", &self.kind)?,
            sentiment: parsed("sentiment", &self.sentiment)?,
            risk: parsed("risk", &self.risk)?,
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            thread: given(&self.thread),
            sort,
            limit,
            offset,
            collapse: given(&self.collapse).is_some_and(|c| c != "0" && c != "false"),
            author: given(&self.author),
            cluster: number("cluster", &self.cluster)?,
            min_followers: None,
            scope: None,
        })
    }

    /// The incident asked for, by its number.
    pub fn incident(&self) -> Result<Option<u64>, String> {
        number("incident", &self.incident)
    }
}

/// A whole number parameter, the error naming it.
fn number(name: &str, v: &Option<String>) -> Result<Option<u64>, String> {
    given(v).map(|s| s.parse::<u64>().map_err(|_| format!("{name}: {s:?} is not a whole number"))).transpose()
}

impl SearchParams {
    /// Who the CSV export is for: `headers=en` for programs, else people.
    pub fn csv_headers(&self) -> Result<crate::index::export::CsvHeaders, String> {
        Ok(parsed("headers", &self.headers)?.unwrap_or_default())
    }
}

/// `?watch=…&days=…&interval=…` of the trend view and `/api/stats`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsParams {
    pub watch: Option<String>,
    pub days: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub interval: Option<String>,
}

/// A stats request made concrete: the watch, the period, the interval.
pub struct StatsQuery<'a> {
    pub watch: &'a Watch,
    pub since: Timestamp,
    pub until: Timestamp,
    pub interval: Interval,
    pub days: i64,
}

impl StatsParams {
    pub fn resolve<'a>(&self, watches: &'a [Watch]) -> Result<StatsQuery<'a>, String> {
        let watch = pick_watch(watches, &self.watch)?;
        let days = match given(&self.days) {
            None => 30,
            Some(d) => d
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or(format!("days: {d:?} is not 1 to 3650"))?,
        };
        let until = time("until", &self.until)?.unwrap_or_else(Timestamp::now);
        let since = time("since", &self.since)?.unwrap_or_else(|| until - jiff::SignedDuration::from_hours(24 * days));
        let interval = parsed::<Interval>("interval", &self.interval)?.unwrap_or(Interval::Day);
        crate::index::stats::check_period(since, until, interval).map_err(|e| e.to_string())?;
        Ok(StatsQuery { watch, since, until, interval, days })
    }
}

/// `?watch=…&week=…` of a digest.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DigestParams {
    pub watch: Option<String>,
    pub week: Option<String>,
}

impl DigestParams {
    pub fn resolve<'a>(&self, watches: &'a [Watch]) -> Result<(&'a Watch, Period), String> {
        let watch = pick_watch(watches, &self.watch)?;
        let period = match given(&self.week) {
            None => last_week(Timestamp::now()),
            Some(w) => iso_week(&w)?,
        };
        Ok((watch, period))
    }
}

/// The named watch, or the first when none is named.
fn pick_watch<'a>(watches: &'a [Watch], name: &Option<String>) -> Result<&'a Watch, String> {
    match given(name) {
        None => watches.first().ok_or_else(|| "no [[watch]] is configured".to_string()),
        Some(n) => crate::watch::find(watches, &n).map_err(|e| format!("watch: {e}")),
    }
}
