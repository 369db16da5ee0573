//! A school's staff for its whole-school reach (migration 0016): every adult, with or without an
//! account, and how each was reached in each term. Read by the school and the programme team;
//! the share is `aspire_core::reach`.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{PersonId, ProgrammeId};
use aspire_core::reach::{ReachedBy, StaffRole};
use aspire_core::template::Term;
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::sql::{Sql, present};
use crate::{Db, ProgrammeError, StoreError};

/// A member of a school's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffRecord {
    pub id: i64,
    pub urn: Urn,
    pub name: String,
    pub role: StaffRole,
    pub person: Option<PersonId>,
    /// The account the school said this row is not: never matched to it by name again.
    pub not_person: Option<PersonId>,
    pub left_on: Option<NaiveDate>,
    /// The day they joined, when during the programme's year; `None`: on the staff from the start.
    pub joined_on: Option<NaiveDate>,
}

/// Whose staff a reading is of: one school's, or every school's of a programme (its roll-ups).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffOf {
    School(Urn),
    Programme(ProgrammeId),
}

impl StaffOf {
    /// The condition on `school_staff` (aliased `alias`) and its arguments.
    fn condition(self, alias: &str) -> (String, Sql) {
        match self {
            StaffOf::School(u) => (format!("{alias}.urn = ?"), Sql::new("").int(u)),
            StaffOf::Programme(p) => (
                format!("{alias}.urn IN (SELECT e.urn FROM enrolments e WHERE e.programme_id = ?)"),
                Sql::new("").int(p),
            ),
        }
    }
}

/// A member of staff with an account marked present or late on a day's roll for their school:
/// reached that term, at a Network Day or in a Development Day session by the day's kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollReach {
    pub staff: i64,
    pub urn: Urn,
    pub term: Term,
    /// The day's kind (the template's key) and date.
    pub kind: String,
    pub held_on: NaiveDate,
}

fn staff_row(r: &dyn crate::sql::RowGet) -> Result<StaffRecord, StoreError> {
    let role = present(r.text("staff_role")?, "staff_role")?;
    Ok(StaffRecord {
        id: present(r.int("id")?, "id")?,
        urn: urn_of(r)?,
        name: present(r.text("name")?, "name")?,
        role: role.parse().map_err(StoreError::Schema)?,
        person: r.person_id("person_id")?,
        not_person: r.person_id("not_person_id")?,
        left_on: r.date("left_on")?,
        joined_on: r.date("joined_on")?,
    })
}

fn urn_of(r: &dyn crate::sql::RowGet) -> Result<Urn, StoreError> {
    let u = present(r.int("urn")?, "urn")?;
    Urn::try_from(u).map_err(|_| StoreError::Schema(format!("urn {u} is not a URN")))
}

fn term_of(r: &dyn crate::sql::RowGet) -> Result<Term, StoreError> {
    let term = present(r.text("term")?, "term")?;
    Term::parse_code(&term).ok_or_else(|| StoreError::Schema(format!("'{term}' is not a term")))
}

impl Db {
    /// Adds members of a school's staff, all or none; `joined_on` is the day they joined the
    /// school, for staff who joined during the programme's year.
    pub async fn add_staff_members(
        &self,
        actor: &Actor,
        urn: Urn,
        members: &[(String, StaffRole, Option<PersonId>)],
        joined_on: Option<NaiveDate>,
    ) -> Result<Vec<i64>, ProgrammeError> {
        if let Some((name, _, _)) = members.iter().find(|(n, _, _)| n.trim().is_empty() || n.chars().count() > 200) {
            return Err(ProgrammeError::Field {
                field: "name",
                problem: format!("'{name}' must be 1 to 200 characters"),
            });
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let mut ids = Vec::new();
        for (name, role, person) in members {
            let id = tx
                .fetch_one(
                    &Sql::new(
                        "INSERT INTO school_staff (urn, name, staff_role, person_id, joined_on, created_at) \
                         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    )
                    .int(urn)
                    .text(name.trim())
                    .text(role.code())
                    .opt_int(*person)
                    .opt_date(joined_on)
                    .instant(now),
                    "adding a member of staff",
                    |r| present(r.int("id")?, "id"),
                )
                .await?
                .ok_or_else(|| StoreError::Schema("a member of staff was not written".into()))?;
            ids.push(id);
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::StaffAdd, AuditRecord::Enrolment, urn)
                .urn(Some(urn))
                .after(serde_json::json!({ "staff": ids.len(), "joined_on": joined_on })),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// A school's staff, by name.
    pub async fn staff_members(&self, urn: Urn) -> Result<Vec<StaffRecord>, StoreError> {
        self.staff_of(StaffOf::School(urn)).await
    }

    /// The staff of one school, or of every school of a programme, by school and name.
    pub async fn staff_of(&self, of: StaffOf) -> Result<Vec<StaffRecord>, StoreError> {
        let (cond, args) = of.condition("s");
        let mut q = Sql::new(format!(
            "SELECT s.id, s.urn, s.name, s.staff_role, s.person_id, s.not_person_id, s.left_on, s.joined_on FROM school_staff s \
             WHERE {cond} ORDER BY s.urn, s.name, s.id"
        ));
        q.args.extend(args.args);
        self.fetch(&q, "reading a school's staff", |r| staff_row(r)).await
    }

    /// Links a member of the staff list to the person with an account they are (or, `None`,
    /// takes the link away, and the row keeps whose account it is not): their marks on the
    /// days' rolls then count for reach. A person is on their school's list once.
    pub async fn link_staff_person(
        &self,
        actor: &Actor,
        urn: Urn,
        staff: i64,
        person: Option<PersonId>,
    ) -> Result<(), ProgrammeError> {
        let mut tx = self.begin().await?;
        if let Some(p) = person {
            let other = tx
                .fetch_one(
                    &Sql::new("SELECT name FROM school_staff WHERE urn = ? AND person_id = ? AND id <> ?")
                        .int(urn)
                        .int(p)
                        .int(staff),
                    "finding the person on the staff list",
                    |r| present(r.text("name")?, "name"),
                )
                .await?;
            if let Some(name) = other {
                tx.rollback().await?;
                return Err(ProgrammeError::Field {
                    field: "account",
                    problem: format!("is already linked to {name} on the staff list: a person is on it once"),
                });
            }
        }
        let n = tx
            .execute(
                &Sql::new(
                    "UPDATE school_staff SET not_person_id = CASE WHEN ? IS NULL THEN person_id ELSE NULL END, \
                     person_id = ? WHERE id = ? AND urn = ?",
                )
                .opt_int(person)
                .opt_int(person)
                .int(staff)
                .int(urn),
                "linking a member of staff to an account",
            )
            .await?;
        if n == 0 {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "staff",
                problem: format!("{staff} is not on this school's staff"),
            });
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::StaffLink, AuditRecord::Enrolment, urn)
                .urn(Some(urn))
                .after(serde_json::json!({ "staff": staff, "person": person })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who of the staff (of a school or a programme's schools) with an account was marked
    /// present or late on the roll of a day of the programme that was not cancelled, for
    /// their school: the days' rolls as reach reads them.
    pub async fn roll_reach(&self, programme: ProgrammeId, of: StaffOf) -> Result<Vec<RollReach>, StoreError> {
        let (cond, args) = of.condition("s");
        let mut q = Sql::new(format!(
            "SELECT s.id, s.urn, e.term, e.kind, e.held_on FROM event_attendance m \
             JOIN school_staff s ON s.person_id = m.person_id AND s.urn = m.urn \
             JOIN programme_events e ON e.id = m.event_id \
             WHERE e.programme_id = ? AND e.status = ? AND m.mark IN (?, ?) AND {cond} \
             ORDER BY e.held_on, s.id, e.id"
        ))
        .int(programme)
        .text(crate::EventStatus::Planned.code())
        .text(aspire_core::attendance::Mark::Present.code())
        .text(aspire_core::attendance::Mark::Late.code());
        q.args.extend(args.args);
        self.fetch(&q, "reading who came to the days, for reach", |r| {
            Ok(RollReach {
                staff: present(r.int("id")?, "id")?,
                urn: urn_of(r)?,
                term: term_of(r)?,
                kind: present(r.text("kind")?, "kind")?,
                held_on: present(r.date("held_on")?, "held_on")?,
            })
        })
        .await
    }

    /// Marks a member of a school's staff as having left on a day.
    pub async fn set_staff_left(
        &self,
        actor: &Actor,
        urn: Urn,
        staff: i64,
        left_on: Option<NaiveDate>,
    ) -> Result<(), ProgrammeError> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                &Sql::new("UPDATE school_staff SET left_on = ? WHERE id = ? AND urn = ?")
                    .opt_date(left_on)
                    .int(staff)
                    .int(urn),
                "marking a member of staff as left",
            )
            .await?;
        if n == 0 {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "staff",
                problem: format!("{staff} is not on this school's staff"),
            });
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::StaffLeave, AuditRecord::Enrolment, urn)
                .urn(Some(urn))
                .after(serde_json::json!({ "staff": staff, "left_on": left_on })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a member of staff off a school's list with their reach records, for one added in
    /// error (one who left is marked as left instead, and keeps the terms they counted in).
    pub async fn remove_staff_member(&self, actor: &Actor, urn: Urn, staff: i64) -> Result<(), ProgrammeError> {
        let mut tx = self.begin().await?;
        let name = tx
            .fetch_one(
                &Sql::new("SELECT name FROM school_staff WHERE id = ? AND urn = ?").int(staff).int(urn),
                "finding a member of staff",
                |r| present(r.text("name")?, "name"),
            )
            .await?;
        let Some(name) = name else {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "staff",
                problem: format!("{staff} is not on this school's staff"),
            });
        };
        let records = tx
            .execute(&Sql::new("DELETE FROM staff_reach WHERE staff_id = ?").int(staff), "removing reach records")
            .await?;
        tx.execute(&Sql::new("DELETE FROM school_staff WHERE id = ?").int(staff), "removing a member of staff").await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::StaffRemove, AuditRecord::Enrolment, urn)
                .urn(Some(urn))
                .before(serde_json::json!({ "staff": staff, "name": name, "reach_records": records })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records who of a school's staff were reached in a term and how (a record already there
    /// stays once). Refused, writing nothing, when one is not of the school's staff.
    pub async fn record_reach(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        term: Term,
        reached: &[(i64, ReachedBy)],
    ) -> Result<usize, ProgrammeError> {
        self.write_reach(actor, programme, urn, term, reached, false).await
    }

    /// Sets the school's whole record of reach for a term: what is not in `reached` is removed
    /// (a form of ticks, where an unticked box means "not reached that way").
    pub async fn set_term_reach(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        term: Term,
        reached: &[(i64, ReachedBy)],
    ) -> Result<usize, ProgrammeError> {
        self.write_reach(actor, programme, urn, term, reached, true).await
    }

    async fn write_reach(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        term: Term,
        reached: &[(i64, ReachedBy)],
        whole_term: bool,
    ) -> Result<usize, ProgrammeError> {
        let staff: std::collections::BTreeSet<i64> = self.staff_members(urn).await?.iter().map(|s| s.id).collect();
        if let Some((id, _)) = reached.iter().find(|(id, _)| !staff.contains(id)) {
            return Err(ProgrammeError::Field {
                field: "member of staff",
                problem: format!("{id} is not on this school's list: reload the page and tick again"),
            });
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        if whole_term {
            tx.execute(
                &Sql::new(
                    "DELETE FROM staff_reach WHERE programme_id = ? AND term = ? \
                     AND staff_id IN (SELECT id FROM school_staff WHERE urn = ?)",
                )
                .int(programme)
                .text(term.code())
                .int(urn),
                "clearing a term's reach",
            )
            .await?;
        }
        for (id, how) in reached {
            tx.execute(
                &Sql::new("DELETE FROM staff_reach WHERE staff_id = ? AND programme_id = ? AND term = ? AND how = ?")
                    .int(*id)
                    .int(programme)
                    .text(term.code())
                    .text(how.code()),
                "replacing a reach record",
            )
            .await?;
            tx.execute(
                &Sql::new(
                    "INSERT INTO staff_reach (staff_id, programme_id, term, how, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                )
                .int(*id)
                .int(programme)
                .text(term.code())
                .text(how.code())
                .text(actor.label.as_str())
                .instant(now),
                "recording reach",
            )
            .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::StaffReach, AuditRecord::Enrolment, urn)
                .programme(Some(programme))
                .urn(Some(urn))
                .after(serde_json::json!({ "term": term.code(), "reached": reached.len(), "whole_term": whole_term })),
        )
        .await?;
        tx.commit().await?;
        Ok(reached.len())
    }

    /// How a school's staff were reached in a programme: (staff id, term, how), as recorded
    /// by the school (the days' rolls are `roll_reach`).
    pub async fn reach_records(
        &self,
        programme: ProgrammeId,
        urn: Urn,
    ) -> Result<Vec<(i64, Term, ReachedBy)>, StoreError> {
        let all = self.reach_records_of(programme, StaffOf::School(urn)).await?;
        Ok(all.into_iter().map(|(_, id, t, how)| (id, t, how)).collect())
    }

    /// How the staff of a school or of a programme's schools were reached, as recorded:
    /// (school, staff id, term, how).
    pub async fn reach_records_of(
        &self,
        programme: ProgrammeId,
        of: StaffOf,
    ) -> Result<Vec<(Urn, i64, Term, ReachedBy)>, StoreError> {
        let (cond, args) = of.condition("s");
        let mut q = Sql::new(format!(
            "SELECT s.urn, r.staff_id, r.term, r.how FROM staff_reach r JOIN school_staff s ON s.id = r.staff_id \
             WHERE r.programme_id = ? AND {cond} ORDER BY s.urn, r.term, r.staff_id, r.how"
        ))
        .int(programme);
        q.args.extend(args.args);
        self.fetch(&q, "reading a school's reach", |r| {
            let how = present(r.text("how")?, "how")?;
            Ok((
                urn_of(r)?,
                present(r.int("staff_id")?, "staff_id")?,
                term_of(r)?,
                how.parse().map_err(StoreError::Schema)?,
            ))
        })
        .await
    }
}
