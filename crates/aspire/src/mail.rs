//! Sending the outbox by SMTP, when a mail server is configured. Without one, messages wait in
//! the outbox, where an administrator reads them (`/outbox`).
//!
//! The connection is plain SMTP to a relay the operator runs (the host's own mail server, or
//! one on the private network), which handles delivery onward; encryption to a remote server
//! is the relay's job.

use std::time::Duration;

use anyhow::{Context as _, bail};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use aspire_store::Db;

/// A configured mail relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    relay: String,
    /// The service's address, for the links in messages.
    public_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("relay", &self.relay).field("from", &self.from.to_string()).finish()
    }
}

impl Mailer {
    /// From `smtp://[user:password@]host[:port]` (port 25 by default), a From address and the
    /// service's public address (for links).
    pub fn new(url: &str, from: &str, public_url: &str) -> anyhow::Result<Mailer> {
        let Some(rest) = url.strip_prefix("smtp://") else {
            bail!(
                "'{}' is not a mail server address: use smtp://HOST[:PORT], e.g. smtp://127.0.0.1:25",
                aspire_store::redact(url)
            );
        };
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let hostport = hostport.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().with_context(|| format!("'{p}' is not a port number"))?),
            None => (hostport, 25),
        };
        if host.is_empty() {
            bail!("the mail server address has no host: use smtp://HOST[:PORT]");
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(20)));
        if let Some(c) = creds {
            let (user, password) = c.split_once(':').unwrap_or((c, ""));
            builder = builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
        }
        let from: Mailbox = from.parse().with_context(|| format!("'{from}' is not a From address"))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
            relay: format!("{host}:{port}"),
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn relay(&self) -> &str {
        &self.relay
    }

    /// Sends every unsent message once; a failure is recorded on the message and tried again
    /// next time. A message about a sign-in link gets its link now (`Db::compose`): it exists
    /// only in the email. Returns how many went.
    pub async fn send_pending(&self, db: &Db) -> anyhow::Result<usize> {
        let mut sent = 0;
        for m in db.unsent_messages().await? {
            if !db.claim_message(m.id).await? {
                continue;
            }
            let Some(out) = db.compose(&m, &self.public_url).await? else {
                db.withdraw_message(m.id, "not sent: the account has been turned off or removed").await?;
                continue;
            };
            let result = async {
                let to: Mailbox =
                    out.recipient.parse().with_context(|| format!("'{}' is not an address", out.recipient))?;
                let builder = Message::builder().from(self.from.clone()).to(to).subject(out.subject);
                let email = match out.calendar {
                    None => builder.body(out.body),
                    // The day as a file calendar programs open (and add) from the email.
                    Some(ics) => {
                        use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
                        let kind = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                            .context("the calendar attachment's type")?;
                        builder.multipart(
                            MultiPart::mixed()
                                .singlepart(SinglePart::plain(out.body))
                                .singlepart(Attachment::new("invitation.ics".to_owned()).body(ics, kind)),
                        )
                    }
                }
                .context("composing the message")?;
                self.transport.send(email).await.context("sending")?;
                anyhow::Ok(())
            }
            .await;
            match result {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(message = m.id, error = %format!("{e:#}"), "a message could not be sent");
                    db.release_message(m.id, &format!("{e:#}")).await?;
                }
            }
        }
        Ok(sent)
    }

    /// Sends the outbox every `every`, until the process ends.
    pub async fn run(self, db: Db, every: Duration) {
        loop {
            if let Err(e) = self.send_pending(&db).await {
                tracing::warn!(error = %format!("{e:#}"), "the outbox could not be read");
            }
            tokio::time::sleep(every).await;
        }
    }
}
