//! The dashboard and a digest in headless Chromium (Debian's `chromium`; `.ci/run` installs it):
//! a search shows highlighted results, the trend chart and the digest's charts render (their
//! bars' colours are counted in screenshots), and a mention whose text is `<script>…</script>`
//! or an `<img onerror>` shows as text and runs nothing. Screenshots are kept under
//! `target/tmp/browser/`. The charts are measured in Chromium at a desktop's and a phone's
//! width: every text shown is at least 10 CSS pixels high, inside its chart, and none overlaps
//! another.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::bin::{Serving, command, yuqing};

fn chromium() -> Option<PathBuf> {
    let candidates = [std::env::var("YUQING_CHROMIUM").unwrap_or_default(), "/usr/bin/chromium".into()];
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Runs headless Chromium with `args`, killed after a minute. Its output is read while it runs
/// (a page larger than the pipe's buffer would otherwise block it).
fn browse(chrome: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(chrome)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars"])
        .args(["--virtual-time-budget=3000", "--lang=zh-CN"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting chromium");
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            r.read_to_end(&mut bytes).map(|_| bytes).unwrap_or_default()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("chromium {args:?} did not finish in a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
}

fn dom(chrome: &Path, url: &str) -> String {
    let out = browse(chrome, &["--dump-dom", url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Takes a screenshot of `url` into `path` and counts the pixels near each colour.
fn screenshot(chrome: &Path, url: &str, path: &Path, size: &str, colours: &[[u8; 3]]) -> Vec<usize> {
    let arg = format!("--screenshot={}", path.display());
    let out = browse(chrome, &[&arg, &format!("--window-size={size}"), url]);
    assert!(path.exists(), "no screenshot of {url}: {}", String::from_utf8_lossy(&out.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    colours
        .iter()
        .map(|c| pixels.chunks(channels).filter(|p| (0..3).all(|i| (p[i] as i32 - c[i] as i32).abs() <= 12)).count())
        .collect()
}

const NEGATIVE: [u8; 3] = [0xd6, 0x45, 0x41];
const POSITIVE: [u8; 3] = [0x2e, 0x9d, 0x5b];

#[test]
fn dashboard_and_digest_render_in_chromium_and_crawled_markup_stays_text() {
    let Some(chrome) = chromium() else {
        if std::env::var("YUQING_SKIP_BROWSER").is_ok() {
            eprintln!("skipped: no chromium (YUQING_SKIP_BROWSER is set)");
            return;
        }
        panic!(
            "headless Chromium is needed: apt-get install chromium (or set YUQING_CHROMIUM=/path, or YUQING_SKIP_BROWSER=1)"
        );
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The demo's data, plus two hostile mentions.
    assert!(yuqing(d, &["demo", "--dir", "demo"]).status.success());
    std::fs::write(
        d.join("hostile.jsonl"),
        concat!(
            r#"{"id":"x:1","source":"tieba","text":"<script>document.title='pwned'</script>极光售后态度很差","published_at":"刚刚"}"#,
            "\n",
            r#"{"id":"x:2","source":"tieba","text":"<img src=x onerror=\"document.title='pwned'\">极光售后太慢","published_at":"刚刚"}"#,
            "\n"
        ),
    )
    .unwrap();
    assert!(yuqing(d, &["--config", "demo/yuqing.toml", "ingest", "hostile.jsonl"]).status.success());
    let server = Serving::start(command(d, &["--config", "demo/yuqing.toml", "serve", "--addr", "127.0.0.1:0"]));
    let origin = &server.origin;

    // Search: highlighted results, the hostile texts shown as text, nothing run.
    let url = format!("{origin}/search?q=售后&watch=极光");
    let page = dom(&chrome, &url);
    assert!(page.contains("<title>搜索 · yuqing</title>"), "a script changed the title");
    assert!(page.contains("<b>售后</b>"), "highlighted matches");
    assert!(page.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "the script shows as text");
    assert!(page.contains("&lt;img src=x onerror"), "the img tag shows as text");
    assert!(!page.contains("<script") && !page.contains("<img"), "no element was injected");
    screenshot(&chrome, &url, &shots.join("search.png"), "1100,900", &[]);
    // The search form round-trips a crisis query with duplicates collapsed.
    let crisis = dom(&chrome, &format!("{origin}/search?q=起火+召回&watch=极光&collapse=1&sort=engagement"));
    assert!(crisis.matches("class=\"hit\"").count() >= 10 && crisis.contains("<b>起火</b>"));
    // The total, not the page size; the next page continues it; the export names every match.
    let fire = dom(&chrome, &format!("{origin}/search?q=起火&watch=极光"));
    let total: u64 = fire.split("共 ").nth(1).and_then(|t| t.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(total > 100 && fire.contains(&format!("共 {total} 条 · 第 1–50 条")), "{total}");
    assert!(fire.contains("导出全部 CSV") && fire.contains("rel=\"next\""));
    let next = dom(&chrome, &format!("{origin}/search?q=起火&watch=极光&offset=50"));
    assert!(next.contains(&format!("共 {total} 条 · 第 51–100 条")) && next.contains("rel=\"prev\""));
    // A bad filter value is named on the page, with a 400 (never an empty list).
    let bad = dom(&chrome, &format!("{origin}/search?q=起火&sentiment=bad"));
    assert!(
        bad.contains("sentiment：没有 \"bad\" 这一项，可选 positive（正面）") && !bad.contains("class=\"hit\""),
        "{bad}"
    );
    // Filters by kind and risk narrow it: reviews tagged with the legal risk only.
    let narrowed = dom(&chrome, &format!("{origin}/search?q=起火&watch=极光&kind=review&risk=legal"));
    assert!(narrowed.contains("<option value=\"legal\" selected=\"\">法律监管</option>"), "the form keeps the filter");
    let hits = narrowed.matches("class=\"hit\"").count();
    assert!(hits > 0 && narrowed.matches(" · 评论 · ").count() == hits, "{hits} hits, all reviews");

    // Dates picked in the form: the pickers keep them and the end date takes its whole day; a
    // quick range is a link that keeps the query and marks itself.
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let day = jiff::Timestamp::now().to_zoned(zone).date().yesterday().unwrap();
    let picked = dom(&chrome, &format!("{origin}/search?q=起火&watch=极光&since={day}&until={day}"));
    assert!(picked.contains(&format!(r#"type="date" name="until" value="{day}""#)), "the picker keeps the date");
    let hits = picked.matches("class=\"hit\"").count();
    assert!(hits > 0 && picked.matches(&format!("</span> {day} ")).count() == hits, "{hits} hits, all of {day}");
    let week = picked.split("<a href=\"").find(|a| a.contains(">近 7 天<")).and_then(|a| a.split('"').next()).unwrap();
    let week = dom(&chrome, &format!("{origin}{}", week.replace("&amp;", "&")));
    assert!(week.contains(r#"class="on">近 7 天"#) && week.contains("<b>起火</b>"), "the quick range keeps the query");

    // The trend view: stacked bars with the crisis in red.
    let url = format!("{origin}/trends?watch=极光&days=30");
    let page = dom(&chrome, &url);
    assert!(page.contains("data-chart=\"daily\"") && page.contains("data-chart=\"share\""));
    let counts = screenshot(&chrome, &url, &shots.join("trends.png"), "1100,1300", &[NEGATIVE, POSITIVE]);
    assert!(counts[0] > 2000 && counts[1] > 2000, "negative and positive bars drawn: {counts:?}");
    drill_down_from_the_chart(&chrome, origin);

    // The alerts page shows the crisis alert with its evidence.
    let page = dom(&chrome, &format!("{origin}/alerts"));
    assert!(page.contains("严重") && page.contains("起火"), "{page}");

    // The report list names each digest by its watch and period (the demo's last 7 days: a
    // span, 舆情报告), with its first headline.
    let page = dom(&chrome, &format!("{origin}/digests"));
    assert!(page.contains("极光 舆情报告") && page.contains("负面提及") && page.contains("星河 舆情报告"), "{page}");

    // A digest file, opened directly: its charts render.
    let digest = d.join("digest.html");
    let out = yuqing(d, &["--config", "demo/yuqing.toml", "digest", "--watch", "极光", "-o", digest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("file://{}", digest.display());
    let page = dom(&chrome, &url);
    assert!(page.contains("data-chart=\"daily\"") && !page.contains("<script"));
    let counts = screenshot(&chrome, &url, &shots.join("digest.png"), "800,2000", &[NEGATIVE, POSITIVE]);
    assert!(counts[1] > 1000, "the digest's bars drawn: {counts:?}");
    let demo_digests = std::fs::read_dir(d.join("demo/data/digests")).unwrap();
    let demo_digest = demo_digests
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("极光-") && name.ends_with(".html")
        })
        .expect("the demo wrote 极光's digest");
    let demo_digest = format!("file://{}", demo_digest.display());
    let counts = screenshot(&chrome, &demo_digest, &shots.join("demo-digest.png"), "800,2000", &[NEGATIVE, POSITIVE]);
    assert!(counts[0] > 3000 && counts[1] > 1000, "the crisis week in red: {counts:?}");
    eprintln!("screenshots in {}", shots.display());
}

/// The crisis day's red bar on the trend page, followed as a user clicks it, opens a search of
/// exactly the posts it counts (its title says how many); its export holds every one of them.
fn drill_down_from_the_chart(chrome: &Path, origin: &str) {
    let page = dom(chrome, &format!("{origin}/trends?watch=极光&days=7"));
    let html = scraper::Html::parse_document(&page);
    let segment = scraper::Selector::parse(r#"svg.chart a"#).unwrap();
    let title = scraper::Selector::parse("title").unwrap();
    let (href, n) = html
        .select(&segment)
        .filter_map(|a| {
            let t = a.select(&title).next()?.text().collect::<String>();
            let n: u64 = t.strip_suffix("（进行中）").unwrap_or(&t).rsplit(' ').next()?.parse().ok()?;
            let href = a.value().attr("href")?.to_string();
            t.contains(" 负面 ").then_some((href, n))
        })
        .max_by_key(|(_, n)| *n)
        .expect("the red segments link to their posts");
    assert!(n > 50, "the crisis day: {n}");
    let posts = dom(chrome, &format!("{origin}{href}"));
    let shown = if n > 50 { 50 } else { n };
    assert!(posts.contains(&format!("共 {n} 条 · 第 1–{shown} 条")), "{href}: the bar's {n} posts");
    let hits = posts.matches("class=\"hit\"").count();
    assert!(
        hits == shown as usize && posts.matches("class=\"label negative\"").count() == hits,
        "{hits} hits, all negative"
    );
    let export = posts.split("href=\"").find(|a| a.starts_with("/api/search.csv")).and_then(|a| a.split('"').next());
    let export = export.expect("an export link").replace("&amp;", "&");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let csv =
        runtime.block_on(async { reqwest::get(format!("{origin}{export}")).await.unwrap().text().await.unwrap() });
    assert_eq!(csv::Reader::from_reader(csv.as_bytes()).records().count() as u64, n, "the export has every post");
}

/// Measures, in the page as Chromium lays it out, every text shown in each `svg.chart`: its size
/// in CSS pixels and which of them overlap or run into each other (less than 3 px apart). Written into the body's `data-measured` as JSON.
const MEASURE: &str = r#"<script>
// Texts side by side closer than this (CSS px) read as one ("11-2811-29"): they count as overlapping.
const GAP = 3;
const out = [...document.querySelectorAll('svg.chart')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const shown = [...svg.querySelectorAll('text')].filter(t => getComputedStyle(t).display !== 'none');
  const boxes = shown.map(t => ({ text: t.textContent, r: t.getBoundingClientRect(), px: parseFloat(getComputedStyle(t).fontSize) * scale }));
  const frame = svg.getBoundingClientRect();
  const outside = boxes.filter(b => b.r.left < frame.left - 1 || b.r.right > frame.right + 1 || b.r.top < frame.top - 1 || b.r.bottom > frame.bottom + 1).map(b => b.text);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    if (a.left < b.right + GAP && b.left < a.right + GAP && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps.push(boxes[i].text + ' / ' + boxes[j].text);
  }
  return { chart: svg.dataset.chart, texts: boxes.length, smallest: Math.min(...boxes.map(b => b.px)), overlaps, outside };
});
document.body.setAttribute('data-measured', JSON.stringify(out));
document.body.setAttribute('data-overflow', String(document.documentElement.scrollWidth - window.innerWidth));
</script>"#;

/// The charts of `url` measured at `width` CSS pixels: (chart, texts shown, smallest text in px, overlapping pairs).
fn measure_charts(chrome: &Path, url: &str, width: u32, scratch: &Path) -> Vec<serde_json::Value> {
    let measured = measured(chrome, url, width, scratch);
    let json =
        measured.split("data-measured=\"").nth(1).and_then(|s| s.split('"').next()).expect("the measurement ran");
    let json = json.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// The page of `url` as Chromium lays it out at `width`, with [`MEASURE`]'s results in its body.
fn measured(chrome: &Path, url: &str, width: u32, scratch: &Path) -> String {
    let page = dom(chrome, url);
    let file = scratch.join(format!("measure-{width}-{}.html", page.len()));
    std::fs::write(&file, page.replacen("</body>", &format!("{MEASURE}</body>"), 1)).unwrap();
    let out =
        browse(chrome, &["--dump-dom", &format!("--window-size={width},1200"), &format!("file://{}", file.display())]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many CSS pixels the page of `url` is wider than a window of `width` (0: no sideways scroll).
fn overflow(chrome: &Path, url: &str, width: u32, scratch: &Path) -> i64 {
    let measured = measured(chrome, url, width, scratch);
    let px = measured.split("data-overflow=\"").nth(1).and_then(|s| s.split('"').next()).expect("the measurement ran");
    px.parse().unwrap()
}

#[test]
fn charts_stay_legible_at_desktop_and_phone_widths() {
    let Some(chrome) = chromium() else {
        assert!(std::env::var("YUQING_SKIP_BROWSER").is_ok(), "headless Chromium is needed: apt-get install chromium");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert!(yuqing(d, &["demo", "--dir", "demo"]).status.success());
    let digest = d.join("digest.html");
    let out = yuqing(d, &["--config", "demo/yuqing.toml", "digest", "--watch", "极光", "-o", digest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = Serving::start(command(d, &["--config", "demo/yuqing.toml", "serve", "--addr", "127.0.0.1:0"]));
    let origin = &server.origin;
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let yesterday = jiff::Timestamp::now().to_zoned(zone).date().yesterday().unwrap();
    let five_days_ago = yesterday.checked_sub(jiff::Span::new().days(4)).unwrap();
    let pages = [
        format!("{origin}/incidents/1"),
        format!("{origin}/trends?watch=极光&days=7&interval=hour"),
        // Five whole days by the hour, picked as dates: 120 narrow buckets starting at midnight,
        // where the first day's date at the edge and the next one's collided.
        format!("{origin}/trends?watch=极光&since={five_days_ago}&until={yesterday}&interval=hour"),
        format!("{origin}/trends?watch=极光&days=30"),
        format!("file://{}", digest.display()),
    ];
    for url in &pages {
        for width in [1280, 390] {
            let charts = measure_charts(&chrome, url, width, d);
            assert!(!charts.is_empty(), "{url}: no chart");
            for c in &charts {
                let what = format!("{url} at {width}px, chart {}", c["chart"]);
                assert!(c["texts"].as_u64().unwrap() >= 5, "{what}: too few texts: {c}");
                assert!(c["smallest"].as_f64().unwrap() >= 10.0, "{what}: text under 10px: {c}");
                assert_eq!(c["overlaps"].as_array().unwrap().len(), 0, "{what}: texts overlap: {c}");
                assert_eq!(c["outside"].as_array().unwrap().len(), 0, "{what}: texts cut off at the edge: {c}");
            }
        }
    }
    // No page a team opens on a phone scrolls sideways: search results, the reports, an incident,
    // the trends, a digest.
    let phone_pages = [
        format!("{origin}/search?q=起火&watch=极光"),
        format!("{origin}/search?q=售后&watch=极光&collapse=1&sort=engagement"),
        format!("{origin}/digests"),
        format!("{origin}/alerts"),
        format!("{origin}/incidents"),
    ];
    for url in phone_pages.iter().chain(&pages) {
        assert!(overflow(&chrome, url, 390, d) <= 0, "{url} scrolls sideways at 390 px");
    }
}

/// The 专题 page in Chromium: a search saved from the command line is listed with its matches
/// and its new ones, the nav marks the page, and opening it lands on its search.
#[test]
fn a_saved_search_is_listed_with_its_count_in_chromium() {
    let Some(chrome) = chromium() else {
        assert!(std::env::var("YUQING_SKIP_BROWSER").is_ok(), "headless Chromium is needed (or YUQING_SKIP_BROWSER=1)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("yuqing.toml"),
        "[data]\ndir = \"data\"\n\n[[watch]]\nname = \"极光\"\naliases = [\"极光手机\"]\n",
    )
    .unwrap();
    let lines: String = (0..4)
        .map(|k| {
            format!(
                "{{\"id\":\"wb:{k}\",\"source\":\"weibo\",\"text\":\"极光手机充电起火了，太吓人（{k}）\",\"published_at\":\"2026-11-20 10:0{k}\"}}\n"
            )
        })
        .collect();
    std::fs::write(d.join("in.jsonl"), lines).unwrap();
    assert!(yuqing(d, &["ingest", "in.jsonl"]).status.success());
    let out = yuqing(d, &["saved", "add", "充电起火", "起火", "--watch", "极光"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = Serving::start(command(d, &["serve", "--addr", "127.0.0.1:0"]));
    let url = format!("{}/saved", server.origin);
    let page = dom(&chrome, &url);
    assert!(page.contains("<title>专题 · yuqing</title>") && page.contains(r#"class="on">专题</a>"#), "{page}");
    let row = page.split("data-name=\"充电起火\"").nth(1).expect("the saved search's row");
    assert!(row.contains(r#"<td class="total">4</td>"#) && row.contains("<strong>4</strong>"), "{row}");
    assert!(row.contains("查询 起火 · 品牌 极光"), "the conditions in words: {row}");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    screenshot(&chrome, &url, &shots.join("saved.png"), "1100,600", &[]);
    // Opening it: its search, every match shown; back on the list, nothing is new.
    let search = dom(&chrome, &format!("{}/saved/open?name=%E5%85%85%E7%94%B5%E8%B5%B7%E7%81%AB", server.origin));
    assert!(search.contains("共 4 条") && search.contains("<b>起火</b>"), "{search}");
    let again = dom(&chrome, &url);
    let row = again.split("data-name=\"充电起火\"").nth(1).unwrap();
    assert!(row.contains(r#"<td class="new">0</td>"#), "{row}");
}
