//! Fetching one URL politely: robots.txt, the host's gate, conditional requests, retries with
//! backoff and jitter on timeouts, connection errors and 5xx, Retry-After on 429 and 503, a capped
//! body, and the charset decoded. Every failure says what happened in words a user can act on.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};

use super::CrawlConfig;
use super::decode::decode;
use super::guard::{Allowed, resolver};
use super::politeness::{self, Gates};
use super::robots::Robots;
use crate::source::Source;
use crate::store::{Store, Validators};

/// Why a URL could not be fetched.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("{0:?} is not a URL")]
    BadUrl(String),
    #[error("disallowed by robots.txt")]
    Robots,
    #[error("robots.txt could not be read ({0}), so nothing on the host is fetched")]
    RobotsUnreachable(String),
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("too many redirects (more than {0}; a redirect loop?)")]
    Redirects(usize),
    #[error("{url} refused: {reason}")]
    Refused { url: String, reason: String },
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("the server asks to wait {0} s (Retry-After), more than crawl.max_retry_after_secs")]
    RetryAfterTooLong(u64),
    #[error("body larger than {0} bytes (crawl.max_body_bytes)")]
    TooLarge(u64),
    #[error("{0}")]
    Other(String),
    #[error("{last} (after {attempts} attempts)")]
    GaveUp { attempts: u32, last: Box<FetchError> },
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it ended up after redirects.
    pub url: Url,
    pub text: String,
    /// The server said 304 Not Modified: nothing changed since the stored validators.
    pub not_modified: bool,
    pub validators: Validators,
    /// Bytes that were not valid in the page's charset were replaced.
    pub decode_errors: bool,
    /// Attempts it took (1 when nothing was retried).
    pub attempts: u32,
}

/// How one source's requests are made.
pub struct SourceClient {
    pub client: reqwest::Client,
    headers: HeaderMap,
    delay: Duration,
    concurrency: usize,
    respect_robots: bool,
    /// Where its requests, redirects and links may lead.
    allowed: Allowed,
}

/// The crawler's HTTP side, shared by every source in a run.
pub struct Fetcher {
    settings: CrawlConfig,
    gates: Gates,
    robots: Robots,
    /// Politeness and robots.txt shared with other processes (cluster workers); none embedded.
    pub(super) shared: Option<std::sync::Arc<dyn super::SharedLimits>>,
}

/// One attempt's failure: worth retrying (after an optional server-given wait) or not.
enum Attempt {
    Retry(FetchError, Option<Duration>),
    Fatal(FetchError),
}

/// What one request gave: a page, or a redirect to follow.
enum Answer {
    Page(Fetched),
    Redirect(Url),
}

impl Fetcher {
    pub fn new(settings: CrawlConfig, store: Store) -> Self {
        Fetcher { robots: Robots::new(store, settings.robots_agent()), gates: Gates::default(), settings, shared: None }
    }

    /// The same fetcher also waiting its turn at each host with every other process sharing
    /// `shared`, and reading robots.txt through it.
    pub fn with_shared(mut self, shared: std::sync::Arc<dyn super::SharedLimits>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The client for `source`: its headers (environment variables read now), proxy and limits.
    pub fn client_for(&self, source: &Source) -> Result<SourceClient, String> {
        let s = &self.settings;
        let r = &source.request;
        let mut headers = HeaderMap::new();
        let mut put = |name: &str, value: &str| -> Result<(), String> {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("{name:?} is not a header name"))?;
            let v = HeaderValue::from_str(value).map_err(|_| format!("the value of header {name} is not valid"))?;
            headers.insert(n, v);
            Ok(())
        };
        for (name, value) in &r.headers {
            put(name, value)?;
        }
        for (name, var) in &r.headers_from_env {
            let value = std::env::var(var)
                .map_err(|_| format!("header {name} needs the environment variable {var}, which is not set"))?;
            put(name, &value)?;
        }
        let allowed = Allowed::new(&source.urls, &r.allowed_hosts, r.allow_private);
        // Redirects are followed by hand (`fetch`), each checked and under its host's robots.txt.
        let mut b = reqwest::Client::builder()
            .user_agent(r.user_agent.as_deref().unwrap_or(&s.user_agent))
            .connect_timeout(Duration::from_secs(s.connect_timeout_secs))
            .timeout(Duration::from_secs(s.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .gzip(true)
            .brotli(true);
        if let Some(r) = resolver(&allowed) {
            b = b.dns_resolver(r);
        }
        if let Some(p) = &r.proxy {
            b = b.proxy(reqwest::Proxy::all(p).map_err(|e| format!("proxy {p:?}: {e}"))?);
        }
        Ok(SourceClient {
            client: b.build().map_err(|e| format!("cannot build the HTTP client: {e}"))?,
            headers,
            delay: Duration::from_millis(r.delay_ms.unwrap_or(s.delay_ms)),
            concurrency: r.concurrency.unwrap_or(s.concurrency),
            respect_robots: r.respect_robots.unwrap_or(s.respect_robots),
            allowed,
        })
    }

    /// Fetches `url`, following redirects (at most `max_redirects`, each to where the source may
    /// go, under its host's robots.txt); with `validators`, a 304 comes back as `not_modified`.
    pub async fn fetch(
        &self,
        sc: &SourceClient,
        url: &str,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let mut url = Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_string()))?;
        let mut validators = validators;
        let mut attempts = 0;
        for _ in 0..=self.settings.max_redirects {
            if let Some(reason) = sc.allowed.refusal(&url) {
                return Err(FetchError::Refused { url: url.to_string(), reason });
            }
            match self.fetch_one(sc, &url, validators).await? {
                (Answer::Page(mut f), n) => {
                    f.attempts = attempts + n;
                    return Ok(f);
                }
                (Answer::Redirect(next), n) => {
                    attempts += n;
                    tracing::debug!(from = %url, to = %next, "redirect");
                    (url, validators) = (next, None);
                }
            }
        }
        Err(FetchError::Redirects(self.settings.max_redirects))
    }

    /// One URL, with robots.txt, the host's gate and retries; the answer and the attempts it took.
    async fn fetch_one(
        &self,
        sc: &SourceClient,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<(Answer, u32), FetchError> {
        let url = url.clone();
        let host = format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0));
        let mut delay = sc.delay;
        if sc.respect_robots {
            let rules = self.robots.rules_for(self, sc, &url).await;
            rules.check(&url)?;
            delay = delay.max(rules.crawl_delay());
        }
        let gate = self.gates.get(&host, delay, sc.concurrency);
        let retries = self.settings.retries;
        for attempt in 0..=retries {
            let shared = self.shared.as_deref();
            let entered = politeness::enter(&gate, shared, &host, delay, sc.concurrency).await;
            let outcome = self.attempt(sc, &url, validators).await;
            entered.leave().await;
            match outcome {
                Ok(answer) => return Ok((answer, attempt + 1)),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry(e, _)) if attempt == retries => {
                    return Err(if retries == 0 {
                        e
                    } else {
                        FetchError::GaveUp { attempts: attempt + 1, last: Box::new(e) }
                    });
                }
                Err(Attempt::Retry(e, asked)) => {
                    let wait = asked.unwrap_or_else(|| self.backoff(attempt));
                    if asked.is_some() {
                        politeness::pause(&gate, self.shared.as_deref(), &host, wait).await;
                    }
                    tracing::debug!(%url, error = %e, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Exponential backoff from `retry_base_ms`, with ±50% jitter so that retries spread out.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.settings.retry_base_ms.saturating_mul(1 << attempt.min(10)) as f64;
        Duration::from_millis((base * (0.5 + fastrand::f64())) as u64).min(Duration::from_secs(60))
    }

    /// A plain GET for robots.txt: no robots check, no retries, through the host's gate;
    /// redirects followed (RFC 9309 asks for five), each to where the source may go.
    pub(super) async fn fetch_plain(&self, sc: &SourceClient, url: &Url) -> Result<(StatusCode, Vec<u8>), FetchError> {
        let mut url = url.clone();
        for _ in 0..=self.settings.max_redirects.min(5) {
            if let Some(reason) = sc.allowed.refusal(&url) {
                return Err(FetchError::Refused { url: url.to_string(), reason });
            }
            let host = format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0));
            let gate = self.gates.get(&host, sc.delay, sc.concurrency);
            let _entered = politeness::enter(&gate, self.shared.as_deref(), &host, sc.delay, sc.concurrency).await;
            let resp = sc.client.get(url.clone()).send().await.map_err(|e| self.request_error(e))?;
            let status = resp.status();
            let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
            if status.is_redirection()
                && let Some(next) = location.and_then(|l| url.join(&l).ok())
            {
                url = next;
                continue;
            }
            let body = self.read_body(resp).await.map_err(|a| match a {
                Attempt::Retry(e, _) | Attempt::Fatal(e) => e,
            })?;
            return Ok((status, body));
        }
        Err(FetchError::Redirects(self.settings.max_redirects.min(5)))
    }

    async fn attempt(&self, sc: &SourceClient, url: &Url, validators: Option<&Validators>) -> Result<Answer, Attempt> {
        let mut req = sc.client.get(url.clone()).headers(sc.headers.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = req.send().await.map_err(|e| {
            let err = self.request_error(e);
            match err {
                FetchError::Redirects(_) | FetchError::BadUrl(_) => Attempt::Fatal(err),
                _ => Attempt::Retry(err, None),
            }
        })?;
        let status = resp.status();
        let final_url = resp.url().clone();
        let header_str =
            |name| resp.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
        let validators =
            Validators { etag: header_str(header::ETAG), last_modified: header_str(header::LAST_MODIFIED) };
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let location = header_str(header::LOCATION).ok_or_else(|| {
                Attempt::Fatal(FetchError::Other(format!("HTTP {} without a Location", status.as_u16())))
            })?;
            let next = final_url.join(&location).map_err(|_| Attempt::Fatal(FetchError::BadUrl(location)))?;
            return Ok(Answer::Redirect(next));
        }
        if status == StatusCode::NOT_MODIFIED {
            let empty = Fetched {
                url: final_url,
                text: String::new(),
                not_modified: true,
                validators,
                decode_errors: false,
                attempts: 1,
            };
            return Ok(Answer::Page(empty));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            let asked = header_str(header::RETRY_AFTER).and_then(|v| retry_after(&v));
            if let Some(d) = asked.filter(|d| d.as_secs() > self.settings.max_retry_after_secs) {
                return Err(Attempt::Fatal(FetchError::RetryAfterTooLong(d.as_secs())));
            }
            return Err(Attempt::Retry(FetchError::Status(status.as_u16()), asked));
        }
        if status.is_server_error() {
            return Err(Attempt::Retry(FetchError::Status(status.as_u16()), None));
        }
        if !status.is_success() {
            return Err(Attempt::Fatal(FetchError::Status(status.as_u16())));
        }
        let content_type = header_str(header::CONTENT_TYPE);
        let body = self.read_body(resp).await?;
        let (text, _, decode_errors) = decode(&body, content_type.as_deref());
        Ok(Answer::Page(Fetched { url: final_url, text, not_modified: false, validators, decode_errors, attempts: 1 }))
    }

    /// The body, refused beyond `max_body_bytes` whether or not Content-Length announced it.
    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, Attempt> {
        let max = self.settings.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(Attempt::Fatal(FetchError::TooLarge(max)));
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > max {
                        return Err(Attempt::Fatal(FetchError::TooLarge(max)));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(Attempt::Retry(self.request_error(e), None)),
            }
        }
    }

    fn request_error(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.settings.timeout_secs)
        } else if e.is_redirect() {
            FetchError::Redirects(self.settings.max_redirects)
        } else if e.is_connect() {
            FetchError::Connect(root_cause(&e))
        } else {
            FetchError::Other(root_cause(&e))
        }
    }
}

/// The innermost error message (reqwest's outer ones only say "error sending request").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Retry-After as seconds or an HTTP date.
fn retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(v.trim()).ok()?.timestamp();
    let secs = at.duration_since(jiff::Timestamp::now()).as_secs().max(0);
    Some(Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::retry_after;
    use std::time::Duration;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(retry_after("soon"), None);
    }
}
