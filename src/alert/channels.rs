//! Where alerts go: a generic JSON webhook, Slack incoming webhooks, DingTalk custom robots
//! (markdown; HMAC-SHA256 signature of timestamp and secret), Feishu custom bots (interactive
//! card with lark_md; their own signature rule), WeCom group robots (markdown), and the console.
//! Webhook URLs (they embed the robots' tokens) and secrets come from environment variables,
//! never from the config file. Each channel keeps to its robots' rate (20 messages a minute by
//! default) and retries a failed delivery with backoff.

use std::collections::VecDeque;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::backtest::Alert;
use super::message::{markdown, title};

/// A channel as configured (`[[channel]]` in yuqing.toml).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// webhook, slack, dingtalk, feishu, wecom or console.
    pub kind: ChannelKind,
    /// Its name in reports (default: the kind).
    pub name: Option<String>,
    /// The environment variable holding the webhook URL.
    pub url_env: Option<String>,
    /// The environment variable holding the signing secret (DingTalk, Feishu), when signing is on.
    pub secret_env: Option<String>,
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
    Console,
}

/// Why a channel cannot be used or a message was not delivered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChannelError {
    #[error("channel {channel}: {reason}")]
    Config { channel: String, reason: String },
    #[error("channel {channel}: {reason}")]
    Delivery { channel: String, reason: String },
}

/// What became of one message on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub channel: String,
    pub delivered: bool,
    pub attempts: u32,
    pub error: Option<String>,
}

/// A configured channel with its secrets read and its rate window.
pub struct Channel {
    name: String,
    kind: ChannelKind,
    url: String,
    secret: Option<String>,
    config: ChannelConfig,
    sent: Mutex<VecDeque<Instant>>,
}

impl Channel {
    /// Reads the channel's URL and secret from the environment.
    pub fn new(config: ChannelConfig) -> Result<Channel, ChannelError> {
        let name = config.name.clone().unwrap_or_else(|| format!("{:?}", config.kind).to_lowercase());
        let fail = |reason: String| ChannelError::Config { channel: name.clone(), reason };
        let read = |var: &Option<String>, what: &str| -> Result<Option<String>, ChannelError> {
            var.as_ref()
                .map(|v| {
                    std::env::var(v)
                        .map_err(|_| fail(format!("{what} needs the environment variable {v}, which is not set")))
                })
                .transpose()
        };
        let url = match config.kind {
            ChannelKind::Console => String::new(),
            _ => read(&config.url_env, "the webhook URL")?.ok_or_else(|| fail("url_env is required".into()))?,
        };
        if config.kind != ChannelKind::Console {
            reqwest::Url::parse(&url).map_err(|e| {
                fail(format!("the URL in {} is not a URL: {e}", config.url_env.as_deref().unwrap_or_default()))
            })?;
        }
        let secret = read(&config.secret_env, "the signing secret")?;
        if config.per_minute == 0 || config.attempts == 0 {
            return Err(fail("per_minute and attempts must be at least 1".into()));
        }
        Ok(Channel { name, kind: config.kind, url, secret, config, sent: Mutex::default() })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends `alert`, waiting for the rate window and retrying; never fails, says what happened.
    pub async fn send(&self, client: &reqwest::Client, alert: &Alert) -> Delivery {
        let mut error = None;
        let mut attempts = 0;
        for attempt in 0..self.config.attempts {
            attempts = attempt + 1;
            self.wait_for_rate().await;
            match self.send_once(client, alert).await {
                Ok(()) => return Delivery { channel: self.name.clone(), delivered: true, attempts, error: None },
                Err(e) => {
                    tracing::warn!(channel = %self.name, error = %e, attempt = attempts, "alert delivery failed");
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

    async fn send_once(&self, client: &reqwest::Client, alert: &Alert) -> Result<(), String> {
        if self.kind == ChannelKind::Console {
            println!("{}", markdown(alert));
            return Ok(());
        }
        let (url, body) = payload(self.kind, &self.url, self.secret.as_deref(), alert, jiff::Timestamp::now());
        let request = client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&body).expect("JSON body"))
            .timeout(Duration::from_secs(10));
        let resp = request.send().await.map_err(|e| {
            if e.is_timeout() { "timed out".to_string() } else { format!("cannot reach the webhook: {e}") }
        })?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("HTTP {}: {}", status.as_u16(), text.chars().take(200).collect::<String>()));
        }
        // The robots answer 200 with an error code in the body when they refuse a message.
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let code =
                v.get("errcode").or_else(|| v.get("code")).or_else(|| v.get("StatusCode")).and_then(Value::as_i64);
            if let Some(c) = code.filter(|c| *c != 0) {
                let msg = v.get("errmsg").or_else(|| v.get("msg")).and_then(Value::as_str).unwrap_or_default();
                return Err(format!("refused by the robot: code {c} {msg}"));
            }
        }
        Ok(())
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The URL to post to and the JSON body for `kind`, signed with `secret` at `now` where the
/// robot asks for it.
pub fn payload(
    kind: ChannelKind,
    url: &str,
    secret: Option<&str>,
    alert: &Alert,
    now: jiff::Timestamp,
) -> (String, Value) {
    let (title, text) = (title(alert), markdown(alert));
    match kind {
        ChannelKind::Dingtalk => {
            // DingTalk: sign = base64(HMAC-SHA256(key = secret, "timestamp_ms\nsecret")), URL-encoded.
            let mut url = url.to_string();
            if let Some(secret) = secret {
                let ts = now.as_millisecond();
                let sign = hmac_base64(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes());
                let sign = percent_encoding::utf8_percent_encode(&sign, percent_encoding::NON_ALPHANUMERIC);
                url.push_str(&format!("{}timestamp={ts}&sign={sign}", if url.contains('?') { '&' } else { '?' }));
            }
            (url, json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}}))
        }
        ChannelKind::Feishu => {
            // Feishu: sign = base64(HMAC-SHA256(key = "timestamp_s\nsecret", empty message)), in the body.
            let mut body = json!({
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": title}, "template": "red"},
                    "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": text}}]
                }
            });
            if let Some(secret) = secret {
                let ts = now.as_second();
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(hmac_base64(format!("{ts}\n{secret}").as_bytes(), b""));
            }
            (url.to_string(), body)
        }
        ChannelKind::Wecom => (url.to_string(), json!({"msgtype": "markdown", "markdown": {"content": text}})),
        ChannelKind::Slack => (
            url.to_string(),
            json!({"text": title, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}),
        ),
        ChannelKind::Webhook | ChannelKind::Console => {
            (url.to_string(), json!({"title": title, "markdown": text, "alert": alert}))
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
