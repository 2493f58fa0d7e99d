//! The cluster against a real nats-server (started by the tests on a free loopback port):
//! a scheduler, two workers and an indexer — the real binary, as child processes — crawl a
//! local shop; every review is indexed exactly once, also when a worker and then the indexer
//! are killed with SIGKILL mid-crawl and the NATS server is killed and started again. A second
//! scheduler takes the lease over when the first is killed. `yuqing cluster status` shows the
//! workers, the lease holder and the streams.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::cluster::{Fixture, PAGES, PER_PAGE, SHOPS, expected_ids, pid_of};
use common::nats::Nats;

#[test]
fn every_review_is_indexed_once_through_a_killed_worker_a_killed_indexer_and_a_nats_restart() {
    let mut nats = Nats::start();
    let f = Fixture::new(&nats, 200);
    let mut scheduler = f.role("scheduler", None);
    let mut w1 = f.role("worker", Some("w1"));
    let mut w2 = f.role("worker", Some("w2"));
    let mut indexer = f.role("indexer", None);
    let total = SHOPS * PAGES * PER_PAGE;
    let t0 = Instant::now();

    f.wait("the first mentions", Duration::from_secs(60), || f.indexed().0 > 0);
    let status = f.status();
    let workers: BTreeSet<u32> =
        status["workers"].as_array().unwrap().iter().filter_map(|w| pid_of(&w["name"])).collect();
    assert_eq!(workers, BTreeSet::from([w1.pid(), w2.pid()]), "{status:#}");
    assert_eq!(pid_of(&status["scheduler"]["name"]), Some(scheduler.pid()), "{status:#}");
    assert_eq!(status["jobs"]["name"], "YUQING_JOBS");

    // Mid-crawl: a worker, then the indexer, die without a word; then NATS itself restarts.
    assert!(f.indexed().0 < total, "the crawl ended before the kills: make the site slower");
    w1.kill9();
    std::thread::sleep(Duration::from_millis(700));
    indexer.kill9();
    assert!(f.indexed().0 < total, "the crawl ended before the indexer was killed");
    // The new indexer serves the dashboard too, as `yuqing run --serve` does.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dashboard = format!("http://127.0.0.1:{port}");
    let mut indexer = f.role_with("indexer", None, &["--serve", &format!("127.0.0.1:{port}")]);
    std::thread::sleep(Duration::from_millis(500));
    nats.kill();
    std::thread::sleep(Duration::from_secs(1));
    nats.restart();
    eprintln!("{:.1} s: killed a worker and the indexer, restarted NATS", t0.elapsed().as_secs_f64());

    f.wait("every review indexed", Duration::from_secs(120), || f.indexed().0 >= total);
    eprintln!("{:.1} s: every review indexed", t0.elapsed().as_secs_f64());
    // Redeliveries still in flight (the killed worker's jobs, the indexer's batch) must add nothing.
    std::thread::sleep(Duration::from_secs(5));
    let (count, ids) = f.indexed();
    assert_eq!(count, total, "indexed more than once: {count} mentions for {total} reviews");
    assert_eq!(ids, expected_ids());
    // The indexer's dashboard answers from the index it keeps: every review, and the live alert list.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let get = |path: &str| -> (u16, String) {
        runtime.block_on(async {
            let r = reqwest::get(format!("{dashboard}{path}")).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    let (status, body) = get("/api/search?limit=1");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"].as_u64(),
        Some(total as u64),
        "{body}"
    );
    let (status, body) = get("/api/alerts");
    assert!(status == 200 && body.trim_start().starts_with('['), "the alert list is live: {status} {body}");
    let (status, page) = get("/search?q=物流");
    assert!(status == 200 && page.contains(&format!("共 {total} 条")), "every review speaks of 物流: {status}");
    // One host, two workers: their requests were spaced by the shared delay (200 ms).
    let mut arrivals: Vec<Instant> = f.site.arrivals.lock().unwrap().iter().map(|a| a.0).collect();
    arrivals.sort();
    let closest = arrivals.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    assert!(closest >= Duration::from_millis(150), "two requests to the host {closest:?} apart");
    let status = f.status();
    assert_eq!(status["mentions"]["consumer"]["pending"], 0, "{status:#}");
    // Every job done: none waiting, none in hand. (After a SIGKILL of the server, nats-server
    // 2.9 may keep a few acknowledged jobs' messages in the work queue; its consumer is past them.)
    assert_eq!(status["jobs"]["consumer"]["pending"], 0, "{status:#}");
    assert_eq!(status["jobs"]["consumer"]["ack_pending"], 0, "{status:#}");

    let log = w2.stop(Duration::from_secs(30));
    assert!(log.contains("lost the NATS connection"), "the restart is logged: {log}");
    let log = indexer.stop(Duration::from_secs(30));
    assert!(log.contains("indexer stopped cleanly"), "{log}");
    scheduler.stop(Duration::from_secs(30));
}

#[test]
fn a_second_scheduler_takes_the_lease_over_when_the_first_is_killed() {
    let nats = Nats::start();
    let f = Fixture::new(&nats, 0);
    let mut first = f.role("scheduler", None);
    let holder = |f: &Fixture| pid_of(&f.status()["scheduler"]["name"]);
    f.wait("the first scheduler's lease", Duration::from_secs(30), || holder(&f) == Some(first.pid()));
    let mut second = f.role("scheduler", Some("second"));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(holder(&f), Some(first.pid()), "the lease is renewed while its holder lives");
    let jobs_before = f.status()["jobs"]["messages"].as_u64().unwrap();
    assert_eq!(jobs_before, SHOPS as u64, "one job per listing, published once");
    first.kill9();
    let killed = Instant::now();
    f.wait("the second scheduler's lease", Duration::from_secs(15), || holder(&f) == Some(second.pid()));
    assert!(killed.elapsed() >= Duration::from_secs(1), "taken before the lease expired");
    let text = common::bin::yuqing(f.path(), &["cluster", "status"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("-{} (lease renewed", second.pid())), "{text}");
    assert!(text.contains("stream YUQING_JOBS:"), "{text}");
    let log = second.stop(Duration::from_secs(20));
    assert!(log.contains("took the scheduler lease"), "{log}");
    // Given up on a clean stop: nobody holds it.
    assert_eq!(holder(&f), None);
}

#[test]
fn a_role_without_a_cluster_section_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("yuqing.toml"), "[crawl]\ndelay_ms = 0\n").unwrap();
    let out = common::bin::yuqing(dir.path(), &["run", "--role", "indexer"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`yuqing run --role indexer` needs a [cluster] section in yuqing.toml"), "{err}");
    let out = common::bin::yuqing(dir.path(), &["cluster", "status"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a [cluster] section"));
    // A server that is not there is named, with what to check.
    std::fs::write(dir.path().join("yuqing.toml"), "[cluster]\nurl = \"nats://127.0.0.1:9\"\n").unwrap();
    let out = common::bin::yuqing(dir.path(), &["cluster", "status"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cannot reach NATS at nats://127.0.0.1:9"), "{err}");
}
