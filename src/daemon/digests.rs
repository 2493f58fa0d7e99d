//! The scheduled digest job of `yuqing run`: at each time of `[digest] schedule`, the last
//! complete week of every planned watch is digested, written as HTML under the digests
//! directory, and sent through every channel (e-mail carries the HTML, robots the Markdown
//! summary with a link to it when `link_base` is set).

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;

use super::{DaemonError, Evaluator};
use crate::alert::channels::{Notice, send_all};
use crate::digest::schedule::{DigestPlan, file_name};
use crate::digest::{DigestRequest, build, html, last_week, markdown};

impl Evaluator {
    /// Digests last week for each planned watch; returns the files written.
    pub async fn send_digests(
        self: Arc<Self>,
        plan: Arc<DigestPlan>,
        dir: PathBuf,
        now: Timestamp,
    ) -> Result<Vec<PathBuf>, DaemonError> {
        let me = self.clone();
        let notices = tokio::task::spawn_blocking(move || -> Result<Vec<(PathBuf, Notice)>, DaemonError> {
            std::fs::create_dir_all(&dir)
                .map_err(|e| DaemonError::Write { path: dir.clone(), reason: e.to_string() })?;
            let period = last_week(now);
            let alerts = me.history.list(None, Some(period.since))?;
            let searcher = me.fresh_searcher()?;
            let mut out = Vec::new();
            for name in &plan.watches {
                let Some(watch) = me.watches.iter().find(|w| &w.name == name) else { continue };
                let request = DigestRequest::for_watch(watch, &me.watches, period.clone(), alerts.clone());
                let digest = build(&searcher, me.fields, &me.text, &request)?;
                let file = file_name(&digest.watch, &digest.period.label);
                let path = dir.join(&file);
                let page = html::render(&digest);
                std::fs::write(&path, &page)
                    .map_err(|e| DaemonError::Write { path: path.clone(), reason: e.to_string() })?;
                let link = plan.link_base.as_ref().map(|base| format!("{}/{file}", base.trim_end_matches('/')));
                let notice = Notice {
                    title: digest.title.clone(),
                    markdown: markdown::render(&digest, link.as_deref()),
                    html: Some(page),
                    what: "digest",
                    data: serde_json::to_value(&digest).expect("digests serialize"),
                };
                out.push((path, notice));
            }
            Ok(out)
        })
        .await
        .unwrap_or_else(|e| panic!("building the digests panicked: {e}"))?;
        let mut written = Vec::new();
        for (path, notice) in notices {
            for d in send_all(&self.channels, &self.client, &notice).await {
                if let Some(e) = &d.error {
                    tracing::warn!(channel = %d.channel, digest = %notice.title, error = %e, "digest not delivered");
                }
            }
            tracing::info!(digest = %notice.title, file = %path.display(), "digest sent");
            written.push(path);
        }
        Ok(written)
    }
}
