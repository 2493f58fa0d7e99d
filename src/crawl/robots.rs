//! robots.txt, honoured by default: fetched once per host and kept a day (in memory for the run,
//! in the crawl state across runs). A missing robots.txt (4xx) allows everything; one that cannot
//! be read (5xx, network) allows nothing on that host for this run, as RFC 9309 asks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use super::fetch::{FetchError, Fetcher, SourceClient};
use crate::store::Store;

/// A stored robots.txt is fetched again after this many seconds.
const TTL_SECS: i64 = 24 * 3600;

/// What one host's robots.txt says.
pub enum Rules {
    AllowAll,
    Parsed(Box<texting_robots::Robot>),
    Unreachable(String),
}

impl Rules {
    pub fn check(&self, url: &Url) -> Result<(), FetchError> {
        match self {
            Rules::AllowAll => Ok(()),
            Rules::Parsed(r) if r.allowed(url.as_str()) => Ok(()),
            Rules::Parsed(_) => Err(FetchError::Robots),
            Rules::Unreachable(why) => Err(FetchError::RobotsUnreachable(why.clone())),
        }
    }

    /// The Crawl-delay it asks for.
    pub fn crawl_delay(&self) -> Duration {
        match self {
            Rules::Parsed(r) => r.delay.map_or(Duration::ZERO, |d| Duration::from_secs_f32(d.clamp(0.0, 60.0))),
            _ => Duration::ZERO,
        }
    }
}

/// The robots.txt cache.
pub struct Robots {
    store: Store,
    agent: &'static str,
    hosts: tokio::sync::Mutex<HashMap<String, Arc<Rules>>>,
}

impl Robots {
    pub fn new(store: Store, agent: &'static str) -> Self {
        Robots { store, agent, hosts: Default::default() }
    }

    fn parse(&self, body: &[u8]) -> Rules {
        texting_robots::Robot::new(self.agent, body).map_or(Rules::AllowAll, |r| Rules::Parsed(Box::new(r)))
    }

    /// The rules for `url`'s host, fetching robots.txt when none is known.
    pub async fn rules_for(&self, fetcher: &Fetcher, sc: &SourceClient, url: &Url) -> Arc<Rules> {
        let origin = url.origin().ascii_serialization();
        // Held while fetching, so that a host's robots.txt is fetched once however many tasks ask.
        let mut hosts = self.hosts.lock().await;
        if let Some(r) = hosts.get(&origin) {
            return r.clone();
        }
        let now = jiff::Timestamp::now().as_second();
        let cached = self.store.robots(&origin).ok().flatten().filter(|(at, _)| now - at < TTL_SECS);
        let rules = match cached {
            Some((_, body)) => self.parse(&body),
            None => {
                let robots_url = url.join("/robots.txt").expect("robots.txt URL");
                match fetcher.fetch_plain(sc, &robots_url).await {
                    Ok((status, body)) if status.is_success() => {
                        if let Err(e) = self.store.set_robots(&origin, now, &body) {
                            tracing::warn!(%origin, error = %e, "robots.txt not cached");
                        }
                        self.parse(&body)
                    }
                    Ok((status, _)) if status.is_client_error() => {
                        let _ = self.store.set_robots(&origin, now, b"");
                        Rules::AllowAll
                    }
                    Ok((status, _)) => Rules::Unreachable(format!("HTTP {}", status.as_u16())),
                    Err(e) => Rules::Unreachable(e.to_string()),
                }
            }
        };
        let rules = Arc::new(rules);
        hosts.insert(origin, rules.clone());
        rules
    }
}
