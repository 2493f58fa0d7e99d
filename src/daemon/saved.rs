//! The saved searches' subscriptions in `yuqing run`: every minute, each subscription whose
//! interval has passed sends its new matches as one batch through its channel (which keeps its
//! robots' rate, shared with the alerts), and nothing when there are none. What a batch is and
//! how its position is kept: `saved::batch`.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tantivy::Searcher;
use tokio::sync::watch;

use super::evaluate::blocking;
use super::{DaemonError, Evaluator};
use crate::saved::batch::{Fresh, Mark, notice};
use crate::saved::{SavedBook, SavedSearch};
use crate::time::Clock;

/// How often the subscriptions are looked at (their intervals are whole minutes).
pub const TICK: Duration = Duration::from_secs(60);

impl Evaluator {
    /// Sends the batch of every subscription due at `now`; returns how many went out. A search
    /// that fails is logged and the others go on.
    pub async fn send_saved(self: Arc<Self>, now: Timestamp) -> Result<u64, DaemonError> {
        let me = self.clone();
        let due = blocking(move || me.due_batches(now)).await?;
        let mut sent = 0;
        for (saved, fresh) in due {
            let Some(sub) = &saved.subscription else { continue };
            let Some(channel) = self.channels.iter().find(|c| c.name() == sub.channel) else {
                tracing::warn!(saved = %saved.name, channel = %sub.channel, "the saved search's channel is not configured");
                continue;
            };
            let delivery =
                channel.send(&self.client, &notice(&saved, &fresh, self.incidents.dashboard_url.as_deref())).await;
            let book = SavedBook::new(self.store.clone());
            let name = saved.name.clone();
            if !delivery.delivered {
                // Tried again with the next batch, an interval later.
                tracing::warn!(saved = %name, channel = %sub.channel, error = ?delivery.error, "saved search batch not delivered");
                blocking(move || book.put_mark(&name, &Mark { checked_at: now })).await?;
                continue;
            }
            tracing::info!(saved = %name, channel = %sub.channel, mentions = fresh.keys.len(), "saved search batch sent");
            blocking(move || book.record_sent(&name, &fresh.keys, now)).await?;
            sent += 1;
        }
        Ok(sent)
    }

    /// The due subscriptions with new matches; a first check takes its position, and a check
    /// that finds nothing is only noted.
    fn due_batches(&self, now: Timestamp) -> Result<Vec<(SavedSearch, Fresh)>, DaemonError> {
        let book = SavedBook::new(self.store.clone());
        let searcher = self.fresh_searcher()?;
        let mut out = Vec::new();
        for saved in book.list()? {
            match self.due_batch(&book, &searcher, &saved, now) {
                Ok(Some(fresh)) => out.push((saved, fresh)),
                Ok(None) => {}
                Err(e) => tracing::error!(saved = %saved.name, error = %e, "the saved search could not be checked"),
            }
        }
        Ok(out)
    }

    fn due_batch(
        &self,
        book: &SavedBook,
        searcher: &Searcher,
        saved: &SavedSearch,
        now: Timestamp,
    ) -> Result<Option<Fresh>, DaemonError> {
        if !book.due(saved, now)? {
            return Ok(None);
        }
        let request = match (self.saved_request)(&saved.query, &self.watches) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(saved = %saved.name, error = %e, "the saved search no longer reads (is its watch still configured?)");
                book.put_mark(&saved.name, &Mark { checked_at: now })?;
                return Ok(None);
            }
        };
        let fresh = book.fresh(&saved.name, searcher, self.fields, &request, now)?;
        if !book.started(&saved.name)? || fresh.keys.is_empty() {
            book.record_sent(&saved.name, &fresh.keys, now)?;
            return Ok(None);
        }
        Ok(Some(fresh))
    }
}

/// Looks at the subscriptions every [`TICK`] until shutdown; returns how many batches went out
/// and how many rounds failed.
pub(crate) async fn saved_loop(
    evaluator: Arc<Evaluator>,
    clock: Clock,
    mut shutdown: watch::Receiver<bool>,
) -> (u64, u64) {
    let (mut batches, mut failures) = (0, 0);
    loop {
        match evaluator.clone().send_saved(clock.now()).await {
            Ok(n) => batches += n,
            Err(e) => {
                failures += 1;
                tracing::error!(error = %e, "the saved searches could not be checked; next time again");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
    }
    (batches, failures)
}
