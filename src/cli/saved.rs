//! `yuqing saved`: the saved searches (舆情专题) — list them with their matches and those new
//! since last viewed, add one (a query and the search's filters, optionally pushed to a channel
//! every N minutes), remove one. It works on the state directly; while `yuqing run` holds it,
//! the same requests go to the daemon's API (see `yuqing::serve::control`), as for incidents.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{Value, json};
use yuqing::config::Config;
use yuqing::saved::count::counts;
use yuqing::saved::{SavedBook, SavedSearch};
use yuqing::serve::saved_request;
use yuqing::store::{Store, StoreError};

#[derive(Debug, clap::Args)]
pub struct SavedArgs {
    /// What to do; `list` when left out.
    #[command(subcommand)]
    command: Option<SavedCommand>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

/// The arguments with the command decided.
struct Request {
    command: SavedCommand,
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum SavedCommand {
    /// Every saved search: its matches now and those new since it was last viewed.
    List,
    /// Saves a search under NAME: the query syntax of `yuqing search`, and its filters.
    Add(Box<AddArgs>),
    /// Removes a saved search (and what its subscription remembers).
    Rm { name: String },
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    name: String,
    /// Words (all must match), `OR`, `-word`, `"a phrase"`; empty for every mention.
    #[arg(default_value = "")]
    query: String,
    #[arg(long)]
    watch: Option<String>,
    #[arg(long)]
    source: Option<String>,
    /// review, post, question, answer, comment, news.
    #[arg(long)]
    kind: Option<String>,
    /// positive, neutral, negative.
    #[arg(long)]
    sentiment: Option<String>,
    #[arg(long)]
    risk: Option<String>,
    /// anger, fear, sadness, disgust, joy, surprise.
    #[arg(long)]
    emotion: Option<String>,
    /// An aspect (电池), or one with its clause's label (电池:negative).
    #[arg(long)]
    aspect: Option<String>,
    /// A time, kept as written: `2026-11-20`, or relative, `7天前` (then it moves with the days).
    #[arg(long)]
    since: Option<String>,
    #[arg(long)]
    until: Option<String>,
    #[arg(long)]
    author: Option<String>,
    /// Push new matches to this configured channel …
    #[arg(long)]
    channel: Option<String>,
    /// … every this many minutes (default 60).
    #[arg(long, default_value = "60")]
    every: String,
}

impl AddArgs {
    /// The search page's query string these flags make.
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.query);
        let filters = [
            ("watch", &self.watch),
            ("source", &self.source),
            ("kind", &self.kind),
            ("sentiment", &self.sentiment),
            ("risk", &self.risk),
            ("emotion", &self.emotion),
            ("aspect", &self.aspect),
            ("since", &self.since),
            ("until", &self.until),
            ("author", &self.author),
        ];
        for (k, v) in filters {
            if let Some(v) = v {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }

    fn body(&self) -> Value {
        json!({"name": self.name, "query": self.query_string(), "channel": self.channel.clone().unwrap_or_default(), "every": self.every})
    }
}

pub fn run(config: &Config, args: SavedArgs) -> anyhow::Result<ExitCode> {
    let args = Request { command: args.command.unwrap_or(SavedCommand::List), json: args.json };
    let state = match &args.command {
        SavedCommand::Add(_) => Store::open(&config.data.state()).map(Some),
        _ => Store::open_existing(&config.data),
    };
    let answer = match state {
        Ok(None) => json!([]),
        Ok(Some(store)) => locally(config, &SavedBook::new(store), &args.command)?,
        Err(StoreError::Locked { .. }) => through_daemon(config, &args.command)?,
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &args.command {
        SavedCommand::List => {
            let all = answer.as_array().cloned().unwrap_or_default();
            for s in &all {
                writeln!(out, "{}", line(s))?;
            }
            if all.is_empty() {
                writeln!(out, "no saved searches")?;
            }
        }
        SavedCommand::Add(a) => writeln!(out, "saved {:?}: {}", a.name, answer["query"].as_str().unwrap_or(""))?,
        SavedCommand::Rm { name } => writeln!(out, "removed {name:?}")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The answer from the state itself (as the API would give it).
fn locally(config: &Config, book: &SavedBook, command: &SavedCommand) -> anyhow::Result<Value> {
    match command {
        SavedCommand::List => list(config, book),
        SavedCommand::Add(a) => {
            let channels: Vec<String> = config.channels.iter().map(|c| c.display_name()).collect();
            let subscription = (a.channel.as_deref().unwrap_or(""), a.every.as_str());
            let watches = &config.watches;
            let (saved, request) =
                SavedSearch::new(&a.name, &a.query_string(), subscription, &channels, (saved_request, watches))?;
            if config.data.has_index() {
                let (_, reader, fields) = super::open_existing_index(config)?;
                yuqing::index::search::checked_request(&reader.searcher(), fields, &request)?;
            }
            book.add(&saved, saved_request, watches)?;
            Ok(serde_json::to_value(saved)?)
        }
        SavedCommand::Rm { name } => {
            book.remove(name)?;
            Ok(json!({"removed": name}))
        }
    }
}

/// Every saved search with its counts (when there is an index to count in).
fn list(config: &Config, book: &SavedBook) -> anyhow::Result<Value> {
    let all = book.list()?;
    let index =
        if config.data.has_index() && !all.is_empty() { Some(super::open_existing_index(config)?) } else { None };
    let mut out = Vec::new();
    for saved in all {
        let mut v = serde_json::to_value(&saved)?;
        if let Some((_, reader, fields)) = &index {
            let view = book.view(&saved.name)?;
            match saved_request(&saved.query, &config.watches) {
                Ok(r) => {
                    let c = counts(&reader.searcher(), *fields, &r, view.as_ref())?;
                    (v["total"], v["new"]) = (json!(c.total), json!(c.new));
                }
                Err(e) => v["error"] = json!(e),
            }
        }
        out.push(v);
    }
    Ok(Value::Array(out))
}

/// The answer from the running daemon's API.
fn through_daemon(config: &Config, command: &SavedCommand) -> anyhow::Result<Value> {
    super::ask_daemon(config, async |c| match command {
        SavedCommand::List => c.get("/api/saved").await,
        SavedCommand::Add(a) => c.post("/api/saved", &a.body()).await,
        SavedCommand::Rm { name } => {
            let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
            c.delete(&format!("/api/saved/{encoded}")).await
        }
    })
}

/// One saved search in a line.
fn line(s: &Value) -> String {
    let count = |k: &str| s[k].as_u64().map_or("-".to_string(), |n| n.to_string());
    let push = match s["subscription"].as_object() {
        Some(sub) => format!("push {} every {} min", sub["channel"].as_str().unwrap_or(""), sub["every_minutes"]),
        None => "no push".into(),
    };
    let query = s["query"].as_str().unwrap_or("");
    let shown: Vec<String> = url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| format!("{k}={v}")).collect();
    let error = s["error"].as_str().map(|e| format!("  ({e})")).unwrap_or_default();
    format!(
        "{}  matches {}  new {}  {push}  {}{error}",
        s["name"].as_str().unwrap_or(""),
        count("total"),
        count("new"),
        shown.join(" ")
    )
}
