//! A programme made from a template, its areas on the public page, enquiries through the public
//! form (spam trap, rate limit, bad fields), and the programme team's board and export.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::{App, Page, app};

const ANON: &str = "aspire_csrf=abababababababababababababababababababababababababababababababab";
const ANON_TOKEN: &str = "abababababababababababababababababababababababababababababababab";
// An Oldham school of the bundled spine.
const URN: &str = "105626";

/// An anonymous enquiry from a client address (the app trusts the proxy header).
async fn enquire(
    app: &App,
    programme: aspire_core::people::ProgrammeId,
    client: &str,
    fields: &[(&str, &str)],
) -> Page {
    let mut f: Vec<(&str, &str)> = fields.to_vec();
    f.push(("csrf", ANON_TOKEN));
    app.send_raw(
        Request::builder()
            .method("POST")
            .uri(format!("/join/{programme}"))
            .header("cookie", ANON)
            .header("x-forwarded-for", client)
            .header("content-type", "application/x-www-form-urlencoded"),
        Body::from(serde_urlencoded::to_string(&f).expect("form")),
    )
    .await
}

fn good<'a>(urn: &'a str, message: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("urn", urn),
        ("name", "Sam Head"),
        ("email", "sam@school.example"),
        ("role", "Head teacher"),
        ("message", message),
    ]
}

#[tokio::test]
async fn an_enquiry_reaches_the_board_with_its_eligibility_and_moves_through_the_stages() {
    let mut admin = app().await.as_admin().await;
    let config = aspire_web::WebConfig {
        trust_proxy: aspire_web::proxy::TrustedProxies::parse("127.0.0.1").expect("proxy"),
        enquiries_per_hour: 3,
        // The programme below recruits in 2017.
        today: chrono::NaiveDate::from_ymd_opt(2017, 10, 1),
        ..aspire_web::WebConfig::default()
    };
    admin.router = aspire_web::router_with(admin.db.clone(), config);

    // From the TLIF template: the rule set and the end date come from it.
    let made = admin
        .post("/programmes", &[("name", "TLIF Oldham"), ("template", "tlif-2017"), ("starts_on", "2017-11-01")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at = made.headers["location"].to_str().expect("location").to_owned();
    let id: aspire_core::people::ProgrammeId = at.trim_start_matches("/programmes/").parse().expect("id");
    let page = admin.get(&at).await;
    assert!(page.body.contains("tlif-2017") && page.body.contains("2018-07-31"), "{}", page.body);
    for term in ["Autumn 2017", "Spring 2018", "Summer 2018"] {
        assert!(page.body.contains(term), "{term}");
    }
    assert!(page.body.contains("Senior Leaders Network Day") && page.body.contains("Achievement Teams"));
    let no_start = admin.post("/programmes", &[("name", "No start"), ("template", "tlif-2017")]).await;
    assert_eq!(no_start.status, StatusCode::BAD_REQUEST);
    assert!(no_start.body.contains("needs one"), "{}", no_start.body);
    assert!(no_start.body.contains("value=\"No start\""), "what was typed is kept: {}", no_start.body);
    let unknown =
        admin.post("/programmes", &[("name", "Odd"), ("template", "tlif-1999"), ("starts_on", "2017-11-01")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("Choose a template from the list"), "{}", unknown.body);
    // Every problem at once, each linked from the summary to its field, the title marked.
    let many = admin
        .post(
            "/programmes",
            &[("name", " "), ("starts_on", "2017-13-01"), ("ends_on", "2016-01-01"), ("rule_set", "x")],
        )
        .await;
    assert_eq!(many.status, StatusCode::BAD_REQUEST);
    assert!(many.body.contains("<title>Error: Programmes"), "{}", many.body);
    for (field, message) in [
        ("name", "Enter a name for the programme"),
        ("rule_set", "Choose a rule set from the list"),
        ("starts_on", "Enter the start date as a date"),
    ] {
        assert!(many.body.contains(&format!("<a href=\"#{field}\">{message}")), "{field}: {}", many.body);
        assert!(many.body.contains(&format!("id=\"{field}-error\"")), "{field} beside the field");
    }
    assert!(many.body.contains("value=\"2017-13-01\""), "a bad date is kept to be corrected");
    let taken = admin.post("/programmes", &[("name", "TLIF Oldham")]).await;
    assert!(taken.body.contains("There is already a programme called"), "{}", taken.body);

    // Not on the public page until it has areas; a bad line changes nothing.
    assert!(!admin.get("/join").await.body.contains("TLIF Oldham"));
    let bad = admin.post(&format!("/programmes/{id}/areas"), &[("areas", "Oldham: 2\nBradford: three")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("Line 2: &#39;three&#39; is not a number") || bad.body.contains("Line 2: 'three'"),
        "{}",
        bad.body
    );
    assert!(
        admin.db.programme_areas(id, &aspire_core::access::Visible::everything()).await.expect("areas").is_empty(),
        "nothing written"
    );
    assert!(bad.body.contains("Oldham: 2\nBradford: three</textarea>"), "what was typed is kept: {}", bad.body);
    // Every bad line at once.
    let two = admin.post(&format!("/programmes/{id}/areas"), &[("areas", "Oldham: x\nBradford: y")]).await;
    assert!(two.body.contains("Line 1: ") && two.body.contains("Line 2: "), "{}", two.body);
    assert!(two.body.contains("<title>Error: TLIF Oldham"), "{}", two.body);
    let twice = admin.post(&format!("/programmes/{id}/areas"), &[("areas", "Oldham: 2\noldham: 1")]).await;
    assert!(twice.body.contains("Line 2: Oldham is already on line 1"), "the first line is named: {}", twice.body);
    // An area is a local authority or district of the register: a made-up one is refused.
    let made_up = admin.post(&format!("/programmes/{id}/areas"), &[("areas", "Nowhereshire: 2\n353: 1")]).await;
    assert_eq!(made_up.status, StatusCode::BAD_REQUEST);
    assert!(
        made_up.body.contains("Line 1: &#39;Nowhereshire&#39; is not a local authority or district in the register"),
        "{}",
        made_up.body
    );
    assert!(made_up.body.contains("Nowhereshire: 2\n353: 1</textarea>"), "kept: {}", made_up.body);
    assert!(!admin.get("/join").await.body.contains("Nowhereshire"), "never published");
    let set = admin.post(&format!("/programmes/{id}/areas"), &[("areas", "oldham: 2\n354: 1")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    // Stored by code under the register's name, and shown so.
    let coded = admin.db.programme_area_codes(id, &aspire_core::access::Visible::everything()).await.expect("areas");
    let got: Vec<(&str, Option<&str>)> = coded.iter().map(|a| (a.area.as_str(), a.code.as_deref())).collect();
    assert_eq!(got, [("Oldham", Some("353")), ("Rochdale", Some("354"))]);
    let shown = admin.get(&format!("/programmes/{id}")).await;
    assert!(
        shown.body.contains("Oldham <span class=\"muted\">local authority 353; 2 networks planned"),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("Areas to fix"), "{}", shown.body);
    let public = admin_clone(&admin);
    let join = public.get("/join?q=Oldham").await;
    assert!(join.body.contains("TLIF Oldham") && join.body.contains("Autumn 2017") && !join.body.contains("Rochdale"));
    assert!(!public.get("/join?q=Bradford").await.body.contains("TLIF Oldham"));
    let form = public.get(&format!("/join/{id}?urn={URN}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Alexandra Park Junior School") && form.body.contains("name=\"website\""));

    // Bad fields are named and nothing is kept.
    let e = enquire(&admin, id, "10.0.0.1", &good("12345", "")).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(
        e.body.contains("<title>Error: Ask about joining") && e.body.contains("aria-invalid=\"true\""),
        "{}",
        e.body
    );
    assert!(e.body.contains("value=\"Sam Head\""), "what was typed is kept: {}", e.body);
    let mut no_email = good(URN, "");
    no_email[2] = ("email", "sam-at-school");
    let e = enquire(&admin, id, "10.0.0.2", &no_email).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.body.contains("<a href=\"#email\">&#39;sam-at-school&#39; is not an address"), "{}", e.body);
    // Every problem at once, in the order of the form.
    let all_wrong = [("urn", "12"), ("name", " "), ("email", "x"), ("role", ""), ("message", "")];
    let e = enquire(&admin, id, "10.0.0.2", &all_wrong).await;
    let order: Vec<usize> = ["#school", "#name", "#email", "#role"]
        .iter()
        .map(|f| e.body.find(&format!("<a href=\"{f}\">")).expect(f))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", e.body);
    let e = enquire(&admin, id, "10.0.0.2", &good("999998", "")).await;
    assert!(e.body.contains("no school with URN 999998"), "{}", e.body);
    assert!(admin.db.enquiries(id, &aspire_core::access::Visible::everything()).await.expect("list").is_empty());

    // The spam trap: answered as if sent, nothing kept.
    let mut robot = good(URN, "buy now");
    robot.push(("website", "http://spam.example"));
    let e = enquire(&admin, id, "10.0.0.3", &robot).await;
    assert_eq!(e.status, StatusCode::SEE_OTHER);
    let mut robot_bad_urn = good("x", "buy now");
    robot_bad_urn.push(("website", "http://spam.example"));
    let e = enquire(&admin, id, "10.0.0.3", &robot_bad_urn).await;
    assert_eq!((e.status, e.headers["location"].to_str().expect("location")), (StatusCode::SEE_OTHER, "/join"));
    assert!(admin.db.enquiries(id, &aspire_core::access::Visible::everything()).await.expect("list").is_empty());

    // A real enquiry: the school is on the board at the enquiry stage with its eligibility.
    let e = enquire(&admin, id, "10.0.0.4", &good(URN, "We would like to join <b>soon</b>")).await;
    assert_eq!(e.status, StatusCode::SEE_OTHER, "{}", e.body);
    let thanks = public.get(e.headers["location"].to_str().expect("location")).await;
    assert!(thanks.body.contains("has been sent"), "{}", thanks.body);
    let board = admin.get(&format!("/programmes/{id}/recruitment")).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.body.contains("Alexandra Park Junior School") && board.body.contains("Sam Head (Head teacher)"));
    assert!(
        board.body.contains("&#60;b&#62;soon&#60;/b&#62;") || board.body.contains("&lt;b&gt;soon"),
        "the message is shown as text: {}",
        board.body
    );
    assert!(board.body.contains("tlif-2017 version 1, as of 2017-11-01"), "{}", board.body);
    let stored =
        admin.db.enrolment(id, aspire_core::urn::Urn::parse(URN).expect("urn")).await.expect("read").expect("e");
    assert!(stored.eligibility.is_some() && !stored.eligibility_reasons.is_empty(), "{stored:?}");

    // Rate limit: three kept enquiries an hour from one address; mistakes do not count.
    let mut typo = good(URN, "again");
    typo[2] = ("email", "not an address");
    for _ in 0..5 {
        assert_eq!(enquire(&admin, id, "10.0.0.9", &typo).await.status, StatusCode::BAD_REQUEST);
    }
    for _ in 0..3 {
        assert_eq!(enquire(&admin, id, "10.0.0.9", &good(URN, "again")).await.status, StatusCode::SEE_OTHER);
    }
    let limited = enquire(&admin, id, "10.0.0.9", &good(URN, "again")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // The export holds contacts' details: taking it is in the audit log.
    let csv = admin.get(&format!("/programmes/{id}/recruitment.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let log = admin.get("/audit?q=export").await;
    assert!(log.body.contains("export.recruitment_csv"), "{}", log.body);
    let by_action = admin.get("/audit?action=export.recruitment_csv").await;
    assert!(by_action.body.contains("<td>export.recruitment_csv</td>"), "{}", by_action.body);
    assert!(!by_action.body.contains("<td>enquiry.add</td>"), "only that action");
    let mistyped = admin.get("/audit?action=export.everything").await;
    assert_eq!(mistyped.status, StatusCode::BAD_REQUEST);
    assert!(
        mistyped.body.contains("<a href=\"#action\">&#39;export.everything&#39; is not an audit action"),
        "{}",
        mistyped.body
    );
    let dates = admin.get("/audit?q=export&from=2026-02-30&to=yesterday").await;
    assert_eq!(dates.status, StatusCode::BAD_REQUEST);
    assert!(dates.body.contains("<title>Error: Audit log"), "{}", dates.body);
    assert!(
        dates.body.contains("<a href=\"#from\">") && dates.body.contains("<a href=\"#to\">"),
        "both: {}",
        dates.body
    );
    assert!(dates.body.contains("value=\"2026-02-30\"") && dates.body.contains("value=\"export\""), "kept");

    // Stages: a move the pipeline does not allow is refused; withdrawing needs a reason.
    let stage = format!("/programmes/{id}/schools/{URN}/stage");
    let e = admin.post(&stage, &[("stage", "completed")]).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.body.contains("cannot go from enquiry to completed"), "{}", e.body);
    assert_eq!(admin.post(&stage, &[("stage", "applied")]).await.status, StatusCode::SEE_OTHER);
    // Not known to be eligible: enrolling it is confirmed first.
    let warned = admin.post(&stage, &[("stage", "enrolled")]).await;
    assert!(warned.body.contains("Enrol Alexandra Park Junior School, "), "{}", warned.body);
    assert_eq!(admin.post(&stage, &[("stage", "enrolled"), ("confirmed", "yes")]).await.status, StatusCode::SEE_OTHER);
    let e = admin.post(&stage, &[("stage", "withdrawn")]).await;
    assert_eq!(e.status, StatusCode::BAD_REQUEST);
    assert!(e.body.contains("Say why"), "{}", e.body);
    let board = admin.get(&format!("/programmes/{id}/recruitment")).await;
    assert!(board.body.contains("<span class=\"tag\">enrolled</span>"), "{}", board.body);
    assert!(board.body.contains("<option value=\"\" selected>Choose a stage</option>"), "no stage is chosen for you");
    // Withdrawing says what it changes first, and changes nothing until confirmed.
    let asked = admin.post(&stage, &[("stage", "withdrawn"), ("reason", "New head teacher")]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("Withdraw Alexandra Park Junior School?"), "{}", asked.body);
    assert!(asked.body.contains("It no longer counts as taking part"), "{}", asked.body);
    assert!(asked.body.contains("name=\"confirmed\" value=\"yes\""), "{}", asked.body);
    let still = admin.db.enrolment(id, aspire_core::urn::Urn::parse(URN).expect("urn")).await.expect("read");
    assert_eq!(still.expect("e").status, aspire_core::recruitment::Stage::Enrolled, "nothing changed yet");
    let done =
        admin.post(&stage, &[("stage", "withdrawn"), ("reason", "New head teacher"), ("confirmed", "yes")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let gone = admin.db.enrolment(id, aspire_core::urn::Urn::parse(URN).expect("urn")).await.expect("read");
    assert_eq!(gone.expect("e").status, aspire_core::recruitment::Stage::Withdrawn);
    // Back for the rest of this test.
    assert_eq!(admin.post(&stage, &[("stage", "applied")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.post(&stage, &[("stage", "enrolled"), ("confirmed", "yes")]).await.status, StatusCode::SEE_OTHER);

    // A school the team adds is checked against the rule set too.
    assert_eq!(
        admin.post(&format!("/programmes/{id}/schools"), &[("urns", "105627")]).await.status,
        StatusCode::SEE_OTHER
    );
    let added =
        admin.db.enrolment(id, aspire_core::urn::Urn::parse("105627").expect("urn")).await.expect("read").expect("e");
    assert!(added.eligibility.is_some() && added.eligibility_basis.is_some(), "{added:?}");

    // The export: one row per school with stage, eligibility and contact.
    let csv = admin.get(&format!("/programmes/{id}/recruitment.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut lines = csv.body.lines();
    assert!(lines.next().expect("header").starts_with("urn,school,la,stage"));
    let row = lines.next().expect("row");
    assert!(row.starts_with("105626,Alexandra Park Junior School,Oldham,enrolled,"), "{row}");
    assert!(row.contains("sam@school.example"), "{row}");

    // Two years on, the enquirers' details are removed: the board says so, and offers no reply.
    let later = chrono::Utc::now() + chrono::Duration::days(3 * 365);
    aspire_app::join::remove_expired_contacts(&admin.db, later).await.expect("removed");
    let board = admin.get(&format!("/programmes/{id}/recruitment")).await;
    assert!(board.body.contains("data-testid=\"details-removed\""), "{}", board.body);
    assert!(!board.body.contains("sam@school.example"), "{}", board.body);
    let open = admin.db.enquiries(id, &aspire_core::access::Visible::everything()).await.expect("enquiries");
    let q = open.iter().find(|q| q.handled_at.is_none()).expect("an enquiry not yet handled");
    let url = format!("/programmes/{id}/enquiries/{}/handled", q.id);
    let refused = admin.post(&url, &[("reply", "Thank you")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("no reply can be sent: mark it handled without one"), "{}", refused.body);
    assert_eq!(admin.post(&url, &[("reply", "")]).await.status, StatusCode::SEE_OTHER);
}

fn admin_clone(a: &App) -> App {
    a.signed_out()
}
