//! The programme team's board: filters and sorting kept in the address and in the CSV, the
//! next stage offered first, a warning before enrolling a school not known to be eligible, and
//! checking the schools that have no decision.

use axum::http::StatusCode;

use aspire_core::eligibility::Outcome;
use aspire_core::recruitment::Stage;
use aspire_store::{Actor, EligibilityCheck};
use aspire_testkit::{ProgrammeBuilder, urn};

use crate::app;

// Oldham (the spine) and Surrey (GIAS).
const OLDHAM: &str = "105626";
const SURREY: [&str; 2] = ["125004", "125009"];

fn check(outcome: Outcome, reason: &str) -> EligibilityCheck {
    EligibilityCheck { outcome, reasons: vec![reason.into()], basis: "tlif-2017 version 1, as of 2017-11-01".into() }
}

#[tokio::test]
async fn the_board_filters_sorts_and_warns_before_enrolling_a_school_not_known_to_be_eligible() {
    let admin = app().await.as_admin().await;
    let db = &admin.db;
    let cli = Actor::command_line();
    let id = ProgrammeBuilder::new("Board").create(db).await;
    db.enrol(&cli, id, &[urn(OLDHAM)], Stage::Enquiry).await.expect("enquiry");
    db.enrol(&cli, id, &[urn(SURREY[0])], Stage::Applied).await.expect("applied");
    db.enrol(&cli, id, &[urn(SURREY[1])], Stage::Applied).await.expect("applied");
    db.set_eligibility(&cli, id, urn(SURREY[0]), &check(Outcome::NotEligible, "Judged Good: not 3 or 4."))
        .await
        .expect("decision");
    db.set_eligibility(&cli, id, urn(OLDHAM), &check(Outcome::Eligible, "In Oldham.")).await.expect("decision");
    let board = format!("/programmes/{id}/recruitment");

    // Everything, by name; the next stage along is chosen for each school.
    let all = admin.get(&board).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body.contains("Showing 3 of 3 schools."), "{}", all.body);
    let order = |body: &str| -> Vec<usize> {
        ["Alexandra Park Junior School", "Bushy Hill Junior School", "Wood Street Infant School"]
            .iter()
            .map(|n| body.find(&format!(">{n}</a>")).unwrap_or(usize::MAX))
            .collect()
    };
    let o = order(&all.body);
    assert!(o[0] < o[1] && o[1] < o[2], "by name: {o:?}");
    let select = |body: &str, u: &str| -> String {
        let at = body.find(&format!("id=\"stage-{u}\"")).expect("the row's select");
        body[at..].split("</select>").next().expect("select").to_owned()
    };
    assert!(select(&all.body, OLDHAM).contains("<option value=\"applied\" selected>"), "enquiry: applied next");
    assert!(select(&all.body, SURREY[0]).contains("<option value=\"enrolled\" selected>"), "applied: enrolled next");

    // One LA and one stage, sorted by eligibility: the filters stay in the links and the CSV.
    let q = "?stage=applied&la=Surrey&sort=eligibility";
    let some = admin.get(&format!("{board}{q}")).await;
    assert_eq!(some.status, StatusCode::OK, "{}", some.body);
    assert!(some.body.contains("Showing 2 of 3 schools."), "{}", some.body);
    assert!(!some.body.contains(">Alexandra Park Junior School</a>"), "Oldham is filtered out");
    let o = order(&some.body);
    assert!(o[2] < o[1], "not eligible before not checked: {o:?}");
    assert!(some.body.contains("<option value=\"Surrey\" selected>Surrey</option>"), "{}", some.body);
    let kept = "?stage=applied&#38;la=Surrey&#38;sort=eligibility";
    assert!(some.body.contains(&format!("recruitment.csv{kept}\"")), "the CSV link keeps them: {}", some.body);
    assert!(some.body.contains(&format!("/schools/{}/stage{kept}\"", SURREY[0])), "so do the moves");
    let csv = admin.get(&format!("/programmes/{id}/recruitment.csv{q}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let rows: Vec<&str> = csv.body.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", csv.body);
    assert!(rows[0].starts_with(SURREY[0]) && rows[1].starts_with(SURREY[1]), "{}", csv.body);
    let none = admin.get(&format!("{board}?eligibility=not_checked&stage=enquiry")).await;
    assert!(none.body.contains("No school matches these filters."), "{}", none.body);

    // A filter that is not one is named, for the page and for the CSV.
    let bad = admin.get(&format!("{board}?stage=done&sort=size")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("<a href=\"#stage\">&#39;done&#39; is not a stage"), "{}", bad.body);
    assert!(bad.body.contains("<a href=\"#sort\">&#39;size&#39; is not an order"), "{}", bad.body);
    assert_eq!(
        admin.get(&format!("/programmes/{id}/recruitment.csv?eligibility=maybe")).await.status,
        StatusCode::BAD_REQUEST
    );

    // Enrolling a school that is not eligible warns first and changes nothing until confirmed.
    let stage = format!("/programmes/{id}/schools/{}/stage{q}", SURREY[0]);
    let asked = admin.post(&stage, &[("stage", "enrolled")]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("Enrol Wood Street Infant School, which is not eligible?"), "{}", asked.body);
    assert!(asked.body.contains("Judged Good: not 3 or 4."), "the reasons: {}", asked.body);
    assert_eq!(db.enrolment(id, urn(SURREY[0])).await.expect("read").expect("e").status, Stage::Applied);
    let done = admin.post(&stage, &[("stage", "enrolled"), ("confirmed", "yes")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let back = done.headers["location"].to_str().expect("location");
    assert_eq!(back, format!("{board}?stage=applied&la=Surrey&sort=eligibility#school-{}", SURREY[0]));
    assert_eq!(db.enrolment(id, urn(SURREY[0])).await.expect("read").expect("e").status, Stage::Enrolled);
    // An undecided school warns too; an eligible one is enrolled at once.
    let asked = admin.post(&format!("/programmes/{id}/schools/{}/stage", SURREY[1]), &[("stage", "enrolled")]).await;
    assert!(asked.body.contains("whose eligibility has not been checked"), "{}", asked.body);
    let stage = format!("/programmes/{id}/schools/{OLDHAM}/stage");
    assert_eq!(admin.post(&stage, &[("stage", "enrolled")]).await.status, StatusCode::SEE_OTHER);

    // An enrolled school is offered no default: completing is chosen, never preset.
    let all = admin.get(&board).await;
    assert!(select(&all.body, OLDHAM).contains("<option value=\"\" selected>Choose a stage</option>"));
    assert!(!select(&all.body, OLDHAM).contains("value=\"completed\" selected"));

    // "Check eligibility" decides the school without a decision, and leaves the others alone.
    assert!(all.body.contains("1 school has no eligibility decision yet."), "{}", all.body);
    let checked = admin.post(&format!("/programmes/{id}/recruitment/eligibility"), &[]).await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER, "{}", checked.body);
    let e = db.enrolment(id, urn(SURREY[1])).await.expect("read").expect("e");
    assert!(e.eligibility.is_some() && e.eligibility_basis.is_some(), "{e:?}");
    let kept = db.enrolment(id, urn(SURREY[0])).await.expect("read").expect("e");
    assert_eq!(kept.eligibility_reasons, ["Judged Good: not 3 or 4."], "a decision kept is not redone");
    assert!(!admin.get(&board).await.body.contains("no eligibility decision yet"));
}

#[tokio::test]
async fn an_enquiry_is_marked_handled_with_the_team_s_reply_sent_and_audited() {
    let admin = app().await.as_admin().await;
    let db = &admin.db;
    let cli = Actor::command_line();
    let id = ProgrammeBuilder::new("Replies").create(db).await;
    let contact = aspire_core::recruitment::EnquiryContact::check("Sam Head", "sam@school.example", "Head", "Hello")
        .expect("contact");
    let new = aspire_store::NewEnquiry { urn: urn(OLDHAM), contact };
    let first = db.record_enquiry(&cli, id, &new, None).await.expect("enquiry");
    let second = db.record_enquiry(&cli, id, &new, None).await.expect("enquiry");
    let board = format!("/programmes/{id}/recruitment");
    let page = admin.get(&board).await;
    assert!(page.body.contains(&format!("action=\"/programmes/{id}/enquiries/{first}/handled\"")), "{}", page.body);

    // Too long: said on its row, what was typed kept, nothing sent.
    let long = "x".repeat(4001);
    let handled = format!("/programmes/{id}/enquiries/{first}/handled");
    let e = admin.post(&handled, &[("reply", &long)]).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.body.contains(&format!("<a href=\"#reply-{first}\">Shorten the reply to at most 4000")), "{}", e.body);
    assert!(e.body.contains(&long), "kept");
    assert!(db.outbox(10).await.expect("outbox").is_empty());

    // A reply: sent through the outbox, shown as text on the board, the enquiry handled once.
    let reply = "Thank you <b>Sam</b>.\r\nWe will call on Monday.";
    let done = admin.post(&format!("{handled}?stage=enquiry"), &[("reply", reply)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.headers["location"], format!("{board}?stage=enquiry#enquiry-{first}").as_str());
    let sent = db.outbox(10).await.expect("outbox");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].recipient.as_str(), sent[0].subject.as_str()),
        ("sam@school.example", "Your enquiry about Replies")
    );
    assert!(sent[0].body.contains("Thank you <b>Sam</b>.\nWe will call on Monday."), "{}", sent[0].body);
    assert!(sent[0].body.contains("about Alexandra Park Junior School"), "{}", sent[0].body);
    let page = admin.get(&board).await;
    assert!(page.body.contains("Thank you &#60;b&#62;Sam&#60;/b&#62;."), "escaped: {}", page.body);
    assert!(!page.body.contains(&format!("/enquiries/{first}/handled")), "no second form");
    let again = admin.post(&handled, &[("reply", "again")]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("marked handled already"), "{}", again.body);
    assert_eq!(db.outbox(10).await.expect("outbox").len(), 1, "sent once");

    // Without a reply: handled, nothing sent. Each is in the audit log.
    let other = format!("/programmes/{id}/enquiries/{second}/handled");
    assert_eq!(admin.post(&other, &[("reply", "  ")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(db.outbox(10).await.expect("outbox").len(), 1);
    let log = admin.get("/audit?action=enquiry.handle").await;
    assert_eq!(log.body.matches("<td>enquiry.handle</td>").count(), 2, "{}", log.body);
    assert_eq!(
        admin.post(&format!("/programmes/{id}/enquiries/99999/handled"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_programme_whose_rule_set_does_not_cover_its_dates_is_warned_about_on_creation_and_its_page() {
    let admin = app().await.as_admin().await;
    // tlif-2017 answers from 2016-10-01 to 2022-08-31.
    let made = admin
        .post("/programmes", &[("name", "Late TLIF"), ("template", "tlif-2017"), ("starts_on", "2024-09-01")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = admin.get(made.headers["location"].to_str().expect("location")).await;
    assert!(page.body.contains("data-testid=\"rule-set-warning\""), "{}", page.body);
    assert!(
        page.body.contains("answers only from 2016-10-01 to 2022-08-31, but the programme runs from 2024-09-01"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Choose a rule set whose period covers the programme"), "what to do");
    let fine = admin
        .post("/programmes", &[("name", "TLIF on time"), ("template", "tlif-2017"), ("starts_on", "2017-11-01")])
        .await;
    let at = fine.headers["location"].to_str().expect("location").to_owned();
    let page = admin.get(&at).await;
    assert!(!page.body.contains("rule-set-warning"), "{}", page.body);

    // An area kept as free text from before areas had codes is listed for the team to fix.
    let id = at.trim_start_matches("/programmes/");
    admin
        .db
        .execute_admin(&format!(
            "INSERT INTO programme_areas (programme_id, area, planned_networks) VALUES ({id}, 'Nowhereshire', 2)"
        ))
        .await
        .expect("an old row");
    let page = admin.get(&at).await;
    assert!(
        page.body.contains("<strong>Areas to fix:</strong> 'Nowhereshire' is not a local authority"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn schools_ticked_on_the_eligible_list_are_added_to_a_programme_and_every_bad_choice_is_named() {
    let admin = app().await.as_admin().await;
    let db = &admin.db;
    let id = ProgrammeBuilder::new("From the list").create(db).await;
    let list = admin.get("/programme/eligibility?rules=tlif-2017&as_of=2017-11-01&decision=all&la=353").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("data-testid=\"add-to-programme\""), "{}", list.body);
    assert!(list.body.contains(&format!("<option value=\"{id}\">From the list</option>")), "{}", list.body);
    assert!(list.body.contains(&format!("name=\"urns\" value=\"{OLDHAM}\"")), "{}", list.body);

    fn send<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut f = vec![("rules", "tlif-2017"), ("as_of", "2017-11-01"), ("decision", "all"), ("la", "353")];
        f.extend_from_slice(extra);
        f
    }
    // Nothing ticked, no programme: both said at once, the list shown again.
    let none = admin.post("/programme/eligibility/add", &send(&[("stage", "enquiry")])).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(none.body.contains("<a href=\"#add-urns\">Tick at least one school to add"), "{}", none.body);
    assert!(none.body.contains("<a href=\"#add-programme\">Choose the programme"), "{}", none.body);
    assert!(none.body.contains("<title>Error: Eligible schools"), "{}", none.body);
    // A URN the register does not know is named; the ticks are kept; nothing is added.
    let programme = id.to_string();
    let programme = programme.as_str();
    let bad = admin
        .post(
            "/programme/eligibility/add",
            &send(&[("urns", OLDHAM), ("urns", "999999"), ("programme", programme), ("stage", "enquiry")]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("URN 999999 is not in the register"), "{}", bad.body);
    assert!(bad.body.contains(&format!("value=\"{OLDHAM}\" id=\"add-{OLDHAM}\" checked")), "{}", bad.body);
    assert!(db.enrolment(id, urn(OLDHAM)).await.expect("read").is_none(), "all or nothing");
    let elsewhere = admin
        .post("/programme/eligibility/add", &send(&[("urns", OLDHAM), ("programme", "999"), ("stage", "enquiry")]))
        .await;
    assert!(elsewhere.body.contains("Choose a programme from the list"), "{}", elsewhere.body);

    // Added at the stage chosen, with its decision, and off to the board.
    let done = admin
        .post("/programme/eligibility/add", &send(&[("urns", OLDHAM), ("programme", programme), ("stage", "applied")]))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.headers["location"], format!("/programmes/{id}/recruitment").as_str());
    let e = db.enrolment(id, urn(OLDHAM)).await.expect("read").expect("added");
    assert_eq!(e.status, Stage::Applied);
    assert!(e.eligibility.is_some(), "{e:?}");

    // Enrolling a school the programme's rule set does not find eligible asks first.
    let ineligible =
        admin.get("/programme/eligibility?rules=tlif-2017&as_of=2017-11-01&decision=not_eligible&la=353").await;
    let marker = "name=\"urns\" value=\"";
    let at = ineligible.body.find(marker).expect("a school not eligible") + marker.len();
    let other = ineligible.body[at..at + 6].to_owned();
    let enrol = send(&[("urns", other.as_str()), ("programme", programme), ("stage", "enrolled")]);
    let asked = admin.post("/programme/eligibility/add", &enrol).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("Enrol schools not found eligible?") && asked.body.contains(&format!("({other})")));
    assert!(asked.body.contains("not eligible under tlif-2017"), "{}", asked.body);
    assert!(db.enrolment(id, urn(&other)).await.expect("read").is_none(), "nothing added yet");
    let mut yes = enrol.clone();
    yes.push(("confirmed", "yes"));
    let done = admin.post("/programme/eligibility/add", &yes).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(db.enrolment(id, urn(&other)).await.expect("read").expect("added").status, Stage::Enrolled);
}
