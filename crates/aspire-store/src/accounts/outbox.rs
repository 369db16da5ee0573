//! The outbox: messages waiting to be sent, each claimed once by whoever sends it.

use super::*;

impl Db {
    /// Messages, newest first.
    pub async fn outbox(&self, limit: usize) -> crate::Result<Vec<Message>> {
        self.fetch(
            &Sql::new(format!(
                "SELECT id, recipient, subject, body, created_at, sent_at, error FROM outbox ORDER BY id DESC LIMIT {}",
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
            &Sql::new(
                "SELECT id, recipient, subject, body, created_at, sent_at, error FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100",
            ),
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

    /// Puts a claimed message back with the reason it could not be sent (it is tried again).
    pub async fn release_message(&self, id: i64, error: &str) -> crate::Result<()> {
        self.execute(
            &Sql::new("UPDATE outbox SET sent_at = NULL, error = ? WHERE id = ?").text(error).int(id),
            "returning a message to the outbox",
        )
        .await?;
        Ok(())
    }
}

fn read_message(r: &dyn RowGet) -> crate::Result<Message> {
    Ok(Message {
        id: r.int("id")?.unwrap_or(0),
        recipient: r.text("recipient")?.unwrap_or_default(),
        subject: r.text("subject")?.unwrap_or_default(),
        body: r.text("body")?.unwrap_or_default(),
        created_at: r.instant("created_at")?.unwrap_or_default(),
        sent_at: r.instant("sent_at")?,
        error: r.text("error")?,
    })
}
