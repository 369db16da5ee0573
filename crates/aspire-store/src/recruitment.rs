//! Recruitment: the areas a programme recruits in, enquiries from the public form, the
//! eligibility decision stored with each school, and its moves from stage to stage.

use chrono::{DateTime, Utc};
use serde::Serialize;

use aspire_core::access::Visible;
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event, scope_condition};
use crate::programmes::ProgrammeError;
use crate::sql::{Sql, present};
use crate::{Db, StoreError};

/// An area a programme recruits in and the networks it plans there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeArea {
    pub area: String,
    pub planned_networks: u32,
}

/// What the public form sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEnquiry {
    pub urn: Urn,
    /// Checked before it gets here (`EnquiryContact::check`).
    pub contact: aspire_core::recruitment::EnquiryContact,
}

/// An eligibility decision as stored with a school's enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EligibilityCheck {
    /// Kept and logged by its code: eligible, not_eligible or cannot_tell.
    #[serde(serialize_with = "outcome_code")]
    pub outcome: aspire_core::eligibility::Outcome,
    /// One sentence per check, naming the data used.
    pub reasons: Vec<String>,
    /// "tlif-2017 version 1, as of 2017-11-01".
    pub basis: String,
}

fn outcome_code<S: serde::Serializer>(o: &aspire_core::eligibility::Outcome, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(o.code())
}

/// An enquiry as the programme team reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enquiry {
    pub id: i64,
    pub programme: ProgrammeId,
    pub urn: Urn,
    pub school_name: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_role: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    /// When the team marked it handled, and who.
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<String>,
    /// The reply sent to the enquirer, in the team's words.
    pub reply: Option<String>,
}

/// Schools at one stage in one local authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageCount {
    pub stage: Stage,
    pub la_name: Option<String>,
    pub schools: usize,
}

impl Db {
    /// Replaces a programme's areas: each a local authority or district of the register, named
    /// or given by code.
    pub async fn set_programme_areas(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        areas: &[ProgrammeArea],
    ) -> Result<(), ProgrammeError> {
        if self.programme(programme).await?.is_none() {
            return Err(ProgrammeError::NoSuchProgramme(programme));
        }
        aspire_core::recruitment::check_areas(areas.iter().map(|a| a.area.as_str())).map_err(ProgrammeError::Areas)?;
        // Each area is a local authority or district of the register, kept by its code under
        // the register's name; every name that is neither is refused at once.
        let choices = self.area_choices().await?;
        let mut unknown = Vec::new();
        let mut coded = Vec::new();
        for a in areas {
            match aspire_core::recruitment::resolve_area(&a.area, &choices) {
                Some(c) => coded.push(crate::CodedArea {
                    area: c.name.clone(),
                    planned_networks: a.planned_networks,
                    kind: Some(c.kind),
                    code: Some(c.code.clone()),
                }),
                None => unknown.push(a.area.trim().to_owned()),
            }
        }
        if !unknown.is_empty() {
            return Err(ProgrammeError::UnknownAreas(unknown));
        }
        // "Oldham" and "353" are the same area.
        aspire_core::recruitment::check_areas(coded.iter().map(|a| a.area.as_str())).map_err(ProgrammeError::Areas)?;
        let before = self.programme_area_codes(programme, &Visible::everything()).await?;
        let mut tx = self.begin().await?;
        tx.execute(&Sql::new("DELETE FROM programme_areas WHERE programme_id = ?").int(programme), "replacing areas")
            .await?;
        for a in &coded {
            tx.execute(
                &Sql::new(
                    "INSERT INTO programme_areas (programme_id, area, planned_networks, kind, code) VALUES (?, ?, ?, ?, ?)",
                )
                .int(programme)
                .text(a.area.as_str())
                .int(i64::from(a.planned_networks))
                .opt_text(a.kind.map(|k| k.code()))
                .opt_text(a.code.as_deref()),
                "adding an area",
            )
            .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::ProgrammeAreas, AuditRecord::Programme, programme)
                .programme(Some(programme))
                .before(before)
                .after(&coded),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A programme's areas, by name.
    /// Empty unless the programme is in `visible` (its records, or its page reached from a
    /// network or school inside it).
    pub async fn programme_areas(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<ProgrammeArea>, StoreError> {
        if !visible.is_everything()
            && !visible.programmes().contains(&programme)
            && !visible.programmes_reached().contains(&programme)
        {
            return Ok(Vec::new());
        }
        self.fetch(
            &Sql::new("SELECT area, planned_networks FROM programme_areas WHERE programme_id = ? ORDER BY area")
                .int(programme),
            "reading a programme's areas",
            |r| {
                Ok(ProgrammeArea {
                    area: present(r.text("area")?, "area")?,
                    planned_networks: u32::try_from(present(r.int("planned_networks")?, "planned_networks")?).map_err(
                        |_| StoreError::Decode {
                            doing: "reading a programme's areas".into(),
                            problem: "a negative number of networks".into(),
                        },
                    )?,
                })
            },
        )
        .await
    }

    /// Keeps an enquiry from the public form: the message, and the school at the enquiry stage
    /// (a school already in the programme keeps its stage) with its eligibility decision.
    /// The contact was checked by its type; nothing is written unless the programme and the
    /// school exist.
    pub async fn record_enquiry(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        e: &NewEnquiry,
        check: Option<&EligibilityCheck>,
    ) -> Result<i64, ProgrammeError> {
        self.record_enquiry_with_mail(actor, programme, e, check, &[]).await
    }

    /// As [`Db::record_enquiry`], queueing `mail` (the acknowledgement, the team's notice) in the
    /// same transaction: an enquiry is never told to anyone without being kept, nor kept
    /// without its messages.
    pub async fn record_enquiry_with_mail(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        e: &NewEnquiry,
        check: Option<&EligibilityCheck>,
        mail: &[crate::enquiries::Mail],
    ) -> Result<i64, ProgrammeError> {
        if self.programme(programme).await?.is_none() {
            return Err(ProgrammeError::NoSuchProgramme(programme));
        }
        if !self.known_urns(&[e.urn].into()).await?.contains(&e.urn) {
            return Err(ProgrammeError::UnknownSchool(e.urn));
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let id = tx
            .fetch_one(
                &Sql::new(
                    "INSERT INTO enquiries (programme_id, urn, contact_name, contact_email, contact_role, message, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .int(programme)
                .int(i64::from(e.urn))
                .text(e.contact.name())
                .text(e.contact.email().as_str())
                .text(e.contact.role())
                .text(e.contact.message())
                .instant(now),
                "keeping an enquiry",
                |r| r.int("id"),
            )
            .await?
            .flatten();
        let id = present(id, "enquiries.id")?;
        let added = tx
            .execute(
                &Sql::new(
                    "INSERT INTO enrolments (programme_id, urn, network_id, status, created_at, stage_changed_at) \
                     VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT (programme_id, urn) DO NOTHING",
                )
                .int(programme)
                .int(i64::from(e.urn))
                .text(Stage::Enquiry.code())
                .instant(now)
                .instant(now),
                "adding the school as an enquiry",
            )
            .await?;
        // The decision is kept while the school is an enquiry; a school further on keeps the
        // decision the team worked from.
        if let Some(c) = check {
            let stage = tx
                .fetch_one(
                    &Sql::new("SELECT status FROM enrolments WHERE programme_id = ? AND urn = ?")
                        .int(programme)
                        .int(i64::from(e.urn)),
                    "reading the school's stage",
                    |r| r.text("status"),
                )
                .await?
                .flatten();
            if stage.as_deref() == Some(Stage::Enquiry.code()) {
                write_check(&mut tx, programme, e.urn, c).await?;
            }
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EnquiryAdd, AuditRecord::Enquiry, id)
                .programme(Some(programme))
                .urn(Some(e.urn))
                .after(serde_json::json!({ "new_enrolment": added > 0, "eligibility": check })),
        )
        .await?;
        for m in mail {
            crate::enquiries::queue(&mut tx, m).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a fresh eligibility decision for a school in a programme.
    pub async fn set_eligibility(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        check: &EligibilityCheck,
    ) -> Result<(), ProgrammeError> {
        let before = self.enrolment(programme, urn).await?.ok_or(ProgrammeError::NotEnrolled(urn))?;
        let mut tx = self.begin().await?;
        write_check(&mut tx, programme, urn, check).await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EnrolmentEligibility, AuditRecord::Enrolment, format!("{programme}/{urn}"))
                .programme(Some(programme))
                .urn(Some(urn))
                .before(serde_json::json!({ "eligibility": before.eligibility, "basis": before.eligibility_basis }))
                .after(check),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The programme's enquiries in `visible`, newest first.
    pub async fn enquiries(&self, programme: ProgrammeId, visible: &Visible) -> Result<Vec<Enquiry>, StoreError> {
        let cond = scope_condition(visible, Some("q.programme_id"), None, Some("q.urn"));
        self.fetch(
            &Sql::new(format!(
                "SELECT q.id, q.programme_id, q.urn, s.name AS school_name, q.contact_name, q.contact_email, \
                 q.contact_role, q.message, q.created_at, q.handled_at, q.handled_by, q.reply FROM enquiries q LEFT JOIN schools s ON s.urn = q.urn \
                 WHERE q.programme_id = ? AND {cond} ORDER BY q.created_at DESC, q.id DESC",
            ))
            .int(programme),
            "listing enquiries",
            |r| {
                let (id, programme) =
                    (present(r.int("id")?, "id")?, present(r.programme_id("programme_id")?, "programme_id")?);
                let Some(urn) = r.int("urn")?.and_then(|u| Urn::try_from(u).ok()) else { return Ok(None) };
                Ok(Some(Enquiry {
                    id,
                    programme,
                    urn,
                    school_name: r.text("school_name")?,
                    contact_name: present(r.text("contact_name")?, "contact_name")?,
                    contact_email: present(r.text("contact_email")?, "contact_email")?,
                    contact_role: present(r.text("contact_role")?, "contact_role")?,
                    message: present(r.text("message")?, "message")?,
                    created_at: present(r.instant("created_at")?, "created_at")?,
                    handled_at: r.instant("handled_at")?,
                    handled_by: r.text("handled_by")?,
                    reply: r.text("reply")?,
                }))
            },
        )
        .await
        .map(|v| v.into_iter().flatten().collect())
    }

    /// Moves a school to another stage. A withdrawal needs its reason and takes the school out
    /// of its network; only enrolled schools complete.
    pub async fn move_stage(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        to: Stage,
        reason: Option<&str>,
    ) -> Result<(), ProgrammeError> {
        let before = self.enrolment(programme, urn).await?.ok_or(ProgrammeError::NotEnrolled(urn))?;
        let from = before.status;
        from.check_move(to, reason).map_err(ProgrammeError::Stage)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty() && to == Stage::Withdrawn);
        let network = if to.takes_part() { before.network } else { None };
        let mut tx = self.begin().await?;
        // Only from the stage that was checked: a move made meanwhile by someone else wins.
        let changed = tx
            .execute(
                &Sql::new(
                    "UPDATE enrolments SET status = ?, withdrawn_reason = ?, network_id = ?, stage_changed_at = ? \
                     WHERE programme_id = ? AND urn = ? AND status = ?",
                )
                .text(to.code())
                .opt_text(reason)
                .opt_int(network)
                .instant(Utc::now())
                .int(programme)
                .int(i64::from(urn))
                .text(from.code()),
                "changing a school's stage",
            )
            .await?;
        if changed == 0 {
            return Err(ProgrammeError::Field {
                field: "stage",
                problem: "was changed by someone else meanwhile: reload the page and try again".into(),
            });
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EnrolmentStage, AuditRecord::Enrolment, format!("{programme}/{urn}"))
                .programme(Some(programme))
                .urn(Some(urn))
                .before(serde_json::json!({ "stage": before.status, "network": before.network }))
                .after(serde_json::json!({ "stage": to.code(), "reason": reason, "network": network })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many schools are at each stage, per local authority (the admin board).
    /// Only the schools in `visible` are counted.
    pub async fn recruitment_counts(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<StageCount>, StoreError> {
        let cond = scope_condition(visible, Some("e.programme_id"), Some("e.network_id"), Some("e.urn"));
        let rows = self
            .fetch(
                &Sql::new(format!(
                    "SELECT e.status, COALESCE(la.name, s.la_name) AS la_name, COUNT(*) AS schools \
                     FROM enrolments e LEFT JOIN schools s ON s.urn = e.urn \
                     LEFT JOIN local_authorities la ON la.la_code = s.la_code \
                     WHERE e.programme_id = ? AND {cond} GROUP BY e.status, COALESCE(la.name, s.la_name)",
                ))
                .int(programme),
                "counting schools by stage",
                |r| {
                    let stage = present(r.text("status")?, "status")?;
                    Ok(StageCount {
                        stage: Stage::parse(&stage).map_err(|e| StoreError::Decode {
                            doing: "counting schools by stage".into(),
                            problem: e.to_string(),
                        })?,
                        la_name: r.text("la_name")?,
                        schools: usize::try_from(r.int("schools")?.unwrap_or(0)).unwrap_or(0),
                    })
                },
            )
            .await?;
        // Stages in pipeline order, then areas by name (unknown last).
        let mut rows = rows;
        rows.sort_by(|a, b| {
            let k = |c: &StageCount| (c.stage, c.la_name.is_none());
            k(a).cmp(&k(b)).then_with(|| a.la_name.cmp(&b.la_name))
        });
        Ok(rows)
    }
}

async fn write_check(
    tx: &mut crate::sql::Tx,
    programme: ProgrammeId,
    urn: Urn,
    c: &EligibilityCheck,
) -> Result<(), StoreError> {
    tx.execute(
        &Sql::new(
            "UPDATE enrolments SET eligibility = ?, eligibility_reasons = ?, eligibility_basis = ? \
             WHERE programme_id = ? AND urn = ?",
        )
        .text(c.outcome.code())
        .text(serde_json::to_string(&c.reasons).unwrap_or_else(|_| "[]".into()))
        .text(c.basis.clone())
        .int(programme)
        .int(i64::from(urn)),
        "storing an eligibility decision",
    )
    .await?;
    Ok(())
}
