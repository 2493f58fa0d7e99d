//! The digest job of `yuqing run`: a period of every planned watch is digested, written as HTML
//! (and its Word document beside it) under the digests directory, and sent through every channel (e-mail carries the HTML, robots
//! the Markdown summary with a link to it when `link_base` is set). The scheduled loop digests
//! the last complete week, day or month at each time of `[digest]` schedule, daily or monthly;
//! the demo digests its last 7 days.

use std::path::PathBuf;
use std::sync::Arc;

use super::evaluate::blocking;
use super::{DaemonError, DigestJob, Evaluator};
use crate::alert::channels::{Notice, send_all};
use crate::digest::schedule::file_name;
use crate::digest::{Digest, DigestRequest, Period, build, html, markdown};

impl Evaluator {
    /// Digests `period` for each planned watch; returns each digest with the file it went to.
    pub async fn send_digests(
        self: Arc<Self>,
        job: Arc<DigestJob>,
        period: Period,
    ) -> Result<Vec<(Digest, PathBuf)>, DaemonError> {
        let me = self.clone();
        let notices = blocking(move || me.write_digests(&job, &period)).await?;
        let mut written = Vec::new();
        for (digest, path, notice) in notices {
            for d in send_all(&self.channels, &self.client, &notice).await {
                if let Some(e) = &d.error {
                    tracing::warn!(channel = %d.channel, digest = %notice.title, error = %e, "digest not delivered");
                }
            }
            tracing::info!(digest = %notice.title, file = %path.display(), "digest sent");
            written.push((digest, path));
        }
        Ok(written)
    }

    /// Builds and writes the digests; what to send for each.
    fn write_digests(&self, job: &DigestJob, period: &Period) -> Result<Vec<(Digest, PathBuf, Notice)>, DaemonError> {
        let dir = &job.dir;
        std::fs::create_dir_all(dir).map_err(|e| DaemonError::Write { path: dir.clone(), reason: e.to_string() })?;
        let alerts = self.history.list(None, Some(period.since))?;
        let searcher = self.fresh_searcher()?;
        let mut out = Vec::new();
        for name in &job.plan.watches {
            let Some(watch) = self.watches.iter().find(|w| &w.name == name) else { continue };
            let request = DigestRequest::for_watch(watch, &self.watches, period.clone(), alerts.clone());
            let digest = build(&searcher, self.fields, &self.text, &request)?;
            let file = file_name(&digest.watch, &digest.period);
            let path = dir.join(&file);
            let page = html::render(&digest, self.incidents.dashboard_url.as_deref());
            std::fs::write(&path, &page)
                .map_err(|e| DaemonError::Write { path: path.clone(), reason: e.to_string() })?;
            write_docx(dir, &digest)?;
            let link = job.plan.link_base.as_ref().map(|base| format!("{}/{file}", base.trim_end_matches('/')));
            let notice = Notice {
                title: digest.title.clone(),
                markdown: markdown::render(&digest, link.as_deref()),
                html: Some(page),
                what: "digest",
                data: serde_json::to_value(&digest).expect("digests serialize"),
            };
            out.push((digest, path, notice));
        }
        Ok(out)
    }
}

/// The digest's Word document beside its page (what the 报告 page offers for download).
fn write_docx(dir: &std::path::Path, digest: &Digest) -> Result<(), DaemonError> {
    let path = dir.join(crate::digest::schedule::docx_name(&digest.watch, &digest.period));
    let fail = |reason: String| DaemonError::Write { path: path.clone(), reason };
    let bytes = crate::digest::docx::render(digest).map_err(|e| fail(e.to_string()))?;
    std::fs::write(&path, bytes).map_err(|e| fail(e.to_string()))
}
