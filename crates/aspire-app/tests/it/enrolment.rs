//! Adding schools to a programme and moving them through the stages, as the web's "Add
//! schools" and board and `aspire programme enrol|stage` all do it.

use aspire_app::recruitment::{self, EnrolError, EnrolField, EnrolRequest, StageMoveError};
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{Stage, StageError};
use aspire_store::Actor;
use aspire_testkit::{ProgrammeBuilder, TestDb, urn};
use chrono::NaiveDate;

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const SCHOOLS: [&str; 2] = ["125004", "125009"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
}

fn request(urns: &[&str], stage: &str) -> EnrolRequest {
    EnrolRequest { urns: urns.iter().map(|u| (*u).to_owned()).collect(), stage: stage.into() }
}

#[tokio::test]
async fn schools_are_enrolled_at_the_stage_asked_with_their_eligibility_kept() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Guildford").create(db).await;

        let done = recruitment::enrol(db, &cli, id, &request(&[SCHOOLS[0]], ""), today()).await.expect("enrol");
        assert_eq!((done.added, done.already), (1, 0));
        let first = db.enrolment(id, urn(SCHOOLS[0])).await.expect("read").expect("enrolled");
        assert_eq!(first.status, Stage::Enrolled, "an empty stage is enrolled");
        assert!(first.eligibility.is_some(), "the decision is kept");
        assert!(first.eligibility_basis.as_deref().is_some_and(|b| b.starts_with("tlif-2017 version ")));

        // A school already in keeps its stage and its decision; the new one starts where asked.
        let kept = "kept by hand";
        let check = aspire_store::EligibilityCheck {
            outcome: aspire_core::eligibility::Outcome::CannotTell,
            reasons: vec![kept.into()],
            basis: kept.into(),
        };
        db.set_eligibility(&cli, id, urn(SCHOOLS[0]), &check).await.expect("set");
        let done = recruitment::enrol(db, &cli, id, &request(&SCHOOLS, "applied"), today()).await.expect("enrol again");
        assert_eq!((done.added, done.already), (1, 1));
        let first = db.enrolment(id, urn(SCHOOLS[0])).await.expect("read").expect("enrolled");
        assert_eq!((first.status, first.eligibility_basis.as_deref()), (Stage::Enrolled, Some(kept)));
        let second = db.enrolment(id, urn(SCHOOLS[1])).await.expect("read").expect("enrolled");
        assert_eq!(second.status, Stage::Applied);
        assert!(second.eligibility_basis.as_deref().is_some_and(|b| b != kept));

        // A programme without a rule set adds schools without a decision.
        let bare = ProgrammeBuilder::new("Bare").bare().create(db).await;
        recruitment::enrol(db, &cli, bare, &request(&[SCHOOLS[0]], "enquiry"), today()).await.expect("enrol");
        let e = db.enrolment(bare, urn(SCHOOLS[0])).await.expect("read").expect("enrolled");
        assert_eq!((e.status, e.eligibility), (Stage::Enquiry, None));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn every_bad_urn_and_stage_is_named_and_nothing_is_added() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Guildford").create(db).await;
        let problems = |e: EnrolError| match e {
            EnrolError::Invalid(p) => p,
            e => panic!("not a problem with the request: {e}"),
        };

        let e = recruitment::enrol(db, &cli, id, &request(&[SCHOOLS[0], "12345", "9x"], "later"), today())
            .await
            .expect_err("refused");
        let found = problems(e);
        let on = |f: EnrolField| found.iter().filter(|p| p.field == f).map(|p| p.message.as_str()).collect::<Vec<_>>();
        let urns = on(EnrolField::Urns);
        assert_eq!(urns.len(), 2, "each bad URN: {found:?}");
        assert!(urns[0].contains("12345") && urns[1].contains("9x"), "{urns:?}");
        assert_eq!(on(EnrolField::Stage).len(), 1, "{found:?}");

        let e = recruitment::enrol(db, &cli, id, &request(&[SCHOOLS[0], "999998", "999997", "999998"], ""), today())
            .await
            .expect_err("unknown");
        let text = e.to_string();
        let found = problems(e);
        assert_eq!(found.len(), 2, "each unknown URN once: {found:?}");
        assert!(text.contains("URN 999998 is not in the register") && text.contains("URN 999997"), "{text}");

        let e = recruitment::enrol(db, &cli, id, &request(&[" ", ""], ""), today()).await.expect_err("empty");
        assert_eq!(problems(e)[0].message, "enter at least one URN");
        assert!(db.enrolment(id, urn(SCHOOLS[0])).await.expect("read").is_none(), "none added");

        let nowhere = ProgrammeId::new(999);
        let e = recruitment::enrol(db, &cli, nowhere, &request(&SCHOOLS, ""), today()).await.expect_err("none");
        assert!(matches!(e, EnrolError::NoProgramme(p) if p == nowhere), "{e}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_stage_move_is_checked_previewed_and_written() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Guildford").enrol(&SCHOOLS).create(db).await;
        let school = urn(SCHOOLS[0]);

        let e = recruitment::move_stage(db, &cli, id, school, Stage::Withdrawn, Some("  ")).await.expect_err("why");
        assert!(matches!(e, StageMoveError::Stage(StageError::ReasonMissing)), "{e}");
        let e = recruitment::move_stage(db, &cli, id, urn("125025"), Stage::Applied, None).await.expect_err("absent");
        assert_eq!(e.to_string(), "URN 125025 is not enrolled in this programme");

        let preview = recruitment::preview_stage_move(db, id, school, Stage::Withdrawn, Some("New head teacher"))
            .await
            .expect("preview");
        assert_eq!(preview.enrolment.urn, school);
        assert!(preview.changes.iter().any(|c| c == "The reason is kept with it: \"New head teacher\"."));
        assert_eq!(
            db.enrolment(id, school).await.expect("read").expect("there").status,
            Stage::Enrolled,
            "a preview writes nothing"
        );

        recruitment::move_stage(db, &cli, id, school, Stage::Withdrawn, Some("New head teacher")).await.expect("move");
        let after = db.enrolment(id, school).await.expect("read").expect("there");
        assert_eq!((after.status, after.withdrawn_reason.as_deref()), (Stage::Withdrawn, Some("New head teacher")));

        recruitment::move_stage(db, &cli, id, urn(SCHOOLS[1]), Stage::Completed, None).await.expect("complete");
        let e = recruitment::preview_stage_move(db, id, urn(SCHOOLS[1]), Stage::Enrolled, None)
            .await
            .expect_err("completed is final");
        assert!(matches!(e, StageMoveError::Stage(StageError::NotAllowed { .. })), "{e}");
        t.cleanup().await;
    }
}
