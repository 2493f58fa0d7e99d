//! The incidents kept in the state: numbered, read back, replaced whole on every change (each
//! write is on disk before it returns, so that a restart neither forgets one nor repeats an
//! update already recorded).

use super::{Incident, IncidentError};
use crate::store::{Store, StoreError};

/// The incidents in the store.
#[derive(Clone)]
pub struct IncidentBook {
    store: Store,
}

impl IncidentBook {
    pub fn new(store: Store) -> Self {
        IncidentBook { store }
    }

    /// The book in `data`'s state for a command that reads it while no daemon runs: `Ok(None)`
    /// when no state was ever written there; the error says when another yuqing holds it.
    pub fn open_existing(data: &crate::data_dir::DataDir) -> Result<Option<IncidentBook>, StoreError> {
        Ok(Store::open_existing(data)?.map(IncidentBook::new))
    }

    /// The id the next incident gets.
    pub fn next_id(&self) -> Result<u64, IncidentError> {
        Ok(self.store.last_incident_id()? + 1)
    }

    /// Keeps `incident`, replacing its earlier state.
    pub fn put(&self, incident: &Incident) -> Result<(), IncidentError> {
        let bytes = serde_json::to_vec(incident).expect("incidents serialize");
        Ok(self.store.put_incident(incident.id, &bytes)?)
    }

    /// Incident `id`.
    pub fn get(&self, id: u64) -> Result<Incident, IncidentError> {
        let bytes = self.store.incident(id)?.ok_or(IncidentError::NotFound(id))?;
        serde_json::from_slice(&bytes).map_err(|e| IncidentError::Refused {
            id,
            reason: format!("its record cannot be read ({e}); it was written by another version"),
        })
    }

    /// Every incident (of `watch` when given), newest first; unreadable records are skipped with
    /// a warning.
    pub fn list(&self, watch: Option<&str>) -> Result<Vec<Incident>, IncidentError> {
        let mut all: Vec<Incident> = self
            .store
            .incident_records()?
            .iter()
            .filter_map(|bytes| match serde_json::from_slice::<Incident>(bytes) {
                Ok(i) => Some(i),
                Err(e) => {
                    tracing::warn!(error = %e, "an incident record cannot be read; skipped");
                    None
                }
            })
            .filter(|i| watch.is_none_or(|w| i.watch == w))
            .collect();
        all.reverse();
        Ok(all)
    }

    /// The newest incident of `watch`, if any.
    pub fn latest(&self, watch: &str) -> Result<Option<Incident>, IncidentError> {
        Ok(self.list(Some(watch))?.into_iter().next())
    }
}
