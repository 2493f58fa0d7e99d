//! robots.txt, honoured by default: fetched once per origin and kept a day (in memory, and in
//! the crawl state across runs), matched against the product token of `crawl.user_agent`. A
//! missing robots.txt (4xx) allows everything; one that cannot be read (5xx, network) allows
//! nothing on that origin, as RFC 9309 asks, until it is tried again a minute later.
//!
//! A daemon runs for weeks, so every entry carries its fetch time and is fetched again once it is
//! older than its lifetime. Each origin has its own lock, held while its robots.txt is fetched
//! (so it is fetched once however many tasks ask); a slow host never delays another host's first
//! request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;

use super::fetch::{FetchError, Fetcher, SourceClient};
use crate::store::Store;

/// A robots.txt read (or found missing) is fetched again after this long.
const TTL: Duration = Duration::from_secs(24 * 3600);
/// A robots.txt that could not be read is tried again after this long.
const UNREACHABLE_RETRY: Duration = Duration::from_secs(60);

/// What one origin's robots.txt says.
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

    fn lifetime(&self) -> Duration {
        if matches!(self, Rules::Unreachable(_)) { UNREACHABLE_RETRY } else { TTL }
    }
}

/// An origin's rules and when they were read.
struct Entry {
    rules: Arc<Rules>,
    read_at: std::time::Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

/// The robots.txt cache.
pub struct Robots {
    store: Store,
    /// The product token groups are matched against (`yuqing`).
    agent: String,
    origins: Mutex<HashMap<String, Slot>>,
}

impl Robots {
    pub fn new(store: Store, agent: &str) -> Self {
        Robots { store, agent: agent.to_string(), origins: Mutex::default() }
    }

    fn parse(&self, body: &[u8]) -> Rules {
        texting_robots::Robot::new(&self.agent, body).map_or(Rules::AllowAll, |r| Rules::Parsed(Box::new(r)))
    }

    /// The rules for `url`'s origin, fetching robots.txt when none is known or it is too old.
    pub async fn rules_for(&self, fetcher: &Fetcher, sc: &SourceClient, url: &Url) -> Arc<Rules> {
        let origin = url.origin().ascii_serialization();
        let slot: Slot =
            self.origins.lock().unwrap_or_else(|e| e.into_inner()).entry(origin.clone()).or_default().clone();
        let mut entry = slot.lock().await;
        if let Some(e) = entry.as_ref().filter(|e| e.read_at.elapsed() < e.rules.lifetime()) {
            return e.rules.clone();
        }
        let rules = Arc::new(self.read(fetcher, sc, url, &origin).await);
        *entry = Some(Entry { rules: rules.clone(), read_at: std::time::Instant::now() });
        rules
    }

    /// The stored copy when it is fresh, else robots.txt fetched (and stored when it was read).
    async fn read(&self, fetcher: &Fetcher, sc: &SourceClient, url: &Url, origin: &str) -> Rules {
        let now = jiff::Timestamp::now().as_second();
        let ttl = TTL.as_secs() as i64;
        let key = origin.to_string();
        let cached = self.store.blocking(move |s| s.robots(&key)).await.ok().flatten();
        if let Some((_, body)) = cached.filter(|(at, _)| now - at < ttl) {
            return self.parse(&body);
        }
        if let Some(shared) = &fetcher.shared
            && let Some((_, body)) = shared.robots(origin).await.filter(|(at, _)| now - at < ttl)
        {
            return self.parse(&body);
        }
        let robots_url = match url.join("/robots.txt") {
            Ok(u) => u,
            Err(e) => return Rules::Unreachable(format!("no robots.txt URL for {origin}: {e}")),
        };
        let (rules, keep) = match fetcher.fetch_plain(sc, &robots_url).await {
            Ok((status, body)) if status.is_success() => (self.parse(&body), Some(body)),
            Ok((status, _)) if status.is_client_error() => (Rules::AllowAll, Some(Vec::new())),
            Ok((status, _)) => (Rules::Unreachable(format!("HTTP {}", status.as_u16())), None),
            Err(e) => (Rules::Unreachable(e.to_string()), None),
        };
        if let (Some(body), Some(shared)) = (&keep, &fetcher.shared) {
            shared.keep_robots(origin, now, body.clone()).await;
        }
        if let Some(body) = keep {
            let key = origin.to_string();
            if let Err(e) = self.store.blocking(move |s| s.set_robots(&key, now, &body)).await {
                tracing::warn!(%origin, error = %e, "robots.txt not kept in the crawl state");
            }
        }
        rules
    }
}
