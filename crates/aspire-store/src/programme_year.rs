//! The programme year (migration 0016): each network's own start date and its planned days
//! (Network Days and its schools' Development Days). A plan is saved whole or not at all; a
//! moved or cancelled day keeps its row and its calendar identity, and raises its sequence so
//! that calendars replace what they hold. The planner is `aspire_core::schedule`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use aspire_core::access::Visible;
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{NetworkId, PersonId, ProgrammeId};
use aspire_core::template::Term;
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event, scope_condition};
use crate::enquiries::Mail;
use crate::sql::{RowGet, Sql, present};
use crate::{Backend, Db, ProgrammeError, StoreError};

/// Whether a planned day still happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Planned,
    Cancelled,
}

impl EventStatus {
    pub(crate) fn code(self) -> &'static str {
        match self {
            EventStatus::Planned => "planned",
            EventStatus::Cancelled => "cancelled",
        }
    }

    fn parse(code: &str) -> Result<EventStatus, StoreError> {
        match code {
            "planned" => Ok(EventStatus::Planned),
            "cancelled" => Ok(EventStatus::Cancelled),
            other => Err(StoreError::Schema(format!("'{other}' is not an event status this program knows"))),
        }
    }
}

/// Which of a programme's days a calendar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaysOf {
    Programme,
    Day(i64),
    Network(NetworkId),
    /// The school's own days and its network's Network Days.
    School(Urn),
    /// The days a person leads or holds a registered seat at.
    Person(PersonId),
}

/// A day to add to a network's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub network: NetworkId,
    /// The template's event key.
    pub kind: String,
    pub number: u32,
    pub term: Term,
    pub held_on: NaiveDate,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    /// The school, for an event held in one school.
    pub urn: Option<Urn>,
    pub adviser: Option<PersonId>,
    /// Places at the venue; `None`: no limit.
    pub capacity: Option<u32>,
}

/// Where a moved day goes: its new date, in its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovedTo {
    pub date: NaiveDate,
    pub term: Term,
}

/// A planned (or cancelled) day of the programme year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeEvent {
    pub id: i64,
    pub programme: ProgrammeId,
    pub network: NetworkId,
    pub kind: String,
    pub number: u32,
    pub term: Term,
    pub held_on: NaiveDate,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub urn: Option<Urn>,
    pub adviser: Option<PersonId>,
    pub capacity: Option<u32>,
    pub status: EventStatus,
    pub cancel_reason: Option<String>,
    /// Recorded as held by whoever took its roll, with or without marks on it.
    pub held_recorded: bool,
    /// Raised on every change those invited see.
    pub sequence: u32,
    /// The event's identity in calendar feeds.
    pub uid: String,
    pub updated_at: DateTime<Utc>,
}

const EVENT_COLUMNS: &str = "v.id, v.programme_id, v.network_id, v.kind, v.number, v.term, v.held_on, v.starts_at, \
     v.ends_at, v.urn, v.adviser_id, v.capacity, v.status, v.cancel_reason, v.held_recorded, v.sequence, v.uid, v.updated_at";

fn time_of(text: &str, col: &str) -> Result<NaiveTime, StoreError> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| StoreError::Schema(format!("{col} '{text}' is not a time")))
}

fn event_row(r: &dyn RowGet) -> Result<ProgrammeEvent, StoreError> {
    let term = present(r.text("term")?, "term")?;
    let count = |col: &str| -> Result<u32, StoreError> {
        let v = present(r.int(col)?, col)?;
        u32::try_from(v).map_err(|_| StoreError::Schema(format!("{col} {v} is out of range")))
    };
    Ok(ProgrammeEvent {
        id: present(r.int("id")?, "id")?,
        programme: present(r.programme_id("programme_id")?, "programme_id")?,
        network: present(r.network_id("network_id")?, "network_id")?,
        kind: present(r.text("kind")?, "kind")?,
        number: count("number")?,
        term: Term::parse_code(&term).ok_or_else(|| StoreError::Schema(format!("'{term}' is not a term")))?,
        held_on: present(r.date("held_on")?, "held_on")?,
        starts_at: time_of(&present(r.text("starts_at")?, "starts_at")?, "starts_at")?,
        ends_at: time_of(&present(r.text("ends_at")?, "ends_at")?, "ends_at")?,
        urn: match r.int("urn")? {
            Some(u) => Some(Urn::try_from(u).map_err(|_| StoreError::Schema(format!("urn {u} is not a URN")))?),
            None => None,
        },
        adviser: r.person_id("adviser_id")?,
        capacity: match r.int("capacity")? {
            Some(c) => Some(u32::try_from(c).map_err(|_| StoreError::Schema(format!("capacity {c} is out of range")))?),
            None => None,
        },
        status: EventStatus::parse(&present(r.text("status")?, "status")?)?,
        cancel_reason: r.text("cancel_reason")?,
        held_recorded: present(r.flag("held_recorded")?, "held_recorded")?,
        sequence: count("sequence")?,
        uid: present(r.text("uid")?, "uid")?,
        updated_at: present(r.instant("updated_at")?, "updated_at")?,
    })
}

/// A day of the person (bound as: person, person, "withdrawn", person, "withdrawn"): led by
/// them, or with a seat of theirs, or one they are the substitute for.
const PERSONS_DAY: &str = "v.id IN (SELECT a.id FROM programme_events a WHERE a.adviser_id = ? \
     UNION SELECT r.event_id FROM event_registrations r WHERE r.person_id = ? AND r.status <> ? \
     UNION SELECT s.event_id FROM event_registrations s WHERE s.substitute_id = ? AND s.status <> ?)";

/// Rows per INSERT when a plan is saved: well inside both backends' limits on arguments.
const ROWS_PER_INSERT: usize = 400;

/// Binds a new day's values in the column order of the INSERTs of `save_plan` and `add_event`.
fn bind_new_event(sql: Sql, programme: ProgrammeId, e: &NewEvent, number: i64, uid: &str, now: DateTime<Utc>) -> Sql {
    sql.int(programme)
        .int(e.network)
        .text(e.kind.as_str())
        .int(number)
        .text(e.term.code())
        .opt_date(Some(e.held_on))
        .text(e.starts_at.format("%H:%M").to_string())
        .text(e.ends_at.format("%H:%M").to_string())
        .opt_int(e.urn.map(i64::from))
        .opt_int(e.adviser)
        .opt_int(e.capacity.map(i64::from))
        .text(EventStatus::Planned.code())
        .opt_text(None::<String>)
        .text(uid)
        .instant(now)
        .instant(now)
}

impl Db {
    /// Each network's own start date (absent: the programme's).
    pub async fn network_starts(&self, programme: ProgrammeId) -> Result<BTreeMap<NetworkId, NaiveDate>, StoreError> {
        let rows = self
            .fetch(
                &Sql::new("SELECT id, starts_on FROM networks WHERE programme_id = ? AND starts_on IS NOT NULL")
                    .int(programme),
                "reading networks' start dates",
                |r| Ok((present(r.network_id("id")?, "id")?, present(r.date("starts_on")?, "starts_on")?)),
            )
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Sets the first day a network's events may be held (`None`: the programme's start).
    pub async fn set_network_start(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        network: NetworkId,
        starts: Option<NaiveDate>,
    ) -> Result<(), ProgrammeError> {
        let n = self.network(network).await?.filter(|n| n.programme == programme);
        n.ok_or(ProgrammeError::NoSuchNetwork(network))?;
        let before = self.network_starts(programme).await?.get(&network).copied();
        let mut tx = self.begin().await?;
        tx.execute(
            &Sql::new("UPDATE networks SET starts_on = ? WHERE id = ?").opt_date(starts).int(network),
            "setting a network's start date",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::NetworkStart, AuditRecord::Network, network)
                .programme(Some(programme))
                .before(serde_json::json!({ "starts_on": before }))
                .after(serde_json::json!({ "starts_on": starts })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves the planned days of some of a programme's networks, all or none. Refused, writing
    /// nothing, when one of those networks already has days (move or cancel them instead).
    pub async fn save_plan(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        events: &[NewEvent],
    ) -> Result<usize, ProgrammeError> {
        self.save_plan_and_tell(actor, programme, events, &[]).await
    }

    /// [`Db::save_plan`], queueing `notify` (the head teachers' invitations to nominate) in the
    /// same transaction.
    pub async fn save_plan_and_tell(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        events: &[NewEvent],
        notify: &[Mail],
    ) -> Result<usize, ProgrammeError> {
        let all = Visible::everything();
        let ids: BTreeSet<NetworkId> = self.networks(programme, &all).await?.iter().map(|n| n.id).collect();
        let planned: BTreeSet<NetworkId> = events.iter().map(|e| e.network).collect();
        if let Some(n) = planned.iter().find(|n| !ids.contains(n)) {
            return Err(ProgrammeError::NoSuchNetwork(*n));
        }
        let now = Utc::now();
        let stamp = now.format("%Y%m%dT%H%M%S%6f").to_string();
        let mut tx = self.begin().await?;
        // Two plans saved at once for one programme: the second waits here, then finds the
        // first's days (SQLite: the write lock taken at BEGIN IMMEDIATE).
        if tx.backend() == Backend::Postgres {
            tx.execute(
                &Sql::new("SELECT id FROM programmes WHERE id = ? FOR UPDATE").int(programme),
                "locking the programme",
            )
            .await?;
        }
        if !planned.is_empty() {
            let list = planned.iter().map(|n| n.get().to_string()).collect::<Vec<_>>().join(", ");
            let already = tx
                .fetch_one(
                    &Sql::new(format!(
                        "SELECT v.network_id, n.name FROM programme_events v JOIN networks n ON n.id = v.network_id \
                         WHERE v.network_id IN ({list}) ORDER BY n.name"
                    )),
                    "looking for days already planned",
                    |r| present(r.text("name")?, "name"),
                )
                .await?;
            if let Some(name) = already {
                tx.rollback().await?;
                return Err(ProgrammeError::Field {
                    field: "plan",
                    problem: format!(
                        "would replace the days already planned for {name}: move, cancel or add days one by one instead"
                    ),
                });
            }
        }
        for (c, chunk) in events.chunks(ROWS_PER_INSERT).enumerate() {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"; chunk.len()].join(", ");
            let mut sql = Sql::new(format!(
                "INSERT INTO programme_events (programme_id, network_id, kind, number, term, held_on, starts_at, \
                 ends_at, urn, adviser_id, capacity, status, cancel_reason, sequence, uid, created_at, updated_at) VALUES {values}"
            ));
            for (i, e) in chunk.iter().enumerate() {
                // When the plan was saved and the day's place in it: unique, and never reused.
                let uid = format!("{stamp}-{}-p{programme}-n{}-{}@aspire", c * ROWS_PER_INSERT + i, e.network, e.kind);
                sql = bind_new_event(sql, programme, e, i64::from(e.number), &uid, now);
            }
            tx.execute(&sql, "saving planned days").await?;
        }
        let per_network: BTreeMap<String, usize> =
            planned.iter().map(|n| (n.to_string(), events.iter().filter(|e| e.network == *n).count())).collect();
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventsPlan, AuditRecord::Programme, programme)
                .programme(Some(programme))
                .after(serde_json::json!({ "days": events.len(), "per_network": per_network })),
        )
        .await?;
        for m in notify {
            crate::enquiries::queue(&mut tx, m).await?;
        }
        tx.commit().await?;
        Ok(events.len())
    }

    /// Adds one day to a network's year (the caller has checked the schools are open and the
    /// plan is not broken), with its number the next of its kind in its term (at its school),
    /// audited, and `notify` queued in the same transaction. Returns the day.
    pub async fn add_event(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        e: &NewEvent,
        notify: impl Fn(&ProgrammeEvent) -> Vec<Mail> + Send,
    ) -> Result<ProgrammeEvent, ProgrammeError> {
        let network = self.network(e.network).await?;
        if network.is_none_or(|n| n.programme != programme) {
            return Err(ProgrammeError::NoSuchNetwork(e.network));
        }
        let mut tx = self.begin().await?;
        if tx.backend() == Backend::Postgres {
            tx.execute(
                &Sql::new("SELECT id FROM programmes WHERE id = ? FOR UPDATE").int(programme),
                "locking the programme",
            )
            .await?;
        }
        let school = match e.urn {
            Some(u) => format!("urn = {}", i64::from(u)),
            None => "urn IS NULL".to_owned(),
        };
        let last = tx
            .fetch_one(
                &Sql::new(format!(
                    "SELECT MAX(number) AS n FROM programme_events WHERE network_id = ? AND kind = ? AND term = ? AND {school}"
                ))
                .int(e.network)
                .text(e.kind.as_str())
                .text(e.term.code()),
                "numbering the day",
                |r| r.int("n"),
            )
            .await?
            .flatten()
            .unwrap_or(0);
        let number = last + 1;
        let now = Utc::now();
        let uid = format!("{}-added-p{programme}-n{}-{}@aspire", now.format("%Y%m%dT%H%M%S%6f"), e.network, e.kind);
        let id = tx
            .fetch_one(
                &bind_new_event(
                    Sql::new(
                        "INSERT INTO programme_events (programme_id, network_id, kind, number, term, held_on, starts_at, \
                         ends_at, urn, adviser_id, capacity, status, cancel_reason, sequence, uid, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id",
                    ),
                    programme,
                    e,
                    number,
                    &uid,
                    now,
                ),
                "adding a day",
                |r| present(r.int("id")?, "id"),
            )
            .await?
            .ok_or_else(|| StoreError::Schema("a day was not written".into()))?;
        let day = ProgrammeEvent {
            id,
            programme,
            network: e.network,
            kind: e.kind.clone(),
            number: u32::try_from(number).unwrap_or(u32::MAX),
            term: e.term,
            held_on: e.held_on,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            urn: e.urn,
            adviser: e.adviser,
            capacity: e.capacity,
            status: EventStatus::Planned,
            cancel_reason: None,
            held_recorded: false,
            sequence: 0,
            uid,
            updated_at: now,
        };
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::EventAdd, AuditRecord::Event, id).programme(Some(programme)).urn(e.urn).after(
                serde_json::json!({
                    "network": e.network, "kind": e.kind, "number": number, "term": e.term.code(),
                    "date": e.held_on, "places": e.capacity,
                }),
            ),
        )
        .await?;
        for m in notify(&day) {
            crate::enquiries::queue(&mut tx, &m).await?;
        }
        tx.commit().await?;
        Ok(day)
    }

    /// The programme's days the reader may see (a network's adviser and schools: that
    /// network's), in date order, cancelled ones too.
    pub async fn programme_events(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<ProgrammeEvent>, StoreError> {
        let cond = scope_condition(visible, Some("v.programme_id"), Some("v.network_id"), None);
        self.fetch(
            &Sql::new(format!(
                "SELECT {EVENT_COLUMNS} FROM programme_events v WHERE v.programme_id = ? AND {cond} \
                 ORDER BY v.held_on, v.network_id, COALESCE(v.urn, 0), v.id"
            ))
            .int(programme),
            "reading the programme's days",
            event_row,
        )
        .await
    }

    /// The days of the schools `visible` shows (their Development Days and their networks'
    /// Network Days), for a reader who sees schools but not their networks (a local authority's
    /// officer): never another school's Development Day.
    pub async fn school_events(
        &self,
        programme: ProgrammeId,
        visible: &Visible,
    ) -> Result<Vec<ProgrammeEvent>, StoreError> {
        let mine = scope_condition(visible, Some("e.programme_id"), None, Some("e.urn"));
        let own = scope_condition(visible, Some("v.programme_id"), None, Some("v.urn"));
        self.fetch(
            &Sql::new(format!(
                "SELECT {EVENT_COLUMNS} FROM programme_events v WHERE v.programme_id = ? \
                 AND v.network_id IN (SELECT e.network_id FROM enrolments e WHERE e.programme_id = ? \
                 AND e.network_id IS NOT NULL AND {mine}) AND (v.urn IS NULL OR {own}) \
                 ORDER BY v.held_on, v.network_id, COALESCE(v.urn, 0), v.id"
            ))
            .int(programme)
            .int(programme),
            "reading the days of a reader's schools",
            event_row,
        )
        .await
    }

    /// A person's days in every programme, from `from` to `to` inclusive, in date order
    /// (cancelled ones too, to show them struck through): those they lead as an Achievement
    /// Adviser and those they hold a seat at, or are named the substitute for.
    pub async fn person_events(
        &self,
        adviser: PersonId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProgrammeEvent>, StoreError> {
        self.fetch(
            &Sql::new(format!(
                "SELECT {EVENT_COLUMNS} FROM programme_events v WHERE ({PERSONS_DAY}) AND v.held_on >= ? \
                 AND v.held_on <= ? ORDER BY v.held_on, v.starts_at, v.id"
            ))
            .int(adviser)
            .int(adviser)
            .text("withdrawn")
            .int(adviser)
            .text("withdrawn")
            .opt_date(Some(from))
            .opt_date(Some(to)),
            "reading a person's days",
            event_row,
        )
        .await
    }

    /// The dates of a person's nearest days (as [`Db::person_events`] finds them) before
    /// `before` and after `after`, for paging through their weeks.
    pub async fn person_neighbours(
        &self,
        adviser: PersonId,
        before: NaiveDate,
        after: NaiveDate,
    ) -> Result<(Option<NaiveDate>, Option<NaiveDate>), StoreError> {
        let one = |agg: &str, cmp: &str, d: NaiveDate| {
            Sql::new(format!(
                "SELECT {agg}(v.held_on) AS d FROM programme_events v WHERE ({PERSONS_DAY}) AND v.held_on {cmp} ? \
                 AND v.status = ?"
            ))
            .int(adviser)
            .int(adviser)
            .text("withdrawn")
            .int(adviser)
            .text("withdrawn")
            .opt_date(Some(d))
            // The days either side to page to are days that happen, not cancelled ones.
            .text(EventStatus::Planned.code())
        };
        let last =
            self.fetch_one(&one("MAX", "<", before), "finding a person's last day", |r| r.date("d")).await?.flatten();
        let next =
            self.fetch_one(&one("MIN", ">", after), "finding a person's next day", |r| r.date("d")).await?.flatten();
        Ok((last, next))
    }

    /// The days of a programme a calendar shows (cancelled ones too), in date order, found in
    /// the database rather than among all the programme's days.
    pub async fn days_of(&self, programme: ProgrammeId, of: DaysOf) -> Result<Vec<ProgrammeEvent>, StoreError> {
        let base = Sql::new("");
        let (cond, sql) = match of {
            DaysOf::Programme => ("1 = 1", base),
            DaysOf::Day(id) => ("v.id = ?", base.int(id)),
            DaysOf::Network(n) => ("v.network_id = ?", base.int(n)),
            DaysOf::School(u) => (
                "(v.urn = ? OR (v.urn IS NULL AND v.network_id IN \
                 (SELECT e.network_id FROM enrolments e WHERE e.programme_id = ? AND e.urn = ?)))",
                base.int(u).int(programme).int(u),
            ),
            // Found from the person's own rows (the programme is checked on them), not by
            // reading every day of the programme.
            DaysOf::Person(p) => (
                "v.id IN (SELECT a.id FROM programme_events a WHERE a.adviser_id = ? AND a.programme_id = ? \
                 UNION SELECT r.event_id FROM event_registrations r JOIN programme_events b ON b.id = r.event_id \
                 WHERE r.person_id = ? AND r.status = ? AND b.programme_id = ?)",
                base.int(p).int(programme).int(p).text("registered").int(programme),
            ),
        };
        let mut q = match of {
            DaysOf::Person(_) => Sql::new(format!(
                "SELECT {EVENT_COLUMNS} FROM programme_events v WHERE {cond} ORDER BY v.held_on, v.network_id, v.id"
            )),
            _ => Sql::new(format!(
                "SELECT {EVENT_COLUMNS} FROM programme_events v WHERE v.programme_id = ? AND {cond} \
                 ORDER BY v.held_on, v.network_id, v.id"
            ))
            .int(programme),
        };
        q.args.extend(sql.args);
        self.fetch(&q, "reading a calendar's days", event_row).await
    }

    /// One day of a programme, whoever may see it (the caller asks the policy first).
    pub async fn programme_event(&self, programme: ProgrammeId, id: i64) -> Result<Option<ProgrammeEvent>, StoreError> {
        self.fetch_one(
            &Sql::new(format!("SELECT {EVENT_COLUMNS} FROM programme_events v WHERE v.programme_id = ? AND v.id = ?"))
                .int(programme)
                .int(id),
            "finding a planned day",
            event_row,
        )
        .await
    }

    /// Moves a planned day to another date in `term`, raising its sequence. The caller has
    /// checked the new date against the calendars; a cancelled day cannot be moved.
    pub async fn move_event(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        id: i64,
        to: MovedTo,
        reason: &str,
        notify: &[Mail],
    ) -> Result<ProgrammeEvent, ProgrammeError> {
        self.change_event(actor, programme, id, Change::Move { to: to.date, term: to.term, reason }, notify).await
    }

    /// Cancels a planned day with its reason (required), raising its sequence; the row stays so
    /// that calendars are told. `notify`: emails queued in the same transaction (those invited).
    pub async fn cancel_event(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        id: i64,
        reason: &str,
        notify: &[Mail],
    ) -> Result<ProgrammeEvent, ProgrammeError> {
        self.change_event(actor, programme, id, Change::Cancel { reason }, notify).await
    }

    async fn change_event(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        id: i64,
        change: Change<'_>,
        notify: &[Mail],
    ) -> Result<ProgrammeEvent, ProgrammeError> {
        let no_such =
            || ProgrammeError::Field { field: "day", problem: format!("{id} is not a day of this programme") };
        let reason = change.reason().trim();
        if reason.chars().count() > 500 {
            return Err(ProgrammeError::Field { field: "reason", problem: "must be at most 500 characters".into() });
        }
        if matches!(change, Change::Cancel { .. }) && reason.is_empty() {
            return Err(ProgrammeError::Field {
                field: "reason",
                problem: "is required: those invited are told why".into(),
            });
        }
        let now = Utc::now();
        let mut tx = self.begin().await?;
        // Read under the lock the change is written under, so that two changes at once see
        // each other (a day cancelled while it is being moved stays cancelled).
        let lock = if tx.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
        let before = tx
            .fetch_one(
                &Sql::new(format!(
                    "SELECT {EVENT_COLUMNS} FROM programme_events v WHERE v.programme_id = ? AND v.id = ?{lock}"
                ))
                .int(programme)
                .int(id),
                "finding a planned day",
                event_row,
            )
            .await?;
        // A refusal ends the transaction now, not whenever the pool next lends the connection.
        let refusal = match (&before, &change) {
            (None, _) => Some(no_such()),
            (Some(b), _) if b.status == EventStatus::Cancelled => {
                Some(ProgrammeError::Field { field: "day", problem: "was cancelled: add a new day instead".into() })
            }
            (Some(b), Change::Move { to, .. }) if *to == b.held_on => {
                Some(ProgrammeError::Field { field: "date", problem: "is the day's date already".into() })
            }
            _ => None,
        };
        // A day that took place keeps its date and its roll: cancelling or moving it would take
        // its attendance out of every dose and tell everyone of a change that never happened.
        let refusal = match (&before, refusal) {
            (Some(b), None) => took_place(&mut tx, b, &change).await?,
            (_, r) => r,
        };
        let (Some(before), None) = (before, refusal.as_ref()) else {
            tx.rollback().await?;
            return Err(refusal.unwrap_or_else(no_such));
        };
        let (sql, action, after) = match change {
            Change::Move { to, term, .. } => (
                Sql::new(
                    "UPDATE programme_events SET held_on = ?, term = ?, sequence = sequence + 1, updated_at = ? \
                         WHERE id = ?",
                )
                .opt_date(Some(to))
                .text(term.code())
                .instant(now)
                .int(id),
                AuditAction::EventMove,
                serde_json::json!({ "held_on": to, "term": term.code(), "reason": reason }),
            ),
            Change::Cancel { .. } => (
                Sql::new(
                    "UPDATE programme_events SET status = ?, cancel_reason = ?, sequence = sequence + 1, \
                         updated_at = ? WHERE id = ?",
                )
                .text(EventStatus::Cancelled.code())
                .text(reason)
                .instant(now)
                .int(id),
                AuditAction::EventCancel,
                serde_json::json!({ "status": "cancelled", "reason": reason }),
            ),
        };
        tx.execute(&sql, "changing a planned day").await?;
        for m in notify {
            crate::enquiries::queue(&mut tx, m).await?;
        }
        audit::record(
            &mut tx,
            actor,
            Event::new(action, AuditRecord::Event, id)
                .programme(Some(programme))
                .before(serde_json::json!({ "held_on": before.held_on, "term": before.term.code(), "status": before.status }))
                .after(after),
        )
        .await?;
        tx.commit().await?;
        self.programme_event(programme, id).await?.ok_or_else(no_such)
    }
}

/// Why `change` is refused for a day recorded as held or with someone marked there.
async fn took_place(
    tx: &mut crate::sql::Tx,
    day: &ProgrammeEvent,
    change: &Change<'_>,
) -> Result<Option<ProgrammeError>, StoreError> {
    let came = tx
        .fetch_one(
            &Sql::new("SELECT COUNT(*) AS n FROM event_attendance WHERE event_id = ? AND mark IN (?, ?)")
                .int(day.id)
                .text(aspire_core::attendance::Mark::Present.code())
                .text(aspire_core::attendance::Mark::Late.code()),
            "counting who came to a day",
            |r| present(r.int("n")?, "n"),
        )
        .await?
        .unwrap_or(0);
    if came == 0 && !day.held_recorded {
        return Ok(None);
    }
    let what = match change {
        Change::Move { .. } => "moved",
        Change::Cancel { .. } => "cancelled",
    };
    let record = match came {
        0 => "it is recorded as held".to_owned(),
        1 => "1 person is marked present or late on its roll".to_owned(),
        n => format!("{n} people are marked present or late on its roll"),
    };
    Ok(Some(ProgrammeError::Field {
        field: "day",
        problem: format!(
            "took place ({record}), so it cannot be {what}. If that record is wrong, correct it on the \
             day's roll first (mark who did not come as absent, or take back that it was held)"
        ),
    }))
}

enum Change<'a> {
    Move { to: NaiveDate, term: Term, reason: &'a str },
    Cancel { reason: &'a str },
}

impl Change<'_> {
    fn reason(&self) -> &str {
        match self {
            Change::Move { reason, .. } | Change::Cancel { reason } => reason,
        }
    }
}

impl Db {
    /// Each network's Achievement Adviser (the first given, when a network has several).
    pub async fn network_advisers(&self, programme: ProgrammeId) -> Result<BTreeMap<NetworkId, PersonId>, StoreError> {
        Ok(self
            .all_network_advisers(programme)
            .await?
            .into_iter()
            .filter_map(|(n, people)| people.first().map(|p| (n, *p)))
            .collect())
    }

    /// Every Achievement Adviser of each network, in the order given (a network has one, but
    /// roles given before that was kept may have left two).
    pub async fn all_network_advisers(
        &self,
        programme: ProgrammeId,
    ) -> Result<BTreeMap<NetworkId, Vec<PersonId>>, StoreError> {
        let rows = self
            .fetch(
                &Sql::new(
                    "SELECT g.network_id, g.person_id FROM grants g JOIN people p ON p.id = g.person_id \
                     WHERE g.role = ? AND g.programme_id = ? AND g.network_id IS NOT NULL AND p.disabled = ? \
                     ORDER BY g.network_id, g.id",
                )
                .text(aspire_core::people::Role::AchievementAdviser.code())
                .int(programme)
                .flag(false),
                "reading networks' advisers",
                |r| {
                    Ok((
                        present(r.network_id("network_id")?, "network_id")?,
                        present(r.person_id("person_id")?, "person_id")?,
                    ))
                },
            )
            .await?;
        let mut out: BTreeMap<NetworkId, Vec<PersonId>> = BTreeMap::new();
        for (n, p) in rows {
            out.entry(n).or_default().push(p);
        }
        Ok(out)
    }
}
