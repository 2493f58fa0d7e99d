//! An extracted item becomes a mention: ids namespaced by source, times read in the source's
//! time zone, counts such as `1.2万` or `10万+` read as numbers.

use jiff::Timestamp;

use super::{FieldSpec, Item, Source, Target};
use crate::mention::{Kind, Mention};
use crate::time::parse_time_in;

/// Why an item is not a mention.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ItemError {
    #[error("item has no text")]
    NoText,
    #[error("item has no {0} (the definition reads one)")]
    Missing(&'static str),
    #[error("{field}: {reason}")]
    Bad { field: &'static str, reason: String },
}

/// What an item is read as: the definition's fields for it, its kind, and what it takes from the
/// page it stands on.
#[derive(Debug, Clone, Copy)]
pub struct ItemOf<'a> {
    pub fields: &'a [(Target, FieldSpec)],
    pub kind: Kind,
    /// The list item a detail page was followed from (its mention id): the thread.
    pub parent: Option<&'a str>,
    /// The id when the item has none of its own (a detail page's head is its thread).
    pub id: Option<&'a str>,
    /// The URL when the item has none of its own: the detail page it is on.
    pub page_url: Option<&'a str>,
}

/// Builds the mention for `item` of `source`. Items without a time field are stamped `now`.
pub fn to_mention(source: &Source, of: &ItemOf, item: &Item, now: Timestamp) -> Result<Mention, ItemError> {
    let get = |t: Target| item.get(t).map(str::to_string);
    let text = get(Target::Text).or_else(|| get(Target::Title)).ok_or(ItemError::NoText)?;
    let has_field = |t: Target| of.fields.iter().any(|(x, _)| *x == t);
    let published_at = match item.get(Target::PublishedAt) {
        Some(s) => parse_time_in(s, &source.time_zone, now)
            .map_err(|e| ItemError::Bad { field: "published_at", reason: e.to_string() })?,
        None if has_field(Target::PublishedAt) => return Err(ItemError::Missing("published_at")),
        None => now,
    };
    let count = |t: Target| -> Result<u64, ItemError> {
        item.get(t).map_or(Ok(0), |s| {
            parse_count(s).ok_or_else(|| ItemError::Bad { field: t.name(), reason: format!("{s:?} is not a count") })
        })
    };
    let rating = item
        .get(Target::Rating)
        .map(|s| {
            s.trim()
                .parse::<f32>()
                .map_err(|_| ItemError::Bad { field: "rating", reason: format!("{s:?} is not a number") })
        })
        .transpose()?;
    let namespaced = |id: &str| format!("{}:{id}", source.name);
    let mut m = Mention {
        id: item.get(Target::Id).map(namespaced).or_else(|| of.id.map(str::to_string)).unwrap_or_default(),
        source: source.name.clone(),
        kind: of.kind,
        url: get(Target::Url).or_else(|| of.page_url.map(str::to_string)).unwrap_or_default(),
        title: if item.get(Target::Text).is_some() { get(Target::Title).unwrap_or_default() } else { String::new() },
        text,
        author: get(Target::Author).unwrap_or_default(),
        published_at,
        likes: count(Target::Likes)?,
        reposts: count(Target::Reposts)?,
        replies: count(Target::Replies)?,
        rating,
        parent: item.get(Target::Parent).map(namespaced).or_else(|| of.parent.map(str::to_string)).unwrap_or_default(),
        author_followers: item.get(Target::AuthorFollowers).map(|_| count(Target::AuthorFollowers)).transpose()?,
        fetched_at: Some(now),
        time_clamped: false,
        domain: source.domain,
    };
    m.ensure_id();
    Ok(m)
}

/// A count as sites print it: `1234`, `1,234`, `1.2万`, `3亿`, `10万+`, `2k`, `1.5w`; empty is 0.
pub fn parse_count(s: &str) -> Option<u64> {
    let t = s.trim().trim_end_matches('+').replace([',', '，'], "");
    if t.is_empty() {
        return Some(0);
    }
    let (num, scale) = match t.char_indices().last() {
        Some((i, '万' | 'w' | 'W')) => (&t[..i], 10_000.0),
        Some((i, '亿')) => (&t[..i], 100_000_000.0),
        Some((i, '千' | 'k' | 'K')) => (&t[..i], 1_000.0),
        _ => (t.as_str(), 1.0),
    };
    let n: f64 = num.trim().parse().ok()?;
    (n >= 0.0 && n.is_finite()).then(|| (n * scale).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn counts_as_sites_print_them() {
        for (s, n) in [("1234", 1234), ("1,234", 1234), ("1.2万", 12000), ("10万+", 100000), ("3亿", 300000000)] {
            assert_eq!(parse_count(s), Some(n), "{s}");
        }
        assert_eq!(parse_count("2k"), Some(2000));
        assert_eq!(parse_count(""), Some(0));
        assert_eq!(parse_count("赞"), None);
        assert_eq!(parse_count("-3"), None);
    }
}
