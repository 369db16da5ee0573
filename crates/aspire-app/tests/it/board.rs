//! The board's filters and order, and checking the schools without a decision, on both
//! databases.

use aspire_app::board::{self, BoardFilter, BoardSort, CheckError, EligibilityFilter};
use aspire_core::access::Visible;
use aspire_core::eligibility::Outcome;
use aspire_core::recruitment::Stage;
use aspire_store::{Actor, EligibilityCheck};
use aspire_testkit::{ProgrammeBuilder, TestDb, urn};
use chrono::NaiveDate;

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
// Wood Street Infant, Bushy Hill Junior, Hurst Green Infant (Surrey).
const SCHOOLS: [&str; 3] = ["125004", "125009", "125010"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
}

#[tokio::test]
async fn the_board_filters_and_sorts_and_checks_only_the_undecided() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Board").create(db).await;
        db.enrol(&cli, id, &[urn(SCHOOLS[0])], Stage::Applied).await.expect("enrol");
        db.enrol(&cli, id, &[urn(SCHOOLS[1]), urn(SCHOOLS[2])], Stage::Enquiry).await.expect("enrol");
        let kept =
            EligibilityCheck { outcome: Outcome::NotEligible, reasons: vec!["by hand".into()], basis: "b".into() };
        db.set_eligibility(&cli, id, urn(SCHOOLS[2]), &kept).await.expect("set");
        let all = Visible::everything();

        let names = |v: &[aspire_store::Enrolment]| v.iter().map(|e| e.urn.to_string()).collect::<Vec<_>>();
        let by_name = board::schools(db, id, &all, &BoardFilter::default()).await.expect("read");
        assert_eq!(names(&by_name), ["125009", "125010", "125004"], "Bushy, Hurst, Wood");
        let enquiries = BoardFilter { stage: Some(Stage::Enquiry), sort: BoardSort::Eligibility, ..Default::default() };
        let got = board::schools(db, id, &all, &enquiries).await.expect("read");
        assert_eq!(names(&got), ["125010", "125009"], "decided before not checked");
        let unchecked = BoardFilter { eligibility: Some(EligibilityFilter::NotChecked), ..Default::default() };
        assert_eq!(board::schools(db, id, &all, &unchecked).await.expect("read").len(), 2);
        let elsewhere = BoardFilter { la: Some("Oldham".into()), ..Default::default() };
        assert!(board::schools(db, id, &all, &elsewhere).await.expect("read").is_empty());

        let done = board::check_undecided(db, &cli, id, today()).await.expect("check");
        assert_eq!(done.decided + done.left, 2, "{done:?}");
        assert!(done.decided > 0, "{done:?}");
        let again = db.enrolment(id, urn(SCHOOLS[2])).await.expect("read").expect("e");
        assert_eq!(again.eligibility_reasons, ["by hand"], "a kept decision is left alone");
        let decided = db.enrolment(id, urn(SCHOOLS[0])).await.expect("read").expect("e");
        assert!(decided.eligibility_basis.as_deref().is_some_and(|b| b.starts_with("tlif-2017 version ")));
        // Each decision is in the audit log.
        let log = db.audit_actions().await.expect("log");
        assert!(log.contains(&aspire_core::audit::AuditAction::EnrolmentEligibility), "audited");

        // A programme without a rule set is told what to do.
        let bare = ProgrammeBuilder::new("Bare").bare().enrol(&[SCHOOLS[0]]).create(db).await;
        let e = board::check_undecided(db, &cli, bare, today()).await.expect_err("no rules");
        assert!(matches!(e, CheckError::NoRuleSet(_)), "{e:?}");
        assert!(e.to_string().contains("choose one on the programme's page"), "{e}");
        t.cleanup().await;
    }
}
