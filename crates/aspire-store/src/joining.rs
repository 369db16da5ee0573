//! Joining a programme (migration 0011): the checklist items people tick, what the platform's
//! own records say for the others (who holds roles at each school), and the reminders sent to
//! schools' heads. The rules are `aspire_core::joining`; the use cases `aspire_app::joining`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::joining::{Facts, Item, REMIND_AT_MOST_EVERY_DAYS, Tick};
use aspire_core::people::{ProgrammeId, Role};
use aspire_core::urn::Urn;

use crate::audit::{self, Actor, Event};
use crate::sql::{Sql, present};
use crate::{Db, StoreError};

/// What the store knows about the schools of a programme, for their checklists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoiningRecords {
    pub facts: BTreeMap<Urn, Facts>,
    pub ticks: BTreeMap<Urn, Vec<Tick>>,
    pub last_reminded: BTreeMap<Urn, DateTime<Utc>>,
}

/// A reminder to send: the school's heads' addresses and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub programme: ProgrammeId,
    pub urn: Urn,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub open_items: usize,
}

fn urn_of(v: Option<i64>) -> Option<Urn> {
    v.and_then(|u| Urn::try_from(u).ok())
}

impl Db {
    /// The joining records of a programme's schools (of all of them, or of one).
    pub async fn joining_records(
        &self,
        programme: ProgrammeId,
        urn: Option<Urn>,
    ) -> Result<JoiningRecords, StoreError> {
        let only = |col: &str| match urn {
            Some(u) => format!(" AND {col} = {}", i64::from(u)),
            None => String::new(),
        };
        let mut out = JoiningRecords::default();
        let facts = self
            .fetch(
                &Sql::new(format!(
                    "SELECT g.urn, COUNT(DISTINCT g.person_id) AS people, \
                     COUNT(DISTINCT CASE WHEN g.role = ? THEN g.person_id END) AS heads \
                     FROM grants g JOIN people p ON p.id = g.person_id \
                     WHERE p.disabled = ? AND g.urn IN (SELECT urn FROM enrolments WHERE programme_id = ?){} \
                     GROUP BY g.urn",
                    only("g.urn")
                ))
                .text(Role::HeadTeacher.code())
                .flag(false)
                .int(programme),
                "reading who holds roles at the schools",
                |r| {
                    Ok(urn_of(r.int("urn")?).map(|u| {
                        Ok::<_, StoreError>((
                            u,
                            Facts {
                                people: usize::try_from(present(r.int("people")?, "people")?).unwrap_or(0),
                                heads: usize::try_from(present(r.int("heads")?, "heads")?).unwrap_or(0),
                            },
                        ))
                    }))
                },
            )
            .await?;
        for f in facts.into_iter().flatten() {
            let (u, f) = f?;
            out.facts.insert(u, f);
        }
        let ticks = self
            .fetch(
                &Sql::new(format!(
                    "SELECT urn, item, ticked_by, ticked_at FROM joining_ticks WHERE programme_id = ?{} ORDER BY urn, item",
                    only("urn")
                ))
                .int(programme),
                "reading the joining checklists",
                |r| {
                    let code = present(r.text("item")?, "item")?;
                    let item = Item::parse(&code).map_err(|e| StoreError::Decode {
                        doing: "reading the joining checklists".into(),
                        problem: e.to_string(),
                    })?;
                    let tick = Tick {
                        item,
                        by: present(r.text("ticked_by")?, "ticked_by")?,
                        at: present(r.instant("ticked_at")?, "ticked_at")?,
                    };
                    Ok(urn_of(r.int("urn")?).map(|u| (u, tick)))
                },
            )
            .await?;
        for (u, t) in ticks.into_iter().flatten() {
            out.ticks.entry(u).or_default().push(t);
        }
        let reminded = self
            .fetch(
                &Sql::new(format!(
                    "SELECT urn, MAX(sent_at) AS last FROM joining_reminders WHERE programme_id = ?{} GROUP BY urn",
                    only("urn")
                ))
                .int(programme),
                "reading joining reminders",
                |r| Ok(urn_of(r.int("urn")?).zip(r.instant("last")?)),
            )
            .await?;
        out.last_reminded.extend(reminded.into_iter().flatten());
        Ok(out)
    }

    /// Ticks an item of a school's checklist (or takes the tick away). Returns whether anything
    /// changed; a change is audited in the same transaction.
    pub async fn set_joining_tick(
        &self,
        actor: &Actor,
        programme: ProgrammeId,
        urn: Urn,
        item: Item,
        ticked: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let key = |sql: &str| Sql::new(sql).int(programme).int(i64::from(urn)).text(item.code());
        let before = tx
            .fetch_one(
                &key("SELECT ticked_by FROM joining_ticks WHERE programme_id = ? AND urn = ? AND item = ?"),
                "reading a checklist item",
                |r| r.text("ticked_by"),
            )
            .await?
            .flatten();
        if before.is_some() == ticked {
            return Ok(false);
        }
        let event = |action| {
            Event::new(action, AuditRecord::Enrolment, format!("{programme}/{urn}"))
                .programme(Some(programme))
                .urn(Some(urn))
        };
        if ticked {
            tx.execute(
                &Sql::new(
                    "INSERT INTO joining_ticks (programme_id, urn, item, ticked_by, ticked_by_id, ticked_at) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .int(programme)
                .int(i64::from(urn))
                .text(item.code())
                .text(actor.label.clone())
                .opt_int(actor.person)
                .instant(Utc::now()),
                "ticking a checklist item",
            )
            .await?;
            audit::record(
                &mut tx,
                actor,
                event(AuditAction::JoiningTick).after(serde_json::json!({ "item": item.code() })),
            )
            .await?;
        } else {
            tx.execute(
                &key("DELETE FROM joining_ticks WHERE programme_id = ? AND urn = ? AND item = ?"),
                "taking a tick away",
            )
            .await?;
            audit::record(
                &mut tx,
                actor,
                event(AuditAction::JoiningUntick)
                    .before(serde_json::json!({ "item": item.code(), "ticked_by": before })),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The addresses of a school's head teachers (accounts not disabled).
    pub async fn head_teachers(&self, urn: Urn) -> Result<Vec<String>, StoreError> {
        Ok(self
            .fetch(
                &Sql::new(
                    "SELECT DISTINCT p.email FROM grants g JOIN people p ON p.id = g.person_id \
                     WHERE g.urn = ? AND g.role = ? AND p.disabled = ? ORDER BY p.email",
                )
                .int(i64::from(urn))
                .text(Role::HeadTeacher.code())
                .flag(false),
                "reading a school's head teachers",
                |r| r.text("email"),
            )
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Puts a reminder in the outbox and records it, unless the school was reminded less than a
    /// week before `now` (checked in the same transaction, so two runs at once send one).
    /// Returns whether it was queued.
    pub async fn queue_joining_reminder(
        &self,
        actor: &Actor,
        r: &Reminder,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let recent = tx
            .fetch_one(
                &Sql::new("SELECT MAX(sent_at) AS last FROM joining_reminders WHERE programme_id = ? AND urn = ?")
                    .int(r.programme)
                    .int(i64::from(r.urn)),
                "reading joining reminders",
                |row| row.instant("last"),
            )
            .await?
            .flatten();
        if recent.is_some_and(|last| now - last < Duration::days(REMIND_AT_MOST_EVERY_DAYS)) || r.recipients.is_empty()
        {
            return Ok(false);
        }
        for to in &r.recipients {
            crate::accounts::queue_tx(&mut tx, to, &r.subject, &r.body, None).await?;
        }
        tx.execute(
            &Sql::new("INSERT INTO joining_reminders (programme_id, urn, sent_at, open_items) VALUES (?, ?, ?, ?)")
                .int(r.programme)
                .int(i64::from(r.urn))
                .instant(now)
                .int(i64::try_from(r.open_items).unwrap_or(i64::MAX)),
            "recording a joining reminder",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Event::new(AuditAction::JoiningRemind, AuditRecord::Enrolment, format!("{}/{}", r.programme, r.urn))
                .programme(Some(r.programme))
                .urn(Some(r.urn))
                .after(serde_json::json!({ "open_items": r.open_items, "recipients": r.recipients.len() })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
