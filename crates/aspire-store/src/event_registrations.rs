//! Who goes to a planned day (migration 0016): seats by role per school, the venue's capacity
//! and a waiting list, first come first served. Each registration runs in a transaction that
//! holds the day's row (SQLite: the write lock taken at BEGIN IMMEDIATE; PostgreSQL: SELECT ...
//! FOR UPDATE), so however many arrive at once a day is never overbooked.

use chrono::{DateTime, Utc};
use serde::Serialize;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{PersonId, ProgrammeId, Role};
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::programme_year::EventStatus;
use crate::sql::{RowGet, Sql, Tx, present};
use crate::{Backend, Db, ProgrammeError, StoreError};

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationStatus {
    Registered,
    Waiting,
    Withdrawn,
}

impl RegistrationStatus {
    fn code(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "registered",
            RegistrationStatus::Waiting => "waiting",
            RegistrationStatus::Withdrawn => "withdrawn",
        }
    }

    fn parse(code: &str) -> Result<RegistrationStatus, StoreError> {
        match code {
            "registered" => Ok(RegistrationStatus::Registered),
            "waiting" => Ok(RegistrationStatus::Waiting),
            "withdrawn" => Ok(RegistrationStatus::Withdrawn),
            other => Err(StoreError::Schema(format!("'{other}' is not a registration status this program knows"))),
        }
    }
}

/// A person nominated for a seat of their school at a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub event: i64,
    pub urn: Urn,
    /// The role of the day's audience the seat is for.
    pub seat: Role,
    pub person: PersonId,
    pub substitute: Option<PersonId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    pub id: i64,
    pub event: i64,
    pub urn: Urn,
    pub seat: Role,
    pub person: PersonId,
    pub substitute: Option<PersonId>,
    pub status: RegistrationStatus,
    pub nominated_by: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, event_id, urn, seat, person_id, substitute_id, status, nominated_by, created_at";

fn registration_row(r: &dyn RowGet) -> Result<Registration, StoreError> {
    let urn = present(r.int("urn")?, "urn")?;
    let seat = present(r.text("seat")?, "seat")?;
    Ok(Registration {
        id: present(r.int("id")?, "id")?,
        event: present(r.int("event_id")?, "event_id")?,
        urn: Urn::try_from(urn).map_err(|_| StoreError::Schema(format!("urn {urn} is not a URN")))?,
        seat: Role::parse(&seat).map_err(|_| StoreError::Schema(format!("'{seat}' is not a role")))?,
        person: present(r.person_id("person_id")?, "person_id")?,
        substitute: r.person_id("substitute_id")?,
        status: RegistrationStatus::parse(&present(r.text("status")?, "status")?)?,
        nominated_by: present(r.text("nominated_by")?, "nominated_by")?,
        created_at: present(r.instant("created_at")?, "created_at")?,
    })
}

/// The day's capacity and status, with its row held until the transaction ends.
pub(crate) async fn hold_event(
    tx: &mut Tx,
    programme: ProgrammeId,
    event: i64,
) -> Result<(Option<i64>, String), ProgrammeError> {
    let lock = if tx.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
    tx.fetch_one(
        &Sql::new(format!("SELECT capacity, status FROM programme_events WHERE id = ? AND programme_id = ?{lock}"))
            .int(event)
            .int(programme),
        "holding a planned day",
        |r| Ok((r.int("capacity")?, present(r.text("status")?, "status")?)),
    )
    .await?
    .ok_or_else(|| ProgrammeError::Field { field: "day", problem: format!("{event} is not a day of this programme") })
}

/// Gives the places a day has free to those waiting, first come first served (a person who
/// already holds a seat there takes no other place), and queues `tell`'s emails for each.
async fn give_places(
    tx: &mut Tx,
    event: i64,
    capacity: Option<i64>,
    now: DateTime<Utc>,
    tell: &(impl Fn(&Registration) -> Vec<crate::Mail> + Send),
) -> Result<Vec<Registration>, StoreError> {
    let waiting = tx
        .fetch(
            &Sql::new(format!(
                "SELECT {COLUMNS} FROM event_registrations WHERE event_id = ? AND status = ? ORDER BY id"
            ))
            .int(event)
            .text(RegistrationStatus::Waiting.code()),
            "reading the waiting list",
            registration_row,
        )
        .await?;
    let mut promoted = Vec::new();
    for w in waiting {
        let has_place = holds_registered_seat(tx, event, w.person).await?;
        if !has_place
            && let Some(c) = capacity
            && registered_people(tx, event).await? >= c
        {
            break;
        }
        tx.execute(
            &Sql::new("UPDATE event_registrations SET status = ?, updated_at = ? WHERE id = ?")
                .text(RegistrationStatus::Registered.code())
                .instant(now)
                .int(w.id),
            "giving a place to the first waiting",
        )
        .await?;
        let given = Registration { status: RegistrationStatus::Registered, ..w };
        for m in tell(&given) {
            crate::enquiries::queue(tx, &m).await?;
        }
        promoted.push(given);
    }
    Ok(promoted)
}

/// How many different people hold a registered seat at the day.
async fn registered_people(tx: &mut Tx, event: i64) -> Result<i64, StoreError> {
    let n = tx
        .fetch_one(
            &Sql::new(
                "SELECT COUNT(DISTINCT person_id) AS n FROM event_registrations WHERE event_id = ? AND status = ?",
            )
            .int(event)
            .text(RegistrationStatus::Registered.code()),
            "counting the registered",
            |r| present(r.int("n")?, "n"),
        )
        .await?;
    Ok(n.unwrap_or(0))
}

async fn holds_registered_seat(tx: &mut Tx, event: i64, person: PersonId) -> Result<bool, StoreError> {
    Ok(tx
        .fetch_one(
            &Sql::new("SELECT id FROM event_registrations WHERE event_id = ? AND person_id = ? AND status = ?")
                .int(event)
                .int(person)
                .text(RegistrationStatus::Registered.code()),
            "finding a person's seat",
            |r| r.int("id"),
        )
        .await?
        .is_some())
}

/// What a withdrawal did: the places it gave to those waiting, and the registration the
/// substitute took over, when the seat passed to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub given: Vec<Registration>,
    pub successor: Option<Registration>,
}

/// The seat of `before` passes to `substitute`: the row keeps its id (so its turn on the
/// waiting list) with the substitute as its person, and a withdrawn row keeps who held it.
async fn pass_to_substitute(
    tx: &mut Tx,
    before: &Registration,
    substitute: PersonId,
    capacity: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Registration, StoreError> {
    // A withdrawn row of the substitute for this seat would stand in the way of the seat's index.
    tx.execute(
        &Sql::new("DELETE FROM event_registrations WHERE event_id = ? AND urn = ? AND seat = ? AND person_id = ? AND status = ?")
            .int(before.event)
            .int(before.urn)
            .text(before.seat.code())
            .int(substitute)
            .text(RegistrationStatus::Withdrawn.code()),
        "clearing a withdrawn seat",
    )
    .await?;
    tx.execute(
        &Sql::new("UPDATE event_registrations SET person_id = ?, substitute_id = NULL, updated_at = ? WHERE id = ?")
            .int(substitute)
            .instant(now)
            .int(before.id),
        "passing a seat to its substitute",
    )
    .await?;
    tx.execute(
        &Sql::new(
            "INSERT INTO event_registrations (event_id, urn, seat, person_id, substitute_id, status, nominated_by, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .int(before.event)
        .int(before.urn)
        .text(before.seat.code())
        .int(before.person)
        .opt_int(Some(substitute))
        .text(RegistrationStatus::Withdrawn.code())
        .text(before.nominated_by.as_str())
        .instant(before.created_at)
        .instant(now),
        "keeping who held a seat",
    )
    .await?;
    let mut status = before.status;
    // Only when the person withdrawn still holds a place through another seat can the
    // substitute be one person too many.
    if status == RegistrationStatus::Registered
        && let Some(c) = capacity
        && registered_people(tx, before.event).await? > c
    {
        status = RegistrationStatus::Waiting;
        tx.execute(
            &Sql::new("UPDATE event_registrations SET status = ? WHERE id = ?").text(status.code()).int(before.id),
            "putting a substitute on the waiting list",
        )
        .await?;
    }
    Ok(Registration { person: substitute, substitute: None, status, ..before.clone() })
}

impl Db {
    /// Registers a person for a seat of their school: registered while the venue has places,
    /// else waiting. Refused when the day is cancelled or the school's seat is taken by someone
    /// else. The caller has checked the seat is one of the day's and the person is the school's.
    pub async fn register(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        new: &NewRegistration,
    ) -> Result<Registration, ProgrammeError> {
        self.register_and_tell(actor, programme, new, |_| Vec::new()).await
    }

    /// [`Db::register`], queueing in the same transaction the emails `tell` writes for the
    /// status the registration got (registered, or waiting for a place).
    pub async fn register_and_tell(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        new: &NewRegistration,
        tell: impl Fn(RegistrationStatus) -> Vec<crate::Mail> + Send,
    ) -> Result<Registration, ProgrammeError> {
        let mut tx = self.begin().await?;
        let (capacity, status) = hold_event(&mut tx, programme, new.event).await?;
        if status == EventStatus::Cancelled.code() {
            tx.rollback().await?;
            return Err(ProgrammeError::Field { field: "day", problem: "is cancelled".into() });
        }
        let taken = tx
            .fetch_one(
                &Sql::new(
                    "SELECT person_id FROM event_registrations WHERE event_id = ? AND urn = ? AND seat = ? AND status <> ?",
                )
                .int(new.event)
                .int(new.urn)
                .text(new.seat.code())
                .text(RegistrationStatus::Withdrawn.code()),
                "finding the school's seat",
                |r| present(r.person_id("person_id")?, "person_id"),
            )
            .await?;
        let refusal = match taken {
            Some(p) if p == new.person => {
                Some(ProgrammeError::Field { field: "seat", problem: "is already this person's".into() })
            }
            Some(_) => Some(ProgrammeError::Field {
                field: "seat",
                problem: format!(
                    "for the {} of this school is taken: withdraw that person first, or name a substitute",
                    new.seat.label().to_lowercase()
                ),
            }),
            None => None,
        };
        if let Some(e) = refusal {
            // Ended now, not whenever the pool next lends this connection.
            tx.rollback().await?;
            return Err(e);
        }
        // A person already going holds a place: a second seat of theirs takes no other.
        let has_place = holds_registered_seat(&mut tx, new.event, new.person).await?;
        let full = match capacity {
            Some(c) if !has_place => registered_people(&mut tx, new.event).await? >= c,
            _ => false,
        };
        let status = if full { RegistrationStatus::Waiting } else { RegistrationStatus::Registered };
        let now = Utc::now();
        // A withdrawn row of the same seat and person comes back to life.
        tx.execute(
            &Sql::new("DELETE FROM event_registrations WHERE event_id = ? AND urn = ? AND seat = ? AND person_id = ? AND status = ?")
                .int(new.event)
                .int(new.urn)
                .text(new.seat.code())
                .int(new.person)
                .text(RegistrationStatus::Withdrawn.code()),
            "clearing a withdrawn seat",
        )
        .await?;
        let id = tx
            .fetch_one(
                &Sql::new(
                    "INSERT INTO event_registrations (event_id, urn, seat, person_id, substitute_id, status, nominated_by, \
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .int(new.event)
                .int(new.urn)
                .text(new.seat.code())
                .int(new.person)
                .opt_int(new.substitute)
                .text(status.code())
                .text(actor.label.as_str())
                .instant(now)
                .instant(now),
                "registering",
                |r| present(r.int("id")?, "id"),
            )
            .await?
            .ok_or_else(|| StoreError::Schema("a registration was not written".into()))?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventRegister, AuditRecord::Event, new.event)
                .programme(Some(programme))
                .urn(Some(new.urn))
                .after(serde_json::json!({
                    "registration": id, "seat": new.seat.code(), "person": new.person,
                    "substitute": new.substitute, "status": status.code(),
                })),
        )
        .await?;
        for m in tell(status) {
            crate::enquiries::queue(&mut tx, &m).await?;
        }
        tx.commit().await?;
        Ok(Registration {
            id,
            event: new.event,
            urn: new.urn,
            seat: new.seat,
            person: new.person,
            substitute: new.substitute,
            status,
            nominated_by: actor.label.clone(),
            created_at: now,
        })
    }

    /// Sets the places at a day's venue (`None`: no limit). Fewer places than people already
    /// registered is refused (nobody loses a place); more places go to those waiting, who are
    /// told through `tell` in the same transaction. Returns those given a place.
    pub async fn set_places(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        event: i64,
        places: Option<u32>,
        tell: impl Fn(&Registration) -> Vec<crate::Mail> + Send,
    ) -> Result<Vec<Registration>, ProgrammeError> {
        let mut tx = self.begin().await?;
        let (before, status) = hold_event(&mut tx, programme, event).await?;
        if status == EventStatus::Cancelled.code() {
            tx.rollback().await?;
            return Err(ProgrammeError::Field { field: "day", problem: "is cancelled".into() });
        }
        let registered = registered_people(&mut tx, event).await?;
        if let Some(p) = places
            && i64::from(p) < registered
        {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "places",
                problem: format!(
                    "cannot be fewer than the {registered} people who already have a place: give at least {registered}, \
                     or ask schools to withdraw first"
                ),
            });
        }
        let now = Utc::now();
        tx.execute(
            &Sql::new("UPDATE programme_events SET capacity = ?, updated_at = ? WHERE id = ?")
                .opt_int(places.map(i64::from))
                .instant(now)
                .int(event),
            "setting a day's places",
        )
        .await?;
        let capacity = places.map(i64::from);
        let promoted = give_places(&mut tx, event, capacity, now, &tell).await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventPlaces, AuditRecord::Event, event)
                .programme(Some(programme))
                .before(serde_json::json!({ "places": before }))
                .after(serde_json::json!({
                    "places": capacity,
                    "places_given": promoted.iter().map(|r| r.id).collect::<Vec<_>>(),
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(promoted)
    }

    /// Withdraws a registration; the places it frees go to the first waiting, in the order they
    /// asked, and `tell` gives the emails for each of them, queued in the same transaction with
    /// `told` (the letters to the person withdrawn and their substitute).
    /// Returns the registrations moved off the waiting list.
    pub async fn withdraw_registration(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        registration: i64,
        told: &[crate::Mail],
        tell: impl Fn(&Registration) -> Vec<crate::Mail> + Send,
    ) -> Result<Vec<Registration>, ProgrammeError> {
        let w = self.withdraw_to(actor, programme, registration, false, told, |_| Vec::new(), tell).await?;
        Ok(w.given)
    }

    /// Withdraws a registration as [`Db::withdraw_registration`] does; with `to_substitute`, its
    /// seat passes to the substitute named on it instead, keeping its place (or its turn on the
    /// waiting list), and `tell_substitute` writes their letters for the status they hold.
    /// The substitute goes to the waiting list only when the person withdrawn keeps a place
    /// through another seat and the venue is full. Refused when the registration names no
    /// substitute.
    #[allow(clippy::too_many_arguments)]
    pub async fn withdraw_to(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        registration: i64,
        to_substitute: bool,
        told: &[crate::Mail],
        tell_substitute: impl Fn(RegistrationStatus) -> Vec<crate::Mail> + Send,
        tell: impl Fn(&Registration) -> Vec<crate::Mail> + Send,
    ) -> Result<Withdrawal, ProgrammeError> {
        let no_such = || ProgrammeError::Field {
            field: "registration",
            problem: format!("{registration} is not a registration of this programme"),
        };
        let mut tx = self.begin().await?;
        let event = tx
            .fetch_one(
                &Sql::new(
                    "SELECT r.event_id FROM event_registrations r JOIN programme_events v ON v.id = r.event_id \
                     WHERE r.id = ? AND v.programme_id = ?",
                )
                .int(registration)
                .int(programme),
                "finding a registration",
                |r| present(r.int("event_id")?, "event_id"),
            )
            .await?
            .ok_or_else(no_such)?;
        // The day is held first, then the registration read: two withdrawals of one
        // registration at once give its place away once.
        let (capacity, _) = hold_event(&mut tx, programme, event).await?;
        let live = tx
            .fetch_one(
                &Sql::new(format!("SELECT {COLUMNS} FROM event_registrations WHERE id = ? AND status <> ?"))
                    .int(registration)
                    .text(RegistrationStatus::Withdrawn.code()),
                "reading a registration",
                registration_row,
            )
            .await?;
        let Some(before) = live else {
            tx.rollback().await?;
            return Err(no_such());
        };
        // Someone on the roll came or was missed: the roll says so, a withdrawal would hide it.
        let marked = tx
            .fetch_one(
                &Sql::new("SELECT COUNT(*) AS n FROM event_attendance WHERE event_id = ? AND person_id = ?")
                    .int(event)
                    .int(before.person),
                "reading a mark",
                |r| present(r.int("n")?, "n"),
            )
            .await?
            .unwrap_or(0);
        if marked > 0 {
            tx.rollback().await?;
            return Err(ProgrammeError::Field {
                field: "registration",
                problem:
                    "is marked on the day's roll already, so it cannot be withdrawn: correct the mark on the roll \
                          instead"
                        .into(),
            });
        }
        let now = Utc::now();
        let successor = match (to_substitute, before.substitute) {
            (false, _) => None,
            (true, None) => {
                tx.rollback().await?;
                return Err(ProgrammeError::Field {
                    field: "substitute",
                    problem: "is not named for this seat, so the place cannot pass to one: withdraw it without passing it on, \
                              or nominate the person wanted for the seat"
                        .into(),
                });
            }
            (true, Some(s)) => Some(s),
        };
        let passed = match successor {
            None => {
                tx.execute(
                    &Sql::new("UPDATE event_registrations SET status = ?, updated_at = ? WHERE id = ?")
                        .text(RegistrationStatus::Withdrawn.code())
                        .instant(now)
                        .int(registration),
                    "withdrawing a registration",
                )
                .await?;
                None
            }
            Some(s) => Some(pass_to_substitute(&mut tx, &before, s, capacity, now).await?),
        };
        for m in told {
            crate::enquiries::queue(&mut tx, m).await?;
        }
        if let Some(r) = &passed {
            for m in tell_substitute(r.status) {
                crate::enquiries::queue(&mut tx, &m).await?;
            }
        }
        let given = give_places(&mut tx, event, capacity, now, &tell).await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventWithdraw, AuditRecord::Event, event).programme(Some(programme)).after(
                serde_json::json!({
                    "registration": registration,
                    "person": before.person,
                    "passed_to_substitute": passed.as_ref().map(|r| serde_json::json!({
                        "person": r.person, "status": r.status.code(),
                    })),
                    "places_given": given.iter().map(|r| r.id).collect::<Vec<_>>(),
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Withdrawal { given, successor: passed })
    }

    /// A school's registrations at the days of a programme, withdrawn ones too, by day and in
    /// the order they were made: a school's year read at once, not a day at a time.
    pub async fn school_registrations(
        &self,
        programme: ProgrammeId,
        urn: Urn,
    ) -> Result<Vec<Registration>, StoreError> {
        self.fetch(
            &Sql::new(format!(
                "SELECT {COLUMNS} FROM event_registrations WHERE urn = ? \
                 AND event_id IN (SELECT id FROM programme_events WHERE programme_id = ?) ORDER BY event_id, id"
            ))
            .int(urn)
            .int(programme),
            "reading a school's registrations",
            registration_row,
        )
        .await
    }

    /// A day's registrations, withdrawn ones too, in the order they were made.
    pub async fn registrations(&self, programme: ProgrammeId, event: i64) -> Result<Vec<Registration>, StoreError> {
        self.fetch(
            &Sql::new(format!(
                "SELECT {COLUMNS} FROM event_registrations WHERE event_id = ? \
                 AND event_id IN (SELECT id FROM programme_events WHERE programme_id = ?) ORDER BY id"
            ))
            .int(event)
            .int(programme),
            "reading a day's registrations",
            registration_row,
        )
        .await
    }
}

impl Db {
    /// The days a person holds a registered seat at, in a programme.
    pub async fn registered_days(&self, programme: ProgrammeId, person: PersonId) -> Result<Vec<i64>, StoreError> {
        self.fetch(
            &Sql::new(
                "SELECT DISTINCT r.event_id FROM event_registrations r JOIN programme_events v ON v.id = r.event_id \
                 WHERE v.programme_id = ? AND r.person_id = ? AND r.status = ? ORDER BY r.event_id",
            )
            .int(programme)
            .int(person)
            .text(RegistrationStatus::Registered.code()),
            "reading a person's days",
            |r| present(r.int("event_id")?, "event_id"),
        )
        .await
    }
}

impl Db {
    /// A school's days of staff time used: each person registered (or named as the substitute)
    /// and marked present or late, once a day however many seats they held (under their first
    /// seat's role), with the day's id.
    pub async fn used_seats(&self, programme: ProgrammeId, urn: Urn) -> Result<Vec<(i64, Role)>, StoreError> {
        let rows = self.fetch(
            &Sql::new(
                "SELECT r.event_id, a.person_id, r.seat FROM event_registrations r \
                 JOIN programme_events v ON v.id = r.event_id \
                 JOIN event_attendance a ON a.event_id = r.event_id \
                 AND (a.person_id = r.person_id OR a.person_id = r.substitute_id) \
                 WHERE v.programme_id = ? AND r.urn = ? AND r.status = ? AND a.mark IN (?, ?) ORDER BY r.event_id, r.id",
            )
            .int(programme)
            .int(urn)
            .text(RegistrationStatus::Registered.code())
            .text(aspire_core::attendance::Mark::Present.code())
            .text(aspire_core::attendance::Mark::Late.code()),
            "reading the seats a school used",
            |r| {
                let seat = present(r.text("seat")?, "seat")?;
                Ok((
                    present(r.int("event_id")?, "event_id")?,
                    present(r.person_id("person_id")?, "person_id")?,
                    Role::parse(&seat).map_err(|_| StoreError::Schema(format!("'{seat}' is not a role")))?,
                ))
            },
        )
        .await?;
        let mut seen = std::collections::BTreeSet::new();
        Ok(rows.into_iter().filter(|(e, p, _)| seen.insert((*e, *p))).map(|(e, _, r)| (e, r)).collect())
    }
}

impl Db {
    /// Queues a day's reminders sent `days_before` it, each person's once (a reminder already
    /// sent is skipped), in one transaction. Returns how many were queued.
    pub async fn queue_reminders(
        &self,
        event: i64,
        days_before: u32,
        mails: &[(PersonId, crate::Mail)],
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let sent: std::collections::BTreeSet<i64> = tx
            .fetch(
                &Sql::new("SELECT person_id FROM event_reminders WHERE event_id = ? AND days_before = ?")
                    .int(event)
                    .int(i64::from(days_before)),
                "finding the reminders sent",
                |r| present(r.int("person_id")?, "person_id"),
            )
            .await?
            .into_iter()
            .collect();
        let now = Utc::now();
        let mut queued = 0;
        for (person, mail) in mails.iter().filter(|(p, _)| !sent.contains(&i64::from(*p))) {
            tx.execute(
                &Sql::new(
                    "INSERT INTO event_reminders (event_id, person_id, days_before, sent_at) VALUES (?, ?, ?, ?)",
                )
                .int(event)
                .int(*person)
                .int(i64::from(days_before))
                .instant(now),
                "recording a reminder",
            )
            .await?;
            crate::enquiries::queue(&mut tx, mail).await?;
            queued += 1;
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// The planned days held on `date`, in every programme.
    pub async fn days_on(&self, date: chrono::NaiveDate) -> Result<Vec<i64>, StoreError> {
        self.fetch(
            &Sql::new("SELECT id FROM programme_events WHERE held_on = ? AND status = ? ORDER BY id")
                .opt_date(Some(date))
                .text(EventStatus::Planned.code()),
            "finding the days on a date",
            |r| present(r.int("id")?, "id"),
        )
        .await
    }

    /// The programme a planned day belongs to.
    pub async fn programme_of_day(&self, event: i64) -> Result<Option<ProgrammeId>, StoreError> {
        Ok(self
            .fetch_one(
                &Sql::new("SELECT programme_id FROM programme_events WHERE id = ?").int(event),
                "finding a day's programme",
                |r| r.programme_id("programme_id"),
            )
            .await?
            .flatten())
    }
}
