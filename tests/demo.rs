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

/// Why a README example is not run here, or `None` when it is.
fn not_run_here(args: &[String], line: &str, piped: bool) -> Option<&'static str> {
    let first = args.first().map(String::as_str);
    if !piped && matches!(first, Some("score" | "ingest")) && args.len() == 1 {
        Some("reads its input; the examples that pipe one in are run")
    } else if line.contains("$D") || matches!(first, Some("lexicon" | "eval")) {
        Some("needs the labeled corpora outside the repository (scripts and benches measure with them)")
    } else if args.iter().any(|a| a == "--role") || first == Some("cluster") {
        Some("needs a NATS server (tests/cluster.rs starts one)")
    } else {
        match first {
            Some("demo") => Some("this test ran it, twice"),
            Some("run") => Some("a daemon that runs until stopped (tests/daemon.rs)"),
            Some("serve") => Some("checked with the demo's printed commands"),
            Some("crawl") => Some("the demo's site stops with the demo (tests/crawl.rs, tests/sites.rs)"),
            _ => None,
        }
    }
}

/// The README's examples as a newcomer pastes them, in the demo's directory (whose `yuqing.toml`
/// is then the default config): each `yuqing …`, `target/release/yuqing …` and `cargo run
/// --release -- …` line of the `sh` blocks of README.md and the lexicon and source guides
/// (continued lines joined, an `echo '…' |` before it as its input), and each runnable command
/// the text names on its own (`yuqing alerts`). Every one must succeed and print something (or
/// write the file it names with `-o`);
/// those that cannot run here are left out for the reason `not_run_here` gives. The scoring
/// example must print what the README shows of it.
fn every_readme_example_works(dir: &std::path::Path) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<String> = Vec::new();
    for doc in ["README.md", "sources/README.md", "lexicons/README.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        let mut in_sh = false;
        let mut joined = String::new();
        for line in text.lines() {
            if line.starts_with("```") {
                in_sh = line == "```sh";
                continue;
            }
            if !in_sh {
                continue;
            }
            let code = line.split("  #").next().unwrap().trim_end();
            match code.strip_suffix('\\') {
                Some(part) => joined.push_str(part),
                None => examples.push(std::mem::take(&mut joined) + code),
            }
        }
        for named in text.split('`').skip(1).step_by(2) {
            let bare =
                named.split_whitespace().all(|w| !w.chars().any(|c| c.is_ascii_uppercase() || "[]|…$".contains(c)));
            if named.starts_with("yuqing ") && bare {
                examples.push(named.to_string());
            }
        }
    }
    let mut ran = 0;
    for example in examples {
        let Some(at) = ["cargo run --release -- ", "target/release/yuqing ", "yuqing "]
            .iter()
            .find_map(|p| example.find(p).map(|i| (i, p.len())))
        else {
            continue;
        };
        let (before, command) = (example[..at.0].trim(), &example[at.0 + at.1..]);
        if !before.is_empty() && !before.starts_with("echo ") {
            continue; // `yuqing` inside a sentence of a longer line
        }
        let args = shell_words(command);
        if let Some(why) = not_run_here(&args, &example, before.starts_with("echo ")) {
            eprintln!("not run here ({why}): {example}");
            continue;
        }
        let input = before.strip_prefix("echo ").map(|e| shell_words(e.trim_end_matches('|').trim()).join(" ") + "\n");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
        cmd.args(&args).current_dir(dir).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
        let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.unwrap_or_default().as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "README example failed: {example}\n{stderr}");
        // It printed something, or wrote the file it was asked to (`-o FILE`).
        let written = args.iter().position(|a| a == "-o" || a == "--out").and_then(|i| args.get(i + 1));
        match written {
            Some(file) => {
                assert!(std::fs::metadata(dir.join(file)).is_ok_and(|m| m.len() > 0), "{example} wrote nothing")
            }
            None => assert!(!stdout.trim().is_empty(), "README example printed nothing: {example}"),
        }
        if args[0] == "score" {
            for shown in [r#""label":"negative""#, r#""category":"quality""#, r#""category":"service""#] {
                assert!(stdout.contains(shown), "the README shows {shown} for `{example}`: {stdout}");
            }
        }
        eprintln!("ran: {example}");
        ran += 1;
    }
    assert!(ran >= 6, "the README's examples were found: {ran} ran");
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
    every_readme_example_works(&dir);
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
