//! The daemon's side of incidents: each new spike alert is filed under its watch's incident
//! before it is sent (so that its message names the incident), rule alerts are judged and sent,
//! and after every judgement each open incident is followed: its update (or, once it has ended,
//! its review) is sent, then kept as told.

use std::sync::Arc;

use jiff::Timestamp;
use tantivy::Searcher;

use super::evaluate::blocking;
use super::{DaemonError, Evaluator};
use crate::alert::channels::{Notice, send_all};
use crate::alert::{Alert, IncidentRef};
use crate::incident::track::{Due, Tracker};
use crate::incident::{Incident, Scope, Trigger, review, rules, update};

/// What a rule alert keeps once sent (see `incident::rules::Fired`).
type RuleMarks = Vec<(String, Vec<u8>)>;

impl Evaluator {
    pub(super) fn tracker<'a>(&'a self, searcher: &'a Searcher) -> Tracker<'a> {
        Tracker {
            searcher,
            fields: self.fields,
            text: &self.text,
            alerts: &self.rules,
            rules: &self.incidents,
            book: &self.book,
        }
    }

    /// Files `alert` under its watch's incident and names the incident in it.
    pub(super) fn file_alert(&self, searcher: &Searcher, alert: &mut Alert, now: Timestamp) -> Result<(), DaemonError> {
        let Some(watch) = self.watches.iter().find(|w| w.name == alert.watch) else { return Ok(()) };
        let v = &alert.verdict;
        let trigger = Trigger::Spike {
            bucket: v.start,
            severity: v.severity.unwrap_or(crate::alert::Severity::Warning),
            observed: v.observed,
            expected: v.expected,
        };
        let incident = self.tracker(searcher).file(watch, trigger, Scope::default(), now)?;
        alert.incident = Some(IncidentRef { id: incident.id, link: self.incidents.link(incident.id) });
        Ok(())
    }

    /// The rule alerts that fire at `now`, each filed under its incident: what to send and the
    /// marks to keep once it is sent.
    fn rule_alerts(&self, now: Timestamp) -> Result<Vec<(Option<Notice>, RuleMarks)>, DaemonError> {
        if self.rule_alerts.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.fresh_searcher()?;
        let mut out = Vec::new();
        for rule in &self.rule_alerts {
            for watch in self.watches.iter().filter(|w| rule.covers(&w.name)) {
                let fired = rules::fire(&searcher, self.fields, &self.store, rule, watch, now)?;
                let Some(hit) = fired.hit else {
                    out.push((None, fired.marks));
                    continue;
                };
                let trigger = Trigger::Rule {
                    rule: rule.name.clone(),
                    at: hit.published_at,
                    mention: hit.id.clone(),
                    text: crate::index::search::TopPost::from(hit.clone()).text,
                    url: hit.url.clone(),
                };
                let incident = self.tracker(&searcher).file(watch, trigger, rule.scope(&hit), now)?;
                tracing::warn!(rule = %rule.name, watch = %watch.name, mention = %hit.id, incident = incident.id, "rule alert");
                out.push((Some(update::rule_notice(&rule.name, &hit, &incident, &self.incidents)), fired.marks));
            }
        }
        Ok(out)
    }

    /// The updates and reviews due at `now`, with the incident to keep once each is sent.
    fn incident_updates(&self, now: Timestamp) -> Result<Vec<(Notice, Incident)>, DaemonError> {
        let searcher = self.fresh_searcher()?;
        let tracker = self.tracker(&searcher);
        let mut out = Vec::new();
        for watch in &self.watches {
            for due in tracker.advance(watch, now)? {
                out.push((self.notice_for(&searcher, watch, &due, now)?, due.incident));
            }
        }
        Ok(out)
    }

    /// An update's message; once the incident has ended, the review's (written to its files).
    fn notice_for(
        &self,
        searcher: &Searcher,
        watch: &crate::watch::Watch,
        due: &Due,
        now: Timestamp,
    ) -> Result<Notice, DaemonError> {
        if due.incident.ended_at.is_none() {
            return Ok(update::notice(due, &self.incidents));
        }
        let r = review::build(searcher, self.fields, &self.text, &watch.aliases, &due.incident, now)?;
        let files = review::write(&self.reports_dir, &r, &self.incidents)?;
        tracing::info!(incident = due.incident.id, files = ?files, "incident ended: review written");
        Ok(review::notice(due, &r, &self.incidents))
    }

    /// Rule alerts, then the open incidents' updates, sent at `now`; returns how many messages went out.
    pub async fn follow_incidents(self: Arc<Self>, now: Timestamp) -> Result<u64, DaemonError> {
        let me = self.clone();
        let fired = blocking(move || me.rule_alerts(now)).await?;
        let mut sent = 0;
        for (notice, marks) in fired {
            if let Some(notice) = notice {
                send_all(&self.channels, &self.client, &notice).await;
                sent += 1;
            }
            let store = self.store.clone();
            blocking(move || store.put_rule_marks(&marks)).await?;
        }
        let me = self.clone();
        let updates = blocking(move || me.incident_updates(now)).await?;
        for (notice, mut incident) in updates {
            incident.note(now, "yuqing", format!("已通知: {}", notice.title));
            let deliveries = send_all(&self.channels, &self.client, &notice).await;
            tracing::warn!(incident = incident.id, phase = ?incident.phase, update = %notice.title, delivered = deliveries.iter().all(|d| d.delivered), "incident update");
            let book = self.book.clone();
            blocking(move || book.put(&incident)).await?;
            sent += 1;
        }
        Ok(sent)
    }
}
