//! The public journey: the home page and privacy notice, "networks starting near you", the
//! checker's plain answers, and the enquiry (school chosen by name, every problem at once,
//! limits that count only kept enquiries, the acknowledgement and the team's notice).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Datelike as _;

use aspire_core::access::Visible;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::ACKNOWLEDGEMENT_SUBJECT;
use aspire_store::Actor;
use aspire_testkit::ProgrammeBuilder;

use crate::{App, Page, app};

const TOKEN: &str = "abababababababababababababababababababababababababababababababab";
// Alexandra Park Junior School, Oldham; a Hampshire infant school; Blackpool Gateway Academy.
const OLDHAM: &str = "105626";
const HAMPSHIRE: &str = "115850";

/// A programme still recruiting (starting next September, in Bradford and Oldham) and one that
/// ended in 2018 (same areas).
async fn programmes(app: &App) -> (ProgrammeId, ProgrammeId) {
    let next = chrono::NaiveDate::from_ymd_opt(chrono::Utc::now().year() + 1, 9, 1);
    let open = ProgrammeBuilder::new("Recruiting North").starts(next).area("Bradford", 2).area("Oldham", 1);
    let ended =
        ProgrammeBuilder::new("Ended North").ends(chrono::NaiveDate::from_ymd_opt(2018, 7, 31)).area("Oldham", 1);
    (open.create(&app.db).await, ended.create(&app.db).await)
}

async fn enquire(app: &App, programme: ProgrammeId, client: &str, fields: &[(&str, &str)]) -> Page {
    let mut f: Vec<(&str, &str)> = fields.to_vec();
    f.push(("csrf", TOKEN));
    app.send_raw(
        Request::builder()
            .method("POST")
            .uri(format!("/join/{programme}"))
            .header("cookie", format!("aspire_csrf={TOKEN}"))
            .header("x-forwarded-for", client)
            .header("content-type", "application/x-www-form-urlencoded"),
        Body::from(serde_urlencoded::to_string(&f).expect("form")),
    )
    .await
}

fn filled<'a>(school: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("school", school),
        ("name", "Sam Head"),
        ("email", email),
        ("role", "Head teacher"),
        ("message", "Please call us about Thursday"),
    ]
}

#[tokio::test]
async fn the_home_page_answers_what_who_cost_when_and_how_in_that_order() {
    let app = app().await;
    let (open, _) = programmes(&app).await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let at = |id: &str| home.body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id}: {}", home.body));
    let order: Vec<usize> =
        ["what", "who", "staff", "evidence", "cost", "when", "join"].iter().map(|s| at(s)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in the order schools ask: {order:?}");
    assert!(home.body.contains("Nothing, for an eligible school") && home.body.contains("release its staff"));
    assert!(home.body.contains(&format!("href=\"/join/{open}\">Recruiting North</a>")), "{}", home.body);
    assert!(home.body.contains("Bradford and Oldham") && !home.body.contains("Ended North"), "{}", home.body);
    assert!(!home.body.contains("Graded Ofsted inspections"), "no register counts for the public");
    assert!(home.body.contains("href=\"/privacy\""), "the footer links the privacy notice");

    let privacy = app.get("/privacy").await;
    assert_eq!(privacy.status, StatusCode::OK);
    assert!(privacy.body.contains("removed 2 years after you send the enquiry"), "{}", privacy.body);
    assert!(privacy.body.contains("programmes@aspire.invalid"), "whom to write to");
}

#[tokio::test]
async fn join_lists_only_programmes_still_recruiting_and_finds_networks_near_a_school() {
    let app = app().await;
    let (open, ended) = programmes(&app).await;
    let join = app.get("/join").await;
    assert!(join.body.contains("Recruiting North") && !join.body.contains("Ended North"), "{}", join.body);
    assert!(join.body.contains("mailto:programmes@aspire.invalid"), "the default contact");
    assert_eq!(app.get(&format!("/join/{ended}")).await.status, StatusCode::NOT_FOUND);
    // The team sets the programme's own address on the programme page; a bad one is refused on
    // the form, kept to be corrected, and changes nothing.
    let admin = app.signed_out().as_admin().await;
    let typo = admin.post(&format!("/programmes/{open}/contact"), &[("email", "north at team.example")]).await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    assert!(typo.body.contains("id=\"contact-email-error\"") && typo.body.contains("value=\"north at team.example\""));
    assert!(app.get("/join").await.body.contains("mailto:programmes@aspire.invalid"), "unchanged");
    let set = admin.post(&format!("/programmes/{open}/contact"), &[("email", "north@team.example")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let shown = admin.get(&format!("/programmes/{open}")).await.body;
    assert!(
        shown.contains("<strong>north@team.example</strong>") && !shown.contains("data-testid=\"personal-contact\"")
    );
    // One person's own mailbox is kept, with a warning while it stays.
    admin.post(&format!("/programmes/{open}/contact"), &[("email", "jo.north@gmail.com")]).await;
    let shown = admin.get(&format!("/programmes/{open}")).await.body;
    assert!(shown.contains("one person's own mailbox (gmail.com)"), "{shown}");
    admin.post(&format!("/programmes/{open}/contact"), &[("email", "north@team.example")]).await;
    assert!(app.get("/join").await.body.contains("mailto:north@team.example"), "the programme's own contact");

    // A town, a postcode district and a school's name find the programme through the school's LA.
    for q in ["Keighley", "BD21", "Alexandra+Park+Junior"] {
        let near = app.get(&format!("/join?q={q}")).await;
        assert!(near.body.contains(&format!("data-testid=\"near-{open}\"")), "{q}: {}", near.body);
        assert!(!near.body.contains("Ended North"), "{q}");
        assert!(!near.body.contains("1 schools") && !near.body.contains("Networks are planned where Alexandra"), "{q}");
    }
    // A town or postcode district is read as a place: the programmes near it, no list of schools.
    for q in ["Keighley", "BD21"] {
        let near = app.get(&format!("/join?q={q}")).await;
        assert!(!near.body.contains("data-testid=\"schools-found\""), "{q}: {}", near.body);
        assert!(near.body.contains("Recruiting North plans networks in Bradford"), "{q}: {}", near.body);
    }
    // A school's name lists the open schools it matches, as a list, with the right plural.
    let named = app.get("/join?q=Alexandra+Park+Junior").await;
    assert!(named.body.contains("1 open school matches"), "{}", named.body);
    assert!(named.body.contains("these schools are:") || named.body.contains("this school is:"), "{}", named.body);
    let keighley = app.get("/join?q=Keighley").await;
    assert!(keighley.body.contains("<td>Bradford</td>") && !keighley.body.contains("<td>Oldham</td>"));
    let nowhere = app.get("/join?q=Nowhereville").await;
    assert!(nowhere.body.contains("data-testid=\"no-offers\""), "{}", nowhere.body);
    assert!(nowhere.body.contains("mailto:programmes@aspire.invalid"), "someone to write to");
}

#[tokio::test]
async fn the_checker_answers_for_the_nearest_date_and_speaks_plainly_to_the_public() {
    let app = app().await;
    let (open, _) = programmes(&app).await;
    let far = app.get("/eligibility?q=Alexandra&rules=tlif-2017&as_of=2030-01-01").await;
    assert_eq!(far.status, StatusCode::OK, "{}", far.body);
    assert!(far.body.contains("data-testid=\"date-moved\"") && far.body.contains("31 August 2022"), "{}", far.body);
    assert!(far.body.contains("value=\"2022-08-31\""), "the nearest date on the form");
    assert!(far.body.contains("; open</span>") || far.body.contains("; closed</span>"), "{}", far.body);
    let answer = app.get("/eligibility/142175?rules=tlif-2017&as_of=2030-01-01").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("data-testid=\"date-moved\""), "{}", answer.body);

    // Eligible: straight to the enquiry form of the programme recruiting under these rules.
    let yes = app.get("/eligibility/142175?rules=tlif-2017&as_of=2018-09-01").await;
    assert!(yes.body.contains("Yes: Blackpool Gateway Academy is eligible"), "{}", yes.body);
    assert!(yes.body.contains(&format!("href=\"/join/{open}?urn=142175\"")), "{}", yes.body);
    let form = app.get(&format!("/join/{open}?urn=142175")).await;
    assert!(form.body.contains("data-testid=\"school-chosen\"") && form.body.contains("Blackpool Gateway Academy"));

    // Administrators' notes and file names are for the team only.
    let admin = app.signed_out().as_admin().await;
    let csv =
        admin.get("/programme/eligibility.csv?rules=tlif-2017&as_of=2017-09-01&decision=cannot_tell&la=850").await;
    let urns: Vec<String> =
        csv.body.lines().skip(1).filter_map(|l| l.split(',').next().map(str::to_owned)).take(40).collect();
    let mut noted = 0;
    for urn in &urns {
        let uri = format!("/eligibility/{urn}?rules=tlif-2017&as_of=2017-09-01");
        let public = app.get(&uri).await.body;
        for admin_only in ["Import ", "DistrictAdministrative", ".csv", "source:"] {
            assert!(!public.contains(admin_only), "{urn}: '{admin_only}' reached the public: {public}");
        }
        if admin.get(&uri).await.body.contains("Import ") {
            noted += 1;
        }
    }
    assert!(noted > 0, "the team still sees what to import, for some of {urns:?}");
}

#[tokio::test]
async fn an_enquiry_chooses_its_school_by_name_says_every_problem_and_is_acknowledged_once_a_day() {
    let mut app = app().await;
    app.router = aspire_web::router_with(
        app.db.clone(),
        aspire_web::WebConfig {
            trust_proxy: aspire_web::proxy::TrustedProxies::parse("127.0.0.1").expect("proxy"),
            enquiries_per_hour: 3,
            enquiries_per_school_per_day: 2,
            ..aspire_web::WebConfig::default()
        },
    );
    let (open, _) = programmes(&app).await;
    let everything = Visible::everything();

    // Several schools match: the list to choose from, with every other problem at once.
    let mut wrong = filled("Alexandra", "not an address");
    wrong[1] = ("name", " ");
    let many = enquire(&app, open, "10.1.0.1", &wrong).await;
    assert_eq!(many.status, StatusCode::BAD_REQUEST);
    assert!(many.body.contains("<title>Error: "), "{}", many.body);
    for problem in ["schools match &#39;Alexandra&#39;", "Enter your name", "is not an address we can write to"] {
        assert!(
            many.body.contains(problem) || many.body.contains(&problem.replace("&#39;", "'")),
            "{problem}: {}",
            many.body
        );
    }
    assert!(
        many.body.contains("<select") && many.body.contains(&format!("<option value=\"{OLDHAM}\"")),
        "{}",
        many.body
    );
    assert!(many.body.contains("value=\"Alexandra\"") && many.body.contains("Please call us about Thursday"), "kept");
    let none = enquire(&app, open, "10.1.0.1", &filled("Zzqqxx", "sam@school.example")).await;
    assert!(none.body.contains("No school in the register matches"), "{}", none.body);
    assert!(app.db.enquiries(open, &everything).await.expect("list").is_empty(), "nothing kept");

    // Chosen from the list (or typed as a URN): kept, acknowledged, and the team told.
    let mut chosen = filled("Alexandra", "sam@school.example");
    chosen.push(("urn", OLDHAM));
    let sent = enquire(&app, open, "10.1.0.1", &chosen).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let outbox = app.db.outbox(100).await.expect("outbox");
    let acks: Vec<_> = outbox.iter().filter(|m| m.subject == ACKNOWLEDGEMENT_SUBJECT).collect();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].recipient, "sam@school.example");
    assert!(!acks[0].body.contains("Sam Head") && !acks[0].body.contains("Thursday"), "nothing typed is echoed");
    assert!(
        acks[0].body_for_display("http://aspire.example").contains("http://aspire.example/privacy"),
        "{}",
        acks[0].body
    );
    let notices: Vec<_> = outbox.iter().filter(|m| m.recipient == "programmes@aspire.invalid").collect();
    assert_eq!(notices.len(), 1, "{outbox:?}");
    assert!(notices[0].subject.contains("Alexandra Park Junior School") && notices[0].body.contains("/recruitment"));

    // The same address again the same day: kept and told to the team, not acknowledged again.
    let again = enquire(&app, open, "10.1.0.2", &filled(OLDHAM, "sam@school.example")).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let outbox = app.db.outbox(100).await.expect("outbox");
    assert_eq!(outbox.iter().filter(|m| m.subject == ACKNOWLEDGEMENT_SUBJECT).count(), 1);
    assert_eq!(outbox.iter().filter(|m| m.recipient == "programmes@aspire.invalid").count(), 2);
    // Two a day about one school, from wherever they come.
    let third = enquire(&app, open, "10.1.0.3", &filled(OLDHAM, "other@school.example")).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", third.body);
    assert!(third.body.contains("write to programmes@aspire.invalid"), "{}", third.body);

    // Mistakes do not count towards an address's limit; kept enquiries do.
    for _ in 0..5 {
        let typo = enquire(&app, open, "10.1.0.9", &filled(HAMPSHIRE, "typo")).await;
        assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    }
    let kept = enquire(&app, open, "10.1.0.9", &filled(HAMPSHIRE, "head@hants.example")).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);

    // An honest answer: a Hampshire school is outside the programme's areas.
    let thanks = app.get(kept.headers["location"].to_str().expect("location")).await;
    assert!(thanks.body.contains("data-testid=\"honest-answer\""), "{}", thanks.body);
    assert!(thanks.body.contains("is not in an area where Recruiting North plans networks"), "{}", thanks.body);
    assert!(
        thanks.body.contains("eligible") && thanks.body.contains("From public data")
            || thanks.body.contains("Public data does not settle")
    );
    let oldham = app.get(sent.headers["location"].to_str().expect("location")).await;
    assert!(!oldham.body.contains("is not in an area"), "{}", oldham.body);
}

#[tokio::test]
async fn only_the_sender_is_told_an_enquiry_or_a_request_was_sent() {
    let app = app().await;
    let (open, _) = programmes(&app).await;
    // Nobody has sent anything: the thanks page says so, whatever the URN or token.
    for url in [
        format!("/join/{open}/thanks/{OLDHAM}"),
        format!("/join/{open}/thanks/{OLDHAM}?sent=yes"),
        format!("/join/{open}/thanks/{OLDHAM}?sent={}", "ab".repeat(32)),
    ] {
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{url}: {}", page.body);
        assert!(page.body.contains("Nothing has been sent") && !page.body.contains("has been sent."), "{}", page.body);
    }
    let speak = app.get(&format!("/join/{open}/speak?sent=yes")).await;
    assert!(!speak.body.contains("data-testid=\"request-sent\""), "{}", speak.body);

    // A real enquiry: its redirect opens its own page, not another school's.
    let sent = enquire(&app, open, "10.2.0.1", &filled(OLDHAM, "sam@school.example")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.headers["location"].to_str().expect("location").to_owned();
    let page = app.get(&location).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-testid=\"enquiry-sent\""), "{}", page.body);
    let token = location.split("sent=").nth(1).expect("token");
    let other = app.get(&format!("/join/{open}/thanks/{HAMPSHIRE}?sent={token}")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
}

#[tokio::test]
async fn a_request_to_speak_to_a_head_teacher_reaches_a_volunteer_whose_address_stays_private() {
    use aspire_core::people::{Grant, Role, Scope};
    let app = app().await;
    let (open, _) = programmes(&app).await;
    let speak = format!("/join/{open}/speak");
    assert!(app.get(&speak).await.body.contains("data-testid=\"no-volunteers\""), "nobody has offered yet");

    // A head teacher of a school that took part offers on their account page.
    let taken = aspire_testkit::urn(OLDHAM);
    app.db
        .enrol(&Actor::command_line(), open, &[taken], aspire_core::recruitment::Stage::Enrolled)
        .await
        .expect("enrol");
    let head =
        app.signed_out().signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(taken), false).expect("g")]).await;
    let page = head.get("/account/volunteer").await;
    assert!(page.body.contains("You have not offered"), "{}", page.body);
    assert_eq!(head.post("/account/volunteer", &[("volunteer", "yes")]).await.status, StatusCode::SEE_OTHER);
    assert!(head.get("/account/volunteer").await.body.contains("You have offered to be asked"));
    let teacher =
        app.signed_out().signed_in(&[Grant::new(Role::Teacher, Scope::School(taken), false).expect("g")]).await;
    assert_eq!(teacher.post("/account/volunteer", &[("volunteer", "yes")]).await.status, StatusCode::BAD_REQUEST);
    let volunteers = app.db.head_volunteers().await.expect("volunteers");
    assert_eq!(volunteers.len(), 1);
    let address = volunteers[0].1.clone();

    // The public page never shows the address; a request with mistakes says every one.
    let form = app.get(&speak).await;
    assert!(form.body.contains("Send request") && !form.body.contains(&address), "{}", form.body);
    let mut f = vec![("school", ""), ("name", ""), ("email", "nope"), ("role", "Deputy head"), ("message", "")];
    f.push(("csrf", TOKEN));
    let bad = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri(&speak)
                .header("cookie", format!("aspire_csrf={TOKEN}"))
                .header("content-type", "application/x-www-form-urlencoded"),
            Body::from(serde_urlencoded::to_string(&f).expect("form")),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for problem in ["Enter your school", "Enter your name", "is not an address"] {
        assert!(bad.body.contains(problem), "{problem}: {}", bad.body);
    }
    let ok = [
        ("school", HAMPSHIRE),
        ("name", "Dee Deputy"),
        ("email", "dee@school.example"),
        ("role", "Deputy head"),
        ("message", "How much time did it take?"),
        ("csrf", TOKEN),
    ];
    let sent = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri(&speak)
                .header("cookie", format!("aspire_csrf={TOKEN}"))
                .header("content-type", "application/x-www-form-urlencoded"),
            Body::from(serde_urlencoded::to_string(ok).expect("form")),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let done = app.get(sent.headers["location"].to_str().expect("location")).await;
    assert!(done.body.contains("data-testid=\"request-sent\"") && !done.body.contains(&address));
    let outbox = app.db.outbox(10).await.expect("outbox");
    let to_head: Vec<_> = outbox.iter().filter(|m| m.recipient == address).collect();
    assert_eq!(to_head.len(), 1, "{outbox:?}");
    assert!(to_head[0].body.contains("dee@school.example") && to_head[0].body.contains("How much time"));
    let q =
        aspire_store::AuditQuery { action: Some(aspire_core::audit::AuditAction::HeadRequest), ..Default::default() };
    let log = app.db.audit_log(&Visible::everything(), &q).await.expect("log");
    assert_eq!(log.len(), 1);
    assert!(!format!("{log:?}").contains(&address), "the log names the volunteer, not the address");

    // The privacy notice covers these requests, and the enquiries' removal job removes them too.
    let privacy = app.get("/privacy").await;
    assert!(privacy.body.contains("data-testid=\"speak-privacy\""), "{}", privacy.body);
    let later = chrono::Utc::now() + chrono::Duration::days(3 * 365);
    aspire_app::join::remove_expired_contacts(&app.db, later).await.expect("remove");
    let outbox = app.db.outbox(10).await.expect("outbox");
    let to_head: Vec<_> = outbox.iter().filter(|m| m.recipient == address).collect();
    assert_eq!(to_head.len(), 1, "{outbox:?}");
    assert!(!to_head[0].body.contains("dee@school.example") && !to_head[0].body.contains("How much time"));
}

#[tokio::test]
async fn a_closed_school_is_neither_offered_nor_taken_and_its_successor_is_named() {
    let app = app().await;
    let (open, _) = programmes(&app).await;
    // Barnsbury Infant School closed in 2008; the register links it on to the school open now.
    let by_urn = enquire(&app, open, "10.3.0.1", &filled("125074", "sam@school.example")).await;
    assert_eq!(by_urn.status, StatusCode::BAD_REQUEST, "{}", by_urn.body);
    assert!(by_urn.body.contains("Barnsbury Infant School (URN 125074) closed on 31 August 2008"), "{}", by_urn.body);
    assert!(
        by_urn.body.contains("choose the school that replaced it, Barnsbury Primary School and Nursery (URN 140540)")
    );
    let mut chosen = filled("", "sam@school.example");
    chosen.push(("urn", "125074"));
    let by_choice = enquire(&app, open, "10.3.0.1", &chosen).await;
    assert_eq!(by_choice.status, StatusCode::BAD_REQUEST, "{}", by_choice.body);
    assert!(by_choice.body.contains("closed on 31 August 2008"), "{}", by_choice.body);
    // Searched by name: only the open school is offered, and taken as the one match.
    let by_name = enquire(&app, open, "10.3.0.1", &filled("Barnsbury", "sam@school.example")).await;
    assert_eq!(by_name.status, StatusCode::SEE_OTHER, "{}", by_name.body);
    let everything = Visible::everything();
    let kept = app.db.enquiries(open, &everything).await.expect("list");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].urn.to_string(), "140540");
    // Not filled in from a link either.
    let linked = app.get(&format!("/join/{open}?urn=125074")).await;
    assert!(!linked.body.contains("value=\"125074\""), "{}", linked.body);
}

#[tokio::test]
async fn a_request_to_speak_reaches_only_a_head_of_a_school_that_took_part_in_that_programme() {
    use aspire_core::people::{Grant, Role, Scope};
    let app = app().await;
    let (open, ended) = programmes(&app).await;
    // A head of a school that took part in the ended programme only offers to be asked.
    let taken = aspire_testkit::urn(OLDHAM);
    app.db
        .enrol(&Actor::command_line(), ended, &[taken], aspire_core::recruitment::Stage::Completed)
        .await
        .expect("enrol");
    let head =
        app.signed_out().signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(taken), false).expect("g")]).await;
    assert_eq!(head.post("/account/volunteer", &[("volunteer", "yes")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.db.head_volunteers().await.expect("volunteers").len(), 1);
    // The recruiting programme has no past schools: nobody to ask, and the team offered instead.
    let page = app.get(&format!("/join/{open}/speak")).await;
    assert!(page.body.contains("data-testid=\"no-volunteers\""), "{}", page.body);
    assert!(page.body.contains("took part in Recruiting North") && page.body.contains("mailto:"), "{}", page.body);
    assert!(!page.body.contains("Send request"), "{}", page.body);
}
