//! Giving roles from the People page offers only what the giver may give, where they may give
//! it, so that no choice on the form ends in a refusal.

use axum::http::StatusCode;

use aspire_core::people::{Grant, Role, Scope};

use crate::app;

/// Wood Street Infant School, in the bundled GIAS extract.
const SCHOOL: &str = "125004";

#[tokio::test]
async fn a_head_is_offered_only_the_roles_they_may_give_in_their_own_school() {
    let site = app().await;
    let own = Scope::School(aspire_testkit::urn(SCHOOL));
    let head = site.signed_out().signed_in(&[Grant::new(Role::HeadTeacher, own, false).expect("grant")]).await;
    let page = head.get("/people").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for role in Role::ALL {
        let offered = body.contains(&format!("<option value=\"{}\"", role.code()));
        assert_eq!(offered, role.is_school_role(), "{role:?} offered: {offered}");
    }
    assert!(
        body.contains(&format!(
            "<option value=\"school:{SCHOOL}\">Your school: Wood Street Infant School (URN {SCHOOL})"
        )),
        "{body}"
    );
    assert!(!body.contains("A school (give its URN)") && !body.contains("id=\"urn\""), "no other school to type");
    assert!(!body.contains("pupil-level data"), "the pupil-data permission is not theirs to give");
    // The staff list's help speaks of what a head can use: their school's roles, no programmes.
    assert!(!body.contains("Achievement Advisers)") && body.contains("(your school's URN)"), "{body}");
    assert!(body.contains("The roles you can give are: ") && body.contains("teacher"), "{body}");
    // A role left unchosen is said in words, not as a list of codes.
    let unchosen = head
        .post(
            "/people",
            &[("email", "a@school.example"), ("name", "A"), ("role", ""), ("place", &format!("school:{SCHOOL}"))],
        )
        .await;
    assert!(
        unchosen.body.contains("Choose a role from the list") && !unchosen.body.contains("head-teacher,"),
        "{}",
        unchosen.body
    );

    // Each choice works: a teacher is invited to the head's school, and the head sees them.
    let sent = head
        .post(
            "/people",
            &[
                ("email", "new.teacher@school.example"),
                ("name", "Nia Teacher"),
                ("role", "teacher"),
                ("place", &format!("school:{SCHOOL}")),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let to = sent.headers["location"].to_str().expect("location").to_owned();
    let person = head.get(&to).await;
    assert_eq!(person.status, StatusCode::OK, "no dead end: {}", person.body);
    assert!(person.body.contains("Nia Teacher"));
    // A role sent by hand that the form does not offer is refused on the form, not a dead end.
    let refused = head
        .post(
            "/people",
            &[
                ("email", "x@school.example"),
                ("name", "X"),
                ("role", "programme-admin"),
                ("place", &format!("school:{SCHOOL}")),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("error-summary") && refused.body.contains("value=\"x@school.example\""),
        "{}",
        refused.body
    );

    // The team is offered every role (a programme's where there is one), any school by URN, and
    // the pupil-data permission.
    aspire_testkit::ProgrammeBuilder::new("Roles").create(&site.db).await;
    let admin = site.signed_out().as_admin().await;
    let body = admin.get("/people").await.body;
    // A local authority officer is offered only where a programme has schools in an authority,
    // and this one has none.
    let offered = |r: &Role| body.contains(&format!("<option value=\"{}\"", r.code()));
    assert!(Role::ALL.iter().filter(|r| **r != Role::LaOfficer).all(offered), "{body}");
    assert!(!offered(&Role::LaOfficer), "no authority to give it in: {body}");
    assert!(body.contains("A school (give its URN)") && body.contains("pupil-level data"));
}

/// The outbox shows the service's own pages at the address it runs at, and the command it
/// suggests names that address (the database too, when the server knows it).
#[tokio::test]
async fn the_outbox_shows_real_addresses_and_a_command_that_matches_the_server() {
    let admin = app().await.as_admin().await;
    let sent = admin
        .post(
            "/people",
            &[
                ("email", "new.head@school.example"),
                ("name", "Nia Head"),
                ("role", "head-teacher"),
                ("place", "school"),
                ("urn", SCHOOL),
            ],
        )
        .await;
    assert!(sent.status.is_success() || sent.status.is_redirection(), "{}", sent.body);
    let outbox = admin.get("/outbox").await;
    assert_eq!(outbox.status, StatusCode::OK);
    assert!(!outbox.body.contains("(this service&#39;s address)") && !outbox.body.contains("(this service's address)"));
    assert!(outbox.body.contains("user link EMAIL --public-url http://127.0.0.1:8080"), "{}", outbox.body);
}

/// A programme's team reads the emails to the people of its programme, and no others.
#[tokio::test]
async fn a_programme_team_reads_the_outbox_of_its_own_people() {
    let site = app().await;
    let db = site.db.clone();
    let ours = aspire_testkit::ProgrammeBuilder::new("Ours").enrol(&[SCHOOL]).create(&db).await;
    aspire_testkit::ProgrammeBuilder::new("Theirs").enrol(&["125009"]).create(&db).await;
    let at = |u: &str| Grant::new(Role::Teacher, Scope::School(aspire_testkit::urn(u)), false).expect("grant");
    let (_, ours_email) = aspire_testkit::person_with(&db, &[at(SCHOOL)]).await;
    let (_, theirs_email) = aspire_testkit::person_with(&db, &[at("125009")]).await;
    for to in [&ours_email, &theirs_email] {
        db.request_password_reset(to.as_str(), None).await.expect("a reset email");
    }
    let team = Grant::new(Role::ProgrammeAdmin, Scope::Programme(ours), false).expect("grant");
    let pa = site.signed_out().signed_in(&[team]).await;
    let page = pa.get("/outbox").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (ours_to, theirs_to) = (format!("To {ours_email}"), format!("To {theirs_email}"));
    assert!(page.body.contains(&ours_to) && !page.body.contains(&theirs_to), "{}", page.body);
    assert!(page.body.contains("You see those to the people of your programmes"), "{}", page.body);
    assert!(page.body.contains("reminders") && !page.body.contains("user link EMAIL"), "{}", page.body);
    let admin = site.signed_out().as_admin().await.get("/outbox").await;
    assert!(admin.body.contains(&ours_to) && admin.body.contains(&theirs_to));
}

/// An offer that has since become impossible (its owner was made an adviser of the programme)
/// says why on the account page, with only Decline.
#[tokio::test]
async fn an_offer_that_cannot_be_accepted_says_why_and_offers_only_decline() {
    let site = app().await;
    let db = site.db.clone();
    let cli = aspire_store::Actor::command_line();
    let p = aspire_testkit::ProgrammeBuilder::new("Advised").enrol(&[SCHOOL, "125009"]).create(&db).await;
    let (person, _) = aspire_testkit::person_with(&db, &[]).await;
    let strand = Grant::new(Role::StrandLead, Scope::School(aspire_testkit::urn(SCHOOL)), false).expect("grant");
    db.offer_grant(&cli, person, &strand).await.expect("offered");
    let network = db.create_network(&cli, p, "Guildford").await.expect("network");
    let advise = Grant::new(Role::AchievementAdviser, Scope::Network { programme: p, network }, false).expect("g");
    db.add_grant(&cli, person, &advise).await.expect("an adviser now");
    let s = db.start_session(person, &aspire_store::SignInPolicy::default()).await.expect("session");
    let owner = crate::App { session: Some((format!("aspire_session={}", s.token), s.csrf)), ..site.signed_out() };
    let page = owner.get("/account").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("It cannot be yours: you are an Achievement Adviser in Advised"), "{}", page.body);
    assert!(!page.body.contains("value=\"accept\"") && page.body.contains("value=\"decline\""), "{}", page.body);
}
