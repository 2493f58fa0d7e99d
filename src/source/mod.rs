//! Source definitions: what to fetch and how to read it, as data (`sources/*.toml`, documented
//! in `sources/README.md`). Parsed raw (serde, unknown fields refused) and then validated into
//! typed values, every error naming the file and the field. The extractors (CSS selectors, JSON
//! pointers with JSONP unwrapped, RSS/Atom) turn a page into items, and items into mentions.

mod checks;
mod definition;
mod extract;
mod field;
mod item;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::tz::TimeZone;

pub use extract::{ExtractError, Item, PageItems, extract};
pub use field::{FieldSpec, Locator, html_to_text};
pub use item::{ItemError, ItemOf, parse_count, to_mention};

use crate::mention::Kind;
use crate::schedule::Schedule;
use crate::sentiment::Domain;
use definition::{RawExtractor, RawField, RawFields, RawHead, RawSource};

/// The most start URLs a definition may expand to (every combination of its params): a listing
/// walk each, and 300 × 300 × 300 values took 12.6 GB before anything was fetched.
pub const MAX_START_URLS: usize = 10_000;

/// What can be wrong with a source definition.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read source definitions in {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("source {file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("source {file}: {field}: {reason}")]
    Invalid { file: PathBuf, field: String, reason: String },
}

impl SourceError {
    /// The definition file the error is about.
    pub fn file(&self) -> Option<&Path> {
        match self {
            SourceError::Read { path, .. } => Some(path),
            SourceError::Parse { file, .. } | SourceError::Invalid { file, .. } => Some(file),
        }
    }
}

/// The definitions of a folder: those that loaded, and why each other one did not.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: Vec<Source>,
    /// One error per file that failed, naming the file, the field and the reason.
    pub broken: Vec<SourceError>,
}

/// How a page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Feed,
}

/// How the next page is reached.
#[derive(Debug, Clone)]
pub enum Pagination {
    /// One page per start URL.
    None,
    /// `{page}` in the URL, from `first`, growing by `step`.
    Pages { first: u64, step: u64 },
    /// A link on the page.
    Next(FieldSpec),
    /// `{cursor}` in the URL, taken from the response.
    Cursor { from: FieldSpec, first: String },
}

/// How one kind of page is read, validated.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub format: Format,
    /// CSS selector (html) or JSON pointer (json); feeds have their entries.
    pub items: Option<ItemsAt>,
    pub skip_without: Option<FieldSpec>,
    pub follow: Option<FieldSpec>,
    pub emit: bool,
    pub kind: Kind,
    pub fields: Vec<(Target, FieldSpec)>,
    pub pagination: Pagination,
    /// Stop paging when this reads true or 1.
    pub end: Option<FieldSpec>,
    /// On a detail page: the thread's own mention (a question's title, body and time), read from
    /// the page itself rather than from its items.
    pub head: Option<Head>,
}

/// A detail page's own mention.
#[derive(Debug, Clone)]
pub struct Head {
    pub kind: Kind,
    pub fields: Vec<(Target, FieldSpec)>,
}

impl Extractor {
    /// How this extractor's items are read; `parent` and `page_url` come from the page.
    pub fn items_of<'a>(&'a self, parent: Option<&'a str>, page_url: Option<&'a str>) -> ItemOf<'a> {
        ItemOf { fields: &self.fields, kind: self.kind, parent, id: None, page_url }
    }
}

/// Where a page's items are.
#[derive(Debug, Clone)]
pub enum ItemsAt {
    Css(scraper::Selector),
    Pointer(String),
}

/// The mention field an extracted value goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Id,
    Url,
    Title,
    Text,
    Author,
    PublishedAt,
    Likes,
    Reposts,
    Replies,
    Rating,
    Parent,
    AuthorFollowers,
}

impl Target {
    pub const COUNT: usize = 12;

    pub fn name(self) -> &'static str {
        match self {
            Target::Id => "id",
            Target::Url => "url",
            Target::Title => "title",
            Target::Text => "text",
            Target::Author => "author",
            Target::PublishedAt => "published_at",
            Target::Likes => "likes",
            Target::Reposts => "reposts",
            Target::Replies => "replies",
            Target::Rating => "rating",
            Target::Parent => "parent",
            Target::AuthorFollowers => "author_followers",
        }
    }
}

/// HTTP settings of a source, validated.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    pub user_agent: Option<String>,
    pub headers: Vec<(String, String)>,
    /// (header, environment variable).
    pub headers_from_env: Vec<(String, String)>,
    pub proxy: Option<String>,
    pub delay_ms: Option<u64>,
    pub concurrency: Option<usize>,
    pub respect_robots: Option<bool>,
    /// Hosts beyond the start URLs' sites that links and redirects may lead to.
    pub allowed_hosts: Vec<String>,
    /// Links and redirects may reach private addresses.
    pub allow_private: bool,
}

/// A validated source definition.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub file: PathBuf,
    pub kind: Kind,
    /// The sentiment domain its items are scored in (`None`: by each item's kind).
    pub domain: Option<Domain>,
    pub time_zone: TimeZone,
    pub schedule: Schedule,
    pub window_days: u32,
    pub max_pages: u32,
    pub only_watched: bool,
    pub urls: Vec<String>,
    pub params: BTreeMap<String, Vec<String>>,
    pub request: RequestSpec,
    /// Shared, not cloned per page: a cloned `Regex` starts with empty match caches.
    pub list: Arc<Extractor>,
    pub detail: Option<Arc<Extractor>>,
}

impl Source {
    /// Reads and validates one definition file.
    pub fn load(file: &Path) -> Result<Source, SourceError> {
        let text = std::fs::read_to_string(file).map_err(|source| SourceError::Read { path: file.into(), source })?;
        Source::parse(&text, file)
    }

    /// Every `*.toml` in `dir` (not recursing), sorted by name. A definition that fails to load
    /// is kept with its error, and the others load: one broken file never stops the rest. Only
    /// a folder that cannot be read is an error.
    pub fn load_dir(dir: &Path) -> Result<Loaded, SourceError> {
        let read = |source| SourceError::Read { path: dir.into(), source };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        let mut loaded = Loaded::default();
        for f in &files {
            match Source::load(f) {
                Ok(s) if loaded.sources.iter().any(|x| x.name == s.name) => {
                    let reason = format!("{:?} is already the name of another source", s.name);
                    loaded.broken.push(SourceError::Invalid { file: f.clone(), field: "name".into(), reason });
                }
                Ok(s) => loaded.sources.push(s),
                Err(e) => loaded.broken.push(e),
            }
        }
        Ok(loaded)
    }

    /// Parses and validates definition text; `file` names it in errors and gives the default name.
    pub fn parse(text: &str, file: &Path) -> Result<Source, SourceError> {
        let raw: RawSource = toml::from_str(text)
            .map_err(|e| SourceError::Parse { file: file.into(), message: e.to_string().trim_end().to_string() })?;
        let fail = |field: String, reason: String| SourceError::Invalid { file: file.into(), field, reason };
        let invalid = |field: &str, reason: String| fail(field.to_string(), reason);
        let name = raw.name.unwrap_or_else(|| file.file_stem().unwrap_or_default().to_string_lossy().into_owned());
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            return Err(invalid("name", format!("{name:?} must be non-empty without spaces")));
        }
        let kind = parse_kind(&raw.kind).map_err(|r| invalid("kind", r))?;
        let domain = raw.domain.map(|d| d.parse::<Domain>().map_err(|r| invalid("domain", r))).transpose()?;
        let time_zone =
            TimeZone::get(&raw.time_zone).map_err(|e| invalid("time_zone", format!("{:?}: {e}", raw.time_zone)))?;
        let schedule = Schedule::parse(&raw.schedule).map_err(|r| invalid("schedule", r))?;
        let range = |field: &str, v: u64, min: u64, max: u64| {
            crate::setting::check_range(field, v, min, max).map_err(|e| invalid(field, e.reason))
        };
        range("window_days", u64::from(raw.window_days), 1, 3650)?;
        range("max_pages", u64::from(raw.max_pages), 1, 100_000)?;
        if raw.urls.is_empty() {
            return Err(invalid("urls", "give at least one start URL".into()));
        }
        let list = extractor(raw.list, "list", kind, &fail)?;
        let mut starts = 0usize;
        for (i, u) in raw.urls.iter().enumerate() {
            let field = format!("urls[{i}]");
            check_url_template(u, &raw.params, &list.pagination).map_err(|r| fail(field.clone(), r))?;
            let combinations = placeholders(u)
                .filter_map(|n| raw.params.get(n))
                .fold(1usize, |n, values| n.saturating_mul(values.len()));
            starts = starts.saturating_add(combinations);
            if starts > MAX_START_URLS {
                let reason = format!("the urls and params make {starts} start URLs or more; at most {MAX_START_URLS}");
                return Err(fail("params".into(), reason));
            }
        }
        let detail = raw.detail.map(|d| extractor(d, "detail", kind, &fail)).transpose()?;
        let failed = |(field, reason): checks::Failed| invalid(field, reason);
        checks::pages(&list, detail.as_ref()).map_err(failed)?;
        let r = raw.request;
        checks::request(&r).map_err(failed)?;
        Ok(Source {
            name,
            file: file.into(),
            kind,
            domain,
            time_zone,
            schedule,
            window_days: raw.window_days,
            max_pages: raw.max_pages,
            only_watched: raw.only_watched,
            urls: raw.urls,
            params: raw.params,
            request: RequestSpec {
                user_agent: r.user_agent,
                headers: r.headers.into_iter().collect(),
                headers_from_env: r.headers_from_env.into_iter().collect(),
                proxy: r.proxy,
                delay_ms: r.delay_ms,
                concurrency: r.concurrency,
                respect_robots: r.respect_robots,
                allowed_hosts: r.allowed_hosts,
                allow_private: r.allow_private,
            },
            list: Arc::new(list),
            detail: detail.map(Arc::new),
        })
    }
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<Format, String> {
    match s {
        "html" => Ok(Format::Html),
        "json" | "jsonp" => Ok(Format::Json),
        "feed" | "rss" | "atom" => Ok(Format::Feed),
        _ => Err(format!("{s:?} is not one of html, json, feed")),
    }
}

/// Every `{name}` in a URL template must be a param, `keyword`, or the pagination's placeholder.
fn check_url_template(
    url: &str,
    params: &BTreeMap<String, Vec<String>>,
    pagination: &Pagination,
) -> Result<(), String> {
    let probe = url.replace(['{', '}'], "");
    let parsed = reqwest::Url::parse(&probe).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("{url:?} is not an http:// or https:// URL with a host"));
    }
    for name in placeholders(url) {
        let ok = match name {
            "page" => matches!(pagination, Pagination::Pages { .. }),
            "cursor" => matches!(pagination, Pagination::Cursor { .. }),
            "keyword" => true,
            other => params.get(other).is_some_and(|v| !v.is_empty()),
        };
        if !ok {
            return Err(format!(
                "{{{name}}} has no values: add params.{name}, or pagination pages/cursor for {{page}}/{{cursor}}"
            ));
        }
    }
    if matches!(pagination, Pagination::Pages { .. }) && !url.contains("{page}") {
        return Err("numbered pagination needs {page} in the URL".into());
    }
    if matches!(pagination, Pagination::Cursor { .. }) && !url.contains("{cursor}") {
        return Err("cursor pagination needs {cursor} in the URL".into());
    }
    Ok(())
}

/// The `{name}` placeholders of a URL template.
pub fn placeholders(url: &str) -> impl Iterator<Item = &str> {
    url.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name))
}

fn extractor(
    raw: RawExtractor,
    section: &str,
    source_kind: Kind,
    fail: &dyn Fn(String, String) -> SourceError,
) -> Result<Extractor, SourceError> {
    let at = |f: &str| format!("{section}.{f}");
    let format = parse_format(&raw.format).map_err(|r| fail(at("format"), r))?;
    let field = |raw: Option<RawField>, name: &str| -> Result<Option<FieldSpec>, SourceError> {
        raw.map(|r| FieldSpec::parse(r, format, &at(name), fail)).transpose()
    };
    let items = match (format, raw.items) {
        (Format::Feed, None) => None,
        (Format::Feed, Some(_)) => return Err(fail(at("items"), "feeds list their entries themselves".into())),
        (_, None) => return Err(fail(at("items"), "say where the items are (CSS selector or JSON pointer)".into())),
        (Format::Html, Some(s)) => Some(ItemsAt::Css(field::css(&s).map_err(|r| fail(at("items"), r))?)),
        (Format::Json, Some(p)) if p.is_empty() || p.starts_with('/') => Some(ItemsAt::Pointer(p)),
        (Format::Json, Some(p)) => {
            return Err(fail(at("items"), format!("JSON pointer {p:?} must start with `/`")));
        }
    };
    let kind = raw.kind.map(|k| parse_kind(&k).map_err(|r| fail(at("kind"), r))).transpose()?.unwrap_or(source_kind);
    let fields = field_specs(raw.fields, &|spec, name| field(spec, name))?;
    if format != Format::Feed && raw.emit && !fields.iter().any(|(t, _)| matches!(t, Target::Text | Target::Title)) {
        return Err(fail(at("fields.text"), "items need a text (or at least a title)".into()));
    }
    let head = raw.head.map(|h| head(h, &field, &at, fail)).transpose()?;
    let p = raw.pagination;
    let modes = [p.pages.is_some(), p.next.is_some(), p.cursor.is_some()].iter().filter(|x| **x).count();
    if modes > 1 {
        return Err(fail(at("pagination"), "choose one of pages, next, cursor".into()));
    }
    let pagination = if let Some(pages) = p.pages {
        if pages.step == 0 {
            return Err(fail(at("pagination.pages.step"), "must be at least 1".into()));
        }
        Pagination::Pages { first: pages.first, step: pages.step }
    } else if let Some(next) = p.next {
        Pagination::Next(FieldSpec::parse(next, format, &at("pagination.next"), fail)?)
    } else if let Some(c) = p.cursor {
        Pagination::Cursor {
            from: FieldSpec::parse(c.from, format, &at("pagination.cursor.from"), fail)?,
            first: c.first,
        }
    } else {
        Pagination::None
    };
    if format == Format::Feed && !matches!(pagination, Pagination::None) {
        return Err(fail(at("pagination"), "feeds are read one page at a time".into()));
    }
    Ok(Extractor {
        format,
        items,
        skip_without: field(raw.skip_without, "skip_without")?,
        follow: field(raw.follow, "follow")?,
        emit: raw.emit,
        kind,
        fields,
        pagination,
        end: field(p.end, "pagination.end")?,
        head,
    })
}

/// Validates one field of a definition, naming it (`fields.text`) in errors.
type FieldCheck<'a> = dyn Fn(Option<RawField>, &str) -> Result<Option<FieldSpec>, SourceError> + 'a;

/// The mention fields a definition gives, each validated by `field`.
fn field_specs(f: RawFields, field: &FieldCheck) -> Result<Vec<(Target, FieldSpec)>, SourceError> {
    let mut fields = Vec::new();
    for (target, spec) in [
        (Target::Id, f.id),
        (Target::Url, f.url),
        (Target::Title, f.title),
        (Target::Text, f.text),
        (Target::Author, f.author),
        (Target::PublishedAt, f.published_at),
        (Target::Likes, f.likes),
        (Target::Reposts, f.reposts),
        (Target::Replies, f.replies),
        (Target::Rating, f.rating),
        (Target::Parent, f.parent),
        (Target::AuthorFollowers, f.author_followers),
    ] {
        if let Some(spec) = field(spec, &format!("fields.{}", target.name()))? {
            fields.push((target, spec));
        }
    }
    Ok(fields)
}

/// A detail page's `[detail.head]`: its fields (read from the page root) and its kind (question
/// by default).
fn head(
    raw: RawHead,
    field: &FieldCheck,
    at: &dyn Fn(&str) -> String,
    fail: &dyn Fn(String, String) -> SourceError,
) -> Result<Head, SourceError> {
    let kind = raw.kind.map(|k| parse_kind(&k).map_err(|r| fail(at("head.kind"), r))).transpose()?;
    let fields = field_specs(raw.fields, &|spec, name| field(spec, &format!("head.{name}")))?;
    if !fields.iter().any(|(t, _)| matches!(t, Target::Text | Target::Title)) {
        return Err(fail(at("head.fields.text"), "the page's own mention needs a text (or at least a title)".into()));
    }
    Ok(Head { kind: kind.unwrap_or(Kind::Question), fields })
}

#[cfg(test)]
mod tests;
