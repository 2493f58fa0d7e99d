//! The tantivy schema of a mention, defined in this one place (DESIGN.md, "The mention").

use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};

use super::tokenizer::TOKENIZER_NAME;

/// Every field of the mention schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable id: source + item id, or a hash of URL + text. Stored only: re-ingests are
    /// recognised by `id_hash`.
    pub id: Field,
    pub source: Field,
    /// review, post, question, answer, comment, news.
    pub kind: Field,
    pub url: Field,
    pub author: Field,
    /// Title, indexed and stored normalized (highlight offsets point into normalized text).
    pub title: Field,
    /// The normalized text, indexed only (the tokenizer takes back the analysis stage's
    /// segmentation of it); `body` stores it.
    pub text: Field,
    /// The normalized text, stored only: what results show and snippets are cut from.
    pub body: Field,
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
    pub likes: Field,
    pub reposts: Field,
    pub replies: Field,
    /// Near-duplicate cluster: the text fingerprint of the cluster's first mention.
    pub cluster: Field,
    /// Fingerprint of the normalized text: an exact copy is stored once (the writer keeps them
    /// in memory, read from this column when it opens).
    pub text_hash: Field,
    /// Fingerprint of the id: a mention seen before is not added again (the writer keeps them
    /// in memory, read from this column when it opens; a term per mention would double every
    /// segment's term dictionary, as it did for `text_hash`).
    pub id_hash: Field,
    /// SimHash of the words, for near-duplicate clusters (absent on short texts).
    pub simhash: Field,
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
        author: b.add_text_field("author", STRING | STORED),
        title: b.add_text_field("title", indexed.clone().set_stored()),
        text: b.add_text_field("text", indexed),
        body: b.add_text_field("body", STORED),
        watches: b.add_text_field("watches", STRING | STORED | FAST),
        label: b.add_text_field("label", STRING | STORED | FAST),
        score: b.add_f64_field("score", STORED | FAST),
        risks: b.add_text_field("risks", STRING | STORED | FAST),
        // Range queries on a fast field read the column, so no term per mention is indexed.
        published: b.add_date_field("published", STORED | FAST),
        likes: b.add_u64_field("likes", STORED | FAST),
        reposts: b.add_u64_field("reposts", STORED | FAST),
        replies: b.add_u64_field("replies", STORED | FAST),
        cluster: b.add_u64_field("cluster", STORED | FAST),
        text_hash: b.add_u64_field("text_hash", FAST),
        id_hash: b.add_u64_field("id_hash", FAST),
        simhash: b.add_u64_field("simhash", FAST),
    };
    (b.build(), fields)
}
