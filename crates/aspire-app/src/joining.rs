//! Joining a programme well: each enrolled school's checklist (what the platform sees from its
//! records and what people ticked), the team's summary of which schools are missing what, ticks,
//! and the reminders to heads about items still open. Who may see or tick is decided before
//! these are called.

use chrono::{DateTime, Utc};

use aspire_core::access::Visible;
use aspire_core::joining::{Checklist, Item, JoiningError, reminder_body, reminder_due};
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, Enrolment, JoiningRecords, Reminder, SITE_PLACEHOLDER, StoreError};

/// A school's checklist with its record in the programme.
#[derive(Debug, Clone)]
pub struct SchoolChecklist {
    pub enrolment: Enrolment,
    pub checklist: Checklist,
    pub last_reminded: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TickError {
    #[error(transparent)]
    Joining(#[from] JoiningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn build(e: Enrolment, records: &JoiningRecords) -> SchoolChecklist {
    let facts = records.facts.get(&e.urn).copied().unwrap_or_default();
    let ticks = records.ticks.get(&e.urn).map(Vec::as_slice).unwrap_or_default();
    SchoolChecklist {
        checklist: Checklist::new(facts, ticks),
        last_reminded: records.last_reminded.get(&e.urn).copied(),
        enrolment: e,
    }
}

/// One school's checklist, or `None` when it is not enrolled in the programme.
pub async fn checklist(db: &Db, programme: ProgrammeId, urn: Urn) -> Result<Option<SchoolChecklist>, StoreError> {
    let Some(e) = db.enrolment(programme, urn).await?.filter(|e| e.status == Stage::Enrolled) else {
        return Ok(None);
    };
    let records = db.joining_records(programme, Some(urn)).await?;
    Ok(Some(build(e, &records)))
}

/// Every enrolled school's checklist that `visible` allows, in the programme's order.
pub async fn summary(db: &Db, programme: ProgrammeId, visible: &Visible) -> Result<Vec<SchoolChecklist>, StoreError> {
    let records = db.joining_records(programme, None).await?;
    Ok(db
        .enrolments(programme, visible)
        .await?
        .into_iter()
        .filter(|e| e.status == Stage::Enrolled)
        .map(|e| build(e, &records))
        .collect())
}

/// How many enrolled schools have each item open, in the checklist's order.
pub fn missing_counts(schools: &[SchoolChecklist]) -> Vec<(Item, usize)> {
    Item::ALL.iter().map(|&i| (i, schools.iter().filter(|s| !s.checklist.status(i).done()).count())).collect()
}

/// Ticks (or unticks) an item people do. Refuses an unknown item, one the platform sees for
/// itself, and a school not enrolled. Returns whether anything changed.
pub async fn tick(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    item: &str,
    ticked: bool,
) -> Result<bool, TickError> {
    let item = Item::tickable(item)?;
    if db.enrolment(programme, urn).await?.is_none_or(|e| e.status != Stage::Enrolled) {
        return Err(JoiningError::NotEnrolled.into());
    }
    Ok(db.set_joining_tick(actor, programme, urn, item, ticked).await?)
}

/// What a run of the reminders did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reminded {
    /// (programme, school, open items) reminded now.
    pub sent: Vec<(ProgrammeId, Urn, usize)>,
    /// Schools due a reminder that have no head teacher with an account to send it to.
    pub no_head: Vec<(ProgrammeId, Urn)>,
}

/// The path of a school's checklist, after the service's address (the web's route has the same
/// pattern; the message is completed with the address when it is sent).
fn checklist_link(programme: ProgrammeId, urn: Urn) -> String {
    format!("{SITE_PLACEHOLDER}/programmes/{programme}/schools/{urn}/joining")
}

/// Sends, through the outbox, a reminder to the head of every enrolled school with items still
/// open `after_days` or more after it was enrolled, at most once a week per school.
pub async fn remind(db: &Db, actor: &Actor, after_days: i64, now: DateTime<Utc>) -> Result<Reminded, StoreError> {
    let all = Visible::everything();
    let mut out = Reminded::default();
    for p in db.programmes(&all, &all).await? {
        for s in summary(db, p.id, &all).await? {
            let open = s.checklist.open();
            let Some(enrolled_at) = s.enrolment.stage_changed_at else { continue };
            if !reminder_due(enrolled_at, s.last_reminded, open.len(), after_days, now) {
                continue;
            }
            let urn = s.enrolment.urn;
            let recipients = db.head_teachers(urn).await?;
            if recipients.is_empty() {
                out.no_head.push((p.id, urn));
                continue;
            }
            let school = s.enrolment.school_name.clone().unwrap_or_else(|| format!("School {urn}"));
            let reminder = Reminder {
                programme: p.id,
                urn,
                subject: format!("{school}: {} steps of joining {} still open", open.len(), p.name),
                body: reminder_body(&school, &p.name, &open, &checklist_link(p.id, urn)),
                recipients,
                open_items: open.len(),
            };
            if db.queue_joining_reminder(actor, &reminder, now).await? {
                out.sent.push((p.id, urn, open.len()));
            }
        }
    }
    Ok(out)
}
