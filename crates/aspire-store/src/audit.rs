//! The audit log: every change (who, what, when, before and after) and every read of pupil-level
//! data. Changes are written in the same transaction as the change itself, so neither exists
//! without the other.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value as Json;

use aspire_core::access::Visible;
use aspire_core::audit::{AuditAction, AuditRecord, UnknownCode};
use aspire_core::people::{PersonId, ProgrammeId};
use aspire_core::urn::Urn;

use crate::sql::{Sql, Tx, present};
use crate::{Db, Result, StoreError};

/// Who is acting: a signed-in person, or someone at the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub person: Option<PersonId>,
    /// The person's email, or "command line (user)". Kept in the log even if the person goes.
    pub label: String,
    /// Where the request came from (an IP address), when known.
    pub client: Option<String>,
}

impl Actor {
    pub fn person(id: PersonId, email: &str, client: Option<String>) -> Actor {
        Actor { person: Some(id), label: email.to_owned(), client }
    }

    /// Someone at the command line on this machine, named by their login.
    pub fn command_line() -> Actor {
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        Actor { person: None, label: format!("command line ({user})"), client: None }
    }

    /// The application itself (a sign-in, a lock-out): no person acted.
    pub fn system(client: Option<String>) -> Actor {
        Actor { person: None, label: "system".into(), client }
    }
}

/// One thing that happened, before it is written.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub action: AuditAction,
    pub record: AuditRecord,
    pub record_id: Option<String>,
    pub programme: Option<ProgrammeId>,
    pub urn: Option<Urn>,
    pub before: Option<Json>,
    pub after: Option<Json>,
}

impl Event {
    pub fn new(action: AuditAction, record: AuditRecord, id: impl ToString) -> Event {
        Event::about(action, record, Some(id.to_string()))
    }

    fn about(action: AuditAction, record: AuditRecord, record_id: Option<String>) -> Event {
        Event { action, record, record_id, programme: None, urn: None, before: None, after: None }
    }

    pub fn programme(mut self, p: Option<ProgrammeId>) -> Event {
        self.programme = p;
        self
    }

    pub fn urn(mut self, u: Option<Urn>) -> Event {
        self.urn = u;
        self
    }

    pub fn before(mut self, v: impl Serialize) -> Event {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Event {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

fn insert(actor: &Actor, e: Event, at: DateTime<Utc>) -> Sql {
    Sql::new(
        "INSERT INTO audit_log (at, actor_id, actor, action, record, record_id, programme_id, urn, before_json, after_json, client) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .instant(at)
    .opt_int(actor.person)
    .text(&actor.label)
    .text(e.action.as_str())
    .text(e.record.as_str())
    .opt_text(e.record_id)
    .opt_int(e.programme)
    .opt_int(e.urn.map(i64::from))
    .opt_text(e.before.map(|j| j.to_string()))
    .opt_text(e.after.map(|j| j.to_string()))
    .opt_text(actor.client.clone())
}

/// Writes an event inside the transaction that makes the change.
pub(crate) async fn record(tx: &mut Tx, actor: &Actor, e: Event) -> Result<()> {
    tx.execute(&insert(actor, e, Utc::now()), "writing the audit log").await?;
    Ok(())
}

/// An entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_id: Option<PersonId>,
    pub action: AuditAction,
    pub record: AuditRecord,
    pub record_id: Option<String>,
    pub programme: Option<ProgrammeId>,
    pub urn: Option<Urn>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub client: Option<String>,
}

/// A search of the log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Matched against the actor, the action, the record and its id.
    pub text: Option<String>,
    pub action: Option<AuditAction>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: Option<usize>,
}

/// The condition that keeps a list inside what a person may see: `programme_col` holds the
/// record's programme, `network_col` its network, `urn_col` its school (any may be absent).
pub(crate) fn scope_condition(
    v: &Visible,
    programme_col: Option<&str>,
    network_col: Option<&str>,
    urn_col: Option<&str>,
) -> String {
    if v.is_everything() {
        return "1 = 1".into();
    }
    let list = |xs: Vec<i64>| xs.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if let Some(c) = programme_col
        && !v.programmes().is_empty()
    {
        parts.push(format!("{c} IN ({})", list(v.programmes().iter().map(|p| p.get()).collect())));
    }
    if let Some(c) = network_col
        && !v.networks().is_empty()
    {
        parts.push(format!("{c} IN ({})", list(v.networks().iter().map(|n| n.get()).collect())));
    }
    if let Some(c) = urn_col
        && !v.urns().is_empty()
    {
        parts.push(format!("{c} IN ({})", list(v.urns().iter().map(|u| i64::from(*u)).collect())));
    }
    // A school's records in one programme only (a local authority's schools for its officers).
    if let (Some(pc), Some(uc)) = (programme_col, urn_col) {
        let mut by_programme: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
        for (p, u) in v.enrolments() {
            by_programme.entry(p.get()).or_default().push(i64::from(*u));
        }
        for (p, urns) in by_programme {
            parts.push(format!("({pc} = {p} AND {uc} IN ({}))", list(urns)));
        }
    }
    if parts.is_empty() { "1 = 0".into() } else { format!("({})", parts.join(" OR ")) }
}

impl Db {
    /// Records a read (of pupil-level data) or another event outside a change's transaction.
    pub async fn audit_event(
        &self,
        actor: &Actor,
        action: AuditAction,
        record: AuditRecord,
        record_id: Option<String>,
        programme: Option<ProgrammeId>,
        urn: Option<Urn>,
    ) -> Result<()> {
        let e = Event { programme, urn, ..Event::about(action, record, record_id) };
        self.execute(&insert(actor, e, Utc::now()), "writing the audit log").await?;
        Ok(())
    }

    /// The log, newest first, limited to what `visible` allows (by programme; entries without a
    /// programme only for those who see everything).
    pub async fn audit_log(&self, visible: &Visible, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut sql = Sql::new(format!(
            "SELECT id, at, actor, actor_id, action, record, record_id, programme_id, urn, before_json, after_json, client \
             FROM audit_log WHERE {}",
            scope_condition(visible, Some("programme_id"), None, None)
        ));
        if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let like = format!("%{}%", t.to_lowercase().replace('!', "!!").replace('%', "!%").replace('_', "!_"));
            sql.text.push_str(
                " AND (LOWER(actor) LIKE ? ESCAPE '!' OR LOWER(action) LIKE ? ESCAPE '!' OR LOWER(record) LIKE ? ESCAPE '!' \
                 OR LOWER(COALESCE(record_id, '')) LIKE ? ESCAPE '!')",
            );
            for _ in 0..4 {
                sql = sql.text(like.clone());
            }
        }
        if let Some(a) = q.action {
            sql.text.push_str(" AND action = ?");
            sql = sql.text(a.as_str());
        }
        if let Some(d) = q.from {
            sql.text.push_str(" AND at >= ?");
            sql = sql.instant(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        }
        if let Some(d) = q.to.and_then(|d| d.succ_opt()) {
            sql.text.push_str(" AND at < ?");
            sql = sql.instant(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
        }
        sql.text.push_str(&format!(" ORDER BY id DESC LIMIT {}", q.limit.unwrap_or(500).min(100_000)));
        self.fetch(&sql, "reading the audit log", |r| {
            let id = present(r.int("id")?, "audit_log.id")?;
            Ok(AuditEntry {
                id,
                at: present(r.instant("at")?, "audit_log.at")?,
                actor: present(r.text("actor")?, "audit_log.actor")?,
                actor_id: r.person_id("actor_id")?,
                action: code(present(r.text("action")?, "audit_log.action")?, id)?,
                record: code(present(r.text("record")?, "audit_log.record")?, id)?,
                record_id: r.text("record_id")?,
                programme: r.programme_id("programme_id")?,
                urn: r.int("urn")?.and_then(|u| Urn::try_from(u).ok()),
                before: r.text("before_json")?,
                after: r.text("after_json")?,
                client: r.text("client")?,
            })
        })
        .await
    }

    /// The actions that appear in the log, for the search form.
    pub async fn audit_actions(&self) -> Result<Vec<AuditAction>> {
        self.fetch(&Sql::new("SELECT DISTINCT action FROM audit_log ORDER BY action"), "listing audit actions", |r| {
            let action = present(r.text("action")?, "audit_log.action")?;
            action.parse().map_err(|e: UnknownCode| decode("listing audit actions", e.to_string()))
        })
        .await
    }
}

/// An action or record kind as stored: one this program does not know is an error naming the
/// entry, never read as another.
fn code<T: FromStr<Err = UnknownCode>>(stored: String, entry: i64) -> Result<T> {
    stored.parse().map_err(|e: UnknownCode| decode("reading the audit log", format!("entry {entry}: {e}")))
}

fn decode(doing: &str, problem: String) -> StoreError {
    StoreError::Decode { doing: doing.to_owned(), problem }
}
