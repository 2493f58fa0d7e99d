//! How incidents are formed, judged and reported (`[incidents]` in yuqing.toml), with defaults a
//! crisis team can start from.

use serde::Deserialize;

use crate::setting::{Invalid, check_range};

/// `[incidents]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRules {
    /// An incident has ended once the watch's negative mentions stayed in their usual range for
    /// this many hours.
    #[serde(default = "default_end_quiet_hours")]
    pub end_quiet_hours: i64,
    /// An alert this many hours after an incident ended reopens it instead of opening another.
    #[serde(default = "default_reopen_hours")]
    pub reopen_hours: i64,
    /// A post from an account with at least this many followers is reported in an update.
    #[serde(default = "default_reach_followers")]
    pub reach_followers: u64,
    /// A post with at least this much engagement (likes + reposts + replies) is reported too.
    #[serde(default = "default_reach_engagement")]
    pub reach_engagement: u64,
    /// The least time between two updates of one incident (what happens meanwhile goes into the
    /// next one); the ending is always sent.
    #[serde(default = "default_update_minutes")]
    pub update_minutes: i64,
    /// How many driving terms one loud bucket adds to the incident's scope, at most.
    #[serde(default = "default_driving_terms")]
    pub driving_terms: usize,
    /// The dashboard's address as people reach it (`https://yuqing.example.com`), for links in
    /// updates; without it, updates name the command that shows the incident.
    pub dashboard_url: Option<String>,
}

const fn default_end_quiet_hours() -> i64 {
    12
}
const fn default_reopen_hours() -> i64 {
    48
}
const fn default_reach_followers() -> u64 {
    100_000
}
const fn default_reach_engagement() -> u64 {
    1_000
}
const fn default_update_minutes() -> i64 {
    30
}
const fn default_driving_terms() -> usize {
    5
}

impl Default for IncidentRules {
    fn default() -> Self {
        toml::from_str("").expect("incident rule defaults")
    }
}

impl IncidentRules {
    /// The first setting that makes no sense, with its field.
    pub fn validate(&self) -> Result<(), Invalid> {
        check_range("incidents.end_quiet_hours", self.end_quiet_hours, 1, 24 * 14)?;
        check_range("incidents.reopen_hours", self.reopen_hours, 0, 24 * 60)?;
        check_range("incidents.update_minutes", self.update_minutes, 0, 24 * 60)?;
        check_range("incidents.driving_terms", self.driving_terms, 1, 50)?;
        if let Some(url) = &self.dashboard_url {
            let parsed = url::Url::parse(url).map_err(|e| Invalid::new("incidents.dashboard_url", e.to_string()))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(Invalid::new("incidents.dashboard_url", format!("must be http or https, is {url:?}")));
            }
        }
        Ok(())
    }

    /// Where people read incident `id`: its page, or the command that shows it.
    pub fn link(&self, id: u64) -> String {
        match &self.dashboard_url {
            Some(base) => format!("{}/incidents/{id}", base.trim_end_matches('/')),
            None => format!("yuqing incidents show {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bad_values_named() {
        let r = IncidentRules::default();
        assert_eq!((r.end_quiet_hours, r.reopen_hours, r.update_minutes), (12, 48, 30));
        assert_eq!(r.link(3), "yuqing incidents show 3");
        let bad: IncidentRules = toml::from_str("end_quiet_hours = 0").unwrap();
        assert!(bad.validate().unwrap_err().to_string().contains("incidents.end_quiet_hours"));
        let bad: IncidentRules = toml::from_str("dashboard_url = \"javascript:alert(1)\"").unwrap();
        assert!(bad.validate().unwrap_err().to_string().contains("incidents.dashboard_url"));
        let ok: IncidentRules = toml::from_str("dashboard_url = \"https://y.example.com/\"").unwrap();
        assert_eq!(ok.link(7), "https://y.example.com/incidents/7");
    }
}
