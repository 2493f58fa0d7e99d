//! `yuqing backtest`: the alerts the spike detector would have raised for a watch (or each) over a period
//! of indexed history, with their evidence, and the incidents they would have opened.

use std::io::Write;
use std::process::ExitCode;

use yuqing::alert::channels::{Channel, Notice, send_all};
use yuqing::alert::{BacktestRequest, backtest};
use yuqing::config::Config;
use yuqing::incident::replay::replay;
use yuqing::incident::scope::Scoper;
use yuqing::time::local_minute;

use super::period::PeriodArgs;

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The watch to replay (a `[[watch]]` name in the config); every watch when left out.
    #[arg(long)]
    watch: Option<String>,
    #[command(flatten)]
    period: PeriodArgs,
    /// Days of history before each bucket that its expectation may use (default: alerts.history_days).
    #[arg(long)]
    history_days: Option<i64>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
    /// Also send each alert found through the configured channels (to try them out).
    #[arg(long)]
    send: bool,
}

pub fn run(config: &Config, args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let watches: Vec<&yuqing::watch::Watch> = match &args.watch {
        Some(name) => vec![super::find_watch(config, name)?],
        None => config.watches.iter().collect(),
    };
    anyhow::ensure!(!watches.is_empty(), "no [[watch]] in the config: nothing to replay");
    let (since, until) = args.period.resolve()?;
    let mut rules = config.alerts.clone();
    if let Some(days) = args.history_days {
        anyhow::ensure!(days >= 1, "--history-days must be at least 1");
        rules.history_days = days;
    }
    let (analyzer, reader, fields) = super::open_existing_index(config)?;
    let searcher = reader.searcher();
    let mut failed = false;
    let mut out = std::io::stdout().lock();
    for watch in watches {
        let request = BacktestRequest { watch: watch.clone(), since, until, rules: rules.clone() };
        let alerts = backtest(&searcher, fields, &analyzer.text, &request)?;
        let scoper = Scoper {
            searcher: &searcher,
            fields,
            text: &analyzer.text,
            alerts: &request.rules,
            rules: &config.incidents,
        };
        let incidents = replay(&scoper, watch, &alerts, until.min(jiff::Timestamp::now()))?;
        failed |= args.send && send(config, &alerts)?;
        if args.json {
            for a in &alerts {
                writeln!(out, "{}", serde_json::to_string(a)?)?;
            }
            for i in &incidents {
                writeln!(out, "{}", serde_json::to_string(&serde_json::json!({ "incident": i }))?)?;
            }
        } else {
            table(&mut out, watch, since, until, &alerts, &incidents)?;
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Sends each alert through the configured channels; whether any delivery failed.
fn send(config: &Config, alerts: &[yuqing::alert::Alert]) -> anyhow::Result<bool> {
    let mut failed = false;
    anyhow::ensure!(!config.channels.is_empty(), "--send: no [[channel]] in the config");
    let channels = Channel::all(&config.channels)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = reqwest::Client::new();
    for a in alerts {
        for d in runtime.block_on(send_all(&channels, &client, &Notice::alert(a))) {
            failed |= !d.delivered;
            match &d.error {
                None => {
                    eprintln!("sent {} to {} ({} attempts)", local_minute(a.verdict.start), d.channel, d.attempts)
                }
                Some(e) => eprintln!(
                    "NOT sent {} to {}: {e} ({} attempts)",
                    local_minute(a.verdict.start),
                    d.channel,
                    d.attempts
                ),
            }
        }
    }
    Ok(failed)
}

/// The alerts and the incidents as a table.
fn table(
    out: &mut impl Write,
    watch: &yuqing::watch::Watch,
    since: jiff::Timestamp,
    until: jiff::Timestamp,
    alerts: &[yuqing::alert::Alert],
    incidents: &[yuqing::incident::replay::Replayed],
) -> anyhow::Result<()> {
    writeln!(
        out,
        "{}: {} alerts from {} to {} (Asia/Shanghai)",
        watch.name,
        alerts.len(),
        local_minute(since),
        local_minute(until)
    )?;
    for a in alerts {
        let v = &a.verdict;
        let terms: Vec<String> =
            a.rising_terms.iter().map(|t| format!("{} {}←{}", t.term, t.mentions, t.before)).collect();
        writeln!(
            out,
            "{}  {:<8} negative {} vs {:.1} expected (p={:.1e}, basis: {}), negative share {:.0}% vs {:.0}% usual; rising: {}",
            local_minute(v.start),
            v.severity.map_or("", super::severity_word),
            v.observed,
            v.expected,
            v.p_value,
            v.basis.label_zh(),
            100.0 * v.negative_share,
            100.0 * v.usual_share,
            if terms.is_empty() { "-".to_string() } else { terms.join(", ") }
        )?;
    }
    writeln!(out, "{} incident(s) these alerts would have opened:", incidents.len())?;
    for i in incidents {
        let end = i
            .ended_at
            .map_or_else(|| format!("not ended ({})", i.phase.label_zh()), |e| format!("ended {}", local_minute(e)));
        let peak = i.peak.map_or("-".to_string(), |(at, n)| format!("{} ({n} in the hour)", local_minute(at)));
        writeln!(
            out,
            "#{}  started {}  peak {}  {}  {} alert(s){}; terms: {}",
            i.id,
            local_minute(i.start),
            peak,
            end,
            i.alerts,
            if i.reopened > 0 { format!(", reopened {} time(s)", i.reopened) } else { String::new() },
            i.scope.terms.join(", ")
        )?;
    }
    Ok(())
}
