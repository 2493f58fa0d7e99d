//! The tantivy schema of a mention, defined in this one place (DESIGN.md, "The mention"), and
//! its version: an index written with another version is refused by name, never misread.

use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};

use super::tokenizer::TOKENIZER_NAME;

/// The version of the schema and of the fingerprints kept in it. Raise it whenever either changes;
/// `open_or_create` refuses an index of another version.
pub const SCHEMA_VERSION: u32 = 4;

/// Every field of the mention schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable id: source + item id, or a hash of URL + text. Stored only: the index finds an id
    /// by its fingerprint, `id_hash`.
    pub id: Field,
    pub source: Field,
    /// review, post, question, answer, comment, news.
    pub kind: Field,
    pub url: Field,
    pub author: Field,
    /// The title, normalized, indexed only.
    pub title: Field,
    /// The title as the page had it, stored: what results show.
    pub title_original: Field,
    /// The text, normalized, indexed only (the tokenizer takes back the analysis stage's
    /// segmentation of it).
    pub text: Field,
    /// The text as the page had it (HTML decoded, trimmed), stored: what results show, quote and
    /// highlight (the tokenizer maps its tokens back to it).
    pub text_original: Field,
    /// Watch names the mention matched; one value each.
    pub watches: Field,
    /// positive, neutral, negative.
    pub label: Field,
    /// Sentiment score in [-1, 1].
    pub score: Field,
    /// Risk category names; one value each.
    pub risks: Field,
    /// UTC publication time; a fast field, which is what date ranges and sorting read.
    pub published: Field,
    /// When the crawler fetched it (or the import read it).
    pub fetched: Field,
    /// 1 when the page's time was later than the fetch and was set to the fetch.
    pub time_clamped: Field,
    pub likes: Field,
    pub reposts: Field,
    pub replies: Field,
    /// Stars, where the site has them.
    pub rating: Field,
    /// The thread: the id of the question an answer belongs to, of the post a comment is under.
    pub parent: Field,
    /// The author's followers, where the site gives them.
    pub author_followers: Field,
    /// Duplicate group: identical texts share it, and near-duplicates join the group of the first
    /// of them (the text fingerprint of that first mention).
    pub cluster: Field,
    /// Fingerprint of the normalized text: every copy of a text is a mention of its own, and they
    /// share it (the writer keeps them in memory, read from this column when it opens).
    pub text_hash: Field,
    /// Fingerprint of the id: a mention seen before is not added again (the writer keeps them
    /// in memory, read from this column when it opens; a term per mention would double every
    /// segment's term dictionary, as it did for `text_hash`).
    pub id_hash: Field,
    /// SimHash of the words, for near-duplicate groups (absent on short texts).
    pub simhash: Field,
    /// The sentiment domain it was scored in: review, social, news, hotel.
    pub domain: Field,
    /// Its strongest emotion (anger, fear, sadness, disgust, joy, surprise), absent when none.
    pub emotion: Field,
    /// `aspect:label` per aspect it speaks of (`电池:negative`); one value each.
    pub aspects: Field,
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STORED),
        source: b.add_text_field("source", STRING | STORED | FAST),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        url: b.add_text_field("url", STORED),
        author: b.add_text_field("author", STRING | STORED | FAST),
        title: b.add_text_field("title", indexed.clone()),
        title_original: b.add_text_field("title_original", STORED),
        text: b.add_text_field("text", indexed),
        text_original: b.add_text_field("text_original", STORED),
        watches: b.add_text_field("watches", STRING | STORED | FAST),
        label: b.add_text_field("label", STRING | STORED | FAST),
        score: b.add_f64_field("score", STORED | FAST),
        risks: b.add_text_field("risks", STRING | STORED | FAST),
        // Range queries on a fast field read the column, so no term per mention is indexed.
        published: b.add_date_field("published", STORED | FAST),
        fetched: b.add_date_field("fetched", STORED),
        time_clamped: b.add_u64_field("time_clamped", STORED),
        likes: b.add_u64_field("likes", STORED | FAST),
        reposts: b.add_u64_field("reposts", STORED | FAST),
        replies: b.add_u64_field("replies", STORED | FAST),
        rating: b.add_f64_field("rating", STORED | FAST),
        parent: b.add_text_field("parent", STRING | STORED),
        author_followers: b.add_u64_field("author_followers", STORED | FAST),
        cluster: b.add_u64_field("cluster", STORED | FAST),
        text_hash: b.add_u64_field("text_hash", FAST),
        id_hash: b.add_u64_field("id_hash", FAST),
        simhash: b.add_u64_field("simhash", FAST),
        domain: b.add_text_field("domain", STRING | STORED | FAST),
        emotion: b.add_text_field("emotion", STRING | STORED | FAST),
        aspects: b.add_text_field("aspects", STRING | STORED | FAST),
    };
    (b.build(), fields)
}
