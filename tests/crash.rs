//! `yuqing crawl` killed with SIGKILL in the middle of a listing, then run again: every
//! mention ends up in the index exactly once, and the second run does not walk the listing
//! again from the start.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use common::{Hits, hit};

const PAGES: usize = 40;
const PER_PAGE: usize = 20;

const BRANDS: [&str; 4] = ["华为", "小米", "荣耀", "OPPO"];
const ASPECTS: [&str; 10] = ["屏幕", "电池", "拍照", "信号", "系统", "外观", "充电", "音质", "做工", "客服"];
const OPINIONS: [&str; 20] = [
    "非常满意",
    "一般般吧",
    "让人失望",
    "超出预期",
    "有点问题",
    "很稳定",
    "经常出毛病",
    "值这个价",
    "不如上一代",
    "比宣传的差",
    "确实不错",
    "用着舒服",
    "越用越卡",
    "发热严重",
    "还可以吧",
    "物超所值",
    "差评",
    "完全没问题",
    "比想象中好",
    "要求退货",
];

fn review(i: usize) -> String {
    let (b, a, o) = (i % 4, (i / 4) % 10, (i / 40) % 20);
    format!("{}手机的{}{}，第{}天的体验", BRANDS[b], ASPECTS[a], OPINIONS[o], i / 800 + 1)
}

async fn page(State(hits): State<Hits>, Query(q): Query<HashMap<String, usize>>) -> Response {
    let n = q.get("page").copied().unwrap_or(1);
    hit(&hits, &format!("page-{n}"));
    // Slow enough that the kill lands in the middle of the listing.
    tokio::time::sleep(Duration::from_millis(60)).await;
    let mut html = String::from("<html><head><meta charset=\"gbk\"></head><body>");
    if n <= PAGES {
        for i in (n - 1) * PER_PAGE..n * PER_PAGE {
            html.push_str(&format!(
                "<div class=\"c\" data-id=\"{i}\"><p>{}</p><i>{}分钟前</i></div>",
                review(i),
                i % 50
            ));
        }
    }
    html.push_str("</body></html>");
    ([(header::CONTENT_TYPE, "text/html")], encoding_rs::GBK.encode(&html).0.into_owned()).into_response()
}

#[test]
fn a_crawl_killed_mid_listing_loses_nothing_and_duplicates_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let hits = Hits::default();
    let origin = runtime.block_on(common::serve(
        axum::Router::new().route("/reviews", axum::routing::get(page)).with_state(hits.clone()),
    ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sources")).unwrap();
    std::fs::write(
        dir.path().join("yuqing.toml"),
        "[data]\ndir = \"data\"\n[crawl]\ndelay_ms = 0\ncommit_every = 20\nretries = 0\n[[watch]]\nname = \"华为\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sources/shop.toml"),
        format!(
            "kind = \"review\"\nmax_pages = 100\nurls = [\"{origin}/reviews?page={{page}}\"]\n[list]\nformat = \"html\"\n\
             items = \"div.c\"\n[list.fields]\nid = \"@data-id\"\ntext = \"p\"\npublished_at = \"i\"\n\
             [list.pagination]\npages = {{ first = 1 }}\n"
        ),
    )
    .unwrap();
    let crawl = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_yuqing"));
        c.current_dir(dir.path()).args(["crawl"]).env_remove("RUST_LOG").stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    };

    let mut child = crawl().spawn().unwrap();
    let started = Instant::now();
    while hits.lock().unwrap().len() < 15 {
        assert!(started.elapsed() < Duration::from_secs(60), "the crawl did not get going");
        assert!(child.try_wait().unwrap().is_none(), "the crawl ended before the kill");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let fetched_before = hits.lock().unwrap().len();
    assert!(fetched_before < PAGES, "killed after {fetched_before} pages");

    let out = crawl().output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{report}\n{}", String::from_utf8_lossy(&out.stderr));

    let all = common::mentions(dir.path());
    let ids: HashSet<&str> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "a mention is in the index twice");
    assert_eq!(all.len(), PAGES * PER_PAGE, "{report}");
    // The second run read page 1 (new items first), jumped to where the first stopped, and did
    // not walk the pages in between again. The resume point is recorded after each commit, so
    // the last few pages before the kill (fetched while a commit ran) may be read again.
    let hits = hits.lock().unwrap();
    let refetched = (2..fetched_before.saturating_sub(5)).filter(|p| hits.get(&format!("page-{p}")) > Some(&1)).count();
    assert_eq!(refetched, 0, "pages fetched twice: {hits:?}\n{report}");
}
