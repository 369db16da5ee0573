//! Whole-school reach: the programme "will reach all staff in the school, either through
//! direct training or through coaching". Reach in a term is the share of the school's staff
//! (every adult on its staff list who had not left before the term) reached that term, by any
//! way; a school without a staff list has no reach figure, never a zero.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::template::Term;

/// What a member of staff does, for reach (every adult counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum StaffRole {
    Leader,
    Teacher,
    TeachingAssistant,
    Support,
}

/// How a member of staff was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ReachedBy {
    /// Trained at a Network Day.
    NetworkDay,
    /// In a Development Day session.
    DevelopmentDay,
    /// Coached by a colleague who attended.
    Coached,
}

macro_rules! coded {
    ($t:ident, $what:literal, $($v:ident = $code:literal / $label:literal),+) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$($t::$v),+];
            pub fn code(self) -> &'static str { match self { $($t::$v => $code),+ } }
            pub fn label(self) -> &'static str { match self { $($t::$v => $label),+ } }
        }
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<$t, String> {
                let t = s.trim().to_lowercase();
                $t::ALL.iter().copied().find(|x| x.code() == t || x.label().to_lowercase() == t).ok_or_else(|| {
                    format!("'{}' is not {}: write {}", s.trim(), $what, $t::ALL.iter().map(|x| x.code()).collect::<Vec<_>>().join(", "))
                })
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.label()) }
        }
    };
}

coded!(
    StaffRole,
    "a staff role",
    Leader = "leader" / "Leader",
    Teacher = "teacher" / "Teacher",
    TeachingAssistant = "teaching-assistant" / "Teaching assistant",
    Support = "support" / "Support staff"
);
coded!(
    ReachedBy,
    "a way staff are reached",
    NetworkDay = "network-day" / "Trained at a Network Day",
    DevelopmentDay = "development-day" / "In a Development Day session",
    Coached = "coached" / "Coached by a colleague who attended"
);

/// The most members of staff one typed list adds at once.
pub const STAFF_PER_LIST: usize = 500;

/// A name as the staff list compares names: case and spacing aside.
pub fn same_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Reads members of staff typed one a line as "name, role" (blank lines skipped). Every line's
/// problem is named at once, and a name already on the school's list (`known`) or given twice is
/// refused: two people who share a name need something to tell them apart.
pub fn read_staff_lines(text: &str, known: &[&str]) -> Result<Vec<(String, StaffRole)>, Vec<String>> {
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    let mut problems = Vec::new();
    if lines.is_empty() {
        problems.push("Enter at least one member of staff, one a line, as: name, role.".to_owned());
    }
    if lines.len() > STAFF_PER_LIST {
        problems.push(format!(
            "{} lines is more than the {STAFF_PER_LIST} one list takes: send the rest in another.",
            lines.len()
        ));
    }
    let known: BTreeSet<String> = known.iter().map(|n| same_name(n)).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut members = Vec::new();
    for (n, line) in lines.iter().take(STAFF_PER_LIST) {
        let (name, role) = match line.rsplit_once(',') {
            Some((name, role)) => (name.trim(), role.trim()),
            None => (*line, ""),
        };
        if name.is_empty() || name.chars().count() > 200 {
            problems.push(format!("Line {n}: the name must be 1 to 200 characters."));
            continue;
        }
        let key = same_name(name);
        if known.contains(&key) {
            problems.push(format!(
                "Line {n}: {name} is already on the staff list. If this is someone else of the same name, add an initial to tell them apart."
            ));
            continue;
        }
        if let Some(first) = seen.insert(key, *n) {
            problems.push(format!("Line {n}: {name} is also on line {first}: give each member of staff once."));
            continue;
        }
        match role.parse::<StaffRole>() {
            Ok(r) => members.push((name.to_owned(), r)),
            Err(_) if role.is_empty() => problems.push(format!(
                "Line {n} ({name}): add the role after a comma: leader, teacher, teaching assistant or support staff."
            )),
            Err(_) => problems.push(format!(
                "Line {n}: '{role}' is not a staff role: use leader, teacher, teaching assistant or support staff."
            )),
        }
    }
    if problems.is_empty() { Ok(members) } else { Err(problems) }
}

/// A member of staff as reach needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: i64,
    pub role: StaffRole,
    pub left_on: Option<NaiveDate>,
    /// The day they joined, when during the year; `None`: on the staff from the start.
    pub joined_on: Option<NaiveDate>,
}

impl StaffMember {
    /// On the staff for some of the days from `starts` to `ends`.
    pub fn on_staff(&self, starts: NaiveDate, ends: NaiveDate) -> bool {
        self.left_on.is_none_or(|l| l >= starts) && self.joined_on.is_none_or(|j| j <= ends)
    }
}

/// Reach in one term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermReach {
    pub staff: u32,
    pub reached: u32,
    pub by: BTreeMap<ReachedBy, u32>,
}

impl TermReach {
    /// The share reached; `None` without a staff list.
    pub fn share(&self) -> Option<f64> {
        (self.staff > 0).then(|| f64::from(self.reached) / f64::from(self.staff))
    }
}

/// Reach in a term summed over schools (a network's, a programme's): the share is of the staff
/// of the schools with a staff list, and says how many of the schools have one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReachTotal {
    pub schools: u32,
    pub with_list: u32,
    pub staff: u32,
    pub reached: u32,
    pub by: BTreeMap<ReachedBy, u32>,
}

impl ReachTotal {
    /// Adds one school's term.
    pub fn add(&mut self, r: &TermReach) {
        self.schools += 1;
        if r.staff > 0 {
            self.with_list += 1;
        }
        self.staff += r.staff;
        self.reached += r.reached;
        for (how, n) in &r.by {
            *self.by.entry(*how).or_insert(0) += n;
        }
    }

    /// The share reached of the staff of the schools with a list; `None` when none has one.
    pub fn share(&self) -> Option<f64> {
        (self.staff > 0).then(|| f64::from(self.reached) / f64::from(self.staff))
    }
}

/// The staff role a person's roles at a school suggest when they are added to its staff list
/// from their account: leaders lead; everyone else on the school's side teaches. Governors are
/// not staff (`None`).
pub fn staff_role_of(roles: &[crate::people::Role]) -> Option<StaffRole> {
    use crate::people::Role;
    let staff: Vec<Role> = roles.iter().copied().filter(|r| !matches!(r, Role::Governor | Role::LaOfficer)).collect();
    if staff.iter().any(|r| matches!(r, Role::HeadTeacher | Role::SeniorLeader)) {
        Some(StaffRole::Leader)
    } else if staff.iter().any(|r| r.scope_kind() == crate::people::ScopeKind::School) {
        Some(StaffRole::Teacher)
    } else {
        None
    }
}

/// Reach per term: `terms` gives each term's first and last day (staff who left before it or
/// joined after it do not count in it); `reached` holds (staff id, term, how), from the school's
/// record and the days' rolls alike.
pub fn reach(
    staff: &[StaffMember],
    reached: &[(i64, Term, ReachedBy)],
    terms: &BTreeMap<Term, (NaiveDate, NaiveDate)>,
) -> BTreeMap<Term, TermReach> {
    let mut out = BTreeMap::new();
    for (term, (starts, ends)) in terms {
        let on_roll: BTreeSet<i64> = staff.iter().filter(|s| s.on_staff(*starts, *ends)).map(|s| s.id).collect();
        let mut who: BTreeSet<i64> = BTreeSet::new();
        // A way recorded twice (by the school and from a day's roll) counts once.
        let mut ways: BTreeSet<(i64, ReachedBy)> = BTreeSet::new();
        for (id, t, how) in reached {
            if t == term && on_roll.contains(id) {
                who.insert(*id);
                ways.insert((*id, *how));
            }
        }
        let mut by: BTreeMap<ReachedBy, u32> = BTreeMap::new();
        for (_, how) in ways {
            *by.entry(how).or_insert(0) += 1;
        }
        out.insert(*term, TermReach { staff: on_roll.len() as u32, reached: who.len() as u32, by });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Season;

    #[test]
    fn a_typed_staff_list_names_every_bad_line_and_refuses_a_name_given_twice() {
        let ok = read_staff_lines("Ann Able, teacher\n\n  Bo Best , Teaching assistant\n", &[]).expect("read");
        assert_eq!(
            ok,
            [("Ann Able".to_owned(), StaffRole::Teacher), ("Bo Best".to_owned(), StaffRole::TeachingAssistant)]
        );
        let text = "Ann Able, teacher\nann  able, leader\nCy Cole\nDi Dee, cook\nEd Eve, support staff";
        let problems = read_staff_lines(text, &["Ed EVE"]).expect_err("refused");
        assert_eq!(
            problems,
            [
                "Line 2: ann  able is also on line 1: give each member of staff once.",
                "Line 3 (Cy Cole): add the role after a comma: leader, teacher, teaching assistant or support staff.",
                "Line 4: 'cook' is not a staff role: use leader, teacher, teaching assistant or support staff.",
                "Line 5: Ed Eve is already on the staff list. If this is someone else of the same name, add an initial to tell them apart.",
            ]
        );
        assert_eq!(read_staff_lines(" \n", &[]).expect_err("empty").len(), 1);
    }

    #[test]
    fn a_persons_roles_suggest_their_staff_role_and_governors_are_not_staff() {
        use crate::people::Role;
        assert_eq!(staff_role_of(&[Role::AflLead, Role::SeniorLeader]), Some(StaffRole::Leader));
        assert_eq!(staff_role_of(&[Role::TeachingLearningLead]), Some(StaffRole::Teacher));
        assert_eq!(staff_role_of(&[Role::Governor]), None);
        assert_eq!(staff_role_of(&[]), None);
    }

    #[test]
    fn reach_is_the_share_of_staff_on_roll_reached_each_term_in_any_way() {
        let autumn = Term { year: 2018, season: Season::Autumn };
        let spring = Term { year: 2019, season: Season::Spring };
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        let staff = vec![
            StaffMember { id: 1, role: StaffRole::Teacher, left_on: None, joined_on: None },
            StaffMember { id: 2, role: StaffRole::TeachingAssistant, left_on: None, joined_on: None },
            StaffMember { id: 3, role: StaffRole::Support, left_on: Some(d(2018, 12, 21)), joined_on: None },
            StaffMember { id: 4, role: StaffRole::Leader, left_on: None, joined_on: None },
            // Joined in the spring term: not one of autumn's staff, even if ticked for it.
            StaffMember { id: 5, role: StaffRole::Teacher, left_on: None, joined_on: Some(d(2019, 2, 25)) },
        ];
        let reached = vec![
            (1, autumn, ReachedBy::NetworkDay),
            (1, autumn, ReachedBy::Coached),
            (2, autumn, ReachedBy::Coached),
            (3, spring, ReachedBy::Coached),
            (5, autumn, ReachedBy::Coached),
            (5, spring, ReachedBy::DevelopmentDay),
        ];
        let starts = [(autumn, (d(2018, 9, 3), d(2018, 12, 21))), (spring, (d(2019, 1, 7), d(2019, 4, 5)))]
            .into_iter()
            .collect();
        let r = reach(&staff, &reached, &starts);
        assert_eq!((r[&autumn].staff, r[&autumn].reached), (4, 2));
        assert_eq!(r[&autumn].share(), Some(0.5));
        assert_eq!(r[&autumn].by[&ReachedBy::Coached], 2);
        // The one who left before spring counts neither in its staff nor as reached; the one
        // who joined in spring counts from then.
        assert_eq!((r[&spring].staff, r[&spring].reached), (4, 1));
        assert_eq!(reach(&[], &[], &starts)[&autumn].share(), None, "no staff list: no figure");
        // The same way twice (the school's tick and the day's roll) counts once.
        let twice = [(1, autumn, ReachedBy::NetworkDay), (1, autumn, ReachedBy::NetworkDay)];
        let r2 = reach(&staff, &twice, &starts);
        assert_eq!((r2[&autumn].reached, r2[&autumn].by[&ReachedBy::NetworkDay]), (1, 1));
        // Summed over schools: the one without a list adds nothing to the share, and is counted.
        let mut total = ReachTotal::default();
        total.add(&r[&autumn]);
        total.add(&reach(&[], &[], &starts)[&autumn]);
        assert_eq!((total.schools, total.with_list, total.staff, total.reached), (2, 1, 4, 2));
        assert_eq!(total.share(), Some(0.5));
        assert_eq!(ReachTotal::default().share(), None);
        assert_eq!("TA".parse::<StaffRole>().map_err(|e| e.contains("teaching-assistant")), Err(true));
        assert_eq!("Teaching assistant".parse::<StaffRole>(), Ok(StaffRole::TeachingAssistant));
    }
}
