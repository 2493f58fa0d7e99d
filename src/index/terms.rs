//! Top terms: the content words a set of mentions speaks of most. Counted over the newest
//! mentions of the set (a bounded sample, so the cost does not grow with the index), once per
//! mention, from the stored text (normalized again) segmented by the one text pipeline. Function words
//! (`lexicons/stopwords.txt`), one-character words, numbers, the watch's own names and
//! [fillers](is_filler) are left out.

use std::sync::LazyLock;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::TopDocs;
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::{Order, Searcher, TantivyDocument};

use super::{Fields, IndexError};
use crate::text::{Analyzed, Segmenter, TextPipeline, TokenKind};

/// How many of the newest mentions top terms are counted over (2,000 made `stats` take 240 ms
/// at p99 on a million mentions; 500 keeps it within its 100 ms budget).
pub const TERMS_SAMPLE: usize = 500;

static STOPWORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../lexicons/stopwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// A term and in how many mentions of the sample it occurs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TermCount {
    pub term: String,
    pub mentions: u64,
}

/// Per-term mention counts over the newest `sample` mentions matching `query`, and how many
/// mentions were read.
pub fn term_counts(
    searcher: &Searcher,
    f: Fields,
    query: &dyn Query,
    text: &TextPipeline,
    exclude: &[String],
    sample: usize,
) -> Result<(FxHashMap<String, u64>, u64), IndexError> {
    let sets = term_sets(searcher, f, query, text, exclude, sample)?;
    Ok((count(&sets), sets.len() as u64))
}

/// In how many of `sets` each term is.
pub fn count(sets: &[Vec<String>]) -> FxHashMap<String, u64> {
    let mut counts = FxHashMap::<String, u64>::default();
    for w in sets.iter().flatten() {
        *counts.entry(w.clone()).or_default() += 1;
    }
    counts
}

/// The terms of each of the newest `sample` mentions matching `query` (each once), newest first.
pub fn term_sets(
    searcher: &Searcher,
    f: Fields,
    query: &dyn Query,
    text: &TextPipeline,
    exclude: &[String],
    sample: usize,
) -> Result<Vec<Vec<String>>, IndexError> {
    let newest = TopDocs::with_limit(sample).order_by_fast_field::<tantivy::DateTime>("published", Order::Desc);
    let hits = searcher.search(query, &newest)?;
    let excluded: FxHashSet<String> = exclude.iter().map(|e| crate::text::normalize(e)).collect();
    // Reading the stored texts and segmenting them are the cost: spread both over the cores.
    let sets = hits
        .par_iter()
        .map_init(Analyzed::default, |doc, (_, address)| {
            let body = searcher.doc::<TantivyDocument>(*address)?;
            text.analyze_into(body.get_first(f.text_original).and_then(|v| v.as_str()).unwrap_or_default(), doc);
            let mut seen: Vec<String> = Vec::new();
            for (word, kind) in doc.words() {
                if kind == TokenKind::Word
                    && word.chars().count() >= 2
                    && !word.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !STOPWORDS.contains(word)
                    && !excluded.contains(word)
                    && !seen.iter().any(|s| s == word)
                {
                    seen.push(word.to_string());
                }
            }
            Ok::<_, tantivy::TantivyError>(seen)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(without_fillers(sets, text.segmenter()))
}

/// Parts of speech (jieba's tags) that never say what a mention is about: time words (昨晚),
/// numerals and quantifiers (半个), pronouns, adverbs, prepositions, conjunctions, particles,
/// modal words, interjections, onomatopoeia and locality words (之后).
const FILLER_TAGS: &[&str] = &[
    "t", "tg", "m", "mq", "mg", "q", "r", "rr", "rz", "rg", "d", "dg", "p", "c", "u", "ud", "ug", "uj", "ul", "uv",
    "uz", "y", "e", "o", "f",
];

/// Characters of these parts of speech glue onto a word when jieba guesses one outside its
/// dictionary (刚刷 is 刚 + 刷, 一买 is 一 + 买): adverbs, numerals, pronouns, prepositions,
/// conjunctions and particles.
const GLUE_TAGS: &[&str] = &["d", "m", "r", "p", "c", "u", "uj", "ul", "uz", "ug", "y"];

/// A word that carries no topic: a dictionary word of a [filler part of speech](FILLER_TAGS),
/// or a word in no dictionary (jieba's guess) that starts or ends with a function character —
/// a function word glued to its neighbour, not a new name. A guessed word of content characters
/// (a product's nickname, a new term of a crisis) stays.
pub fn is_filler(word: &str, seg: &Segmenter) -> bool {
    if let Some(tag) = seg.dictionary_tag(word) {
        return FILLER_TAGS.contains(&tag.as_str());
    }
    let glue = |c: char| {
        let mut buf = [0u8; 4];
        seg.dictionary_tag(c.encode_utf8(&mut buf)).is_some_and(|t| GLUE_TAGS.contains(&t.as_str()))
    };
    word.chars().next().is_some_and(glue) || word.chars().last().is_some_and(glue)
}

/// `sets` without the fillers, each distinct word judged once.
fn without_fillers(mut sets: Vec<Vec<String>>, seg: &Segmenter) -> Vec<Vec<String>> {
    let mut judged = FxHashMap::<String, bool>::default();
    for w in sets.iter().flatten() {
        if !judged.contains_key(w) {
            judged.insert(w.clone(), is_filler(w, seg));
        }
    }
    for set in &mut sets {
        set.retain(|w| !judged[w]);
    }
    sets
}

/// The `limit` terms in most mentions, most first (ties by term, for stable output).
pub fn top(counts: &FxHashMap<String, u64>, limit: usize) -> Vec<TermCount> {
    let mut all: Vec<TermCount> = counts.iter().map(|(t, n)| TermCount { term: t.clone(), mentions: *n }).collect();
    all.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.term.cmp(&b.term)));
    all.truncate(limit);
    all
}

/// Terms that rose most in `now` (counts over `n_now` mentions) against `before` (over
/// `n_before`): the share of mentions holding the term, now against before (add-one smoothed),
/// weighted by how many mentions hold it now; a term needs `min_mentions` now.
pub fn rising(
    now: &FxHashMap<String, u64>,
    n_now: u64,
    before: &FxHashMap<String, u64>,
    n_before: u64,
    min_mentions: u64,
    limit: usize,
) -> Vec<RisingTerm> {
    let mut all: Vec<RisingTerm> = now
        .iter()
        .filter(|(_, c)| **c >= min_mentions)
        .map(|(t, &c)| {
            let b = before.get(t).copied().unwrap_or(0);
            let lift = (c as f64 / n_now.max(1) as f64) / ((b + 1) as f64 / (n_before + 1) as f64);
            RisingTerm { term: t.clone(), mentions: c, before: b, lift }
        })
        .filter(|r| r.lift > 1.0)
        .collect();
    all.sort_by(|a, b| {
        (b.lift * b.mentions as f64).total_cmp(&(a.lift * a.mentions as f64)).then_with(|| a.term.cmp(&b.term))
    });
    all.truncate(limit);
    all
}

/// A term that rose: mentions holding it now and before, and the lift of its share.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RisingTerm {
    pub term: String,
    pub mentions: u64,
    pub before: u64,
    pub lift: f64,
}
