//! E-mail over SMTP (lettre, rustls): the SMTP server comes as a URL from an environment
//! variable (`smtps://user:password@smtp.example.com` for implicit TLS on 465,
//! `smtp://user:password@host:587?tls=required` for STARTTLS, `smtp://host:25` for a local relay),
//! so that the password never sits in the config. A password over an unencrypted connection is
//! refused unless the server is this machine.

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Notice;
use crate::render::Dialect;

/// A configured mailer: where from, where to, and through which server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Mailer {
    /// Checks the SMTP URL and the addresses; the reason names what is wrong.
    pub fn new(smtp_url: &str, url_env: &str, from: Option<&str>, to: &[String]) -> Result<Mailer, String> {
        let url = reqwest::Url::parse(smtp_url).map_err(|e| format!("the SMTP URL in {url_env} is not a URL: {e}"))?;
        let plain = url.scheme() == "smtp" && !url.query_pairs().any(|(k, _)| k == "tls");
        let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if plain && url.password().is_some() && !local {
            return Err(format!(
                "the SMTP URL in {url_env} sends a password without encryption: use smtps:// or add ?tls=required"
            ));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("the SMTP URL in {url_env}: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.ok_or("`from` (the sender's address) is required for e-mail")?;
        let from: Mailbox = from.parse().map_err(|e| format!("from {from:?} is not an e-mail address: {e}"))?;
        if to.is_empty() {
            return Err("`to` (a list of addresses) is required for e-mail".into());
        }
        let to = to
            .iter()
            .map(|a| a.parse::<Mailbox>().map_err(|e| format!("to {a:?} is not an e-mail address: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Mailer { transport, from, to })
    }

    /// Sends the notice: its message as plain text, with its HTML as the alternative when it has one.
    pub async fn send(&self, notice: &Notice) -> Result<(), String> {
        let mut builder = Message::builder().from(self.from.clone()).subject(notice.title.clone());
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let text = notice.text(Dialect::Plain);
        let message = match &notice.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(text, html.clone())),
            None => builder.singlepart(SinglePart::plain(text)),
        }
        .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
    }
}
