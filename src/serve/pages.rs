//! The dashboard's pages, drawn on the server with maud: search, trends, alerts, digests (the
//! incidents' are in `incidents`); a digest or a written report also as its Word document.
//! Crawled text is escaped by maud; tantivy's snippets arrive escaped with `<b>` marks.

use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Dashboard;
use super::api::{ApiError, blocking, word_file};
use super::params::{DigestParams, SORTS, SearchParams, StatsParams};
use super::{breakdowns, ranges};
use crate::alert::Severity;
use crate::digest::charts::{Bars, CSS as CHART_CSS, search_link, share_bars, watch_posts};
use crate::digest::html as digest_html;
use crate::index::search::{SearchHit, SearchResults, search as run_search};
use crate::mention::Kind;
use crate::render::safe_url;
use crate::render::shares::{aspect_shares, emotion_shares};
use crate::sentiment::{Emotion, RiskCategory};
use crate::time::Interval;
use crate::time::local_minute;

const CSS: &str = r#"
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
nav{background:#24292f;padding:8px 16px}nav a{color:#fff;margin-right:18px;text-decoration:none}nav a.on{font-weight:700;text-decoration:underline}
main{max-width:1000px;margin:0 auto;padding:12px 16px}
section,.hit{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;margin:10px 0}
form.filters{display:flex;flex-wrap:wrap;gap:6px;align-items:center}form.filters input,form.filters select{padding:4px}
p.ranges{margin:6px 0;font-size:.9em}p.ranges a{margin-right:10px;white-space:nowrap}p.ranges a.on{font-weight:700;color:#1f2328;text-decoration:none}label.when{white-space:nowrap}
.q{flex:1 1 260px}.pager{margin:12px 0}.pager a{margin-right:16px}.meta{color:#59636e;font-size:.85em}.snippet b{background:#fff8c5;font-weight:700}
.label{display:inline-block;padding:0 6px;border-radius:10px;font-size:.8em;color:#fff}
.positive{background:#2e9d5b}.neutral{background:#9aa3ad}.negative{background:#d64541}
.error{background:#ffebe9;border:1px solid #ff8182;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{padding:4px 6px;border-bottom:1px solid #eaeef2;text-align:left}
.workflow div{margin:6px 0;display:flex;flex-wrap:wrap;gap:6px;align-items:center}.workflow textarea{flex:1 1 260px}
details summary{cursor:pointer;color:#0969da;margin:6px 0}.critical{color:#b42318;font-weight:700}.warning{color:#9a6700;font-weight:700}
"#;

pub(super) fn layout(title: &str, active: &str, body: Markup) -> Html<String> {
    let link =
        |href: &str, name: &str, key: &str| html! { a href=(href) class=[(key == active).then_some("on")] { (name) } };
    Html(
        html! {
            (DOCTYPE)
            html lang="zh-CN" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · yuqing" }
                    style { (PreEscaped(CSS)) (PreEscaped(CHART_CSS)) }
                }
                body {
                    nav {
                        (link("/search", "搜索", "search")) (link("/saved", "专题", "saved")) (link("/trends", "趋势", "trends"))
                        (link("/alerts", "预警", "alerts")) (link("/incidents", "事件", "incidents")) (link("/digests", "报告", "digests"))
                    }
                    main { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// A page saying what went wrong, with the status.
pub(super) fn error_page(status: StatusCode, active: &str, message: &str) -> Response {
    (status, layout("错误", active, html! { p.error { (message) } })).into_response()
}

/// The 401 page for a browser without the token: what it is and how to open the dashboard.
pub fn unauthorized() -> Response {
    let body = html! {
        section {
            h2 { "需要访问令牌" }
            p { "这个舆情看板只对持有访问令牌的人开放。请向部署看板的同事索取令牌，然后用下面任一方式打开：" }
            ul {
                li { "在地址后加上 " code { "?token=令牌" } " 打开一次，浏览器会记住它（令牌随即从地址中去掉）；" }
                li { "或在请求头中带上 " code { "Authorization: Bearer 令牌" } "。" }
            }
        }
    };
    (StatusCode::UNAUTHORIZED, layout("需要访问令牌", "", body)).into_response()
}

pub(super) fn page_error(e: ApiError, active: &str) -> Response {
    match e {
        ApiError::Bad(m) => error_page(StatusCode::BAD_REQUEST, active, &m),
        ApiError::Forbidden(m) => error_page(StatusCode::FORBIDDEN, active, &m),
        ApiError::Unavailable(m) => error_page(StatusCode::SERVICE_UNAVAILABLE, active, &m),
        ApiError::Internal(m) => error_page(StatusCode::INTERNAL_SERVER_ERROR, active, &m),
    }
}

fn selected(current: &Option<String>, value: &str) -> bool {
    current.as_deref() == Some(value)
}

pub async fn search(
    State(d): State<Arc<Dashboard>>,
    Query(p): Query<SearchParams>,
    RawQuery(raw): RawQuery,
) -> Response {
    let watches: Vec<String> = d.watches.iter().map(|w| w.name.clone()).collect();
    let form = html! {
        form.filters method="get" action="/search" {
            input.q type="search" name="q" value=(p.q) placeholder="查询：词 词、\"短语\"、OR、-排除";
            select name="watch" { option value="" { "全部品牌" } @for w in &watches { option value=(w) selected[selected(&p.watch, w)] { (w) } } }
            select name="sentiment" {
                option value="" { "全部情感" }
                @for (v, n) in [("negative", "负面"), ("neutral", "中性"), ("positive", "正面")] { option value=(v) selected[selected(&p.sentiment, v)] { (n) } }
            }
            select name="kind" {
                option value="" { "全部类型" }
                @for k in Kind::ALL { option value=(k.name()) selected[selected(&p.kind, k.name())] { (k.label_zh()) } }
            }
            select name="risk" {
                option value="" { "全部风险" }
                @for c in RiskCategory::ALL { option value=(c.name()) selected[selected(&p.risk, c.name())] { (c.label_zh()) } }
            }
            select name="emotion" {
                option value="" { "全部情绪" }
                @for e in Emotion::ALL { option value=(e.name()) selected[selected(&p.emotion, e.name())] { (e.label_zh()) } }
            }
            input type="text" name="aspect" value=(p.aspect.clone().unwrap_or_default()) placeholder="方面（如 电池）" size="10";
            input type="text" name="source" value=(p.source.clone().unwrap_or_default()) placeholder="来源" size="10";
            (ranges::pickers(p.since.as_deref(), p.until.as_deref()))
            select name="sort" {
                @for (v, n) in SORTS { option value=(v) selected[selected(&p.sort, v)] { (n) } }
            }
            label { input type="checkbox" name="collapse" value="1" checked[p.collapse.is_some()]; "合并重复" }
            button type="submit" { "搜索" }
        }
        p.ranges { "时间：" (ranges::links("/search", raw.as_deref().unwrap_or(""), &ranges::SEARCH, p.since.as_deref(), p.until.as_deref())) }
    };
    let request = match d.search_request(&p).map_err(|e| match e {
        ApiError::Bad(m) => m,
        ApiError::Forbidden(m) | ApiError::Unavailable(m) | ApiError::Internal(m) => m,
    }) {
        Ok(r) => r,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, layout("搜索", "search", html! { (form) p.error { (e) } }))
                .into_response();
        }
    };
    let dash = d.clone();
    let results = match blocking(move || Ok(run_search(&dash.searcher(), dash.fields, &request)?)).await {
        Ok(r) => r,
        Err(ApiError::Bad(m)) => {
            return (StatusCode::BAD_REQUEST, layout("搜索", "search", html! { (form) p.error { (m) } }))
                .into_response();
        }
        Err(e) => return page_error(e, "search"),
    };
    let raw = raw.unwrap_or_default();
    let export = format!("/api/search.csv?{}", without(&raw, &["offset", "limit"]));
    let body = html! {
        (form)
        p.meta.total { (results.range_zh()) " · " a href=(export) { "导出全部 CSV" } }
        @for h in &results.hits { (hit_card(h)) }
        (pager(&results, &raw))
        (super::saved::save_form(&d, &raw))
    };
    layout("搜索", "search", body).into_response()
}

/// The query string without the parameters `names`.
fn without(raw: &str, names: &[&str]) -> String {
    raw.split('&')
        .filter(|kv| !kv.is_empty() && !names.contains(&kv.split('=').next().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("&")
}

/// Links to the previous and next pages.
fn pager(r: &SearchResults, raw: &str) -> Markup {
    let base = without(raw, &["offset"]);
    let at = |offset: usize| format!("/search?{base}{}offset={offset}", if base.is_empty() { "" } else { "&" });
    let limit = r.limit.max(1);
    let shown_to = r.offset + r.hits.len();
    html! {
        div.pager {
            @if r.offset > 0 { a rel="prev" href=(at(r.offset.saturating_sub(limit))) { "上一页" } " " }
            @if (shown_to as u64) < r.total && r.hits.len() == limit { a rel="next" href=(at(shown_to)) { "下一页" } }
        }
    }
}

/// One result: sentiment, time, source, kind, brands, risks, the author and reach, 赞/转/评, the
/// group's size, the thread's question, the text with its matches marked, the link.
fn hit_card(h: &SearchHit) -> Markup {
    let mut facts: Vec<String> = vec![local_minute(h.published_at), h.source.clone(), h.kind.label_zh().to_string()];
    if let Some(e) = h.emotion {
        facts.push(format!("情绪 {}", e.label_zh()));
    }
    if !h.watches.is_empty() {
        facts.push(h.watches.join("、"));
    }
    if !h.risks.is_empty() {
        facts.push(format!("风险 {}", h.risks.iter().map(|r| r.label_zh()).collect::<Vec<_>>().join("、")));
    }
    if !h.author.is_empty() {
        let reach = h.author_followers.map_or_else(String::new, |n| format!("（粉丝 {n}）"));
        facts.push(format!("作者 {}{reach}", h.author));
    }
    if let Some(r) = h.rating {
        facts.push(format!("{r} 星"));
    }
    facts.push(format!("赞 {} · 转 {} · 评 {}", h.likes, h.reposts, h.replies));
    html! {
        div.hit data-id=(h.id) {
            div.meta {
                span class={"label " (h.label.name())} { (h.label.label_zh()) } " " (facts.join(" · "))
                @if let Some(g) = h.group.and_then(|g| g.label_zh()) { " · " span.group { (g) } }
            }
            @if !h.parent.is_empty() {
                div.meta.thread {
                    "所属：" a href={"/search?thread=" (percent_encoding::utf8_percent_encode(&h.parent, percent_encoding::NON_ALPHANUMERIC))} {
                        @if h.parent_title.is_empty() { (h.parent) } @else { (h.parent_title) }
                    }
                }
            }
            @if !h.title.is_empty() { div { strong { (h.title) } } }
            div.snippet { (PreEscaped(&h.snippet_html)) }
            @if let Some(url) = safe_url(&h.url) { div.meta { a href=(url) rel="noopener noreferrer" { "原文" } } }
        }
    }
}

pub async fn trends(
    State(d): State<Arc<Dashboard>>,
    Query(p): Query<StatsParams>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (p_since, p_until) = (p.since.clone().filter(|s| !s.trim().is_empty()), p.until.clone());
    let dash = d.clone();
    let (s, days, interval, marks) = match blocking(move || {
        let (s, days, interval) = dash.stats(&p)?;
        let marks = dash.alert_marks(&s.watch, s.since);
        Ok((s, days, interval, marks))
    })
    .await
    {
        Ok(r) => r,
        Err(e) => return page_error(e, "trends"),
    };
    let hourly = interval == Interval::Hour;
    // The quick range in force: the `since` given, else the `days` it came to (30 by default).
    let quick_since =
        p_since.clone().or_else(|| Some(if days == 1 { "24小时前".into() } else { format!("{days}天前") }));
    let posts = watch_posts("", &s.watch);
    let chart = Bars {
        name: if hourly { "hourly" } else { "daily" },
        buckets: &s.buckets,
        interval,
        now: Timestamp::now(),
        marks,
        link: Some(&posts),
        net: true,
    };
    let shares: Vec<(String, u64, f64, Option<f64>)> =
        s.share_of_voice.iter().map(|x| (x.watch.clone(), x.mentions, x.share, None)).collect();
    // Every count below links to the posts it counts: the watch's, in the chart's period.
    let (since, until) = (s.since.to_string(), s.until.to_string());
    let of = |extra: &[(&str, &str)]| {
        let mut pairs = vec![("watch", s.watch.as_str()), ("since", since.as_str()), ("until", until.as_str())];
        pairs.extend_from_slice(extra);
        search_link("", &pairs)
    };
    let of_watch = |w: &str| search_link("", &[("watch", w), ("since", &since), ("until", &until)]);
    let body = html! {
        form.filters method="get" action="/trends" {
            select name="watch" { @for w in &d.watches { option value=(w.name) selected[w.name == s.watch] { (w.name) } } }
            (ranges::pickers(p_since.as_deref(), p_until.as_deref()))
            select name="interval" { option value="day" selected[!hourly] { "按天" } option value="hour" selected[hourly] { "按小时" } }
            button type="submit" { "查看" }
        }
        p.ranges { "时间：" (ranges::links("/trends", raw.as_deref().unwrap_or(""), &ranges::TRENDS, quick_since.as_deref(), p_until.as_deref())) }
        section {
            h2 { (s.watch) " · " (local_minute(s.since)) " → " (local_minute(s.until)) }
            p { "提及 " (s.counts.total) "：正面 " (s.counts.positive) "，中性 " (s.counts.neutral) "，负面 " (s.counts.negative)
                " · 净情感 " (format!("{:+.2}", s.net_sentiment)) }
            (chart.render())
        }
        @if shares.len() > 1 { section { h2 { "声量份额" } (share_bars(&s.watch, &shares, Some(&of_watch))) } }
        (breakdowns::by_source(&s, &of))
        (breakdowns::emotions(&s, &of))
        (breakdowns::aspects(&s, &of))
        section.risks {
            h2 { "风险类别" }
            @if s.risks.is_empty() { p.meta { "没有。" } }
            table { @for (r, n) in &s.risks { tr { td { (r.label_zh()) } td { a href=(of(&[("risk", r.name())])) { (n) } } } } }
        }
        section {
            h2 { "热词（最新 " (s.terms_sampled) " 条）" }
            p { @for (k, t) in s.top_terms.iter().enumerate() { @if k > 0 { " · " } a href=(of(&[("q", &t.term)])) { (t.term) " " (t.mentions) } } }
        }
    };
    layout("趋势", "trends", body).into_response()
}

pub async fn alerts(State(d): State<Arc<Dashboard>>) -> Response {
    let records = match blocking(move || d.alerts()).await {
        Ok(r) => r,
        Err(e) => return page_error(e, "alerts"),
    };
    let body = html! {
        @if records.is_empty() { p { "还没有预警。" } }
        @for r in &records {
            @let v = &r.alert.verdict;
            @let severity = v.severity.unwrap_or(Severity::Warning);
            section.alert {
                h2 {
                    span class=(severity.name()) { (severity.label_zh()) }
                    " " (r.alert.watch) " · " (local_minute(v.start))
                }
                p { "负面提及 " (v.observed) " 条，预期 " (format!("{:.1}", v.expected)) " 条（p = " (format!("{:.1e}", v.p_value)) "）；负面占比 "
                    (format!("{:.0}%", 100.0 * v.negative_share)) "（平时 " (format!("{:.0}%", 100.0 * v.usual_share)) "）" }
                @if !r.alert.rising_terms.is_empty() {
                    p { "上升词：" @for t in &r.alert.rising_terms { (t.term) " (" (t.mentions) "←" (t.before) ") " } }
                }
                @if !r.alert.risks.is_empty() {
                    p { "风险类别：" @for (risk, n) in &r.alert.risks { (risk.label_zh()) " " (n) " " } }
                }
                @if let Some(line) = emotion_shares(&r.alert.emotions, 3) { p { "情绪（负面提及中）：" (line) } }
                @if let Some(line) = aspect_shares(&r.alert.aspects, 3) { p { "方面：" (line) } }
                @for p in &r.alert.top_posts {
                    div.meta {
                        @match safe_url(&p.url) { Some(u) => a href=(u) rel="noopener noreferrer" { (p.text) }, None => span { (p.text) } }
                        " · " (p.source) " · 互动 " (p.engagement)
                    }
                }
                p.meta { "发送：" @for dl in &r.deliveries { (dl.channel) (if dl.delivered { " ✓ " } else { " ✗ " }) @if let Some(e) = &dl.error { "(" (e) ") " } } }
            }
        }
    };
    layout("预警", "alerts", body).into_response()
}

pub async fn digests(State(d): State<Arc<Dashboard>>) -> Response {
    let dir = d.digests_dir.clone();
    let files = blocking(move || Ok(digest_files(&dir))).await.unwrap_or_default();
    let body = html! {
        section {
            h2 { "生成报告" }
            form.filters method="get" action="/digest" {
                select name="watch" { @for w in &d.watches { option value=(w.name) { (w.name) } } }
                select name="period" {
                    option value="day" { "日报（昨天）" }
                    option value="week" selected { "周报（上周）" }
                    option value="month" { "月报（上月）" }
                }
                label { input type="checkbox" name="to_date" value="1"; " 至今（本日 / 本周 / 本月截至现在，对比上期同期）" }
                button type="submit" { "查看" }
                " " button type="submit" name="format" value="docx" { "下载 Word" }
            }
            p.meta { "指定某期：" code { "/digest?week=2026-W47" } "、" code { "day=2026-11-30" } "、" code { "month=2026-11" } }
        }
        section {
            h2 { "最近的报告" }
            @if files.is_empty() { p.meta { "还没有（" code { "yuqing run" } " 按 [digest] schedule 写入 " (d.digests_dir.display()) "）。" } }
            @if !files.is_empty() {
                table {
                    tr { th { "报告" } th { "要点" } th { "写入" } }
                    @for f in &files {
                        tr {
                            td {
                                a href={"/digests/" (f.name)} { (f.title.as_deref().unwrap_or(&f.name)) }
                                @if let Some(w) = &f.word { " · " a.word href={"/digests/" (w)} { "Word" } }
                            }
                            td { (f.headline.as_deref().unwrap_or("")) }
                            td.meta { (f.written.map(local_minute).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    layout("报告", "digests", body).into_response()
}

/// A digest file as the list shows it: its title (watch and period) and first headline, read
/// from the file itself, and when it was written.
struct DigestFile {
    name: String,
    /// Its Word document beside it, when there is one.
    word: Option<String>,
    title: Option<String>,
    headline: Option<String>,
    written: Option<Timestamp>,
}

/// At most this many digest files are listed (the newest).
const DIGESTS_LISTED: usize = 60;

/// The digest files in `dir`, newest first.
fn digest_files(dir: &std::path::Path) -> Vec<DigestFile> {
    let mut files: Vec<(String, std::time::SystemTime)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    name.ends_with(".html")
                        .then(|| (name, e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH)))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|f| std::cmp::Reverse(f.1));
    files.truncate(DIGESTS_LISTED);
    files
        .into_iter()
        .map(|(name, modified)| {
            let (title, headline) = digest_summary(&head_of(&dir.join(&name)));
            let written = Timestamp::try_from(modified).ok().filter(|t| t.as_second() > 0);
            let word = format!("{}.docx", name.trim_end_matches(".html"));
            let word = dir.join(&word).is_file().then_some(word);
            DigestFile { name, word, title, headline, written }
        })
        .collect()
}

/// The first bytes of a digest page: its title and headlines come before its charts and lists.
const DIGEST_HEAD: u64 = 16 * 1024;

/// The start of the file at `path` (empty when it cannot be read), as text.
fn head_of(path: &std::path::Path) -> String {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(DIGEST_HEAD).read_to_end(&mut bytes));
    if read.is_err() {
        return String::new();
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The title and first headline of a digest page (as `digest::html` writes them).
fn digest_summary(html: &str) -> (Option<String>, Option<String>) {
    let doc = scraper::Html::parse_document(html);
    let text = |selector: &str| {
        let selector = scraper::Selector::parse(selector).ok()?;
        let t: String = doc.select(&selector).next()?.text().collect();
        Some(t.trim().to_string()).filter(|t| !t.is_empty())
    };
    (text("title"), text("ul.headlines li"))
}

/// `GET /digests/{file}`: a digest or review the daemon wrote, its page or its Word document.
pub async fn digest_file(State(d): State<Arc<Dashboard>>, Path(file): Path<String>) -> Response {
    let plain = !file.contains(['/', '\\']) && !file.starts_with('.');
    let (page, word) = (plain && file.ends_with(".html"), plain && file.ends_with(".docx"));
    let read = if page || word { tokio::fs::read(d.digests_dir.join(&file)).await.ok() } else { None };
    match read {
        Some(bytes) if word => word_file(bytes, &file),
        Some(bytes) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response(),
        None => error_page(StatusCode::NOT_FOUND, "digests", &format!("没有报告 {file}")),
    }
}

/// `GET /digest`: any digest on demand, as a page or (`format=docx`) its Word document.
pub async fn digest(State(d): State<Arc<Dashboard>>, Query(p): Query<DigestParams>) -> Response {
    match p.wants_docx("html") {
        Ok(true) => {
            return match blocking(move || d.digest_docx(&p)).await {
                Ok((bytes, name)) => word_file(bytes, &name),
                Err(e) => page_error(e, "digests"),
            };
        }
        Ok(false) => {}
        Err(e) => return page_error(ApiError::Bad(e), "digests"),
    }
    match blocking(move || d.digest(&p)).await {
        Ok(digest) => Html(digest_html::render(&digest, Some(""))).into_response(),
        Err(e) => page_error(e, "digests"),
    }
}
