//! `yuqing incidents`: the incidents, one's evidence, and the team's changes (ack, assign, note,
//! status, resolve). It reads and writes the state directly; while `yuqing run` holds it, the
//! same requests go to the daemon's API (see `yuqing::serve::control`).

use std::io::Write;
use std::process::ExitCode;
use yuqing::index::stats::AspectCount;
use yuqing::render::shares::{aspect_shares, emotion_shares};
use yuqing::sentiment::Emotion;

use serde_json::{Value, json};
use yuqing::config::Config;
use yuqing::incident::workflow::{Change, apply};
use yuqing::incident::{Action, IncidentBook, Status};
use yuqing::store::StoreError;

#[derive(Debug, clap::Args)]
pub struct IncidentsArgs {
    #[command(subcommand)]
    command: Option<IncidentCommand>,
    /// Only this watch's incidents (the list).
    #[arg(long)]
    watch: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum IncidentCommand {
    /// One incident's scope and evidence.
    Show { id: u64 },
    /// "I have seen it."
    Ack {
        id: u64,
        #[command(flatten)]
        by: By,
    },
    /// Gives it to a person.
    Assign {
        id: u64,
        to: String,
        #[command(flatten)]
        by: By,
    },
    /// Adds a note: the judgement (研判) or what was done.
    Note {
        id: u64,
        text: String,
        #[command(flatten)]
        by: By,
    },
    /// Moves its status: pending (待处理), handling (处置中) or resolved (已解决).
    Status {
        id: u64,
        status: Status,
        #[command(flatten)]
        by: By,
    },
    /// Marks it resolved, with what was done.
    Resolve {
        id: u64,
        #[arg(default_value = "")]
        text: String,
        #[command(flatten)]
        by: By,
    },
}

#[derive(Debug, clap::Args)]
struct By {
    /// Who makes the change (default: $USER).
    #[arg(long)]
    by: Option<String>,
}

impl By {
    fn name(&self) -> String {
        self.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".into())
    }
}

/// What to ask: a read (an API path) or a change.
enum Ask {
    List,
    Show(u64),
    Change(u64, Change),
}

fn ask(command: Option<IncidentCommand>) -> Ask {
    let change = |id, action, by: By| Ask::Change(id, Change { action, by: by.name() });
    match command {
        None => Ask::List,
        Some(IncidentCommand::Show { id }) => Ask::Show(id),
        Some(IncidentCommand::Ack { id, by }) => change(id, Action::Ack, by),
        Some(IncidentCommand::Assign { id, to, by }) => change(id, Action::Assign { to }, by),
        Some(IncidentCommand::Note { id, text, by }) => change(id, Action::Note { text }, by),
        Some(IncidentCommand::Status { id, status, by }) => change(id, Action::Status { status }, by),
        Some(IncidentCommand::Resolve { id, text, by }) => change(id, Action::Resolve { text }, by),
    }
}

pub fn run(config: &Config, args: IncidentsArgs) -> anyhow::Result<ExitCode> {
    if let Some(w) = &args.watch {
        super::find_watch(config, w)?;
    }
    let what = ask(args.command);
    let answer = match IncidentBook::open_existing(&config.data) {
        Ok(None) => anyhow::bail!("no incidents at {}: `yuqing run` keeps them there", config.data.state().display()),
        Ok(Some(book)) => locally(config, &book, &what)?,
        Err(StoreError::Locked { .. }) => through_daemon(config, &what)?,
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    match what {
        Ask::List => {
            let all = answer.as_array().cloned().unwrap_or_default();
            let shown: Vec<&Value> =
                all.iter().filter(|i| args.watch.as_ref().is_none_or(|w| i["watch"] == *w)).collect();
            for i in &shown {
                writeln!(out, "{}", line(i))?;
            }
            if shown.is_empty() {
                writeln!(out, "no incidents")?;
            }
        }
        Ask::Show(_) => write!(out, "{}", evidence_text(&answer))?,
        Ask::Change(..) => writeln!(
            out,
            "{}\nlast change: {}",
            line(&answer),
            answer["log"].as_array().and_then(|l| l.last()).map_or(String::new(), |l| format!(
                "{} {}",
                l["by"].as_str().unwrap_or(""),
                l["what"].as_str().unwrap_or("")
            ))
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The answer from the state itself.
fn locally(config: &Config, book: &IncidentBook, what: &Ask) -> anyhow::Result<Value> {
    Ok(match what {
        Ask::List => serde_json::to_value(book.list(None)?)?,
        Ask::Show(id) => {
            let incident = book.get(*id)?;
            let (analyzer, reader, fields) = super::open_existing_index(config)?;
            let aliases =
                config.watches.iter().find(|w| w.name == incident.watch).map(|w| w.aliases.clone()).unwrap_or_default();
            let e = yuqing::incident::evidence::gather(
                &reader.searcher(),
                fields,
                &analyzer.text,
                &aliases,
                &incident,
                jiff::Timestamp::now(),
            )?;
            serde_json::to_value(e)?
        }
        Ask::Change(id, change) => serde_json::to_value(apply(book, *id, change, jiff::Timestamp::now())?)?,
    })
}

/// The answer from the running daemon's API.
fn through_daemon(config: &Config, what: &Ask) -> anyhow::Result<Value> {
    super::ask_daemon(config, async |c| match what {
        Ask::List => c.get("/api/incidents").await,
        Ask::Show(id) => c.get(&format!("/api/incidents/{id}")).await,
        Ask::Change(id, change) => c.post(&format!("/api/incidents/{id}"), &json!(change)).await,
    })
}

/// One incident in a line.
fn line(i: &Value) -> String {
    let s = |k: &str| i[k].as_str().unwrap_or("").to_string();
    let phase: yuqing::incident::Phase =
        serde_json::from_value(i["phase"].clone()).unwrap_or(yuqing::incident::Phase::Growing);
    let status: Status = serde_json::from_value(i["status"].clone()).unwrap_or_default();
    let start = local(&i["start"]);
    format!(
        "#{:<4} {}  {}  {} / {}  assignee {}  terms {}",
        i["id"],
        start,
        s("watch"),
        phase.label_zh(),
        status.label_zh(),
        i["assignee"].as_str().unwrap_or("-"),
        i["scope"]["terms"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
            .unwrap_or_default()
    )
}

/// An RFC 3339 time of the answer as local time.
fn local(v: &Value) -> String {
    v.as_str().and_then(|t| t.parse().ok()).map(yuqing::time::local_minute).unwrap_or_default()
}

/// The evidence as text.
fn evidence_text(e: &Value) -> String {
    let mut s = format!("{}\n", line(&e["incident"]));
    let t = &e["totals"];
    s.push_str(&format!("mentions {}  accounts {}  engagement {}\n", t["mentions"], t["accounts"], t["engagement"]));
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    s.push_str("sources:");
    for pair in list(&e["sources"]) {
        s.push_str(&format!(" {} {}", pair[0].as_str().unwrap_or(""), pair[1]));
    }
    s.push_str("\nfirst posts:\n");
    for p in list(&e["first_posts"]) {
        s.push_str(&format!(
            "  {}  {}  {}\n",
            local(&p["published_at"]),
            p["source"].as_str().unwrap_or(""),
            p["text"].as_str().unwrap_or("")
        ));
    }
    s.push_str("spreaders:\n");
    for p in list(&e["spreaders"]) {
        s.push_str(&format!(
            "  {}  ({})  followers {}  mentions {}  engagement {}\n",
            p["author"].as_str().unwrap_or(""),
            p["source"].as_str().unwrap_or(""),
            p["followers"].as_u64().map_or("-".into(), |f| f.to_string()),
            p["mentions"],
            p["engagement"]
        ));
    }
    s.push_str("copy-paste waves:\n");
    for w in list(&e["waves"]) {
        s.push_str(&format!(
            "  {} mentions, {} accounts: {}\n",
            w["mentions"],
            w["accounts"],
            w["text"].as_str().unwrap_or("").chars().take(50).collect::<String>()
        ));
    }
    s.push_str("rising terms:");
    for r in list(&e["rising_terms"]) {
        s.push_str(&format!(" {} {}", r["term"].as_str().unwrap_or(""), r["mentions"]));
    }
    let emotions: Vec<(Emotion, u64)> = serde_json::from_value(e["emotions"].clone()).unwrap_or_default();
    let aspects: Vec<AspectCount> = serde_json::from_value(e["aspects"].clone()).unwrap_or_default();
    s.push_str(&format!("\nemotions: {}", emotion_shares(&emotions, emotions.len()).unwrap_or_else(|| "none".into())));
    s.push_str(&format!("\naspects: {}", aspect_shares(&aspects, aspects.len()).unwrap_or_else(|| "none".into())));
    s.push_str("\nlog:\n");
    for l in list(&e["incident"]["log"]) {
        s.push_str(&format!(
            "  {}  {}  {}\n",
            local(&l["at"]),
            l["by"].as_str().unwrap_or(""),
            l["what"].as_str().unwrap_or("")
        ));
    }
    s
}
