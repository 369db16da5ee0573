//! Deciding one school's eligibility as of a date, with every reason.
//!
//! Each check (school type, open, phase, area, Ofsted) gives a finding: met, not met, or unknown
//! with what is missing. Any finding not met makes the school not eligible; otherwise any unknown
//! makes the answer "cannot tell"; otherwise it is eligible. Missing data is never "not eligible".

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::rules::{AreaRule, NoInspection, ReportCards, RuleSet};
use crate::areas::AreaMember;
use crate::links::Lineage;
use crate::ofsted::{Grade, Inspection, Judgement, requires_improvement_from, single_word_judgements_ended};
use crate::school::School;
use crate::urn::Urn;

/// First day of report-card inspections.
pub fn report_cards_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 10).unwrap_or(NaiveDate::MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Outcome {
    Eligible,
    NotEligible,
    CannotTell,
}

impl Outcome {
    /// The value written in exports: eligible, not_eligible, cannot_tell.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Eligible => "eligible",
            Outcome::NotEligible => "not_eligible",
            Outcome::CannotTell => "cannot_tell",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Eligible => "Eligible",
            Outcome::NotEligible => "Not eligible",
            Outcome::CannotTell => "Cannot tell",
        }
    }

    pub fn parse(code: &str) -> Option<Outcome> {
        match code.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "eligible" => Some(Outcome::Eligible),
            "not_eligible" => Some(Outcome::NotEligible),
            "cannot_tell" => Some(Outcome::CannotTell),
            _ => None,
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Check {
    SchoolType,
    Open,
    Phase,
    Area,
    Ofsted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    Met,
    NotMet,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: Check,
    pub verdict: Verdict,
    /// A sentence for people, naming the data used.
    pub text: String,
}

/// A graded inspection and the file it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionRecord {
    pub inspection: Inspection,
    /// Shared: every inspection of one file names the same file.
    pub source: Option<std::sync::Arc<str>>,
}

/// The inspection a decision rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsedInspection {
    pub record: InspectionRecord,
    /// True when it is a predecessor's inspection.
    pub inherited: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub urn: Urn,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    pub inspection: Option<UsedInspection>,
    /// The area the school lies in, when it does.
    pub area: Option<String>,
}

impl Decision {
    fn from_findings(
        urn: Urn,
        findings: Vec<Finding>,
        inspection: Option<UsedInspection>,
        area: Option<String>,
    ) -> Self {
        let outcome = if findings.iter().any(|f| f.verdict == Verdict::NotMet) {
            Outcome::NotEligible
        } else if findings.iter().any(|f| f.verdict == Verdict::Unknown) {
            Outcome::CannotTell
        } else {
            Outcome::Eligible
        };
        Decision { urn, outcome, findings, inspection, area }
    }

    /// The reasons that decided the outcome, as one paragraph.
    pub fn reason(&self) -> String {
        let wanted = match self.outcome {
            Outcome::Eligible => Verdict::Met,
            Outcome::NotEligible => Verdict::NotMet,
            Outcome::CannotTell => Verdict::Unknown,
        };
        let parts: Vec<&str> = self.findings.iter().filter(|f| f.verdict == wanted).map(|f| f.text.as_str()).collect();
        parts.join(" ")
    }
}

/// A school and what is known of its history.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub urn: Urn,
    pub school: &'a School,
    pub lineage: &'a Lineage,
    /// Graded inspections of the school and of the URNs in its lineage, in any order.
    pub inspections: &'a [InspectionRecord],
    /// Names of URNs, for sentences.
    pub names: &'a HashMap<Urn, String>,
}

/// The members of a rule set's area sets, ready to place schools.
#[derive(Debug, Clone)]
pub struct Areas<'r> {
    rules: &'r RuleSet,
    /// (index of the area rule, member)
    members: Vec<(usize, AreaMember)>,
    /// Per area rule, the last name (lower case) up to which an alphabetical list is known.
    known_through: Vec<Option<String>>,
    /// Lower-case names of LAs that are single districts (unitary, metropolitan, London), whose
    /// name is their district's name.
    single_district_las: BTreeSet<String>,
    /// Members that can concern a school, by the school's LA code and by its district (code or
    /// lower-case name, including districts that took a member over): deciding for every school
    /// in England looks at a handful of members each, not all of them.
    by_la: HashMap<u16, Vec<usize>>,
    by_district: HashMap<String, Vec<usize>>,
    /// The rule set's lists as words ("Primary or Middle deemed primary"), written once for
    /// all the sentences that quote them.
    groups_text: String,
    phases_text: String,
    labels_text: String,
}

impl<'r> Areas<'r> {
    /// Keeps the members of the rule set's area sets (others are ignored).
    pub fn new(rules: &'r RuleSet, members: impl IntoIterator<Item = AreaMember>) -> Areas<'r> {
        let mut seen = BTreeSet::new();
        let members = members
            .into_iter()
            .filter_map(|m| rules.areas.iter().position(|a| a.set == m.area_set).map(|i| (i, m)))
            // The same member from the bundled file and from an import counts once.
            .filter(|(i, m)| seen.insert((*i, m.area.clone(), m.member_key())))
            .collect::<Vec<_>>();
        let known_through = rules
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let bound = a.alphabetical_through.as_ref()?.to_lowercase();
                let last_member = members
                    .iter()
                    .filter(|(j, _)| *j == i)
                    .filter_map(|(_, m)| m.lad_name.as_ref().or(m.la_name.as_ref()).map(|n| n.to_lowercase()))
                    .max();
                Some(last_member.map_or(bound.clone(), |m| m.max(bound)))
            })
            .collect();
        let mut by_la: HashMap<u16, Vec<usize>> = HashMap::new();
        let mut by_district: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, (_, m)) in members.iter().enumerate() {
            if let Some(la) = m.la_code {
                by_la.entry(la.get()).or_default().push(k);
            }
            let mut keys: Vec<String> = Vec::new();
            keys.extend(m.lad_code.as_ref().map(|c| c.as_str().to_lowercase()));
            keys.extend(m.lad_name.as_ref().map(|n| n.trim().to_lowercase()));
            for c in &rules.district_changes {
                let old = m.lad_code.as_ref().is_some_and(|l| l.as_str().eq_ignore_ascii_case(&c.old_code))
                    || m.lad_name.as_ref().is_some_and(|n| n.trim().eq_ignore_ascii_case(&c.old_name));
                if old {
                    keys.push(c.new_code.to_lowercase());
                    keys.push(c.new_name.trim().to_lowercase());
                }
            }
            for key in keys {
                by_district.entry(key).or_default().push(k);
            }
        }
        let labels: Vec<String> = rules.areas.iter().map(|a| a.label.clone()).collect();
        Areas {
            rules,
            members,
            known_through,
            single_district_las: BTreeSet::new(),
            by_la,
            by_district,
            groups_text: list(&rules.schools.groups),
            phases_text: list(&rules.schools.phases),
            labels_text: list(&labels),
        }
    }

    /// Indexes of the members that can concern a school, in member order.
    fn candidates(&self, la: Option<u16>, s: &School) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        if let Some(v) = la.and_then(|la| self.by_la.get(&la)) {
            out.extend(v);
        }
        for key in [s.district_code.as_deref(), s.district_name.as_deref()].into_iter().flatten() {
            if let Some(v) = self.by_district.get(&key.trim().to_lowercase()) {
                out.extend(v);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Names of LAs that are a single district (from the ONS lookup: E06, E08 and E09 codes), so
    /// that a school's LA name stands for its district where the register has none.
    pub fn with_single_district_las(mut self, names: impl IntoIterator<Item = String>) -> Self {
        self.single_district_las = names.into_iter().map(|n| n.to_lowercase()).collect();
        self
    }

    pub fn members(&self) -> impl Iterator<Item = &AreaMember> {
        self.members.iter().map(|(_, m)| m)
    }

    /// DfE LA codes in which a school could lie in one of the areas (the LA itself for whole-LA
    /// members, the county for districts). Schools elsewhere are not in any area.
    pub fn possible_las(&self) -> BTreeSet<u16> {
        self.members.iter().filter_map(|(_, m)| m.la_code.map(|c| c.get())).collect()
    }

    /// When a member counts, under its area rule.
    fn period(&self, rule: &AreaRule, m: &AreaMember) -> (NaiveDate, Option<NaiveDate>) {
        let (from, to) = self.rules.area_period(rule);
        let from =
            if rule.from_announcement { m.announced.as_deref().and_then(month_start).unwrap_or(from) } else { from };
        (from, to)
    }
}

/// "2016-10" or "2016-10-04" as a date (a month means its first day).
fn month_start(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").ok())
}

fn school_name(s: &School) -> String {
    match (&s.name, s.urn) {
        (Some(n), Some(u)) => format!("{n} (URN {u})"),
        (None, Some(u)) => format!("URN {u}"),
        (Some(n), None) => n.clone(),
        (None, None) => "The school".to_owned(),
    }
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} or {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn grade_list(g: &[u8]) -> String {
    list(&g.iter().map(u8::to_string).collect::<Vec<_>>())
}

/// "1 September 2017". Written out by hand: a chrono format string is parsed on every call, and
/// a decision for every school in England writes hundreds of thousands of dates.
fn long_date(d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// The checks that need no inspection history: type, open, phase and area. A school that fails
/// one of these is not eligible whatever its inspections say.
pub fn screen(rules: &RuleSet, areas: &Areas<'_>, as_of: NaiveDate, s: &School) -> (Vec<Finding>, Option<String>) {
    let mut out = Vec::with_capacity(5);
    let who = school_name(s);
    let f = |check, verdict, text: String| Finding { check, verdict, text };

    // Type: a listed group, and not an excluded type.
    let group = s.minor_group.as_ref().or(s.type_group.as_ref());
    let excluded =
        s.type_name.as_ref().filter(|t| rules.schools.exclude_types.iter().any(|x| x.eq_ignore_ascii_case(t)));
    out.push(match (group, excluded) {
        (_, Some(t)) => f(
            Check::SchoolType,
            Verdict::NotMet,
            format!("{who} is of type \"{t}\", which this programme does not include."),
        ),
        (Some(g), None) if rules.schools.groups.iter().any(|x| x.eq_ignore_ascii_case(g)) => {
            f(Check::SchoolType, Verdict::Met, format!("It is a state-funded school ({g}{}).", type_suffix(s)))
        }
        (Some(g), None) => f(
            Check::SchoolType,
            Verdict::NotMet,
            format!("{who} is in the group \"{g}\"; the programme is for {}.", areas.groups_text),
        ),
        (None, None) => f(
            Check::SchoolType,
            Verdict::Unknown,
            format!("The register does not say what kind of school {who} is (import GIAS or the DfE spine)."),
        ),
    });

    if rules.schools.must_be_open {
        out.push(match s.open_on(as_of) {
            Some(true) => f(Check::Open, Verdict::Met, format!("It was open on {}.", long_date(as_of))),
            Some(false) => {
                let why = match (s.open_date, s.close_date) {
                    (Some(o), _) if o > as_of => format!("only opened on {}", long_date(o)),
                    (_, Some(c)) if c <= as_of => format!("closed on {}", long_date(c)),
                    _ => "is recorded as closed".to_owned(),
                };
                f(Check::Open, Verdict::NotMet, format!("{who} {why}, so was not open on {}.", long_date(as_of)))
            }
            None => f(
                Check::Open,
                Verdict::Unknown,
                format!("The register has no status or dates for {who}, so whether it was open is unknown."),
            ),
        });
    }

    out.push(match &s.phase {
        Some(p) if rules.schools.phases.iter().any(|x| x.eq_ignore_ascii_case(p)) => {
            f(Check::Phase, Verdict::Met, format!("Its phase is {p}."))
        }
        Some(p) => f(
            Check::Phase,
            Verdict::NotMet,
            format!("{who} is in the {p} phase; the programme is for {} schools.", areas.phases_text),
        ),
        None => f(Check::Phase, Verdict::Unknown, format!("The register has no phase for {who}.")),
    });

    let (area_finding, area) = area_check(rules, areas, as_of, s, &who);
    out.push(area_finding);
    (out, area)
}

fn type_suffix(s: &School) -> String {
    match &s.type_name {
        Some(t) => format!(", {t}"),
        None => String::new(),
    }
}

fn area_check(
    rules: &RuleSet,
    areas: &Areas<'_>,
    as_of: NaiveDate,
    s: &School,
    who: &str,
) -> (Finding, Option<String>) {
    let f = |verdict, text: String| Finding { check: Check::Area, verdict, text };
    if rules.areas.is_empty() {
        return (f(Verdict::Met, "The programme is open to schools anywhere in England.".into()), None);
    }
    let school_la = s.la_code.and_then(|c| u16::try_from(c).ok());
    let district = s.district_code.as_deref().or(s.district_name.as_deref());
    if school_la.is_none() && district.is_none() {
        return (f(Verdict::Unknown, format!("The register has no local authority or district for {who}.")), None);
    }
    let mut unknown: Vec<String> = Vec::new();
    let mut not_yet: Vec<String> = Vec::new();
    for k in areas.candidates(school_la, s) {
        let (i, m) = &areas.members[k];
        let rule = &rules.areas[*i];
        let (from, to) = areas.period(rule, m);
        let place = member_place(m);
        let inside = match membership(rules, m, s, school_la) {
            Membership::In => true,
            Membership::Out => false,
            Membership::Unknown(why) => {
                if from <= as_of && to.is_none_or(|t| as_of <= t) {
                    unknown.push(format!(
                        "{who} is in {}, which contains {place}, {}, but {why}.",
                        m.la_name.clone().unwrap_or_else(|| format!("LA {}", m.la_code.map(|c| c.get()).unwrap_or(0))),
                        what_member_is(m, rule)
                    ));
                }
                continue;
            }
        };
        if !inside {
            continue;
        }
        if as_of < from {
            not_yet.push(format!("{place} only became {} on {}.", what_member_is(m, rule), long_date(from)));
            continue;
        }
        if to.is_some_and(|t| as_of > t) {
            not_yet.push(format!(
                "{place} stopped counting as {} after {}.",
                what_member_is(m, rule),
                long_date(to.unwrap_or(as_of))
            ));
            continue;
        }
        let since = long_date(from);
        return (
            f(Verdict::Met, format!("It is in {place}, {} (in force from {since}).", what_member_is(m, rule))),
            Some(m.area.clone()),
        );
    }
    if !unknown.is_empty() {
        let mut text = unknown.join(" ");
        text.push_str(" Import a GIAS extract with DistrictAdministrative to settle it.");
        return (f(Verdict::Unknown, text), None);
    }
    // Lists known only in part: a school beyond the known part may be on the rest of it.
    // Compared without allocating: this runs for nearly every school in England.
    let lower = |n: &str| n.chars().flat_map(char::to_lowercase).collect::<String>();
    let district_name = s
        .district_name
        .as_deref()
        .or_else(|| s.la_name.as_deref().filter(|n| areas.single_district_las.contains(&lower(n))));
    for (i, rule) in rules.areas.iter().enumerate() {
        let Some(Some(bound)) = areas.known_through.get(i) else { continue };
        let through = rule.alphabetical_through.as_deref().unwrap_or_default();
        match district_name {
            Some(n) if n.chars().flat_map(char::to_lowercase).le(bound.chars()) => {}
            Some(n) => unknown.push(format!(
                "Its district, {n}, comes after {through} in the alphabetical list of {label}s, and only the list up to {through} is known, so it may be one.",
                label = rule.label
            )),
            None => unknown.push(format!(
                "The register has no district for {who}, and only the alphabetical list of {label}s up to {through} is known, so it may lie in one.",
                label = rule.label
            )),
        }
    }
    if !unknown.is_empty() {
        let mut text = unknown.join(" ");
        text.push_str(" Import the full list of areas, or a GIAS extract with DistrictAdministrative, to settle it.");
        return (f(Verdict::Unknown, text), None);
    }
    let mut text = match (&s.la_name, school_la) {
        (Some(la), _) => format!("{who} ({la}) is not in any {}", areas.labels_text),
        (None, Some(c)) => format!("{who} (LA {c}) is not in any {}", areas.labels_text),
        (None, None) => format!("{who} () is not in any {}", areas.labels_text),
    };
    text.push_str(" in force on ");
    text.push_str(&long_date(as_of));
    text.push('.');
    for n in not_yet {
        text.push(' ');
        text.push_str(&n);
    }
    (f(Verdict::NotMet, text), None)
}

/// "part of the Norwich Opportunity Area", or "a category 5 or 6 district" when the area is
/// the district itself.
fn what_member_is(m: &AreaMember, rule: &AreaRule) -> String {
    let same = m.lad_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&m.area));
    if same {
        let article =
            if rule.label.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) { "an" } else { "a" };
        format!("{article} {}", rule.label)
    } else {
        format!("part of the {} {}", m.area, rule.label)
    }
}

fn member_place(m: &AreaMember) -> String {
    match (&m.lad_name, &m.lad_code, &m.la_name) {
        (Some(n), Some(c), _) => format!("{n} ({c})"),
        (None, Some(c), _) => c.to_string(),
        (_, None, Some(n)) => n.clone(),
        _ => m.area.clone(),
    }
}

enum Membership {
    In,
    Out,
    Unknown(String),
}

fn membership(rules: &RuleSet, m: &AreaMember, s: &School, school_la: Option<u16>) -> Membership {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    if m.is_whole_la()
        && let (Some(member_la), Some(la)) = (m.la_code, school_la)
    {
        return if member_la.get() == la { Membership::In } else { Membership::Out };
    }
    // A district: the school's own district settles it.
    let lad_code = m.lad_code.as_ref().map(|c| c.as_str().to_owned());
    let by_code = match (&s.district_code, &lad_code) {
        (Some(d), Some(l)) => Some(same(d, l)),
        _ => None,
    };
    let by_name = match (&s.district_name, &m.lad_name) {
        (Some(d), Some(l)) => Some(same(d, l)),
        _ => None,
    };
    if by_code == Some(true) || by_name == Some(true) {
        return Membership::In;
    }
    if by_code.is_some() || by_name.is_some() {
        // Recorded under a district that later absorbed the member?
        let recorded = s.district_name.clone().or(s.district_code.clone()).unwrap_or_default();
        for c in &rules.district_changes {
            let member_is_old = lad_code.as_deref().is_some_and(|l| same(l, &c.old_code))
                || m.lad_name.as_deref().is_some_and(|n| same(n, &c.old_name));
            let school_in_new = s.district_code.as_deref().is_some_and(|d| same(d, &c.new_code))
                || s.district_name.as_deref().is_some_and(|d| same(d, &c.new_name));
            if member_is_old && school_in_new {
                return Membership::Unknown(format!(
                    "the register records it in {recorded}, which took over {} on {}, and cannot tell whether it lies in the old {}",
                    c.old_name,
                    long_date(c.from),
                    c.old_name
                ));
            }
        }
        return Membership::Out;
    }
    // No district recorded: in the member's county, membership is open.
    match (m.la_code, school_la) {
        (Some(member_la), Some(la)) if member_la.get() == la => {
            Membership::Unknown("the register has no district (DistrictAdministrative) for the school".into())
        }
        _ => Membership::Out,
    }
}

/// The full decision, including the Ofsted judgement as of the date.
pub fn decide(rules: &RuleSet, areas: &Areas<'_>, as_of: NaiveDate, facts: Facts<'_>) -> Decision {
    let (findings, area) = screen(rules, areas, as_of, facts.school);
    decide_screened(rules, as_of, facts, findings, area)
}

/// The full decision for a school already screened (`screen`'s findings and area), adding the
/// Ofsted judgement as of the date.
pub fn decide_screened(
    rules: &RuleSet,
    as_of: NaiveDate,
    facts: Facts<'_>,
    mut findings: Vec<Finding>,
    area: Option<String>,
) -> Decision {
    let (finding, used) = ofsted_check(rules, as_of, facts);
    findings.push(finding);
    Decision::from_findings(facts.urn, findings, used, area)
}

/// A decision from the screening checks alone, for schools that fail one of them.
pub fn screened_out(urn: Urn, findings: Vec<Finding>, area: Option<String>) -> Decision {
    Decision::from_findings(urn, findings, None, area)
}

fn judgement_text(j: Judgement, date: NaiveDate) -> String {
    let label = j.label(date);
    if j.grade == Grade::RequiresImprovement && date < requires_improvement_from() {
        format!("{label} (grade 3; Ofsted's name for grade 3 before September 2012)")
    } else {
        format!("{label} (grade {})", j.grade.number())
    }
}

fn source_text(r: &InspectionRecord) -> String {
    match &r.source {
        Some(f) => format!(" (source: {f})"),
        None => String::new(),
    }
}

fn ofsted_check(rules: &RuleSet, as_of: NaiveDate, facts: Facts<'_>) -> (Finding, Option<UsedInspection>) {
    let f = |verdict, text: String| Finding { check: Check::Ofsted, verdict, text };
    let o = &rules.ofsted;
    let own = Some(facts.urn);
    let name_of = |u: Urn| facts.names.get(&u).cloned().map_or(format!("URN {u}"), |n| format!("{n} (URN {u})"));

    // Latest graded inspection on or before the date, worst grade on a tie, for one URN.
    let latest_of = |urn: Urn, before: Option<NaiveDate>| -> Option<&InspectionRecord> {
        facts
            .inspections
            .iter()
            .filter(|r| {
                r.inspection.urn == urn && r.inspection.date <= as_of && before.is_none_or(|b| r.inspection.date < b)
            })
            .max_by_key(|r| (r.inspection.date, r.inspection.judgement.grade))
    };
    let later = own.and_then(|u| {
        facts
            .inspections
            .iter()
            .filter(|r| r.inspection.urn == u && r.inspection.date > as_of)
            .map(|r| r.inspection.date)
            .min()
    });
    let ignored_later = match later {
        Some(d) => format!(" A later inspection on {} is after {} and not used.", long_date(d), long_date(as_of)),
        None => String::new(),
    };

    // The school's own, else (if the rules say so) the nearest predecessor's.
    let mut used = own.and_then(|u| latest_of(u, None)).map(|r| UsedInspection { record: r.clone(), inherited: false });
    let mut inherited_note = String::new();
    if used.is_none() {
        match o.without_own_inspection {
            NoInspection::InheritPredecessor => {
                if let Some((p, r)) = facts.lineage.nearest_predecessor_with(|u| latest_of(u, None)) {
                    inherited_note = format!(
                        "{} has no graded inspection of its own on or before {}, so the judgement of its predecessor {} is used. ",
                        own.map_or("The school".to_owned(), |u| format!("URN {u}")),
                        long_date(as_of),
                        name_of(p.urn)
                    );
                    used = Some(UsedInspection { record: r.clone(), inherited: true });
                }
                if used.is_none() {
                    let preds = if facts.lineage.predecessors.is_empty() {
                        "and no predecessor URN is recorded".to_owned()
                    } else {
                        "and neither have its predecessors".to_owned()
                    };
                    return (
                        f(
                            Verdict::Unknown,
                            format!(
                                "No graded Ofsted inspection on or before {} is recorded for this school, {preds}.{ignored_later}",
                                long_date(as_of)
                            ),
                        ),
                        None,
                    );
                }
            }
            NoInspection::CannotTell => {
                return (
                    f(
                        Verdict::Unknown,
                        format!(
                            "No graded Ofsted inspection on or before {} is recorded for this school.{ignored_later}",
                            long_date(as_of)
                        ),
                    ),
                    None,
                );
            }
            NoInspection::NotEligible => {
                return (
                    f(
                        Verdict::NotMet,
                        format!(
                            "The school has no graded Ofsted inspection on or before {}, and the programme needs one.{ignored_later}",
                            long_date(as_of)
                        ),
                    ),
                    None,
                );
            }
        }
    }
    let Some(used) = used else {
        return (f(Verdict::Unknown, "No inspection could be used.".into()), None);
    };
    let i = used.record.inspection;
    let mut text = format!(
        "{inherited_note}Its latest graded Ofsted judgement on or before {} is {}, from the inspection of {}{}.",
        long_date(as_of),
        judgement_text(i.judgement, i.date),
        long_date(i.date),
        source_text(&used.record)
    );
    if as_of >= single_word_judgements_ended() {
        text.push_str(
            " Ofsted stopped giving overall grades on 2 September 2024, so the last graded judgement stands.",
        );
    }
    if as_of >= report_cards_from() && o.report_cards == ReportCards::CannotMap {
        text.push_str(
            " From 10 November 2025 inspections produce report cards, which this rule set cannot map to grades, and the register holds none: a later report card may have replaced this judgement.",
        );
        return (f(Verdict::Unknown, text + &ignored_later), Some(used));
    }
    text.push_str(&ignored_later);

    let grade = i.judgement.grade.number();
    if !o.grades.contains(&grade) {
        text.push_str(&format!(" The programme is for schools judged {}.", grade_list(&o.grades)));
        return (f(Verdict::NotMet, text), Some(used));
    }
    if let Some(years) = o.max_age_years {
        let limit = as_of.checked_sub_months(chrono::Months::new(years * 12)).unwrap_or(NaiveDate::MIN);
        if i.date < limit {
            text.push_str(&format!(
                " That is more than {years} years before {}, older than the programme allows.",
                long_date(as_of)
            ));
            return (f(Verdict::NotMet, text), Some(used));
        }
    }
    if let Some(prev) = &o.previous_grades {
        // The inspection before the one used, under the same URN or earlier in the chain.
        let chain: Vec<Urn> = std::iter::once(i.urn).chain(facts.lineage.predecessors.iter().map(|p| p.urn)).collect();
        let before = chain.iter().find_map(|u| latest_of(*u, Some(i.date)));
        match before {
            None => {
                text.push_str(
                    " No earlier graded inspection is recorded, and the programme looks at the one before the latest.",
                );
                return (f(Verdict::Unknown, text), Some(used));
            }
            Some(b) => {
                let bi = b.inspection;
                text.push_str(&format!(
                    " The inspection before it, on {}, judged it {}{}.",
                    long_date(bi.date),
                    judgement_text(bi.judgement, bi.date),
                    source_text(b)
                ));
                if !prev.contains(&bi.judgement.grade.number()) {
                    text.push_str(&format!(" The programme needs that one to be {}.", grade_list(prev)));
                    return (f(Verdict::NotMet, text), Some(used));
                }
            }
        }
    }
    (f(Verdict::Met, text), Some(used))
}

#[cfg(test)]
mod tests;
