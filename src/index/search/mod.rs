//! Searching mentions: the query language (boolean, phrases) over title and text, filters on
//! watch, source, kind, sentiment, risk, emotion, aspect, time, thread, author, duplicate group, reach and an
//! event's [`Scope`], sorting, highlighted snippets of the
//! text as written ([`hit`]), and duplicate groups collapsed to one result with their sizes
//! ([`groups`]).

mod filter;
mod groups;
mod hit;
mod keys;

use std::ops::Bound;
use std::sync::Arc;

use jiff::Timestamp;
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, DocAddress, Index, Order, Searcher, TantivyDocument};

pub use filter::AspectFilter;
pub use hit::{GroupSize, SearchHit, TopPost};
pub use keys::{MatchKey, hits_at, match_keys};

use super::{Fields, IndexError};
use crate::mention::{Kind, id_fingerprint};
use crate::sentiment::{Emotion, Label, RiskCategory};
use hit::{SNIPPET_CHARS, hit, shortened};

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Newest first.
    #[default]
    Time,
    /// Best match first (BM25).
    Relevance,
    /// Most engagement (likes + reposts + replies) first.
    Engagement,
    /// Oldest first (where something started).
    Earliest,
}

impl std::str::FromStr for Sort {
    type Err = String;

    fn from_str(s: &str) -> Result<Sort, String> {
        match s.trim() {
            "time" => Ok(Sort::Time),
            "relevance" => Ok(Sort::Relevance),
            "engagement" => Ok(Sort::Engagement),
            "earliest" => Ok(Sort::Earliest),
            other => Err(format!("{other:?} is not time, relevance, engagement or earliest")),
        }
    }
}

/// A search: the query text and its filters.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Query text: words (all must match), `OR`, `-word`, `"a phrase"`; empty for every mention.
    pub query: String,
    pub watch: Option<String>,
    pub source: Option<String>,
    pub kind: Option<Kind>,
    pub sentiment: Option<Label>,
    pub risk: Option<RiskCategory>,
    /// Only mentions whose strongest emotion is this one.
    pub emotion: Option<Emotion>,
    /// Only mentions speaking of this aspect (with this clause label, when it has one).
    pub aspect: Option<AspectFilter>,
    /// Published at or after.
    pub since: Option<Timestamp>,
    /// Published before.
    pub until: Option<Timestamp>,
    /// Only this thread: the mention with this id and those whose parent it is (a question and
    /// its answers, a post and its comments).
    pub thread: Option<String>,
    pub sort: Sort,
    pub limit: usize,
    /// Results to skip first (paging): mentions, or groups with `collapse`.
    pub offset: usize,
    /// Show one mention per duplicate group (the first in sort order), with the group's size.
    pub collapse: bool,
    /// Only mentions within this scope (an incident's): any of its terms, risks or groups.
    pub scope: Option<Scope>,
    /// Only this account's mentions.
    pub author: Option<String>,
    /// Only this duplicate group.
    pub cluster: Option<u64>,
    /// Only mentions from accounts with at least this many followers.
    pub min_followers: Option<u64>,
}

/// What ties mentions to one event: a mention is in the scope when its title or text has one of
/// the terms, or it carries one of the risk categories, or it is in one of the duplicate groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scope {
    pub terms: Vec<String>,
    #[serde(default)]
    pub risks: Vec<RiskCategory>,
    /// Duplicate groups (the `cluster` of their mentions).
    #[serde(default)]
    pub clusters: Vec<u64>,
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.risks.is_empty() && self.clusters.is_empty()
    }

    /// Adds what `other` has and this one lacks (order kept, no repeats).
    pub fn extend(&mut self, other: &Scope) {
        fn add<T: PartialEq + Clone>(to: &mut Vec<T>, from: &[T]) {
            for x in from {
                if !to.contains(x) {
                    to.push(x.clone());
                }
            }
        }
        add(&mut self.terms, &other.terms);
        add(&mut self.risks, &other.risks);
        add(&mut self.clusters, &other.clusters);
    }

    /// The scope as a query: any of its parts (matching nothing when it is empty).
    fn query(&self, index: &Index, f: Fields) -> Box<dyn Query> {
        let parser = QueryParser::for_index(index, vec![f.title, f.text]);
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &self.terms {
            // A term as a phrase: the field's own tokenizer splits it as it split the texts.
            let phrase = format!("\"{}\"", term.replace('"', " "));
            if let Ok(q) = parser.parse_query(&phrase) {
                any.push((Occur::Should, q));
            }
        }
        for risk in &self.risks {
            let term = Term::from_field_text(f.risks, risk.name());
            any.push((Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        for c in &self.clusters {
            let t = Term::from_field_u64(f.cluster, *c);
            any.push((Occur::Should, Box::new(RangeQuery::new(Bound::Included(t.clone()), Bound::Included(t)))));
        }
        Box::new(BooleanQuery::new(any))
    }
}

/// With `collapse`, candidates are read this many times `limit` at a time until `limit` groups
/// are found (a storm of copies takes many candidates).
const COLLAPSE_FETCH: usize = 10;

/// One page of a search's results, and how many mentions match in all.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchResults {
    /// Mentions matching the query and filters (every copy counted), whatever the page.
    pub total: u64,
    /// Results skipped before this page.
    pub offset: usize,
    /// The page's size as asked.
    pub limit: usize,
    pub hits: Vec<SearchHit>,
}

/// The hits of `request` as short posts (evidence in alerts and digests).
pub fn top_posts(searcher: &Searcher, fields: Fields, request: &SearchRequest) -> Result<Vec<TopPost>, IndexError> {
    Ok(search(searcher, fields, request)?.hits.into_iter().map(TopPost::from).collect())
}

/// The most results one search returns.
pub const MAX_LIMIT: usize = 10_000;
/// The deepest page: `offset` at most this (an export reads every match by [`for_each_match`]).
pub const MAX_OFFSET: usize = 1_000_000;

/// Runs `request` against the index as `searcher` sees it: the page of hits it asks for and
/// the total that match.
pub fn search(searcher: &Searcher, fields: Fields, request: &SearchRequest) -> Result<SearchResults, IndexError> {
    let query = checked_request(searcher, fields, request)?;
    let (total, hits) = page(searcher, fields, &*query, request)?;
    Ok(SearchResults { total, offset: request.offset, limit: request.limit, hits })
}

impl SearchResults {
    /// What people read of the page: "共 299 条 · 第 21–40 条" (or "共 0 条").
    pub fn range_zh(&self) -> String {
        if self.hits.is_empty() {
            return format!("共 {} 条", self.total);
        }
        format!("共 {} 条 · 第 {}–{} 条", self.total, self.offset + 1, self.offset + self.hits.len())
    }
}

/// Every mention `request` matches (its limit and offset ignored), in its order, handed to
/// `each` a batch at a time: an export of any size in bounded memory (the matches' addresses,
/// 8 bytes each, and one batch of hits). Returns how many there were.
pub fn for_each_match(
    searcher: &Searcher,
    fields: Fields,
    request: &SearchRequest,
    mut each: impl FnMut(&[SearchHit]) -> Result<(), IndexError>,
) -> Result<u64, IndexError> {
    const BATCH: usize = 500;
    let query = checked_request(searcher, fields, &SearchRequest { limit: 1, offset: 0, ..request.clone() })?;
    let total = searcher.search(&*query, &Count)?;
    let snippets = snippet_generator(searcher, fields, &*query)?;
    let (_, addresses) = ranked(searcher, &*query, request.sort, total.max(1), 0)?;
    for chunk in addresses.chunks(BATCH) {
        let mut hits = chunk.iter().map(|a| hit(searcher, fields, &snippets, *a)).collect::<Result<Vec<_>, _>>()?;
        add_parent_titles(searcher, fields, &mut hits)?;
        each(&hits)?;
    }
    Ok(addresses.len() as u64)
}

fn snippet_generator(searcher: &Searcher, fields: Fields, query: &dyn Query) -> Result<SnippetGenerator, IndexError> {
    let mut snippets = SnippetGenerator::create(searcher, query, fields.text)?;
    snippets.set_max_num_chars(SNIPPET_CHARS);
    Ok(snippets)
}

/// The request's limits checked, and its query built (for counts and aggregations over exactly
/// what a search would find).
pub fn checked_request(
    searcher: &Searcher,
    fields: Fields,
    request: &SearchRequest,
) -> Result<Box<dyn Query>, IndexError> {
    if request.limit > MAX_LIMIT {
        return Err(IndexError::Request(format!("limit: must be at most {MAX_LIMIT}, is {}", request.limit)));
    }
    if request.offset > MAX_OFFSET {
        return Err(IndexError::Request(format!("offset: must be at most {MAX_OFFSET}, is {}", request.offset)));
    }
    if let (Some(since), Some(until)) = (request.since, request.until)
        && since >= until
    {
        return Err(IndexError::Request("since must be before until".into()));
    }
    build_query(searcher.index(), fields, request)
}

/// The page of hits `request` asks for, and how many mentions match in all (counted in the
/// same pass over the index as the page).
fn page(
    searcher: &Searcher,
    fields: Fields,
    query: &dyn Query,
    request: &SearchRequest,
) -> Result<(u64, Vec<SearchHit>), IndexError> {
    let snippets = snippet_generator(searcher, fields, query)?;
    let limit = request.limit.max(1);
    let mut hits = Vec::new();
    let mut total = 0;
    if request.collapse {
        // Groups in order of their first mention; the page skips `offset` groups.
        let (mut groups, mut seen) = (FxHashSet::default(), 0usize);
        let batch = (request.offset + limit) * COLLAPSE_FETCH;
        for offset in (0..).step_by(batch) {
            let (count, addresses) = ranked(searcher, query, request.sort, batch, offset)?;
            total = count;
            for a in &addresses {
                let group = searcher.segment_reader(a.segment_ord).fast_fields().u64("cluster")?.first(a.doc_id);
                if groups.insert(group.unwrap_or_default()) {
                    seen += 1;
                    if seen > request.offset && hits.len() < limit {
                        hits.push(hit(searcher, fields, &snippets, *a)?);
                    }
                }
            }
            if hits.len() == limit || addresses.len() < batch {
                break;
            }
        }
        add_group_sizes(searcher, query, &mut hits)?;
    } else {
        let (count, addresses) = ranked(searcher, query, request.sort, limit, request.offset)?;
        total = count;
        for a in addresses {
            hits.push(hit(searcher, fields, &snippets, a)?);
        }
    }
    add_parent_titles(searcher, fields, &mut hits)?;
    Ok((total, hits))
}

/// How many mentions match, and the addresses of the `limit` best after the first `offset`, in
/// `sort` order: one pass over the index.
fn ranked(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    limit: usize,
    offset: usize,
) -> Result<(u64, Vec<DocAddress>), IndexError> {
    let top = TopDocs::with_limit(limit).and_offset(offset);
    let (count, found) = match sort {
        Sort::Relevance => {
            let (n, found) = searcher.search(query, &(Count, top.order_by_score()))?;
            (n, addresses(found))
        }
        Sort::Time => {
            let by_time = top.order_by_fast_field::<DateTime>("published", Order::Desc);
            let (n, found) = searcher.search(query, &(Count, by_time))?;
            (n, addresses(found))
        }
        Sort::Engagement => {
            let (n, found) = searcher.search(query, &(Count, top.tweak_score(engagement)))?;
            (n, addresses(found))
        }
        Sort::Earliest => {
            let by_time = top.order_by_fast_field::<DateTime>("published", Order::Asc);
            let (n, found) = searcher.search(query, &(Count, by_time))?;
            (n, addresses(found))
        }
    };
    Ok((count as u64, found))
}

/// The addresses of ranked results, their sort keys dropped.
fn addresses<K>(found: Vec<(K, DocAddress)>) -> Vec<DocAddress> {
    found.into_iter().map(|(_, a)| a).collect()
}

/// Each collapsed hit's group size among the mentions `query` matches.
fn add_group_sizes(searcher: &Searcher, query: &dyn Query, hits: &mut [SearchHit]) -> Result<(), IndexError> {
    let shown: FxHashMap<u64, u64> = hits.iter().map(|h| (h.cluster, h.text_hash)).collect();
    let sizes = searcher.search(query, &groups::GroupCounts { shown: Arc::new(shown) })?;
    for h in hits {
        h.group = sizes.get(&h.cluster).copied();
    }
    Ok(())
}

/// The title (or the start of the text) of each hit's parent, when the parent is indexed.
fn add_parent_titles(searcher: &Searcher, f: Fields, hits: &mut [SearchHit]) -> Result<(), IndexError> {
    let parents: FxHashSet<&str> = hits.iter().map(|h| h.parent.as_str()).filter(|p| !p.is_empty()).collect();
    if parents.is_empty() {
        return Ok(());
    }
    let any: Vec<(Occur, Box<dyn Query>)> =
        parents.iter().map(|p| (Occur::Should, Box::new(id_query(f, p)) as Box<dyn Query>)).collect();
    let found = searcher.search(&BooleanQuery::new(any), &TopDocs::with_limit(parents.len()).order_by_score())?;
    let mut titles: FxHashMap<String, String> = FxHashMap::default();
    for (_, a) in found {
        let doc: TantivyDocument = searcher.doc(a)?;
        let get = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default();
        titles.insert(get(f.id).to_string(), shortened(get(f.title_original), get(f.text_original)));
    }
    for h in hits {
        if let Some(t) = titles.get(&h.parent) {
            h.parent_title = t.clone();
        }
    }
    Ok(())
}

/// The mention with id `id` (by its fingerprint's fast column: ids have no term).
fn id_query(f: Fields, id: &str) -> RangeQuery {
    let fp = Term::from_field_u64(f.id_hash, id_fingerprint(id));
    RangeQuery::new(Bound::Included(fp.clone()), Bound::Included(fp))
}

/// The sort key of [`Sort::Engagement`]: likes + reposts + replies, newest first among equals.
fn engagement(segment: &tantivy::SegmentReader) -> impl Fn(tantivy::DocId, tantivy::Score) -> (u64, i64) + use<> {
    let fast = segment.fast_fields();
    let column = |name: &str| fast.u64(name).ok().map(|c| c.first_or_default_col(0));
    let (likes, reposts, replies) = (column("likes"), column("reposts"), column("replies"));
    let published = fast.date("published").ok().map(|c| c.first_or_default_col(DateTime::MIN));
    move |doc, _| {
        let value = |c: &Option<std::sync::Arc<dyn tantivy::columnar::ColumnValues<u64>>>| {
            c.as_ref().map_or(0, |c| c.get_val(doc))
        };
        let at = published.as_ref().map_or(0, |c| c.get_val(doc).into_timestamp_micros());
        (value(&likes).saturating_add(value(&reposts)).saturating_add(value(&replies)), at)
    }
}

/// The longest query read, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The deepest nesting of parentheses read (a parser's recursion is bounded by it: 2,800 levels
/// overflowed a thread's stack).
pub const MAX_QUERY_DEPTH: usize = 16;

/// The query syntax, for messages.
const SYNTAX: &str = "words (all must match), `a OR b`, `-word` to leave out, \"a phrase\", parentheses";

/// `query` made safe to parse: within the limits, and with the query language's other syntax
/// (fields `a:b`, ranges, wildcards, boosts, escapes) read as plain spaces, so that only words,
/// OR, -word, phrases and parentheses mean anything.
fn checked_query(query: &str) -> Result<String, IndexError> {
    let refuse = |reason: String| IndexError::Query { query: query.chars().take(80).collect(), reason };
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(refuse(format!("it has {chars} characters; at most {MAX_QUERY_CHARS}")));
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in query.chars() {
        match c {
            '(' => (depth, deepest) = (depth + 1, deepest.max(depth + 1)),
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_QUERY_DEPTH {
        return Err(refuse(format!("it nests parentheses {deepest} deep; at most {MAX_QUERY_DEPTH}")));
    }
    Ok(query
        .chars()
        .map(|c| if matches!(c, ':' | '[' | ']' | '{' | '}' | '^' | '~' | '\\' | '*' | '!') { ' ' } else { c })
        .collect())
}

fn build_query(index: &Index, f: Fields, r: &SearchRequest) -> Result<Box<dyn Query>, IndexError> {
    let text = checked_query(r.query.trim())?;
    let text = text.trim();
    let main: Box<dyn Query> = if text.is_empty() {
        Box::new(AllQuery)
    } else {
        let mut parser = QueryParser::for_index(index, vec![f.title, f.text]);
        parser.set_conjunction_by_default();
        parser.parse_query(text).map_err(|e| IndexError::Query {
            query: text.to_string(),
            reason: format!("it cannot be read ({e}); the syntax is {SYNTAX}"),
        })?
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    let kind = r.kind.map(Kind::name);
    let label = r.sentiment.map(Label::name);
    let risk = r.risk.map(RiskCategory::name);
    let emotion = r.emotion.map(Emotion::name);
    for (field, value) in [
        (f.watches, r.watch.as_deref()),
        (f.source, r.source.as_deref()),
        (f.author, r.author.as_deref()),
        (f.kind, kind),
        (f.label, label),
        (f.risks, risk),
        (f.emotion, emotion),
    ] {
        if let Some(v) = value {
            let term = Term::from_field_text(field, v);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
    }
    if r.since.is_some() || r.until.is_some() {
        clauses.push((Occur::Must, Box::new(published_range(f, r.since.as_ref(), r.until.as_ref()))));
    }
    if let Some(thread) = &r.thread {
        let replies = TermQuery::new(Term::from_field_text(f.parent, thread), IndexRecordOption::Basic);
        let head: Box<dyn Query> = Box::new(id_query(f, thread));
        let either = BooleanQuery::new(vec![(Occur::Should, head), (Occur::Should, Box::new(replies))]);
        clauses.push((Occur::Must, Box::new(either)));
    }
    if let Some(aspect) = &r.aspect {
        clauses.push((Occur::Must, aspect.query(f)));
    }
    if let Some(scope) = &r.scope {
        clauses.push((Occur::Must, scope.query(index, f)));
    }
    if let Some(c) = r.cluster {
        let t = Term::from_field_u64(f.cluster, c);
        clauses.push((Occur::Must, Box::new(RangeQuery::new(Bound::Included(t.clone()), Bound::Included(t)))));
    }
    if let Some(min) = r.min_followers {
        let t = Term::from_field_u64(f.author_followers, min);
        clauses.push((Occur::Must, Box::new(RangeQuery::new(Bound::Included(t), Bound::Unbounded))));
    }
    Ok(if clauses.len() == 1 { clauses.pop().unwrap().1 } else { Box::new(BooleanQuery::new(clauses)) })
}

/// Mentions published at or after `since` and before `until` (either side open when `None`).
pub fn published_range(f: Fields, since: Option<&Timestamp>, until: Option<&Timestamp>) -> RangeQuery {
    let at = |t: &Timestamp| Term::from_field_date(f.published, DateTime::from_timestamp_micros(t.as_microsecond()));
    let lower = since.map_or(Bound::Unbounded, |t| Bound::Included(at(t)));
    let upper = until.map_or(Bound::Unbounded, |t| Bound::Excluded(at(t)));
    RangeQuery::new(lower, upper)
}
