//! The incidents a history would have produced (`yuqing backtest`): the alerts a replay raised
//! are filed as the daemon files them (the first opens an incident, later ones join it while it
//! is open or reopen it within `incidents.reopen_hours` of its end), and each incident's scope is
//! widened and its phase judged hour after hour with the same rules, so that a team sees how
//! long its crises would have lasted and how often they would have flared again before it goes
//! live.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::lifecycle::{self, Phase};
use super::scope::Scoper;
use super::track::{course, rise_start, usual_negative};
use super::{Incident, IncidentError, Scope, Status, Told, Trigger};
use crate::alert::{Alert, Severity};
use crate::watch::Watch;

/// An incident of the replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replayed {
    pub id: u64,
    #[serde(with = "crate::time::rfc3339_local")]
    pub start: Timestamp,
    /// Its phase at the end of the replay.
    pub phase: Phase,
    pub ended_at: Option<Timestamp>,
    pub peak: Option<(Timestamp, u64)>,
    /// The alerts filed under it.
    pub alerts: usize,
    pub reopened: u32,
    pub scope: Scope,
}

/// The incidents `alerts` (oldest first, all of `watch`) would have produced, judged up to `until`.
pub fn replay(s: &Scoper, watch: &Watch, alerts: &[Alert], until: Timestamp) -> Result<Vec<Replayed>, IncidentError> {
    let (searcher, f, alert_rules, rules) = (s.searcher, s.fields, s.alerts, s.rules);
    let mut out: Vec<(Incident, Replayed)> = Vec::new();
    for a in alerts {
        let at = a.verdict.start;
        if let Some((incident, r)) = out.last_mut() {
            judge_until(s, watch, incident, r, at)?;
            let reopen = r.ended_at.is_some_and(|end| at <= end + SignedDuration::from_hours(rules.reopen_hours));
            if r.phase != Phase::Ended || reopen {
                if r.phase == Phase::Ended {
                    (r.phase, r.ended_at, incident.ended_at) = (Phase::Growing, None, None);
                    r.reopened += 1;
                }
                s.widen(watch, incident, at)?;
                incident.triggers.push(Trigger::Spike {
                    bucket: at,
                    severity: a.verdict.severity.unwrap_or(Severity::Warning),
                    observed: a.verdict.observed,
                    expected: a.verdict.expected,
                });
                r.alerts += 1;
                continue;
            }
        }
        let usual = usual_negative(searcher, f, alert_rules, &watch.name, at)?;
        let start = rise_start(searcher, f, alert_rules, &watch.name, at, usual)?;
        let mut incident = Incident {
            id: out.len() as u64 + 1,
            watch: watch.name.clone(),
            start,
            opened_at: at,
            scope: Scope::default(),
            widened_to: None,
            phase: Phase::Growing,
            status: Status::Pending,
            assignee: None,
            acknowledged: None,
            ended_at: None,
            usual_negative: usual,
            triggers: vec![Trigger::Spike {
                bucket: at,
                severity: a.verdict.severity.unwrap_or(Severity::Warning),
                observed: a.verdict.observed,
                expected: a.verdict.expected,
            }],
            log: Vec::new(),
            told: Told::default(),
            peak: None,
            reopened: 0,
        };
        s.widen(watch, &mut incident, at)?;
        let r = Replayed {
            id: incident.id,
            start,
            phase: Phase::Growing,
            ended_at: None,
            peak: None,
            alerts: 1,
            reopened: 0,
            scope: incident.scope.clone(),
        };
        out.push((incident, r));
    }
    if let Some((incident, r)) = out.last_mut() {
        judge_until(s, watch, incident, r, until)?;
    }
    Ok(out.into_iter().map(|(i, r)| Replayed { scope: i.scope, ..r }).collect())
}

/// Widens and judges `incident` bucket after bucket from its last alert up to `until` (stopping
/// where it ends; before its last alert it was open, or it reopened there).
fn judge_until(
    s: &Scoper,
    watch: &Watch,
    incident: &mut Incident,
    r: &mut Replayed,
    until: Timestamp,
) -> Result<(), IncidentError> {
    if r.phase == Phase::Ended {
        return Ok(());
    }
    let (rules, len) = (s.rules, s.alerts.bucket.len());
    let mut all = course(s.searcher, s.fields, s.alerts.bucket, incident, until)?;
    let from = incident.triggers.last().map_or(incident.start, Trigger::at);
    for k in 1..=all.len() {
        let now = all[k - 1].start + len;
        if now > until {
            break;
        }
        if now <= from {
            continue;
        }
        // What the bucket just over added to the scope counts from then on.
        if s.widen(watch, incident, all[k - 1].start)? {
            all = course(s.searcher, s.fields, s.alerts.bucket, incident, until)?;
        }
        let j = lifecycle::judge(&all[..k], incident.usual_negative, now, len, rules.end_quiet_hours);
        (r.phase, r.ended_at, r.peak) = (j.phase, j.ended_at, j.peak);
        if j.phase == Phase::Ended {
            break;
        }
    }
    Ok(())
}
