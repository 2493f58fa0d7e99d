//! A source definition file as written (`sources/*.toml`), before validation. Every field is
//! documented here and in `sources/README.md`; unknown fields are refused with their line.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One `sources/NAME.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    /// The source's name in reports, filters and the crawl state (default: the file name).
    pub name: Option<String>,
    /// What its items are: review, post, question, answer, comment, news.
    pub kind: String,
    /// Which sentiment weights read its items: review, social, news or hotel (default: by kind, reviews
    /// as review, posts and comments as social, news, questions and answers as news).
    pub domain: Option<String>,
    /// Time zone that times without an offset are read in.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// When `yuqing run` crawls it: cron with seconds (`0 */30 * * * *`) or crontab's five fields.
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// Items older than this many days are skipped, and a listing stops paging when it reaches them.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// At most this many pages per start URL and run.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Keep only items that match one of the configured watches (news feeds, forums).
    #[serde(default)]
    pub only_watched: bool,
    /// Start URLs; `{name}` is replaced by each value of `params.name` (every combination),
    /// `{keyword}` by each watch's name and aliases unless `params.keyword` is given,
    /// `{page}` and `{cursor}` by the pagination.
    pub urls: Vec<String>,
    #[serde(default)]
    pub params: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub request: RawRequest,
    /// How the start URLs' pages are read.
    pub list: RawExtractor,
    /// How the pages that `list.follow` links to are read (a question with its answers).
    pub detail: Option<RawExtractor>,
}

/// HTTP settings of one source.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequest {
    /// Overrides the configured User-Agent.
    pub user_agent: Option<String>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers whose value is read from an environment variable (cookies, tokens):
    /// `{ Cookie = "WEIBO_COOKIE" }`. A missing variable is an error when the source is crawled.
    #[serde(default)]
    pub headers_from_env: BTreeMap<String, String>,
    /// Proxy URL (`http://`, `socks5h://`).
    pub proxy: Option<String>,
    /// Least time between two requests to one host, in milliseconds (robots.txt may ask for more).
    pub delay_ms: Option<u64>,
    /// Most requests in flight to one host.
    pub concurrency: Option<usize>,
    /// Obey robots.txt (default: the `[crawl]` setting, true).
    pub respect_robots: Option<bool>,
    /// Hosts beyond the start URLs' sites that links and redirects may lead to.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Let links and redirects reach private, loopback and link-local addresses (default: only
    /// when the start URLs are there).
    #[serde(default)]
    pub allow_private: bool,
}

/// How to read one kind of page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExtractor {
    /// html, json (JSONP is unwrapped) or feed (RSS/Atom).
    pub format: String,
    /// The items on the page: a CSS selector (html) or a JSON pointer to a list (json).
    pub items: Option<String>,
    /// Items without this field are not items (a feed's ads, other card types); skipped silently.
    pub skip_without: Option<RawField>,
    /// A link per item to a detail page read by `[detail]`.
    pub follow: Option<RawField>,
    /// Whether the items themselves are mentions (default true; false for a plain list of links).
    #[serde(default = "default_true")]
    pub emit: bool,
    /// Overrides the source's kind for these items (answers on a question page).
    pub kind: Option<String>,
    #[serde(default)]
    pub fields: RawFields,
    #[serde(default)]
    pub pagination: RawPagination,
    /// Detail pages only: the thread's own mention, read from the page itself (a question's
    /// title, body and time); its id is the list item's it was followed from.
    pub head: Option<RawHead>,
}

/// `[detail.head]`: the fields of a detail page's own mention, selected from the whole page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHead {
    /// Its kind (default question).
    pub kind: Option<String>,
    #[serde(default)]
    pub fields: RawFields,
}

/// Where each mention field comes from.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFields {
    pub id: Option<RawField>,
    pub url: Option<RawField>,
    pub title: Option<RawField>,
    pub text: Option<RawField>,
    pub author: Option<RawField>,
    pub published_at: Option<RawField>,
    pub likes: Option<RawField>,
    pub reposts: Option<RawField>,
    pub replies: Option<RawField>,
    pub rating: Option<RawField>,
    pub parent: Option<RawField>,
    /// The author's followers (reach): `1234`, `1.2万` …
    pub author_followers: Option<RawField>,
}

/// A field: a CSS selector (`"span.time"`, `"a.title@href"`, `"@data-id"` for the item's own
/// attribute) or a JSON pointer (`"/user/name"`), or a table with more options.
#[derive(Debug)]
pub(super) enum RawField {
    Short(String),
    Full(RawFieldTable),
}

/// The forms a field may take, for the message when it has another.
const FIELD_FORMS: &str = "a field is a string (a CSS selector such as \"span.time\", \"a@href\" or \"@data-id\", or a \
     JSON pointer such as \"/user/name\") or a table with select, attr, pointer, all, html, regex, format";

impl<'de> Deserialize<'de> for RawField {
    /// A string, or a table whose unknown keys are named (serde's untagged enums only say that
    /// no variant matched).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::String(s) => Ok(RawField::Short(s)),
            toml::Value::Table(t) => {
                RawFieldTable::deserialize(toml::Value::Table(t)).map(RawField::Full).map_err(serde::de::Error::custom)
            }
            other => Err(serde::de::Error::custom(format!("{FIELD_FORMS}, not {}", other.type_str()))),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFieldTable {
    /// CSS selector inside the item (html); absent: the item itself.
    pub select: Option<String>,
    /// JSON pointer inside the item (json).
    pub pointer: Option<String>,
    /// Read this attribute instead of the text (html).
    pub attr: Option<String>,
    /// Keep the first capture group (or the whole match) of this regular expression.
    pub regex: Option<String>,
    /// Put the value into this template at `{}` (`"https://m.weibo.cn/detail/{}"`).
    pub format: Option<String>,
    /// The value is HTML (JSON APIs that return marked-up text): keep only its text.
    #[serde(default)]
    pub html: bool,
    /// Join the text of every match (html), not just the first.
    #[serde(default)]
    pub all: bool,
}

/// How to reach the next page; at most one of `pages`, `next`, `cursor`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPagination {
    /// Numbered pages through `{page}` in the URL.
    pub pages: Option<RawPages>,
    /// A link to the next page (CSS selector with `@href`, or a JSON pointer).
    pub next: Option<RawField>,
    /// A cursor taken from the response and put into `{cursor}` in the URL.
    pub cursor: Option<RawCursor>,
    /// Stop when this field reads true / 1 (`/paging/is_end`).
    pub end: Option<RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPages {
    /// The first page's number (0 or 1 on most sites).
    #[serde(default = "default_first_page")]
    pub first: u64,
    /// How much the number grows a page (Tieba's `pn` grows by 50).
    #[serde(default = "default_step")]
    pub step: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCursor {
    /// Where the next cursor is in the response.
    pub from: RawField,
    /// The cursor value for the first page.
    #[serde(default)]
    pub first: String,
}

fn default_time_zone() -> String {
    crate::time::ZONE_NAME.to_string()
}

fn default_schedule() -> String {
    "0 */30 * * * *".to_string()
}

const fn default_window_days() -> u32 {
    7
}

const fn default_max_pages() -> u32 {
    50
}

const fn default_true() -> bool {
    true
}

const fn default_first_page() -> u64 {
    1
}

const fn default_step() -> u64 {
    1
}
