//! The rolls of planned days (migration 0016): each person's mark, written a day at a time in
//! one transaction and audited. The roll-ups are `aspire_core::attendance`.

use std::collections::BTreeSet;

use chrono::Utc;

use aspire_core::access::Visible;
use aspire_core::attendance::{Mark, RollMark};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{PersonId, ProgrammeId};
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event, scope_condition};
use crate::programme_year::EventStatus;
use crate::sql::{Sql, present};
use crate::{Db, ProgrammeError, StoreError};

/// One day's marks: each person with their school and mark.
pub type DayMarks = Vec<(PersonId, Urn, Mark)>;

impl Db {
    /// Records marks on a day's roll: each person's mark replaces the one they had. Refused,
    /// writing nothing, for a cancelled day or a person marked twice.
    pub async fn record_roll(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        event: i64,
        marks: &[(PersonId, Urn, Mark)],
    ) -> Result<usize, ProgrammeError> {
        self.record_rolls(actor, programme, &[(event, marks.to_vec())]).await
    }

    /// Records that a day was held (`held`), or takes that record back: for a day whose roll has
    /// nobody on it, such as a Development Day the school's staff came to without registering.
    /// Refused for a cancelled day.
    pub async fn record_held(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        event: i64,
        held: bool,
    ) -> Result<(), ProgrammeError> {
        let mut tx = self.begin().await?;
        let (_, status) = crate::event_registrations::hold_event(&mut tx, programme, event).await?;
        if status == EventStatus::Cancelled.code() {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "day",
                problem: format!("{event} is cancelled: it was not held"),
            });
        }
        tx.execute(
            &Sql::new("UPDATE programme_events SET held_recorded = ? WHERE id = ?").flag(held).int(event),
            "recording a day as held",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventHeld, AuditRecord::Event, event)
                .programme(Some(programme))
                .after(serde_json::json!({ "held": held })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the marks of several days' rolls in one transaction (a sign-in sheet): all or
    /// none, each day checked as [`Db::record_roll`] checks one.
    pub async fn record_rolls(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        rolls: &[(i64, DayMarks)],
    ) -> Result<usize, ProgrammeError> {
        for (event, marks) in rolls {
            let mut seen = BTreeSet::new();
            if let Some((p, _, _)) = marks.iter().find(|(p, _, _)| !seen.insert(*p)) {
                return Err(ProgrammeError::Field {
                    field: "roll",
                    problem: format!("marks person {p} twice on day {event}"),
                });
            }
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        // Each day is held while its marks are written, so a day cancelled meanwhile is refused.
        for (event, _) in rolls {
            let (_, status) = crate::event_registrations::hold_event(&mut tx, programme, *event).await?;
            if status == EventStatus::Cancelled.code() {
                tx.rollback().await?;
                return Err(ProgrammeError::Field {
                    field: "day",
                    problem: format!("{event} is cancelled: it has no roll"),
                });
            }
        }
        let mut written = 0;
        for (event, marks) in rolls {
            for (person, urn, mark) in marks {
                tx.execute(
                    &Sql::new("DELETE FROM event_attendance WHERE event_id = ? AND person_id = ?")
                        .int(*event)
                        .int(*person),
                    "replacing a mark",
                )
                .await?;
                tx.execute(
                    &Sql::new(
                        "INSERT INTO event_attendance (event_id, person_id, urn, mark, recorded_by, recorded_at) \
                         VALUES (?, ?, ?, ?, ?, ?)",
                    )
                    .int(*event)
                    .int(*person)
                    .int(*urn)
                    .text(mark.code())
                    .text(actor.label.as_str())
                    .instant(now),
                    "recording a mark",
                )
                .await?;
                written += 1;
            }
            let counts: std::collections::BTreeMap<&str, usize> =
                Mark::ALL.iter().map(|m| (m.code(), marks.iter().filter(|(_, _, x)| x == m).count())).collect();
            audit::record(
                &mut tx,
                actor,
                Event::new(AuditAction::EventRoll, AuditRecord::Event, event)
                    .programme(Some(programme))
                    .after(serde_json::json!({ "marks": counts })),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// The marks on the rolls of a programme's days the reader may see.
    pub async fn roll_marks(&self, programme: ProgrammeId, visible: &Visible) -> Result<Vec<RollMark>, StoreError> {
        let cond = scope_condition(visible, Some("v.programme_id"), Some("v.network_id"), None);
        self.fetch(
            &Sql::new(format!(
                "SELECT a.event_id, a.person_id, a.urn, a.mark FROM event_attendance a \
                 JOIN programme_events v ON v.id = a.event_id WHERE v.programme_id = ? AND {cond} \
                 ORDER BY a.event_id, a.person_id"
            ))
            .int(programme),
            "reading the rolls",
            mark_row,
        )
        .await
    }

    /// The days of a programme someone was marked present or late at: that a day took place,
    /// which whoever sees the day may know (never who came).
    pub async fn days_attended(&self, programme: ProgrammeId) -> Result<BTreeSet<i64>, StoreError> {
        let rows = self
            .fetch(
                &Sql::new(
                    "SELECT DISTINCT a.event_id FROM event_attendance a JOIN programme_events v ON v.id = a.event_id \
                     WHERE v.programme_id = ? AND a.mark IN (?, ?) ORDER BY a.event_id",
                )
                .int(programme)
                .text(Mark::Present.code())
                .text(Mark::Late.code()),
                "reading which days took place",
                |r| present(r.int("event_id")?, "event_id"),
            )
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The marks on the rolls of the days a school has registrations at (everyone's marks on
    /// those rolls), for its year page in one reading.
    pub async fn school_day_marks(&self, programme: ProgrammeId, urn: Urn) -> Result<Vec<RollMark>, StoreError> {
        self.fetch(
            &Sql::new(
                "SELECT a.event_id, a.person_id, a.urn, a.mark FROM event_attendance a \
                 JOIN programme_events v ON v.id = a.event_id WHERE v.programme_id = ? \
                 AND a.event_id IN (SELECT r.event_id FROM event_registrations r WHERE r.urn = ?) \
                 ORDER BY a.event_id, a.person_id",
            )
            .int(programme)
            .int(urn),
            "reading the rolls of a school's days",
            mark_row,
        )
        .await
    }

    /// The marks on one day's roll (for its roll page and the week's counts).
    pub async fn day_marks(&self, programme: ProgrammeId, event: i64) -> Result<Vec<RollMark>, StoreError> {
        self.fetch(
            &Sql::new(
                "SELECT a.event_id, a.person_id, a.urn, a.mark FROM event_attendance a \
                 JOIN programme_events v ON v.id = a.event_id WHERE v.programme_id = ? AND a.event_id = ? \
                 ORDER BY a.person_id",
            )
            .int(programme)
            .int(event),
            "reading a day's roll",
            mark_row,
        )
        .await
    }
}

fn mark_row(r: &dyn crate::sql::RowGet) -> Result<RollMark, StoreError> {
    let urn = present(r.int("urn")?, "urn")?;
    let mark = present(r.text("mark")?, "mark")?;
    Ok(RollMark {
        day: present(r.int("event_id")?, "event_id")?,
        person: present(r.person_id("person_id")?, "person_id")?,
        urn: Urn::try_from(urn).map_err(|_| StoreError::Schema(format!("urn {urn} is not a URN")))?,
        mark: mark.parse().map_err(|_| StoreError::Schema(format!("'{mark}' is not a mark")))?,
    })
}
