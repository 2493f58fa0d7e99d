//! The chat robots' and webhooks' message shapes and signature rules: DingTalk custom robots
//! (markdown; HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, in the URL), Feishu custom
//! bots (interactive card with lark_md; HMAC-SHA256 keyed by "timestamp\nsecret" over nothing, in
//! the body), WeCom group robots (markdown), Slack incoming webhooks (mrkdwn blocks) and a
//! generic JSON webhook that also carries the notice's data. Each gets the notice in its own
//! dialect ([`Dialect`]): the escaping, links and headings its documentation describes.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{ChannelKind, Notice};
use crate::render::{Dialect, escape};

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
    notice: &Notice,
    now: jiff::Timestamp,
) -> (String, Value) {
    let title = &notice.title;
    match kind {
        ChannelKind::Dingtalk => {
            let mut url = url.to_string();
            if let Some(secret) = secret {
                let ts = now.as_millisecond();
                let sign = hmac_base64(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes());
                let sign = percent_encoding::utf8_percent_encode(&sign, percent_encoding::NON_ALPHANUMERIC);
                url.push_str(&format!("{}timestamp={ts}&sign={sign}", if url.contains('?') { '&' } else { '?' }));
            }
            // `title` is what the conversation list shows (plain); the text carries its own heading.
            let text = notice.text(Dialect::DingTalk);
            (url, json!({"msgtype": "markdown", "markdown": {"title": title, "text": text}}))
        }
        ChannelKind::Feishu => {
            // The card's header (plain_text) is the title; the body is lark_md.
            let mut body = json!({
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": title}, "template": "red"},
                    "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": notice.markdown.render(Dialect::LarkMd)}}]
                }
            });
            if let Some(secret) = secret {
                let ts = now.as_second();
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(hmac_base64(format!("{ts}\n{secret}").as_bytes(), b""));
            }
            (url.to_string(), body)
        }
        ChannelKind::Wecom => {
            (url.to_string(), json!({"msgtype": "markdown", "markdown": {"content": notice.text(Dialect::WeCom)}}))
        }
        ChannelKind::Slack => {
            // `text` is the notification's fallback; verbatim: bare URLs and #names in crawled
            // text are not turned into links or mentions.
            let section = json!({"type": "mrkdwn", "text": notice.text(Dialect::Mrkdwn), "verbatim": true});
            (
                url.to_string(),
                json!({"text": escape(title, Dialect::Mrkdwn), "blocks": [{"type": "section", "text": section}]}),
            )
        }
        ChannelKind::Webhook | ChannelKind::Console | ChannelKind::Email => {
            let markdown = notice.text(Dialect::Markdown);
            let mut body = json!({"title": title, "markdown": markdown, "text": notice.text(Dialect::Plain)});
            body[notice.what] = notice.data.clone();
            (url.to_string(), body)
        }
    }
}

/// Posts `body` and reads the robot's answer: robots answer 200 with an error code in the body
/// when they refuse a message.
pub async fn post(client: &reqwest::Client, url: &str, body: &Value) -> Result<(), String> {
    let request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(body).expect("JSON body"))
        .timeout(std::time::Duration::from_secs(10));
    let resp = request
        .send()
        .await
        .map_err(|e| if e.is_timeout() { "timed out".to_string() } else { format!("cannot reach the webhook: {e}") })?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!("HTTP {}: {}", status.as_u16(), text.chars().take(200).collect::<String>()));
    }
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        let code = v.get("errcode").or_else(|| v.get("code")).or_else(|| v.get("StatusCode")).and_then(Value::as_i64);
        if let Some(c) = code.filter(|c| *c != 0) {
            let msg = v.get("errmsg").or_else(|| v.get("msg")).and_then(Value::as_str).unwrap_or_default();
            return Err(format!("refused by the robot: code {c} {msg}"));
        }
    }
    Ok(())
}
