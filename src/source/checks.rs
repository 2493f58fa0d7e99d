//! The checks of a source definition that look across its parts (how list and detail pages fit
//! together, the request settings), apart from the parse that builds it. Each failed check is
//! the field it concerns and the reason, for [`super::SourceError::Invalid`].

use super::definition::RawRequest;
use super::{Extractor, Pagination};
use crate::setting::check_range;

/// A failed check: the field and why.
pub(super) type Failed = (&'static str, String);

fn fail(field: &'static str, reason: impl Into<String>) -> Failed {
    (field, reason.into())
}

/// The list and detail extractors fit together: one follows links exactly when the other exists,
/// detail pages page only by a `next` link, and the source yields something.
pub(super) fn pages(list: &Extractor, detail: Option<&Extractor>) -> Result<(), Failed> {
    match (&list.follow, detail) {
        (Some(_), None) => return Err(fail("list.follow", "links to detail pages, but there is no [detail]")),
        (None, Some(_)) => return Err(fail("detail", "no page links here: set list.follow")),
        _ => {}
    }
    if let Some(d) = detail
        && matches!(d.pagination, Pagination::Pages { .. } | Pagination::Cursor { .. })
    {
        return Err(fail("detail.pagination", "detail pages page only by a `next` link"));
    }
    if list.head.is_some() {
        return Err(fail("list.head", "only detail pages have a head ([detail.head])"));
    }
    if detail.is_some_and(|d| d.head.is_some()) && list.emit {
        return Err(fail(
            "detail.head",
            "the detail page gives the thread's own mention: set list.emit = false (the list is only links)",
        ));
    }
    if !list.emit && list.follow.is_none() {
        return Err(fail("list.emit", "is false and nothing is followed: the source yields nothing"));
    }
    Ok(())
}

/// `[request]`: concurrency and delay in range, a proxy of a known scheme that reqwest accepts,
/// header names and values that HTTP allows.
pub(super) fn request(r: &RawRequest) -> Result<(), Failed> {
    let range = |field: &'static str, v: u64, min: u64, max: u64| {
        check_range(field, v, min, max).map_err(|e| fail(field, e.reason))
    };
    if let Some(c) = r.concurrency {
        range("request.concurrency", c as u64, 1, 64)?;
    }
    if let Some(d) = r.delay_ms {
        range("request.delay_ms", d, 0, 3_600_000)?;
    }
    if let Some(p) = &r.proxy {
        let scheme = p.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https" | "socks5" | "socks5h")) {
            return Err(fail("request.proxy", format!("{p:?}: a proxy is http://, https://, socks5:// or socks5h://")));
        }
        reqwest::Proxy::all(p).map_err(|e| fail("request.proxy", format!("{p:?}: {e}")))?;
    }
    for (h, v) in r.headers.iter().chain(&r.headers_from_env) {
        reqwest::header::HeaderName::from_bytes(h.as_bytes())
            .map_err(|_| fail("request.headers", format!("{h:?} is not a header name")))?;
        reqwest::header::HeaderValue::from_str(v)
            .map_err(|_| fail("request.headers", format!("the value of {h} is not a valid header value")))?;
    }
    Ok(())
}
