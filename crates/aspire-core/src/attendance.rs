//! Attendance at the programme year's days and what it adds up to: the roll of a day (present,
//! late, absent, apologies sent in advance) and each school's dose per term, the Network Days
//! it attended and the Development Days it held, for the evaluation.
//!
//! The rules: a school attended a Network Day when someone of it was marked present or late; a
//! Development Day was held when its roll was taken with someone present or late. A day whose
//! roll was not taken counts for nothing and is reported as not yet recorded, never as absent.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::Urn;
use crate::ids::{NetworkId, PersonId};
use crate::template::Term;

/// A person's mark on a day's roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Present,
    Late,
    Absent,
    /// Absent, having sent apologies in advance.
    Apologies,
}

impl Mark {
    pub const ALL: [Mark; 4] = [Mark::Present, Mark::Late, Mark::Absent, Mark::Apologies];

    pub fn code(self) -> &'static str {
        match self {
            Mark::Present => "present",
            Mark::Late => "late",
            Mark::Absent => "absent",
            Mark::Apologies => "apologies",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mark::Present => "Present",
            Mark::Late => "Late",
            Mark::Absent => "Absent",
            Mark::Apologies => "Apologies sent",
        }
    }

    /// Whether the person was there.
    pub fn attended(self) -> bool {
        matches!(self, Mark::Present | Mark::Late)
    }
}

/// A mark that is none of [`Mark::ALL`]'s codes or labels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a mark: write present, late, absent or apologies")]
pub struct MarkError(pub String);

impl FromStr for Mark {
    type Err = MarkError;

    /// Reads a code or a label in any case, and the sign-in sheets' short forms (P, L, A, X).
    fn from_str(s: &str) -> Result<Mark, MarkError> {
        let t = s.trim().to_lowercase();
        Ok(match t.as_str() {
            "present" | "p" | "/" | "yes" | "y" => Mark::Present,
            "late" | "l" => Mark::Late,
            "absent" | "a" | "no" | "n" => Mark::Absent,
            "apologies" | "apologies sent" | "apols" | "x" => Mark::Apologies,
            _ => return Err(MarkError(s.trim().to_owned())),
        })
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether a day is a Network Day (for the network's schools) or held in one school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DayKind {
    NetworkDay,
    SchoolDay,
}

/// A day of the year as the roll-ups need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub id: i64,
    pub network: NetworkId,
    pub term: Term,
    pub kind: DayKind,
    /// The school, for a day held in one school.
    pub urn: Option<Urn>,
    pub cancelled: bool,
    /// Recorded as held: its roll counts as taken even with nobody marked on it.
    pub held_recorded: bool,
}

/// One mark on one day's roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollMark {
    pub day: i64,
    pub person: PersonId,
    pub urn: Urn,
    pub mark: Mark,
}

/// A school's dose in one term.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dose {
    /// Network Days of the term (not cancelled) and how many the school attended.
    pub network_days: u32,
    pub network_days_attended: u32,
    /// Network Days whose roll has not been taken.
    pub network_days_unrecorded: u32,
    /// Development Days planned in the school (not cancelled) and how many were held.
    pub development_days: u32,
    pub development_days_held: u32,
    pub development_days_unrecorded: u32,
}

impl std::ops::AddAssign<&Dose> for Dose {
    fn add_assign(&mut self, o: &Dose) {
        self.network_days += o.network_days;
        self.network_days_attended += o.network_days_attended;
        self.network_days_unrecorded += o.network_days_unrecorded;
        self.development_days += o.development_days;
        self.development_days_held += o.development_days_held;
        self.development_days_unrecorded += o.development_days_unrecorded;
    }
}

/// Each school's dose per term, for the schools of `members` (school -> its network).
pub fn doses(days: &[Day], marks: &[RollMark], members: &BTreeMap<Urn, NetworkId>) -> BTreeMap<(Urn, Term), Dose> {
    let recorded: BTreeSet<i64> = marks.iter().map(|m| m.day).collect();
    let attended: BTreeSet<(i64, Urn)> = marks.iter().filter(|m| m.mark.attended()).map(|m| (m.day, m.urn)).collect();
    let mut out: BTreeMap<(Urn, Term), Dose> = BTreeMap::new();
    for d in days.iter().filter(|d| !d.cancelled) {
        let schools: Vec<Urn> = match (d.kind, d.urn) {
            (DayKind::SchoolDay, Some(u)) => vec![u],
            (DayKind::SchoolDay, None) => continue,
            (DayKind::NetworkDay, _) => members.iter().filter(|(_, n)| **n == d.network).map(|(u, _)| *u).collect(),
        };
        for u in schools {
            let dose = out.entry((u, d.term)).or_default();
            let taken = d.held_recorded || recorded.contains(&d.id);
            let there = attended.contains(&(d.id, u));
            match d.kind {
                DayKind::NetworkDay => {
                    dose.network_days += 1;
                    dose.network_days_attended += u32::from(there);
                    dose.network_days_unrecorded += u32::from(!taken);
                }
                DayKind::SchoolDay => {
                    dose.development_days += 1;
                    dose.development_days_held += u32::from(there || d.held_recorded);
                    dose.development_days_unrecorded += u32::from(!taken);
                }
            }
        }
    }
    out
}

/// Counts of marks, for a person, a school, a network, a term or the programme.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub present: u32,
    pub late: u32,
    pub absent: u32,
    pub apologies: u32,
}

impl Tally {
    pub fn add(&mut self, m: Mark) {
        match m {
            Mark::Present => self.present += 1,
            Mark::Late => self.late += 1,
            Mark::Absent => self.absent += 1,
            Mark::Apologies => self.apologies += 1,
        }
    }

    pub fn marked(&self) -> u32 {
        self.present + self.late + self.absent + self.apologies
    }

    /// The share marked present or late, `None` when nobody was marked.
    pub fn rate(&self) -> Option<f64> {
        let n = self.marked();
        (n > 0).then(|| f64::from(self.present + self.late) / f64::from(n))
    }
}

/// Tallies of marks grouped by `key` (a person, a school, a network, a term...).
pub fn tally_by<K: Ord>(marks: &[RollMark], key: impl Fn(&RollMark) -> Option<K>) -> BTreeMap<K, Tally> {
    let mut out: BTreeMap<K, Tally> = BTreeMap::new();
    for m in marks {
        if let Some(k) = key(m) {
            out.entry(k).or_default().add(m.mark);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Season;

    fn urn(n: u32) -> Urn {
        Urn::parse(&n.to_string()).expect("urn")
    }

    const AUTUMN: Term = Term { year: 2018, season: Season::Autumn };

    #[test]
    fn marks_read_codes_labels_and_sign_in_sheet_forms_and_refuse_the_rest() {
        assert_eq!("Present".parse::<Mark>(), Ok(Mark::Present));
        assert_eq!(" L ".parse::<Mark>(), Ok(Mark::Late));
        assert_eq!("Apologies sent".parse::<Mark>(), Ok(Mark::Apologies));
        assert_eq!("x".parse::<Mark>(), Ok(Mark::Apologies));
        let e = "maybe".parse::<Mark>().expect_err("not a mark");
        assert_eq!(e.to_string(), "'maybe' is not a mark: write present, late, absent or apologies");
        assert!("".parse::<Mark>().is_err(), "a blank is not absent");
    }

    #[test]
    fn a_schools_dose_counts_what_it_attended_and_held_and_never_counts_an_untaken_roll_as_absent() {
        let (a, b) = (urn(100_001), urn(100_002));
        let n = NetworkId::new(1);
        let members: BTreeMap<Urn, NetworkId> = [(a, n), (b, n)].into_iter().collect();
        let day = |id, kind, u: Option<Urn>, cancelled| Day {
            id,
            network: n,
            term: AUTUMN,
            kind,
            urn: u,
            cancelled,
            held_recorded: false,
        };
        let days = vec![
            day(1, DayKind::NetworkDay, None, false),
            day(2, DayKind::NetworkDay, None, false),
            day(3, DayKind::NetworkDay, None, true),
            day(4, DayKind::SchoolDay, Some(a), false),
            day(5, DayKind::SchoolDay, Some(a), false),
            day(6, DayKind::SchoolDay, Some(b), false),
        ];
        let mark = |d, p, u, m| RollMark { day: d, person: PersonId::new(p), urn: u, mark: m };
        let marks = vec![
            mark(1, 1, a, Mark::Present),
            mark(1, 2, a, Mark::Absent),
            mark(1, 3, b, Mark::Apologies),
            mark(4, 1, a, Mark::Late),
            mark(6, 4, b, Mark::Absent),
        ];
        let d = doses(&days, &marks, &members);
        let da = &d[&(a, AUTUMN)];
        assert_eq!((da.network_days, da.network_days_attended, da.network_days_unrecorded), (2, 1, 1));
        assert_eq!((da.development_days, da.development_days_held, da.development_days_unrecorded), (2, 1, 1));
        let db = &d[&(b, AUTUMN)];
        assert_eq!((db.network_days, db.network_days_attended), (2, 0));
        assert_eq!((db.development_days, db.development_days_held, db.development_days_unrecorded), (1, 0, 0));
    }

    #[test]
    fn a_day_recorded_as_held_counts_as_taken_with_nobody_on_its_roll() {
        let (a, b) = (urn(100_001), urn(100_002));
        let n = NetworkId::new(1);
        let members: BTreeMap<Urn, NetworkId> = [(a, n), (b, n)].into_iter().collect();
        let held =
            |id, kind, u| Day { id, network: n, term: AUTUMN, kind, urn: u, cancelled: false, held_recorded: true };
        let days = vec![held(1, DayKind::SchoolDay, Some(a)), held(2, DayKind::NetworkDay, None)];
        let marks = vec![RollMark { day: 2, person: PersonId::new(1), urn: a, mark: Mark::Present }];
        let d = doses(&days, &marks, &members);
        let da = &d[&(a, AUTUMN)];
        assert_eq!((da.development_days, da.development_days_held, da.development_days_unrecorded), (1, 1, 0));
        assert_eq!((da.network_days_attended, da.network_days_unrecorded), (1, 0));
        let db = &d[&(b, AUTUMN)];
        assert_eq!(
            (db.network_days, db.network_days_attended, db.network_days_unrecorded),
            (1, 0, 0),
            "a school nobody came from did not attend a day recorded as held"
        );
    }

    #[test]
    fn tallies_group_marks_and_give_no_rate_without_marks() {
        let marks = vec![
            RollMark { day: 1, person: PersonId::new(1), urn: urn(100_001), mark: Mark::Present },
            RollMark { day: 2, person: PersonId::new(1), urn: urn(100_001), mark: Mark::Apologies },
        ];
        let t = tally_by(&marks, |m| Some(m.person));
        assert_eq!(t[&PersonId::new(1)].rate(), Some(0.5));
        assert_eq!(Tally::default().rate(), None);
    }
}
