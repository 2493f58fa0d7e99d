//! The alerts raised, kept in the store with what became of each delivery: the daemon asks it
//! whether an alert is new (so a restart or a re-judged bucket sends nothing twice, while an
//! escalation is a new alert), and `yuqing alerts` lists it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::backtest::Alert;
use super::channels::{Channel, Delivery, Notice, send_all};
use super::detect::{Severity, Verdict};
use crate::store::{Store, StoreError};

/// An alert as raised and delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// When the daemon raised it.
    pub raised_at: Timestamp,
    pub alert: Alert,
    /// One per channel.
    pub deliveries: Vec<Delivery>,
}

impl AlertRecord {
    /// Whether every channel took it.
    pub fn delivered(&self) -> bool {
        self.deliveries.iter().all(|d| d.delivered)
    }
}

/// The alert history in the store.
#[derive(Clone)]
pub struct AlertHistory {
    store: Store,
}

/// One alert per watch, bucket and severity.
fn key(watch: &str, v: &Verdict) -> String {
    let severity = v.severity.unwrap_or(Severity::Warning).name();
    format!("{watch}\u{0}{}\u{0}{severity}", v.start.as_second())
}

impl AlertHistory {
    pub fn new(store: Store) -> Self {
        AlertHistory { store }
    }

    /// The history in `data`'s state, for a command that reads it while no daemon runs:
    /// `Ok(None)` when no state was ever written there; the error says when another yuqing holds it.
    pub fn open_existing(data: &crate::data_dir::DataDir) -> Result<Option<AlertHistory>, StoreError> {
        Ok(Store::open_existing(data)?.map(AlertHistory::new))
    }

    /// Whether `watch` had an alert for this verdict's bucket and severity before.
    pub fn contains(&self, watch: &str, v: &Verdict) -> Result<bool, StoreError> {
        self.store.has_alert(&key(watch, v))
    }

    /// Raises `alert`: sends it through every channel, then keeps it with its deliveries.
    pub async fn raise(
        &self,
        alert: Alert,
        channels: &[Channel],
        client: &reqwest::Client,
    ) -> Result<AlertRecord, StoreError> {
        let deliveries = send_all(channels, client, &Notice::alert(&alert)).await;
        let record = AlertRecord { raised_at: Timestamp::now(), alert, deliveries };
        // sled's write and flush wait for the disk: off the async threads.
        let (me, kept) = (self.clone(), record.clone());
        self.store.blocking(move |_| me.record(&kept)).await?;
        Ok(record)
    }

    /// Keeps `record`, replacing an earlier one of the same alert.
    pub fn record(&self, record: &AlertRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).expect("alert records serialize");
        self.store.put_alert(&key(&record.alert.watch, &record.alert.verdict), &bytes)
    }

    /// The alerts of `watch` (every watch when `None`) raised at or after `since`, newest first.
    pub fn list(&self, watch: Option<&str>, since: Option<Timestamp>) -> Result<Vec<AlertRecord>, StoreError> {
        let mut records: Vec<AlertRecord> = self
            .store
            .alert_records()?
            .iter()
            .filter_map(|bytes| match serde_json::from_slice::<AlertRecord>(bytes) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, "an alert record cannot be read; skipped");
                    None
                }
            })
            .filter(|r| watch.is_none_or(|w| r.alert.watch == w))
            .filter(|r| since.is_none_or(|s| r.alert.verdict.start >= s))
            .collect();
        records.sort_by(|a, b| b.alert.verdict.start.cmp(&a.alert.verdict.start).then(b.raised_at.cmp(&a.raised_at)));
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Basis, Verdict};

    fn alert(watch: &str, start: &str, severity: Severity) -> Alert {
        Alert {
            watch: watch.into(),
            verdict: Verdict {
                start: start.parse().unwrap(),
                observed: 12,
                expected: 2.0,
                p_value: 1e-6,
                basis: Basis::HourOfDay,
                dispersion: None,
                negative_share: 0.5,
                usual_share: 0.1,
                severity: Some(severity),
            },
            rising_terms: Vec::new(),
            risks: Vec::new(),
            emotions: Vec::new(),
            aspects: Vec::new(),
            top_posts: Vec::new(),
            incident: None,
        }
    }

    #[test]
    fn an_escalation_is_new_and_the_history_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let warning = alert("华为", "2026-11-10T16:00:00Z", Severity::Warning);
        let critical = alert("华为", "2026-11-10T16:00:00Z", Severity::Critical);
        let other = alert("小米", "2026-11-12T03:00:00Z", Severity::Warning);
        {
            let history = AlertHistory::new(Store::open(&path).unwrap());
            for a in [&warning, &other] {
                let record = AlertRecord { raised_at: Timestamp::now(), alert: a.clone(), deliveries: Vec::new() };
                history.record(&record).unwrap();
            }
            assert!(history.contains("华为", &warning.verdict).unwrap());
            assert!(!history.contains("华为", &critical.verdict).unwrap(), "an escalation is a new alert");
            assert!(!history.contains("小米", &warning.verdict).unwrap());
        }
        let history = AlertHistory::new(Store::open(&path).unwrap());
        let all = history.list(None, None).unwrap();
        assert_eq!(all.iter().map(|r| r.alert.watch.as_str()).collect::<Vec<_>>(), ["小米", "华为"], "newest first");
        assert_eq!(history.list(Some("华为"), None).unwrap().len(), 1);
        assert_eq!(history.list(None, Some("2026-11-11T00:00:00Z".parse().unwrap())).unwrap().len(), 1);
    }
}
