//! What an incident holds, and how that grows while it goes on.
//!
//! A crisis seldom keeps the words of its first hour: a second wording arrives (the same fire
//! told as 烫伤 and 12315), a copy-paste wave starts in its third hour. So the scope is not fixed
//! by the alert that opened the incident: every bucket of the watch from the incident's start
//! whose negative mentions are above the incident's usual level (`Incident::usual_negative`, the
//! level its end is judged against) adds what drives it, while the incident is open:
//!
//! - its **terms**: words in at least a fifth of the bucket's negative mentions (and at least
//!   two) that were in at most a tenth of the watch's negative mentions of the week before the
//!   incident started, and at least twice as common now; taken one at a time, each the word in
//!   most of the bucket's mentions no word taken yet is in (so that every wording of the crisis
//!   gets its own), at most `incidents.driving_terms`;
//! - its **risk categories**: those on at least 30% of the bucket's negative mentions and at
//!   least twice as common among them as in that week;
//! - its **copy-paste groups**: the duplicate groups of at least three of the bucket's negative
//!   mentions.
//!
//! Buckets at or under the usual level add nothing, so the watch's ordinary complaints stay
//! out; the baseline is the week before the start, so the crisis's own words never become usual.
//! The bucket `now` is in is taken again at the next judgement, as it fills.

use jiff::{SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use tantivy::Searcher;

use super::{Incident, IncidentError, IncidentRules, Scope};
use crate::alert::AlertRules;
use crate::index::Fields;
use crate::index::breakdown::wave_groups;
use crate::index::search::{SearchRequest, checked_request};
use crate::index::stats::{risk_counts, timeline};
use crate::index::terms::{RisingTerm, TERMS_SAMPLE, count, rising, term_counts, term_sets};
use crate::sentiment::Label;
use crate::text::TextPipeline;
use crate::watch::Watch;

/// A term or risk category joins when it is this many times as common as before the start.
const LIFT: f64 = 2.0;
/// A risk category joins when it is on this share of the bucket's negative mentions.
const RISK_SHARE: f64 = 0.3;
/// A term joins when it is in this share of the bucket's negative mentions…
const TERM_SHARE: u64 = 5;
/// …and was in at most this share of the watch's negative mentions before the start (a word
/// the watch's complaints always use, 奶茶 for a tea shop, would pull them all in).
const TERM_USUAL_SHARE: f64 = 0.1;
/// A duplicate group of at least this many negative mentions in the bucket joins.
const WAVE_SIZE: u64 = 3;
/// Duplicate groups taken from one bucket, at most.
const WAVES_PER_BUCKET: usize = 20;

/// What a scope is measured with.
pub struct Scoper<'a> {
    pub searcher: &'a Searcher,
    pub fields: Fields,
    pub text: &'a TextPipeline,
    pub alerts: &'a AlertRules,
    pub rules: &'a IncidentRules,
}

/// The watch's negative mentions before the incident: what its buckets are measured against.
struct Baseline {
    terms: FxHashMap<String, u64>,
    risks: Vec<(crate::sentiment::risk::RiskCategory, u64)>,
    mentions: u64,
}

impl Scoper<'_> {
    /// Widens `incident`'s scope with the buckets from where it was last widened through the one
    /// `through` is in (see the module's doc); returns whether the scope grew.
    pub fn widen(&self, watch: &Watch, incident: &mut Incident, through: Timestamp) -> Result<bool, IncidentError> {
        let bucket = self.alerts.bucket;
        let current = bucket.floor(through);
        let from = incident.widened_to.unwrap_or(incident.start).max(incident.start);
        let until = incident.ended_at.map_or(current + bucket.len(), |end| end.min(current + bucket.len()));
        if from >= until {
            return Ok(false);
        }
        let loud: Vec<_> = timeline(self.searcher, self.fields, &watch.name, from, until, bucket)?
            .into_iter()
            .filter(|b| b.counts.negative > incident.usual_negative)
            .collect();
        incident.widened_to = Some(current.max(from));
        if loud.is_empty() {
            return Ok(false);
        }
        let baseline = self.baseline(watch, incident.start)?;
        let before = incident.scope.clone();
        for b in loud {
            let scope = self.bucket_scope(watch, b.start, b.counts.negative, &baseline)?;
            incident.scope.extend(&scope);
        }
        Ok(incident.scope != before)
    }

    fn negatives(&self, watch: &Watch, since: Timestamp, until: Timestamp) -> SearchRequest {
        SearchRequest {
            watch: Some(watch.name.clone()),
            sentiment: Some(Label::Negative),
            since: Some(since),
            until: Some(until),
            ..SearchRequest::default()
        }
    }

    fn baseline(&self, watch: &Watch, start: Timestamp) -> Result<Baseline, IncidentError> {
        let week = self.negatives(watch, start - SignedDuration::from_hours(168), start);
        let query = checked_request(self.searcher, self.fields, &week)?;
        let (terms, mentions) =
            term_counts(self.searcher, self.fields, &*query, self.text, &watch.aliases, TERMS_SAMPLE)?;
        Ok(Baseline { terms, risks: risk_counts(self.searcher, &*query)?, mentions })
    }

    /// What the bucket starting at `start`, with `negative` negative mentions, drives.
    fn bucket_scope(
        &self,
        watch: &Watch,
        start: Timestamp,
        negative: u64,
        before: &Baseline,
    ) -> Result<Scope, IncidentError> {
        let request = self.negatives(watch, start, start + self.alerts.bucket.len());
        let query = checked_request(self.searcher, self.fields, &request)?;
        let sets = term_sets(self.searcher, self.fields, &*query, self.text, &watch.aliases, TERMS_SAMPLE)?;
        let terms = driving_terms(&sets, before, self.rules.driving_terms);
        let n_before = before.mentions.max(1) as f64;
        let risks = risk_counts(self.searcher, &*query)?
            .into_iter()
            .filter(|(risk, n)| {
                let share = *n as f64 / negative.max(1) as f64;
                let was = before.risks.iter().find(|(r, _)| r == risk).map_or(0.0, |(_, m)| *m as f64 / n_before);
                share >= RISK_SHARE && share >= LIFT * was
            })
            .map(|(risk, _)| risk)
            .collect();
        let clusters =
            wave_groups(self.searcher, &*query, WAVE_SIZE, WAVES_PER_BUCKET)?.iter().map(|w| w.cluster).collect();
        Ok(Scope { terms, risks, clusters })
    }
}

/// The terms that drive a bucket whose negative mentions hold `sets`, at most `limit` (see the
/// module's doc).
fn driving_terms(sets: &[Vec<String>], before: &Baseline, limit: usize) -> Vec<String> {
    let n = sets.len() as u64;
    let min = (n / TERM_SHARE).max(2);
    let rose = rising(&count(sets), n, &before.terms, before.mentions, min, usize::MAX);
    let usual = |t: &RisingTerm| t.before as f64 > TERM_USUAL_SHARE * before.mentions as f64;
    let candidates: Vec<_> = rose.into_iter().filter(|t| t.lift >= LIFT && !usual(t)).collect();
    let mut uncovered: Vec<&Vec<String>> = sets.iter().collect();
    let mut taken = Vec::new();
    while taken.len() < limit {
        // Most uncovered mentions; among equals, the first (they come by lift × mentions).
        let best = candidates
            .iter()
            .filter(|t| !taken.contains(&t.term))
            .map(|t| (uncovered.iter().filter(|s| s.contains(&t.term)).count() as u64, t))
            .fold(None::<(u64, &RisingTerm)>, |best, (k, t)| match best {
                Some((b, _)) if b >= k => best,
                _ => Some((k, t)),
            });
        let Some((_, term)) = best.filter(|(k, _)| *k >= min) else { break };
        uncovered.retain(|s| !s.contains(&term.term));
        taken.push(term.term.clone());
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(texts: &[(&str, usize)]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (words, n) in texts {
            for _ in 0..*n {
                out.push(words.split(' ').map(str::to_string).collect());
            }
        }
        out
    }

    fn baseline(texts: &[(&str, usize)]) -> Baseline {
        let s = sets(texts);
        Baseline { terms: count(&s), risks: Vec::new(), mentions: s.len() as u64 }
    }

    #[test]
    fn every_wording_of_a_bucket_gets_its_term_and_the_usual_words_none() {
        let before = baseline(&[("外卖 太慢 奶茶", 30), ("排队 太久", 30), ("杯子 漏了", 30)]);
        // A loud wording of five words, a quieter one of four, the usual complaints, a stray pair.
        let bucket = sets(&[
            ("奶茶 虫子 恶心 拍照 异物", 20),
            ("后厨 卫生 老鼠 投诉 奶茶", 8),
            ("外卖 太慢 奶茶", 3),
            ("偶然 一句", 2),
        ]);
        let terms = driving_terms(&bucket, &before, 5);
        // One term per wording (the loud one's five words are one wording), in order of reach;
        // 奶茶 is in a third of the usual complaints, the stray pair under a fifth of the bucket.
        assert_eq!(terms.len(), 2, "{terms:?}");
        assert!(["虫子", "恶心", "拍照", "异物"].contains(&terms[0].as_str()), "{terms:?}");
        assert!(["后厨", "卫生", "老鼠", "投诉"].contains(&terms[1].as_str()), "{terms:?}");
        // A wording under a fifth of the bucket adds nothing; the limit holds.
        let quiet = sets(&[("奶茶 虫子 恶心", 30), ("后厨 卫生", 5)]);
        assert_eq!(driving_terms(&quiet, &before, 5).len(), 1);
        let many = sets(&[("甲甲 乙乙", 10), ("丙丙 丁丁", 10), ("戊戊 己己", 10)]);
        assert_eq!(driving_terms(&many, &before, 2).len(), 2);
    }
}
