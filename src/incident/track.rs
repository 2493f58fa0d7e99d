//! Following incidents as the counts come in: an alert or rule hit is filed under the watch's
//! open incident (its scope widened by what the new one brings), reopens the last one when it
//! ended less than `incidents.reopen_hours` ago, or opens a new one ([`Tracker::file`]); after
//! every judgement each open incident's phase is judged again and, when something a crisis lead
//! needs to know has changed, an update is due ([`Tracker::advance`]).
//!
//! Before either, the incident's scope is widened with the loud buckets since it was last
//! ([`super::scope`]); a rule hit adds the rule's terms that the mention has, and its group.

use jiff::{SignedDuration, Timestamp};
use tantivy::Searcher;

use super::lifecycle::{self, Course, Phase};
use super::scope::Scoper;
use super::{Incident, IncidentBook, IncidentError, IncidentRules, Scope, Status, Told, Trigger};
use crate::alert::AlertRules;
use crate::index::Fields;
use crate::index::search::{SearchRequest, Sort, checked_request, search};
use crate::index::stats::{source_counts, timeline, timeline_of};
use crate::sentiment::Label;
use crate::text::TextPipeline;
use crate::watch::Watch;

/// How far before its first alert an incident's start may reach, in hours.
const RISE_HOURS: i64 = 24;
/// Notable posts reported in one update, at most.
const NOTABLE_PER_UPDATE: usize = 3;

/// An incident's mentions by source, most first.
type SourceCounts = Vec<(String, u64)>;

fn total(counts: &SourceCounts) -> u64 {
    counts.iter().map(|(_, n)| n).sum()
}

/// What an incident is judged with.
pub struct Tracker<'a> {
    pub searcher: &'a Searcher,
    pub fields: Fields,
    pub text: &'a TextPipeline,
    pub alerts: &'a AlertRules,
    pub rules: &'a IncidentRules,
    pub book: &'a IncidentBook,
}

/// One change an update reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Its mentions at least doubled since the last update.
    Doubled { before: u64, now: u64 },
    /// A source where it had not been before.
    NewSource { source: String, mentions: u64 },
    /// A post from an account or with engagement above the reach thresholds.
    Notable { post: crate::index::search::TopPost, author: String, followers: Option<u64> },
    /// Its phase moved.
    Phase { from: Phase, to: Phase },
    /// It had ended and flared again.
    Reopened,
}

/// An update that is due: the incident as it now stands (its `told` already moved on) and what
/// changed since the last one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Due {
    pub incident: Incident,
    pub changes: Vec<Change>,
}

impl Incident {
    /// The search for its mentions: the watch's negative mentions from its start (up to its end
    /// once it has ended) within its scope.
    pub fn request(&self) -> SearchRequest {
        SearchRequest {
            watch: Some(self.watch.clone()),
            sentiment: Some(Label::Negative),
            since: Some(self.start),
            until: self.ended_at,
            scope: Some(self.scope.clone()),
            ..SearchRequest::default()
        }
    }
}

impl Tracker<'_> {
    fn scoper(&self) -> Scoper<'_> {
        Scoper { searcher: self.searcher, fields: self.fields, text: self.text, alerts: self.alerts, rules: self.rules }
    }

    /// Files `trigger` (with the scope it brings: a rule hit's; a spike's is its bucket's, found
    /// by widening) for `watch` at `now`: joins the open incident, reopens the last one, or
    /// opens a new one; then widens its scope through `now`. Returns the incident as kept.
    pub fn file(
        &self,
        watch: &Watch,
        trigger: Trigger,
        scope: Scope,
        now: Timestamp,
    ) -> Result<Incident, IncidentError> {
        let reopen = SignedDuration::from_hours(self.rules.reopen_hours);
        let what = trigger.describe_zh();
        let mut incident = match self.book.latest(&watch.name)? {
            Some(mut last) if last.is_open() => {
                last.note(now, "yuqing", format!("并入: {what}"));
                last
            }
            Some(mut last) if last.ended_at.is_some_and(|end| trigger.at() <= end + reopen) => {
                last.phase = Phase::Growing;
                last.ended_at = None;
                last.reopened += 1;
                last.note(now, "yuqing", format!("再次发酵 (reopened): {what}"));
                last
            }
            _ => self.open(watch, &trigger, now)?,
        };
        let new = incident.triggers.is_empty();
        incident.scope.extend(&scope);
        self.scoper().widen(watch, &mut incident, now)?;
        incident.triggers.push(trigger);
        if new {
            // The alert that opened it told the channels where it started.
            let counts = self.source_counts(&incident)?;
            (incident.told.mentions, incident.told.sources) =
                (total(&counts), counts.into_iter().map(|(s, _)| s).collect());
        }
        self.book.put(&incident)?;
        Ok(incident)
    }

    /// A new incident for `watch`, starting at the trigger, its usual level measured on the week before.
    fn open(&self, watch: &Watch, trigger: &Trigger, now: Timestamp) -> Result<Incident, IncidentError> {
        let at = self.alerts.bucket.floor(trigger.at());
        let usual = usual_negative(self.searcher, self.fields, self.alerts, &watch.name, at)?;
        let mut incident = Incident {
            id: self.book.next_id()?,
            watch: watch.name.clone(),
            start: rise_start(self.searcher, self.fields, self.alerts, &watch.name, at, usual)?,
            opened_at: now,
            scope: Scope::default(),
            widened_to: None,
            phase: Phase::Growing,
            status: Status::Pending,
            assignee: None,
            acknowledged: None,
            ended_at: None,
            usual_negative: usual,
            triggers: Vec::new(),
            log: Vec::new(),
            told: Told { at: Some(now), phase: Some(Phase::Growing), ..Told::default() },
            peak: None,
            reopened: 0,
        };
        incident.note(now, "yuqing", format!("开启事件: {}", trigger.describe_zh()));
        Ok(incident)
    }

    /// Judges each open incident of `watch` at `now` and keeps its phase; returns the updates due
    /// (each incident as it stands once its update is sent: keep it with [`IncidentBook::put`]
    /// after sending, so that a crash before then sends it again rather than never).
    pub fn advance(&self, watch: &Watch, now: Timestamp) -> Result<Vec<Due>, IncidentError> {
        let mut due = Vec::new();
        for mut incident in self.book.list(Some(&watch.name))?.into_iter().filter(Incident::is_open) {
            let before = incident.clone();
            self.scoper().widen(watch, &mut incident, now)?;
            let (changes, counts) = self.judge(&mut incident, now)?;
            let ended = incident.phase == Phase::Ended;
            let wait = SignedDuration::from_mins(self.rules.update_minutes);
            let quiet = incident.told.at.is_some_and(|at| now < at + wait);
            // Kept with what was told before (and only when its judgement moved): the caller
            // keeps the due incident once it is sent.
            if incident != before {
                self.book.put(&incident)?;
            }
            if !changes.is_empty() && (ended || !quiet) {
                Self::tell(&mut incident, &changes, &counts, now);
                due.push(Due { incident, changes });
            }
        }
        Ok(due)
    }

    /// The incident's phase and peak at `now`, what changed since the last update, and its
    /// mentions by source.
    fn judge(&self, incident: &mut Incident, now: Timestamp) -> Result<(Vec<Change>, SourceCounts), IncidentError> {
        let course = self.course(incident, now)?;
        let len = self.alerts.bucket.len();
        let judged = lifecycle::judge(&course, incident.usual_negative, now, len, self.rules.end_quiet_hours);
        if judged.phase != incident.phase {
            let line = format!("阶段: {} → {}", incident.phase.label_zh(), judged.phase.label_zh());
            incident.note(now, "yuqing", line);
        }
        incident.phase = judged.phase;
        incident.ended_at = judged.ended_at;
        incident.peak = judged.peak;
        let mut changes = Vec::new();
        let told = &incident.told;
        if let Some(from) = told.phase
            && from != incident.phase
        {
            if from == Phase::Ended {
                changes.push(Change::Reopened);
            }
            // Growing → peak → growing again is the same news: only a peak passed or an end is.
            if matches!(incident.phase, Phase::Subsiding | Phase::Ended) || from == Phase::Ended {
                changes.push(Change::Phase { from, to: incident.phase });
            }
        }
        let counts = self.source_counts(incident)?;
        let mentions = total(&counts);
        if told.mentions > 0 && mentions >= 2 * told.mentions && mentions - told.mentions >= self.alerts.min_count {
            changes.push(Change::Doubled { before: told.mentions, now: mentions });
        }
        for (source, n) in counts.iter().filter(|(s, _)| !told.sources.contains(s)) {
            changes.push(Change::NewSource { source: source.clone(), mentions: *n });
        }
        changes.extend(self.notable(incident)?);
        Ok((changes, counts))
    }

    /// Marks `changes` as told at `now`, with the mentions by source they were judged on.
    fn tell(incident: &mut Incident, changes: &[Change], counts: &SourceCounts, now: Timestamp) {
        let told = &mut incident.told;
        told.at = Some(now);
        told.mentions = total(counts);
        told.sources = counts.iter().map(|(s, _)| s.clone()).collect();
        told.phase = Some(incident.phase);
        told.updates += 1;
        for c in changes {
            if let Change::Notable { post, .. } = c {
                told.notable.push(post.id.clone());
            }
        }
    }

    fn course(&self, incident: &Incident, now: Timestamp) -> Result<Vec<Course>, IncidentError> {
        course(self.searcher, self.fields, self.alerts.bucket, incident, now)
    }

    /// Its mentions by source, most first.
    fn source_counts(&self, incident: &Incident) -> Result<SourceCounts, IncidentError> {
        let query = checked_request(self.searcher, self.fields, &incident.request())?;
        Ok(source_counts(self.searcher, &*query)?)
    }

    /// Posts above a reach threshold not reported yet, earliest first.
    fn notable(&self, incident: &Incident) -> Result<Vec<Change>, IncidentError> {
        let base = SearchRequest { limit: 20, ..incident.request() };
        let by_followers =
            SearchRequest { min_followers: Some(self.rules.reach_followers), sort: Sort::Earliest, ..base.clone() };
        let by_engagement = SearchRequest { sort: Sort::Engagement, ..base };
        let mut found = Vec::new();
        for hit in search(self.searcher, self.fields, &by_followers)?.hits.into_iter().chain(
            search(self.searcher, self.fields, &by_engagement)?
                .hits
                .into_iter()
                .filter(|h| h.likes + h.reposts + h.replies >= self.rules.reach_engagement),
        ) {
            if incident.told.notable.contains(&hit.id)
                || found.iter().any(|c| matches!(c, Change::Notable { post, .. } if post.id == hit.id))
            {
                continue;
            }
            let (author, followers) = (hit.author.clone(), hit.author_followers);
            found.push(Change::Notable { post: hit.into(), author, followers });
            if found.len() == NOTABLE_PER_UPDATE {
                break;
            }
        }
        Ok(found)
    }
}

/// Its buckets from its start to the one `now` is in.
pub fn course(
    searcher: &Searcher,
    fields: Fields,
    bucket: crate::time::Interval,
    incident: &Incident,
    now: Timestamp,
) -> Result<Vec<Course>, IncidentError> {
    let until = bucket.floor(now) + bucket.len();
    if until <= incident.start {
        return Ok(Vec::new());
    }
    let open = Incident { ended_at: None, ..incident.clone() };
    let query = checked_request(searcher, fields, &open.request())?;
    let own = timeline_of(searcher, &*query, incident.start, until, bucket)?;
    let all = timeline(searcher, fields, &incident.watch, incident.start, until, bucket)?;
    Ok(own
        .iter()
        .zip(&all)
        .map(|(o, a)| Course { start: a.start, own: o.counts.total, negative: a.counts.negative })
        .collect())
}

/// Where an incident opened by a trigger in the bucket starting at `at` starts: the first of the
/// buckets right before it whose negative mentions are above `usual`, so that its first posts
/// are where it began and not where it was first noticed (at most `RISE_HOURS` earlier).
pub fn rise_start(
    searcher: &Searcher,
    fields: Fields,
    alerts: &AlertRules,
    watch: &str,
    at: Timestamp,
    usual: u64,
) -> Result<Timestamp, IncidentError> {
    let before = timeline(searcher, fields, watch, at - SignedDuration::from_hours(RISE_HOURS), at, alerts.bucket)?;
    let loud = before.iter().rev().take_while(|b| b.counts.negative > usual).last();
    Ok(loud.map_or(at, |b| b.start))
}

/// The most negative mentions of `watch` per bucket that count as usual before `start`: the 95th
/// percentile of the existing buckets of the week before (at least `alerts.min_count` − 1).
pub fn usual_negative(
    searcher: &Searcher,
    fields: Fields,
    alerts: &AlertRules,
    watch: &str,
    start: Timestamp,
) -> Result<u64, IncidentError> {
    let week = timeline(searcher, fields, watch, start - SignedDuration::from_hours(168), start, alerts.bucket)?;
    let first = week.iter().position(|b| b.counts.total > 0).unwrap_or(week.len());
    let mut negatives: Vec<u64> = week[first..].iter().map(|b| b.counts.negative).collect();
    negatives.sort_unstable();
    let p95 = negatives.get((negatives.len() * 95).div_ceil(100).saturating_sub(1)).copied().unwrap_or(0);
    Ok(p95.max(alerts.min_count.saturating_sub(1)))
}
