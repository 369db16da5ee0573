//! School calendars: term dates and closure days entered for LAs and schools, and each school's
//! calendar composed from them (its own dates, else its LA's, else the bundled default).

use std::collections::{BTreeMap, BTreeSet};

use aspire_core::calendar::{Closure, DatesFor, SchoolCalendar};
use aspire_core::schedule::SchoolDays;
use aspire_core::urn::Urn;
use aspire_import::RowIssue;
use aspire_store::{Actor, Db, SavedTermDates, StoreError};

/// Why a file of term dates was not saved.
#[derive(Debug, thiserror::Error)]
pub enum TermDatesError {
    #[error("{0}")]
    File(#[from] aspire_import::FileError),
    #[error(
        "nothing was saved: {} row{} of the file cannot be used; correct {} and import the whole file again",
        .0.len(), if .0.len() == 1 { "" } else { "s" }, if .0.len() == 1 { "it" } else { "them" }
    )]
    Rows(Vec<RowIssue>),
    #[error("the file has no term dates or closure days in it")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a school's calendar cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum CalendarLoadError {
    #[error(
        "the term dates entered for school {urn} and its LA do not fit together ({problem}): correct them with `aspire calendar terms import`"
    )]
    Conflict { urn: Urn, problem: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a file of term dates (CSV or XLSX), checks every LA and URN it names against the
/// register, and saves it whole, replacing what was stored for the years it names. Any row
/// that cannot be used is reported with its line and column, and nothing is saved.
pub async fn import_term_dates(
    db: &Db,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
) -> Result<SavedTermDates, TermDatesError> {
    let file = aspire_import::read_term_dates(name, bytes)?;
    let mut issues = file.errors;
    if file.terms.is_empty() && file.closures.is_empty() && issues.is_empty() {
        return Err(TermDatesError::Empty);
    }
    let las = db.known_la_codes().await?;
    let named: BTreeSet<Urn> = file
        .terms
        .iter()
        .map(|t| t.dates_for)
        .chain(file.closures.iter().map(|c| c.dates_for))
        .filter_map(|f| match f {
            DatesFor::School(u) => Some(u),
            DatesFor::La(_) => None,
        })
        .collect();
    let urns = db.known_urns(&named).await?;
    let mut unknown = |line: u64, f: DatesFor| match f {
        DatesFor::La(la) if !las.contains(&la) => issues.push(RowIssue::cell(
            line,
            "la_code",
            &la.to_string(),
            "is not a local authority the register knows: check the code, or import the GIAS file first",
        )),
        DatesFor::School(u) if !urns.contains(&u) => issues.push(RowIssue::cell(
            line,
            "urn",
            &u.to_string(),
            "is not a school the register knows: check the URN, or import the GIAS file first",
        )),
        _ => {}
    };
    for t in &file.terms {
        unknown(t.line, t.dates_for);
    }
    for c in &file.closures {
        unknown(c.line, c.dates_for);
    }
    if !issues.is_empty() {
        issues.sort_by_key(|i| i.line);
        return Err(TermDatesError::Rows(issues));
    }
    let terms: Vec<_> = file.terms.iter().map(|t| (t.dates_for, t.term)).collect();
    let closures: Vec<_> =
        file.closures.iter().map(|c| (c.dates_for, Closure { date: c.date, reason: c.reason.clone() })).collect();
    Ok(db.save_term_dates(actor, &terms, &closures).await?)
}

/// Each school's calendar, from the dates entered for it and its LA and the bundled default.
pub async fn school_calendars(db: &Db, urns: &[Urn]) -> Result<BTreeMap<Urn, SchoolCalendar>, CalendarLoadError> {
    let mut out = BTreeMap::new();
    for (urn, entered) in db.entered_dates(urns).await? {
        let calendar = SchoolCalendar::compose(&entered)
            .map_err(|e| CalendarLoadError::Conflict { urn, problem: e.to_string() })?;
        out.insert(urn, calendar);
    }
    Ok(out)
}

/// The open days of each school, term by term, for the planner.
pub async fn school_days(db: &Db, urns: &[Urn]) -> Result<BTreeMap<Urn, SchoolDays>, CalendarLoadError> {
    Ok(school_calendars(db, urns).await?.into_iter().map(|(u, c)| (u, SchoolDays::of(u, &c))).collect())
}

/// A planned day that falls on a day one of its schools is closed (after term dates were
/// entered that the plan did not know): to move or cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedDay {
    pub programme: aspire_core::people::ProgrammeId,
    pub day: i64,
    pub date: chrono::NaiveDate,
    pub school: String,
    pub reason: String,
}

/// Every planned day (not cancelled) of every programme that falls on a day one of its schools
/// is closed by the term dates now stored.
pub async fn planned_days_on_closed_days(db: &Db) -> Result<Vec<ClosedDay>, CalendarLoadError> {
    use aspire_core::access::Visible;
    let all = Visible::everything();
    let mut out = Vec::new();
    for p in db.programmes(&all, &all).await? {
        out.extend(closed_days_of(db, p.id).await?);
    }
    Ok(out)
}

/// The planned days of one programme on a day one of their schools is closed (the year page
/// lists them to the team on every view, until each is moved or cancelled).
pub async fn closed_days_of(
    db: &Db,
    programme: aspire_core::people::ProgrammeId,
) -> Result<Vec<ClosedDay>, CalendarLoadError> {
    use aspire_core::access::Visible;
    let all = Visible::everything();
    let mut out = Vec::new();
    let days: Vec<_> = db
        .programme_events(programme, &all)
        .await?
        .into_iter()
        .filter(|e| e.status == aspire_store::EventStatus::Planned)
        .collect();
    if days.is_empty() {
        return Ok(out);
    }
    let mut members: std::collections::BTreeMap<aspire_core::people::NetworkId, Vec<Urn>> = Default::default();
    for e in db.enrolments(programme, &all).await? {
        if let Some(n) = e.network
            && e.status.takes_part()
        {
            members.entry(n).or_default().push(e.urn);
        }
    }
    let urns: Vec<Urn> = members.values().flatten().copied().collect();
    let calendars = school_calendars(db, &urns).await?;
    let names = db.school_names(&urns).await?;
    for e in &days {
        let schools: Vec<Urn> = match e.urn {
            Some(u) => vec![u],
            None => members.get(&e.network).cloned().unwrap_or_default(),
        };
        for u in schools {
            if let Some(reason) = calendars.get(&u).and_then(|c| c.closed_reason(e.held_on)) {
                out.push(ClosedDay {
                    programme,
                    day: e.id,
                    date: e.held_on,
                    school: names.get(&u).cloned().unwrap_or_else(|| format!("School {u}")),
                    reason: reason.to_string(),
                });
            }
        }
    }
    Ok(out)
}
