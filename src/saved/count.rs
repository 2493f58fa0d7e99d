//! How many mentions a saved search matches, and how many of them arrived since it was last
//! viewed — whatever their publication time: a viewing remembers how many matches were then
//! published before it (in the window the search had then, a relative `since` resolved), so
//! that a late find (a slow source, a backfill) published before the viewing counts as new too.
//! The index only grows, so the new ones are those published after the viewing and the growth
//! of that earlier window. Never viewed: every match is new.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tantivy::Searcher;
use tantivy::collector::Count;

use crate::index::search::{SearchRequest, checked_request};
use crate::index::{Fields, IndexError};

/// A viewing of a saved search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewed {
    pub at: Timestamp,
    /// The window of publication times it looked at before `at`.
    pub since: Option<Timestamp>,
    pub until: Timestamp,
    /// Its matches in that window then.
    pub before: u64,
}

/// A saved search's matches now: all of them, and those new since it was last viewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub total: u64,
    pub new: u64,
}

/// The matches of `request` published in `[since, until)` (none when the window is empty).
fn window(
    searcher: &Searcher,
    fields: Fields,
    request: &SearchRequest,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<u64, IndexError> {
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Ok(0);
    }
    let r = SearchRequest { since, until, limit: 1, offset: 0, ..request.clone() };
    Ok(searcher.search(&*checked_request(searcher, fields, &r)?, &Count)? as u64)
}

/// A viewing of `request` at `at`.
pub fn viewed(
    searcher: &Searcher,
    fields: Fields,
    request: &SearchRequest,
    at: Timestamp,
) -> Result<Viewed, IndexError> {
    let until = request.until.map_or(at, |u| u.min(at));
    let before = window(searcher, fields, request, request.since, Some(until))?;
    Ok(Viewed { at, since: request.since, until, before })
}

/// The matches of `request` now, and how many are new since `viewed`.
pub fn counts(
    searcher: &Searcher,
    fields: Fields,
    request: &SearchRequest,
    viewed: Option<&Viewed>,
) -> Result<Counts, IndexError> {
    let total = window(searcher, fields, request, request.since, request.until)?;
    let Some(v) = viewed else { return Ok(Counts { total, new: total }) };
    let after = window(searcher, fields, request, Some(request.since.map_or(v.at, |s| s.max(v.at))), request.until)?;
    let late = window(searcher, fields, request, v.since, Some(v.until))?.saturating_sub(v.before);
    Ok(Counts { total, new: after + late })
}
