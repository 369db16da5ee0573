//! A school's programme year as its head, its adviser and the team use it: the school's days
//! with their seats by role and who holds each (a substitute beside), nominations and
//! withdrawals, the roll of a day, and a person's week (the days they lead or go to).
//!
//! Who may do each is decided before these are called. What is checked here is that the
//! request makes sense: the day is one of the school's, the seat one of the day's audience, the
//! people nominated hold a role at the school, the marks are for people on the day's roll.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use aspire_core::access::Visible;
use aspire_core::attendance::Mark;
use aspire_core::people::{NetworkId, PersonId, ProgrammeId, Role};
use aspire_core::template::{EventKind, Template, Venue};
use aspire_core::urn::Urn;
use aspire_store::{
    Actor, Db, EventStatus, NewRegistration, Person, ProgrammeError, ProgrammeEvent, Registration, RegistrationStatus,
    StoreError,
};

use crate::programme_year::{PlanError, template_of};

/// Why a nomination, a withdrawal or a roll was refused.
#[derive(Debug, thiserror::Error)]
pub enum YearError {
    #[error("there is no programme {0}")]
    NoSuchProgramme(ProgrammeId),
    #[error("school {0} is not in this programme")]
    NotInProgramme(Urn),
    #[error("there is no day {0} in this programme")]
    NoSuchDay(i64),
    #[error("that day is not one of this school's: it is for another network or school")]
    NotTheSchools,
    #[error("the day is cancelled ({0}): nobody can be nominated for it and it has no roll")]
    Cancelled(String),
    #[error("the {day} has no seat for a {seat}: its seats are for {seats}")]
    NotASeat { day: String, seat: String, seats: String },
    #[error("choose who takes the seat, from the school's staff with an account")]
    NoPerson,
    /// Never names the person: an id sent by hand must not tell anyone who holds it.
    #[error(
        "the person chosen does not hold a role at this school: choose one of its staff from the list, or invite them first (People)"
    )]
    NotOfTheSchool,
    #[error("the substitute must be someone other than the person nominated")]
    SameSubstitute,
    #[error("there is no registration {0} of this school")]
    NoSuchRegistration(i64),
    #[error("there is no member of staff {0} on this school's list")]
    NoSuchStaff(i64),
    #[error(
        "{} is after the programme year, which ends on {}: give a day within it, or leave it empty",
        aspire_core::dates::long(*.date),
        aspire_core::dates::long(*.ends)
    )]
    AfterTheYear { date: NaiveDate, ends: NaiveDate },
    #[error(
        "{} is before the programme year, which began on {}: someone who left before it was never on its staff, so take them off the list instead (\"Added in error?\")",
        aspire_core::dates::long(*.date),
        aspire_core::dates::long(*.starts)
    )]
    LeftBeforeTheYear { date: NaiveDate, starts: NaiveDate },
    #[error("{name} joined on {}: the day they left cannot be before it", aspire_core::dates::long(*.joined))]
    LeftBeforeJoining { name: String, joined: NaiveDate },
    #[error("{} has not come yet: a roll is taken on the day or after it", aspire_core::dates::long(*.date))]
    TooEarly { date: NaiveDate },
    #[error(
        "the day on {} is recorded as held, so its roll is the record of who came: correct the roll instead of withdrawing a place",
        aspire_core::dates::long(*.date)
    )]
    RecordedHeld { date: NaiveDate },
    /// Never names the person marked (the caller knows who holds the seat).
    #[error(
        "they are marked on the day's roll, which is the record of who came, so their place is not withdrawn: if the mark is wrong, ask {} to correct it",
        .adviser.as_deref().unwrap_or("the day's Achievement Adviser")
    )]
    OnTheRoll { adviser: Option<String> },
    /// Never names the person: an id sent by hand must not tell anyone who holds it.
    #[error("someone marked is not on this day's roll: only those registered and their substitutes are")]
    NotOnTheRoll,
    #[error("nothing was marked: choose present, late, absent or apologies for someone")]
    NothingMarked,
    /// Each line of a typed staff list that cannot be added; nothing was added.
    #[error("nothing was saved: {}", .0.join(" "))]
    StaffLines(Vec<String>),
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("{0}")]
    Save(#[from] ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A seat of the school at a day, and who holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub role: Role,
    /// The registration holding the seat (registered or waiting), if any.
    pub registration: Option<Registration>,
    pub person: Option<String>,
    pub substitute: Option<String>,
    /// Whether the person holding it is marked on the day's roll (the roll is then the record,
    /// and the place is not withdrawn).
    pub marked: bool,
}

/// One of the school's days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolDay {
    pub event: ProgrammeEvent,
    /// The template's name of the day's kind.
    pub name: String,
    pub venue: Venue,
    /// Where it is held: the school (a Development Day) or the network's venue.
    pub place: Option<Urn>,
    pub seats: Vec<Seat>,
}

impl SchoolDay {
    pub fn open_seats(&self) -> Vec<Role> {
        self.seats.iter().filter(|s| s.registration.is_none()).map(|s| s.role).collect()
    }
}

/// Something the school should do next, with the day it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub day: Option<i64>,
    pub text: String,
}

/// A school's year in a programme.
#[derive(Debug, Clone)]
pub struct SchoolYear {
    pub urn: Urn,
    pub network: Option<NetworkId>,
    pub days: Vec<SchoolDay>,
    /// Who may be nominated: the people holding a role at the school, by name.
    pub people: Vec<(PersonId, String)>,
    pub next: Vec<NextStep>,
    /// The school's terms of its year, each with where its dates came from (its own, its LA's
    /// or the default pattern) and its closure days: what every day was planned around.
    pub terms: Vec<SchoolTerm>,
}

/// One term of a school's calendar.
#[derive(Debug, Clone)]
pub struct SchoolTerm {
    pub term: aspire_core::calendar::DatedTerm,
    pub source: aspire_core::calendar::TermSource,
    pub closures: Vec<aspire_core::calendar::Closure>,
}

fn long(d: NaiveDate) -> String {
    d.format("%a %-d %B %Y").to_string()
}

fn roles_of(codes: &[String]) -> Vec<Role> {
    codes.iter().filter_map(|c| Role::parse(c).ok()).collect()
}

fn listed(roles: &[Role]) -> String {
    let labels: Vec<String> = roles.iter().map(|r| r.label().to_lowercase()).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Whether a day is one of the school's: held in it, or a day of its network for every school.
fn is_schools(e: &ProgrammeEvent, urn: Urn, network: Option<NetworkId>) -> bool {
    match e.urn {
        Some(u) => u == urn,
        None => Some(e.network) == network,
    }
}

struct Context {
    /// The template's kinds of day (none for a programme made without a template).
    kinds: Vec<EventKind>,
    network: Option<NetworkId>,
}

/// The programme's template, or `None` for a programme made without one (it plans no days).
fn template_or_none(p: &aspire_store::Programme) -> Result<Option<Template>, YearError> {
    match template_of(p) {
        Ok(t) => Ok(Some(t)),
        Err(PlanError::NoTemplate) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn context(db: &Db, programme: ProgrammeId, urn: Urn) -> Result<Context, YearError> {
    let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
    let kinds = template_or_none(&p)?.map(|t| t.events).unwrap_or_default();
    let enrolment = db.enrolment(programme, urn).await?.ok_or(YearError::NotInProgramme(urn))?;
    Ok(Context { kinds, network: enrolment.network })
}

fn usable(people: Vec<Person>) -> Vec<(PersonId, String)> {
    people.into_iter().filter(|p| !p.disabled).map(|p| (p.id, p.name)).collect()
}

/// The school's days with their seats, who may be nominated, and what to do next as of `today`.
pub async fn school_year(db: &Db, programme: ProgrammeId, urn: Urn, today: NaiveDate) -> Result<SchoolYear, YearError> {
    let cx = context(db, programme, urn).await?;
    let networks = db.networks(programme, &Visible::everything()).await?;
    let venue = cx.network.and_then(|n| networks.iter().find(|x| x.id == n)).and_then(|n| n.venue);
    let people = usable(db.school_people(urn).await?);
    let names: BTreeMap<PersonId, String> = people.iter().cloned().collect();
    let name_of = |p: PersonId| names.get(&p).cloned().unwrap_or_else(|| format!("Person {p}"));
    let events: Vec<ProgrammeEvent> = match cx.network {
        None => Vec::new(),
        // Its own Development Days and its network's Network Days, found by the database.
        Some(_) => db.days_of(programme, aspire_store::DaysOf::School(urn)).await?,
    };
    // The school's seats and the marks on those days' rolls, each read once for the year.
    let mut seats_of: BTreeMap<i64, Vec<Registration>> = BTreeMap::new();
    for r in db.school_registrations(programme, urn).await? {
        if r.status != RegistrationStatus::Withdrawn {
            seats_of.entry(r.event).or_default().push(r);
        }
    }
    let mut marks_of: BTreeMap<i64, BTreeSet<PersonId>> = BTreeMap::new();
    if !seats_of.is_empty() {
        for m in db.school_day_marks(programme, urn).await? {
            marks_of.entry(m.day).or_default().insert(m.person);
        }
    }
    let mut days = Vec::new();
    for e in events {
        let kind = cx.kinds.iter().find(|k| k.key == e.kind);
        let audience = kind.map(|k| roles_of(&k.audience)).unwrap_or_default();
        let held: Vec<Registration> = seats_of.remove(&e.id).unwrap_or_default();
        let marked: BTreeSet<PersonId> = marks_of.remove(&e.id).unwrap_or_default();
        let seats = audience
            .iter()
            .map(|role| {
                let registration = held.iter().find(|r| r.seat == *role).cloned();
                Seat {
                    role: *role,
                    person: registration.as_ref().map(|r| name_of(r.person)),
                    substitute: registration.as_ref().and_then(|r| r.substitute).map(name_of),
                    marked: registration.as_ref().is_some_and(|r| marked.contains(&r.person)),
                    registration,
                }
            })
            .collect();
        let venue_kind = kind.map(|k| k.venue).unwrap_or(Venue::Network);
        days.push(SchoolDay {
            name: kind.map(|k| k.name.clone()).unwrap_or_else(|| e.kind.clone()),
            venue: venue_kind,
            place: e.urn.or(venue),
            seats,
            event: e,
        });
    }
    let next = next_steps(&days, today, db.staff_members(urn).await?.is_empty());
    let of_year: BTreeSet<aspire_core::template::Term> = days.iter().map(|d| d.event.term).collect();
    let calendars = crate::calendar::school_calendars(db, &[urn]).await.map_err(PlanError::from)?;
    let terms = calendars
        .get(&urn)
        .map(|c| {
            c.terms()
                .filter(|(t, _)| of_year.contains(&t.term()))
                .map(|(t, source)| SchoolTerm {
                    term: *t,
                    source: *source,
                    closures: c.closures().iter().filter(|k| t.contains(k.date)).cloned().collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(SchoolYear { urn, network: cx.network, days, people, next, terms })
}

/// What the school does next: the seats to fill for the coming days, the next day itself, and
/// the staff list reach is counted against.
fn next_steps(days: &[SchoolDay], today: NaiveDate, no_staff_list: bool) -> Vec<NextStep> {
    let mut out = Vec::new();
    let live: Vec<&SchoolDay> = days.iter().filter(|d| d.event.status == EventStatus::Planned).collect();
    let coming: Vec<&&SchoolDay> = live.iter().filter(|d| d.event.held_on >= today).collect();
    match coming.first() {
        Some(d) => out.push(NextStep {
            day: Some(d.event.id),
            text: format!("Your next day is the {} on {}.", d.name, long(d.event.held_on)),
        }),
        None if live.is_empty() => out.push(NextStep {
            day: None,
            text:
                "No days are planned for your school yet: the programme team plans the year once networks are formed."
                    .into(),
        }),
        None => {
            let last = live.iter().map(|d| d.event.held_on).max().unwrap_or(today);
            out.push(NextStep {
                day: None,
                text: format!("Your school's year is over: its last day was {}.", long(last)),
            });
        }
    }
    // The coming days first; when the year is over, the days whose seats were never filled
    // (their records are still worth completing).
    let unfilled: Vec<&&SchoolDay> = if coming.is_empty() {
        live.iter().filter(|d| !d.open_seats().is_empty() && !d.event.held_recorded).collect()
    } else {
        live.iter().filter(|d| d.event.held_on >= today && !d.open_seats().is_empty()).collect()
    };
    for d in unfilled.iter().take(3) {
        let seats = listed(&d.open_seats());
        let text = if d.event.held_on >= today {
            format!("Nominate your {seats} for the {} on {}.", d.name, long(d.event.held_on))
        } else {
            format!(
                "The {} on {} has passed with your school's {} for the {seats} empty: if someone of yours went, nominate them so that its roll can record them.",
                d.name,
                long(d.event.held_on),
                if d.open_seats().len() == 1 { "seat" } else { "seats" },
            )
        };
        out.push(NextStep { day: Some(d.event.id), text });
    }
    if unfilled.len() > 3 {
        out.push(NextStep { day: None, text: format!("{} more days have seats to fill.", unfilled.len() - 3) });
    }
    if no_staff_list {
        out.push(NextStep {
            day: None,
            text: "Add your staff list (every adult, with or without an account) so that whole-school reach can be counted."
                .into(),
        });
    }
    out
}

/// A nomination for one of the school's seats at a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nomination {
    pub day: i64,
    pub seat: Role,
    pub person: Option<PersonId>,
    pub substitute: Option<PersonId>,
}

/// Nominates a person (and a substitute) of the school for one of its seats at a day: the
/// person is registered while the venue has places, else waiting. They are told by email for
/// a day still to come on `today` (England's date); a nomination after the day records who
/// went, and tells nobody.
pub async fn nominate(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    n: &Nomination,
    today: NaiveDate,
) -> Result<Registration, YearError> {
    let cx = context(db, programme, urn).await?;
    let e = db.programme_event(programme, n.day).await?.ok_or(YearError::NoSuchDay(n.day))?;
    if !is_schools(&e, urn, cx.network) {
        return Err(YearError::NotTheSchools);
    }
    if e.status == EventStatus::Cancelled {
        return Err(YearError::Cancelled(e.cancel_reason.unwrap_or_else(|| "no reason given".into())));
    }
    let kind = cx.kinds.iter().find(|k| k.key == e.kind);
    let audience = kind.map(|k| roles_of(&k.audience)).unwrap_or_default();
    if !audience.contains(&n.seat) {
        return Err(YearError::NotASeat {
            day: kind.map(|k| k.name.clone()).unwrap_or(e.kind),
            seat: n.seat.label().to_lowercase(),
            seats: listed(&audience),
        });
    }
    let person = n.person.ok_or(YearError::NoPerson)?;
    let staff: BTreeSet<PersonId> = usable(db.school_people(urn).await?).into_iter().map(|(p, _)| p).collect();
    if [Some(person), n.substitute].into_iter().flatten().any(|p| !staff.contains(&p)) {
        return Err(YearError::NotOfTheSchool);
    }
    if n.substitute == Some(person) {
        return Err(YearError::SameSubstitute);
    }
    let new = NewRegistration { event: n.day, urn, seat: n.seat, person, substitute: n.substitute };
    if e.held_on < today {
        return Ok(db.register(actor, programme, &new).await?);
    }
    let mut letter = Confirmation::of(db, programme, &e, kind.map(|k| k.name.clone()), urn, n).await?;
    // One person in two seats (a small school) has the day already: the letter says so.
    letter.also_holds = db
        .registrations(programme, e.id)
        .await?
        .iter()
        .find(|r| r.person == person && r.seat != n.seat && r.status == RegistrationStatus::Registered)
        .map(|r| r.seat.label().to_lowercase());
    Ok(db.register_and_tell(actor, programme, &new, move |status| letter.mail(status)).await?)
}

/// The emails that confirm a nomination: to the person, with the day attached as a calendar
/// file, and to their substitute.
struct Confirmation {
    person: (String, String),
    substitute: Option<(String, String)>,
    seat: String,
    what: String,
    calendar: String,
    /// Given a place that came free, after waiting for one.
    from_waiting: bool,
    /// Taking over the seat of this person, whose place was withdrawn.
    instead_of: Option<String>,
    /// The other seat the person holds at the day already (registered): one place for both,
    /// and the day is in their calendar already.
    also_holds: Option<String>,
}

impl Confirmation {
    async fn of(
        db: &Db,
        programme: ProgrammeId,
        e: &ProgrammeEvent,
        kind: Option<String>,
        urn: Urn,
        n: &Nomination,
    ) -> Result<Confirmation, YearError> {
        let calendar = crate::programme_year::day_calendar(db, programme, e.id, chrono::Utc::now()).await?;
        Confirmation::with_calendar(db, programme, e, kind, urn, n, calendar).await
    }

    /// As `of`, with the day's calendar already written (one for every letter of a day).
    async fn with_calendar(
        db: &Db,
        programme: ProgrammeId,
        e: &ProgrammeEvent,
        kind: Option<String>,
        urn: Urn,
        n: &Nomination,
        calendar: String,
    ) -> Result<Confirmation, YearError> {
        let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
        let who = |id: PersonId| async move {
            Ok::<_, YearError>(db.person(id).await?.map(|x| (x.email.to_string(), x.name)).unwrap_or_default())
        };
        let person = who(n.person.ok_or(YearError::NoPerson)?).await?;
        let substitute = match n.substitute {
            Some(s) => Some(who(s).await?),
            None => None,
        };
        let network = db.network(e.network).await?;
        let place = e.urn.or(network.as_ref().and_then(|x| x.venue));
        let mut urns = vec![urn];
        urns.extend(place);
        let names = db.school_names(&urns).await?;
        let school = names.get(&urn).cloned().unwrap_or_else(|| format!("school {urn}"));
        let at = match place {
            Some(u) => names.get(&u).cloned().unwrap_or_else(|| format!("school {u}")),
            None => "a venue the programme team will confirm".to_owned(),
        };
        let what = format!(
            "the {} of {} ({}) on {}, {} to {}, at {at}",
            kind.unwrap_or_else(|| e.kind.clone()),
            network.map(|x| x.name).unwrap_or_else(|| "your network".to_owned()),
            p.name,
            e.held_on.format("%A %-d %B %Y"),
            e.starts_at.format("%H:%M"),
            e.ends_at.format("%H:%M"),
        );
        Ok(Confirmation {
            person,
            substitute,
            seat: format!("{} of {school}", n.seat.label().to_lowercase()),
            what,
            calendar,
            from_waiting: false,
            instead_of: None,
            also_holds: None,
        })
    }

    /// The letters of a withdrawal: to the person whose place it was, with the day marked
    /// cancelled for their calendar, and to their substitute unless the seat `passes` to them
    /// (who then has a letter of their own).
    fn withdrawn(&self, passes: bool) -> Vec<aspire_store::Mail> {
        let (email, name) = &self.person;
        let given = match (&self.substitute, passes) {
            (Some((_, s)), true) => format!(" Your seat passes to {s}, your substitute."),
            _ => String::new(),
        };
        let mut out = vec![aspire_store::Mail {
            recipient: email.clone(),
            subject: format!("Your place is withdrawn: {}", self.what),
            body: format!(
                "Dear {name},\n\nYour school has withdrawn your place as the {} for {}: you are no longer expected \
                 there.{given} If this is a mistake, ask your head teacher to nominate you again.\n\nThe day comes \
                 with this email marked cancelled for you (invitation.ics): open it to take it out of your \
                 calendar.\n\nSign in at {} to see your days.\n",
                self.seat,
                self.what,
                aspire_store::SITE_PLACEHOLDER
            ),
            calendar: Some(self.calendar.clone()).filter(|c| !c.is_empty()),
        }];
        if let (Some((s_email, s_name)), false) = (&self.substitute, passes) {
            out.push(aspire_store::Mail::text(
                s_email.clone(),
                format!("No longer a substitute: {}", self.what),
                format!(
                    "Dear {s_name},\n\nYou were named as the substitute for {name}, the {} for {}. Your school has \
                     withdrawn that place, so you are no longer its substitute.\n\nSign in at {} to see your days.\n",
                    self.seat,
                    self.what,
                    aspire_store::SITE_PLACEHOLDER
                ),
            ));
        }
        out
    }

    fn mail(&self, status: RegistrationStatus) -> Vec<aspire_store::Mail> {
        let (email, name) = &self.person;
        let mut out = Vec::new();
        let place = match status {
            RegistrationStatus::Waiting => "The venue is full, so you are on its waiting list: when a place comes \
                 free it goes to the first waiting, and your school's year page shows it."
                .to_owned(),
            _ if self.from_waiting => "A place came free, so you are off the waiting list and your place is \
                 confirmed. The day is attached (invitation.ics) for your calendar; a calendar feed made on your \
                 account page keeps all your days up to date."
                .to_owned(),
            _ => "Your place is confirmed. The day is attached (invitation.ics) for your calendar; a calendar \
                 feed made on your account page keeps all your days up to date."
                .to_owned(),
        };
        let sub = self
            .substitute
            .as_ref()
            .map(|(_, n)| format!(" If you cannot go, {n} goes in your place."))
            .unwrap_or_default();
        // A second seat at a day they have a place at already: nothing new for the calendar.
        let second = match (&self.also_holds, status) {
            (Some(other), RegistrationStatus::Registered) if self.instead_of.is_none() => Some(other),
            _ => None,
        };
        if let Some(other) = second {
            out.push(aspire_store::Mail::text(
                email.clone(),
                format!("A second seat: {}", self.what),
                format!(
                    "Dear {name},

You are also nominated as the {} for {}, beside your seat as the {other}. It is                      the same day and one place, so there is nothing new for your calendar.{sub}

Sign in at {} to                      see your days.
",
                    self.seat,
                    self.what,
                    aspire_store::SITE_PLACEHOLDER
                ),
            ));
        }
        out.extend(second.is_none().then(|| aspire_store::Mail {
            recipient: email.clone(),
            subject: match status {
                RegistrationStatus::Waiting => format!("On the waiting list: {}", self.what),
                _ if self.from_waiting => format!("A place came free: {}", self.what),
                _ if self.instead_of.is_some() => format!("The place passes to you: {}", self.what),
                _ => format!("Your place: {}", self.what),
            },
            body: format!(
                "Dear {name},\n\n{} the {} for {}.\n\n{place}{sub}\n\nSign in at {} to see your days.\n",
                match &self.instead_of {
                    Some(n) =>
                        format!("Your school has withdrawn the place of {n}, whose substitute you were: you are now"),
                    None => "You are nominated as".to_owned(),
                },
                self.seat,
                self.what,
                aspire_store::SITE_PLACEHOLDER
            ),
            calendar: (status == RegistrationStatus::Registered).then(|| self.calendar.clone()),
        }));
        if let Some((s_email, s_name)) = &self.substitute {
            out.push(aspire_store::Mail::text(
                s_email.clone(),
                format!("Named as a substitute: {}", self.what),
                format!(
                    "Dear {s_name},\n\nYou are named as the substitute for {name}, the {} at {}. If they cannot \
                     go, you go in their place: their school will tell you.\n\nSign in at {} to see your days.\n",
                    self.seat,
                    self.what,
                    aspire_store::SITE_PLACEHOLDER
                ),
            ));
        }
        out
    }
}

/// What withdrawing a registration would do, shown before it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalPreview {
    pub registration: Registration,
    /// The person whose place it is, and their seat ("senior leader").
    pub person: String,
    pub seat: String,
    /// The day: its kind's name and its date.
    pub day: String,
    pub substitute: Option<String>,
    /// Whether a place at the venue comes free (the person holds no other seat there).
    pub frees_place: bool,
    /// How many are waiting for a place at the day.
    pub waiting: usize,
    /// The other seat the substitute already holds at the day ("senior leader"), if any: taking
    /// this one too, the school sends one person for both.
    pub substitute_holds: Option<String>,
}

/// The school's registration `registration` at `day`, with what withdrawing it would do;
/// refused for a day recorded as held.
pub async fn preview_withdrawal(
    db: &Db,
    programme: ProgrammeId,
    urn: Urn,
    day: i64,
    registration: i64,
) -> Result<WithdrawalPreview, YearError> {
    let registrations = db.registrations(programme, day).await?;
    let r = registrations
        .iter()
        .find(|r| r.id == registration && r.urn == urn && r.status != RegistrationStatus::Withdrawn)
        .cloned()
        .ok_or(YearError::NoSuchRegistration(registration))?;
    let e = db.programme_event(programme, day).await?.ok_or(YearError::NoSuchDay(day))?;
    withdrawable(db, &e, r.person).await?;
    let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
    let kind = crate::programme_year::kind_name(&p, &e.kind);
    let name = |id: PersonId| async move {
        Ok::<_, YearError>(db.person(id).await?.map(|x| x.name).unwrap_or_else(|| "someone no longer here".into()))
    };
    let substitute = match r.substitute {
        Some(s) => Some(name(s).await?),
        None => None,
    };
    let other_seat = registrations
        .iter()
        .any(|o| o.id != r.id && o.person == r.person && o.status == RegistrationStatus::Registered);
    Ok(WithdrawalPreview {
        person: name(r.person).await?,
        seat: r.seat.label().to_lowercase(),
        day: format!("{}, {}", kind.unwrap_or_else(|| e.kind.clone()), aspire_core::dates::long(e.held_on)),
        substitute,
        frees_place: r.status == RegistrationStatus::Registered && !other_seat,
        waiting: registrations.iter().filter(|o| o.status == RegistrationStatus::Waiting).count(),
        substitute_holds: r.substitute.and_then(|s| {
            registrations
                .iter()
                .find(|o| o.person == s && o.urn == urn && o.status != RegistrationStatus::Withdrawn)
                .map(|o| o.seat.label().to_lowercase())
        }),
        registration: r,
    })
}

/// Refuses withdrawing `person`'s place at day `e`, before asking, once the roll is the record:
/// the day is recorded as held, or they are marked on its roll (said with whom to ask).
async fn withdrawable(db: &Db, e: &ProgrammeEvent, person: PersonId) -> Result<(), YearError> {
    if e.held_recorded {
        return Err(YearError::RecordedHeld { date: e.held_on });
    }
    if db.day_marks(e.programme, e.id).await?.iter().any(|m| m.person == person) {
        let adviser = match e.adviser {
            Some(a) => db.person(a).await?.map(|p| p.name),
            None => None,
        };
        return Err(YearError::OnTheRoll { adviser });
    }
    Ok(())
}

/// Withdraws one of the school's registrations. With `to_substitute` its seat passes to the
/// substitute named on it; otherwise a place it frees goes to the first waiting. Everyone
/// concerned is told by email: the person withdrawn with the day marked cancelled for their
/// calendar, their substitute, and whoever is given a place. Refused for a day recorded as
/// held, and by the store for someone marked on its roll: the roll is then the record.
pub async fn withdraw(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    day: i64,
    registration: i64,
    to_substitute: bool,
) -> Result<aspire_store::Withdrawal, YearError> {
    let registrations = db.registrations(programme, day).await?;
    let Some(r) = registrations
        .iter()
        .find(|r| r.id == registration && r.urn == urn && r.status != RegistrationStatus::Withdrawn)
    else {
        return Err(YearError::NoSuchRegistration(registration));
    };
    let e = db.programme_event(programme, day).await?.ok_or(YearError::NoSuchDay(day))?;
    // Someone marked on the roll is refused by the store, under the withdrawal's lock.
    if e.held_recorded {
        return Err(YearError::RecordedHeld { date: e.held_on });
    }
    let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
    let tell = place_given_letters(db, programme, &e, &p, &registrations).await?;
    let kind = crate::programme_year::kind_name(&p, &e.kind);
    let passes = to_substitute && r.substitute.is_some();
    // The day marked cancelled, so the calendar of the person withdrawn drops it.
    let gone = crate::programme_year::withdrawn_calendar(db, programme, day, chrono::Utc::now()).await?;
    let n = Nomination { day, seat: r.seat, person: Some(r.person), substitute: r.substitute };
    let letter = Confirmation::with_calendar(db, programme, &e, kind.clone(), r.urn, &n, gone).await?;
    let told = letter.withdrawn(passes);
    let successor = match (passes, r.substitute) {
        (true, Some(s)) => {
            let n = Nomination { day, seat: r.seat, person: Some(s), substitute: None };
            let mut theirs = Confirmation::of(db, programme, &e, kind, r.urn, &n).await?;
            let name = Some(letter.person.1.clone()).filter(|n| !n.is_empty());
            theirs.instead_of = Some(name.unwrap_or_else(|| "a colleague".to_owned()));
            Some(theirs)
        }
        _ => None,
    };
    let tell_substitute = move |status| successor.as_ref().map(|l| l.mail(status)).unwrap_or_default();
    Ok(db.withdraw_to(actor, programme, registration, to_substitute, &told, tell_substitute, tell).await?)
}

/// The emails for those waiting for a day who are given a place (by a withdrawal or more
/// places), sent in the transaction that gives it: a letter is written now for each person
/// waiting (a venue's list is short), and sent to those given one.
pub(crate) async fn place_given_letters(
    db: &Db,
    programme: ProgrammeId,
    e: &ProgrammeEvent,
    p: &aspire_store::Programme,
    registrations: &[Registration],
) -> Result<impl Fn(&Registration) -> Vec<aspire_store::Mail> + Send + use<>, YearError> {
    let day = e.id;
    let kind = crate::programme_year::kind_name(p, &e.kind);
    let mut letters = BTreeMap::new();
    let waiting: Vec<&Registration> =
        registrations.iter().filter(|r| r.status == RegistrationStatus::Waiting).collect();
    // The day's calendar is written once, for every letter (and not at all with nobody waiting).
    let calendar = match waiting.is_empty() {
        true => String::new(),
        false => crate::programme_year::day_calendar(db, programme, e.id, chrono::Utc::now()).await?,
    };
    for r in waiting {
        let n = Nomination { day, seat: r.seat, person: Some(r.person), substitute: r.substitute };
        let mut letter =
            Confirmation::with_calendar(db, programme, e, kind.clone(), r.urn, &n, calendar.clone()).await?;
        letter.from_waiting = true;
        letters.insert(r.id, letter);
    }
    Ok(move |given: &Registration| {
        letters.get(&given.id).map(|l| l.mail(RegistrationStatus::Registered)).unwrap_or_default()
    })
}

/// A line of a day's roll: one person, with their school and the seats they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollLine {
    pub person: PersonId,
    pub name: String,
    pub urn: Urn,
    pub school: String,
    pub seats: Vec<Role>,
    /// For a substitute: the name of the person they stand in for.
    pub substitute_for: Option<String>,
    pub mark: Option<Mark>,
}

/// A day's roll: everyone registered and their substitutes, by school.
#[derive(Debug, Clone)]
pub struct Roll {
    pub event: ProgrammeEvent,
    pub name: String,
    pub place: Option<Urn>,
    pub lines: Vec<RollLine>,
    /// Those on the waiting list (not on the roll).
    pub waiting: usize,
}

/// The roll of a day, with the marks taken so far.
pub async fn roll(db: &Db, programme: ProgrammeId, day: i64) -> Result<Roll, YearError> {
    let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
    let kinds = template_or_none(&p)?.map(|t| t.events).unwrap_or_default();
    let e = db.programme_event(programme, day).await?.ok_or(YearError::NoSuchDay(day))?;
    let regs = db.registrations(programme, day).await?;
    let urns: Vec<Urn> = regs.iter().map(|r| r.urn).collect::<BTreeSet<_>>().into_iter().collect();
    let schools = db.school_names(&urns).await?;
    let mut names: BTreeMap<PersonId, String> = BTreeMap::new();
    for u in &urns {
        names.extend(db.school_people(*u).await?.into_iter().map(|p| (p.id, p.name)));
    }
    let name_of = |p: PersonId| names.get(&p).cloned().unwrap_or_else(|| format!("Person {p}"));
    let marks: BTreeMap<PersonId, Mark> =
        db.day_marks(programme, day).await?.into_iter().map(|m| (m.person, m.mark)).collect();
    let mut lines: Vec<RollLine> = Vec::new();
    let registered = regs.iter().filter(|r| r.status == RegistrationStatus::Registered);
    for r in registered.clone() {
        match lines.iter_mut().find(|l| l.person == r.person && l.substitute_for.is_none()) {
            Some(l) => l.seats.push(r.seat),
            None => lines.push(RollLine {
                person: r.person,
                name: name_of(r.person),
                urn: r.urn,
                school: schools.get(&r.urn).cloned().unwrap_or_else(|| format!("School {}", r.urn)),
                seats: vec![r.seat],
                substitute_for: None,
                mark: marks.get(&r.person).copied(),
            }),
        }
    }
    for r in registered {
        let Some(s) = r.substitute else { continue };
        if lines.iter().any(|l| l.person == s) {
            continue;
        }
        lines.push(RollLine {
            person: s,
            name: name_of(s),
            urn: r.urn,
            school: schools.get(&r.urn).cloned().unwrap_or_else(|| format!("School {}", r.urn)),
            seats: vec![r.seat],
            substitute_for: Some(name_of(r.person)),
            mark: marks.get(&s).copied(),
        });
    }
    lines.sort_by(|a, b| a.school.cmp(&b.school).then(a.substitute_for.is_some().cmp(&b.substitute_for.is_some())));
    let networks = db.networks(programme, &Visible::everything()).await?;
    let venue = networks.iter().find(|n| n.id == e.network).and_then(|n| n.venue);
    let kind = kinds.iter().find(|k| k.key == e.kind);
    Ok(Roll {
        name: kind.map(|k| k.name.clone()).unwrap_or_else(|| e.kind.clone()),
        place: e.urn.or(venue),
        waiting: regs.iter().filter(|r| r.status == RegistrationStatus::Waiting).count(),
        lines,
        event: e,
    })
}

/// Takes (or corrects) a day's roll: each mark replaces the person's last. Only those on the
/// roll may be marked, and only on the day or after it (`today`, England's date).
pub async fn take_roll(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    day: i64,
    marks: &[(PersonId, Mark)],
    today: NaiveDate,
) -> Result<usize, YearError> {
    let roll = roll(db, programme, day).await?;
    if roll.event.status == EventStatus::Cancelled {
        return Err(YearError::Cancelled(roll.event.cancel_reason.unwrap_or_else(|| "no reason given".into())));
    }
    if roll.event.held_on > today {
        return Err(YearError::TooEarly { date: roll.event.held_on });
    }
    if marks.is_empty() {
        return Err(YearError::NothingMarked);
    }
    let mut out = Vec::new();
    for (p, m) in marks {
        let line = roll.lines.iter().find(|l| l.person == *p).ok_or(YearError::NotOnTheRoll)?;
        out.push((*p, line.urn, *m));
    }
    Ok(db.record_roll(actor, programme, day, &out).await?)
}

/// Adds the members of staff typed one a line ("name, role") to a school's staff list, all or
/// none: every bad line is named, and a name already on the list (of someone who has not left)
/// or given twice is refused. A name that is the name of one of the school's people with an
/// account not yet on the list is linked to them, so the days' rolls count for their reach.
/// Returns how many were added, and how many of them were linked so.
pub async fn add_staff(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    text: &str,
    joined_on: Option<NaiveDate>,
) -> Result<(usize, usize), YearError> {
    db.enrolment(programme, urn).await?.ok_or(YearError::NotInProgramme(urn))?;
    within_year(db, programme, joined_on).await?;
    let staff = db.staff_members(urn).await?;
    let known: Vec<&str> = staff.iter().filter(|s| s.left_on.is_none()).map(|s| s.name.as_str()).collect();
    let members = aspire_core::reach::read_staff_lines(text, &known).map_err(YearError::StaffLines)?;
    let mut accounts: BTreeMap<String, Vec<PersonId>> = BTreeMap::new();
    for (p, name) in crate::reach::not_on_the_list(db, urn).await? {
        accounts.entry(aspire_core::reach::same_name(&name)).or_default().push(p);
    }
    let rows: Vec<_> = members
        .into_iter()
        .map(|(name, role)| {
            let person = match accounts.get(&aspire_core::reach::same_name(&name)).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                _ => None,
            };
            (name, role, person)
        })
        .collect();
    let linked = rows.iter().filter(|(_, _, p)| p.is_some()).count();
    Ok((db.add_staff_members(actor, urn, &rows, joined_on).await?.len(), linked))
}

/// Refuses a staff list date after the programme year: its end, or a year from its start.
async fn within_year(db: &Db, programme: ProgrammeId, date: Option<NaiveDate>) -> Result<(), YearError> {
    let Some(date) = date else { return Ok(()) };
    let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
    let ends = p.ends_on.or_else(|| p.starts_on.and_then(|s| s.checked_add_months(chrono::Months::new(12))));
    match ends {
        Some(ends) if date > ends => Err(YearError::AfterTheYear { date, ends }),
        _ => Ok(()),
    }
}

/// A change to one member of a school's staff list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    /// They left the school on this day (or, `None`, that is taken back): they count for reach
    /// in the terms up to it.
    Left(Option<NaiveDate>),
    /// Taken off the list with their reach records: added in error.
    Remove,
}

/// Changes one member of the school's staff list.
pub async fn change_staff(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    staff: i64,
    change: StaffChange,
) -> Result<(), YearError> {
    db.enrolment(programme, urn).await?.ok_or(YearError::NotInProgramme(urn))?;
    if let StaffChange::Left(left) = change {
        within_year(db, programme, left).await?;
        // Someone who left before the year began was never on its staff: added in error.
        let starts = db.programme(programme).await?.and_then(|p| p.starts_on);
        if let (Some(d), Some(s)) = (left, starts)
            && d < s
        {
            return Err(YearError::LeftBeforeTheYear { date: d, starts: s });
        }
    }
    let member = db.staff_members(urn).await?.into_iter().find(|s| s.id == staff);
    let member = member.ok_or(YearError::NoSuchStaff(staff))?;
    match change {
        StaffChange::Left(Some(d)) if member.joined_on.is_some_and(|j| d < j) => {
            Err(YearError::LeftBeforeJoining { name: member.name, joined: member.joined_on.unwrap_or(d) })
        }
        StaffChange::Left(left) => Ok(db.set_staff_left(actor, urn, staff, left).await?),
        StaffChange::Remove => Ok(db.remove_staff_member(actor, urn, staff).await?),
    }
}

/// Records that a day was held (or takes that record back): for a day that happened with nobody
/// on its roll, such as a Development Day with staff who did not register. Only on the day or
/// after it; never for a cancelled day.
pub async fn record_held(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    day: i64,
    held: bool,
    today: NaiveDate,
) -> Result<(), YearError> {
    db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
    let e = db.programme_event(programme, day).await?.ok_or(YearError::NoSuchDay(day))?;
    if e.status == EventStatus::Cancelled {
        return Err(YearError::Cancelled(e.cancel_reason.unwrap_or_else(|| "no reason given".into())));
    }
    if e.held_on > today {
        return Err(YearError::TooEarly { date: e.held_on });
    }
    Ok(db.record_held(actor, programme, day, held).await?)
}

/// One of a person's days, with what the week page shows of it.
#[derive(Debug, Clone)]
pub struct WeekDay {
    /// Whether the person leads it (else they hold a seat, or stand in for someone who does).
    pub leads: bool,
    pub event: ProgrammeEvent,
    pub programme: String,
    pub name: String,
    pub network: String,
    pub place: Option<Urn>,
    pub place_name: String,
    /// Marks taken on its roll so far, those of them present or late, and the people on it
    /// (those with a place and their substitutes), of whom `substitutes` stand in.
    pub marked: usize,
    pub came: usize,
    pub substitutes: usize,
    pub on_roll: usize,
}

/// A person's days in a week (Monday `monday` to the Sunday after): those they lead and those
/// they have a seat at, with the dates of their nearest days either side for paging.
#[derive(Debug, Clone)]
pub struct PersonWeek {
    pub monday: NaiveDate,
    pub days: Vec<WeekDay>,
    pub last_before: Option<NaiveDate>,
    pub next_after: Option<NaiveDate>,
}

/// A programme as the week page names its days: its name, template and networks (each with
/// its name and venue).
type ProgrammeNames = (String, Option<Template>, BTreeMap<NetworkId, (String, Option<Urn>)>);

/// The Monday of the week holding `d`.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike as _;
    d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))
}

pub async fn person_week(db: &Db, person: PersonId, any_day: NaiveDate) -> Result<PersonWeek, YearError> {
    let monday = monday_of(any_day);
    let sunday = monday + chrono::Days::new(6);
    let events = db.person_events(person, monday, sunday).await?;
    let (last_before, next_after) = db.person_neighbours(person, monday, sunday).await?;
    let mut programmes: BTreeMap<ProgrammeId, ProgrammeNames> = BTreeMap::new();
    for e in &events {
        if programmes.contains_key(&e.programme) {
            continue;
        }
        let Some(p) = db.programme(e.programme).await? else { continue };
        let networks = db
            .networks(e.programme, &Visible::everything())
            .await?
            .into_iter()
            .map(|n| (n.id, (n.name, n.venue)))
            .collect();
        programmes.insert(e.programme, (p.name.clone(), template_of(&p).ok(), networks));
    }
    let places: Vec<Urn> = events
        .iter()
        .filter_map(|e| {
            e.urn.or_else(|| programmes.get(&e.programme).and_then(|(_, _, n)| n.get(&e.network)).and_then(|n| n.1))
        })
        .collect();
    let school_names = db.school_names(&places).await?;
    let mut days = Vec::new();
    for e in events {
        let (programme, template, networks) = &programmes[&e.programme];
        let (network, venue) =
            networks.get(&e.network).cloned().unwrap_or_else(|| (format!("Network {}", e.network), None));
        let place = e.urn.or(venue);
        let regs = db.registrations(e.programme, e.id).await?;
        let on_roll: BTreeSet<PersonId> = regs
            .iter()
            .filter(|r| r.status == RegistrationStatus::Registered)
            .flat_map(|r| std::iter::once(r.person).chain(r.substitute))
            .collect();
        let with_place: BTreeSet<PersonId> =
            regs.iter().filter(|r| r.status == RegistrationStatus::Registered).map(|r| r.person).collect();
        let substitutes = on_roll.difference(&with_place).count();
        let marks = db.day_marks(e.programme, e.id).await?;
        let (marked, came) = (marks.len(), marks.iter().filter(|m| m.mark.attended()).count());
        days.push(WeekDay {
            leads: e.adviser == Some(person),
            programme: programme.clone(),
            name: template
                .as_ref()
                .and_then(|t| t.events.iter().find(|k| k.key == e.kind))
                .map(|k| k.name.clone())
                .unwrap_or_else(|| e.kind.clone()),
            network,
            place_name: place
                .and_then(|u| school_names.get(&u).cloned())
                .unwrap_or_else(|| "Venue to be set".to_owned()),
            place,
            marked,
            came,
            substitutes,
            on_roll: on_roll.len(),
            event: e,
        });
    }
    Ok(PersonWeek { monday, days, last_before, next_after })
}

/// A school a person serves, for their week page: an adviser's networks' schools, a school
/// role's own school in each programme it takes part in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedSchool {
    pub programme: ProgrammeId,
    pub urn: Urn,
    pub name: String,
    /// The network (an adviser's) or the programme (a school role's) it is served under.
    pub under: String,
}

/// The schools a person serves, as far as their roles let them see them.
pub async fn schools_served(db: &Db, p: &aspire_core::access::Principal) -> Result<Vec<ServedSchool>, StoreError> {
    use aspire_core::access::{Action, Record};
    use aspire_core::people::Scope;
    let mut schools: Vec<ServedSchool> = Vec::new();
    let visible = p.visible(Action::View, Record::Enrolment);
    for g in &p.grants {
        match g.scope {
            Scope::Network { programme, network } if g.role == Role::AchievementAdviser => {
                let under = db.network(network).await?.map(|n| n.name).unwrap_or_else(|| format!("Network {network}"));
                let urns: Vec<Urn> = db
                    .enrolments(programme, &visible)
                    .await?
                    .into_iter()
                    .filter(|e| e.network == Some(network))
                    .map(|e| e.urn)
                    .collect();
                let names = db.school_names(&urns).await?;
                for urn in urns {
                    let name = names.get(&urn).cloned().unwrap_or_else(|| format!("School {urn}"));
                    schools.push(ServedSchool { programme, urn, name, under: under.clone() });
                }
            }
            Scope::School(urn) if g.role.is_school_role() => {
                let names = db.school_names(&[urn]).await?;
                for m in p.memberships.iter().filter(|m| m.urn == urn) {
                    if schools.iter().any(|s| s.programme == m.programme && s.urn == urn) {
                        continue;
                    }
                    let under = db.programme(m.programme).await?.map(|x| x.name).unwrap_or_default();
                    let name = names.get(&urn).cloned().unwrap_or_else(|| format!("School {urn}"));
                    schools.push(ServedSchool { programme: m.programme, urn, name, under });
                }
            }
            // A local authority's officer serves the authority's schools in the programme.
            Scope::LocalAuthority { programme, la } if g.role == Role::LaOfficer => {
                let urns: Vec<Urn> = p
                    .la_schools
                    .iter()
                    .filter(|s| s.la == la && s.school.programme == programme)
                    .map(|s| s.school.urn)
                    .collect();
                let under = db.programme(programme).await?.map(|x| x.name).unwrap_or_default();
                let names = db.school_names(&urns).await?;
                for urn in urns {
                    if schools.iter().any(|s| s.programme == programme && s.urn == urn) {
                        continue;
                    }
                    let name = names.get(&urn).cloned().unwrap_or_else(|| format!("School {urn}"));
                    schools.push(ServedSchool { programme, urn, name, under: under.clone() });
                }
            }
            _ => {}
        }
    }
    Ok(schools)
}

/// How many days before a day its reminders go: a week, and the day before.
pub const REMINDER_DAYS: [u32; 2] = [7, 1];

/// Queues the reminders due on `today` (England's date): to everyone registered for a day held
/// 7 days or 1 day later, once each, with the day attached. Returns how many were queued.
/// Safe to run often: a reminder already sent is never sent again.
pub async fn queue_reminders(db: &Db, today: NaiveDate) -> Result<usize, YearError> {
    let mut queued = 0;
    for before in REMINDER_DAYS {
        let date = today + chrono::Days::new(u64::from(before));
        for day in db.days_on(date).await? {
            let Some(programme) = db.programme_of_day(day).await? else { continue };
            let Some(e) = db.programme_event(programme, day).await? else { continue };
            let p = db.programme(programme).await?.ok_or(YearError::NoSuchProgramme(programme))?;
            let kind = template_or_none(&p)?
                .and_then(|t| t.events.into_iter().find(|k| k.key == e.kind))
                .map_or_else(|| e.kind.clone(), |k| k.name);
            let network = db.network(e.network).await?;
            let place = e.urn.or(network.as_ref().and_then(|n| n.venue));
            let at = match place {
                Some(u) => db.school_names(&[u]).await?.get(&u).cloned().unwrap_or_else(|| format!("school {u}")),
                None => "a venue the programme team will confirm".to_owned(),
            };
            let calendar = crate::programme_year::day_calendar(db, programme, day, chrono::Utc::now()).await?;
            let when = if before == 1 { "tomorrow".to_owned() } else { format!("in {before} days") };
            let mut mails = Vec::new();
            for r in db.registrations(programme, day).await? {
                // One reminder a person, whatever seats they hold.
                if r.status != RegistrationStatus::Registered || mails.iter().any(|(p, _)| *p == r.person) {
                    continue;
                }
                let Some(person) = db.person(r.person).await? else { continue };
                if person.disabled {
                    continue;
                }
                let mail = aspire_store::Mail {
                    recipient: person.email.to_string(),
                    subject: format!("{kind} {when}: {}", e.held_on.format("%A %-d %B")),
                    body: format!(
                        "Dear {},\n\nA reminder: the {kind} of {} ({}) is {when}, on {}, {} to {}, at {at}. \
                         If you cannot go, tell your school so that your substitute goes instead.\n\n\
                         Sign in at {} to see your days.\n",
                        person.name,
                        network.as_ref().map_or("your network", |n| n.name.as_str()),
                        p.name,
                        e.held_on.format("%A %-d %B %Y"),
                        e.starts_at.format("%H:%M"),
                        e.ends_at.format("%H:%M"),
                        aspire_store::SITE_PLACEHOLDER,
                    ),
                    calendar: Some(calendar.clone()),
                };
                mails.push((r.person, mail));
            }
            queued += db.queue_reminders(day, before, &mails).await?;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_starts_on_its_monday() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(monday_of(d(2017, 11, 16)), d(2017, 11, 13));
        assert_eq!(monday_of(d(2017, 11, 13)), d(2017, 11, 13));
        assert_eq!(monday_of(d(2017, 11, 19)), d(2017, 11, 13));
    }

    #[test]
    fn seats_are_listed_in_plain_english() {
        assert_eq!(listed(&[Role::HeadTeacher]), "head teacher");
        assert_eq!(listed(&[Role::HeadTeacher, Role::SeniorLeader]), "head teacher and senior leader");
    }
}
