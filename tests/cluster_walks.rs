//! Walk state across the cluster's workers, against a real nats-server: once a listing was
//! walked to its end, the next walk (a new tick, from a new scheduler, on either worker) ends
//! at its first page, whose reviews were all seen before, as the embedded crawl's does.

mod common;

use std::time::Duration;

use common::cluster::{Fixture, PAGES, PER_PAGE, SHOPS, expected_ids};
use common::nats::Nats;

#[test]
fn a_listing_walked_to_its_end_is_walked_again_only_to_its_first_seen_page() {
    let nats = Nats::start();
    let f = Fixture::new(&nats, 0);
    let requests = || f.site.arrivals.lock().unwrap().len();
    let mut scheduler = f.role("scheduler", None);
    let _workers = [f.role("worker", Some("w1")), f.role("worker", Some("w2"))];
    let _indexer = f.role("indexer", None);
    let total = SHOPS * PAGES * PER_PAGE;
    f.wait("every review indexed", Duration::from_secs(120), || f.indexed().0 >= total);
    // Each shop's pages and the empty one after them.
    let first = SHOPS * (PAGES + 1);
    f.wait("the first walks' last pages", Duration::from_secs(30), || requests() >= first);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(requests(), first, "the first walks read each page once");

    // The next tick: a scheduler taking the lease publishes every listing again.
    scheduler.stop(Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(1100)); // a new tick (Unix seconds), new job ids
    let _scheduler = f.role("scheduler", Some("second"));
    f.wait("the second walks", Duration::from_secs(30), || requests() > first);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(requests(), first + SHOPS, "the second walks end at each listing's first page, all seen");
    let (count, ids) = f.indexed();
    assert_eq!((count, ids), (total, expected_ids()));
}
