//! What tantivy receives for one mention: the values ingest computed, owned and handed over
//! as they are, in schema order.
//!
//! tantivy 0.27 indexes any [`Document`] without copying it. Its own `TantivyDocument` copies
//! every value into a fresh 1 KiB buffer that the indexing threads free again; measured on
//! ingest, that buffer's fresh pages were a twentieth of the preparing threads' time. This
//! document moves the mention's strings instead and keeps the normalized text once for both
//! `text` (indexed) and `body` (stored).

use std::sync::Arc;

use tantivy::DateTime;
use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
use tantivy::schema::{Document, Field, Value};

use super::Fields;

/// One mention as indexed. Empty optional strings (url, author, title) are left out.
#[derive(Debug, Clone)]
pub struct MentionDoc {
    pub(crate) fields: Fields,
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) kind: &'static str,
    pub(crate) url: String,
    pub(crate) author: String,
    /// Normalized.
    pub(crate) title: String,
    /// Normalized: indexed as `text` (its segmentation handed over to the tokenizer by this
    /// `Arc`'s address, see `TextPipeline::hand_over`), stored as `body`.
    pub(crate) text: Arc<str>,
    pub(crate) watches: Vec<Arc<str>>,
    pub(crate) label: &'static str,
    pub(crate) score: f64,
    pub(crate) risks: Vec<&'static str>,
    pub(crate) published: DateTime,
    pub(crate) likes: u64,
    pub(crate) reposts: u64,
    pub(crate) replies: u64,
    pub(crate) cluster: u64,
    pub(crate) id_hash: u64,
    pub(crate) text_hash: u64,
    pub(crate) simhash: Option<u64>,
}

/// A value of a [`MentionDoc`].
#[derive(Debug, Clone, Copy)]
pub enum Leaf<'a> {
    Str(&'a str),
    U64(u64),
    F64(f64),
    Date(DateTime),
}

impl<'a> Value<'a> for Leaf<'a> {
    type ArrayIter = std::iter::Empty<Leaf<'a>>;
    type ObjectIter = std::iter::Empty<(&'a str, Leaf<'a>)>;

    #[inline]
    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match *self {
            Leaf::Str(s) => ReferenceValueLeaf::Str(s),
            Leaf::U64(n) => ReferenceValueLeaf::U64(n),
            Leaf::F64(x) => ReferenceValueLeaf::F64(x),
            Leaf::Date(d) => ReferenceValueLeaf::Date(d),
        })
    }
}

impl Document for MentionDoc {
    type Value<'a> = Leaf<'a>;
    type FieldsValuesIter<'a> = Values<'a>;

    fn iter_fields_and_values(&self) -> Values<'_> {
        Values { doc: self, slot: 0, nth: 0 }
    }
}

/// The values of a [`MentionDoc`], each field's together, in schema order.
pub struct Values<'a> {
    doc: &'a MentionDoc,
    slot: u8,
    /// Index into a multi-valued field (watches, risks).
    nth: usize,
}

impl<'a> Iterator for Values<'a> {
    type Item = (Field, Leaf<'a>);

    fn next(&mut self) -> Option<(Field, Leaf<'a>)> {
        let d = self.doc;
        let f = &d.fields;
        let text = |field, s: &'a str| (!s.is_empty()).then_some((field, Leaf::Str(s)));
        loop {
            let slot = self.slot;
            // A multi-valued field stays on its slot until its values run out.
            if let Some(values) = match slot {
                8 => Some(d.watches.get(self.nth).map(|w| &**w)),
                11 => Some(d.risks.get(self.nth).copied()),
                _ => None,
            } {
                if let Some(v) = values {
                    self.nth += 1;
                    return Some((if slot == 8 { f.watches } else { f.risks }, Leaf::Str(v)));
                }
                self.nth = 0;
            }
            self.slot += 1;
            let value = match slot {
                0 => Some((f.id, Leaf::Str(&d.id))),
                1 => Some((f.source, Leaf::Str(&d.source))),
                2 => Some((f.kind, Leaf::Str(d.kind))),
                3 => text(f.url, &d.url),
                4 => text(f.author, &d.author),
                5 => text(f.title, &d.title),
                6 => Some((f.text, Leaf::Str(&d.text))),
                7 => Some((f.body, Leaf::Str(&d.text))),
                9 => Some((f.label, Leaf::Str(d.label))),
                10 => Some((f.score, Leaf::F64(d.score))),
                12 => Some((f.published, Leaf::Date(d.published))),
                13 => Some((f.likes, Leaf::U64(d.likes))),
                14 => Some((f.reposts, Leaf::U64(d.reposts))),
                15 => Some((f.replies, Leaf::U64(d.replies))),
                16 => Some((f.cluster, Leaf::U64(d.cluster))),
                17 => Some((f.text_hash, Leaf::U64(d.text_hash))),
                18 => Some((f.id_hash, Leaf::U64(d.id_hash))),
                19 => d.simhash.map(|s| (f.simhash, Leaf::U64(s))),
                8 | 11 => None,
                _ => return None,
            };
            if value.is_some() {
                return value;
            }
        }
    }
}
