//! An enquiry marked handled by the programme team, with the reply sent to the enquirer
//! through the outbox, in one transaction with its audit entry.

use chrono::Utc;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::ProgrammeId;

use crate::audit::{self, Actor, Event};
use crate::sql::{Sql, present};
use crate::{Db, StoreError};

/// What the team sends back: the message's subject and body, as the use case wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnquiryReply {
    /// The team's own words, kept with the enquiry.
    pub text: String,
    pub subject: String,
    /// The email's body (the text with its greeting and signature).
    pub body: String,
}

/// Why an enquiry cannot be marked handled.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    #[error("there is no enquiry {0} in this programme")]
    NoEnquiry(i64),
    #[error("enquiry {0} was marked handled already")]
    Handled(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Db {
    /// Marks an enquiry handled, and queues the reply to its sender when there is one. An
    /// enquiry is handled once: a second attempt (another member of the team meanwhile) is
    /// refused and sends nothing.
    pub async fn handle_enquiry(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        enquiry: i64,
        reply: Option<&EnquiryReply>,
    ) -> Result<(), HandleError> {
        let found = self
            .fetch_one(
                &Sql::new("SELECT contact_email, handled_at, urn FROM enquiries WHERE id = ? AND programme_id = ?")
                    .int(enquiry)
                    .int(programme),
                "reading an enquiry",
                |r| Ok((present(r.text("contact_email")?, "contact_email")?, r.instant("handled_at")?, r.int("urn")?)),
            )
            .await?;
        let Some((email, handled, urn)) = found else { return Err(HandleError::NoEnquiry(enquiry)) };
        if handled.is_some() {
            return Err(HandleError::Handled(enquiry));
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let changed = tx
            .execute(
                &Sql::new(
                    "UPDATE enquiries SET handled_at = ?, handled_by = ?, reply = ? \
                     WHERE id = ? AND programme_id = ? AND handled_at IS NULL",
                )
                .instant(now)
                .text(actor.label.clone())
                .opt_text(reply.map(|r| r.text.as_str()))
                .int(enquiry)
                .int(programme),
                "marking an enquiry handled",
            )
            .await?;
        if changed == 0 {
            return Err(HandleError::Handled(enquiry));
        }
        if let Some(r) = reply {
            tx.execute(
                &Sql::new("INSERT INTO outbox (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)")
                    .text(email)
                    .text(r.subject.clone())
                    .text(r.body.clone())
                    .instant(now),
                "queueing the reply to an enquiry",
            )
            .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EnquiryHandle, AuditRecord::Enquiry, enquiry)
                .programme(Some(programme))
                .urn(urn.and_then(|u| aspire_core::urn::Urn::try_from(u).ok()))
                .after(serde_json::json!({ "handled": true, "reply_sent": reply.is_some() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
