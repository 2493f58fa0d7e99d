//! `yuqing demo`: runs the whole job on the built-in demo site and says where everything is.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use yuqing::alert::message::{message, title};
use yuqing::crawl::Progress;
use yuqing::demo;
use yuqing::render::Dialect;
use yuqing::time::local_minute;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The demo's directory (config, sources, index, state, digests); replaced on each run.
    #[arg(long, default_value = "yuqing-demo")]
    dir: PathBuf,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let prepared = demo::prepare(&args.dir)?;
    let hook = format!("{}/webhook", prepared.origin);
    // SAFETY: no other thread runs yet (the runtime and the progress display start below).
    unsafe { std::env::set_var(demo::WEBHOOK_ENV, &hook) };
    let progress = Arc::new(Progress::default());
    let ticker = super::progress::Ticker::start(progress.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let report = runtime.block_on(demo::run(prepared, progress, |s| ticker.stage(s)));
    ticker.finish();
    let r = report?;

    let config = r.config_path.display().to_string();
    print_run(&r);
    print_alerts(&r);
    print_incident(&r, &config);
    print_findings(&r, &config);
    println!("\nFinished in {:.1} s.", started.elapsed().as_secs_f64());
    let ok = !r.alerts.is_empty() && r.crawl.iter().all(|c| c.errors.is_empty());
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// What the demo served and how the daemon crawled it.
fn print_run(r: &demo::DemoReport) {
    println!("yuqing demo: three fictional phone brands (极光, 星河, 青橙) over four weeks, with a battery-fire");
    println!("crisis on 极光 X5 in the last 30 hours, served by a demo site at {}.\n", r.origin);
    let new: u64 = r.crawl.iter().map(|c| c.new).sum();
    println!(
        "The daemon of `yuqing run` lived the last {} hours on the demo's clock, crawling every source each hour",
        r.steps - 1
    );
    println!("through sources/demo/: {} items served, {new} mentions indexed:", r.served);
    for c in &r.crawl {
        println!("  {:<10} {:>4} pages, {:>5} new, {} errors", c.source, c.pages, c.new, c.errors.len());
        for e in &c.errors {
            println!("      {} {}", e.url, e.reason);
        }
    }
}

/// The alerts the daemon raised, the first as the webhook got it.
fn print_alerts(r: &demo::DemoReport) {
    println!();
    match r.alerts.first() {
        None => println!("No alert was raised (the crisis should have raised one: please report this)."),
        Some(first) => {
            println!(
                "{} alert(s) raised; the first, as sent to the demo webhook ({} message(s) received):\n",
                r.alerts.len(),
                r.webhook.iter().filter(|m| m.get("alert").is_some()).count()
            );
            for line in message(&first.alert).document(&title(&first.alert), Dialect::Plain).lines() {
                println!("{}", if line.is_empty() { String::new() } else { format!("  {line}") });
            }
            for a in &r.alerts[1..] {
                let v = &a.alert.verdict;
                println!(
                    "  then {} {}: {} negative vs {:.1} expected",
                    local_minute(v.start),
                    a.alert.watch,
                    v.observed,
                    v.expected
                );
            }
        }
    }
}

/// The incident the crisis opened: where it stands, its first update as sent, and how to work it.
fn print_incident(r: &demo::DemoReport, config: &str) {
    let Some(i) = r.incidents.last() else { return };
    let updates: Vec<&serde_json::Value> = r.webhook.iter().filter(|m| m.get("incident_update").is_some()).collect();
    println!(
        "\nThe first alert opened incident #{} ({}): now {}, {} later alert(s) joined it, {} update(s) followed.",
        i.id,
        i.watch,
        i.phase.label_zh(),
        i.triggers.len().saturating_sub(1),
        updates.len()
    );
    if let Some(u) = updates.first() {
        println!("The first update, as the webhook got it:\n");
        for line in u["text"].as_str().or(u["markdown"].as_str()).unwrap_or_default().lines() {
            println!("{}", if line.is_empty() { String::new() } else { format!("  {line}") });
        }
    }
    println!(
        "\nIts page, with the dashboard running (the `serve` command below): http://127.0.0.1:8080/incidents/{}",
        i.id
    );
    println!("Work it (from another terminal too, while `yuqing run` holds the data):");
    println!("  yuqing --config {config} incidents show {}", i.id);
    println!("  yuqing --config {config} incidents ack {} --by 值班", i.id);
    println!("  yuqing --config {config} incidents note {} \"已联系检测机构，准备声明\" --by 值班", i.id);
    println!("  yuqing --config {config} incidents resolve {} \"已发布声明并启动召回\" --by 值班", i.id);
}

/// The digest's headlines, the sample search, where everything is, what to try next.
fn print_findings(r: &demo::DemoReport, config: &str) {
    println!();
    if let Some((d, path)) = r.digests.first() {
        println!("Weekly digest of {} ({}):", d.watch, path.display());
        for h in &d.headlines {
            println!("  - {h}");
        }
        println!();
    }
    println!(
        "Sample search: yuqing --config {config} search \"{}\" --watch 极光 --sort engagement --collapse",
        r.sample_query
    );
    for h in &r.sample {
        println!("  {}  {}  {}", local_minute(h.published_at), h.snippet, h.url);
    }
    println!();
    println!("Where things are:");
    println!("  config and sources  {}", r.dir.display());
    println!("  index               {}", r.dir.join("data/index").display());
    println!("  alert history       yuqing --config {config} alerts");
    for (_, path) in &r.digests {
        println!("  digest              {}", path.display());
    }
    println!();
    println!("Explore further:");
    println!("  yuqing --config {config} search 召回 --watch 极光 --since '3 days ago'");
    println!("  yuqing --config {config} stats --watch 极光 --days 7");
    println!("  yuqing --config {config} backtest --watch 极光 --days 3");
    println!("  yuqing --config {config} digest --watch 星河 --format md");
    println!("  yuqing --config {config} serve          # the dashboard");
}
