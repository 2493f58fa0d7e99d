//! Searching mentions: the query language (boolean, phrases) over title and text, filters on
//! watch, source, kind, sentiment, risk and time, sorting, and highlighted snippets.

use std::ops::Bound;

use jiff::Timestamp;
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, DocAddress, Index, Order, Searcher, TantivyDocument};

use super::{Fields, IndexError};
use crate::mention::Kind;
use crate::sentiment::{Label, RiskCategory};

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 120;

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
}

impl std::str::FromStr for Sort {
    type Err = String;

    fn from_str(s: &str) -> Result<Sort, String> {
        match s.trim() {
            "time" => Ok(Sort::Time),
            "relevance" => Ok(Sort::Relevance),
            "engagement" => Ok(Sort::Engagement),
            other => Err(format!("{other:?} is not time, relevance or engagement")),
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
    /// Published at or after.
    pub since: Option<Timestamp>,
    /// Published before.
    pub until: Option<Timestamp>,
    pub sort: Sort,
    pub limit: usize,
    /// Show one mention per near-duplicate cluster (the first in sort order).
    pub collapse: bool,
}

/// With `collapse`, this many times `limit` candidates are read to fill `limit` clusters.
const COLLAPSE_FETCH: usize = 10;

/// One result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    pub id: String,
    pub source: String,
    pub kind: Kind,
    #[serde(with = "crate::time::rfc3339_local")]
    pub published_at: Timestamp,
    pub label: Label,
    pub score: f64,
    pub watches: Vec<String>,
    pub risks: Vec<RiskCategory>,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    /// Near-duplicate cluster id, shared by reposts and copies of one text.
    pub cluster: u64,
    pub author: String,
    pub url: String,
    pub title: String,
    pub text: String,
    /// The best passage, HTML-escaped, matches wrapped in `<b>`.
    pub snippet_html: String,
    /// The same passage as plain text with matches wrapped in 【】.
    pub snippet: String,
}

/// A mention shown as evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TopPost {
    pub id: String,
    pub source: String,
    pub url: String,
    /// The title, else the start of the text.
    pub text: String,
    #[serde(with = "crate::time::rfc3339_local")]
    pub published_at: Timestamp,
    /// Likes + reposts + replies.
    pub engagement: u64,
    /// Its near-duplicate cluster id.
    pub cluster: u64,
}

/// How much of a post's text a [`TopPost`] shows.
const POST_CHARS: usize = 80;

impl From<SearchHit> for TopPost {
    fn from(h: SearchHit) -> TopPost {
        let shown = if h.title.trim().is_empty() { &h.text } else { &h.title };
        let mut text: String = shown.chars().take(POST_CHARS).collect();
        if shown.chars().nth(POST_CHARS).is_some() {
            text.push('…');
        }
        TopPost {
            id: h.id,
            source: h.source,
            url: h.url,
            text,
            published_at: h.published_at,
            engagement: h.likes + h.reposts + h.replies,
            cluster: h.cluster,
        }
    }
}

/// The hits of `request` as short posts (evidence in alerts and digests).
pub fn top_posts(searcher: &Searcher, fields: Fields, request: &SearchRequest) -> Result<Vec<TopPost>, IndexError> {
    Ok(search(searcher, fields, request)?.into_iter().map(TopPost::from).collect())
}

/// Runs `request` against the index as `searcher` sees it.
pub fn search(searcher: &Searcher, fields: Fields, request: &SearchRequest) -> Result<Vec<SearchHit>, IndexError> {
    let query = build_query(searcher.index(), fields, request)?;
    let limit = if request.collapse { request.limit.max(1) * COLLAPSE_FETCH } else { request.limit.max(1) };
    let addresses: Vec<DocAddress> = match request.sort {
        Sort::Relevance => {
            searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?.into_iter().map(|(_, a)| a).collect()
        }
        Sort::Time => searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_fast_field::<DateTime>("published", Order::Desc))?
            .into_iter()
            .map(|(_, a)| a)
            .collect(),
        Sort::Engagement => searcher
            .search(&query, &TopDocs::with_limit(limit).tweak_score(engagement))?
            .into_iter()
            .map(|(_, a)| a)
            .collect(),
    };
    let mut snippets = SnippetGenerator::create(searcher, &*query, fields.text)?;
    snippets.set_max_num_chars(SNIPPET_CHARS);
    let mut hits = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    for a in addresses {
        let h = hit(searcher, fields, &snippets, a)?;
        if request.collapse && !seen.insert(h.cluster) {
            continue;
        }
        hits.push(h);
        if hits.len() == request.limit.max(1) {
            break;
        }
    }
    Ok(hits)
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

fn build_query(index: &Index, f: Fields, r: &SearchRequest) -> Result<Box<dyn Query>, IndexError> {
    let text = r.query.trim();
    let main: Box<dyn Query> = if text.is_empty() || text == "*" {
        Box::new(AllQuery)
    } else {
        let mut parser = QueryParser::for_index(index, vec![f.title, f.text]);
        parser.set_conjunction_by_default();
        parser.parse_query(text).map_err(|e| IndexError::Query { query: text.to_string(), reason: e.to_string() })?
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main)];
    let kind = r.kind.map(Kind::name);
    let label = r.sentiment.map(Label::name);
    let risk = r.risk.map(RiskCategory::name);
    for (field, value) in [
        (f.watches, r.watch.as_deref()),
        (f.source, r.source.as_deref()),
        (f.kind, kind),
        (f.label, label),
        (f.risks, risk),
    ] {
        if let Some(v) = value {
            let term = Term::from_field_text(field, v);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
    }
    if r.since.is_some() || r.until.is_some() {
        clauses.push((Occur::Must, Box::new(published_range(f, r.since.as_ref(), r.until.as_ref()))));
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

fn hit(searcher: &Searcher, f: Fields, snippets: &SnippetGenerator, a: DocAddress) -> Result<SearchHit, IndexError> {
    let doc: TantivyDocument = searcher.doc(a)?;
    let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let all = |field| doc.get_all(field).filter_map(|v| v.as_str()).map(String::from).collect::<Vec<_>>();
    let number = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or_default();
    let published = doc
        .get_first(f.published)
        .and_then(|v| v.as_datetime())
        .and_then(|d| Timestamp::from_microsecond(d.into_timestamp_micros()).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let body = text(f.body);
    let snippet = snippets.snippet(&body);
    let mut marked = String::new();
    let fragment = snippet.fragment();
    let mut at = 0;
    for range in snippet.highlighted() {
        marked.push_str(&fragment[at..range.start]);
        marked.push('【');
        marked.push_str(&fragment[range.clone()]);
        marked.push('】');
        at = range.end;
    }
    marked.push_str(&fragment[at..]);
    Ok(SearchHit {
        id: text(f.id),
        source: text(f.source),
        kind: text(f.kind).parse().unwrap_or_default(),
        published_at: published,
        label: text(f.label).parse().unwrap_or(Label::Neutral),
        score: doc.get_first(f.score).and_then(|v| v.as_f64()).unwrap_or_default(),
        watches: all(f.watches),
        risks: all(f.risks).iter().filter_map(|r| r.parse().ok()).collect(),
        likes: number(f.likes),
        reposts: number(f.reposts),
        replies: number(f.replies),
        cluster: number(f.cluster),
        author: text(f.author),
        url: text(f.url),
        title: text(f.title),
        snippet_html: if fragment.is_empty() {
            html_escape::encode_text(&body).into_owned()
        } else {
            snippet.to_html()
        },
        snippet: if fragment.is_empty() { body.chars().take(SNIPPET_CHARS).collect() } else { marked },
        text: body,
    })
}
