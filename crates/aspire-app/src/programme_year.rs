//! The programme year: planning each network's days from the programme's template and its
//! schools' calendars, and what its rolls add up to.
//!
//! Planning reads the networks (their schools, adviser and own start date), asks
//! `aspire_core::schedule::plan` for every day, checks the answer against the hard constraints
//! again, and saves it whole, or says which constraints cannot be met and writes nothing.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};

use aspire_core::access::Visible;
use aspire_core::attendance::{Day, DayKind, Dose, doses};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::schedule::{self, Broken, EventRule, NetworkYear, Plan, Rules, SchoolDays};
use aspire_core::template::{Template, Term, Venue};
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, EventStatus, NewEvent, ProgrammeError, StoreError};

/// Why a year could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("there is no programme {0}")]
    NoSuchProgramme(ProgrammeId),
    #[error("the programme has no template, so nothing says which days to plan: create it from a template")]
    NoTemplate,
    #[error("the programme's template '{0}' cannot be read: {1}")]
    Template(String, String),
    #[error("the template plans no days")]
    NoEvents,
    #[error("the programme has no start date and network {0} has none of its own: set one")]
    NoStart(String),
    #[error("the programme has no networks with schools yet: form them first")]
    NoNetworks,
    #[error("the year cannot be planned; nothing was saved:\n{}", .0.iter().map(|b| format!("- {b}")).collect::<Vec<_>>().join("\n"))]
    Broken(Vec<Broken>),
    /// The planner's answer broke a hard constraint: a fault, never shown as a plan.
    #[error("the plan failed its own check; nothing was saved: {0}")]
    Unsound(String),
    #[error("{0}")]
    Save(#[from] ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A planned year, saved or only shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedYear {
    pub plan: Plan,
    pub networks: Vec<NetworkYear>,
    pub saved: bool,
}

/// The times a day runs when the template does not say: a school day's hours.
pub const DAY_STARTS: (u32, u32) = (9, 0);
pub const DAY_ENDS: (u32, u32) = (15, 30);

fn template_of(programme: &aspire_store::Programme) -> Result<Template, PlanError> {
    let id = programme.template.as_deref().ok_or(PlanError::NoTemplate)?;
    aspire_import::load_template(id).map_err(|e| PlanError::Template(id.to_owned(), e.to_string()))
}

/// The networks to plan: each with its schools, adviser and first day.
pub async fn network_years(db: &Db, programme: ProgrammeId) -> Result<Vec<NetworkYear>, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let all = Visible::everything();
    let networks = db.networks(programme, &all).await?;
    let starts = db.network_starts(programme).await?;
    let advisers = db.network_advisers(programme).await?;
    let mut members: BTreeMap<NetworkId, Vec<Urn>> = BTreeMap::new();
    for e in db.enrolments(programme, &all).await? {
        if let Some(n) = e.network
            && e.status.takes_part()
        {
            members.entry(n).or_default().push(e.urn);
        }
    }
    let mut out = Vec::new();
    for n in networks {
        let Some(schools) = members.remove(&n.id) else { continue };
        let first = starts.get(&n.id).copied().or(p.starts_on).ok_or_else(|| PlanError::NoStart(n.name.clone()))?;
        out.push(NetworkYear { id: n.id, name: n.name, starts: first, schools, adviser: advisers.get(&n.id).copied() });
    }
    if out.is_empty() {
        return Err(PlanError::NoNetworks);
    }
    Ok(out)
}

/// Plans the year of every network of the programme that has no days yet, from the schools'
/// calendars, and saves it unless `dry_run`. Writes nothing when any constraint cannot be met.
pub async fn plan_year(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    calendars: &BTreeMap<Urn, SchoolDays>,
    rules: &Rules,
    dry_run: bool,
) -> Result<PlannedYear, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let events: Vec<EventRule> = template.events.iter().map(EventRule::from).collect();
    if events.is_empty() {
        return Err(PlanError::NoEvents);
    }
    let networks = network_years(db, programme).await?;
    let plan = schedule::plan(&networks, calendars, &events, rules).map_err(PlanError::Broken)?;
    let faults = schedule::check(&plan, &networks, calendars, &events, rules);
    if let Some(f) = faults.first() {
        return Err(PlanError::Unsound(f.to_string()));
    }
    if !dry_run {
        let time = |(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        let new: Vec<NewEvent> = plan
            .days
            .iter()
            .map(|d| NewEvent {
                network: d.network,
                kind: d.kind.clone(),
                number: d.number,
                term: d.term,
                held_on: d.date,
                starts_at: time(DAY_STARTS),
                ends_at: time(DAY_ENDS),
                urn: d.school,
                adviser: d.adviser,
                capacity: None,
            })
            .collect();
        db.save_plan(actor, programme, &new).await?;
    }
    Ok(PlannedYear { plan, networks, saved: !dry_run })
}

/// Each school's dose per term (Network Days attended, Development Days held), for the
/// evaluation and the programme's pages.
pub async fn programme_doses(db: &Db, programme: ProgrammeId) -> Result<BTreeMap<(Urn, Term), Dose>, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let all = Visible::everything();
    let venue: BTreeMap<&str, Venue> = template.events.iter().map(|e| (e.key.as_str(), e.venue)).collect();
    let days: Vec<Day> = db
        .programme_events(programme, &all)
        .await?
        .into_iter()
        .map(|e| Day {
            id: e.id,
            network: e.network,
            term: e.term,
            kind: match (venue.get(e.kind.as_str()), e.urn) {
                (Some(Venue::Network), _) | (None, None) => DayKind::NetworkDay,
                _ => DayKind::SchoolDay,
            },
            urn: e.urn,
            cancelled: e.status == EventStatus::Cancelled,
        })
        .collect();
    let marks = db.roll_marks(programme, &all).await?;
    let members: BTreeMap<Urn, NetworkId> =
        db.enrolments(programme, &all).await?.into_iter().filter_map(|e| e.network.map(|n| (e.urn, n))).collect();
    Ok(doses(&days, &marks, &members))
}

/// The first and last planned day of a plan, for its summary.
pub fn span(plan: &Plan) -> Option<(NaiveDate, NaiveDate)> {
    Some((plan.days.first()?.date, plan.days.last()?.date))
}
