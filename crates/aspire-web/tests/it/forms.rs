//! The form pattern on the forms that use it: every problem at once, linked from the summary to
//! its field, what was typed kept, "Error: " in the title.

use axum::http::StatusCode;

use crate::app;

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
    let given = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "105626")]).await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    let again = admin.post(&path, &[("role", "teacher"), ("place", "school"), ("urn", "105626")]).await;
    assert!(again.body.contains("<a href=\"#role\">They already hold this role there"), "{}", again.body);
}
