//! A search result as people read it: the mention's stored values — its title and text as
//! written — with the best passage highlighted where the query matched, and the short form of a
//! post shown as evidence in alerts and digests ([`TopPost`]).

use jiff::Timestamp;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::index::{Fields, IndexError};
use crate::mention::Kind;
use crate::sentiment::{Domain, Emotion, Label, RiskCategory};

/// Longest snippet, in characters.
pub(super) const SNIPPET_CHARS: usize = 120;

/// One result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    pub id: String,
    pub source: String,
    pub kind: Kind,
    #[serde(with = "crate::time::rfc3339_local")]
    pub published_at: Timestamp,
    /// When it was fetched (or imported).
    #[serde(with = "crate::time::rfc3339_local")]
    pub fetched_at: Timestamp,
    /// The page's time was later than the fetch and was set to it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub time_clamped: bool,
    pub label: Label,
    pub score: f64,
    /// The sentiment domain it was scored in.
    pub domain: Domain,
    /// Its strongest emotion, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emotion: Option<Emotion>,
    /// The aspects it speaks of, each with its clause's label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aspects: Vec<(String, Label)>,
    pub watches: Vec<String>,
    pub risks: Vec<RiskCategory>,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    /// Stars, where the site has them.
    pub rating: Option<f64>,
    /// Duplicate group, shared by copies and near-copies of one text.
    pub cluster: u64,
    /// With `collapse`: how many mentions matching the search are in its group (itself
    /// included), and how many of those have exactly its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupSize>,
    pub author: String,
    /// The author's followers, where the site gives them.
    pub author_followers: Option<u64>,
    pub url: String,
    /// The thread: the id of the question an answer belongs to, of the post a comment is under.
    pub parent: String,
    /// The title of that question or post (or the start of its text), when it is indexed.
    pub parent_title: String,
    /// The title as written.
    pub title: String,
    /// The text as written.
    pub text: String,
    /// The best passage of the text as written, HTML-escaped, matches wrapped in `<b>`.
    pub snippet_html: String,
    /// The same passage as plain text with matches wrapped in 【】.
    pub snippet: String,
    /// Fingerprint of the normalized text (identical texts share it).
    #[serde(skip)]
    pub text_hash: u64,
}

/// A collapsed group's size among the mentions a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GroupSize {
    /// Mentions in the group, the shown one included.
    pub mentions: u64,
    /// Of those, with exactly the shown one's text (the shown one included).
    pub identical: u64,
}

impl GroupSize {
    /// What a result card says about the rest of its group: "+49 条相同，+12 条相似".
    pub fn label_zh(&self) -> Option<String> {
        let same = self.identical.saturating_sub(1);
        let similar = self.mentions.saturating_sub(self.identical);
        match (same, similar) {
            (0, 0) => None,
            (s, 0) => Some(format!("+{s} 条相同")),
            (0, n) => Some(format!("+{n} 条相似")),
            (s, n) => Some(format!("+{s} 条相同，+{n} 条相似")),
        }
    }
}

/// A mention shown as evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TopPost {
    pub id: String,
    pub source: String,
    pub url: String,
    /// The title, else the start of the text, as written.
    pub text: String,
    #[serde(with = "crate::time::rfc3339_local")]
    pub published_at: Timestamp,
    /// Likes + reposts + replies.
    pub engagement: u64,
    /// Its duplicate group.
    pub cluster: u64,
}

/// How much of a post's text a [`TopPost`] shows.
const POST_CHARS: usize = 80;

impl From<SearchHit> for TopPost {
    fn from(h: SearchHit) -> TopPost {
        TopPost {
            text: shortened(&h.title, &h.text),
            id: h.id,
            source: h.source,
            url: h.url,
            published_at: h.published_at,
            engagement: h.likes + h.reposts + h.replies,
            cluster: h.cluster,
        }
    }
}

/// The title, else the start of the text, at most [`POST_CHARS`] characters.
pub(super) fn shortened(title: &str, text: &str) -> String {
    let shown = if title.trim().is_empty() { text } else { title };
    let mut out: String = shown.chars().take(POST_CHARS).collect();
    if shown.chars().nth(POST_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// The stored mention at `a` as a result, with its passage highlighted by `snippets`.
pub(super) fn hit(
    searcher: &Searcher,
    f: Fields,
    snippets: &SnippetGenerator,
    a: DocAddress,
) -> Result<SearchHit, IndexError> {
    let doc: TantivyDocument = searcher.doc(a)?;
    let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let all = |field| doc.get_all(field).filter_map(|v| v.as_str()).map(String::from).collect::<Vec<_>>();
    let number = |field| doc.get_first(field).and_then(|v| v.as_u64());
    let time = |field| {
        doc.get_first(field)
            .and_then(|v| v.as_datetime())
            .and_then(|d| Timestamp::from_microsecond(d.into_timestamp_micros()).ok())
            .unwrap_or(Timestamp::UNIX_EPOCH)
    };
    let body = text(f.text_original);
    let (snippet_html, snippet) = highlighted(snippets, &body);
    let text_hash = searcher.segment_reader(a.segment_ord).fast_fields().u64("text_hash")?.first(a.doc_id);
    Ok(SearchHit {
        id: text(f.id),
        source: text(f.source),
        kind: text(f.kind).parse().unwrap_or_default(),
        published_at: time(f.published),
        fetched_at: time(f.fetched),
        time_clamped: number(f.time_clamped) == Some(1),
        label: text(f.label).parse().unwrap_or(Label::Neutral),
        score: doc.get_first(f.score).and_then(|v| v.as_f64()).unwrap_or_default(),
        domain: text(f.domain).parse().unwrap_or_default(),
        emotion: text(f.emotion).parse().ok(),
        aspects: all(f.aspects)
            .iter()
            .filter_map(|a| a.rsplit_once(':').and_then(|(a, l)| Some((a.to_string(), l.parse().ok()?))))
            .collect(),
        watches: all(f.watches),
        risks: all(f.risks).iter().filter_map(|r| r.parse().ok()).collect(),
        likes: number(f.likes).unwrap_or_default(),
        reposts: number(f.reposts).unwrap_or_default(),
        replies: number(f.replies).unwrap_or_default(),
        rating: doc.get_first(f.rating).and_then(|v| v.as_f64()),
        cluster: number(f.cluster).unwrap_or_default(),
        group: None,
        author: text(f.author),
        author_followers: number(f.author_followers),
        url: text(f.url),
        parent: text(f.parent),
        parent_title: String::new(),
        title: text(f.title_original),
        snippet_html,
        snippet,
        text: body,
        text_hash: text_hash.unwrap_or_default(),
    })
}

/// The best passage of `body` as HTML (escaped, `<b>` marks) and as plain text (【】 marks); when
/// the query matched no word of it, the whole text (HTML) and its start (plain).
fn highlighted(snippets: &SnippetGenerator, body: &str) -> (String, String) {
    let snippet = snippets.snippet(body);
    let fragment = snippet.fragment();
    if fragment.is_empty() {
        return (html_escape::encode_text(body).into_owned(), body.chars().take(SNIPPET_CHARS).collect());
    }
    let mut marked = String::new();
    let mut at = 0;
    // Ranges may overlap (a word and a phrase holding it, `电池 "电池起火"`): each marks only
    // what the ones before it left.
    for range in snippet.highlighted() {
        if range.end <= at {
            continue;
        }
        let start = range.start.max(at);
        marked.push_str(&fragment[at..start]);
        marked.push('【');
        marked.push_str(&fragment[start..range.end]);
        marked.push('】');
        at = range.end;
    }
    marked.push_str(&fragment[at..]);
    (snippet.to_html(), marked)
}
