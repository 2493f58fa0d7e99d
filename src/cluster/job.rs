//! A crawl job: one page of a listing or of a thread, with where its walk stands. The scheduler
//! makes a listing's first job from each start URL at each tick of the source's schedule; a
//! worker that read a page makes the next page's job and one job per detail page. A job's id
//! holds the tick and the page, so a follow-up published twice (a worker killed between the
//! publish and the ack, a scheduler taken over) is stored once, and the next tick's walk is new.

use serde::{Deserialize, Serialize};

use crate::source::{Pagination, Source};
use crate::watch::Watch;

/// What a job's page belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobOf {
    /// A listing, read by the definition's `[list]`.
    List,
    /// A thread followed from a list item (its mention id), read by `[detail]`.
    Thread { parent: String },
}

/// One page to fetch and read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub source: String,
    pub url: String,
    /// The number put in `{page}` (zero when the pagination has none).
    pub page: u64,
    /// The listing's start URL (with `{page}` or `{cursor}` left in), or the thread's first page.
    pub start: String,
    pub of: JobOf,
    /// Pages of this walk before this one: the walk ends at the source's `max_pages`.
    pub depth: u32,
    /// The schedule's tick (Unix seconds) that began the walk.
    pub tick: i64,
}

/// What reading a page said about the walk.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageOutcome {
    pub items: usize,
    /// Items older than the window.
    pub old: usize,
    pub next: Option<String>,
    pub end: bool,
    /// Detail pages to read: (URL, id of the list item).
    pub follows: Vec<(String, String)>,
}

impl Job {
    /// The message id: the same page of the same walk always has the same one.
    pub fn id(&self) -> String {
        use std::hash::Hasher;
        let mut h = fnv::FnvHasher::default();
        for part in [self.source.as_str(), self.url.as_str(), self.start.as_str()] {
            h.write(part.as_bytes());
            h.write_u8(0);
        }
        if let JobOf::Thread { parent } = &self.of {
            h.write(parent.as_bytes());
        }
        format!("job-{}-{:016x}", self.tick, h.finish())
    }

    /// The first page of each of `source`'s listings, for the walks of `tick`.
    pub fn starts(source: &Source, watches: &[Watch], tick: i64) -> Result<Vec<Job>, String> {
        let starts = crate::crawl::start_urls(source, watches)?;
        Ok(starts
            .into_iter()
            .map(|start| {
                let (url, page) = match &source.list.pagination {
                    Pagination::Pages { first, .. } => (start.replace("{page}", &first.to_string()), *first),
                    Pagination::Cursor { first, .. } => (with_cursor(&start, first), 0),
                    _ => (start.clone(), 0),
                };
                Job { source: source.name.clone(), url, page, start, of: JobOf::List, depth: 0, tick }
            })
            .collect())
    }

    /// The jobs that follow this page: its next page (unless the walk ends here) and, for a
    /// listing page, one job per detail page.
    pub fn follow_ups(&self, source: &Source, out: &PageOutcome) -> Vec<Job> {
        let mut jobs = Vec::new();
        if let Some(next) = self.next_page(source, out) {
            jobs.push(next);
        }
        if self.of == JobOf::List && source.detail.is_some() {
            for (url, parent) in &out.follows {
                jobs.push(Job {
                    source: self.source.clone(),
                    url: url.clone(),
                    page: 1,
                    start: url.clone(),
                    of: JobOf::Thread { parent: parent.clone() },
                    depth: 0,
                    tick: self.tick,
                });
            }
        }
        jobs
    }

    fn next_page(&self, source: &Source, out: &PageOutcome) -> Option<Job> {
        let ends = out.end || out.items == 0 || self.depth + 1 >= source.max_pages;
        // A listing reaches its window on a page of only old items; a thread's replies are all read.
        if ends || (self.of == JobOf::List && out.old == out.items) {
            return None;
        }
        let pagination = match (&self.of, &source.detail) {
            (JobOf::Thread { .. }, Some(detail)) => &detail.pagination,
            _ => &source.list.pagination,
        };
        let (url, page) = match (pagination, &self.of) {
            (_, JobOf::Thread { .. }) | (Pagination::Next(_), _) => (out.next.clone()?, self.page + 1),
            (Pagination::None, _) => return None,
            (Pagination::Pages { step, .. }, _) => {
                let page = self.page + step;
                (self.start.replace("{page}", &page.to_string()), page)
            }
            (Pagination::Cursor { .. }, _) => {
                let url = with_cursor(&self.start, out.next.as_deref()?);
                (url != self.url).then_some((url, self.page + 1))?
            }
        };
        Some(Job { url, page, depth: self.depth + 1, ..self.clone() })
    }
}

fn with_cursor(start: &str, cursor: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    start.replace("{cursor}", &utf8_percent_encode(cursor, NON_ALPHANUMERIC).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_has_one_id_per_walk() {
        let job = Job {
            source: "s".into(),
            url: "http://a.test/?p=2".into(),
            page: 2,
            start: "http://a.test/?p={page}".into(),
            of: JobOf::List,
            depth: 1,
            tick: 100,
        };
        assert_eq!(job.id(), job.clone().id());
        assert_ne!(job.id(), Job { tick: 160, ..job.clone() }.id(), "the next run is not deduplicated");
        assert_ne!(job.id(), Job { url: "http://a.test/?p=3".into(), ..job.clone() }.id());
    }
}
