//! The incidents on the dashboard and in the API: the list, each incident's page (its evidence,
//! every count linked to its posts, and the forms of the workflow), and the changes the forms
//! and `yuqing incidents ack|assign|note|resolve` send. A change needs the dashboard's CSRF
//! secret: in the form (the page carries it), or in `X-Yuqing-Csrf` (the daemon writes it for
//! the CLI in its control file), or the request bears the dashboard's token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::Dashboard;
use super::api::{ApiError, blocking};
use crate::incident::evidence::{Evidence, gather};
use crate::incident::html::{Links, body, summary};
use crate::incident::workflow::{Change, apply};
use crate::incident::{Action, Incident, IncidentBook, IncidentError, Status};

/// The header an API change carries the CSRF secret in.
pub const CSRF_HEADER: &str = "x-yuqing-csrf";

impl From<IncidentError> for ApiError {
    fn from(e: IncidentError) -> Self {
        match e {
            IncidentError::NotFound(id) => ApiError::Bad(format!("没有事件 #{id}（全部事件见 /incidents）")),
            IncidentError::Refused { id, reason } => ApiError::Bad(format!("事件 #{id}：{reason}")),
            IncidentError::Index(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl Dashboard {
    fn book(&self) -> Result<&IncidentBook, ApiError> {
        self.book.as_ref().map_err(|e| ApiError::Unavailable(e.clone()))
    }

    /// Incident `id`'s evidence now.
    fn evidence(&self, id: u64) -> Result<Evidence, ApiError> {
        let incident = self.book()?.get(id)?;
        let aliases =
            self.watches.iter().find(|w| w.name == incident.watch).map(|w| w.aliases.clone()).unwrap_or_default();
        Ok(gather(&self.searcher(), self.fields, &self.text, &aliases, &incident, jiff::Timestamp::now())?)
    }

    /// Whether a change request may be made: it carries the CSRF secret, or the token.
    pub(super) fn may_change(&self, headers: &HeaderMap, form_secret: Option<&str>) -> bool {
        let header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        let bearer =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        form_secret.or(header) == Some(self.csrf.as_str()) || (self.token.is_some() && bearer == self.token.as_deref())
    }
}

/// `GET /incidents`.
pub async fn list_page(State(d): State<Arc<Dashboard>>) -> Response {
    let all = match blocking(move || Ok(d.book()?.list(None)?)).await {
        Ok(a) => a,
        Err(e) => return super::pages::page_error(e, "incidents"),
    };
    let body = html! {
        @if all.is_empty() { p { "还没有事件。第一条预警（负面激增或规则预警）会开启一个事件。" } }
        @for i in &all {
            section {
                h2 { a href={"/incidents/" (i.id)} { "事件 #" (i.id) " · " (i.watch) } }
                (summary(i))
                @if let Some(t) = i.triggers.first() { p.meta { (t.describe_zh()) } }
            }
        }
    };
    super::pages::layout("事件", "incidents", body).into_response()
}

/// `GET /incidents/{id}`.
pub async fn page(State(d): State<Arc<Dashboard>>, Path(id): Path<u64>) -> Response {
    let dash = d.clone();
    // Its review (事件专报), written beside the digests once it ended.
    let review = format!("incident-{id}.html");
    let (reviewed, word) = (d.digests_dir.join(&review), d.digests_dir.join(format!("incident-{id}.docx")));
    let (e, reviewed, word) =
        match blocking(move || dash.evidence(id).map(|e| (e, reviewed.is_file(), word.is_file()))).await {
            Ok(e) => e,
            Err(e) => return super::pages::page_error(e, "incidents"),
        };
    let i = &e.incident;
    let csrf = d.csrf.clone();
    let action = format!("/incidents/{id}");
    let body = html! {
        h1 { "事件 #" (i.id) " · " (i.watch) }
        (summary(i))
        @if reviewed {
            p.review {
                "事件专报: " a href={"/digests/" (review)} { "事件 #" (id) " 专报" }
                @if word { " · " a href={"/digests/incident-" (id) ".docx"} { "Word" } }
            }
        }
        section.workflow {
            h2 { "处置" }
            // One form, one name: the button pressed says what is done; each fills its own field.
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                div { label { "处置人 " input type="text" name="by" placeholder="你的名字" required size="10"; } " " button name="action" value="ack" { "确认收到" } }
                div { input type="text" name="to" placeholder="负责人姓名" size="10"; " " button name="action" value="assign" { "指派" } }
                div {
                    select name="status" { @for s in [Status::Pending, Status::Handling, Status::Resolved] { option value=(s.label_zh()) selected[s == i.status] { (s.label_zh()) } } }
                    " " button name="action" value="status" { "改状态" }
                }
                div { textarea name="text" rows="2" placeholder="研判 / 已采取的措施" {} button name="action" value="note" { "记一笔" } }
                div { input type="text" name="result" placeholder="处置结果（可空）" size="24"; " " button name="action" value="resolve" { "已解决" } }
            }
        }
        (body(&e, Links(Some(""))))
    };
    super::pages::layout(&format!("事件 #{id}"), "incidents", body).into_response()
}

/// The change a form sends.
fn form_change(f: &HashMap<String, String>) -> Result<Change, String> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let action = match get("action").as_str() {
        "ack" => Action::Ack,
        "assign" => Action::Assign { to: get("to") },
        "note" => Action::Note { text: get("text") },
        "status" => Action::Status { status: get("status").parse()? },
        "resolve" => Action::Resolve { text: get("result") },
        other => return Err(format!("action：没有 {other:?} 这一操作，可选 ack、assign、note、status、resolve")),
    };
    Ok(Change { action, by: get("by") })
}

/// `POST /incidents/{id}` (the page's forms): applies the change, back to the page.
pub async fn form(
    State(d): State<Arc<Dashboard>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !d.may_change(&headers, f.get("csrf").map(String::as_str)) {
        let message = "表单已过期或来源不明（CSRF 校验失败）：请刷新事件页后再提交。";
        return super::pages::error_page(StatusCode::FORBIDDEN, "incidents", message);
    }
    let change = match form_change(&f) {
        Ok(c) => c,
        Err(e) => return super::pages::error_page(StatusCode::BAD_REQUEST, "incidents", &e),
    };
    match blocking(move || Ok(apply(d.book()?, id, &change, jiff::Timestamp::now())?)).await {
        Ok(_) => Redirect::to(&format!("/incidents/{id}")).into_response(),
        Err(e) => super::pages::page_error(e, "incidents"),
    }
}

/// `GET /api/incidents`: every incident, newest first.
pub async fn list(State(d): State<Arc<Dashboard>>) -> Result<Json<Vec<Incident>>, ApiError> {
    Ok(Json(blocking(move || Ok(d.book()?.list(None)?)).await?))
}

/// `GET /api/incidents/{id}`: its evidence.
pub async fn show(State(d): State<Arc<Dashboard>>, Path(id): Path<u64>) -> Result<Json<Evidence>, ApiError> {
    Ok(Json(blocking(move || d.evidence(id)).await?))
}

/// `POST /api/incidents/{id}`: a change as JSON (`{"action": "assign", "to": "…", "by": "…"}`).
pub async fn change(
    State(d): State<Arc<Dashboard>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(change): Json<Change>,
) -> Result<Json<Incident>, ApiError> {
    if !d.may_change(&headers, None) {
        return Err(ApiError::Forbidden(format!("修改需要 {CSRF_HEADER} 请求头（CSRF 密钥）或访问令牌")));
    }
    Ok(Json(blocking(move || Ok(apply(d.book()?, id, &change, jiff::Timestamp::now())?)).await?))
}
