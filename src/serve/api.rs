//! The JSON API: `/api/search` (and `/api/search.csv`), `/api/stats`, `/api/alerts`,
//! `/api/digest` (JSON, or `format=docx`: the Word document, as the 报告 page downloads it:
//! [`word_file`]). Errors are `{"error": "…"}` in Chinese, as the pages say them (the parameter
//! named as the address writes it), with 400 for a bad request, 503 for what cannot be read now.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Dashboard;
use super::params::{DigestParams, SearchParams, StatsParams};
use crate::index::IndexError;
use crate::index::export::CsvExport;
use crate::index::search::{SearchRequest, for_each_match, search as run_search};
use crate::render::docx::MIME as DOCX;

/// An API failure.
pub enum ApiError {
    Bad(String),
    /// A change without the CSRF secret or the token.
    Forbidden(String),
    Unavailable(String),
    Internal(String),
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> Self {
        match e {
            IndexError::Query { query, reason } => ApiError::Bad(format!("q：无法理解搜索词 {query:?}（{reason}）")),
            IndexError::Request(m) => ApiError::Bad(format!("请求有误：{m}")),
            other => ApiError::Internal(format!("索引出错：{other}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Bad(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
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
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::Internal(format!("请求未能完成：{e}")))?
}

/// `{"total": …, "offset": …, "limit": …, "hits": […]}`: one page and how many match in all.
pub async fn search(State(d): State<Arc<Dashboard>>, Query(p): Query<SearchParams>) -> Result<Response, ApiError> {
    let request = d.search_request(&p)?;
    let results = blocking(move || Ok(run_search(&d.searcher(), d.fields, &request)?)).await?;
    Ok(Json(results).into_response())
}

/// Every match as CSV (limit and offset ignored), streamed as it is read: an export of any size
/// in the memory of one batch. A failure part-way ends the transfer with an error, so that a cut
/// file is never taken for a whole one.
pub async fn search_csv(State(d): State<Arc<Dashboard>>, Query(p): Query<SearchParams>) -> Result<Response, ApiError> {
    let request = d.search_request(&p)?;
    let headers = p.csv_headers().map_err(ApiError::Bad)?;
    // The query is checked before the answer starts, so that a bad one is still a 400.
    let check = SearchRequest { limit: 1, ..request.clone() };
    let dash = d.clone();
    blocking(move || Ok(run_search(&dash.searcher(), dash.fields, &check).map(|_| ())?)).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        let out = ChunkWriter { tx: tx.clone(), buf: Vec::new() };
        let written = (|| -> Result<ChunkWriter, String> {
            let mut export = CsvExport::new(out, headers).map_err(|e| e.to_string())?;
            for_each_match(&d.searcher(), d.fields, &request, |hits| {
                export.write(hits).map_err(|e| IndexError::Request(format!("the export stopped: {e}")))
            })
            .map_err(|e| e.to_string())?;
            export.finish().map_err(|e| e.to_string())
        })();
        match written.and_then(|mut w| w.send().map_err(|e| e.to_string())) {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!("CSV export failed: {e}");
                let _ = tx.blocking_send(Err(std::io::Error::other(e)));
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"yuqing-search.csv\""),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

/// Bytes written into chunks of about 64 KiB sent down a channel (the response body).
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
    buf: Vec<u8>,
}

impl ChunkWriter {
    const CHUNK: usize = 64 << 10;

    /// Sends what is buffered; fails when the client has gone.
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buf);
        self.tx.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::other("the client went away"))
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    if p.wants_docx("json").map_err(ApiError::Bad)? {
        let (bytes, name) = blocking(move || d.digest_docx(&p)).await?;
        return Ok(word_file(bytes, &name));
    }
    let digest = blocking(move || d.digest(&p)).await?;
    Ok(Json(digest).into_response())
}

/// A Word document as a download named `name` (RFC 6266: an ASCII fallback, then the name in
/// UTF-8, so that 极光-2026-W47.docx keeps its Chinese).
pub fn word_file(bytes: Vec<u8>, name: &str) -> Response {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') { c } else { '_' }).collect();
    let disposition =
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", utf8_percent_encode(name, KEEP));
    ([(header::CONTENT_TYPE, DOCX.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}
