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
use crate::index::IndexError;
use crate::index::search::search as run_search;

/// An API failure.
pub enum ApiError {
    Bad(String),
    Unavailable(String),
    Internal(String),
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> Self {
        match e {
            IndexError::Query { .. } | IndexError::Request(_) => ApiError::Bad(e.to_string()),
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
    let hits = blocking(move || Ok(run_search(&d.searcher(), d.fields, &request)?)).await?;
    Ok(Json(hits).into_response())
}

pub async fn search_csv(State(d): State<Arc<Dashboard>>, Query(p): Query<SearchParams>) -> Result<Response, ApiError> {
    let request = p.request().map_err(ApiError::Bad)?;
    let hits = blocking(move || Ok(run_search(&d.searcher(), d.fields, &request)?)).await?;
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
    let (s, _, _) = blocking(move || d.stats(&p)).await?;
    Ok(Json(s).into_response())
}

pub async fn alerts(State(d): State<Arc<Dashboard>>) -> Result<Response, ApiError> {
    let records = blocking(move || d.alerts()).await?;
    Ok(Json(records).into_response())
}

pub async fn digest(State(d): State<Arc<Dashboard>>, Query(p): Query<DigestParams>) -> Result<Response, ApiError> {
    let digest = blocking(move || d.digest(&p)).await?;
    Ok(Json(digest).into_response())
}
