//! Saved searches (舆情专题) on the dashboard and in the API: the 专题 page (each search with its
//! matches and those new since it was last viewed; opening one marks it viewed and shows it on
//! the search page), the search page's 保存为专题 form, deleting, and `/api/saved` for
//! `yuqing saved` while the daemon holds the state. Changes carry the CSRF secret (the form's
//! field, or `X-Yuqing-Csrf`) or the token, as the incident forms do; bad input is a 400 naming
//! the field, and nothing is kept.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::Dashboard;
use super::api::{ApiError, blocking};
use super::incidents::CSRF_HEADER;
use super::params::SearchParams;
use crate::index::search::{SearchRequest, checked_request};
use crate::saved::count::{Counts, counts, viewed};
use crate::saved::{SavedBook, SavedError, SavedSearch, kept_query};
use crate::watch::Watch;

/// A saved query string read as the search page reads its own: the search it asks for, or the
/// error naming the parameter.
pub fn saved_request(query: &str, watches: &[Watch]) -> Result<SearchRequest, String> {
    let uri: axum::http::Uri =
        format!("/search?{query}").parse().map_err(|_| format!("查询参数无法读取：{query:?}"))?;
    let Query(p) = Query::<SearchParams>::try_from_uri(&uri).map_err(|e| format!("查询参数无法读取：{e}"))?;
    p.request(watches)
}

impl From<SavedError> for ApiError {
    fn from(e: SavedError) -> Self {
        match e {
            SavedError::Invalid(_) | SavedError::Exists(_) | SavedError::NotFound(_) => ApiError::Bad(e.to_string()),
            SavedError::Index(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A saved search as the list and the API show it.
#[derive(Debug, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub saved: SavedSearch,
    /// Its matches now and those new since it was last viewed (absent when it no longer reads,
    /// with the reason).
    #[serde(flatten)]
    pub counts: Option<Counts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `POST /api/saved` takes (the form's fields, by the same names).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewSaved {
    #[serde(default)]
    pub name: String,
    /// The search page's query string.
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub every: String,
}

impl Dashboard {
    fn saved_book(&self) -> Result<&SavedBook, ApiError> {
        self.saved.as_ref().map_err(|e| ApiError::Unavailable(format!("专题暂时无法读取：{e}")))
    }

    /// The request of `query`, its syntax checked against the index too.
    fn saved_search_request(&self, query: &str) -> Result<SearchRequest, ApiError> {
        let request = saved_request(query, &self.watches).map_err(ApiError::Bad)?;
        checked_request(&self.searcher(), self.fields, &request)?;
        Ok(request)
    }

    /// Keeps a new saved search, every field checked first (its query's syntax too).
    fn add_saved(&self, new: &NewSaved) -> Result<SavedSearch, ApiError> {
        let subscription = (new.channel.as_str(), new.every.as_str());
        let (saved, request) =
            SavedSearch::new(&new.name, &new.query, subscription, &self.channels, (saved_request, &self.watches))?;
        checked_request(&self.searcher(), self.fields, &request)?;
        self.saved_book()?.add(&saved, saved_request, &self.watches)?;
        Ok(saved)
    }

    /// Every saved search with its counts.
    fn listed(&self) -> Result<Vec<Listed>, ApiError> {
        let book = self.saved_book()?;
        let searcher = self.searcher();
        let mut out = Vec::new();
        for saved in book.list()? {
            let view = book.view(&saved.name)?;
            let read = saved_request(&saved.query, &self.watches)
                .and_then(|r| counts(&searcher, self.fields, &r, view.as_ref()).map_err(|e| e.to_string()));
            let (counts, error) = match read {
                Ok(c) => (Some(c), None),
                Err(e) => (None, Some(e)),
            };
            out.push(Listed { saved, counts, error });
        }
        Ok(out)
    }

    /// Marks `name` viewed now; its search page's address.
    fn open_saved(&self, name: &str) -> Result<String, ApiError> {
        let book = self.saved_book()?;
        let saved = book.get(name)?;
        let request = self.saved_search_request(&saved.query)?;
        book.put_view(name, &viewed(&self.searcher(), self.fields, &request, jiff::Timestamp::now())?)?;
        Ok(format!("/search?{}", saved.query))
    }
}

/// The 保存为专题 form under a search's results (`raw`: the page's query string).
pub(super) fn save_form(d: &Dashboard, raw: &str) -> Markup {
    html! {
        form.filters.save method="post" action="/saved" {
            input type="hidden" name="csrf" value=(d.csrf);
            input type="hidden" name="query" value=(kept_query(raw));
            input type="text" name="name" placeholder="专题名称" required size="14";
            @if !d.channels.is_empty() {
                select name="channel" {
                    option value="" { "不推送" }
                    @for c in &d.channels { option value=(c) { "推送到 " (c) } }
                }
                label { "每 " input type="number" name="every" value="60" min="1" size="4"; " 分钟" }
            }
            button type="submit" { "保存为专题" }
        }
    }
}

/// `GET /saved`: the 专题 page.
pub async fn list_page(State(d): State<Arc<Dashboard>>) -> Response {
    let dash = d.clone();
    let all = match blocking(move || dash.listed()).await {
        Ok(a) => a,
        Err(e) => return super::pages::page_error(e, "saved"),
    };
    let body = html! {
        h1 { "舆情专题" }
        @if all.is_empty() { p { "还没有专题。在搜索页设好查询和筛选条件后，点「保存为专题」。" } }
        @else { table.saved { tr { th { "专题" } th { "条件" } th { "匹配" } th { "新增（上次查看后）" } th { "推送" } th { "" } } @for l in &all { (row(&d, l)) } } }
    };
    super::pages::layout("专题", "saved", body).into_response()
}

fn row(d: &Dashboard, l: &Listed) -> Markup {
    let s = &l.saved;
    let open = format!(
        "/saved/open?{}",
        url::form_urlencoded::Serializer::new(String::new()).append_pair("name", &s.name).finish()
    );
    let query = describe(&s.query);
    html! {
        tr data-name=(s.name) {
            td { a.open href=(open) { (s.name) } }
            td.meta { (query) }
            @match (&l.counts, &l.error) {
                (Some(c), _) => { td.total { (c.total) } td.new { @if c.new > 0 { strong { (c.new) } } @else { "0" } } }
                (None, e) => { td colspan="2" .error { "无法统计：" (e.clone().unwrap_or_default()) } }
            }
            td { @if let Some(sub) = &s.subscription { (sub.channel) "，每 " (sub.every_minutes) " 分钟" } @else { "—" } }
            td {
                form method="post" action="/saved/delete" {
                    input type="hidden" name="csrf" value=(d.csrf);
                    input type="hidden" name="name" value=(s.name);
                    button type="submit" { "删除" }
                }
            }
        }
    }
}

/// A saved query in words: `查询 起火 · 品牌 极光 · 情感 负面`.
fn describe(query: &str) -> String {
    let parts: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let label = match k.as_ref() {
                "q" => "查询",
                "watch" => "品牌",
                "source" => "来源",
                "kind" => "类型",
                "sentiment" => "情感",
                "risk" => "风险",
                "emotion" => "情绪",
                "aspect" => "方面",
                "since" => "起",
                "until" => "止",
                "sort" => "排序",
                "collapse" => return "合并重复".to_string(),
                "thread" => "主题帖",
                "author" => "作者",
                _ => "重复组",
            };
            format!("{label} {}", value_zh(&k, &v))
        })
        .collect();
    if parts.is_empty() { "全部提及".into() } else { parts.join(" · ") }
}

/// A value as the search form names it (负面, 评论, 质量安全), else as written.
fn value_zh(key: &str, v: &str) -> String {
    use crate::mention::Kind;
    use crate::sentiment::{Label, RiskCategory};
    let zh = match key {
        "sentiment" => v.parse::<Label>().ok().map(|l| l.label_zh()),
        "kind" => v.parse::<Kind>().ok().map(|x| x.label_zh()),
        "risk" => v.parse::<RiskCategory>().ok().map(|r| r.label_zh()),
        "emotion" => v.parse::<crate::sentiment::Emotion>().ok().map(|e| e.label_zh()),
        _ => None,
    };
    zh.map_or_else(|| v.to_string(), str::to_string)
}

#[derive(Debug, Deserialize)]
pub struct Named {
    #[serde(default)]
    name: String,
}

/// `GET /saved/open?name=…`: marks it viewed, then its search.
pub async fn open(State(d): State<Arc<Dashboard>>, Query(n): Query<Named>) -> Response {
    match blocking(move || d.open_saved(&n.name)).await {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => super::pages::page_error(e, "saved"),
    }
}

fn forbidden() -> Response {
    let message = "表单已过期或来源不明（CSRF 校验失败）：请刷新页面后再提交。";
    super::pages::error_page(StatusCode::FORBIDDEN, "saved", message)
}

/// `POST /saved`: the 保存为专题 form.
pub async fn form(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !d.may_change(&headers, f.get("csrf").map(String::as_str)) {
        return forbidden();
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let new = NewSaved { name: get("name"), query: get("query"), channel: get("channel"), every: get("every") };
    match blocking(move || d.add_saved(&new)).await {
        Ok(_) => Redirect::to("/saved").into_response(),
        Err(e) => super::pages::page_error(e, "saved"),
    }
}

/// `POST /saved/delete`: the 删除 button.
pub async fn delete_form(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !d.may_change(&headers, f.get("csrf").map(String::as_str)) {
        return forbidden();
    }
    let name = f.get("name").cloned().unwrap_or_default();
    match blocking(move || Ok(d.saved_book()?.remove(&name)?)).await {
        Ok(()) => Redirect::to("/saved").into_response(),
        Err(e) => super::pages::page_error(e, "saved"),
    }
}

/// `GET /api/saved`: every saved search with its counts.
pub async fn list(State(d): State<Arc<Dashboard>>) -> Result<Json<Vec<Listed>>, ApiError> {
    Ok(Json(blocking(move || d.listed()).await?))
}

fn api_guard(d: &Dashboard, headers: &HeaderMap) -> Result<(), ApiError> {
    if d.may_change(headers, None) {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!("修改需要 {CSRF_HEADER} 请求头（CSRF 密钥）或访问令牌")))
}

/// `POST /api/saved`: `{"name", "query", "channel", "every"}`.
pub async fn add(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Json(new): Json<NewSaved>,
) -> Result<Json<SavedSearch>, ApiError> {
    api_guard(&d, &headers)?;
    Ok(Json(blocking(move || d.add_saved(&new)).await?))
}

/// `DELETE /api/saved/{name}`.
pub async fn remove(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    api_guard(&d, &headers)?;
    let shown = name.clone();
    blocking(move || Ok(d.saved_book()?.remove(&name)?)).await?;
    Ok(Json(serde_json::json!({"removed": shown})))
}
