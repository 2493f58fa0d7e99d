//! `yuqing serve`: the dashboard a PR team uses every day — search with filters, highlighted
//! snippets, collapsed duplicates and CSV export; a trend view per watch; the alerts with their
//! evidence; the incidents with their evidence and workflow; the digests; the saved searches
//! (专题) — and the JSON API under `/api/` (search, stats, alerts, incidents, digest, saved). Pages
//! and API read the same library calls through [`Dashboard`], so they always agree.
//!
//! Pages are drawn on the server (maud escapes every crawled string; snippets come from
//! tantivy already escaped, with `<b>` marks) and carry no script. It binds 127.0.0.1 unless
//! told otherwise; listening elsewhere requires a token (`Authorization: Bearer`, or `?token=`
//! once, which sets a cookie). Index reads block, so every handler runs them off the async threads.

mod api;
mod breakdowns;
pub mod control;
mod incidents;
mod listen;
mod pages;
mod params;
mod ranges;
mod saved;

use api::ApiError;
use params::{DigestParams, StatsParams};
pub use saved::saved_request;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tantivy::{IndexReader, Searcher};

use crate::alert::{AlertHistory, AlertRecord};
use crate::digest::{Digest, DigestRequest, build};
use crate::index::Fields;
use crate::index::stats::{Stats, StatsRequest, stats};
use crate::text::TextPipeline;
use crate::time::Interval;
use crate::watch::Watch;

/// What the dashboard reads.
pub struct Dashboard {
    /// Follows the index's commits (tantivy reloads it shortly after each).
    pub reader: IndexReader,
    pub fields: Fields,
    pub text: Arc<TextPipeline>,
    pub watches: Vec<Watch>,
    /// The alert history; the reason when it cannot be opened (the daemon holds it).
    pub history: Result<AlertHistory, String>,
    /// The incidents (from the same state).
    pub book: Result<crate::incident::IncidentBook, String>,
    /// How incidents are reported (their links).
    pub incidents: crate::incident::IncidentRules,
    /// The secret every form that changes something carries (CSRF), and the API's change
    /// requests in `X-Yuqing-Csrf` (unless they bear the token); new at every start.
    pub csrf: String,
    /// Where `yuqing run` writes digests.
    pub digests_dir: PathBuf,
    /// The saved searches (from the same state).
    pub saved: Result<crate::saved::SavedBook, String>,
    /// The configured channels' names (a saved search's subscription names one).
    pub channels: Vec<String>,
    /// Required on every request when set.
    pub token: Option<String>,
}

impl Dashboard {
    /// The index as last committed.
    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The stats the parameters ask for, and how they were read.
    fn stats(&self, p: &StatsParams) -> Result<(Stats, i64, Interval), ApiError> {
        let q = p.resolve(&self.watches).map_err(ApiError::Bad)?;
        let request = StatsRequest::for_watch(q.watch, &self.watches, q.since, q.until, q.interval);
        Ok((stats(&self.searcher(), self.fields, &self.text, &request)?, q.days, q.interval))
    }

    /// The marks of a watch's trend chart: its alerts (预警 / 严重) and its incidents' starts and
    /// ends (`#1 开始`, `#1 结束`) since `since` (the chart leaves out those outside its buckets); none of a store it cannot read.
    fn alert_marks(&self, watch: &str, since: jiff::Timestamp) -> Vec<crate::digest::charts::Mark> {
        use crate::digest::charts::Mark;
        let records =
            self.history.as_ref().ok().and_then(|h| h.list(Some(watch), Some(since)).ok()).unwrap_or_default();
        // Incidents first: where two marks share a bucket, the first one's text is shown.
        let mut marks: Vec<Mark> = Vec::new();
        let incidents = self.book.as_ref().ok().and_then(|b| b.list(Some(watch)).ok()).unwrap_or_default();
        for i in incidents.iter().filter(|i| i.ended_at.is_none_or(|end| end >= since)) {
            marks.push(Mark { at: i.start, text: format!("#{} 开始", i.id) });
            marks.extend(i.ended_at.map(|at| Mark { at, text: format!("#{} 结束", i.id) }));
        }
        marks.extend(records.iter().filter_map(|r| {
            let severity = r.alert.verdict.severity?;
            Some(Mark { at: r.alert.verdict.start, text: severity.label_zh().to_string() })
        }));
        marks
    }

    /// The digest the parameters ask for, with the period's alerts when the history is readable.
    fn digest(&self, p: &DigestParams) -> Result<Digest, ApiError> {
        let (watch, period) = p.resolve(&self.watches).map_err(ApiError::Bad)?;
        let alerts = self.history.as_ref().ok().and_then(|h| h.list(None, Some(period.since)).ok()).unwrap_or_default();
        Ok(build(
            &self.searcher(),
            self.fields,
            &self.text,
            &DigestRequest::for_watch(watch, &self.watches, period, alerts),
        )?)
    }

    /// The digest the parameters ask for as a Word document, and its file name.
    fn digest_docx(&self, p: &DigestParams) -> Result<(Vec<u8>, String), ApiError> {
        let digest = self.digest(p)?;
        let bytes = crate::digest::docx::render(&digest).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok((bytes, crate::digest::schedule::docx_name(&digest.watch, &digest.period)))
    }

    /// The search the parameters ask for; `incident=N` narrows it to that incident's mentions
    /// (its watch, negative, from its start to its end, within its scope).
    fn search_request(&self, p: &params::SearchParams) -> Result<crate::index::search::SearchRequest, ApiError> {
        let mut r = p.request(&self.watches).map_err(ApiError::Bad)?;
        let Some(id) = p.incident().map_err(ApiError::Bad)? else { return Ok(r) };
        let book = self.book.as_ref().map_err(|e| ApiError::Unavailable(e.clone()))?;
        let i = book.get(id)?.request();
        r.watch = i.watch;
        r.sentiment = i.sentiment;
        r.scope = i.scope;
        r.since = r.since.max(i.since);
        r.until = match (r.until, i.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(r)
    }

    /// Every alert raised, newest first.
    fn alerts(&self) -> Result<Vec<AlertRecord>, ApiError> {
        let history = self.history.as_ref().map_err(|e| ApiError::Unavailable(format!("预警记录暂时无法读取：{e}")))?;
        history.list(None, None).map_err(|e| ApiError::Internal(format!("预警记录读取出错：{e}")))
    }
}

/// 32 hex digits from the system's random source: a CSRF secret, a control token.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why the dashboard cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("listening on {0} (not this machine only) needs a token: set the token's environment variable")]
    TokenRequired(SocketAddr),
    #[error(
        "listening on {0} needs a token of at least {MIN_TOKEN_CHARS} characters (this one has {1}): \
         `openssl rand -hex 16` makes one"
    )]
    TokenTooShort(SocketAddr, usize),
}

/// The shortest token a dashboard reachable from other machines accepts.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Checks that `addr` may be used with or without a token: anywhere but this machine needs one
/// of at least [`MIN_TOKEN_CHARS`] characters (spaces at its ends do not count).
pub fn check_bind(addr: SocketAddr, token: Option<&str>) -> Result<(), ServeError> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    match token.map(str::trim) {
        None | Some("") => Err(ServeError::TokenRequired(addr)),
        Some(t) if t.chars().count() < MIN_TOKEN_CHARS => Err(ServeError::TokenTooShort(addr, t.chars().count())),
        Some(_) => Ok(()),
    }
}

/// Every route of the dashboard.
pub fn router(dash: Arc<Dashboard>) -> axum::Router {
    axum::Router::new()
        .route("/", get(|| async { Redirect::to("/search") }))
        .route("/search", get(pages::search))
        .route("/trends", get(pages::trends))
        .route("/alerts", get(pages::alerts))
        .route("/digests", get(pages::digests))
        .route("/digests/{file}", get(pages::digest_file))
        .route("/digest", get(pages::digest))
        .route("/saved", get(saved::list_page).post(saved::form))
        .route("/saved/open", get(saved::open))
        .route("/saved/delete", axum::routing::post(saved::delete_form))
        .route("/api/saved", get(saved::list).post(saved::add))
        .route("/api/saved/{name}", axum::routing::delete(saved::remove))
        .route("/incidents", get(incidents::list_page))
        .route("/incidents/{id}", get(incidents::page).post(incidents::form))
        .route("/api/incidents", get(incidents::list))
        .route("/api/incidents/{id}", get(incidents::show).post(incidents::change))
        .route("/api/search", get(api::search))
        .route("/api/search.csv", get(api::search_csv))
        .route("/api/stats", get(api::stats))
        .route("/api/alerts", get(api::alerts))
        .route("/api/digest", get(api::digest))
        .layer(axum::middleware::from_fn_with_state(dash.clone(), guard))
        .with_state(dash)
}

/// Serves the dashboard on `listener` until `shutdown` resolves (clients that stall are timed
/// out, and shutdown waits on none of them: see `listen`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    dash: Arc<Dashboard>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::serve_until(listener, router(dash), shutdown).await
}

const COOKIE: &str = "yuqing_token";

/// The token check, and headers every response carries (the 401 and the redirect too): no
/// framing, no scripts from anywhere. A token given once as `?token=` sets a cookie and is
/// taken out of the address by a redirect, so that it does not stay in links, history or logs.
async fn guard(State(dash): State<Arc<Dashboard>>, request: Request, next: Next) -> Response {
    let mut response = match &dash.token {
        None => next.run(request).await,
        Some(token) => match token_in(&request, token) {
            TokenIn::Header | TokenIn::Cookie => next.run(request).await,
            TokenIn::Query(without) => {
                let mut r = Redirect::to(&without).into_response();
                let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
                if let Ok(c) = HeaderValue::from_str(&cookie) {
                    r.headers_mut().insert(header::SET_COOKIE, c);
                }
                r
            }
            TokenIn::Missing => unauthorized(&request),
        },
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// The 401 in Chinese: a page for a browser, `{"error": …}` for the API, plain text otherwise;
/// each says how to give the token.
fn unauthorized(request: &Request) -> Response {
    const HOW: &str = "需要访问令牌：请在请求头中带上 Authorization: Bearer <令牌>，或在地址后加一次 ?token=<令牌>";
    let mut response = if request.uri().path().starts_with("/api/") {
        (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"error": HOW}))).into_response()
    } else if request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
    {
        pages::unauthorized()
    } else {
        (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{HOW}\n"))
            .into_response()
    };
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Where a request carries the token, if it does.
enum TokenIn {
    Header,
    Cookie,
    /// In the query: the same path and query without it.
    Query(String),
    Missing,
}

fn token_in(request: &Request, token: &str) -> TokenIn {
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == token);
    if bearer {
        return TokenIn::Header;
    }
    let cookie = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.split(';').any(|kv| kv.trim() == format!("{COOKIE}={token}")));
    if cookie {
        return TokenIn::Cookie;
    }
    let query = request.uri().query().unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    if !pairs.iter().any(|(k, v)| k == "token" && v == token) {
        return TokenIn::Missing;
    }
    let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "token").collect();
    let mut without = request.uri().path().to_string();
    if !rest.is_empty() {
        without.push('?');
        without.push_str(&url::form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish());
    }
    TokenIn::Query(without)
}
