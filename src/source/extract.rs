//! Reading one fetched page with its extractor: the items on it (raw field values, links to
//! detail pages) and where the next page is. Pure and synchronous: scraper's documents are not
//! `Send`, so the crawler calls this on a blocking thread.

use reqwest::Url;
use scraper::Html;
use serde_json::Value;

use super::field::html_to_text;
use super::{Extractor, FieldSpec, Format, ItemsAt, Pagination, Target};

/// The raw values of one item, by [`Target`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    pub values: [Option<String>; Target::COUNT],
    /// The detail page to read for it.
    pub follow: Option<String>,
}

impl Item {
    pub fn get(&self, t: Target) -> Option<&str> {
        self.values[t as usize].as_deref()
    }

    fn set(&mut self, t: Target, v: Option<String>) {
        self.values[t as usize] = v;
    }
}

/// What a page holds.
#[derive(Debug, Default)]
pub struct PageItems {
    pub items: Vec<Item>,
    /// Items left out by `skip_without`.
    pub skipped: usize,
    /// The next page's URL (`next`) or cursor (`cursor`).
    pub next: Option<String>,
    /// The page says it is the last (`pagination.end`).
    pub end: bool,
    /// The page's own mention (`[detail.head]`), read from the whole page.
    pub head: Option<Item>,
}

/// A page that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExtractError {
    #[error("malformed JSON at line {line} column {column}: {reason}")]
    Json { line: usize, column: usize, reason: String },
    #[error("items at {pointer:?} are {found}, not a list")]
    NotAList { pointer: String, found: &'static str },
    #[error("malformed feed: {0}")]
    Feed(String),
    #[error("the page nests elements {0} or more deep (at most {MAX_HTML_DEPTH}); refused, as no real page does")]
    TooDeep(usize),
}

/// The deepest element nesting read: parsing is quadratic in it (100,000 nested `<div>` took
/// 66 s), and real pages stay far below.
pub const MAX_HTML_DEPTH: usize = 512;

/// Elements whose end tag may be left out (`<li>`, `<p>` …): they close themselves, so they never
/// count as nesting; void elements have no content at all.
const NOT_NESTING: [&str; 30] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "li", "p",
    "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "rp", "rt", "colgroup", "caption",
    "param",
];

/// How deep `body` nests its elements, up to `limit` (a tag scan, no parse): start tags count
/// one level, end tags close one, and what cannot hold children does not count.
fn nesting(body: &str, limit: usize) -> usize {
    let bytes = body.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        i += lt + 1;
        let rest = &body[i..];
        if rest.starts_with("!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        let closing = rest.starts_with('/');
        let name: String = rest[usize::from(closing)..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() || NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        if rest[..end].ends_with('/') {
            continue;
        }
        if matches!(name.as_str(), "script" | "style") {
            let close = format!("</{name}");
            i += rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            continue;
        }
        depth += 1;
        deepest = deepest.max(depth);
        if deepest >= limit {
            return deepest;
        }
    }
    deepest
}

/// Reads `body`, fetched from `page_url`, with `ex`.
pub fn extract(ex: &Extractor, body: &str, page_url: &Url) -> Result<PageItems, ExtractError> {
    let mut page = match ex.format {
        Format::Html => {
            let depth = nesting(body, MAX_HTML_DEPTH);
            if depth >= MAX_HTML_DEPTH {
                return Err(ExtractError::TooDeep(depth));
            }
            html(ex, body)
        }
        Format::Json => json(ex, body)?,
        Format::Feed => feed(body)?,
    };
    for item in page.items.iter_mut().chain(page.head.as_mut()) {
        let url = item.get(Target::Url).map(|u| absolute(page_url, u));
        item.set(Target::Url, url);
        item.follow = item.follow.take().map(|u| absolute(page_url, &u));
    }
    if matches!(ex.pagination, Pagination::Next(_)) {
        page.next = page.next.take().map(|u| absolute(page_url, &u)).filter(|u| u != page_url.as_str());
    }
    Ok(page)
}

fn absolute(base: &Url, link: &str) -> String {
    base.join(link).map_or_else(|_| link.to_string(), String::from)
}

fn is_true(v: Option<String>) -> bool {
    v.is_some_and(|v| matches!(v.as_str(), "true" | "1" | "True" | "TRUE"))
}

fn pagination_field(ex: &Extractor) -> Option<&FieldSpec> {
    match &ex.pagination {
        Pagination::Next(f) => Some(f),
        Pagination::Cursor { from, .. } => Some(from),
        _ => None,
    }
}

fn html(ex: &Extractor, body: &str) -> PageItems {
    let doc = Html::parse_document(body);
    let mut page = PageItems::default();
    if let Some(ItemsAt::Css(sel)) = &ex.items {
        for el in doc.select(sel) {
            if ex.skip_without.as_ref().is_some_and(|f| f.from_html(el).is_none()) {
                page.skipped += 1;
                continue;
            }
            let mut item = Item { follow: ex.follow.as_ref().and_then(|f| f.from_html(el)), ..Item::default() };
            for (t, f) in &ex.fields {
                item.set(*t, f.from_html(el));
            }
            page.items.push(item);
        }
    }
    let root = doc.root_element();
    page.next = pagination_field(ex).and_then(|f| f.from_html(root));
    page.end = is_true(ex.end.as_ref().and_then(|f| f.from_html(root)));
    page.head = ex.head.as_ref().map(|h| {
        let mut item = Item::default();
        for (t, f) in &h.fields {
            item.set(*t, f.from_html(root));
        }
        item
    });
    page
}

/// Strips a JSONP wrapper (`callback({...});`) when there is one.
pub fn unwrap_jsonp(body: &str) -> &str {
    let t = body.trim().trim_start_matches('\u{feff}');
    if t.starts_with(['{', '[']) {
        return t;
    }
    let Some(open) = t.find('(') else { return t };
    let callback = t[..open].trim();
    let is_name = !callback.is_empty()
        && callback.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'))
        || callback.starts_with("/**/");
    match t.rfind(')') {
        Some(close) if is_name && close > open => &t[open + 1..close],
        _ => t,
    }
}

fn json(ex: &Extractor, body: &str) -> Result<PageItems, ExtractError> {
    let root: Value = serde_json::from_str(unwrap_jsonp(body)).map_err(|e| ExtractError::Json {
        line: e.line(),
        column: e.column(),
        reason: e.to_string().split(" at line").next().unwrap_or_default().to_string(),
    })?;
    let mut page = PageItems::default();
    if let Some(ItemsAt::Pointer(p)) = &ex.items {
        let list = match root.pointer(p) {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(a)) => a.as_slice(),
            Some(other) => {
                let found = match other {
                    Value::Object(_) => "an object",
                    Value::String(_) => "a string",
                    _ => "a scalar",
                };
                return Err(ExtractError::NotAList { pointer: p.clone(), found });
            }
        };
        for v in list {
            if ex.skip_without.as_ref().is_some_and(|f| f.from_json(v).is_none()) {
                page.skipped += 1;
                continue;
            }
            let mut item = Item { follow: ex.follow.as_ref().and_then(|f| f.from_json(v)), ..Item::default() };
            for (t, f) in &ex.fields {
                item.set(*t, f.from_json(v));
            }
            page.items.push(item);
        }
    }
    page.next = pagination_field(ex).and_then(|f| f.from_json(&root));
    page.end = is_true(ex.end.as_ref().and_then(|f| f.from_json(&root)));
    page.head = ex.head.as_ref().map(|h| {
        let mut item = Item::default();
        for (t, f) in &h.fields {
            item.set(*t, f.from_json(&root));
        }
        item
    });
    Ok(page)
}

fn feed(body: &str) -> Result<PageItems, ExtractError> {
    let feed = feed_rs::parser::parse(body.as_bytes()).map_err(|e| ExtractError::Feed(e.to_string()))?;
    let mut page = PageItems::default();
    for e in feed.entries {
        let mut item = Item::default();
        let text = e
            .summary
            .map(|t| t.content)
            .or_else(|| e.content.and_then(|c| c.body))
            .map(|t| html_to_text(&t))
            .filter(|t| !t.is_empty());
        item.set(Target::Id, (!e.id.is_empty()).then_some(e.id));
        item.set(Target::Url, e.links.first().map(|l| l.href.clone()));
        item.set(Target::Title, e.title.map(|t| html_to_text(&t.content)));
        item.set(Target::Text, text);
        item.set(Target::Author, e.authors.first().and_then(|a| a.name.clone()));
        item.set(Target::PublishedAt, e.published.or(e.updated).map(|t| t.to_rfc3339()));
        page.items.push(item);
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::nesting;

    #[test]
    fn nesting_is_counted_without_a_parse() {
        assert_eq!(nesting("<html><body><div><p>a<p>b<ul><li>x<li>y</ul></div></body></html>", 512), 4);
        assert_eq!(nesting("<div><br><img src=x><span/><!-- <div><div> --></div>", 512), 1);
        assert_eq!(nesting("<script>if (a<b) { x = '<div><div>' }</script><div></div>", 512), 1);
        let deep = "<div>".repeat(100_000);
        assert_eq!(nesting(&deep, 512), 512, "stops counting at the limit");
        let wide = "<div>x</div>".repeat(100_000);
        assert_eq!(nesting(&wide, 512), 1);
    }
}
