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
use aspire_core::dates::long;
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::schedule::{self, Broken, EventRule, NetworkYear, Plan, PlannedDay, Rules, SchoolDays, Violation};
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
    /// `said`: each problem in plain words, with the schools and advisers named.
    #[error("the year cannot be planned; nothing was saved:\n{}", .said.iter().map(|b| format!("- {b}")).collect::<Vec<_>>().join("\n"))]
    Broken { problems: Vec<Broken>, said: Vec<String> },
    /// The planner's answer broke a hard constraint: a fault, never shown as a plan.
    #[error("the plan failed its own check; nothing was saved: {0}")]
    Unsound(String),
    #[error("every network of the programme has its days planned already: move, cancel or add days one by one")]
    AllPlanned,
    #[error("there is no day {0} in this programme")]
    NoSuchDay(i64),
    #[error("{school} is closed on {} ({reason}): choose a day it is open", long(*.date))]
    Closed { school: String, date: NaiveDate, reason: String },
    #[error(
        "{} is not in {term}, the term this day belongs to: a day moves within its term (cancel it and add one in the other term instead)",
        long(*.date)
    )]
    OtherTerm { date: NaiveDate, term: String },
    /// `said`: each problem in plain words, with the names of the schools, advisers and networks.
    #[error("moving the day to {} would break the year's plan; nothing was changed:\n{}", long(*.date), .said.iter().map(|b| format!("- {b}")).collect::<Vec<_>>().join("\n"))]
    MoveBreaks { date: NaiveDate, problems: Vec<Violation>, said: Vec<String> },
    #[error("adding the day on {} would break the year's plan; nothing was added:\n{}", long(*.date), .said.iter().map(|b| format!("- {b}")).collect::<Vec<_>>().join("\n"))]
    AddBreaks { date: NaiveDate, problems: Vec<Violation>, said: Vec<String> },
    #[error("{adviser} leads {other} on {}: an adviser is never in two places on one day; choose another date", long(*.date))]
    AdviserElsewhere { adviser: String, date: NaiveDate, other: String },
    #[error("'{0}' is not a kind of day of this programme's template: choose one from the list")]
    NoSuchKind(String),
    #[error("a {0} is held in one school: choose the school")]
    NeedsSchool(String),
    #[error("{0} is not in this network: choose one of its schools")]
    NotInNetwork(String),
    #[error("a {0} is held at the network's venue, not in one school: leave the school empty")]
    NotInSchool(String),
    #[error("{0} has no schools taking part: add schools to it first")]
    EmptyNetwork(String),
    #[error(
        "{} is in no term of {network}'s year, which runs from {} to {}: choose a school day inside it",
        long(*.date),
        long(*.first),
        long(*.last)
    )]
    OutsideYear { date: NaiveDate, network: String, first: NaiveDate, last: NaiveDate },
    #[error("{0} has no days planned yet: plan its year first, then add days to it")]
    NotPlanned(String),
    #[error("the day must end after it starts ({} to {})", .starts.format("%H:%M"), .ends.format("%H:%M"))]
    Times { starts: NaiveTime, ends: NaiveTime },
    #[error(
        "{} to {} is outside the hours a day is held: it starts at {} or later and ends by {}",
        .starts.format("%H:%M"), .ends.format("%H:%M"), EARLIEST.format("%H:%M"), LATEST.format("%H:%M")
    )]
    OutOfHours { starts: NaiveTime, ends: NaiveTime },
    /// The problems a new day has on its face, when it has more than one (see
    /// [`day_form_problems`]), to say at once.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    DayForm(Vec<PlanError>),
    #[error("{0}")]
    Calendar(#[from] crate::calendar::CalendarLoadError),
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

pub(crate) fn template_of(programme: &aspire_store::Programme) -> Result<Template, PlanError> {
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

/// Each network with the day its year really starts on its schools' calendars (a start in the
/// holiday after a term begins the year with the next term).
fn started(every: Vec<NetworkYear>, calendars: &BTreeMap<Urn, SchoolDays>) -> Vec<NetworkYear> {
    every.into_iter().map(|n| NetworkYear { starts: schedule::effective_start(&n, calendars), ..n }).collect()
}

/// The rules a programme's year is planned under: its template's length in terms.
pub fn rules_for(template: &Template) -> Rules {
    Rules { terms: 3 * usize::try_from(template.years.max(1)).unwrap_or(1), ..Rules::default() }
}

/// The stored days still planned, as the planner and its check see them, each with the schools
/// it takes (a Network Day: every school of its network).
fn planned_days(stored: &[aspire_store::ProgrammeEvent], networks: &[NetworkYear]) -> Vec<(PlannedDay, Vec<Urn>)> {
    let schools: BTreeMap<NetworkId, &Vec<Urn>> = networks.iter().map(|n| (n.id, &n.schools)).collect();
    stored
        .iter()
        .filter(|e| e.status == EventStatus::Planned)
        .map(|e| {
            let taken = match e.urn {
                Some(u) => vec![u],
                None => schools.get(&e.network).map(|s| s.to_vec()).unwrap_or_default(),
            };
            (
                PlannedDay {
                    date: e.held_on,
                    network: e.network,
                    term: e.term,
                    kind: e.kind.clone(),
                    number: e.number,
                    school: e.urn,
                    adviser: e.adviser,
                },
                taken,
            )
        })
        .collect()
}

/// Broken constraints in plain words, naming the schools, advisers and networks (the core's
/// own wording names their ids).
/// Each of the planner's problems in plain words, with the schools and advisers named.
async fn say_broken(db: &Db, problems: &[Broken]) -> Result<Vec<String>, PlanError> {
    let (mut urns, mut advisers) = (Vec::new(), BTreeMap::new());
    for b in problems {
        let (u, a) = b.named();
        urns.extend(u);
        for id in a {
            if let std::collections::btree_map::Entry::Vacant(v) = advisers.entry(id) {
                v.insert(db.person(id).await?.map(|p| p.name).unwrap_or_else(|| format!("adviser {id}")));
            }
        }
    }
    let schools = db.school_names(&urns).await?;
    let school = |u: Urn| schools.get(&u).cloned().unwrap_or_else(|| format!("school {u}"));
    let adviser =
        |a: aspire_core::people::PersonId| advisers.get(&a).cloned().unwrap_or_else(|| format!("adviser {a}"));
    Ok(problems.iter().map(|b| b.describe(&school, &adviser)).collect())
}

async fn say_violations(
    db: &Db,
    template: &Template,
    problems: &[Violation],
    plan: &Plan,
) -> Result<Vec<String>, PlanError> {
    let kinds: BTreeMap<&str, &str> = template.events.iter().map(|e| (e.key.as_str(), e.name.as_str())).collect();
    let kind = |k: &str| kinds.get(k).copied().unwrap_or(k).to_owned();
    let urns: Vec<Urn> = problems
        .iter()
        .flat_map(|v| match v {
            Violation::SchoolClosed { school, .. }
            | Violation::SchoolTwice { school, .. }
            | Violation::BeforeItsNetworkDay { school, .. } => vec![*school],
            Violation::WrongCount { school, .. } => school.iter().copied().collect(),
            Violation::AdviserTwice { date, adviser } => plan
                .days
                .iter()
                .filter(|d| d.date == *date && d.adviser == Some(*adviser))
                .filter_map(|d| d.school)
                .collect(),
            _ => vec![],
        })
        .collect();
    let schools = db.school_names(&urns).await?;
    let school = |u: &Urn| schools.get(u).cloned().unwrap_or_else(|| format!("school {u}"));
    let mut people = BTreeMap::new();
    let mut networks = BTreeMap::new();
    for v in problems {
        match v {
            Violation::AdviserTwice { adviser, .. } | Violation::AdviserWeek { adviser, .. }
                if !people.contains_key(adviser) =>
            {
                let name = db.person(*adviser).await?.map(|p| p.name).unwrap_or_else(|| format!("adviser {adviser}"));
                people.insert(*adviser, name);
            }
            Violation::WrongCount { network, .. } | Violation::OutsideTheYear { network, .. }
                if !networks.contains_key(network) =>
            {
                let name = db.network(*network).await?.map(|n| n.name).unwrap_or_else(|| format!("network {network}"));
                networks.insert(*network, name);
            }
            _ => {}
        }
        if let Violation::AdviserTwice { date, adviser } = v {
            for d in plan.days.iter().filter(|d| d.date == *date && d.adviser == Some(*adviser)) {
                if let std::collections::btree_map::Entry::Vacant(e) = networks.entry(d.network) {
                    e.insert(
                        db.network(d.network)
                            .await?
                            .map(|n| n.name)
                            .unwrap_or_else(|| format!("network {}", d.network)),
                    );
                }
            }
        }
    }
    let when = |d: &NaiveDate| d.format("%a %-d %B %Y").to_string();
    Ok(problems
        .iter()
        .map(|v| match v {
            Violation::SchoolClosed { date, school: u, kind: k } => {
                format!("{}: {} is closed, so it cannot have the {}", when(date), school(u), kind(k))
            }
            Violation::SchoolTwice { date, school: u } => {
                format!("{}: {} would have two programme days", when(date), school(u))
            }
            Violation::AdviserTwice { date, adviser } => {
                // Where they would be: the plan's days that date that they lead.
                let theirs: Vec<String> = plan
                    .days
                    .iter()
                    .filter(|d| d.date == *date && d.adviser == Some(*adviser))
                    .map(|d| match d.school {
                        Some(u) => format!("the {} at {}", kind(&d.kind), school(&u)),
                        None => format!(
                            "the {} of {}",
                            kind(&d.kind),
                            networks.get(&d.network).cloned().unwrap_or_default()
                        ),
                    })
                    .collect();
                format!(
                    "{}: {} would be in two places: {}",
                    when(date),
                    people.get(adviser).cloned().unwrap_or_default(),
                    theirs.join(" and ")
                )
            }
            Violation::AdviserWeek { adviser, week_of, days } => format!(
                "the week of {}: {} would work {days} programme days, more than a week allows",
                when(week_of),
                people.get(adviser).cloned().unwrap_or_default()
            ),
            Violation::BeforeItsNetworkDay { date, school: u, kind: k, follows } => format!(
                "{}: the {} at {} would come before the Network Day of {} it follows up",
                when(date),
                kind(k),
                school(u),
                when(follows)
            ),
            Violation::WrongCount { network, term, kind: k, school: u, planned, wanted } => format!(
                "{}, {}: {planned} {}{} planned where the template asks for {wanted}",
                networks.get(network).cloned().unwrap_or_default(),
                term.label(),
                kind(k),
                u.as_ref().map(|u| format!(" at {}", school(u))).unwrap_or_default()
            ),
            Violation::OutsideTheYear { date, network, kind: k } => format!(
                "{}: the {} would be outside {}'s year",
                when(date),
                kind(k),
                networks.get(network).cloned().unwrap_or_default()
            ),
        })
        .collect())
}

/// The constraints `after` breaks that `before` did not.
fn introduced(before: &[Violation], after: Vec<Violation>) -> Vec<Violation> {
    after.into_iter().filter(|v| !before.contains(v)).collect()
}

/// Plans the year of every network of the programme that has no days yet, from the schools'
/// calendars, around the days other networks have already, and saves it unless `dry_run`.
/// Writes nothing when any constraint cannot be met.
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
    let every = started(network_years(db, programme).await?, calendars);
    let stored = db.programme_events(programme, &Visible::everything()).await?;
    let has_days: std::collections::BTreeSet<NetworkId> = stored.iter().map(|e| e.network).collect();
    let networks: Vec<NetworkYear> = every.iter().filter(|n| !has_days.contains(&n.id)).cloned().collect();
    if networks.is_empty() {
        return Err(PlanError::AllPlanned);
    }
    let taken = planned_days(&stored, &every);
    let plan = match schedule::plan_around(&networks, calendars, &events, rules, &taken) {
        Ok(plan) => plan,
        Err(problems) => {
            let said = say_broken(db, &problems).await?;
            return Err(PlanError::Broken { problems, said });
        }
    };
    let faults = schedule::check(&plan, &networks, calendars, &events, rules);
    if let Some(f) = faults.first() {
        return Err(PlanError::Unsound(f.to_string()));
    }
    // Together with the days planned before, nothing new is broken (an adviser in two places).
    let earlier = Plan { days: taken.iter().map(|(d, _)| d.clone()).collect() };
    let mut both = earlier.clone();
    both.days.extend(plan.days.iter().cloned());
    let before = schedule::check(&earlier, &every, calendars, &events, rules);
    let clashes = introduced(&before, schedule::check(&both, &every, calendars, &events, rules));
    if let Some(f) = clashes.iter().find(|v| !matches!(v, Violation::WrongCount { .. })) {
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
        let notify = invitations_to_nominate(db, &p, &template, &networks, &plan).await?;
        db.save_plan_and_tell(actor, programme, &new, &notify).await?;
    }
    Ok(PlannedYear { plan, networks, saved: !dry_run })
}

/// To each head teacher of a school in a network just planned: its days, and that they
/// nominate their staff for each day's seats.
async fn invitations_to_nominate(
    db: &Db,
    p: &aspire_store::Programme,
    template: &Template,
    networks: &[NetworkYear],
    plan: &Plan,
) -> Result<Vec<aspire_store::Mail>, PlanError> {
    let planned: BTreeMap<Urn, NetworkId> =
        networks.iter().flat_map(|n| n.schools.iter().map(|u| (*u, n.id))).collect();
    let names: BTreeMap<&str, &str> = template.events.iter().map(|e| (e.key.as_str(), e.name.as_str())).collect();
    let network_names: BTreeMap<NetworkId, String> =
        db.networks(p.id, &Visible::everything()).await?.into_iter().map(|n| (n.id, n.name)).collect();
    let mut out = Vec::new();
    for head in db.programme_heads(p.id).await? {
        let Some(urn) = head.urn else { continue };
        let Some(network) = planned.get(&urn) else { continue };
        let mut days: Vec<&PlannedDay> =
            plan.days.iter().filter(|d| d.network == *network && d.school.is_none_or(|s| s == urn)).collect();
        days.sort_by_key(|d| d.date);
        let list: Vec<String> = days
            .iter()
            .map(|d| {
                format!(
                    "- {}: {}",
                    d.date.format("%a %-d %B %Y"),
                    names.get(d.kind.as_str()).copied().unwrap_or(&d.kind)
                )
            })
            .collect();
        let network_name = network_names.get(network).cloned().unwrap_or_else(|| format!("network {network}"));
        out.push(aspire_store::Mail::text(
            head.email.clone(),
            format!("{network_name}'s year is planned: nominate your staff"),
            format!(
                "Dear {},\n\nThe year of {network_name} in {} is planned: {} days for your school.\n\n{}\n\n\
                 Each day has seats for the roles it is for (the head teacher and a senior leader at a Senior \
                 Leaders Network Day, say). Nominate your staff, and a substitute for each, on your school's year: \
                 sign in at {}, then open Your week and your school. Those nominated get the day for their \
                 calendar and a reminder a week and a day before.\n",
                head.name,
                p.name,
                days.len(),
                list.join("\n"),
                aspire_store::SITE_PLACEHOLDER,
            ),
        ));
    }
    Ok(out)
}

/// Plans the year from the calendars entered for the programme's schools (their own dates,
/// their LA's, or the bundled default), under the template's rules.
pub async fn plan_programme_year(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    dry_run: bool,
) -> Result<PlannedYear, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let rules = rules_for(&template_of(&p)?);
    let urns: Vec<Urn> = network_years(db, programme).await?.into_iter().flat_map(|n| n.schools).collect();
    let calendars = crate::calendar::school_days(db, &urns).await?;
    plan_year(db, actor, programme, &calendars, &rules, dry_run).await
}

/// Moves a planned day to another date in its term, after checking that every school it is
/// for is open then and that the year's plan breaks nothing it did not break before (an
/// adviser in two places, a Development Day before its Network Day). Those it is for are told
/// when it was, or now is, still to come on `today` (England's date); moving a past day to
/// another past date only corrects the record.
pub async fn move_day(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    id: i64,
    to: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<aspire_store::ProgrammeEvent, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let rules = rules_for(&template);
    let events: Vec<EventRule> = template.events.iter().map(EventRule::from).collect();
    let every = network_years(db, programme).await?;
    let stored = db.programme_events(programme, &Visible::everything()).await?;
    let day = stored.iter().find(|e| e.id == id).ok_or(PlanError::NoSuchDay(id))?;
    let concerned: Vec<Urn> = match day.urn {
        Some(u) => vec![u],
        None => every.iter().find(|n| n.id == day.network).map(|n| n.schools.clone()).unwrap_or_default(),
    };
    let calendars = crate::calendar::school_calendars(db, &concerned).await?;
    let names = db.school_names(&concerned).await?;
    for (u, c) in &calendars {
        match c.closed_reason(to) {
            // A holiday between terms is in no term, so never in this day's: that is what to say.
            Some(aspire_core::calendar::ClosedReason::BetweenTerms) | None => {}
            Some(reason) => {
                let school = names.get(u).cloned().unwrap_or_else(|| format!("School {u}"));
                return Err(PlanError::Closed { school, date: to, reason: reason.to_string() });
            }
        }
        if c.term_of(to).map(|t| t.term()) != Some(day.term) {
            return Err(PlanError::OtherTerm { date: to, term: day.term.label() });
        }
    }
    if day.status == EventStatus::Planned {
        let urns: Vec<Urn> = every.iter().flat_map(|n| n.schools.iter().copied()).collect();
        let open = crate::calendar::school_days(db, &urns).await?;
        let every = started(every.clone(), &open);
        let taken = planned_days(&stored, &every);
        let now = Plan { days: taken.iter().map(|(d, _)| d.clone()).collect() };
        let mut moved = now.clone();
        for (d, (e, _)) in moved.days.iter_mut().zip(taken.iter()) {
            if e.date == day.held_on
                && e.network == day.network
                && e.kind == day.kind
                && e.school == day.urn
                && e.number == day.number
            {
                d.date = to;
            }
        }
        moved.days.sort();
        let before = schedule::check(&now, &every, &open, &events, &rules);
        let problems = introduced(&before, schedule::check(&moved, &every, &open, &events, &rules));
        if !problems.is_empty() {
            let said = say_violations(db, &template, &problems, &moved).await?;
            return Err(PlanError::MoveBreaks { date: to, problems, said });
        }
    }
    if day.status == EventStatus::Planned {
        adviser_free(db, programme, day.adviser, to).await?;
    }
    let notify = match day.held_on >= today || to >= today {
        true => notices(db, &p, day, Notice::Moved { to, reason }).await?,
        false => Vec::new(),
    };
    Ok(db.move_event(actor, programme, id, aspire_store::MovedTo { date: to, term: day.term }, reason, &notify).await?)
}

/// Refuses a date on which the adviser already leads a day of another programme (the plan's own
/// check sees this programme's days only).
async fn adviser_free(
    db: &Db,
    programme: ProgrammeId,
    adviser: Option<aspire_core::people::PersonId>,
    date: NaiveDate,
) -> Result<(), PlanError> {
    let Some(adviser) = adviser else { return Ok(()) };
    let elsewhere = db
        .person_events(adviser, date, date)
        .await?
        .into_iter()
        .find(|e| e.adviser == Some(adviser) && e.status == EventStatus::Planned && e.programme != programme);
    let Some(e) = elsewhere else { return Ok(()) };
    let names = Names::of(db, e.programme).await?;
    let kind = names.kinds.get(&e.kind).cloned().unwrap_or_else(|| e.kind.clone());
    let network = names.networks.get(&e.network).cloned().unwrap_or_else(|| "a network".to_owned());
    let name = db.person(adviser).await?.map(|p| p.name).unwrap_or_else(|| "The adviser".to_owned());
    Err(PlanError::AdviserElsewhere {
        adviser: name,
        date,
        other: format!("the {kind} of {network} ({})", names.programme),
    })
}

/// A day the team adds to a network's year: a Network Day, or a day in one of its schools.
#[derive(Debug, Clone)]
pub struct NewDay {
    pub network: NetworkId,
    /// The template's event key.
    pub kind: String,
    pub school: Option<Urn>,
    pub date: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub places: Option<u32>,
}

/// Adds a day to a network's year once it is planned: on a day every school it is for is open,
/// in a term of the network's year, with the network's adviser, and without breaking anything
/// the plan did not break before (an adviser in two places or over the week's limit, a school
/// with two days at once, a Development Day before its Network Day; one more day of a kind than
/// the template asks is what adding means, so that alone is not a problem). Those it is for
/// (the adviser and the head teachers of its schools) are told, with the day attached.
pub async fn add_day(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    new: &NewDay,
) -> Result<aspire_store::ProgrammeEvent, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let mut problems = day_form_problems(&template, new);
    match problems.len() {
        0 => {}
        1 => return Err(problems.remove(0)),
        _ => return Err(PlanError::DayForm(problems)),
    }
    let kind =
        template.events.iter().find(|e| e.key == new.kind).ok_or_else(|| PlanError::NoSuchKind(new.kind.clone()))?;
    let every = network_years(db, programme).await?;
    let network = db.network(new.network).await?;
    let venue = network.as_ref().and_then(|n| n.venue);
    let network_name = network.map(|n| n.name).unwrap_or_else(|| new.network.to_string());
    let year =
        every.iter().find(|n| n.id == new.network).ok_or_else(|| PlanError::EmptyNetwork(network_name.clone()))?;
    let school = match (kind.venue, new.school) {
        (Venue::School, None) => return Err(PlanError::NeedsSchool(kind.name.clone())),
        (Venue::School, Some(u)) if !year.schools.contains(&u) => {
            let name = db.school_names(&[u]).await?.get(&u).cloned().unwrap_or_else(|| format!("School {u}"));
            return Err(PlanError::NotInNetwork(name));
        }
        (Venue::School, Some(u)) => Some(u),
        (Venue::Network, _) => None,
    };
    let stored = db.programme_events(programme, &Visible::everything()).await?;
    let theirs: Vec<&aspire_store::ProgrammeEvent> = stored.iter().filter(|e| e.network == new.network).collect();
    let (Some(first), Some(last)) = (theirs.iter().map(|e| e.held_on).min(), theirs.iter().map(|e| e.held_on).max())
    else {
        return Err(PlanError::NotPlanned(network_name));
    };
    let concerned: Vec<Urn> = school.map_or_else(|| year.schools.clone(), |u| vec![u]);
    let calendars = crate::calendar::school_calendars(db, &concerned).await?;
    let names = db.school_names(&[concerned.clone(), venue.into_iter().collect()].concat()).await?;
    for (u, c) in &calendars {
        if let Some(reason) = c.closed_reason(new.date) {
            let school = names.get(u).cloned().unwrap_or_else(|| format!("School {u}"));
            return Err(PlanError::Closed { school, date: new.date, reason: reason.to_string() });
        }
    }
    let terms: std::collections::BTreeSet<Term> = theirs.iter().map(|e| e.term).collect();
    let term = calendars
        .values()
        .next()
        .and_then(|c| c.term_of(new.date))
        .map(|t| t.term())
        .filter(|t| terms.contains(t))
        .ok_or(PlanError::OutsideYear { date: new.date, network: network_name, first, last })?;
    let event = NewEvent {
        network: new.network,
        kind: new.kind.clone(),
        number: 0,
        term,
        held_on: new.date,
        starts_at: new.starts,
        ends_at: new.ends,
        urn: school,
        adviser: kind.with_adviser.then_some(year.adviser).flatten(),
        capacity: new.places,
    };
    let rules = rules_for(&template);
    let events: Vec<EventRule> = template.events.iter().map(EventRule::from).collect();
    let urns: Vec<Urn> = every.iter().flat_map(|n| n.schools.iter().copied()).collect();
    let open = crate::calendar::school_days(db, &urns).await?;
    let every = started(every.clone(), &open);
    let taken = planned_days(&stored, &every);
    let now = Plan { days: taken.iter().map(|(d, _)| d.clone()).collect() };
    let mut with = now.clone();
    let number = theirs
        .iter()
        .filter(|e| e.kind == new.kind && e.term == term && e.urn == school)
        .map(|e| e.number)
        .max()
        .unwrap_or(0)
        + 1;
    with.days.push(PlannedDay {
        date: new.date,
        network: new.network,
        term,
        kind: new.kind.clone(),
        number,
        school,
        adviser: event.adviser,
    });
    with.days.sort();
    let before = schedule::check(&now, &every, &open, &events, &rules);
    let problems: Vec<Violation> = introduced(&before, schedule::check(&with, &every, &open, &events, &rules))
        .into_iter()
        .filter(|v| !matches!(v, Violation::WrongCount { planned, wanted, .. } if planned > wanted))
        // A Network Day added is an extra one: the Development Days planned already follow up
        // the Network Days they were planned after, not this one.
        .filter(|v| {
            !(kind.venue == Venue::Network
                && matches!(v, Violation::BeforeItsNetworkDay { follows, .. } if *follows == new.date))
        })
        .collect();
    if !problems.is_empty() {
        let said = say_violations(db, &template, &problems, &with).await?;
        return Err(PlanError::AddBreaks { date: new.date, problems, said });
    }
    adviser_free(db, programme, event.adviser, new.date).await?;
    // The adviser and the heads of the schools it is for, each once, with the day attached.
    let contacts = db.network_contacts(programme, new.network).await?;
    let mut to: Vec<(String, String)> = contacts
        .iter()
        .filter(|c| c.role == aspire_core::people::Role::AchievementAdviser || school.is_none() || c.urn == school)
        .map(|c| (c.email.clone(), c.name.clone()))
        .collect();
    to.sort();
    to.dedup_by(|a, b| a.0 == b.0);
    // Where it is: the school it is held in, or the network's venue.
    let at = match school.or(venue) {
        Some(u) => names.get(&u).cloned().unwrap_or_else(|| format!("school {u}")),
        None => "a venue the programme team will confirm".to_owned(),
    };
    let subject = format!("{} added on {}", kind.name, new.date.format("%A %-d %B %Y"));
    let body = |name: &str| {
        format!(
            "Dear {name},\n\nA {} of {} is added to {}'s year: {}, {} to {}, at {at}. The day is attached \
             (invitation.ics) for your calendar.\n\nHead teachers nominate their staff for its seats on their \
             school's year page at {}.\n",
            kind.name,
            year.name,
            p.name,
            new.date.format("%A %-d %B %Y"),
            new.starts.format("%H:%M"),
            new.ends.format("%H:%M"),
            aspire_store::SITE_PLACEHOLDER,
        )
    };
    // The day as calendars show it, written as the feeds write days; its UID and time stamp
    // are the saved day's, known inside the save, where the emails are written.
    let provisional = aspire_store::ProgrammeEvent {
        id: 0,
        programme,
        network: event.network,
        kind: event.kind.clone(),
        number,
        term,
        held_on: event.held_on,
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        urn: event.urn,
        adviser: event.adviser,
        capacity: event.capacity,
        status: EventStatus::Planned,
        cancel_reason: None,
        held_recorded: false,
        sequence: 0,
        uid: String::new(),
        updated_at: chrono::Utc::now(),
    };
    let kinds: BTreeMap<String, String> = [(kind.key.clone(), kind.name.clone())].into_iter().collect();
    let shown = feed_days(db, &p, &kinds, std::slice::from_ref(&provisional), None).await?.days;
    let ics_of = |day: &aspire_store::ProgrammeEvent| {
        let days: Vec<aspire_core::ics::FeedDay> = shown
            .iter()
            .cloned()
            .map(|d| aspire_core::ics::FeedDay { uid: day.uid.clone(), last_modified: day.updated_at, ..d })
            .collect();
        aspire_core::ics::feed(&p.name, &days, day.updated_at)
    };
    let tell = |day: &aspire_store::ProgrammeEvent| {
        let ics = ics_of(day);
        to.iter()
            .map(|(email, name)| aspire_store::Mail {
                recipient: email.clone(),
                subject: subject.clone(),
                body: body(name),
                calendar: Some(ics.clone()),
            })
            .collect()
    };
    Ok(db.add_event(actor, programme, &event, tell).await?)
}

/// What is wrong with a new day on its face (its kind, its times, a school given or missing for
/// where its kind is held), every problem at once, so that a form says them together.
pub fn day_form_problems(template: &Template, new: &NewDay) -> Vec<PlanError> {
    let mut out = Vec::new();
    match template.events.iter().find(|e| e.key == new.kind) {
        None => out.push(PlanError::NoSuchKind(new.kind.clone())),
        Some(kind) => match (kind.venue, new.school) {
            (Venue::School, None) => out.push(PlanError::NeedsSchool(kind.name.clone())),
            // A school given for a day at the network's venue is said, not dropped.
            (Venue::Network, Some(_)) => out.push(PlanError::NotInSchool(kind.name.clone())),
            _ => {}
        },
    }
    if new.ends <= new.starts {
        out.push(PlanError::Times { starts: new.starts, ends: new.ends });
    } else if new.starts < EARLIEST || new.ends > LATEST {
        out.push(PlanError::OutOfHours { starts: new.starts, ends: new.ends });
    }
    out
}

/// The hours a day is held within: a school's day, with a twilight session at most (a time
/// typed as 00:00 or 23:59 is a slip, not a plan).
const EARLIEST: NaiveTime = NaiveTime::from_hms_opt(7, 0, 0).expect("a time");
const LATEST: NaiveTime = NaiveTime::from_hms_opt(20, 0, 0).expect("a time");

/// Cancels a planned day with its reason, and tells those it was for when it is still to come
/// on `today` (England's date); a day past is only marked, for calendars and the record. A day
/// that took place (held, or someone marked present) is refused by the store.
pub async fn cancel_day(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    id: i64,
    reason: &str,
    today: NaiveDate,
) -> Result<aspire_store::ProgrammeEvent, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let day = db.programme_event(programme, id).await?.ok_or(PlanError::NoSuchDay(id))?;
    let notify = if day.status == EventStatus::Planned && !reason.trim().is_empty() && day.held_on >= today {
        notices(db, &p, &day, Notice::Cancelled { reason }).await?
    } else {
        Vec::new()
    };
    Ok(db.cancel_event(actor, programme, id, reason, &notify).await?)
}

#[derive(Clone, Copy)]
enum Notice<'a> {
    Moved { to: NaiveDate, reason: &'a str },
    Cancelled { reason: &'a str },
}

/// The emails telling those a day is for that it moved or was cancelled: its adviser, the head
/// teachers of its schools, and everyone registered or waiting for it (each address once).
async fn notices(
    db: &Db,
    p: &aspire_store::Programme,
    day: &aspire_store::ProgrammeEvent,
    notice: Notice<'_>,
) -> Result<Vec<aspire_store::Mail>, PlanError> {
    let kind = kind_name(p, &day.kind).unwrap_or_else(|| day.kind.clone());
    let network = db.network(day.network).await?.map(|n| n.name).unwrap_or_else(|| day.network.to_string());
    let contacts = db.network_contacts(p.id, day.network).await?;
    // The adviser who leads the day (a day led before its network passed on keeps its adviser),
    // not the network's adviser of today.
    let mut to: Vec<String> = contacts
        .iter()
        .filter(|c| match c.role {
            aspire_core::people::Role::AchievementAdviser => false,
            _ => day.urn.is_none() || c.urn == day.urn,
        })
        .map(|c| c.email.clone())
        .collect();
    if let Some(a) = day.adviser
        && let Some(person) = db.person(a).await?
    {
        to.push(person.email.to_string());
    }
    for r in db.registrations(p.id, day.id).await? {
        if r.status == aspire_store::RegistrationStatus::Withdrawn {
            continue;
        }
        if let Some(person) = db.person(r.person).await? {
            to.push(person.email.to_string());
        }
    }
    to.sort();
    to.dedup();
    let at = match day.urn {
        Some(u) => db.school_names(&[u]).await?.get(&u).cloned().map(|n| format!(" at {n}")).unwrap_or_default(),
        None => String::new(),
    };
    let when = |d: NaiveDate| d.format("%A %-d %B %Y").to_string();
    let (subject, what) = match notice {
        Notice::Moved { to: new, reason } => (
            format!("{kind} moved to {}", when(new)),
            format!(
                "The {kind} of {network}{at}, planned for {}, is now on {}.{}",
                when(day.held_on),
                when(new),
                if reason.trim().is_empty() { String::new() } else { format!(" Why: {}", reason.trim()) }
            ),
        ),
        Notice::Cancelled { reason } => (
            format!("{kind} on {} cancelled", when(day.held_on)),
            format!("The {kind} of {network}{at} on {} is cancelled. Why: {}", when(day.held_on), reason.trim()),
        ),
    };
    let body = format!(
        "{what}\n\nThis is {}. The day as it now is comes with this email (invitation.ics): open it to \
         change the day in your calendar. Calendar feeds show the change the next time your calendar \
         program reads them.\n",
        p.name
    );
    // The day as it will be once the change is saved (the store raises its sequence by one), so
    // a calendar program that has the day replaces it.
    let mut after = day.clone();
    after.sequence += 1;
    after.updated_at = chrono::Utc::now();
    match notice {
        Notice::Moved { to: new, .. } => after.held_on = new,
        Notice::Cancelled { reason } => {
            after.status = EventStatus::Cancelled;
            after.cancel_reason = Some(reason.trim().to_owned());
        }
    }
    let names: BTreeMap<String, String> = [(day.kind.clone(), kind.clone())].into_iter().collect();
    let shown = feed_days(db, p, &names, std::slice::from_ref(&after), None).await?;
    let ics = aspire_core::ics::feed(&p.name, &shown.days, after.updated_at);
    Ok(to
        .into_iter()
        .map(|recipient| aspire_store::Mail {
            recipient,
            subject: subject.clone(),
            body: body.clone(),
            calendar: Some(ics.clone()),
        })
        .collect())
}

/// What a programme's days are called: the programme, its template's kinds and its networks.
struct Names {
    programme: String,
    kinds: BTreeMap<String, String>,
    networks: BTreeMap<NetworkId, String>,
}

impl Names {
    async fn of(db: &Db, id: ProgrammeId) -> Result<Names, PlanError> {
        let p = db.programme(id).await?;
        let kinds = p
            .as_ref()
            .and_then(|p| template_of(p).ok())
            .map(|t| t.events.into_iter().map(|k| (k.key, k.name)).collect())
            .unwrap_or_default();
        let networks = db.networks(id, &Visible::everything()).await?.into_iter().map(|n| (n.id, n.name)).collect();
        Ok(Names { programme: p.map(|p| p.name).unwrap_or_default(), kinds, networks })
    }
}

/// An Achievement Adviser who leads more than one day on a date, in this programme or across
/// programmes: each in plain words, to move a day or give a network to another adviser.
pub async fn adviser_clashes(db: &Db, programme: ProgrammeId, from: NaiveDate) -> Result<Vec<String>, PlanError> {
    let events = db.programme_events(programme, &Visible::everything()).await?;
    let led: BTreeMap<aspire_core::people::PersonId, NaiveDate> = events
        .iter()
        .filter(|e| e.status == EventStatus::Planned && e.held_on >= from)
        .filter_map(|e| e.adviser.map(|a| (a, e.held_on)))
        .fold(BTreeMap::new(), |mut m, (a, d)| {
            let last = m.entry(a).or_insert(d);
            *last = (*last).max(d);
            m
        });
    let mut programmes: BTreeMap<ProgrammeId, Names> = BTreeMap::new();
    let mut out = Vec::new();
    for (adviser, last) in led {
        let days: Vec<_> = db
            .person_events(adviser, from, last)
            .await?
            .into_iter()
            .filter(|e| e.adviser == Some(adviser) && e.status == EventStatus::Planned)
            .collect();
        let mut by_date: BTreeMap<NaiveDate, Vec<&aspire_store::ProgrammeEvent>> = BTreeMap::new();
        for e in &days {
            by_date.entry(e.held_on).or_default().push(e);
        }
        let clashing: Vec<_> =
            by_date.into_iter().filter(|(_, ds)| ds.len() > 1 && ds.iter().any(|e| e.programme == programme)).collect();
        if clashing.is_empty() {
            continue;
        }
        let name = db.person(adviser).await?.map(|p| p.name).unwrap_or_else(|| "An adviser".to_owned());
        for (date, ds) in clashing {
            let mut said = Vec::new();
            for e in ds {
                if let std::collections::btree_map::Entry::Vacant(v) = programmes.entry(e.programme) {
                    v.insert(Names::of(db, e.programme).await?);
                }
                let Names { programme: pname, kinds, networks: nets } = &programmes[&e.programme];
                let kind = kinds.get(&e.kind).cloned().unwrap_or_else(|| e.kind.clone());
                let net = nets.get(&e.network).cloned().unwrap_or_else(|| "a network".to_owned());
                let of = if e.programme == programme { String::new() } else { format!(" of {pname}") };
                said.push(format!("the {kind} of {net}{of}"));
            }
            out.push(format!(
                "{name} leads {} days on {}: {}. Move one of them, or give one of the networks to another adviser.",
                said.len(),
                long(date),
                said.join(" and ")
            ));
        }
    }
    Ok(out)
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
            held_recorded: e.held_recorded,
        })
        .collect();
    let marks = db.roll_marks(programme, &all).await?;
    let members: BTreeMap<Urn, NetworkId> =
        db.enrolments(programme, &all).await?.into_iter().filter_map(|e| e.network.map(|n| (e.urn, n))).collect();
    Ok(doses(&days, &marks, &members))
}

/// The dose of every school of a programme's cohort (enrolled or completed), term by term and
/// in total: the columns the evaluation sets beside the cohort.
#[derive(Debug, Clone)]
pub struct CohortDoses {
    /// The terms of any planned day, in order.
    pub terms: Vec<Term>,
    pub schools: Vec<SchoolDose>,
}

#[derive(Debug, Clone)]
pub struct SchoolDose {
    pub urn: Urn,
    pub name: Option<String>,
    pub network: Option<String>,
    /// One per term of `CohortDoses::terms` (zero where the school had no days that term).
    pub terms: Vec<Dose>,
    pub total: Dose,
}

/// Each school of the cohort with its dose (schools without a network or days have zeros, and
/// are listed: a school that took part and had no days is a finding, not a gap).
pub async fn cohort_doses(db: &Db, programme: ProgrammeId) -> Result<CohortDoses, PlanError> {
    let doses = programme_doses(db, programme).await?;
    let mut terms: Vec<Term> = doses.keys().map(|(_, t)| *t).collect();
    terms.sort();
    terms.dedup();
    let schools = db
        .enrolments(programme, &Visible::everything())
        .await?
        .into_iter()
        .filter(|e| e.status.takes_part())
        .map(|e| {
            let per: Vec<Dose> = terms.iter().map(|t| doses.get(&(e.urn, *t)).cloned().unwrap_or_default()).collect();
            let mut total = Dose::default();
            for d in &per {
                total += d;
            }
            SchoolDose { urn: e.urn, name: e.school_name, network: e.network_name, terms: per, total }
        })
        .collect();
    Ok(CohortDoses { terms, schools })
}

impl CohortDoses {
    /// The header of the CSV: the cohort's columns, then five per term and five in total.
    pub fn csv_header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["urn", "school", "network"].map(String::from).to_vec();
        let five = |p: &str| {
            [
                format!("{p}network_days"),
                format!("{p}network_days_attended"),
                format!("{p}development_days"),
                format!("{p}development_days_held"),
                format!("{p}days_not_recorded"),
            ]
        };
        for t in &self.terms {
            h.extend(five(&format!("{}_", t.label().to_lowercase().replace(' ', "_"))));
        }
        h.extend(five("total_"));
        h
    }

    /// The rows of the CSV, in the order of `csv_header`.
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        let cells = |d: &Dose| {
            [
                d.network_days.to_string(),
                d.network_days_attended.to_string(),
                d.development_days.to_string(),
                d.development_days_held.to_string(),
                (d.network_days_unrecorded + d.development_days_unrecorded).to_string(),
            ]
        };
        self.schools
            .iter()
            .map(|s| {
                let mut r =
                    vec![s.urn.to_string(), s.name.clone().unwrap_or_default(), s.network.clone().unwrap_or_default()];
                for d in &s.terms {
                    r.extend(cells(d));
                }
                r.extend(cells(&s.total));
                r
            })
            .collect()
    }
}

/// The first and last planned day of a plan, for its summary.
pub fn span(plan: &Plan) -> Option<(NaiveDate, NaiveDate)> {
    Some((plan.days.first()?.date, plan.days.last()?.date))
}

/// Why a sign-in sheet was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RollImportError {
    #[error("{0}")]
    File(#[from] aspire_import::FileError),
    #[error(
        "nothing was recorded: {} row{} of the sheet cannot be used; correct {} and import the whole sheet again",
        .0.len(), if .0.len() == 1 { "" } else { "s" }, if .0.len() == 1 { "it" } else { "them" }
    )]
    Rows(Vec<aspire_import::RowIssue>),
    #[error("the sheet has no rows")]
    Empty,
    #[error("there is no programme {0}")]
    NoSuchProgramme(ProgrammeId),
    #[error("{0}")]
    Save(#[from] ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a sign-in sheet recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedRoll {
    pub days: usize,
    pub marks: usize,
}

/// Records a sign-in sheet (CSV or XLSX) on the rolls of a programme's days: every row names a
/// day of the programme and a person of a school that day is for. Any row that cannot be used
/// is reported with its line and column, and nothing is recorded. A day after `today` takes
/// only apologies.
pub async fn import_sign_in_sheet(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    name: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<ImportedRoll, RollImportError> {
    use aspire_core::attendance::Mark;
    use aspire_import::{DayRef, RowIssue};
    db.programme(programme).await?.ok_or(RollImportError::NoSuchProgramme(programme))?;
    let sheet = aspire_import::read_sign_in_sheet(name, bytes)?;
    let mut issues = sheet.errors;
    if sheet.rows.is_empty() && issues.is_empty() {
        return Err(RollImportError::Empty);
    }
    let all = Visible::everything();
    let events = db.programme_events(programme, &all).await?;
    let networks: BTreeMap<String, NetworkId> =
        db.networks(programme, &all).await?.into_iter().map(|n| (n.name.to_lowercase(), n.id)).collect();
    let members: BTreeMap<Urn, NetworkId> =
        db.enrolments(programme, &all).await?.into_iter().filter_map(|e| e.network.map(|n| (e.urn, n))).collect();
    let mut rolls: BTreeMap<i64, aspire_store::DayMarks> = BTreeMap::new();
    let mut seen: BTreeMap<(i64, aspire_core::people::PersonId), u64> = BTreeMap::new();
    for row in &sheet.rows {
        let before = issues.len();
        let Some(person) = db.person_by_email(&row.email).await? else {
            issues.push(RowIssue::cell(
                row.line,
                "email",
                row.email.as_str(),
                "no account has this address: add the person to their school's staff list first",
            ));
            continue;
        };
        let schools: Vec<Urn> = person
            .grants
            .iter()
            .filter_map(|g| match g.grant.scope {
                aspire_core::people::Scope::School(u) => Some(u),
                _ => None,
            })
            .collect();
        // The days the row may mean, before the person's school narrows them.
        let candidates: Vec<&aspire_store::ProgrammeEvent> = match &row.day {
            DayRef::Id(id) => events.iter().filter(|e| e.id == *id).collect(),
            DayRef::DateAndNetwork(date, network) => match networks.get(&network.to_lowercase()) {
                Some(n) => events.iter().filter(|e| e.network == *n && e.held_on == *date).collect(),
                None => {
                    issues.push(RowIssue::cell(row.line, "network", network, "is not a network of this programme"));
                    continue;
                }
            },
        };
        if candidates.is_empty() {
            let (col, value) = match &row.day {
                DayRef::Id(id) => ("day", id.to_string()),
                DayRef::DateAndNetwork(date, _) => ("date", date.to_string()),
            };
            issues.push(RowIssue::cell(row.line, col, &value, "no planned day of this programme matches"));
            continue;
        }
        // The person's school among those the day is for.
        let for_day = |e: &aspire_store::ProgrammeEvent| -> Vec<Urn> {
            schools
                .iter()
                .copied()
                .filter(|u| row.urn.is_none_or(|r| r == *u))
                .filter(|u| match e.urn {
                    Some(school) => school == *u,
                    None => members.get(u) == Some(&e.network),
                })
                .collect()
        };
        let matches: Vec<(&aspire_store::ProgrammeEvent, Vec<Urn>)> =
            candidates.iter().map(|e| (*e, for_day(e))).filter(|(_, us)| !us.is_empty()).collect();
        let (event, urn) = match matches.as_slice() {
            [(e, us)] if us.len() == 1 => (*e, us[0]),
            [(_, _)] => {
                issues.push(RowIssue::cell(
                    row.line,
                    "urn",
                    "",
                    "the person belongs to more than one of the day's schools: give the URN of the one they came for",
                ));
                continue;
            }
            [] => {
                let value = row.urn.map(|u| u.to_string()).unwrap_or_default();
                issues.push(RowIssue::cell(
                    row.line,
                    if row.urn.is_some() { "urn" } else { "email" },
                    if row.urn.is_some() { &value } else { row.email.as_str() },
                    "the person holds no role at a school this day is for",
                ));
                continue;
            }
            _ => {
                issues.push(RowIssue::row(
                    row.line,
                    "the date and network match more than one day: give the day's number",
                ));
                continue;
            }
        };
        if event.status == EventStatus::Cancelled {
            issues.push(RowIssue::row(row.line, format!("day {} was cancelled: it has no roll", event.id)));
        } else if event.held_on > today && row.mark != Mark::Apologies {
            issues.push(RowIssue::cell(
                row.line,
                "mark",
                row.mark.code(),
                format!(
                    "day {} is on {}, not yet: before the day only apologies can be recorded",
                    event.id, event.held_on
                ),
            ));
        }
        // The same person and day twice (once by its number, once by its date and network, say).
        if let Some(first) = seen.get(&(event.id, person.id)) {
            issues.push(RowIssue::row(
                row.line,
                format!("marks {} on day {} again: line {first} marks them already", row.email.as_str(), event.id),
            ));
        } else if issues.len() == before {
            seen.insert((event.id, person.id), row.line);
            rolls.entry(event.id).or_default().push((person.id, urn, row.mark));
        }
    }
    if !issues.is_empty() {
        issues.sort_by_key(|i| i.line);
        return Err(RollImportError::Rows(issues));
    }
    let rolls: Vec<_> = rolls.into_iter().collect();
    let marks = db.record_rolls(actor, programme, &rolls).await?;
    Ok(ImportedRoll { days: rolls.len(), marks })
}

/// The calendar (RFC 5545) a feed's token opens, or `None` for a token that opens nothing
/// (never made, or revoked).
pub async fn feed(db: &Db, token: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Option<String>, PlanError> {
    let Some(f) = db.feed_by_token(token).await? else { return Ok(None) };
    if !owner_still_sees(db, &f).await? {
        return Ok(None);
    }
    Ok(Some(calendar(db, f.programme, f.scope, Some(f.person), now).await?))
}

/// The calendar (RFC 5545) of a programme's days: a person's (the days they lead or hold a
/// seat at), a school's, a network's or the whole programme's. Feeds serve it; the command
/// line prints it.
pub async fn calendar(
    db: &Db,
    programme: ProgrammeId,
    scope: aspire_store::FeedScope,
    person: Option<aspire_core::people::PersonId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, PlanError> {
    calendar_of(db, programme, scope, person, None, now).await
}

/// One day as a calendar file, for the email that confirms a place at it.
pub async fn day_calendar(
    db: &Db,
    programme: ProgrammeId,
    day: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, PlanError> {
    calendar_of(db, programme, aspire_store::FeedScope::Programme, None, Some(day), now).await
}

/// What the programme's template calls each kind of day, by key (none without a template).
pub(crate) fn kind_names(p: &aspire_store::Programme) -> BTreeMap<String, String> {
    template_of(p).map(|t| t.events.into_iter().map(|e| (e.key, e.name)).collect()).unwrap_or_default()
}

/// What the programme's template calls the kind of day `key`.
pub(crate) fn kind_name(p: &aspire_store::Programme, key: &str) -> Option<String> {
    template_of(p).ok().and_then(|t| t.events.into_iter().find(|k| k.key == key).map(|k| k.name))
}

/// One day as a calendar file marked cancelled, for the person whose place at it is withdrawn:
/// the same UID and SEQUENCE as the day they were sent, newer DTSTAMP, so their calendar
/// program drops it; the day itself goes ahead for everyone else.
pub async fn withdrawn_calendar(
    db: &Db,
    programme: ProgrammeId,
    day: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let names = kind_names(&p);
    let mut events = db.days_of(programme, aspire_store::DaysOf::Day(day)).await?;
    for e in &mut events {
        e.status = EventStatus::Cancelled;
        e.cancel_reason = Some("your place is withdrawn (the day goes ahead for the others)".to_owned());
    }
    let FeedDays { days, .. } = feed_days(db, &p, &names, &events, None).await?;
    Ok(aspire_core::ics::feed(&p.name, &days, now))
}

async fn calendar_of(
    db: &Db,
    programme: ProgrammeId,
    scope: aspire_store::FeedScope,
    person: Option<aspire_core::people::PersonId>,
    only: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, PlanError> {
    use aspire_store::FeedScope;
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let names = kind_names(&p);
    use aspire_store::DaysOf;
    let of = match (only, scope) {
        (Some(d), _) => DaysOf::Day(d),
        (None, FeedScope::Person) => match person {
            Some(p) => DaysOf::Person(p),
            None => return Ok(aspire_core::ics::feed(&p.name, &[], now)),
        },
        (None, FeedScope::School(u)) => DaysOf::School(u),
        (None, FeedScope::Network(n)) => DaysOf::Network(n),
        (None, FeedScope::Programme) => DaysOf::Programme,
    };
    let events = db.days_of(programme, of).await?;
    let extra = match scope {
        FeedScope::School(u) => Some(u),
        _ => None,
    };
    let FeedDays { days, networks, school_names } = feed_days(db, &p, &names, &events, extra).await?;
    let title = match scope {
        FeedScope::Person => format!("{}: my days", p.name),
        FeedScope::School(u) => {
            format!("{}: {}", p.name, school_names.get(&u).cloned().unwrap_or_else(|| u.to_string()))
        }
        FeedScope::Network(n) => {
            format!("{}: {}", p.name, networks.get(&n).map(|x| x.name.clone()).unwrap_or_else(|| n.to_string()))
        }
        FeedScope::Programme => p.name.clone(),
    };
    Ok(aspire_core::ics::feed(&title, &days, now))
}

/// Days as a calendar shows them, with the networks and school names they were written from.
struct FeedDays {
    days: Vec<aspire_core::ics::FeedDay>,
    networks: BTreeMap<NetworkId, aspire_store::Network>,
    school_names: std::collections::HashMap<Urn, String>,
}

/// Writes stored days as calendar events (`names`: the template's event names by key); `extra`
/// is a school whose name is wanted too.
async fn feed_days(
    db: &Db,
    p: &aspire_store::Programme,
    names: &BTreeMap<String, String>,
    events: &[aspire_store::ProgrammeEvent],
    extra: Option<Urn>,
) -> Result<FeedDays, PlanError> {
    // Only the networks the days are of (a person's calendar: a few of hundreds).
    let wanted: std::collections::BTreeSet<NetworkId> = events.iter().map(|e| e.network).collect();
    let networks: BTreeMap<NetworkId, aspire_store::Network> = if wanted.len() > 20 {
        db.networks(p.id, &Visible::everything()).await?.into_iter().map(|n| (n.id, n)).collect()
    } else {
        let mut found = BTreeMap::new();
        for n in &wanted {
            if let Some(x) = db.network(*n).await? {
                found.insert(*n, x);
            }
        }
        found
    };
    let mut places: Vec<Urn> = events.iter().filter_map(|e| e.urn).collect();
    places.extend(wanted.iter().filter_map(|n| networks.get(n).and_then(|x| x.venue)));
    places.extend(extra);
    places.sort();
    places.dedup();
    let school_names = db.school_names(&places).await?;
    let days: Vec<aspire_core::ics::FeedDay> = events
        .iter()
        .map(|e| {
            let network = networks.get(&e.network).map(|n| n.name.as_str()).unwrap_or("a network");
            let kind = names.get(&e.kind).map(String::as_str).unwrap_or(e.kind.as_str());
            let place = e.urn.or_else(|| networks.get(&e.network).and_then(|n| n.venue));
            let location = place.map(|u| school_names.get(&u).cloned().unwrap_or_else(|| format!("School {u}")));
            let summary = match e.urn {
                Some(u) => {
                    format!("{kind}, {}", school_names.get(&u).cloned().unwrap_or_else(|| format!("school {u}")))
                }
                None => format!("{kind}, {network}"),
            };
            let mut description = format!("{}: {network}.", p.name);
            if let Some(r) = &e.cancel_reason {
                description.push_str(&format!(" Cancelled: {r}"));
            }
            aspire_core::ics::FeedDay {
                uid: e.uid.clone(),
                sequence: e.sequence,
                cancelled: e.status == EventStatus::Cancelled,
                date: e.held_on,
                starts: e.starts_at,
                ends: e.ends_at,
                summary,
                location,
                description: Some(description),
                last_modified: e.updated_at,
            }
        })
        .collect();
    Ok(FeedDays { days, networks, school_names })
}

/// Whether a feed's owner may still see what it shows: a feed of a disabled account, or of a
/// role since taken away, opens nothing (as a page would not).
async fn owner_still_sees(db: &Db, f: &aspire_store::CalendarFeed) -> Result<bool, PlanError> {
    use aspire_core::access::{Action, Place, Record};
    use aspire_store::FeedScope;
    let Some(owner) = db.person(f.person).await? else { return Ok(false) };
    if owner.disabled {
        return Ok(false);
    }
    let principal = db.principal(f.person).await?;
    let place = match f.scope {
        FeedScope::Person | FeedScope::Programme => Place::programme(f.programme),
        FeedScope::Network(n) => Place::network(f.programme, n),
        FeedScope::School(u) => {
            let network = db
                .enrolments(f.programme, &Visible::everything())
                .await?
                .into_iter()
                .find(|e| e.urn == u)
                .and_then(|e| e.network);
            Place::enrolment(f.programme, network, u)
        }
    };
    let record = match f.scope {
        FeedScope::School(_) => Record::Enrolment,
        FeedScope::Network(_) => Record::Network,
        FeedScope::Person | FeedScope::Programme => Record::Programme,
    };
    Ok(principal.may(Action::View, record, &place))
}

/// A school's staff release: what the programme asks of it, by term and role, and what it used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchoolRelease {
    /// From the planned days, or from the template's year when nothing is planned yet.
    pub asked: BTreeMap<(Term, aspire_core::people::Role), aspire_core::release::Release>,
    /// Whether `asked` comes from planned days (else the template's year from the start date).
    pub from_plan: bool,
    pub used: BTreeMap<(Term, aspire_core::people::Role), aspire_core::release::Release>,
}

fn audience(e: &aspire_core::template::EventKind) -> Vec<aspire_core::people::Role> {
    e.audience.iter().filter_map(|c| aspire_core::people::Role::parse(c).ok()).collect()
}

/// What the programme asks of a school's staff and what was used: from its network's planned
/// days, or, before they are planned, from the template's year (what a head sees at enrolment).
pub async fn school_release(db: &Db, programme: ProgrammeId, urn: Urn) -> Result<SchoolRelease, PlanError> {
    use aspire_core::release::{AskedDay, UsedSeat, asked, used};
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let kinds: BTreeMap<&str, &aspire_core::template::EventKind> =
        template.events.iter().map(|e| (e.key.as_str(), e)).collect();
    let all = Visible::everything();
    let network = db.enrolments(programme, &all).await?.into_iter().find(|e| e.urn == urn).and_then(|e| e.network);
    let events: Vec<aspire_store::ProgrammeEvent> = db
        .programme_events(programme, &all)
        .await?
        .into_iter()
        .filter(|e| e.status == EventStatus::Planned)
        .filter(|e| e.urn == Some(urn) || (e.urn.is_none() && Some(e.network) == network))
        .collect();
    let mut out = SchoolRelease::default();
    if events.is_empty() {
        let starts = match network {
            Some(n) => db.network_starts(programme).await?.get(&n).copied().or(p.starts_on),
            None => p.starts_on,
        };
        if let Some(starts) = starts {
            let terms = schedule::network_terms(starts, 3 * usize::try_from(template.years).unwrap_or(1));
            let mut days = Vec::new();
            for (i, term) in terms.iter().enumerate() {
                for e in &template.events {
                    if EventRule::from(e).due_in(i, terms.len()) {
                        for _ in 0..e.per_term {
                            days.push(AskedDay { term: *term, venue: e.venue, audience: audience(e) });
                        }
                    }
                }
            }
            out.asked = asked(&days);
        }
    } else {
        out.from_plan = true;
        let days: Vec<AskedDay> = events
            .iter()
            .filter_map(|e| {
                kinds.get(e.kind.as_str()).map(|k| AskedDay { term: e.term, venue: k.venue, audience: audience(k) })
            })
            .collect();
        out.asked = asked(&days);
    }
    let by_id: BTreeMap<i64, &aspire_store::ProgrammeEvent> = events.iter().map(|e| (e.id, e)).collect();
    let seats: Vec<UsedSeat> = db
        .used_seats(programme, urn)
        .await?
        .into_iter()
        .filter_map(|(day, role)| {
            let e = by_id.get(&day)?;
            let venue = kinds.get(e.kind.as_str())?.venue;
            Some(UsedSeat { term: e.term, venue, role })
        })
        .collect();
    out.used = used(&seats);
    Ok(out)
}

/// The first day of a term's months (September, January, April), from which staff who had left
/// no longer count. Schools' own term dates differ by days, which reach does not need.
pub fn term_months_start(t: Term) -> NaiveDate {
    use aspire_core::template::Season;
    let month = match t.season {
        Season::Autumn => 9,
        Season::Spring => 1,
        Season::Summer => 4,
    };
    NaiveDate::from_ymd_opt(t.year, month, 1).unwrap_or(NaiveDate::MIN)
}

/// The months a term covers, first and last day: autumn September to December, spring January
/// to March, summer April to August (a school's own dates fall inside these).
pub fn term_months(t: Term) -> (NaiveDate, NaiveDate) {
    let next = term_months_start(t.next());
    (term_months_start(t), next.pred_opt().unwrap_or(next))
}
