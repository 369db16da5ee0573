//! What the public enquiry form needs besides keeping the enquiry (`recruitment.rs`): the
//! counts its limits are checked against, the messages it queues, a programme's public contact
//! address, the removal of old contact details, and head teachers who volunteer to be asked
//! about the programme (their addresses never leave the outbox).

use chrono::{DateTime, Utc};

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{Email, PersonId, ProgrammeId, Role};
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::programmes::ProgrammeError;
use crate::sql::{Sql, Tx, present};
use crate::{Db, StoreError};

/// An email to queue in the outbox with an enquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar file sent with it (a planned day, as invitation.ics).
    pub calendar: Option<String>,
}

impl Mail {
    /// A message of plain text.
    pub fn text(recipient: impl Into<String>, subject: impl Into<String>, body: impl Into<String>) -> Mail {
        Mail { recipient: recipient.into(), subject: subject.into(), body: body.into(), calendar: None }
    }
}

pub(crate) async fn queue(tx: &mut Tx, m: &Mail) -> Result<(), StoreError> {
    tx.execute(
        &Sql::new("INSERT INTO outbox (recipient, subject, body, created_at, calendar) VALUES (?, ?, ?, ?, ?)")
            .text(m.recipient.as_str())
            .text(m.subject.as_str())
            .text(m.body.as_str())
            .instant(Utc::now())
            .opt_text(m.calendar.as_deref()),
        "queueing an email",
    )
    .await?;
    Ok(())
}

fn count(r: &dyn crate::sql::RowGet) -> Result<u64, StoreError> {
    Ok(u64::try_from(r.int("n")?.unwrap_or(0)).unwrap_or(0))
}

/// Where a school is, for matching it to a programme's areas: its name, town, local authority
/// (the LA list's name, else the register's) and district, and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolWhere {
    pub name: Option<String>,
    pub town: Option<String>,
    pub la_name: Option<String>,
    pub district_name: Option<String>,
    pub status: Option<String>,
}

impl Db {
    /// Where a school is (`None`: not in the register).
    pub async fn school_where(&self, urn: Urn) -> Result<Option<SchoolWhere>, StoreError> {
        self.fetch_one(
            &Sql::new(
                "SELECT s.name, s.town, COALESCE(la.name, s.la_name) AS la_name, s.district_name, s.status \
                 FROM schools s LEFT JOIN local_authorities la ON la.la_code = s.la_code WHERE s.urn = ?",
            )
            .int(i64::from(urn)),
            "reading where a school is",
            |r| {
                Ok(SchoolWhere {
                    name: r.text("name")?,
                    town: r.text("town")?,
                    la_name: r.text("la_name")?,
                    district_name: r.text("district_name")?,
                    status: r.text("status")?,
                })
            },
        )
        .await
    }

    /// Enquiries kept about one school (for any programme) since a moment: the per-school limit.
    pub async fn enquiries_about_since(&self, urn: Urn, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = self
            .fetch_one(
                &Sql::new("SELECT COUNT(*) AS n FROM enquiries WHERE urn = ? AND created_at >= ?")
                    .int(i64::from(urn))
                    .instant(since),
                "counting a school's enquiries",
                count,
            )
            .await?;
        Ok(n.unwrap_or(0))
    }

    /// Whether a message with this subject was queued to this address since a moment (so that
    /// the form sends one address at most one acknowledgement a day).
    pub async fn mailed_since(&self, recipient: &str, subject: &str, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self
            .fetch_one(
                &Sql::new("SELECT COUNT(*) AS n FROM outbox WHERE recipient = ? AND subject = ? AND created_at >= ?")
                    .text(recipient)
                    .text(subject)
                    .instant(since),
                "reading the outbox",
                count,
            )
            .await?;
        Ok(n.unwrap_or(0) > 0)
    }

    /// Removes the contact details (name, address, role, message) of enquiries kept before
    /// `before`, and the address of the acknowledgements (messages with `ack_subject`) queued
    /// before it. The school, programme and date stay, so the board's counts do not change.
    /// Returns how many enquiries lost their details.
    pub async fn remove_enquiry_contacts(
        &self,
        actor: &Actor,
        before: DateTime<Utc>,
        ack_subject: &str,
    ) -> Result<u64, StoreError> {
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                &Sql::new(
                    "UPDATE enquiries SET contact_name = '', contact_email = '', contact_role = '', message = '', \
                     contact_removed_at = ? WHERE created_at < ? AND contact_removed_at IS NULL",
                )
                .instant(now)
                .instant(before),
                "removing old enquiries' contact details",
            )
            .await?;
        tx.execute(
            &Sql::new("UPDATE outbox SET recipient = '(removed)' WHERE subject = ? AND created_at < ? AND recipient <> '(removed)'")
                .text(ack_subject)
                .instant(before),
            "removing old acknowledgements' addresses",
        )
        .await?;
        // Requests to speak to a head teacher carry the sender's details in the mail itself.
        tx.execute(
            &Sql::new(
                "UPDATE outbox SET body = '(removed)' WHERE subject LIKE ? AND created_at < ? AND body <> '(removed)'",
            )
            .text(format!("{}%", aspire_core::recruitment::HEAD_REQUEST_SUBJECT_START))
            .instant(before),
            "removing old requests to speak to a head teacher",
        )
        .await?;
        if n > 0 {
            audit::record(
                &mut tx,
                actor,
                Event::new(AuditAction::EnquiryContactsRemoved, AuditRecord::Enquiry, "kept-before")
                    .after(serde_json::json!({ "before": before, "enquiries": n })),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The address the public writes to about a programme, when the team has set one.
    pub async fn programme_contact(&self, programme: ProgrammeId) -> Result<Option<String>, StoreError> {
        Ok(self
            .fetch_one(
                &Sql::new("SELECT email FROM programme_contacts WHERE programme_id = ?").int(programme),
                "reading a programme's contact address",
                |r| r.text("email"),
            )
            .await?
            .flatten())
    }

    /// Sets the address the public writes to about a programme.
    pub async fn set_programme_contact(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        email: &Email,
    ) -> Result<(), ProgrammeError> {
        if self.programme(programme).await?.is_none() {
            return Err(ProgrammeError::NoSuchProgramme(programme));
        }
        let before = self.programme_contact(programme).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new("DELETE FROM programme_contacts WHERE programme_id = ?").int(programme),
            "replacing a programme's contact address",
        )
        .await?;
        tx.execute(
            &Sql::new("INSERT INTO programme_contacts (programme_id, email) VALUES (?, ?)")
                .int(programme)
                .text(email.as_str()),
            "setting a programme's contact address",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::ProgrammeContact, AuditRecord::Programme, programme)
                .programme(Some(programme))
                .before(before)
                .after(email.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether a person has offered to talk to schools thinking of joining.
    pub async fn is_head_volunteer(&self, person: PersonId) -> Result<bool, StoreError> {
        let n = self
            .fetch_one(
                &Sql::new("SELECT COUNT(*) AS n FROM head_volunteers WHERE person_id = ?").int(person),
                "reading a volunteer",
                count,
            )
            .await?;
        Ok(n.unwrap_or(0) > 0)
    }

    /// A person offers (or stops offering) to talk to schools thinking of joining.
    pub async fn set_head_volunteer(&self, actor: &Actor, person: PersonId, volunteer: bool) -> Result<(), StoreError> {
        let before = self.is_head_volunteer(person).await?;
        if before == volunteer {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let sql = if volunteer {
            Sql::new("INSERT INTO head_volunteers (person_id, since) VALUES (?, ?)").int(person).instant(Utc::now())
        } else {
            Sql::new("DELETE FROM head_volunteers WHERE person_id = ?").int(person)
        };
        tx.execute(&sql, "recording a volunteer").await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::HeadVolunteer, AuditRecord::Person, person)
                .before(serde_json::json!({ "volunteer": before }))
                .after(serde_json::json!({ "volunteer": volunteer })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Volunteer head teachers of schools that take or took part in any programme (enrolled or
    /// completed): each person's id, address and school. For the outbox only; never shown.
    pub async fn head_volunteers(&self) -> Result<Vec<(PersonId, String, Urn)>, StoreError> {
        let rows = self
            .fetch(
                &Sql::new(
                    "SELECT DISTINCT p.id, p.email, g.urn FROM head_volunteers v JOIN people p ON p.id = v.person_id \
                     JOIN grants g ON g.person_id = p.id AND g.role = ? \
                     JOIN enrolments e ON e.urn = g.urn AND e.status IN (?, ?) \
                     WHERE NOT p.disabled ORDER BY p.id",
                )
                .text(Role::HeadTeacher.code())
                .text(Stage::Enrolled.code())
                .text(Stage::Completed.code()),
                "finding volunteer head teachers",
                |r| {
                    let id = present(r.person_id("id")?, "id")?;
                    let email = present(r.text("email")?, "email")?;
                    let urn = r.int("urn")?.and_then(|u| Urn::try_from(u).ok());
                    Ok(urn.map(|u| (id, email, u)))
                },
            )
            .await?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Passes a request to speak to a head teacher to one volunteer through the outbox, with
    /// its audit entry (which names the volunteer, never the address).
    pub async fn queue_head_request(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        volunteer: PersonId,
        mail: &Mail,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        queue(&mut tx, mail).await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::HeadRequest, AuditRecord::Person, volunteer).programme(Some(programme)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
