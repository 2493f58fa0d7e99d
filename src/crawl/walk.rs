//! Walking one source: its start URLs (params and watch keywords filled in), page after page
//! until the listing only shows mentions already seen or older than the window, detail pages
//! followed from list items, and where to resume if the walk is interrupted.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use jiff::{Timestamp, ToSpan};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::fetch::SourceClient;
use super::report::SourceReport;
use super::sink::{Batch, Msg};
use super::{Ctx, Progress};
use crate::analysis::{PreparedMention, Preparer};
use crate::source::{Extractor, Pagination, Source, extract, placeholders, to_mention};
use crate::store::{ResumePoint, StateUpdate};
use crate::watch::Watch;

/// A page to fetch.
#[derive(Debug, Clone, PartialEq)]
struct PageReq {
    url: String,
    page: u64,
}

/// What reading one page gave.
#[derive(Default)]
struct PageOutcome {
    items: usize,
    /// Items neither seen before nor too old.
    fresh: usize,
    /// Items older than the window.
    old: usize,
    next: Option<String>,
    end: bool,
    /// Detail pages to read: (URL, id of the list item they belong to).
    follows: Vec<(String, String)>,
}

/// The start URLs of `source`: every combination of its params, `{keyword}` from `params.keyword`
/// or else the watches' names and aliases; `{page}` and `{cursor}` are left for the pagination.
pub fn start_urls(source: &Source, watches: &[Watch]) -> Result<Vec<String>, String> {
    let mut urls = Vec::new();
    for template in &source.urls {
        let mut expanded = vec![template.clone()];
        let names: Vec<&str> = placeholders(template).filter(|n| !matches!(*n, "page" | "cursor")).collect();
        for name in names {
            let values: Vec<String> = match source.params.get(name) {
                Some(v) => v.clone(),
                None if name == "keyword" => {
                    let mut v: Vec<String> = Vec::new();
                    for w in watches {
                        for a in &w.aliases {
                            if !v.contains(a) {
                                v.push(a.clone());
                            }
                        }
                    }
                    v
                }
                None => Vec::new(),
            };
            if values.is_empty() {
                return Err(format!(
                    "{{{name}}} in {template:?} has no values: add [[watch]] tables to yuqing.toml or params.{name}"
                ));
            }
            let slot = format!("{{{name}}}");
            let slot = slot.as_str();
            expanded = expanded
                .iter()
                .flat_map(|u| {
                    values.iter().map(move |v| u.replace(slot, &utf8_percent_encode(v, NON_ALPHANUMERIC).to_string()))
                })
                .collect();
        }
        urls.extend(expanded);
    }
    Ok(urls)
}

/// Crawls every start URL of `source`, a few at a time.
pub async fn crawl_source(ctx: Arc<Ctx>, source: Arc<Source>) -> SourceReport {
    let mut report = SourceReport::new(&source.name);
    let client = match ctx.fetcher.client_for(&source) {
        Ok(c) => Arc::new(c),
        Err(reason) => {
            report.fail(source.file.display().to_string(), reason);
            return report;
        }
    };
    let starts = match start_urls(&source, &ctx.watch_list) {
        Ok(s) => s,
        Err(reason) => {
            report.fail(source.file.display().to_string(), reason);
            return report;
        }
    };
    let parallel = source.request.concurrency.unwrap_or(ctx.settings.concurrency);
    let walks = futures_util::stream::iter(starts)
        .map(|start| walk_listing(ctx.clone(), source.clone(), client.clone(), start))
        .buffer_unordered(parallel);
    let parts: Vec<SourceReport> = walks.collect().await;
    for part in parts {
        report.merge(part);
    }
    report
}

fn first_page(pagination: &Pagination, start: &str) -> PageReq {
    match pagination {
        Pagination::Pages { first, .. } => PageReq { url: start.replace("{page}", &first.to_string()), page: *first },
        Pagination::Cursor { first, .. } => PageReq { url: with_cursor(start, first), page: 0 },
        _ => PageReq { url: start.to_string(), page: 0 },
    }
}

fn with_cursor(start: &str, cursor: &str) -> String {
    start.replace("{cursor}", &utf8_percent_encode(cursor, NON_ALPHANUMERIC).to_string())
}

/// The page after `req`, if the pagination and the page say there is one.
fn next_page(pagination: &Pagination, start: &str, req: &PageReq, out: &PageOutcome) -> Option<PageReq> {
    if out.end || out.items == 0 {
        return None;
    }
    match pagination {
        Pagination::None => None,
        Pagination::Pages { step, .. } => {
            let page = req.page + step;
            Some(PageReq { url: start.replace("{page}", &page.to_string()), page })
        }
        Pagination::Next(_) => out.next.clone().map(|url| PageReq { url, page: req.page + 1 }),
        Pagination::Cursor { .. } => {
            let url = with_cursor(start, out.next.as_deref()?);
            (url != req.url).then_some(PageReq { url, page: req.page + 1 })
        }
    }
}

/// Walks one listing from its first page; jumps to the stored resume point once it reaches
/// mentions it has seen, so that a walk interrupted by a crash continues where it stopped. After
/// such a jump, pages of seen mentions do not stop the walk (the resume point is recorded after
/// the commit, so it may lag a page or two behind); the end of the listing or the window does.
async fn walk_listing(ctx: Arc<Ctx>, source: Arc<Source>, client: Arc<SourceClient>, start: String) -> SourceReport {
    let mut report = SourceReport::new(&source.name);
    let (name, key) = (source.name.clone(), start.clone());
    let mut resume = ctx.store.blocking(move |s| s.resume_point(&name, &key)).await.ok().flatten();
    let mut resumed = false;
    let mut req = first_page(&source.list.pagination, &start);
    for _ in 0..source.max_pages {
        let Some(out) = read_page(&ctx, &source, &client, &source.list, &req.url, None, &mut report).await else {
            return report; // the resume point stays: the next run continues here
        };
        let details = futures_util::stream::iter(out.follows.iter().cloned())
            .map(|(url, parent)| walk_detail(&ctx, &source, &client, url, parent))
            .buffer_unordered(client_parallel(&ctx, &source));
        for part in details.collect::<Vec<_>>().await {
            report.merge(part);
        }
        let mut next = next_page(&source.list.pagination, &start, &req, &out);
        let window_reached = out.items > 0 && out.old == out.items;
        if out.fresh == 0 && (window_reached || !resumed) {
            next = match resume.take() {
                Some(r) if !window_reached && r.url != req.url => {
                    resumed = true;
                    Some(PageReq { url: r.url, page: r.page })
                }
                _ => None,
            };
        }
        let Some(n) = next else { break };
        let point = ResumePoint { url: n.url.clone(), page: n.page };
        let update =
            StateUpdate { resume: vec![(source.name.clone(), start.clone(), Some(point))], ..Default::default() };
        if !send(&ctx, &source, Vec::new(), update).await {
            return report;
        }
        req = n;
    }
    let update = StateUpdate { resume: vec![(source.name.clone(), start.clone(), None)], ..Default::default() };
    send(&ctx, &source, Vec::new(), update).await;
    report
}

fn client_parallel(ctx: &Ctx, source: &Source) -> usize {
    source.request.concurrency.unwrap_or(ctx.settings.concurrency)
}

/// Reads a detail page and the pages its `next` link leads to.
async fn walk_detail(
    ctx: &Ctx,
    source: &Arc<Source>,
    client: &SourceClient,
    url: String,
    parent: String,
) -> SourceReport {
    let mut report = SourceReport::new(&source.name);
    let Some(ex) = &source.detail else { return report };
    let mut url = url;
    for _ in 0..source.max_pages {
        let Some(out) = read_page(ctx, source, client, ex, &url, Some(&parent), &mut report).await else { break };
        match out.next.filter(|n| out.fresh > 0 && !out.end && *n != url) {
            Some(n) if matches!(ex.pagination, Pagination::Next(_)) => url = n,
            _ => break,
        }
    }
    report
}

async fn send(ctx: &Ctx, source: &Source, mentions: Vec<PreparedMention>, update: StateUpdate) -> bool {
    let batch = Batch { source: source.name.clone(), mentions, update };
    ctx.sink.send(Msg::Batch(batch)).await.is_ok()
}

/// Fetches, extracts and prepares one page, sends its fresh mentions to the writer, and says
/// what the page held; `None` when it failed (the failure is in `report`).
async fn read_page(
    ctx: &Ctx,
    source: &Arc<Source>,
    client: &SourceClient,
    ex: &Arc<Extractor>,
    url: &str,
    parent: Option<&str>,
    report: &mut SourceReport,
) -> Option<PageOutcome> {
    let key = url.to_string();
    let validators = ctx.store.blocking(move |s| s.validators(&key)).await.ok().flatten();
    let fetched = match ctx.fetcher.fetch(client, url, validators.as_ref()).await {
        Ok(f) => f,
        Err(e) => {
            report.fail(url, e);
            ctx.progress.errors.fetch_add(1, Ordering::Relaxed);
            return None;
        }
    };
    report.pages += 1;
    report.retries += u64::from(fetched.attempts - 1);
    ctx.progress.pages.fetch_add(1, Ordering::Relaxed);
    if fetched.not_modified {
        report.not_modified += 1;
        return Some(PageOutcome::default());
    }
    if fetched.decode_errors {
        tracing::warn!(url, "bytes not valid in the page's charset were replaced");
    }
    let job = PageJob {
        source: source.clone(),
        ex: ex.clone(),
        parent: parent.map(str::to_string),
        preparer: ctx.preparer.clone(),
        ctx_store: ctx.store.clone(),
        now: ctx.now,
        progress: ctx.progress.clone(),
    };
    let (text, page_url, page_validators) = (fetched.text, fetched.url, fetched.validators);
    let permit = ctx.cpu.clone().acquire_owned().await.expect("the semaphore is never closed");
    let done = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        job.run(&text, &page_url)
    })
    .await;
    let read = match done {
        Ok(Ok(r)) => r,
        Ok(Err(reason)) => {
            report.fail(url, reason);
            ctx.progress.errors.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Err(e) => {
            report.fail(url, format!("internal error while reading the page: {e}"));
            return None;
        }
    };
    report.merge(read.report);
    let mut update =
        StateUpdate { seen: read.ids.into_iter().map(|id| (source.name.clone(), id)).collect(), ..Default::default() };
    if !page_validators.is_empty() {
        update.validators.push((url.to_string(), page_validators));
    }
    send(ctx, source, read.prepared, update).await.then_some(read.outcome)
}

/// The CPU side of reading a page, run on a blocking thread (scraper's documents are not `Send`).
struct PageJob {
    source: Arc<Source>,
    ex: Arc<Extractor>,
    parent: Option<String>,
    preparer: Preparer,
    ctx_store: crate::store::Store,
    now: Timestamp,
    progress: Arc<Progress>,
}

/// A page read: what it held, its fresh mentions prepared for the index, their ids, the counts.
struct PageRead {
    outcome: PageOutcome,
    prepared: Vec<PreparedMention>,
    ids: Vec<String>,
    report: SourceReport,
}

impl PageJob {
    fn run(mut self, text: &str, page_url: &reqwest::Url) -> Result<PageRead, String> {
        let page = extract(&self.ex, text, page_url).map_err(|e| e.to_string())?;
        let mut report = SourceReport::new(&self.source.name);
        report.skipped = page.skipped as u64;
        let mut outcome = PageOutcome { items: page.items.len(), next: page.next, end: page.end, ..Default::default() };
        let (mut prepared, mut ids) = (Vec::new(), Vec::new());
        let oldest = self.now.checked_sub((i64::from(self.source.window_days) * 24).hours()).unwrap_or(self.now);
        for (n, item) in page.items.iter().enumerate() {
            report.items += 1;
            let m = match to_mention(&self.source, &self.ex, item, self.parent.as_deref(), self.now) {
                Ok(m) => m,
                Err(e) => {
                    report.fail(page_url.as_str(), format!("item {}: {e}", n + 1));
                    continue;
                }
            };
            if m.published_at < oldest {
                report.old += 1;
                outcome.old += 1;
                continue;
            }
            if let Some(link) = &item.follow {
                outcome.follows.push((link.clone(), m.id.clone()));
            }
            if !self.ex.emit {
                outcome.fresh += 1;
                continue;
            }
            if self.ctx_store.is_seen(&self.source.name, &m.id).unwrap_or(false) {
                report.seen += 1;
                continue;
            }
            outcome.fresh += 1;
            if self.source.only_watched && !self.preparer.matches_a_watch(&m) {
                report.unwatched += 1;
                ids.push(m.id);
                continue;
            }
            ids.push(m.id.clone());
            prepared.push(self.preparer.prepare(m));
        }
        self.progress.mentions.fetch_add(prepared.len() as u64, Ordering::Relaxed);
        Ok(PageRead { outcome, prepared, ids, report })
    }
}
