//! A hostile site on 127.0.0.1: a source per attack — a slow drip, an endless body, an oversized
//! one, a compression bomb, a redirect loop, redirects to the cloud's metadata address and to
//! another host, elements nested 100,000 deep, JSON nested 100,000 deep, invalid GBK, a
//! Retry-After of a day — next to an honest source. Each hostile source fails alone, fast, with its
//! error line naming the URL and the reason; the honest one completes; the crawl stays in
//! bounded memory. Then: the dashboard times out a client that sends nothing and stops while it
//! hangs; a second yuqing on a held data directory is told which process holds it.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Path as UrlPath;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use common::bin::{Serving, command, yuqing};
use common::shop;

/// 64 MiB of one byte, gzipped to some 64 KiB.
static BOMB: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&chunk).unwrap();
    }
    gz.finish().unwrap()
});

fn honest_page() -> Vec<u8> {
    let reviews = [shop::Review {
        id: "ok1".into(),
        user: "买家",
        stars: 5,
        text: "华为手机很好用",
        date: "2026-11-30 10:00",
        useful: 1,
    }];
    shop::page(&reviews)
}

async fn attack(UrlPath(kind): UrlPath<String>) -> Response {
    let html = |b: Vec<u8>| ([(header::CONTENT_TYPE, "text/html")], b).into_response();
    match kind.as_str() {
        "honest" => html(honest_page()),
        "drip" => {
            let stream = futures_util::stream::unfold(0u32, |n| async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Some((Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"<")), n + 1))
            });
            ([(header::CONTENT_TYPE, "text/html")], Body::from_stream(stream)).into_response()
        }
        "endless" => {
            let chunk = axum::body::Bytes::from(vec![b'x'; 64 << 10]);
            let stream = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            ([(header::CONTENT_TYPE, "text/html")], Body::from_stream(stream)).into_response()
        }
        "oversized" => html(vec![b' '; 3 << 20]),
        "bomb" => {
            let bytes = BOMB.clone();
            ([(header::CONTENT_TYPE, "text/html"), (header::CONTENT_ENCODING, "gzip")], bytes).into_response()
        }
        "loop" => Redirect::temporary("/attack/loop").into_response(),
        "metadata" => Redirect::temporary("http://169.254.169.254/latest/meta-data/").into_response(),
        "elsewhere" => Redirect::temporary("http://evil.example/steal").into_response(),
        "deep" => html(
            format!("<html><body>{}<div class=\"comment-item\">x</div></body></html>", "<div>".repeat(100_000))
                .into_bytes(),
        ),
        "deepjson" => (
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"list\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000)),
        )
            .into_response(),
        "badgbk" => {
            let mut page = honest_page();
            let at = page.len() / 2;
            page.splice(at..at, [0x81, 0x20, 0xFF, 0xFE]);
            html(page)
        }
        "retryafter" => (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "86400")], "busy").into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

const CONFIG: &str = "[data]\ndir = \"data\"\n[crawl]\ndelay_ms = 0\nconcurrency = 8\nretries = 1\nretry_base_ms = 10\n\
    timeout_secs = 2\nmax_body_bytes = 1048576\nmax_redirects = 3\nrespect_robots = false\n[[watch]]\nname = \"华为\"\n";

/// (source, what its error line must say).
const ATTACKS: [(&str, &str); 10] = [
    ("drip", "timed out"),
    ("endless", "body larger than"),
    ("oversized", "body larger than"),
    ("bomb", "body larger than"),
    ("loop", "too many redirects"),
    ("metadata", "169.254.169.254 is a private, loopback or link-local address"),
    ("elsewhere", "evil.example is not a site of this source"),
    ("deep", "nests elements"),
    ("deepjson", "recursion limit"),
    ("retryafter", "Retry-After"),
];

/// The peak resident memory of a running process so far, in MB.
fn rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

#[test]
fn each_hostile_source_fails_alone_fast_and_in_bounded_memory() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    std::sync::LazyLock::force(&BOMB);
    let origin = runtime.block_on(common::serve(axum::Router::new().route("/attack/{kind}", get(attack))));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("sources")).unwrap();
    std::fs::write(d.join("yuqing.toml"), CONFIG).unwrap();
    for (name, _) in ATTACKS.iter().chain([&("honest", ""), &("badgbk", "")]) {
        let def = if *name == "deepjson" {
            format!(
                "kind = \"post\"\nurls = [\"{origin}/attack/{name}\"]\n[list]\nformat = \"json\"\nitems = \"/list\"\n[list.fields]\ntext = \"/t\"\n"
            )
        } else {
            shop::definition(&format!("{origin}/attack/{name}?p={{page}}"), "window_days = 3650\nmax_pages = 2")
        };
        std::fs::write(d.join("sources").join(format!("{name}.toml")), def).unwrap();
    }
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .current_dir(d)
        .args(["crawl"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak.max(rss_mb(child.id()));
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the crawl hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let secs = started.elapsed().as_secs_f64();
    let mut report = String::new();
    child.stdout.take().unwrap().read_to_string(&mut report).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1), "{report}");
    let lines: HashMap<&str, &str> = report.split("\n").filter_map(|l| l.split_once(": ")).collect();
    for (name, why) in ATTACKS {
        let block: String = report.split('\n').skip_while(|l| !l.starts_with(&format!("{name}:"))).take(3).collect();
        assert!(
            block.contains(&format!("error {origin}/attack/{name}")) && block.contains(why),
            "{name}: {why}\n{report}"
        );
    }
    assert!(lines["honest"].contains("1 new"), "{report}");
    // Invalid GBK bytes are replaced; the page's review is read.
    assert!(lines["badgbk"].contains("1 new") && lines["badgbk"].contains("0 errors"), "{report}");
    assert!(secs < 30.0, "the crawl took {secs:.1} s");
    assert!(peak < 800, "the crawl peaked at {peak} MB");
    eprintln!("hostile crawl: {secs:.1} s, peak {peak} MB");
    same_data_directory_names_its_holder(d);
}

/// A second yuqing on a data directory the first holds is told which process holds it.
fn same_data_directory_names_its_holder(d: &Path) {
    let mut first = Serving::start(command(d, &["run", "--serve", "127.0.0.1:0"]));
    let out = yuqing(d, &["crawl"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    first.interrupt(Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("in use by another yuqing (pid") && err.contains("yuqing run --serve"), "{err}");
}

#[test]
fn the_dashboard_times_out_a_silent_client_and_stops_while_one_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.jsonl"), "{\"text\":\"华为\",\"published_at\":\"2026-11-20 10:00\"}\n").unwrap();
    assert!(yuqing(d, &["ingest", "m.jsonl"]).status.success());
    let mut server = Serving::start(command(d, &["serve", "--addr", "127.0.0.1:0"]));
    let addr = server.addr().to_string();
    // A client that connects and sends nothing is closed after the head timeout.
    let mut silent = std::net::TcpStream::connect(&addr).unwrap();
    silent.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let waited = Instant::now();
    let mut buf = [0u8; 64];
    let _ = silent.read(&mut buf);
    assert!(
        waited.elapsed() < Duration::from_secs(20) && waited.elapsed() >= Duration::from_secs(5),
        "closed after {:?}",
        waited.elapsed()
    );
    // Another that hangs mid-request does not keep Ctrl-C from stopping the server.
    let mut hanging = std::net::TcpStream::connect(&addr).unwrap();
    hanging.write_all(b"GET /search HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let stopped = server.interrupt(Duration::from_secs(10));
    assert!(stopped.is_some(), "the server waited on a client");
}
