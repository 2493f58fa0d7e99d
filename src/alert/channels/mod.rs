//! Where alerts and digests go: a generic JSON webhook, Slack incoming webhooks, DingTalk custom
//! robots, Feishu custom bots, WeCom group robots ([`robots`]), e-mail over SMTP ([`email`]) and
//! the console. Webhook and SMTP URLs (they embed tokens and passwords) and signing secrets come
//! from environment variables, never from the config file. Each channel keeps to its robots'
//! rate (20 messages a minute by default) and retries a failed delivery with backoff. A notice
//! is written in no markup dialect; each channel renders it in its own (the console as plain
//! text, each robot in the Markdown dialect it documents).

mod email;
mod robots;

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

pub use robots::payload;

use super::backtest::Alert;
use super::message::{message, title};
use crate::render::{Dialect, Message};

/// A channel as configured (`[[channel]]` in yuqing.toml).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// webhook, slack, dingtalk, feishu, wecom, email or console.
    pub kind: ChannelKind,
    /// Its name in reports (default: the kind).
    pub name: Option<String>,
    /// The environment variable holding the webhook URL (for e-mail: the SMTP URL).
    pub url_env: Option<String>,
    /// The environment variable holding the signing secret (DingTalk, Feishu), when signing is on.
    pub secret_env: Option<String>,
    /// E-mail only: the sender, e.g. `舆情 <yuqing@example.com>`.
    pub from: Option<String>,
    /// E-mail only: the recipients.
    #[serde(default)]
    pub to: Vec<String>,
    /// At most this many messages a minute (DingTalk, Feishu and WeCom robots allow about 20).
    #[serde(default = "default_per_minute")]
    pub per_minute: u32,
    /// Attempts per message.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// The first retry waits this long; each next one twice as long.
    #[serde(default = "default_retry_ms")]
    pub retry_ms: u64,
}

const fn default_per_minute() -> u32 {
    20
}

const fn default_attempts() -> u32 {
    3
}

const fn default_retry_ms() -> u64 {
    1000
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Webhook,
    Slack,
    Dingtalk,
    Feishu,
    Wecom,
    Email,
    Console,
}

impl ChannelConfig {
    /// The channel's name: its `name`, else its kind.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("{:?}", self.kind).to_lowercase())
    }

    /// What the config itself gets wrong (before any environment variable is read).
    pub fn validate(&self) -> Result<(), String> {
        if self.kind != ChannelKind::Console && self.url_env.is_none() {
            let what = if self.kind == ChannelKind::Email { "the SMTP URL" } else { "the webhook URL" };
            return Err(format!("url_env names the variable that holds {what}"));
        }
        if self.per_minute == 0 || self.attempts == 0 {
            return Err("per_minute and attempts must be at least 1".into());
        }
        if self.per_minute > 600 || self.attempts > 10 || self.retry_ms > 60_000 {
            return Err("per_minute is at most 600, attempts at most 10, retry_ms at most 60000".into());
        }
        if self.kind == ChannelKind::Email && (self.from.is_none() || self.to.is_empty()) {
            return Err("e-mail needs `from` and `to`".into());
        }
        if self.kind != ChannelKind::Email && (self.from.is_some() || !self.to.is_empty()) {
            return Err("`from` and `to` are for e-mail channels only".into());
        }
        Ok(())
    }
}

/// Checks every `[[channel]]` table, and that no two share a name.
pub fn validate_channels(channels: &[ChannelConfig]) -> Result<(), crate::setting::Invalid> {
    let mut names = Vec::new();
    for c in channels {
        let name = c.display_name();
        let invalid = |reason: String| crate::setting::Invalid::new("channel", reason);
        if names.contains(&name) {
            return Err(invalid(format!("two channels are named {name:?}: give them distinct `name`s")));
        }
        c.validate().map_err(|reason| invalid(format!("{name}: {reason}")))?;
        names.push(name);
    }
    Ok(())
}

/// Why a channel cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("channel {channel}: {reason}")]
pub struct ChannelError {
    pub channel: String,
    pub reason: String,
}

/// What became of one message on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub channel: String,
    pub delivered: bool,
    pub attempts: u32,
    pub error: Option<String>,
}

/// One message for every channel, each rendering it in its own dialect
/// ([`crate::render::Dialect`]).
///
/// - `title`: one line, plain text (the e-mail subject, the card header, the heading of the rest).
/// - `markdown`: the message in no markup dialect ([`Message`]: lines, list items, links); the
///   console and e-mail text get it as plain text, each robot in its own Markdown dialect
///   ([`Notice::text`], [`payload`]), the JSON webhook as CommonMark. (Named for when it was one
///   Markdown string.)
/// - `html`: an HTML version for e-mail, when there is one (digests).
/// - `what` and `data`: the JSON webhook's key for the data ("alert", "digest") and the data.
#[derive(Debug, Clone)]
pub struct Notice {
    pub title: String,
    pub markdown: Message,
    pub html: Option<String>,
    /// The webhook body's key for `data`: "alert" or "digest".
    pub what: &'static str,
    pub data: Value,
}

impl Notice {
    pub fn alert(a: &Alert) -> Notice {
        Notice {
            title: title(a),
            markdown: message(a),
            html: None,
            what: "alert",
            data: serde_json::to_value(a).expect("alerts serialize"),
        }
    }

    /// The title and the message as one text in `dialect`.
    pub fn text(&self, dialect: Dialect) -> String {
        self.markdown.document(&self.title, dialect)
    }
}

/// Sends `notice` through every channel, one after another; one delivery each.
pub async fn send_all(channels: &[Channel], client: &reqwest::Client, notice: &Notice) -> Vec<Delivery> {
    let mut deliveries = Vec::with_capacity(channels.len());
    for c in channels {
        deliveries.push(c.send(client, notice).await);
    }
    deliveries
}

enum Target {
    Console,
    Robot { url: String, secret: Option<String> },
    Email(Box<email::Mailer>),
}

/// A configured channel with its secrets read and its rate window.
pub struct Channel {
    name: String,
    kind: ChannelKind,
    target: Target,
    config: ChannelConfig,
    sent: Mutex<VecDeque<Instant>>,
}

impl Channel {
    /// Reads the channel's URL and secret from the environment.
    pub fn new(config: ChannelConfig) -> Result<Channel, ChannelError> {
        let name = config.display_name();
        let fail = |reason: String| ChannelError { channel: name.clone(), reason };
        config.validate().map_err(fail)?;
        let read = |var: &Option<String>, what: &str| -> Result<Option<String>, ChannelError> {
            var.as_ref()
                .map(|v| {
                    std::env::var(v)
                        .map_err(|_| fail(format!("{what} needs the environment variable {v}, which is not set")))
                })
                .transpose()
        };
        let url_env = config.url_env.clone().unwrap_or_default();
        let target = match config.kind {
            ChannelKind::Console => Target::Console,
            ChannelKind::Email => {
                let url = read(&config.url_env, "the SMTP URL")?.unwrap_or_default();
                Target::Email(Box::new(
                    email::Mailer::new(&url, &url_env, config.from.as_deref(), &config.to).map_err(fail)?,
                ))
            }
            _ => {
                let url = read(&config.url_env, "the webhook URL")?.unwrap_or_default();
                reqwest::Url::parse(&url).map_err(|e| fail(format!("the URL in {url_env} is not a URL: {e}")))?;
                Target::Robot { url, secret: read(&config.secret_env, "the signing secret")? }
            }
        };
        Ok(Channel { name, kind: config.kind, target, config, sent: Mutex::default() })
    }

    /// Every configured channel, or the first that cannot be used.
    pub fn all(configs: &[ChannelConfig]) -> Result<Vec<Channel>, ChannelError> {
        configs.iter().cloned().map(Channel::new).collect()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> ChannelKind {
        self.kind
    }

    /// Sends `notice`, waiting for the rate window and retrying; never fails, says what happened.
    pub async fn send(&self, client: &reqwest::Client, notice: &Notice) -> Delivery {
        let mut error = None;
        let mut attempts = 0;
        for attempt in 0..self.config.attempts {
            attempts = attempt + 1;
            self.wait_for_rate().await;
            match self.send_once(client, notice).await {
                Ok(()) => return Delivery { channel: self.name.clone(), delivered: true, attempts, error: None },
                Err(e) => {
                    tracing::warn!(channel = %self.name, error = %e, attempt = attempts, "delivery failed");
                    error = Some(e);
                    if attempt + 1 < self.config.attempts {
                        tokio::time::sleep(Duration::from_millis(self.config.retry_ms << attempt.min(8))).await;
                    }
                }
            }
        }
        Delivery { channel: self.name.clone(), delivered: false, attempts, error }
    }

    /// Waits until fewer than `per_minute` messages left in the last minute.
    async fn wait_for_rate(&self) {
        let mut sent = self.sent.lock().await;
        let window = Duration::from_secs(60);
        let now = Instant::now();
        while sent.front().is_some_and(|t| now.duration_since(*t) >= window) {
            sent.pop_front();
        }
        if sent.len() >= self.config.per_minute as usize
            && let Some(oldest) = sent.pop_front()
        {
            tokio::time::sleep_until(oldest + window).await;
        }
        sent.push_back(Instant::now());
    }

    async fn send_once(&self, client: &reqwest::Client, notice: &Notice) -> Result<(), String> {
        match &self.target {
            Target::Console => {
                print!("{}", notice.text(Dialect::Plain));
                Ok(())
            }
            Target::Email(mailer) => mailer.send(notice).await,
            Target::Robot { url, secret } => {
                let (url, body) = payload(self.kind, url, secret.as_deref(), notice, jiff::Timestamp::now());
                robots::post(client, &url, &body).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_channel_keeps_to_its_rate() {
        let config = ChannelConfig {
            kind: ChannelKind::Console,
            name: None,
            url_env: None,
            secret_env: None,
            from: None,
            to: Vec::new(),
            per_minute: 2,
            attempts: 1,
            retry_ms: 10,
        };
        let channel = Channel::new(config).unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            channel.wait_for_rate().await;
        }
        // The third message of the minute waits for the first to leave the window.
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        channel.wait_for_rate().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        channel.wait_for_rate().await;
        assert_eq!(start.elapsed(), Duration::from_secs(120));
    }
}
