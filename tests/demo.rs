//! `yuqing demo` end to end: the binary twice in a row (the second run replaces the first's
//! directory), then the library's demo, whose alert, top terms and digest figures are checked
//! against what the demo site served.

use std::process::Command;

use jiff::SignedDuration;
use yuqing::alert::Severity;
use yuqing::crawl::Progress;
use yuqing::demo::{self, corpus};

mod common;

/// The words of a command line as a shell splits them (quotes '…' and "…", no escapes).
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => (quote, any) = (Some(c), true),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (_, c) => (word, any) = (word + &c.to_string(), true),
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// Every `yuqing …` command the demo printed runs and succeeds (the dashboard starts and
/// answers), as a newcomer would paste them.
fn every_printed_command_works(printed: &str) {
    let commands: Vec<Vec<String>> = printed
        .lines()
        .filter_map(|l| l.find("yuqing --config ").map(|i| l[i..].split("  #").next().unwrap().trim()))
        .map(shell_words)
        .collect();
    assert!(commands.len() >= 6, "the demo prints its commands: {printed}");
    for words in &commands {
        let args = &words[1..];
        if args.contains(&"serve".to_string()) {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
            cmd.args(args).args(["--addr", "127.0.0.1:0"]);
            let server = common::bin::Serving::start(cmd);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let url = format!("{}/search?q=起火", server.origin);
            let page = runtime.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() });
            assert!(page.contains("共 "), "{words:?}: {page}");
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_yuqing")).args(args).output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{words:?} failed: {stderr}");
        assert!(!stdout.trim().is_empty(), "{words:?} printed nothing");
    }
}

/// `yuqing demo --dir DIR` twice in a row (the second replaces the first): what the last printed.
fn run_the_binary_twice(dir: &std::path::Path) -> String {
    let mut printed = String::new();
    for run in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_yuqing")).args(["demo", "--dir"]).arg(dir).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "run {run}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("alert(s) raised") && stdout.contains("负面声量激增"), "{stdout}");
        assert!(stdout.contains("Weekly digest of 极光") && stdout.contains("yuqing --config"), "{stdout}");
        printed = stdout.into_owned();
    }
    printed
}

#[test]
fn the_demo_raises_the_crisis_alert_and_writes_a_digest_that_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("yuqing-demo");
    every_printed_command_works(&run_the_binary_twice(&dir));
    // The history the binary left is readable with the ordinary commands.
    let config = dir.join("yuqing.toml");
    let out =
        Command::new(env!("CARGO_BIN_EXE_yuqing")).arg("--config").arg(&config).args(["alerts", "--json"]).output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"watch\":\"极光\""));
    // A directory that is not the demo's is never replaced.
    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing")).args(["demo", "--dir"]).arg(&foreign).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a yuqing demo directory"));

    // The library's demo, checked against the corpus it served.
    let prepared = demo::prepare(&tmp.path().join("lib-demo")).unwrap();
    // SAFETY: set before the runtime starts; this binary's only test.
    unsafe { std::env::set_var(demo::WEBHOOK_ENV, format!("{}/webhook", prepared.origin)) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let r = runtime.block_on(demo::run(prepared, std::sync::Arc::new(Progress::default()), |_| {})).unwrap();
    let c = corpus::generate(r.now);
    assert_eq!(r.crawl.iter().map(|s| s.new as usize).sum::<usize>(), c.mentions.len() + c.questions.len());
    for s in &r.crawl {
        assert!(s.errors.is_empty(), "{s}");
    }

    // The alert: 极光, in the crisis's first hour, with the crisis words rising; critical by
    // its second hour at the latest (14 negatives against a usual 1.3 is a warning: p ≈ 4e-7).
    let first = &r.alerts[0].alert;
    assert_eq!(first.watch, "极光");
    assert_eq!(first.verdict.start, c.crisis_start);
    let critical =
        r.alerts.iter().find(|a| a.alert.verdict.severity == Some(Severity::Critical)).expect("a critical alert");
    assert!(
        critical.alert.verdict.start <= c.crisis_start + SignedDuration::from_hours(1),
        "{:?}",
        critical.alert.verdict
    );
    let terms: Vec<&str> = first.rising_terms.iter().map(|t| t.term.as_str()).collect();
    assert!(terms.contains(&"起火"), "起火 in {terms:?}");
    assert!(["爆炸", "召回", "维权"].iter().any(|t| terms.contains(t)), "another crisis word in {terms:?}");
    assert!(first.risks.iter().any(|(r, _)| *r == yuqing::sentiment::RiskCategory::Quality));
    assert!(r.alerts.iter().all(|a| a.alert.watch == "极光"), "only the brand in crisis alerts");
    assert!(r.alerts.iter().all(|a| a.delivered()));
    let alert_messages = r.webhook.iter().filter(|m| m.get("alert").is_some()).count();
    assert_eq!(alert_messages, r.alerts.len(), "each alert reached the demo webhook");
    let digest_messages = r.webhook.iter().filter(|m| m.get("digest").is_some()).count();
    assert_eq!(digest_messages, r.digests.len(), "each digest reached the demo webhook, as from `yuqing run`");

    // The digest's figures equal the served mentions counted here.
    let (digest, path) = &r.digests[0];
    assert_eq!(digest.watch, "极光");
    let week = r.now - SignedDuration::from_hours(24 * 7);
    let before = week - SignedDuration::from_hours(24 * 7);
    let count = |from: jiff::Timestamp, until: jiff::Timestamp| {
        let in_range = |t: jiff::Timestamp| from <= t && t < until;
        c.mentions.iter().filter(|m| in_range(m.at) && m.text.contains("极光")).count()
            + c.questions.iter().filter(|q| in_range(q.at) && q.title.contains("极光")).count()
    };
    assert_eq!(digest.counts.total as usize, count(week, r.now));
    assert_eq!(digest.previous_counts.total as usize, count(before, week));
    assert_eq!(digest.days.iter().map(|d| d.counts.total).sum::<u64>(), digest.counts.total);
    let crisis = c.mentions.iter().filter(|m| m.crisis).count() as u64;
    assert!(digest.counts.negative >= crisis * 9 / 10, "{} negative, {crisis} crisis posts", digest.counts.negative);
    assert!(
        digest.headlines[0].starts_with("负面提及") && digest.headlines[0].contains("起火"),
        "{:?}",
        digest.headlines
    );
    assert_eq!(digest.alerts.len(), r.alerts.len());
    let page = std::fs::read_to_string(path).unwrap();
    assert!(page.contains("data-chart=\"daily\"") && page.contains("极光 舆情报告"));
    // The sample search finds crisis posts.
    assert!(!r.sample.is_empty() && r.sample.iter().all(|h| h.text.contains("起火")));
}
