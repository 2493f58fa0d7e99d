//! Preparing a mention for the index: its text normalized and segmented once, scored in its
//! domain (with its stars, for a review), its emotion, aspects, risks and watches tagged, its near-duplicate fingerprint and its id and text fingerprints computed.
//! This is the CPU-heavy half of ingestion and crawling; it runs on any thread (one [`Preparer`]
//! per thread), and the index's one writer only admits what it hands over.

use std::sync::Arc;

use jiff::Timestamp;
use rustc_hash::FxHashMap;

use super::Analyzer;
use crate::mention::{Kind, Mention, id_fingerprint, text_fingerprint};
use crate::sentiment::{AspectList, Domain, Emotion, Label, RiskCategory, Workspace};
use crate::watch::WatchMatcher;

/// A mention analyzed: what the index stores and counts. Serialized, it is what a cluster's
/// workers publish to its indexer (the segmentation is not sent: the indexer's tokenizer redoes it).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PreparedMention {
    pub id: String,
    pub source: String,
    pub kind: Kind,
    pub url: String,
    pub author: String,
    /// Normalized.
    pub title: String,
    /// As the page had it: HTML entities decoded, white space at the ends trimmed.
    pub title_original: String,
    /// Normalized; its segmentation waits for the index tokenizer (see `TextPipeline::hand_over`).
    pub text: Arc<str>,
    /// As the page had it: HTML entities decoded, white space at the ends trimmed.
    pub text_original: String,
    /// The watches it speaks of, in title or text.
    pub watches: Vec<Arc<str>>,
    pub label: Label,
    pub score: f32,
    /// The sentiment domain it was scored in.
    pub domain: Domain,
    /// Its strongest emotion, if any.
    pub emotion: Option<Emotion>,
    /// The aspects it speaks of, each with its clause's label.
    pub aspects: Vec<(String, Label)>,
    pub risks: Vec<RiskCategory>,
    pub published_at: Timestamp,
    /// When it was fetched (or imported).
    pub fetched_at: Timestamp,
    /// The page's time was later than the fetch and was set to it.
    pub time_clamped: bool,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    pub rating: Option<f32>,
    /// The thread's id (the question of an answer), or empty.
    pub parent: String,
    pub author_followers: Option<u64>,
    /// SimHash of the words, for near-duplicate clusters (`None` on short texts).
    pub simhash: Option<u64>,
    /// [`id_fingerprint`] of the id.
    pub id_hash: u64,
    /// [`text_fingerprint`] of the normalized text.
    pub text_hash: u64,
}

/// Runs the text pipeline, the scorer and the watch matcher; one per thread.
pub struct Preparer {
    analyzer: Arc<Analyzer>,
    watches: WatchMatcher,
    ws: Workspace,
    /// The shared aspect list plus the aspects of the groups [`WatchMatcher::aspect_groups`]
    /// names, built when a mention of those groups first comes.
    group_aspects: FxHashMap<Vec<u32>, AspectList>,
}

impl Clone for Preparer {
    /// Shares the analyzer and the matcher; the workspace is the clone's own.
    fn clone(&self) -> Self {
        Preparer::new(self.analyzer.clone(), self.watches.clone())
    }
}

impl Preparer {
    pub fn new(analyzer: Arc<Analyzer>, watches: WatchMatcher) -> Self {
        Preparer { analyzer, watches, ws: Workspace::default(), group_aspects: FxHashMap::default() }
    }

    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    /// Whether `m`'s title or text speaks of a watch.
    pub fn matches_a_watch(&self, m: &Mention) -> bool {
        [&m.title, &m.text].iter().any(|t| !self.watches.matches(&crate::text::normalize(t)).is_empty())
    }

    /// Scores and tags `m`. A publication time later than the fetch (beyond the clock skew) is
    /// set to the fetch, and the mention says so.
    pub fn prepare(&mut self, mut m: Mention) -> PreparedMention {
        m.ensure_id();
        let fetched_at = *m.fetched_at.get_or_insert_with(Timestamp::now);
        if m.published_at.duration_since(fetched_at) > crate::time::CLOCK_SKEW {
            (m.published_at, m.time_clamped) = (fetched_at, true);
        }
        let domain = m.sentiment_domain();
        let mut sentiment = self.analyzer.score(&m.text, domain, &mut self.ws, false);
        if let Some(rating) = m.rating.filter(|_| m.kind == Kind::Review) {
            sentiment = self.analyzer.scorer.with_rating(sentiment, rating);
        }
        let text: Arc<str> = Arc::from(self.ws.doc.text.as_str());
        let title = crate::text::normalize(&m.title);
        let mut watches = self.watches.matching(&text);
        for w in self.watches.matching(&title) {
            if !watches.contains(&w) {
                watches.push(w);
            }
        }
        let groups = self.watches.aspect_groups(&watches);
        let aspects = if groups.is_empty() {
            &self.analyzer.aspects
        } else {
            let (shared, matcher) = (&self.analyzer.aspects, &self.watches);
            self.group_aspects.entry(groups).or_insert_with_key(|groups| {
                let mut list = shared.clone();
                matcher.group_aspects(groups).for_each(|(aspect, term)| list.add(aspect, term));
                list
            })
        };
        let (emotions, aspects) = self.analyzer.emotions_and_aspects_in(&self.ws, aspects);
        let simhash = crate::text::simhash::simhash(&self.ws.doc);
        self.analyzer.text.hand_over(text.clone(), self.ws.doc.tokens.clone());
        PreparedMention {
            id_hash: id_fingerprint(&m.id),
            id: m.id,
            source: m.source,
            kind: m.kind,
            url: m.url,
            author: m.author,
            title,
            title_original: as_written(m.title),
            text_hash: text_fingerprint(&text),
            text,
            text_original: as_written(m.text),
            watches,
            label: sentiment.label,
            score: sentiment.score,
            domain,
            emotion: emotions.map(|e| e.top),
            aspects: aspects.into_iter().map(|a| (a.aspect, a.label)).collect(),
            risks: sentiment.risks.iter().map(|r| r.category).collect(),
            published_at: m.published_at,
            fetched_at,
            time_clamped: m.time_clamped,
            likes: m.likes,
            reposts: m.reposts,
            replies: m.replies,
            rating: m.rating,
            parent: m.parent,
            author_followers: m.author_followers,
            simhash,
        }
    }
}

/// A text as written, for people to read and quote: HTML entities decoded (`&amp;` is `&`), white
/// space at the ends trimmed, nothing else changed.
pub fn as_written(raw: String) -> String {
    let decoded = if raw.contains('&') { html_escape::decode_html_entities(&raw).into_owned() } else { raw };
    let trimmed = decoded.trim();
    if trimmed.len() == decoded.len() { decoded } else { trimmed.to_string() }
}
