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
