//! Checks any plan against the hard constraints, independently of how it was made: the
//! planner's own output, a plan the team has edited, or one stored before the calendars changed.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::{EventRule, NetworkYear, Plan, Rules, SchoolDays, network_terms};
use crate::Urn;
use crate::ids::{NetworkId, PersonId};
use crate::template::{Term, Venue};

/// A hard constraint a plan breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A school concerned is closed that day (or the day is outside its term).
    SchoolClosed { date: NaiveDate, school: Urn, kind: String },
    /// A school has two programme events on one day.
    SchoolTwice { date: NaiveDate, school: Urn },
    /// An adviser is in two places on one day.
    AdviserTwice { date: NaiveDate, adviser: PersonId },
    /// An adviser works more days in a week than the rules allow.
    AdviserWeek { adviser: PersonId, week_of: NaiveDate, days: u32 },
    /// A Development Day on or before the Network Day it follows up.
    BeforeItsNetworkDay { date: NaiveDate, school: Urn, kind: String, follows: NaiveDate },
    /// A term has fewer or more events of a kind than the template asks for.
    WrongCount { network: NetworkId, term: Term, kind: String, school: Option<Urn>, planned: u32, wanted: u32 },
    /// An event of a network not in the plan's input, or before the network starts.
    OutsideTheYear { date: NaiveDate, network: NetworkId, kind: String },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::SchoolClosed { date, school, kind } => {
                write!(f, "{date}: school {school} is closed for the {kind}")
            }
            Violation::SchoolTwice { date, school } => write!(f, "{date}: school {school} has two programme events"),
            Violation::AdviserTwice { date, adviser } => write!(f, "{date}: adviser {adviser} is in two places"),
            Violation::AdviserWeek { adviser, week_of, days } => {
                write!(f, "week of {week_of}: adviser {adviser} works {days} programme days")
            }
            Violation::BeforeItsNetworkDay { date, school, kind, follows } => {
                write!(
                    f,
                    "{date}: the {kind} at school {school} comes before the Network Day of {follows} it follows up"
                )
            }
            Violation::WrongCount { network, term, kind, school, planned, wanted } => {
                let at = school.map(|u| format!(" at school {u}")).unwrap_or_default();
                write!(f, "network {network}, {term}: {planned} {kind}{at} planned, {wanted} wanted")
            }
            Violation::OutsideTheYear { date, network, kind } => {
                write!(f, "{date}: a {kind} of network {network} outside the network's year")
            }
        }
    }
}

/// Every hard constraint `plan` breaks. An empty answer means the plan is sound.
pub fn check(
    plan: &Plan,
    networks: &[NetworkYear],
    calendars: &BTreeMap<Urn, SchoolDays>,
    events: &[EventRule],
    rules: &Rules,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let by_id: HashMap<NetworkId, &NetworkYear> = networks.iter().map(|n| (n.id, n)).collect();
    let rule: HashMap<&str, &EventRule> = events.iter().map(|e| (e.key.as_str(), e)).collect();
    let mut school_days: HashMap<(Urn, NaiveDate), u32> = HashMap::new();
    let mut adviser_days: HashMap<(PersonId, NaiveDate), u32> = HashMap::new();
    let mut counts: HashMap<(NetworkId, Term, &str, Option<Urn>), u32> = HashMap::new();
    for d in &plan.days {
        let Some(n) = by_id.get(&d.network) else {
            out.push(Violation::OutsideTheYear { date: d.date, network: d.network, kind: d.kind.clone() });
            continue;
        };
        if d.date < n.starts || !network_terms(n.starts, rules.terms).contains(&d.term) {
            out.push(Violation::OutsideTheYear { date: d.date, network: d.network, kind: d.kind.clone() });
        }
        let concerned: Vec<Urn> = match d.school {
            Some(u) => vec![u],
            None => n.schools.clone(),
        };
        for u in &concerned {
            if !calendars.get(u).is_some_and(|c| c.is_open(d.term, d.date)) {
                out.push(Violation::SchoolClosed { date: d.date, school: *u, kind: d.kind.clone() });
            }
            *school_days.entry((*u, d.date)).or_insert(0) += 1;
        }
        if let Some(a) = d.adviser {
            *adviser_days.entry((a, d.date)).or_insert(0) += 1;
        }
        *counts.entry((d.network, d.term, d.kind.as_str(), d.school)).or_insert(0) += 1;
    }
    let mut twice: Vec<_> = school_days.iter().filter(|(_, n)| **n > 1).map(|((u, d), _)| (*d, *u)).collect();
    twice.sort();
    out.extend(twice.into_iter().map(|(date, school)| Violation::SchoolTwice { date, school }));
    let mut weeks: BTreeMap<(PersonId, NaiveDate), u32> = BTreeMap::new();
    let mut two_places: Vec<_> = Vec::new();
    for ((a, d), n) in &adviser_days {
        if *n > 1 {
            two_places.push((*d, *a));
        }
        let monday = *d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
        *weeks.entry((*a, monday)).or_insert(0) += 1;
    }
    two_places.sort();
    out.extend(two_places.into_iter().map(|(date, adviser)| Violation::AdviserTwice { date, adviser }));
    for ((adviser, week_of), days) in weeks {
        if days > rules.adviser_days_per_week {
            out.push(Violation::AdviserWeek { adviser, week_of, days });
        }
    }
    // Follow-ups: each school event after the last event of the kinds it follows, same term.
    let mut last: HashMap<(NetworkId, Term, &str), NaiveDate> = HashMap::new();
    for d in &plan.days {
        let e = last.entry((d.network, d.term, d.kind.as_str())).or_insert(d.date);
        *e = (*e).max(d.date);
    }
    for d in &plan.days {
        let (Some(u), Some(rule)) = (d.school, rule.get(d.kind.as_str())) else { continue };
        let follows = rule.follows.iter().filter_map(|f| last.get(&(d.network, d.term, f.as_str()))).max();
        if let Some(f) = follows
            && d.date <= *f
        {
            out.push(Violation::BeforeItsNetworkDay { date: d.date, school: u, kind: d.kind.clone(), follows: *f });
        }
    }
    // Counts: what the template asks for in each term of each network's year.
    for n in networks {
        for (i, term) in network_terms(n.starts, rules.terms).into_iter().enumerate() {
            for e in events.iter().filter(|e| e.due(i, rules.terms)) {
                let places: Vec<Option<Urn>> = match e.venue {
                    Venue::Network => vec![None],
                    Venue::School => n.schools.iter().copied().map(Some).collect(),
                };
                for school in places {
                    let planned = counts.remove(&(n.id, term, e.key.as_str(), school)).unwrap_or(0);
                    if planned != e.per_term {
                        out.push(Violation::WrongCount {
                            network: n.id,
                            term,
                            kind: e.key.clone(),
                            school,
                            planned,
                            wanted: e.per_term,
                        });
                    }
                }
            }
        }
    }
    // Whatever is left was not asked for at all.
    let mut extra: Vec<_> = counts.into_iter().collect();
    extra.sort_by_key(|((n, t, k, u), _)| (*n, *t, k.to_string(), *u));
    for ((network, term, kind, school), planned) in extra {
        out.push(Violation::WrongCount { network, term, kind: kind.to_owned(), school, planned, wanted: 0 });
    }
    out
}
