//! What a crawl did, per source: pages, items, new mentions, duplicates, what was skipped and
//! why, and every failure with its URL and reason.

use std::fmt;

use serde::Serialize;

/// A failure: the URL (or file) and what went wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub url: String,
    pub reason: String,
}

/// One source's report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceReport {
    pub source: String,
    /// Pages fetched (detail pages included).
    pub pages: u64,
    /// Pages the server said had not changed (304).
    pub not_modified: u64,
    /// Items read from the pages.
    pub items: u64,
    /// Mentions added to the index (copies of an earlier text included: each is a mention).
    pub new: u64,
    /// Of `new`, copies of an earlier mention's text (reposts, copy-paste waves).
    pub copies: u64,
    /// Already in the index under the same id, though not yet marked seen.
    pub duplicates: u64,
    /// Seen in an earlier run, skipped before indexing.
    pub seen: u64,
    /// Older than the source's window.
    pub old: u64,
    /// Left out by `only_watched`.
    pub unwatched: u64,
    /// Entries without the definition's `skip_without` field (ads, other card types).
    pub skipped: u64,
    /// Requests that were retried.
    pub retries: u64,
    pub errors: Vec<Failure>,
}

impl SourceReport {
    pub fn new(source: &str) -> Self {
        SourceReport { source: source.to_string(), ..Default::default() }
    }

    pub fn fail(&mut self, url: impl Into<String>, reason: impl fmt::Display) {
        self.errors.push(Failure { url: url.into(), reason: reason.to_string() });
    }

    /// Adds the counts and failures of `other` (another start URL of the same source).
    pub fn merge(&mut self, other: SourceReport) {
        self.pages += other.pages;
        self.not_modified += other.not_modified;
        self.items += other.items;
        self.new += other.new;
        self.copies += other.copies;
        self.duplicates += other.duplicates;
        self.seen += other.seen;
        self.old += other.old;
        self.unwatched += other.unwatched;
        self.skipped += other.skipped;
        self.retries += other.retries;
        self.errors.extend(other.errors);
    }
}

impl fmt::Display for SourceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} pages ({} unchanged), {} items: {} new ({} copies of an earlier text), {} duplicates, {} seen before, {} too old",
            self.source,
            self.pages,
            self.not_modified,
            self.items,
            self.new,
            self.copies,
            self.duplicates,
            self.seen,
            self.old
        )?;
        if self.unwatched > 0 {
            write!(f, ", {} about no watch", self.unwatched)?;
        }
        if self.skipped > 0 {
            write!(f, ", {} entries without skip_without's field", self.skipped)?;
        }
        write!(f, "; {} retries, {} errors", self.retries, self.errors.len())?;
        for e in &self.errors {
            write!(f, "\n  error {}: {}", e.url, e.reason)?;
        }
        Ok(())
    }
}
