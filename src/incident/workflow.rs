//! The team's work on an incident: acknowledge it, assign it to a person, note what was judged
//! (研判) and done, move its status (待处理 → 处置中 → 已解决). Each change is checked, applied and
//! written to the incident's log with who and when; the dashboard's forms, the API and
//! `yuqing incidents ack|assign|note|resolve` all come through [`apply`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Incident, IncidentBook, IncidentError};

/// Where the team's handling stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待处理: nobody has taken it on yet.
    #[default]
    Pending,
    /// 处置中: someone is handling it.
    Handling,
    /// 已解决: the team considers it resolved.
    Resolved,
}

impl Status {
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Pending => "待处理",
            Status::Handling => "处置中",
            Status::Resolved => "已解决",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Status, String> {
        match s.trim() {
            "pending" | "待处理" => Ok(Status::Pending),
            "handling" | "处置中" => Ok(Status::Handling),
            "resolved" | "已解决" => Ok(Status::Resolved),
            other => {
                Err(format!("没有 {other:?} 这一状态，可选 pending（待处理）、handling（处置中）、resolved（已解决）"))
            }
        }
    }
}

/// A change the team makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// "I have seen it."
    Ack,
    /// Gives it to a person (who then handles it).
    Assign { to: String },
    /// A note: the judgement (研判) or what was done.
    Note { text: String },
    /// Moves its status.
    Status { status: Status },
    /// Closes the team's handling, with what was done as its note (optional).
    Resolve {
        #[serde(default)]
        text: String,
    },
}

/// The longest name and note accepted.
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_NOTE_CHARS: usize = 4_000;

/// A change with who makes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    #[serde(flatten)]
    pub action: Action,
    pub by: String,
}

/// Checks `change`, applies it to incident `id` at `at`, records it and returns the incident.
pub fn apply(book: &IncidentBook, id: u64, change: &Change, at: Timestamp) -> Result<Incident, IncidentError> {
    let mut incident = book.get(id)?;
    change_incident(&mut incident, change, at)?;
    book.put(&incident)?;
    Ok(incident)
}

/// The change applied to `incident` in memory, with its log entry.
pub fn change_incident(incident: &mut Incident, change: &Change, at: Timestamp) -> Result<(), IncidentError> {
    let id = incident.id;
    let refuse = |reason: String| IncidentError::Refused { id, reason };
    let by = clean(&change.by);
    if by.is_empty() || by.chars().count() > MAX_NAME_CHARS {
        return Err(refuse(format!("请写明是谁做的修改（by：1 到 {MAX_NAME_CHARS} 个字的名字）")));
    }
    let what = match &change.action {
        Action::Ack => {
            if incident.acknowledged.is_none() {
                incident.acknowledged = Some((by.clone(), at));
            }
            "确认收到 (acknowledged)".to_string()
        }
        Action::Assign { to } => {
            let to = clean(to);
            if to.is_empty() || to.chars().count() > MAX_NAME_CHARS {
                return Err(refuse(format!("指派对象须是 1 到 {MAX_NAME_CHARS} 个字的名字")));
            }
            incident.assignee = Some(to.clone());
            if incident.status == Status::Pending {
                incident.status = Status::Handling;
            }
            format!("指派给 {to} (assigned)")
        }
        Action::Note { text } => format!("备注: {}", note_text(text).map_err(refuse)?),
        Action::Status { status } => {
            incident.status = *status;
            format!("状态改为 {}", status.label_zh())
        }
        Action::Resolve { text } => {
            incident.status = Status::Resolved;
            let text = text.trim();
            if text.is_empty() {
                "已解决 (resolved)".to_string()
            } else {
                format!("已解决: {}", note_text(text).map_err(refuse)?)
            }
        }
    };
    incident.note(at, &by, what);
    Ok(())
}

fn note_text(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("备注不能为空".into());
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(format!("备注最多 {MAX_NOTE_CHARS} 个字"));
    }
    Ok(text.chars().filter(|c| !c.is_control() || *c == '\n').collect())
}

/// A name without control characters or surrounding space.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string()
}
