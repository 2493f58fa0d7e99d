//! A search's matches as keys — each mention's id fingerprint and publication time, read from
//! fast columns without loading a document — and the hits of the chosen few: what a saved
//! search's subscription needs to tell the mentions it has not sent yet from those it has.

use jiff::Timestamp;
use tantivy::collector::Count;
use tantivy::columnar::Column;
use tantivy::{DateTime, DocAddress, Searcher};

use super::{SearchHit, SearchRequest, add_parent_titles, checked_request, hit, ranked, snippet_generator};
use crate::index::{Fields, IndexError};

/// One matching mention, as a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchKey {
    pub address: DocAddress,
    /// The fingerprint of its id (stable across commits and merges, unlike the address).
    pub id_hash: u64,
    pub published: Timestamp,
}

/// Every mention `request` matches (its limit and offset ignored), in its order, as keys.
pub fn match_keys(searcher: &Searcher, fields: Fields, request: &SearchRequest) -> Result<Vec<MatchKey>, IndexError> {
    let query = checked_request(searcher, fields, &SearchRequest { limit: 1, offset: 0, ..request.clone() })?;
    let total = searcher.search(&*query, &Count)?;
    let (_, addresses) = ranked(searcher, &*query, request.sort, total.max(1), 0)?;
    let mut columns: Vec<Option<(Column<u64>, Column<DateTime>)>> = vec![None; searcher.segment_readers().len()];
    let mut keys = Vec::with_capacity(addresses.len());
    for a in addresses {
        let slot = &mut columns[a.segment_ord as usize];
        if slot.is_none() {
            let fast = searcher.segment_reader(a.segment_ord).fast_fields();
            *slot = Some((fast.u64("id_hash")?, fast.date("published")?));
        }
        let (ids, times) = slot.as_ref().expect("just filled");
        let published = times.first(a.doc_id).map(|t| t.into_timestamp_micros()).unwrap_or_default();
        keys.push(MatchKey {
            address: a,
            id_hash: ids.first(a.doc_id).unwrap_or_default(),
            published: Timestamp::from_microsecond(published).unwrap_or(Timestamp::UNIX_EPOCH),
        });
    }
    Ok(keys)
}

/// The hits at `addresses` (keys of `request`'s matches), with `request`'s highlights.
pub fn hits_at(
    searcher: &Searcher,
    fields: Fields,
    request: &SearchRequest,
    addresses: &[DocAddress],
) -> Result<Vec<SearchHit>, IndexError> {
    let query = checked_request(searcher, fields, &SearchRequest { limit: 1, offset: 0, ..request.clone() })?;
    let snippets = snippet_generator(searcher, fields, &*query)?;
    let mut hits = addresses.iter().map(|a| hit(searcher, fields, &snippets, *a)).collect::<Result<Vec<_>, _>>()?;
    add_parent_titles(searcher, fields, &mut hits)?;
    Ok(hits)
}
