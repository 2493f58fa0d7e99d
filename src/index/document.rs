//! What tantivy receives for one mention: the values the analysis stage computed
//! ([`PreparedMention`]), owned and handed over as they are, in schema order.
//!
//! tantivy 0.27 indexes any [`Document`] without copying it. Its own `TantivyDocument` copies
//! every value into a fresh 1 KiB buffer that the indexing threads free again; measured on
//! ingest, that buffer's fresh pages were a twentieth of the preparing threads' time. This
//! document moves the mention's strings instead; the normalized text is indexed, the text as
//! written is stored.

use tantivy::DateTime;
use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
use tantivy::schema::{Document, Field, Value};

use super::Fields;
use crate::analysis::PreparedMention;

/// One mention as indexed. Empty optional strings (url, author, title, parent) and absent
/// optional numbers (rating, followers) are left out.
#[derive(Debug, Clone)]
pub struct MentionDoc {
    pub(crate) fields: Fields,
    pub(crate) m: PreparedMention,
    /// Its near-duplicate cluster (assigned by the writer).
    pub(crate) cluster: u64,
    /// Its aspects as indexed, `aspect:label`.
    pub(crate) aspects: Vec<String>,
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

impl<'a> Values<'a> {
    /// The next value of a multi-valued slot (watches, risks), if any is left.
    fn multi(&mut self, slot: u8) -> Option<(Field, Leaf<'a>)> {
        let (d, f) = (&self.doc.m, &self.doc.fields);
        let value = match slot {
            WATCHES => d.watches.get(self.nth).map(|w| (f.watches, Leaf::Str(w))),
            ASPECTS => self.doc.aspects.get(self.nth).map(|a| (f.aspects, Leaf::Str(a))),
            _ => d.risks.get(self.nth).map(|r| (f.risks, Leaf::Str(r.name()))),
        };
        self.nth = if value.is_some() { self.nth + 1 } else { 0 };
        value
    }

    /// The value of a single-valued slot; `None` for an empty optional one.
    fn single(&self, slot: u8) -> Option<(Field, Leaf<'a>)> {
        let (d, f) = (&self.doc.m, &self.doc.fields);
        let text = |field, s: &'a str| (!s.is_empty()).then_some((field, Leaf::Str(s)));
        let date = |t: jiff::Timestamp| Leaf::Date(DateTime::from_timestamp_micros(t.as_microsecond()));
        match slot {
            0 => Some((f.id, Leaf::Str(&d.id))),
            1 => Some((f.source, Leaf::Str(&d.source))),
            2 => Some((f.kind, Leaf::Str(d.kind.name()))),
            3 => text(f.url, &d.url),
            4 => text(f.author, &d.author),
            5 => text(f.title, &d.title),
            6 => text(f.title_original, &d.title_original),
            7 => Some((f.text, Leaf::Str(&d.text))),
            8 => Some((f.text_original, Leaf::Str(&d.text_original))),
            10 => Some((f.label, Leaf::Str(d.label.name()))),
            11 => Some((f.score, Leaf::F64(f64::from(d.score)))),
            13 => Some((f.published, date(d.published_at))),
            14 => Some((f.fetched, date(d.fetched_at))),
            15 => d.time_clamped.then_some((f.time_clamped, Leaf::U64(1))),
            16 => Some((f.likes, Leaf::U64(d.likes))),
            17 => Some((f.reposts, Leaf::U64(d.reposts))),
            18 => Some((f.replies, Leaf::U64(d.replies))),
            19 => d.rating.map(|r| (f.rating, Leaf::F64(f64::from(r)))),
            20 => text(f.parent, &d.parent),
            21 => d.author_followers.map(|n| (f.author_followers, Leaf::U64(n))),
            22 => Some((f.cluster, Leaf::U64(self.doc.cluster))),
            23 => Some((f.text_hash, Leaf::U64(d.text_hash))),
            24 => Some((f.id_hash, Leaf::U64(d.id_hash))),
            25 => d.simhash.map(|s| (f.simhash, Leaf::U64(s))),
            26 => Some((f.domain, Leaf::Str(d.domain.name()))),
            27 => d.emotion.map(|e| (f.emotion, Leaf::Str(e.name()))),
            _ => None,
        }
    }
}

/// The slots of the multi-valued fields.
const WATCHES: u8 = 9;
const RISKS: u8 = 12;
const ASPECTS: u8 = 28;
/// One past the last slot.
const SLOTS: u8 = 29;

impl<'a> Iterator for Values<'a> {
    type Item = (Field, Leaf<'a>);

    fn next(&mut self) -> Option<(Field, Leaf<'a>)> {
        while self.slot < SLOTS {
            let slot = self.slot;
            // A multi-valued field stays on its slot until its values run out.
            if slot == WATCHES || slot == RISKS || slot == ASPECTS {
                if let Some(v) = self.multi(slot) {
                    return Some(v);
                }
                self.slot += 1;
                continue;
            }
            self.slot += 1;
            if let Some(v) = self.single(slot) {
                return Some(v);
            }
        }
        None
    }
}
