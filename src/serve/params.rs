//! Query parameters of the pages and the API, read into the library's requests; a bad value
//! is refused in Chinese (the dashboard's language; the CLI keeps its English), naming the
//! parameter as the address writes it and what it may be.

use jiff::Timestamp;
use serde::Deserialize;

use crate::digest::{Period, PeriodKind, day, iso_week, month};
use crate::index::search::{AspectFilter, SearchRequest, Sort};
use crate::mention::Kind;
use crate::sentiment::{Emotion, Label, RiskCategory};
use crate::time::{Interval, parse_time, parse_until};
use crate::watch::Watch;

/// Most results a page returns.
pub const MAX_LIMIT: usize = crate::index::search::MAX_LIMIT;
/// The deepest page.
pub const MAX_OFFSET: usize = crate::index::search::MAX_OFFSET;

/// `?q=…&watch=…` as the search form sends it (empty fields are absent).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub watch: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub sentiment: Option<String>,
    pub risk: Option<String>,
    /// The strongest emotion (anger …).
    pub emotion: Option<String>,
    /// An aspect (电池), or an aspect with its clause's label (电池:negative).
    pub aspect: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub sort: Option<String>,
    pub collapse: Option<String>,
    pub limit: Option<String>,
    /// Results skipped before the page (paging).
    pub offset: Option<String>,
    /// `en` for CSV with English headers and names, for programs (the default is for people).
    pub headers: Option<String>,
    /// A thread's id: the question (or post) and its answers (or comments).
    pub thread: Option<String>,
    /// An account's mentions only.
    pub author: Option<String>,
    /// A duplicate group's mentions only.
    pub cluster: Option<String>,
    /// An incident's mentions only (its watch, negative, from its start, within its scope).
    pub incident: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn time(name: &str, v: &Option<String>) -> Result<Option<Timestamp>, String> {
    let parse = if name == "until" { parse_until } else { parse_time };
    given(v)
        .map(|s| {
            parse(&s).map_err(|_| {
                format!("{name}：无法识别的时间 {s:?}（可写 2026-11-20、2026-11-20 10:00 或 3天前；1990 年至明天之间）")
            })
        })
        .transpose()
}

/// A parameter read by its type's `FromStr`; the error names the parameter and its `options`.
fn parsed<T: std::str::FromStr<Err = String>>(
    name: &str,
    v: &Option<String>,
    options: &str,
) -> Result<Option<T>, String> {
    given(v).map(|s| s.parse().map_err(|_| format!("{name}：没有 {s:?} 这一项，可选 {options}"))).transpose()
}

/// Each value with what it means: `time（最新）、…`.
fn options<'a>(values: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    values.into_iter().map(|(v, zh)| format!("{v}（{zh}）")).collect::<Vec<_>>().join("、")
}

/// The orders a search may take, with their names on the search form.
pub const SORTS: [(&str, &str); 3] = [("time", "最新"), ("relevance", "相关"), ("engagement", "互动")];

/// A number from `min` to `max`, or the error naming the parameter.
fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    name: &str,
    v: &str,
    min: T,
    max: T,
) -> Result<T, String> {
    v.parse::<T>()
        .ok()
        .filter(|n| *n >= min && *n <= max)
        .ok_or_else(|| format!("{name}：{v:?} 不是 {min} 到 {max} 之间的整数"))
}

/// The named watch, its error in Chinese.
fn find_watch<'a>(watches: &'a [Watch], name: &str) -> Result<&'a Watch, String> {
    crate::watch::find(watches, name).map_err(|_| {
        let names: Vec<&str> = watches.iter().map(|w| w.name.as_str()).collect();
        if names.is_empty() {
            format!("watch：没有名为 {name:?} 的监测对象（配置中还没有 [[watch]]）")
        } else {
            format!("watch：没有名为 {name:?} 的监测对象，已配置：{}", names.join("、"))
        }
    })
}

impl SearchParams {
    /// The search asked for; a watch must be one of `watches`, and every value is checked with
    /// its parameter named.
    pub fn request(&self, watches: &[Watch]) -> Result<SearchRequest, String> {
        let sort = parsed::<Sort>("sort", &self.sort, &options(SORTS))?.unwrap_or_default();
        let watch = given(&self.watch);
        if let Some(w) = &watch {
            find_watch(watches, w)?;
        }
        let offset = given(&self.offset).map(|o| number("offset", &o, 0, MAX_OFFSET)).transpose()?.unwrap_or(0);
        let limit = given(&self.limit).map(|l| number("limit", &l, 1, MAX_LIMIT)).transpose()?.unwrap_or(50);
        let kinds = options(Kind::ALL.map(|k| (k.name(), k.label_zh())));
        let labels = options(Label::ALL.map(|l| (l.name(), l.label_zh())));
        let risks = options(RiskCategory::ALL.map(|r| (r.name(), r.label_zh())));
        let emotions = options(Emotion::ALL.map(|e| (e.name(), e.label_zh())));
        let aspect = given(&self.aspect)
            .map(|a| {
                a.parse::<AspectFilter>().map_err(|_| {
                    format!("aspect：{a:?} 不是方面，应写作方面词（如 电池），或加上子句情感（如 电池:negative，可选 positive、neutral、negative）")
                })
            })
            .transpose()?;
        Ok(SearchRequest {
            query: self.q.clone(),
            watch,
            source: given(&self.source),
            kind: parsed("kind", &self.kind, &kinds)?,
            sentiment: parsed("sentiment", &self.sentiment, &labels)?,
            risk: parsed("risk", &self.risk, &risks)?,
            emotion: parsed("emotion", &self.emotion, &emotions)?,
            aspect,
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            thread: given(&self.thread),
            sort,
            limit,
            offset,
            collapse: given(&self.collapse).is_some_and(|c| c != "0" && c != "false"),
            author: given(&self.author),
            cluster: whole("cluster", &self.cluster)?,
            min_followers: None,
            scope: None,
        })
    }

    /// The incident asked for, by its number.
    pub fn incident(&self) -> Result<Option<u64>, String> {
        whole("incident", &self.incident)
    }
}

/// A whole number parameter when given, the error naming it.
fn whole(name: &str, v: &Option<String>) -> Result<Option<u64>, String> {
    given(v).map(|s| number(name, &s, 0, u64::MAX)).transpose()
}

impl SearchParams {
    /// Who the CSV export is for: `headers=en` for programs, else people.
    pub fn csv_headers(&self) -> Result<crate::index::export::CsvHeaders, String> {
        Ok(parsed("headers", &self.headers, &options([("zh", "中文表头"), ("en", "英文表头")]))?.unwrap_or_default())
    }
}

/// `?watch=…&days=…&interval=…` of the trend view and `/api/stats`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsParams {
    pub watch: Option<String>,
    pub days: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub interval: Option<String>,
}

/// A stats request made concrete: the watch, the period, the interval.
pub struct StatsQuery<'a> {
    pub watch: &'a Watch,
    pub since: Timestamp,
    pub until: Timestamp,
    pub interval: Interval,
    pub days: i64,
}

impl StatsParams {
    pub fn resolve<'a>(&self, watches: &'a [Watch]) -> Result<StatsQuery<'a>, String> {
        let watch = pick_watch(watches, &self.watch)?;
        let days = given(&self.days).map(|d| number("days", &d, 1, 3650)).transpose()?.unwrap_or(30);
        let until = time("until", &self.until)?.unwrap_or_else(Timestamp::now);
        let since = time("since", &self.since)?.unwrap_or_else(|| until - jiff::SignedDuration::from_hours(24 * days));
        let intervals = options([("hour", "按小时"), ("day", "按天")]);
        let interval = parsed::<Interval>("interval", &self.interval, &intervals)?.unwrap_or(Interval::Day);
        crate::index::stats::check_period(since, until, interval).map_err(|_| {
            if since >= until {
                "since 须早于 until".to_string()
            } else {
                let by = if interval == Interval::Hour { "小时" } else { "天" };
                let max = crate::index::stats::MAX_BUCKETS;
                format!("这段时间按{by}分超过 {max} 段：请缩短时间，或按天（interval=day）")
            }
        })?;
        Ok(StatsQuery { watch, since, until, interval, days })
    }
}

/// `?watch=…&period=day|week|month&to_date=1` or `&week=2026-W47`, `&day=2026-11-30`,
/// `&month=2026-11` of a digest (default: the last complete week); `&format=docx` for it as a
/// Word document.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DigestParams {
    pub watch: Option<String>,
    pub period: Option<String>,
    pub to_date: Option<String>,
    pub week: Option<String>,
    pub day: Option<String>,
    pub month: Option<String>,
    pub format: Option<String>,
}

impl DigestParams {
    /// Whether the digest is asked for as a Word document (`format=docx`); `usual` is the other
    /// format the address serves (html on the page, json in the API).
    pub fn wants_docx(&self, usual: &str) -> Result<bool, String> {
        match given(&self.format).as_deref() {
            None => Ok(false),
            Some("docx") => Ok(true),
            Some(f) if f == usual => Ok(false),
            Some(f) => Err(format!("format：{f:?} 应为 {usual} 或 docx（Word 文档）")),
        }
    }

    pub fn resolve<'a>(&self, watches: &'a [Watch]) -> Result<(&'a Watch, Period), String> {
        let watch = pick_watch(watches, &self.watch)?;
        let now = Timestamp::now();
        let kind = match given(&self.period).as_deref() {
            None | Some("week") => PeriodKind::Week,
            Some("day") => PeriodKind::Day,
            Some("month") => PeriodKind::Month,
            Some(p) => return Err(format!("period：{p:?} 应为 day（日报）、week（周报）或 month（月报）")),
        };
        let period = if let Some(w) = given(&self.week) {
            iso_week(&w).map_err(|_| format!("week：{w:?} 不是一周，应写作 YYYY-Www，如 2026-W47"))?
        } else if let Some(d) = given(&self.day) {
            day(&d).map_err(|_| format!("day：{d:?} 不是一天，应写作 YYYY-MM-DD，如 2026-11-30"))?
        } else if let Some(m) = given(&self.month) {
            month(&m).map_err(|_| format!("month：{m:?} 不是一个月，应写作 YYYY-MM，如 2026-11"))?
        } else if given(&self.to_date).is_some() {
            Period::so_far(kind, now)
        } else {
            Period::last(kind, now)
        };
        Ok((watch, period))
    }
}

/// The named watch, or the first when none is named.
fn pick_watch<'a>(watches: &'a [Watch], name: &Option<String>) -> Result<&'a Watch, String> {
    match given(name) {
        None => watches.first().ok_or_else(|| "配置中还没有监测对象（[[watch]]）".to_string()),
        Some(n) => find_watch(watches, &n),
    }
}
