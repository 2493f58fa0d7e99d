//! One job's page as a worker reads it: fetched under the shared politeness, extracted and
//! every fresh mention prepared (text pipeline, sentiment, risks, watches) on a blocking thread,
//! as the embedded crawl does. The worker keeps no crawl state of its own (the shared walk state
//! is [`super::walks`]): a mention read twice (a redelivered job, a page read again) is dropped
//! by the server's message-id deduplication, and past its window by the index, which skips the
//! ids it holds.

use std::sync::Arc;

use jiff::{Timestamp, ToSpan};

use super::job::{Job, JobOf, PageOutcome};
use crate::analysis::{PreparedMention, Preparer};
use crate::crawl::{Fetcher, SourceClient};
use crate::mention::Mention;
use crate::source::{ItemOf, Source, extract, to_mention};

/// A page read: what it said about the walk, its mentions prepared, and item failures.
pub struct PageRead {
    pub outcome: PageOutcome,
    pub prepared: Vec<PreparedMention>,
    pub failures: Vec<String>,
}

/// Fetches and reads `job`'s page; `Err` says why the page could not be read.
pub async fn read(
    fetcher: &Fetcher,
    client: &SourceClient,
    source: &Arc<Source>,
    job: &Job,
    preparer: &Preparer,
) -> Result<PageRead, String> {
    let fetched = fetcher.fetch(client, &job.url, None).await.map_err(|e| e.to_string())?;
    let (source, job, mut preparer) = (source.clone(), job.clone(), preparer.clone());
    tokio::task::spawn_blocking(move || {
        let now = Timestamp::now();
        read_page(&source, &job, &mut preparer, &fetched.text, &fetched.url, now)
    })
    .await
    .map_err(|e| format!("internal error while reading the page: {e}"))?
}

/// The CPU side (scraper's documents are not `Send`): extract, then prepare each fresh mention.
fn read_page(
    source: &Source,
    job: &Job,
    preparer: &mut Preparer,
    text: &str,
    page_url: &reqwest::Url,
    now: Timestamp,
) -> Result<PageRead, String> {
    let (ex, parent) = match (&job.of, &source.detail) {
        (JobOf::Thread { parent }, Some(detail)) => (detail.clone(), Some(parent.as_str())),
        (JobOf::Thread { .. }, None) => return Err("the definition has no [detail] any more".into()),
        (JobOf::List, _) => (source.list.clone(), None),
    };
    let page = extract(&ex, text, page_url).map_err(|e| e.to_string())?;
    let mut read = PageRead {
        outcome: PageOutcome { items: page.items.len(), next: page.next, end: page.end, ..Default::default() },
        prepared: Vec::new(),
        failures: Vec::new(),
    };
    let url = page_url.as_str();
    let window = now.checked_sub((i64::from(source.window_days) * 24).hours()).unwrap_or(now);
    let mut take = |m: Mention, follow: Option<&str>, emit: bool, walking: bool, read: &mut PageRead| {
        if m.published_at < window {
            read.outcome.old += usize::from(walking);
            return;
        }
        if let Some(link) = follow {
            read.outcome.follows.push((link.to_string(), m.id.clone()));
        }
        if emit && (!source.only_watched || preparer.matches_a_watch(&m)) {
            read.prepared.push(preparer.prepare(m));
        }
    };
    let of = ex.items_of(parent, parent.is_some().then_some(url));
    for (n, item) in page.items.iter().enumerate() {
        match to_mention(source, &of, item, now) {
            Ok(m) => take(m, item.follow.as_deref(), ex.emit, true, &mut read),
            Err(e) => read.failures.push(format!("{url}: item {}: {e}", n + 1)),
        }
    }
    // A thread's own mention, on its first page.
    if let (Some(head), Some(item), true) = (&ex.head, &page.head, parent.is_some() && job.url == job.start) {
        let of = ItemOf { fields: &head.fields, kind: head.kind, parent: None, id: parent, page_url: Some(url) };
        match to_mention(source, &of, item, now) {
            Ok(m) => take(m, None, true, false, &mut read),
            Err(e) => read.failures.push(format!("{url}: the page's own mention: {e}")),
        }
    }
    Ok(read)
}
