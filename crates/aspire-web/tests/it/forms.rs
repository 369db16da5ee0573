//! The form pattern on the forms that use it: every problem at once, linked from the summary to
//! its field, what was typed kept, "Error: " in the title.

use axum::http::StatusCode;

use crate::{Page, app};

#[tokio::test]
async fn an_invitation_with_mistakes_comes_back_with_every_problem_and_what_was_typed() {
    let admin = app().await.as_admin().await;
    let sent = admin
        .post(
            "/people",
            &[("email", "sam at school"), ("name", " "), ("role", "teacher"), ("place", "school"), ("urn", "12")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.body.contains("<title>Error: People"), "{}", sent.body);
    for field in ["email", "name", "urn"] {
        assert!(sent.body.contains(&format!("<a href=\"#{field}\">")), "{field} in the summary: {}", sent.body);
        assert!(sent.body.contains(&format!("id=\"{field}-error\"")), "{field} beside the field");
    }
    assert!(sent.body.contains("value=\"sam at school\""), "kept: {}", sent.body);
    assert!(sent.body.contains("<option value=\"teacher\" selected>"), "the role chosen is kept");
    assert!(!sent.body.contains("sqlx") && !sent.body.contains("error returned from"), "no store text");
    // Nothing was written.
    let people = admin.get("/people?q=sam").await;
    assert!(people.body.contains("No one matches"), "{}", people.body);
}

#[tokio::test]
async fn adding_schools_and_networks_with_mistakes_keeps_what_was_typed() {
    let admin = app().await.as_admin().await;
    let id = aspire_testkit::ProgrammeBuilder::new("Forms").bare().create(&admin.db).await;
    let base = format!("/programmes/{id}");
    let sent = admin.post(&format!("{base}/schools"), &[("urns", "105626 12345, 9x"), ("stage", "applied")]).await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.body.contains("<title>Error: Forms"), "{}", sent.body);
    assert_eq!(sent.body.matches("<li><a href=\"#urns\">").count(), 2, "each bad URN: {}", sent.body);
    assert!(sent.body.contains("105626 12345, 9x</textarea>"), "kept: {}", sent.body);
    assert!(sent.body.contains("<option value=\"applied\" selected>"), "the stage chosen is kept");
    let unknown = admin.post(&format!("{base}/schools"), &[("urns", "105626 999998")]).await;
    assert!(unknown.body.contains("URN 999998 is not in the register"), "{}", unknown.body);
    assert!(admin.db.enrolment(id, aspire_testkit::urn("105626")).await.expect("read").is_none(), "none added");

    assert_eq!(admin.post(&format!("{base}/networks"), &[("name", "North")]).await.status, StatusCode::SEE_OTHER);
    let again = admin.post(&format!("{base}/networks"), &[("name", "North")]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again.body.contains("<a href=\"#network-name\">This programme already has a network called"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn addresses_with_ids_that_are_not_numbers_or_do_not_exist_are_404_pages() {
    let admin = app().await.as_admin().await;
    let public = admin.signed_out();
    for (who, path) in [(&public, "/join/abc"), (&admin, "/programmes/new"), (&admin, "/programmes/99")] {
        let page = who.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("<h1>Page not found</h1>"), "{path}: the site's own page: {}", page.body);
        assert!(!page.body.contains("Invalid URL"), "{path}");
    }
}

#[tokio::test]
async fn giving_a_role_with_mistakes_keeps_what_was_chosen() {
    let admin = app().await.as_admin().await;
    let (id, _) = aspire_testkit::person_with(&admin.db, &[]).await;
    let path = format!("/people/{id}/roles");
    let sent = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "12")]).await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.body.contains("<title>Error: Person "), "{}", sent.body);
    assert!(sent.body.contains("<a href=\"#urn\">"), "{}", sent.body);
    assert!(sent.body.contains("<option value=\"teacher\" selected>"), "kept");
    assert!(sent.body.contains("value=\"12\""), "kept");
    // A school where they hold no role: offered by email, held once they accept it.
    let location = |p: &Page| p.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let offered = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "105626")]).await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    assert!(location(&offered).ends_with("?role=offered"), "{}", location(&offered));
    let person = admin.db.person(id).await.expect("read").expect("person");
    assert!(person.grants.is_empty(), "not held until accepted");
    let mail = admin.db.outbox(10).await.expect("outbox");
    let offer_mail = mail.iter().find(|m| m.subject == "You have been offered a role in Aspire").expect("emailed");
    // Invited, with no password yet: told to set up the account first, not to sign in.
    assert!(offer_mail.body.contains("Your account is not set up yet"), "{}", offer_mail.body);
    let page = admin.get(&location(&offered)).await;
    assert!(page.body.contains("data-testid=\"roles-offered\"") && page.body.contains("is offered to them by email"));
    let again = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "105626")]).await;
    assert!(location(&again).ends_with("?role=on-offer"), "{}", location(&again));
    // Offered by mistake: withdrawn, and told; then offered again.
    let first = admin.db.offers(id).await.expect("offers")[0].id;
    let withdrawn = admin.post(&format!("/people/{id}/offers/{first}/withdraw"), &[]).await;
    assert!(location(&withdrawn).ends_with("?role=withdrawn"), "{}", location(&withdrawn));
    assert!(admin.db.offers(id).await.expect("offers").is_empty());
    let mail = admin.db.outbox(10).await.expect("outbox");
    assert!(mail.iter().any(|m| m.subject == "A role offered to you in Aspire is withdrawn"));
    let twice = admin.post(&format!("/people/{id}/offers/{first}/withdraw"), &[]).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    let offered = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "105626")]).await;
    assert!(location(&offered).ends_with("?role=offered"), "{}", location(&offered));
    // Accepted, a second role at the same school is held at once; the same role again is refused.
    let offer = admin.db.offers(id).await.expect("offers")[0].id;
    admin.db.answer_offer(id, offer, true, None).await.expect("accepted");
    let given = admin.post(&path, &[("role", "senior-leader"), ("place", "school"), ("urn", "105626")]).await;
    assert!(location(&given).ends_with("?role=given"), "{}", location(&given));
    let person = admin.db.person(id).await.expect("read").expect("person");
    assert_eq!(person.grants.len(), 2);
    let again = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "105626")]).await;
    assert!(again.body.contains("<a href=\"#role\">They already hold this role there"), "{}", again.body);
}

#[tokio::test]
async fn signing_in_and_resetting_with_mistakes_say_so_on_the_field_and_never_echo_a_password() {
    let app = app().await;
    let empty = app.post("/sign-in", &[("email", ""), ("password", "")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("<title>Error: Sign in"), "{}", empty.body);
    assert!(empty.body.contains("<a href=\"#email\">Enter your email address</a>"), "{}", empty.body);
    assert!(empty.body.contains("<a href=\"#password\">Enter your password</a>"), "{}", empty.body);
    let wrong = app.post("/sign-in", &[("email", "pat@test.example"), ("password", "hunter2 hunter2")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("<a href=\"#email\">The email address or password is not right"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"pat@test.example\""), "the address is kept");
    assert!(!wrong.body.contains("hunter2"), "a password is never written back into the page");

    let reset = app.post("/password-reset", &[("email", "pat at school")]).await;
    assert_eq!(reset.status, StatusCode::BAD_REQUEST);
    assert!(reset.body.contains("<title>Error: Reset your password"), "{}", reset.body);
    assert!(
        reset.body.contains("<a href=\"#email\">&#39;pat at school&#39; is not an email address"),
        "{}",
        reset.body
    );
    assert!(reset.body.contains("value=\"pat at school\""), "kept");
    assert!(app.db.outbox(10).await.expect("outbox").is_empty(), "nothing sent");
}

#[tokio::test]
async fn choosing_a_password_with_mistakes_names_the_field_and_keeps_the_welcome() {
    use aspire_store::{Actor, TokenPurpose};
    let app = app().await;
    let (id, _) = aspire_testkit::person_with(&app.db, &[]).await;
    let link = app.db.issue_link(&Actor::command_line(), id, TokenPurpose::Invitation, "http://t").await.expect("link");
    let path = format!("/invitation/{}", link.rsplit('/').next().expect("token"));
    let differ = app.post(&path, &[("password", "correct horse battery"), ("confirm", "correct horse")]).await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    assert!(differ.body.contains("<title>Error: Set your password"), "{}", differ.body);
    assert!(differ.body.contains("<a href=\"#confirm\">The two passwords are not the same"), "{}", differ.body);
    assert!(differ.body.contains("Welcome to Aspire"), "still says whose account it is: {}", differ.body);
    assert!(!differ.body.contains("correct horse"), "no password written back");
    let short = app.post(&path, &[("password", "short"), ("confirm", "short")]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.contains("<a href=\"#password\">"), "{}", short.body);
    let done = app.post(&path, &[("password", "correct horse battery"), ("confirm", "correct horse battery")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "the link still works after the mistakes");
}

#[tokio::test]
async fn a_stage_move_with_a_mistake_comes_back_on_its_row_of_the_board() {
    let admin = app().await.as_admin().await;
    let urn = "105626";
    let id = aspire_testkit::ProgrammeBuilder::new("Board").bare().enrol(&[urn]).create(&admin.db).await;
    let stage = format!("/programmes/{id}/schools/{urn}/stage");
    let sent = admin.post(&stage, &[("stage", "withdrawn"), ("reason", " ")]).await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.body.contains("<title>Error: Recruitment: Board"), "{}", sent.body);
    assert!(
        sent.body.contains(&format!("<a href=\"#reason-{urn}\">Say why the school is withdrawing</a>")),
        "{}",
        sent.body
    );
    assert!(sent.body.contains(&format!("id=\"reason-{urn}-error\"")), "beside the field");
    assert!(sent.body.contains("<option value=\"withdrawn\" selected>"), "the stage chosen is kept: {}", sent.body);
    let none = admin.post(&stage, &[("stage", "")]).await;
    assert!(none.body.contains(&format!("<a href=\"#stage-{urn}\">Choose the stage")), "{}", none.body);
    let not_allowed = admin.post(&stage, &[("stage", "enquiry")]).await;
    assert!(not_allowed.body.contains("cannot go from enrolled to enquiry"), "{}", not_allowed.body);
    let e = admin.db.enrolment(id, aspire_testkit::urn(urn)).await.expect("read").expect("enrolled");
    assert_eq!(e.status, aspire_core::recruitment::Stage::Enrolled, "nothing changed");
}

#[tokio::test]
async fn forming_networks_that_cannot_be_formed_says_why_on_the_networks_page() {
    let admin = app().await.as_admin().await;
    let id = aspire_testkit::ProgrammeBuilder::new("Empty").bare().create(&admin.db).await;
    let sent = admin.post(&format!("/programmes/{id}/networks/form"), &[("within", "la")]).await;
    assert_eq!(sent.status, StatusCode::BAD_REQUEST);
    assert!(sent.body.contains("<title>Error: "), "{}", sent.body);
    assert!(sent.body.contains("<a href=\"#within\">No school is enrolled in the programme yet"), "{}", sent.body);
    assert!(sent.body.contains("<option value=\"la\" selected>"), "the boundary is kept: {}", sent.body);
}
