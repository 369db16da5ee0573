//! Decisions on hand-made schools: every framework period, URN inheritance, areas in waves,
//! districts, and missing data.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::*;
use crate::codes::{LaCode, LadCode};
use crate::eligibility::rules::AreaRule;
use crate::links::{EstablishmentLink, Lineage};
use crate::ofsted::{Concern, Grade, Inspection, Judgement};
use crate::school::School;

const RULES: &str = r#"
id = "test"
version = 1
name = "Test programme"
summary = "Schools judged 3 or 4 in the areas."
valid_from = "2016-03-01"

[schools]
phases = ["Primary", "Middle deemed primary"]
groups = ["Maintained School", "Academy", "Academies"]
exclude_types = ["Community special school"]

[ofsted]
grades = [3, 4]
without_own_inspection = "inherit-predecessor"
report_cards = "cannot-map"

[[areas]]
set = "oa"
label = "Opportunity Area"
from_announcement = true
valid_to = "2022-08-31"

[[district_changes]]
old_code = "E07000191"
old_name = "West Somerset"
new_code = "E07000246"
new_name = "Somerset West and Taunton"
from = "2019-04-01"
"#;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn urn(n: u32) -> Urn {
    Urn::try_from(n).expect("urn")
}

fn rules() -> RuleSet {
    RuleSet::parse(RULES).expect("rules")
}

fn member(area: &str, announced: &str, lad: &str, lad_name: &str, la: u16, la_name: &str) -> AreaMember {
    AreaMember {
        area_set: "oa".into(),
        area: area.into(),
        wave: None,
        announced: Some(announced.into()),
        lad_code: Some(LadCode::parse(lad).expect("lad")),
        lad_name: Some(lad_name.into()),
        la_code: Some(LaCode::parse(&la.to_string()).expect("la")),
        la_name: Some(la_name.into()),
    }
}

fn members() -> Vec<AreaMember> {
    vec![
        member("Blackpool", "2016-10", "E06000009", "Blackpool", 890, "Blackpool"),
        member("Norwich", "2016-10", "E07000148", "Norwich", 926, "Norfolk"),
        member("Ipswich", "2017-01", "E07000202", "Ipswich", 935, "Suffolk"),
        member("West Somerset", "2016-10", "E07000191", "West Somerset", 933, "Somerset"),
        // A member of another set: ignored.
        AreaMember { area_set: "other".into(), ..member("Derby", "2016-10", "E06000015", "Derby", 831, "Derby") },
    ]
}

fn primary(n: u32, la: i64) -> School {
    let mut s = School::new(urn(n));
    s.name = Some(format!("School {n}"));
    s.la_code = Some(la);
    s.phase = Some("Primary".into());
    s.minor_group = Some("Maintained School".into());
    s.status = Some("Open".into());
    s
}

fn insp(n: u32, date: &str, grade: Grade) -> InspectionRecord {
    InspectionRecord {
        inspection: Inspection { urn: urn(n), date: d(date), judgement: Judgement::new(grade) },
        source: Some(std::sync::Arc::from("ofsted_history.csv")),
    }
}

fn run(rules: &RuleSet, as_of: &str, s: &School, inspections: &[InspectionRecord], lineage: &Lineage) -> Decision {
    let areas = Areas::new(rules, members());
    let names = HashMap::from([(urn(100100), "Old School".to_owned())]);
    let urn = s.urn.expect("urn");
    decide(rules, &areas, d(as_of), Facts { urn, school: s, lineage, inspections, names: &names })
}

fn ofsted(dec: &Decision) -> &Finding {
    dec.findings.iter().find(|f| f.check == Check::Ofsted).expect("ofsted finding")
}

#[test]
fn satisfactory_before_2012_counts_as_grade_3_and_says_so() {
    let s = primary(100001, 890);
    let i = [insp(100001, "2011-05-10", Grade::RequiresImprovement), insp(100001, "2008-01-10", Grade::Good)];
    let dec = run(&rules(), "2017-09-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::Eligible, "{dec:#?}");
    let t = &ofsted(&dec).text;
    assert!(t.contains("Satisfactory (grade 3; Ofsted's name for grade 3 before September 2012)"), "{t}");
    assert!(t.contains("10 May 2011") && t.contains("source: ofsted_history.csv"), "{t}");
    assert_eq!(dec.area.as_deref(), Some("Blackpool"));
}

#[test]
fn a_judgement_after_the_date_is_ignored() {
    let s = primary(100001, 890);
    let i = [insp(100001, "2015-03-01", Grade::RequiresImprovement), insp(100001, "2018-01-15", Grade::Good)];
    let dec = run(&rules(), "2017-09-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::Eligible);
    assert!(ofsted(&dec).text.contains("A later inspection on 15 January 2018 is after 1 September 2017 and not used"));
    let dec = run(&rules(), "2018-02-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::NotEligible, "after the Good inspection");
    assert!(dec.reason().contains("Good (grade 2)"), "{}", dec.reason());
}

#[test]
fn inadequate_with_a_category_of_concern_counts() {
    let s = primary(100001, 890);
    let mut i = insp(100001, "2016-02-01", Grade::Inadequate);
    i.inspection.judgement.concern = Some(Concern::SpecialMeasures);
    let dec = run(&rules(), "2017-09-01", &s, &[i], &Lineage::default());
    assert_eq!(dec.outcome, Outcome::Eligible);
    assert!(ofsted(&dec).text.contains("Inadequate (special measures)"));
}

#[test]
fn the_2024_interim_keeps_the_last_graded_judgement() {
    let s = primary(100001, 890);
    let i = [insp(100001, "2023-06-01", Grade::RequiresImprovement)];
    // Inside the rule's period only up to 2022: use a rule set without an end date and no areas.
    let mut r = rules();
    r.areas.clear();
    let dec = run(&r, "2025-03-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::Eligible);
    assert!(ofsted(&dec).text.contains("stopped giving overall grades on 2 September 2024"));
}

#[test]
fn report_cards_cannot_be_mapped_unless_the_rule_set_says_so() {
    let s = primary(100001, 890);
    let i = [insp(100001, "2023-06-01", Grade::RequiresImprovement)];
    let mut r = rules();
    r.areas.clear();
    let dec = run(&r, "2025-12-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::CannotTell);
    assert!(dec.reason().contains("report cards"), "{}", dec.reason());
    r.ofsted.report_cards = ReportCards::LastGradedStands;
    assert_eq!(run(&r, "2025-12-01", &s, &i, &Lineage::default()).outcome, Outcome::Eligible);
}

fn academy_with_predecessor() -> (School, Lineage) {
    let mut s = primary(140000, 890);
    s.minor_group = Some("Academy".into());
    let links = [EstablishmentLink {
        urn: urn(140000),
        link_urn: urn(100100),
        link_name: Some("Old School".into()),
        link_type: "Predecessor".into(),
        established: None,
    }];
    (s, Lineage::walk(urn(140000), &links))
}

#[test]
fn a_new_academy_inherits_its_predecessors_judgement_and_says_so() {
    let (s, lineage) = academy_with_predecessor();
    let i = [insp(100100, "2014-11-20", Grade::Inadequate)];
    let dec = run(&rules(), "2017-09-01", &s, &i, &lineage);
    assert_eq!(dec.outcome, Outcome::Eligible, "{dec:#?}");
    assert!(dec.inspection.as_ref().is_some_and(|u| u.inherited && u.record.inspection.urn == urn(100100)));
    let t = &ofsted(&dec).text;
    assert!(
        t.contains("URN 140000 has no graded inspection of its own") && t.contains("Old School (URN 100100)"),
        "{t}"
    );

    let mut r = rules();
    r.ofsted.without_own_inspection = NoInspection::CannotTell;
    assert_eq!(run(&r, "2017-09-01", &s, &i, &lineage).outcome, Outcome::CannotTell);
    r.ofsted.without_own_inspection = NoInspection::NotEligible;
    assert_eq!(run(&r, "2017-09-01", &s, &i, &lineage).outcome, Outcome::NotEligible);
}

#[test]
fn no_inspection_anywhere_is_cannot_tell_never_not_eligible() {
    let (s, lineage) = academy_with_predecessor();
    let dec = run(&rules(), "2017-09-01", &s, &[], &lineage);
    assert_eq!(dec.outcome, Outcome::CannotTell);
    assert!(dec.reason().contains("neither have its predecessors"), "{}", dec.reason());
}

#[test]
fn areas_count_from_their_announcement() {
    let mut s = primary(100002, 935);
    s.district_code = Some("E07000202".into());
    let i = [insp(100002, "2015-01-01", Grade::RequiresImprovement)];
    // Ipswich was announced in January 2017.
    let dec = run(&rules(), "2016-12-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::NotEligible);
    assert!(
        dec.reason().contains("Ipswich (E07000202) only became an Opportunity Area on 1 January 2017"),
        "{}",
        dec.reason()
    );
    assert_eq!(run(&rules(), "2017-02-01", &s, &i, &Lineage::default()).outcome, Outcome::Eligible);
    // And stop at the end of the period.
    let dec = run(&rules(), "2022-09-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::NotEligible);
    assert!(dec.reason().contains("stopped counting"), "{}", dec.reason());
}

#[test]
fn a_school_in_a_two_tier_county_needs_its_district() {
    let s = primary(100003, 926); // Norfolk, no district recorded
    let i = [insp(100003, "2015-01-01", Grade::RequiresImprovement)];
    let dec = run(&rules(), "2017-09-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::CannotTell, "{dec:#?}");
    let r = dec.reason();
    assert!(r.contains("Norfolk") && r.contains("Norwich") && r.contains("DistrictAdministrative"), "{r}");

    let mut s2 = s.clone();
    s2.district_name = Some("Norwich".into());
    assert_eq!(run(&rules(), "2017-09-01", &s2, &i, &Lineage::default()).outcome, Outcome::Eligible);
    s2.district_name = Some("Breckland".into());
    assert_eq!(run(&rules(), "2017-09-01", &s2, &i, &Lineage::default()).outcome, Outcome::NotEligible);

    // A school recorded under the district that absorbed West Somerset.
    let mut s3 = primary(100004, 933);
    s3.district_name = Some("Somerset West and Taunton".into());
    let dec = run(&rules(), "2017-09-01", &s3, &[insp(100004, "2015-01-01", Grade::Inadequate)], &Lineage::default());
    assert_eq!(dec.outcome, Outcome::CannotTell);
    assert!(dec.reason().contains("took over West Somerset"), "{}", dec.reason());

    // A Good school in the county is not eligible whatever its district.
    let dec = run(&rules(), "2017-09-01", &s, &[insp(100003, "2015-01-01", Grade::Good)], &Lineage::default());
    assert_eq!(dec.outcome, Outcome::NotEligible);
}

#[test]
fn type_phase_and_status() {
    let i = [insp(100005, "2015-01-01", Grade::RequiresImprovement)];
    let mut s = primary(100005, 890);
    s.phase = Some("Secondary".into());
    assert_eq!(run(&rules(), "2017-09-01", &s, &i, &Lineage::default()).outcome, Outcome::NotEligible);
    s.phase = None;
    assert_eq!(run(&rules(), "2017-09-01", &s, &i, &Lineage::default()).outcome, Outcome::CannotTell);
    let mut s = primary(100005, 890);
    s.type_name = Some("Community special school".into());
    assert_eq!(run(&rules(), "2017-09-01", &s, &i, &Lineage::default()).outcome, Outcome::NotEligible);
    let mut s = primary(100005, 890);
    s.close_date = Some(d("2017-08-31"));
    let dec = run(&rules(), "2017-09-01", &s, &i, &Lineage::default());
    assert_eq!(dec.outcome, Outcome::NotEligible);
    assert!(dec.reason().contains("closed on 31 August 2017"), "{}", dec.reason());
    let mut s = primary(100005, 890);
    s.status = None;
    assert_eq!(run(&rules(), "2017-09-01", &s, &i, &Lineage::default()).outcome, Outcome::CannotTell);
    let mut s = primary(100005, 890);
    s.minor_group = Some("Independent School".into());
    assert_eq!(run(&rules(), "2017-09-01", &s, &i, &Lineage::default()).outcome, Outcome::NotEligible);
}

#[test]
fn a_second_judgement_can_be_required() {
    let mut r = rules();
    r.areas.clear();
    r.ofsted.grades = vec![3];
    r.ofsted.previous_grades = Some(vec![3, 4]);
    let s = primary(100006, 890);
    let stuck = [insp(100006, "2019-01-01", Grade::RequiresImprovement), insp(100006, "2016-01-01", Grade::Inadequate)];
    assert_eq!(run(&r, "2020-01-01", &s, &stuck, &Lineage::default()).outcome, Outcome::Eligible);
    let improving = [insp(100006, "2019-01-01", Grade::RequiresImprovement), insp(100006, "2016-01-01", Grade::Good)];
    assert_eq!(run(&r, "2020-01-01", &s, &improving, &Lineage::default()).outcome, Outcome::NotEligible);
    let once = [insp(100006, "2019-01-01", Grade::RequiresImprovement)];
    assert_eq!(run(&r, "2020-01-01", &s, &once, &Lineage::default()).outcome, Outcome::CannotTell);
}

#[test]
fn possible_las_cover_whole_las_and_counties() {
    let r = rules();
    let areas = Areas::new(&r, members());
    let las: Vec<u16> = areas.possible_las().into_iter().collect();
    assert_eq!(las, vec![890, 926, 933, 935], "Derby belongs to another set");
}

#[test]
fn a_list_known_only_in_part_gives_cannot_tell_beyond_its_known_part() {
    let mut r = rules();
    r.areas.push(AreaRule {
        set: "cat56".into(),
        label: "category 5 or 6 district".into(),
        file: None,
        valid_from: None,
        from_announcement: false,
        valid_to: None,
        alphabetical_through: Some("Luton".into()),
    });
    let cat = |name: &str, code: &str, la: u16, la_name: &str| AreaMember {
        area_set: "cat56".into(),
        ..member(&format!("{name} (category 5)"), "2016-03", code, name, la, la_name)
    };
    let listed = || {
        let mut m = members();
        m.push(cat("Crawley", "E07000226", 938, "West Sussex"));
        m
    };
    let i = [insp(100007, "2015-01-01", Grade::RequiresImprovement)];
    let decide_for = |district: Option<&str>, la_name: Option<&str>, areas: Areas<'_>| {
        let mut s = primary(100007, 999);
        s.district_name = district.map(str::to_owned);
        s.la_name = la_name.map(str::to_owned);
        let names = HashMap::new();
        let lineage = Lineage::default();
        decide(
            &r,
            &areas,
            d("2017-09-01"),
            Facts { urn: urn(100007), school: &s, lineage: &lineage, inspections: &i, names: &names },
        )
    };
    // Before the bound alphabetically: known not to be listed.
    assert_eq!(decide_for(Some("Breckland"), None, Areas::new(&r, listed())).outcome, Outcome::NotEligible);
    // After it: may be on the missing part.
    let dec = decide_for(Some("Mansfield"), None, Areas::new(&r, listed()));
    assert_eq!(dec.outcome, Outcome::CannotTell);
    assert!(dec.reason().contains("comes after Luton"), "{}", dec.reason());
    // No district: cannot tell, unless the LA is itself a single district.
    assert_eq!(decide_for(None, Some("Hampshire"), Areas::new(&r, listed())).outcome, Outcome::CannotTell);
    let areas = Areas::new(&r, listed()).with_single_district_las(["Barnsley".to_owned()]);
    assert_eq!(decide_for(None, Some("Barnsley"), areas).outcome, Outcome::NotEligible);
    // An imported member further on in the alphabet extends the known part.
    let mut more = listed();
    more.push(cat("Wyre", "E07000128", 888, "Lancashire"));
    assert_eq!(decide_for(Some("Mansfield"), None, Areas::new(&r, more)).outcome, Outcome::NotEligible);
}
