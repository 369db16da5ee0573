//! Evaluating a cohort: the checks on what is asked, and a programme's eligible schools that
//! did not take part as a comparison group.

use aspire_app::evaluation;
use aspire_core::evaluation::attainment::Settings;
use aspire_core::ks2::Measure;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;
use aspire_store::Comparison;

use aspire_testkit::BUNDLED;

fn year(s: &str) -> AcademicYear {
    AcademicYear::parse(s).expect("year")
}

#[tokio::test]
async fn years_not_held_and_a_window_outside_the_inspections_are_said_before_anything_runs() {
    let t = aspire_testkit::TestDb::sqlite().await.with_files(BUNDLED).await;
    let e = evaluation::check_years(&t.db, &[year("2018/19")], &[year("2015/16")]).await.expect_err("order");
    assert_eq!(e.to_string(), "the baseline (2018/19) must come before the follow-up (2015/16)");
    let e = evaluation::check_years(&t.db, &[year("2015/16")], &[year("2020/21")]).await.expect_err("not held");
    assert!(e.to_string().starts_with("the database has no KS2 results for 2020/21 (it holds 2015/16, "), "{e}");
    let from = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect("date");
    let to = chrono::NaiveDate::from_ymd_opt(2031, 1, 1).expect("date");
    let e = evaluation::inspections_cover(&t.db, from, to).await.expect_err("outside");
    assert!(matches!(e, evaluation::EvaluateError::Outside { .. }), "{e}");
    let e = evaluation::inspections_cover(&t.db, to, from).await.expect_err("reversed");
    assert!(matches!(e, evaluation::EvaluateError::Window { .. }), "{e}");
    t.cleanup().await;
}

#[tokio::test]
async fn a_programme_is_compared_with_the_eligible_schools_that_did_not_take_part() {
    let t = aspire_testkit::TestDb::sqlite().await.with_files(BUNDLED).await;
    let cli = aspire_store::Actor::command_line();
    let p = aspire_testkit::ProgrammeBuilder::new("TLIF 2017 (test)")
        .rule_set("tlif-2017")
        .starts(chrono::NaiveDate::from_ymd_opt(2017, 9, 1))
        .create(&t.db)
        .await;
    let eligible = aspire_app::evaluation::programme_eligible(&t.db, p)
        .await
        .expect("eligibility")
        .expect("a rule set and a start date");
    assert!(eligible.len() > 40, "{}", eligible.len());
    let taking_part: Vec<Urn> = eligible.iter().copied().take(20).collect();
    t.db.enrol(&cli, p, &taking_part, aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
    let withdrew: Vec<Urn> = eligible.iter().copied().skip(20).take(2).collect();
    t.db.enrol(&cli, p, &withdrew, aspire_core::recruitment::Stage::Withdrawn).await.expect("enrol");
    let (id, n) =
        t.db.save_programme_cohort(&aspire_store::Actor::command_line(), "TLIF 2017 schools", p)
            .await
            .expect("save")
            .expect("schools");
    assert_eq!(n, 20, "withdrawn schools are left out");
    let (cohort, members) = t.db.cohort(id).await.expect("read").expect("cohort");
    assert_eq!(cohort.programme, Some(p));
    assert!(cohort.description.as_deref().is_some_and(|d| d.contains("2 that withdrew")));
    let mut query = evaluation::AttainmentQuery {
        cohort: members.clone(),
        programme: None,
        measures: vec![Measure::ReadingProgress],
        comparisons: vec![Comparison::Eligible],
        settings: Settings {
            baseline: vec![year("2015/16"), year("2016/17")],
            followup: vec![year("2017/18"), year("2018/19")],
            replicates: 200,
            seed: 1,
            level: 0.95,
        },
        follow_urn_changes: false,
    };
    // The eligible comparison needs the programme whose schools the cohort is.
    let e = evaluation::attainment(&t.db, &query).await.expect_err("no programme");
    assert!(matches!(e, evaluation::EvaluateError::EligibleNeedsProgramme), "{e}");
    query.programme = Some(p);
    let found = evaluation::attainment(&t.db, &query).await.expect("evaluate");
    let e = found.eligible.as_ref().expect("the eligible comparison");
    assert_eq!((e.schools, e.rule_set.as_str()), (eligible.len(), "tlif-2017"));
    let r = &found.report;
    let c = &r.measures[0].comparisons[0];
    assert_eq!(c.key, "eligible");
    assert_eq!(c.label, "eligible schools that did not take part");
    let d = c.did.as_ref().expect("an estimate");
    assert!(d.n_treated_schools <= 20);
    // The comparison schools are the eligible ones less the cohort: no more than that many.
    assert!(d.n_schools - d.n_treated_schools <= eligible.len() - 20, "{d:?}");
    // A programme without a rule set has no eligible schools to compare with.
    let bare = aspire_testkit::ProgrammeBuilder::new("No rules").bare().create(&t.db).await;
    assert_eq!(aspire_app::evaluation::programme_eligible(&t.db, bare).await.expect("read"), None);
    t.cleanup().await;
}
