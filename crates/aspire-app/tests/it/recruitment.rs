//! The eligibility decision kept with a school that enquires or is added to a programme, as the
//! web's enquiry form, the web's "Add schools" and `aspire programme enrol` all make it.

use aspire_app::recruitment::eligibility_checks;
use aspire_testkit::{ProgrammeBuilder, TestDb, urn};
use chrono::NaiveDate;

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const SCHOOL: &str = "125004";

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

#[tokio::test]
async fn a_decision_is_as_of_the_programme_start_or_the_nearest_day_the_rule_set_answers_for() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let today = day("2024-01-01");
        let on_time = ProgrammeBuilder::new("On time").create(db).await;
        let early = ProgrammeBuilder::new("Early").starts(Some(day("2000-09-01"))).create(db).await;
        let bare = ProgrammeBuilder::new("Bare").bare().create(db).await;
        let read = |id| async move { db.programme(id).await.expect("read").expect("programme") };

        let checks = eligibility_checks(db, &read(on_time).await, &[urn(SCHOOL)], today).await.expect("checks");
        let [(u, check)] = checks.as_slice() else { panic!("one decision: {checks:?}") };
        assert_eq!(*u, urn(SCHOOL));
        assert!(check.basis.starts_with("tlif-2017 version ") && check.basis.ends_with("as of 2017-11-01"));
        assert!(!check.reasons.iter().any(|r| r.starts_with("The rule set answers only")), "{:?}", check.reasons);

        let checks = eligibility_checks(db, &read(early).await, &[urn(SCHOOL)], today).await.expect("checks");
        let moved = &checks[0].1;
        assert!(!moved.basis.ends_with("as of 2000-09-01"), "{}", moved.basis);
        assert!(
            moved.reasons[0].starts_with("The rule set answers only from ")
                && moved.reasons[0].ends_with("not the programme start 2000-09-01."),
            "the first reason says the date moved: {:?}",
            moved.reasons
        );

        assert!(eligibility_checks(db, &read(bare).await, &[urn(SCHOOL)], today).await.expect("checks").is_empty());
        t.cleanup().await;
    }
}
