//! The outbox: messages waiting to be sent, each claimed once by whoever sends it.
//!
//! A message that carries a sign-in link is stored with a placeholder where the link goes; the
//! sender asks [`Db::compose`] for the text to send, which makes the link at that moment. So the
//! database never holds a usable link, before or after sending, and the outbox page shows the
//! messages without one.

use super::links::{EXPIRY_PLACEHOLDER, LINK_PLACEHOLDER, expiry_text, make_link_tx};
use super::*;

/// A message as it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar file to attach (invitation.ics).
    pub calendar: Option<String>,
}

impl Message {
    /// The body as people reading the outbox see it: where a sign-in link will go (never a
    /// link), and the service's own pages at `site`, the address it is reached at.
    pub fn body_for_display(&self, site: &str) -> String {
        self.body
            .replace(LINK_PLACEHOLDER, "(a sign-in link, made when this email is sent)")
            .replace(EXPIRY_PLACEHOLDER, "(a time set when it is sent)")
            .replace(SITE_PLACEHOLDER, site.trim_end_matches('/'))
    }
}

/// Where the service's address goes in a message (it is known when the message is sent).
pub const SITE_PLACEHOLDER: &str = "[[site]]";

const COLUMNS: &str = "id, recipient, subject, body, created_at, sent_at, error, person_id, link_purpose, calendar";

impl Db {
    /// Messages, newest first.
    pub async fn outbox(&self, limit: usize) -> crate::Result<Vec<Message>> {
        self.fetch(
            &Sql::new(format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT {}", limit.min(10_000))),
            "reading the outbox",
            read_message,
        )
        .await
    }

    /// The newest messages to people the reader may see (a programme's team: those of its
    /// schools, networks and team), newest first.
    pub async fn outbox_for(
        &self,
        visible: &aspire_core::access::Visible,
        limit: usize,
    ) -> crate::Result<Vec<Message>> {
        if visible.is_everything() {
            return self.outbox(limit).await;
        }
        let people = super::people_scope(visible);
        self.fetch(
            &Sql::new(format!(
                "SELECT {COLUMNS} FROM outbox WHERE recipient IN (SELECT p.email FROM people p WHERE {people}) \
                 ORDER BY id DESC LIMIT {}",
                limit.min(10_000)
            )),
            "reading the outbox",
            read_message,
        )
        .await
    }

    /// Messages not yet sent, oldest first.
    pub async fn unsent_messages(&self) -> crate::Result<Vec<Message>> {
        self.fetch(
            &Sql::new(format!("SELECT {COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100")),
            "reading the outbox",
            read_message,
        )
        .await
    }

    /// Claims an unsent message for sending: true if this caller got it (another instance
    /// sending the same outbox gets false), so each message goes out once.
    pub async fn claim_message(&self, id: i64) -> crate::Result<bool> {
        let n = self
            .execute(
                &Sql::new("UPDATE outbox SET sent_at = ?, error = NULL WHERE id = ? AND sent_at IS NULL")
                    .instant(Utc::now())
                    .int(id),
                "claiming a message",
            )
            .await?;
        Ok(n == 1)
    }

    /// The text to send for a claimed message. A message about a sign-in link gets a new link
    /// now (valid from now for its usual lifetime), which exists only in what is returned;
    /// `None` when its person has gone or been turned off, so nothing should be sent.
    pub async fn compose(&self, m: &Message, base_url: &str) -> crate::Result<Option<Outgoing>> {
        let site = base_url.trim_end_matches('/');
        let Some((person, purpose)) = m.link else {
            let body = m.body.replace(SITE_PLACEHOLDER, site);
            return Ok(Some(Outgoing {
                recipient: m.recipient.clone(),
                subject: m.subject.clone(),
                body,
                calendar: m.calendar.clone(),
            }));
        };
        let mut tx = self.begin().await?;
        let live = tx
            .fetch_one(&Sql::new("SELECT disabled FROM people WHERE id = ?").int(person), "finding a person", |r| {
                r.flag("disabled")
            })
            .await?
            .flatten()
            .is_some_and(|disabled| !disabled);
        if !live {
            return Ok(None);
        }
        let (link, expires) = make_link_tx(&mut tx, person, purpose, base_url).await?;
        tx.commit().await?;
        let body = m
            .body
            .replace(LINK_PLACEHOLDER, &link)
            .replace(EXPIRY_PLACEHOLDER, &expiry_text(purpose, expires))
            .replace(SITE_PLACEHOLDER, site);
        Ok(Some(Outgoing {
            recipient: m.recipient.clone(),
            subject: m.subject.clone(),
            body,
            calendar: m.calendar.clone(),
        }))
    }

    /// Puts a claimed message back with the reason it could not be sent (it is tried again).
    pub async fn release_message(&self, id: i64, error: &str) -> crate::Result<()> {
        self.execute(
            &Sql::new("UPDATE outbox SET sent_at = NULL, error = ? WHERE id = ?").text(error).int(id),
            "returning a message to the outbox",
        )
        .await?;
        Ok(())
    }

    /// Marks a claimed message as not to be sent (its person is gone), with the reason.
    pub async fn withdraw_message(&self, id: i64, why: &str) -> crate::Result<()> {
        self.execute(&Sql::new("UPDATE outbox SET error = ? WHERE id = ?").text(why).int(id), "withdrawing a message")
            .await?;
        Ok(())
    }
}

/// Queues a message; `link`: the person and purpose of the sign-in link its body's placeholder
/// stands for.
pub(crate) async fn queue_tx(
    tx: &mut Tx,
    recipient: &str,
    subject: &str,
    body: &str,
    link: Option<(PersonId, TokenPurpose)>,
) -> crate::Result<()> {
    tx.execute(
        &Sql::new(
            "INSERT INTO outbox (recipient, subject, body, created_at, person_id, link_purpose) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .text(recipient)
        .text(subject)
        .text(body)
        .instant(Utc::now())
        .opt_int(link.map(|(p, _)| p))
        .opt_text(link.map(|(_, purpose)| purpose.code())),
        "queueing an email",
    )
    .await?;
    Ok(())
}

fn read_message(r: &dyn RowGet) -> crate::Result<Message> {
    let link = match (r.person_id("person_id")?, r.text("link_purpose")?.as_deref().and_then(TokenPurpose::from_code)) {
        (Some(p), Some(purpose)) => Some((p, purpose)),
        _ => None,
    };
    Ok(Message {
        id: present(r.int("id")?, "id")?,
        recipient: present(r.text("recipient")?, "recipient")?,
        subject: present(r.text("subject")?, "subject")?,
        body: present(r.text("body")?, "body")?,
        created_at: present(r.instant("created_at")?, "created_at")?,
        sent_at: r.instant("sent_at")?,
        error: r.text("error")?,
        link,
        calendar: r.text("calendar")?,
    })
}
