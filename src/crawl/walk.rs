//! Walking one source: its start URLs (params and watch keywords filled in), page after page,
//! detail pages followed from list items, and where to resume if the walk is interrupted.
//!
//! A listing's walk ends at the end of the listing, at a page older than the window, or after
//! `max_pages`. A page of mentions seen before ends it only once a walk of this listing has gone
//! to its end with at least the definition's reach (its window and page limit): a first walk, a
//! walk cut short by a crash, and a walk after the window or page limit was raised all go on. A
//! thread (a detail page and the pages its `next` link leads to) is walked the same way, but seen
//! pages never end it: after its first page (its head) it goes on from where its last walk ended,
//! since new replies come at the end. A
//! list page's state update says "come back to this page", and once its detail pages are read, a
//! second one says "go on from the next page"; both are applied only after the commit that holds
//! what came before them on the one channel to the writer. So a crash at any point makes the next
//! walk read again from the last page not wholly committed.

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
use crate::mention::Mention;
use crate::source::{Extractor, ItemOf, Pagination, Source, extract, placeholders, to_mention};
use crate::store::{Reach, ResumePoint, StateUpdate, WalkChange};
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
    /// The server answered 304: nothing changed since the last walk.
    not_modified: bool,
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
            let count = (urls.len() + expanded.len()).saturating_mul(values.len());
            if count > crate::source::MAX_START_URLS {
                return Err(format!(
                    "{template:?} expands to more than {} start URLs ({{{name}}} has {} values); split the source",
                    crate::source::MAX_START_URLS,
                    values.len()
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

/// Pages read at most by a backfill (`crawl --since`), which the date bounds instead.
const BACKFILL_MAX_PAGES: u32 = 100_000;

/// What is walked: a listing (a start URL of the source, read by `[list]`), or a thread (a detail
/// page followed from a list item, read by `[detail]`, paged by its `next` link).
struct WalkOf {
    ex: Arc<Extractor>,
    /// The listing's start URL, or the thread's first page: the walk's key in the crawl state.
    start: String,
    /// The list item a thread was followed from (its mention id); `None` for a listing.
    parent: Option<String>,
}

/// Walks a listing from its first page (following its items' detail pages), or a thread from its
/// first page. A walk that was cut short is finished: on reaching pages it has seen, it jumps to
/// where the cut walk was, and from there goes to the end.
async fn walk_listing(ctx: Arc<Ctx>, source: Arc<Source>, client: Arc<SourceClient>, start: String) -> SourceReport {
    let of = WalkOf { ex: source.list.clone(), start, parent: None };
    walk(&ctx, &source, &client, of).await
}

async fn walk(ctx: &Arc<Ctx>, source: &Arc<Source>, client: &Arc<SourceClient>, of: WalkOf) -> SourceReport {
    let mut report = SourceReport::new(&source.name);
    let WalkOf { ex, start, parent } = of;
    let (name, key) = (source.name.clone(), start.clone());
    let state = ctx.store.blocking(move |s| s.walk_state(&name, &key)).await.unwrap_or_default();
    let reach = Reach { window_days: source.window_days, max_pages: source.max_pages };
    let mut resume = state.resume;
    // A thread's replies come at its end: seen pages never end a thread's walk.
    let mut stop_at_seen = parent.is_none()
        && ctx.backfill_since.is_none()
        && state.completed.is_some_and(|c| c.window_days >= reach.window_days && c.max_pages >= reach.max_pages);
    let max_pages = if ctx.backfill_since.is_some() { BACKFILL_MAX_PAGES } else { source.max_pages };
    let mut req = match parent {
        None => first_page(&ex.pagination, &start),
        Some(_) => PageReq { url: start.clone(), page: 1 },
    };
    let mut ended_at_seen = false;
    for _ in 0..max_pages {
        let at = WalkChange::At(ResumePoint { url: req.url.clone(), page: req.page });
        let conditional = stop_at_seen && resume.is_none();
        let task = PageTask {
            ex: &ex,
            url: &req.url,
            parent: parent.as_deref(),
            walk: Some((start.clone(), at)),
            conditional,
            head: parent.is_some() && req.url == start,
        };
        let Some(out) = read_page(ctx, source, client, task, &mut report).await else {
            return report; // the walk's state stays: the next run comes back here
        };
        if let Some(detail) = source.detail.as_ref().filter(|_| parent.is_none()) {
            let threads = futures_util::stream::iter(out.follows.iter().cloned())
                .map(|(url, item)| {
                    let of = WalkOf { ex: detail.clone(), start: url, parent: Some(item) };
                    Box::pin(walk(ctx, source, client, of))
                })
                .buffer_unordered(client_parallel(ctx, source));
            for part in threads.collect::<Vec<_>>().await {
                report.merge(part);
            }
        }
        let mut next = next_page(&ex.pagination, &start, &req, &out);
        if out.items > 0 && out.old == out.items {
            next = None; // the window is reached
        } else if out.not_modified || (out.items > 0 && out.fresh == 0) {
            match resume.take().filter(|r| r.url != req.url) {
                Some(r) => {
                    next = Some(PageReq { url: r.url, page: r.page });
                    stop_at_seen = false;
                }
                None if stop_at_seen || out.not_modified => {
                    (next, ended_at_seen) = (None, stop_at_seen);
                }
                None => {}
            }
        }
        let Some(n) = next else { break };
        // Page (and its threads) read: a walk cut from here on comes back to the next page.
        let at = WalkChange::At(ResumePoint { url: n.url.clone(), page: n.page });
        let update = StateUpdate { walks: vec![(source.name.clone(), start.clone(), at)], ..Default::default() };
        if !send(ctx, source, Vec::new(), update).await {
            return report;
        }
        req = n;
    }
    // A thread keeps its last page: its next walk reads the first (the head) and goes on there.
    let last = parent.is_some().then(|| ResumePoint { url: req.url.clone(), page: req.page });
    let done = WalkChange::Done { reach: (!ended_at_seen).then_some(reach), last };
    let update = StateUpdate { walks: vec![(source.name.clone(), start, done)], ..Default::default() };
    send(ctx, source, Vec::new(), update).await;
    report
}

fn client_parallel(ctx: &Ctx, source: &Source) -> usize {
    source.request.concurrency.unwrap_or(ctx.settings.concurrency)
}

async fn send(ctx: &Ctx, source: &Source, mentions: Vec<PreparedMention>, update: StateUpdate) -> bool {
    let batch = Batch { source: source.name.clone(), mentions, update };
    ctx.sink.send(Msg::Batch(batch)).await.is_ok()
}

/// One page to read.
struct PageTask<'a> {
    ex: &'a Arc<Extractor>,
    url: &'a str,
    /// The list item a detail page was followed from.
    parent: Option<&'a str>,
    /// For a list page: its listing and the walk state its commit records.
    walk: Option<(String, WalkChange)>,
    /// Whether to ask with the stored validators (a 304 then ends the walk): only when the
    /// listing's walk may end at what it has seen.
    conditional: bool,
    /// Whether to read the page's own mention (the first page of a thread).
    head: bool,
}

/// Fetches, extracts and prepares one page, sends its fresh mentions to the writer (with the
/// listing's walk state, for a list page), and says what the page held; `None` when it failed
/// (the failure is in `report`).
async fn read_page(
    ctx: &Ctx,
    source: &Arc<Source>,
    client: &SourceClient,
    task: PageTask<'_>,
    report: &mut SourceReport,
) -> Option<PageOutcome> {
    let PageTask { ex, url, parent, walk, conditional, head } = task;
    let key = url.to_string();
    let validators =
        if conditional { ctx.store.blocking(move |s| s.validators(&key)).await.ok().flatten() } else { None };
    let fetched = match ctx.fetcher.fetch(client, url, validators.as_ref()).await {
        Ok(f) => f,
        Err(e) => {
            if let crate::crawl::FetchError::GaveUp { attempts, .. } = &e {
                report.retries += u64::from(attempts.saturating_sub(1));
            }
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
        return Some(PageOutcome { not_modified: true, ..PageOutcome::default() });
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
        backfill_since: ctx.backfill_since,
        progress: ctx.progress.clone(),
        head,
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
    if let Some((start, change)) = walk {
        update.walks.push((source.name.clone(), start, change));
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
    backfill_since: Option<Timestamp>,
    progress: Arc<Progress>,
    /// Read the page's own mention (`[detail.head]`): the first page of a thread.
    head: bool,
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
        let mut read = PageRead {
            outcome: PageOutcome { items: page.items.len(), next: page.next, end: page.end, ..Default::default() },
            prepared: Vec::new(),
            ids: Vec::new(),
            report: SourceReport::new(&self.source.name),
        };
        read.report.skipped = page.skipped as u64;
        let url = page_url.as_str();
        // Items on a detail page belong to its thread and, without a URL of their own, to the page.
        let (ex, parent) = (self.ex.clone(), self.parent.clone());
        let of = ex.items_of(parent.as_deref(), parent.is_some().then_some(url));
        for (n, item) in page.items.iter().enumerate() {
            read.report.items += 1;
            match to_mention(&self.source, &of, item, self.now) {
                Ok(m) => self.take(m, item.follow.as_deref(), self.ex.emit, true, &mut read),
                Err(e) => read.report.fail(url, format!("item {}: {e}", n + 1)),
            }
        }
        // The thread's own mention, on its first page.
        if let (Some(head), Some(item), true) = (&ex.head, &page.head, self.head) {
            let of = ItemOf {
                fields: &head.fields,
                kind: head.kind,
                parent: None,
                id: parent.as_deref(),
                page_url: Some(url),
            };
            match to_mention(&self.source, &of, item, self.now) {
                Ok(m) => self.take(m, None, true, false, &mut read),
                Err(e) => read.report.fail(url, format!("the page's own mention: {e}")),
            }
        }
        self.progress.mentions.fetch_add(read.prepared.len() as u64, Ordering::Relaxed);
        Ok(read)
    }

    /// One mention read from the page: too old, seen before, about no watch, or prepared for the
    /// index; `walking` says whether it counts for the walk (the items do, a page's head not).
    fn take(&mut self, m: Mention, follow: Option<&str>, emit: bool, walking: bool, read: &mut PageRead) {
        let window = self.now.checked_sub((i64::from(self.source.window_days) * 24).hours()).unwrap_or(self.now);
        if m.published_at < self.backfill_since.unwrap_or(window) {
            read.report.old += 1;
            read.outcome.old += usize::from(walking);
            return;
        }
        if let Some(link) = follow {
            read.outcome.follows.push((link.to_string(), m.id.clone()));
        }
        // A list of links (emit = false) is seen when its thread's own mention is.
        if self.ctx_store.is_seen(&self.source.name, &m.id).unwrap_or(false) {
            read.report.seen += u64::from(emit);
            return;
        }
        read.outcome.fresh += usize::from(walking);
        if !emit {
            return;
        }
        if self.source.only_watched && !self.preparer.matches_a_watch(&m) {
            read.report.unwatched += 1;
            read.ids.push(m.id);
            return;
        }
        read.ids.push(m.id.clone());
        read.prepared.push(self.preparer.prepare(m));
    }
}
