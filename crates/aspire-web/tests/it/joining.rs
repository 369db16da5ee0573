//! The joining checklist on the web: a head teacher ticks a step and the team's summary shows
//! it; a local authority officer, given the role on the People page, sees their authority's
//! schools in the programme and nothing of another's.

use axum::http::StatusCode;

use aspire_core::people::{Grant, Role, Scope};
use aspire_testkit::urn;

use crate::app;

// Oldham (353) schools of the bundled spine, and a Hampshire (850) one of the GIAS extract.
const A: &str = "105626";
const A_NAME: &str = "Alexandra Park Junior School";
const B: &str = "105627";
const HANTS: &str = "115850";
const HANTS_NAME: &str = "Alton Infant School";

#[tokio::test]
async fn a_head_ticks_a_step_and_the_team_summary_shows_it() {
    let admin = app().await.as_admin().await;
    let db = &admin.db;
    let id = aspire_testkit::ProgrammeBuilder::new("Joining 2026").bare().enrol(&[A, B]).create(db).await;
    let head =
        admin.signed_out().signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn(A)), false).expect("g")]).await;

    let account = head.get("/account").await;
    let link = format!("/programmes/{id}/schools/{A}/joining");
    assert!(account.body.contains(&link), "the head's account page leads to the checklist: {}", account.body);
    let page = head.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("0 of 6 steps done"), "{}", page.body);
    assert!(page.body.contains("Mark as done"));

    let done = head.post(&link, &[("item", "data-sharing"), ("ticked", "yes")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = head.get(&link).await;
    assert!(page.body.contains("Ticked by signed.in"), "who ticked it is shown: {}", page.body);
    // A step the platform sees cannot be ticked by hand, and the answer says why.
    let refused = head.post(&link, &[("item", "contacts"), ("ticked", "yes")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("ticked from the platform"), "{}", refused.body);
    // Another school's checklist is not the head's.
    let other = head.get(&format!("/programmes/{id}/schools/{B}/joining")).await;
    assert!(other.status == StatusCode::NOT_FOUND || other.status == StatusCode::FORBIDDEN);

    let summary = admin.get(&format!("/programmes/{id}/joining")).await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    assert!(summary.body.contains(A_NAME));
    let row = summary.body.split(A_NAME).nth(1).and_then(|r| r.split("</tr>").next()).expect("row");
    assert_eq!(row.matches("done</span>").count(), 1, "one step done for the head's school: {row}");
    assert!(summary.body.contains("Data-sharing agreement accepted</td><td class=\"num\">1 of 2"), "{}", summary.body);
    assert!(admin.get(&format!("/programmes/{id}")).await.body.contains(&format!("/programmes/{id}/joining")));
}

#[tokio::test]
async fn an_officer_sees_their_authoritys_schools_and_not_another_authoritys() {
    let admin = app().await.as_admin().await;
    let db = &admin.db;
    let id = aspire_testkit::ProgrammeBuilder::new("Two places").bare().enrol(&[A, HANTS]).create(db).await;
    let other = aspire_testkit::ProgrammeBuilder::new("Elsewhere").bare().enrol(&[HANTS]).create(db).await;
    let pa = admin
        .signed_out()
        .signed_in(&[Grant::new(Role::ProgrammeAdmin, Scope::Programme(id), false).expect("g")])
        .await;

    // The team gives the role on the People page, choosing the authority from the programme's.
    let people = pa.get("/people").await;
    let place = format!("la:{id}:850");
    assert!(people.body.contains(&place), "the authority is offered: {}", people.body);
    let given = pa
        .post(
            "/people",
            &[("email", "officer@hants.example"), ("name", "Olu Officer"), ("role", "la-officer"), ("place", &place)],
        )
        .await;
    assert!(given.status.is_redirection() || given.status == StatusCode::OK, "{}: {}", given.status, given.body);
    let person = db
        .people(&aspire_core::access::Visible::everything(), None)
        .await
        .expect("people")
        .into_iter()
        .find(|p| p.email.as_str() == "officer@hants.example")
        .expect("invited");
    let g = person.grants[0].grant;
    assert_eq!(g.role, Role::LaOfficer);
    // A programme admin of another programme cannot give it there.
    let refused = pa
        .post(
            "/people",
            &[
                ("email", "x@hants.example"),
                ("name", "X"),
                ("role", "la-officer"),
                ("place", &format!("la:{other}:850")),
            ],
        )
        .await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER);
    assert!(refused.body.contains("cannot") || refused.body.contains("not"), "{}", refused.body);

    let officer = admin.signed_out().signed_in(&[g]).await;
    let page = officer.get(&format!("/programmes/{id}/la/850")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(HANTS_NAME) && !page.body.contains(A_NAME), "{}", page.body);
    assert!(page.body.contains("Hampshire"));
    assert!(!page.body.contains("@"), "no one's address: {}", page.body);
    let oldham = officer.get(&format!("/programmes/{id}/la/353")).await;
    assert!(matches!(oldham.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", oldham.status);
    assert!(!oldham.body.contains(A_NAME));
    let programme = officer.get(&format!("/programmes/{id}")).await;
    assert!(programme.body.contains(HANTS_NAME) && !programme.body.contains(A_NAME), "{}", programme.body);
    let elsewhere = officer.get(&format!("/programmes/{other}/la/850")).await;
    assert!(matches!(elsewhere.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND));
    for refused in ["/people", "/audit", &format!("/programmes/{id}/recruitment")] {
        let p = officer.get(refused).await;
        assert!(matches!(p.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{refused}: {}", p.status);
    }
    let account = officer.get("/account").await;
    assert!(account.body.contains(&format!("/programmes/{id}/la/850")), "{}", account.body);
    assert!(account.body.contains("Hampshire (850) in "), "the authority by its name: {}", account.body);
    // Each school's record opens from the authority's page.
    let at = page.body.find(&format!("href=\"/programmes/{id}/schools/")).expect("a link to a school's record");
    let link: String = page.body[at + 6..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(officer.get(&link).await.status, StatusCode::OK, "{link}");
}
