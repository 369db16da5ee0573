//! Staff release: the days of staff time the programme asks of a school, by role and term, and
//! what was used. Schools commit "to release staff"; a head needs the number before enrolling
//! and, after each term, beside what the rolls say.
//!
//! The rule: each planned day asks one day of each role of its audience (a seat per role per
//! school), off site for a Network Day and in school for a Development Day. A day used is a
//! registered person marked present or late: one day however many seats they held. Cancelled
//! days ask nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::people::Role;
use crate::template::{Term, Venue};

/// Days of staff time, off site (Network Days) and in school (Development Days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Release {
    pub off_site: u32,
    pub in_school: u32,
}

impl Release {
    pub fn total(self) -> u32 {
        self.off_site + self.in_school
    }

    fn add(&mut self, venue: Venue, days: u32) {
        match venue {
            Venue::Network => self.off_site += days,
            Venue::School => self.in_school += days,
        }
    }
}

/// One planned day as staff release sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedDay {
    pub term: Term,
    pub venue: Venue,
    pub audience: Vec<Role>,
}

/// One seat used: its role, the day's term and venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsedSeat {
    pub term: Term,
    pub venue: Venue,
    pub role: Role,
}

/// What a school's planned days ask, by term and role.
pub fn asked(days: &[AskedDay]) -> BTreeMap<(Term, Role), Release> {
    let mut out: BTreeMap<(Term, Role), Release> = BTreeMap::new();
    for d in days {
        for r in &d.audience {
            out.entry((d.term, *r)).or_default().add(d.venue, 1);
        }
    }
    out
}

/// What a school used, by term and role.
pub fn used(seats: &[UsedSeat]) -> BTreeMap<(Term, Role), Release> {
    let mut out: BTreeMap<(Term, Role), Release> = BTreeMap::new();
    for s in seats {
        out.entry((s.term, s.role)).or_default().add(s.venue, 1);
    }
    out
}

/// Totals per term of a by-role table.
pub fn per_term(by_role: &BTreeMap<(Term, Role), Release>) -> BTreeMap<Term, Release> {
    let mut out: BTreeMap<Term, Release> = BTreeMap::new();
    for ((t, _), r) in by_role {
        let e = out.entry(*t).or_default();
        e.off_site += r.off_site;
        e.in_school += r.in_school;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Season;

    const AUTUMN: Term = Term { year: 2018, season: Season::Autumn };

    #[test]
    fn each_day_asks_a_day_of_each_role_of_its_audience_off_site_or_in_school() {
        let nd =
            AskedDay { term: AUTUMN, venue: Venue::Network, audience: vec![Role::HeadTeacher, Role::SeniorLeader] };
        let dd = AskedDay { term: AUTUMN, venue: Venue::School, audience: vec![Role::HeadTeacher] };
        let a = asked(&[nd.clone(), nd, dd.clone(), dd]);
        assert_eq!(a[&(AUTUMN, Role::HeadTeacher)], Release { off_site: 2, in_school: 2 });
        assert_eq!(a[&(AUTUMN, Role::SeniorLeader)], Release { off_site: 2, in_school: 0 });
        assert_eq!(per_term(&a)[&AUTUMN].total(), 6);
        let u = used(&[UsedSeat { term: AUTUMN, venue: Venue::Network, role: Role::SeniorLeader }]);
        assert_eq!(u[&(AUTUMN, Role::SeniorLeader)].off_site, 1);
        assert!(!u.contains_key(&(AUTUMN, Role::HeadTeacher)), "nothing used is not a zero row invented");
    }
}
