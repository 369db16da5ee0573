//! Planning a network's programme year: its Network Days and each school's Development Days, on
//! days every school concerned is open.
//!
//! The rule: a network's year is the school term containing its start date and the terms after
//! it (three for a one-year programme), crossing academic years where it must. Hard constraints,
//! all checked again by [`check`] on any plan, whoever made it:
//! - every school concerned is open on the day (the calendars say which days those are: not a
//!   weekend, half-term, holiday, bank holiday or INSET day);
//! - a school has at most one programme event a day;
//! - an Achievement Adviser is never in two places on one day, and works at most
//!   [`Rules::adviser_days_per_week`] programme days in a week;
//! - a Development Day comes after the Network Day it follows up, in the same term;
//! - every event the template asks for in a term is there, in that term.
//!
//! Soft preferences, used to choose among the days that meet them: Network Days early in the
//! term, Development Days spread through the rest of it, Mondays and Fridays avoided if asked.
//!
//! [`plan`] either returns a whole plan or every hard constraint it could not meet, with where
//! and why: it never returns part of a plan.

mod check;

pub use check::{Violation, check};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::Urn;
use crate::calendar::SchoolCalendar;
use crate::ids::{NetworkId, PersonId};
use crate::template::{EventKind, Frequency, Term, Venue};

/// The days one school is open in each term it has dates for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolDays {
    pub urn: Urn,
    pub terms: Vec<OpenTerm>,
}

/// One term of one school: its open days, in date order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTerm {
    pub term: Term,
    pub open: Vec<NaiveDate>,
}

impl SchoolDays {
    /// The open days of every term of a school's calendar.
    pub fn of(urn: Urn, calendar: &SchoolCalendar) -> SchoolDays {
        let terms = calendar.terms().map(|(t, _)| OpenTerm { term: t.term(), open: calendar.open_days(t) }).collect();
        SchoolDays { urn, terms }
    }

    /// The open days of `term`, or `None` when the school has no dates for it.
    pub fn open_in(&self, term: Term) -> Option<&[NaiveDate]> {
        self.terms.iter().find(|t| t.term == term).map(|t| t.open.as_slice())
    }

    /// Whether the school is open on `date` in `term`.
    pub fn is_open(&self, term: Term, date: NaiveDate) -> bool {
        self.open_in(term).is_some_and(|days| days.binary_search(&date).is_ok())
    }
}

/// A network to plan for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkYear {
    pub id: NetworkId,
    pub name: String,
    /// The first day events may be held.
    pub starts: NaiveDate,
    pub schools: Vec<Urn>,
    /// The network's Achievement Adviser, if one is assigned.
    pub adviser: Option<PersonId>,
}

/// Settings of a plan that are not in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// How many terms a network's year has.
    pub terms: usize,
    /// The most programme days an adviser works in one week (Monday to Friday).
    pub adviser_days_per_week: u32,
    /// Prefer Tuesdays to Thursdays.
    pub avoid_mondays_and_fridays: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { terms: 3, adviser_days_per_week: 4, avoid_mondays_and_fridays: false }
    }
}

/// One planned day: a Network Day (no `school`) or a Development Day at `school`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlannedDay {
    pub date: NaiveDate,
    pub network: NetworkId,
    pub term: Term,
    /// The template's event key.
    pub kind: String,
    /// 1 for the term's first event of this kind (at this school), 2 for the second...
    pub number: u32,
    pub school: Option<Urn>,
    pub adviser: Option<PersonId>,
}

/// A whole plan, in date order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub days: Vec<PlannedDay>,
}

/// A hard constraint the planner could not meet, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// A school of the network has no dates for a term of the network's year.
    NoTermDates { network: String, school: Urn, term: Term },
    /// No day of the term on which every school of the network is open (and free).
    NoCommonDay { network: String, term: Term, event: String },
    /// An event led by the adviser, in a network without one.
    NoAdviser { network: String, event: String },
    /// Days when the schools are open exist, but the adviser is taken on each of them or has
    /// reached the week's limit.
    AdviserFull { network: String, adviser: PersonId, term: Term, event: String, school: Option<Urn> },
    /// No open day after the Network Day(s) a Development Day follows up.
    NothingAfter { network: String, term: Term, event: String, after: NaiveDate, school: Urn },
    /// The school has open days left, but each already holds one of its programme days.
    SchoolFull { network: String, term: Term, event: String, school: Urn },
}

impl Broken {
    /// The problem in plain words, with the schools and advisers named by `school` and `adviser`
    /// (the planner knows only their URNs and ids).
    pub fn describe(&self, school: &dyn Fn(Urn) -> String, adviser: &dyn Fn(PersonId) -> String) -> String {
        match self {
            Broken::NoTermDates { network, school: u, term } => format!(
                "{network}: {} has no term dates for {term}. Import its LA's or its own term dates.",
                school(*u)
            ),
            Broken::NoCommonDay { network, term, event } => format!(
                "{network}, {term}: no day is left on which every school of the network is open for the {event}. \
                 Their half-terms or INSET days may leave no common day, or the network starts too late in the term."
            ),
            Broken::NoAdviser { network, event } => {
                format!(
                    "{network}: the {event} is led by an Achievement Adviser and the network has none. Assign one first."
                )
            }
            Broken::AdviserFull { network, adviser: a, term, event, school: u } => {
                let at = u.map(|u| format!(" at {}", school(u))).unwrap_or_default();
                format!(
                    "{network}, {term}: {} has no free day for the {event}{at}: every day the \
                     schools are open they are elsewhere or have reached their days for the week. \
                     Share their networks with another adviser or allow more days a week.",
                    adviser(*a)
                )
            }
            Broken::NothingAfter { network, term, event, after, school: u } => format!(
                "{network}, {term}: {} has no open day left for the {event} after {}, the Network Day it follows up.",
                school(*u),
                crate::dates::long(*after)
            ),
            Broken::SchoolFull { network, term, event, school: u } => format!(
                "{network}, {term}: {} has no free day for the {event}: each of its open days left already \
                 has a programme day. Enter its term dates if they have more open days, or plan fewer days a term.",
                school(*u)
            ),
        }
    }

    /// The schools and advisers the problem names, to look their names up.
    pub fn named(&self) -> (Vec<Urn>, Vec<PersonId>) {
        match self {
            Broken::NoTermDates { school, .. }
            | Broken::NothingAfter { school, .. }
            | Broken::SchoolFull { school, .. } => (vec![*school], vec![]),
            Broken::AdviserFull { adviser, school, .. } => (school.iter().copied().collect(), vec![*adviser]),
            Broken::NoCommonDay { .. } | Broken::NoAdviser { .. } => (vec![], vec![]),
        }
    }
}

/// Without names to hand: schools by URN and advisers by id.
impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&|u| format!("school {u}"), &|a| format!("adviser {a}")))
    }
}

/// What the planner needs of an event kind (read from a template's [`EventKind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRule {
    pub key: String,
    pub name: String,
    pub venue: Venue,
    pub frequency: Frequency,
    pub per_term: u32,
    pub with_adviser: bool,
    /// The keys of the events (in the same term) this one follows up: it comes after all of them.
    pub follows: Vec<String>,
}

impl From<&EventKind> for EventRule {
    fn from(e: &EventKind) -> EventRule {
        EventRule {
            key: e.key.clone(),
            name: e.name.clone(),
            venue: e.venue,
            frequency: e.frequency,
            per_term: e.per_term,
            with_adviser: e.with_adviser,
            follows: e.follows.clone(),
        }
    }
}

impl EventRule {
    /// Whether the event is held in the `term_index`-th of a year of `terms` terms.
    pub fn due_in(&self, term_index: usize, terms: usize) -> bool {
        self.due(term_index, terms)
    }

    fn due(&self, term_index: usize, terms: usize) -> bool {
        match self.frequency {
            Frequency::Termly => true,
            Frequency::Start => term_index == 0,
            Frequency::End => term_index + 1 == terms,
        }
    }
}

/// The day a network's year really starts: `starts`, or, when every school of the network has
/// its term dates and none is open on or after `starts` in the term containing it (a start in
/// the holiday after a term: late July, late December, Easter), the first day of the next
/// term's months, so that the year is the next terms rather than an empty one.
pub fn effective_start(n: &NetworkYear, calendars: &BTreeMap<Urn, SchoolDays>) -> NaiveDate {
    let term = Term::containing(n.starts);
    let mut over = !n.schools.is_empty();
    for u in &n.schools {
        match calendars.get(u).and_then(|c| c.open_in(term)) {
            Some(days) if days.last().is_some_and(|l| *l < n.starts) || days.is_empty() => {}
            _ => over = false,
        }
    }
    if !over {
        return n.starts;
    }
    let next = term.next();
    let month = match next.season {
        crate::template::Season::Autumn => 9,
        crate::template::Season::Spring => 1,
        crate::template::Season::Summer => 4,
    };
    NaiveDate::from_ymd_opt(next.year, month, 1).unwrap_or(n.starts)
}

/// The terms of a network's year: the term containing `starts` and the ones after it.
pub fn network_terms(starts: NaiveDate, terms: usize) -> Vec<Term> {
    std::iter::successors(Some(Term::containing(starts)), |t| Some(t.next())).take(terms).collect()
}

/// Days already taken, shared by every network being planned.
#[derive(Default)]
struct Diary {
    adviser_days: HashSet<(PersonId, NaiveDate)>,
    adviser_weeks: HashMap<(PersonId, i32, u32), u32>,
    school_days: HashSet<(Urn, NaiveDate)>,
}

impl Diary {
    fn adviser_free(&self, a: PersonId, d: NaiveDate, per_week: u32) -> bool {
        let w = d.iso_week();
        !self.adviser_days.contains(&(a, d))
            && self.adviser_weeks.get(&(a, w.year(), w.week())).copied().unwrap_or(0) < per_week
    }

    fn take(&mut self, adviser: Option<PersonId>, schools: &[Urn], d: NaiveDate) {
        if let Some(a) = adviser {
            self.adviser_days.insert((a, d));
            let w = d.iso_week();
            *self.adviser_weeks.entry((a, w.year(), w.week())).or_insert(0) += 1;
        }
        for u in schools {
            self.school_days.insert((*u, d));
        }
    }
}

/// Plans every network's year. Either every event of every network is placed, or the answer is
/// every hard constraint that could not be met.
pub fn plan(
    networks: &[NetworkYear],
    calendars: &BTreeMap<Urn, SchoolDays>,
    events: &[EventRule],
    rules: &Rules,
) -> Result<Plan, Vec<Broken>> {
    plan_around(networks, calendars, events, rules, &[])
}

/// As [`plan`], around days already planned for other networks: their advisers and schools
/// are taken on those days, and count towards the adviser's week.
pub fn plan_around(
    networks: &[NetworkYear],
    calendars: &BTreeMap<Urn, SchoolDays>,
    events: &[EventRule],
    rules: &Rules,
    taken: &[(PlannedDay, Vec<Urn>)],
) -> Result<Plan, Vec<Broken>> {
    let mut broken = Vec::new();
    // Each (network, term) with the days all its schools are open on or after its start.
    let mut slots: Vec<Slot> = Vec::new();
    for n in networks {
        for (i, term) in network_terms(n.starts, rules.terms).into_iter().enumerate() {
            let mut common: Option<Vec<NaiveDate>> = None;
            let mut complete = true;
            for u in &n.schools {
                match calendars.get(u).and_then(|c| c.open_in(term)) {
                    Some(days) => {
                        let days: Vec<NaiveDate> = days.iter().copied().filter(|d| *d >= n.starts).collect();
                        common = Some(match common {
                            None => days,
                            Some(c) => c.into_iter().filter(|d| days.binary_search(d).is_ok()).collect(),
                        });
                    }
                    None => {
                        complete = false;
                        broken.push(Broken::NoTermDates { network: n.name.clone(), school: *u, term });
                    }
                }
            }
            if complete {
                slots.push(Slot { network: n, term, index: i, common: common.unwrap_or_default() });
            }
        }
    }
    for e in events.iter().filter(|e| e.with_adviser) {
        for n in networks.iter().filter(|n| n.adviser.is_none()) {
            broken.push(Broken::NoAdviser { network: n.name.clone(), event: e.name.clone() });
        }
    }
    if !broken.is_empty() {
        return Err(broken);
    }
    // Term by term in date order. In each term every network's Network Days first (those with
    // the fewest common days choose first), then the Development Days round by round, the
    // networks whose Network Days came latest first, as they have the least of the term left.
    slots.sort_by_key(|s| (s.term, s.common.len(), s.network.id));
    let mut diary = Diary::default();
    for (d, schools) in taken {
        diary.take(d.adviser, schools, d.date);
    }
    let mut days = Vec::new();
    for group in slots.chunk_by(|a, b| a.term == b.term) {
        let mut held: Vec<HashMap<&str, NaiveDate>> = Vec::with_capacity(group.len());
        for slot in group {
            held.push(place_network_days(slot, events, rules, &mut diary, &mut days, &mut broken));
        }
        let mut order: Vec<usize> = (0..group.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(held[i].values().max().copied()), i));
        let rounds = events.iter().filter(|e| e.venue == Venue::School).map(|e| e.per_term).max().unwrap_or(0);
        for k in 1..=rounds {
            for &i in &order {
                place_school_days(&group[i], k, &held[i], calendars, events, rules, &mut diary, &mut days, &mut broken);
            }
        }
    }
    if broken.is_empty() {
        days.sort();
        Ok(Plan { days })
    } else {
        Err(broken)
    }
}

struct Slot<'a> {
    network: &'a NetworkYear,
    term: Term,
    index: usize,
    common: Vec<NaiveDate>,
}

/// The cost of holding an event on `days[i]` when `target` is wanted: how many open days away it
/// is, plus two for a Monday or a Friday when those are avoided.
fn cost(days: &[NaiveDate], i: usize, target: usize, rules: &Rules) -> usize {
    let edge = matches!(days[i].weekday(), Weekday::Mon | Weekday::Fri);
    i.abs_diff(target) + if rules.avoid_mondays_and_fridays && edge { 2 } else { 0 }
}

/// The free day nearest the target, or `None`.
fn choose(days: &[NaiveDate], target: usize, rules: &Rules, free: impl Fn(NaiveDate) -> bool) -> Option<NaiveDate> {
    (0..days.len()).filter(|&i| free(days[i])).min_by_key(|&i| (cost(days, i, target, rules), i)).map(|i| days[i])
}

/// A network's Network Days in one term, in template order, early in the term: the first at a
/// twentieth of the way in, the last at a quarter. Returns the day each kind was last held.
fn place_network_days<'e>(
    slot: &Slot<'_>,
    events: &'e [EventRule],
    rules: &Rules,
    diary: &mut Diary,
    out: &mut Vec<PlannedDay>,
    broken: &mut Vec<Broken>,
) -> HashMap<&'e str, NaiveDate> {
    let n = slot.network;
    let wanted: Vec<(&EventRule, u32)> = events
        .iter()
        .filter(|e| e.venue == Venue::Network && e.due(slot.index, rules.terms))
        .flat_map(|e| (1..=e.per_term).map(move |k| (e, k)))
        .collect();
    let mut held: HashMap<&str, NaiveDate> = HashMap::new();
    let len = slot.common.len();
    for (j, (e, k)) in wanted.iter().enumerate() {
        let frac = if wanted.len() == 1 { 0.05 } else { 0.05 + 0.2 * j as f64 / (wanted.len() - 1) as f64 };
        let target = (frac * len as f64) as usize;
        let after = held.values().max().copied();
        let adviser = e.with_adviser.then_some(n.adviser).flatten();
        let open_and_free = |d: NaiveDate| {
            after.is_none_or(|a| d > a) && n.schools.iter().all(|u| !diary.school_days.contains(&(*u, d)))
        };
        let free = |d: NaiveDate| {
            open_and_free(d) && adviser.is_none_or(|a| diary.adviser_free(a, d, rules.adviser_days_per_week))
        };
        match choose(&slot.common, target, rules, free) {
            Some(d) => {
                diary.take(adviser, &n.schools, d);
                held.insert(e.key.as_str(), d);
                out.push(PlannedDay {
                    date: d,
                    network: n.id,
                    term: slot.term,
                    kind: e.key.clone(),
                    number: *k,
                    school: None,
                    adviser,
                });
            }
            None => broken.push(match adviser {
                Some(a) if slot.common.iter().any(|d| open_and_free(*d)) => Broken::AdviserFull {
                    network: n.name.clone(),
                    adviser: a,
                    term: slot.term,
                    event: e.name.clone(),
                    school: None,
                },
                _ => Broken::NoCommonDay { network: n.name.clone(), term: slot.term, event: e.name.clone() },
            }),
        }
    }
    held
}

/// Round `k` of a network's events in each school (every school's first, then every school's
/// second), spread through what is left of the term after the Network Days they follow up.
#[allow(clippy::too_many_arguments)]
fn place_school_days(
    slot: &Slot<'_>,
    k: u32,
    held: &HashMap<&str, NaiveDate>,
    calendars: &BTreeMap<Urn, SchoolDays>,
    events: &[EventRule],
    rules: &Rules,
    diary: &mut Diary,
    out: &mut Vec<PlannedDay>,
    broken: &mut Vec<Broken>,
) {
    let n = slot.network;
    for e in events.iter().filter(|e| e.venue == Venue::School && e.per_term >= k && e.due(slot.index, rules.terms)) {
        let adviser = e.with_adviser.then_some(n.adviser).flatten();
        let after = e.follows.iter().filter_map(|f| held.get(f.as_str()).copied()).max();
        for (s, u) in n.schools.iter().enumerate() {
            let Some(days) = calendars.get(u).and_then(|c| c.open_in(slot.term)) else { continue };
            let start = days.partition_point(|d| after.is_some_and(|a| *d <= a) || *d < n.starts);
            let rest = &days[start..];
            if rest.is_empty() {
                broken.push(match after {
                    Some(after) => Broken::NothingAfter {
                        network: n.name.clone(),
                        term: slot.term,
                        event: e.name.clone(),
                        after,
                        school: *u,
                    },
                    None => Broken::NoCommonDay { network: n.name.clone(), term: slot.term, event: e.name.clone() },
                });
                continue;
            }
            // The k-th of p days at k/(p+1) of the rest of the term, each school a day or two
            // later than the one before so that an adviser's schools do not all want one day.
            let frac = f64::from(k) / f64::from(e.per_term + 1);
            let target = ((frac * rest.len() as f64) as usize + s * 2).min(rest.len() - 1);
            let free = |d: NaiveDate| {
                !diary.school_days.contains(&(*u, d))
                    && adviser.is_none_or(|a| diary.adviser_free(a, d, rules.adviser_days_per_week))
            };
            match choose(rest, target, rules, free) {
                Some(d) => {
                    diary.take(adviser, std::slice::from_ref(u), d);
                    out.push(PlannedDay {
                        date: d,
                        network: n.id,
                        term: slot.term,
                        kind: e.key.clone(),
                        number: k,
                        school: Some(*u),
                        adviser,
                    });
                }
                None => broken.push(match adviser {
                    // The school's own days fill what is left: no adviser could help.
                    _ if rest.iter().all(|d| diary.school_days.contains(&(*u, *d))) => Broken::SchoolFull {
                        network: n.name.clone(),
                        term: slot.term,
                        event: e.name.clone(),
                        school: *u,
                    },
                    Some(a) => Broken::AdviserFull {
                        network: n.name.clone(),
                        adviser: a,
                        term: slot.term,
                        event: e.name.clone(),
                        school: Some(*u),
                    },
                    None => Broken::NoCommonDay { network: n.name.clone(), term: slot.term, event: e.name.clone() },
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests;
