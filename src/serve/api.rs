//! The JSON API: `/api/search` (and `/api/search.csv`), `/api/stats`, `/api/alerts`,
//! `/api/digest`. Errors are `{"error": "…"}` with 400 for a bad request.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Dashboard;
use super::params::{DigestParams, SearchParams, StatsParams};
use crate::digest::{DigestRequest, build};
use crate::index::IndexError;
use crate::index::search::search as run_search;
use crate::index::stats::{StatsRequest, stats as run_stats};

/// An API failure.
pub enum ApiError {
    Bad(String),
    Unavailable(String),
    Internal(String),
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> Self {
        match e {
            IndexError::Query { .. } => ApiError::Bad(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Bad(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        };
        (status, Json(json!({"error": message}))).into_response()
    }
}

/// Runs blocking index work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::Internal(format!("the request failed: {e}")))?
}

pub async fn search(State(d): State<Arc<Dashboard>>, Query(p): Query<SearchParams>) -> Result<Response, ApiError> {
    let request = p.request().map_err(ApiError::Bad)?;
    let hits = blocking(move || Ok(run_search(&d.index, d.fields, &request)?)).await?;
    Ok(Json(hits).into_response())
}

pub async fn search_csv(State(d): State<Arc<Dashboard>>, Query(p): Query<SearchParams>) -> Result<Response, ApiError> {
    let request = p.request().map_err(ApiError::Bad)?;
    let hits = blocking(move || Ok(run_search(&d.index, d.fields, &request)?)).await?;
    let mut body = Vec::new();
    crate::index::export::write_csv(&mut body, &hits).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"yuqing-search.csv\""),
        ],
        body,
    )
        .into_response())
}

pub async fn stats(State(d): State<Arc<Dashboard>>, Query(p): Query<StatsParams>) -> Result<Response, ApiError> {
    let s = blocking(move || {
        let q = p.resolve(&d.watches).map_err(ApiError::Bad)?;
        let request = StatsRequest {
            watch: q.watch.name.clone(),
            aliases: q.watch.aliases.clone(),
            group: q.watch.group_members(&d.watches),
            since: q.since,
            until: q.until,
            interval: q.interval,
        };
        Ok(run_stats(&d.index, d.fields, &d.text, &request)?)
    })
    .await?;
    Ok(Json(s).into_response())
}

pub async fn alerts(State(d): State<Arc<Dashboard>>) -> Result<Response, ApiError> {
    let history = d.history.as_ref().map_err(|e| ApiError::Unavailable(e.clone()))?.clone();
    let records = blocking(move || history.list(None, None).map_err(|e| ApiError::Internal(e.to_string()))).await?;
    Ok(Json(records).into_response())
}

pub async fn digest(State(d): State<Arc<Dashboard>>, Query(p): Query<DigestParams>) -> Result<Response, ApiError> {
    let digest = blocking(move || {
        let (watch, period) = p.resolve(&d.watches).map_err(ApiError::Bad)?;
        let alerts = d.history.as_ref().ok().and_then(|h| h.list(None, Some(period.since)).ok()).unwrap_or_default();
        let request = DigestRequest { group: watch.group_members(&d.watches), watch: watch.clone(), period, alerts };
        Ok(build(&d.index, d.fields, &d.text, &request)?)
    })
    .await?;
    Ok(Json(digest).into_response())
}
