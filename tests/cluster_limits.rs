//! A host's limits across the cluster's workers, against a real nats-server: two workers with
//! `concurrency = 1` never have more than one request in flight at the host between them; a
//! 429 with Retry-After answered to one worker holds every worker off the host for its wait;
//! a host slot held by a worker that vanished frees itself after its lease, one released is
//! free at once, and without NATS a worker goes on under its own gate.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::cluster::{Fixture, PAGES, PER_PAGE, SHOPS, Settings, expected_ids};
use common::nats::Nats;
use yuqing::cluster::{Cluster, KvLimits, RawClusterConfig};
use yuqing::crawl::SharedLimits;

/// Runs a scheduler, two workers and an indexer until every review is indexed; the number of
/// jobs each worker did.
fn crawl(f: &Fixture) -> [u64; 2] {
    let mut scheduler = f.role("scheduler", None);
    let mut workers = [f.role("worker", Some("w1")), f.role("worker", Some("w2"))];
    let mut indexer = f.role("indexer", None);
    let total = SHOPS * PAGES * PER_PAGE;
    f.wait("every review indexed", Duration::from_secs(120), || f.indexed().0 >= total);
    let (count, ids) = f.indexed();
    assert_eq!((count, ids), (total, expected_ids()));
    let jobs = workers.each_mut().map(|w| {
        let log = w.stop(Duration::from_secs(30));
        let line = log.lines().find(|l| l.starts_with("worker stopped cleanly: ")).unwrap_or_default().to_string();
        line.split(' ').nth(3).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no jobs count: {log}"))
    });
    indexer.stop(Duration::from_secs(30));
    scheduler.stop(Duration::from_secs(30));
    jobs
}

#[test]
fn two_workers_with_concurrency_one_never_have_two_requests_in_flight_at_the_host() {
    let nats = Nats::start();
    let f = Fixture::with(&nats, Settings { delay_ms: 0, concurrency: 1, refuse: None });
    let jobs = crawl(&f);
    assert!(jobs.iter().all(|&n| n > 0), "both workers crawled: {jobs:?}");
    let most = f.site.most_in_flight.load(Ordering::SeqCst);
    assert_eq!(most, 1, "{most} requests in flight at once at the host (concurrency = 1)");
}

#[test]
fn a_429_with_retry_after_holds_every_worker_off_the_host() {
    let nats = Nats::start();
    let f = Fixture::with(&nats, Settings { delay_ms: 200, concurrency: 2, refuse: Some(6) });
    let jobs = crawl(&f);
    assert!(jobs.iter().all(|&n| n > 0), "both workers crawled: {jobs:?}");
    let mut arrivals = f.site.arrivals.lock().unwrap().clone();
    arrivals.sort();
    let at = arrivals.iter().position(|a| a.1).expect("the 429 was answered");
    let after = arrivals[at + 1].0 - arrivals[at].0;
    // Retry-After: 2. A request already on its way when the 429 went out could not be helped,
    // but the shared 200 ms delay spaces them, and the pause reaches every worker sooner.
    assert!(after >= Duration::from_millis(1900), "the next request came {after:?} after the 429");
    let closest = arrivals.windows(2).map(|w| w[1].0 - w[0].0).min().unwrap();
    assert!(closest >= Duration::from_millis(150), "two requests {closest:?} apart");
}

/// A connection's [`KvLimits`] as a worker makes it, host slots held for `lease`.
async fn limits(nats: &Nats, name: &str, lease: Duration) -> KvLimits {
    let raw = RawClusterConfig { url: nats.url(), ..RawClusterConfig::default() };
    let c = raw.validate().unwrap();
    let cluster = Cluster::connect(&c, name, Duration::from_secs(10)).await.unwrap();
    let hosts = cluster.bucket(&c.hosts_bucket, Duration::from_secs(3600)).await.unwrap();
    let robots = cluster.bucket(&c.robots_bucket, Duration::from_secs(3600)).await.unwrap();
    KvLimits::new(hosts, robots, lease, name.to_string()).with_outage_wait(OUTAGE)
}

/// How long these workers wait for NATS before going on alone (60 s in a real worker); more than
/// one try takes without NATS (about 10 s: the bucket request's timeout), so waiting it out shows.
const OUTAGE: Duration = Duration::from_secs(15);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

#[test]
fn a_slot_held_by_a_vanished_worker_frees_after_its_lease() {
    let mut nats = Nats::start();
    let lease = Duration::from_secs(2);
    let (rt_a, rt_b) = (runtime(), runtime());
    let a = Arc::new(rt_a.block_on(limits(&nats, "a", lease)));
    let b = rt_b.block_on(limits(&nats, "b", lease));

    // Released: free for the other worker at once.
    let slot = rt_a.block_on(a.slot("released.test:80", 1));
    rt_a.block_on(slot.release());
    let t = Instant::now();
    let slot = rt_b.block_on(b.slot("released.test:80", 1));
    assert!(t.elapsed() < Duration::from_millis(500), "a released slot waited {:?}", t.elapsed());
    rt_b.block_on(slot.release());

    // Held (and renewed) past its lease: the other worker waits, with both slots of a host of 2
    // taken it waits too, with one of them free it does not.
    let held = rt_a.block_on(a.slot("held.test:80", 1));
    std::thread::sleep(lease + Duration::from_millis(500));
    let waited = rt_b.block_on(async { tokio::time::timeout(lease, b.slot("held.test:80", 1)).await });
    assert!(waited.is_err(), "a slot held and renewed was taken by another worker");
    let second = rt_b.block_on(async { tokio::time::timeout(lease, b.slot("held.test:80", 2)).await });
    let second = second.expect("the second slot of a host of two is free");

    // Its worker vanishes without a word (its runtime gone: no release, no renewal).
    std::mem::forget(held);
    rt_a.shutdown_background();
    let gone = Instant::now();
    let slot = rt_b.block_on(async { tokio::time::timeout(lease * 3, b.slot("held.test:80", 1)).await });
    let took = gone.elapsed();
    let slot = slot.expect("the vanished worker's slot never freed");
    assert!(took >= lease / 2 && took <= lease + Duration::from_millis(700), "freed after {took:?}");
    rt_b.block_on(slot.release());
    rt_b.block_on(second.release());

    // Without NATS the slot waits for it (a restart takes seconds), then comes empty (logged):
    // the worker's own gate holds. Once it has waited, the next slot does not wait again.
    nats.kill();
    let t = Instant::now();
    let none = rt_b.block_on(async { tokio::time::timeout(Duration::from_secs(45), b.slot("x.test:80", 1)).await });
    let waited = t.elapsed();
    assert!(none.is_ok(), "waited {waited:?} for a slot without NATS");
    assert!(waited >= OUTAGE, "went on alone after {waited:?}, before waiting for NATS");
    let t = Instant::now();
    let again = rt_b.block_on(async { tokio::time::timeout(Duration::from_secs(45), b.slot("y.test:80", 1)).await });
    assert!(again.is_ok() && t.elapsed() < OUTAGE, "the next slot waited {:?} again", t.elapsed());
}
