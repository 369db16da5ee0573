//! The authorisation matrix: every route, with every role (and signed out), gets the answer the
//! policy promises, and list pages show nothing from outside the viewer's scope. A route added
//! to the application without a row here fails `every_route_has_a_row_in_the_matrix`.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode};

use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_core::urn::Urn;
use aspire_store::Actor;

use crate::{App, Page, app};

/// Who asks. "none" is signed in without any role.
const WHO: &[&str] = &[
    "anon",
    "none",
    "admin",
    "pa",
    "adviser",
    "evaluator",
    "head",
    "senior",
    "strand",
    "tl",
    "afl",
    "atl",
    "teacher",
    "governor",
    "la",
];
const SCHOOL_A: &[&str] = &["head", "senior", "strand", "tl", "afl", "atl", "teacher", "governor"];

// Oldham schools of the bundled spine. Programme 1 (North): A and B in network 1, C and D in
// network 2. Programme 2 (South): E in network 3.
const A: &str = "105626";
const A_NAME: &str = "Alexandra Park Junior School";
const B_NAME: &str = "Beever Primary School";
const C: &str = "105631";
const C_NAME: &str = "Greenacres Primary School";
const E: &str = "105642";

struct World {
    app: App,
    sessions: BTreeMap<&'static str, (String, String)>,
    grants: BTreeMap<&'static str, Vec<Grant>>,
    p1: aspire_core::people::ProgrammeId,
    p2: aspire_core::people::ProgrammeId,
    n1: aspire_core::people::NetworkId,
    n2: aspire_core::people::NetworkId,
    /// A teacher at school A, and one at school E.
    x: aspire_core::people::PersonId,
    y: aspire_core::people::PersonId,
    cohort: i64,
    /// Cohorts made from each programme's schools.
    cohort_p1: i64,
    cohort_p2: i64,
    /// A planned day of network n1.
    day: i64,
}

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

async fn world() -> World {
    let app = app().await;
    let db = &app.db;
    let cli = Actor::command_line();
    let p1 = aspire_testkit::ProgrammeBuilder::new("North 2026").bare().create(db).await;
    let p2 = aspire_testkit::ProgrammeBuilder::new("South 2026").bare().create(db).await;
    db.enrol(&cli, p1, &[urn(A), urn("105627"), urn(C), urn("105638")], aspire_core::recruitment::Stage::Enrolled)
        .await
        .expect("enrol");
    db.enrol(&cli, p2, &[urn(E)], aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
    let n1 = db.create_network(&cli, p1, "North A").await.expect("n1");
    let n2 = db.create_network(&cli, p1, "North B").await.expect("n2");
    let n3 = db.create_network(&cli, p2, "South A").await.expect("n3");
    for (u, n) in [(A, n1), ("105627", n1), (C, n2), ("105638", n2)] {
        db.set_network(&cli, p1, urn(u), Some(n)).await.expect("network");
    }
    db.set_network(&cli, p2, urn(E), Some(n3)).await.expect("network");
    // A Network Day of North A, for its roll.
    let day = aspire_store::NewEvent {
        network: n1,
        kind: "senior-leaders-network-day".into(),
        number: 1,
        term: aspire_core::template::Term { year: 2026, season: aspire_core::template::Season::Autumn },
        held_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 5).expect("date"),
        starts_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        ends_at: chrono::NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
        urn: None,
        adviser: None,
        capacity: None,
    };
    db.save_plan(&cli, p1, &[day]).await.expect("a day");
    let day = db.programme_events(p1, &aspire_core::access::Visible::everything()).await.expect("days")[0].id;
    db.set_programme_areas(&cli, p1, &[aspire_store::ProgrammeArea { area: "Oldham".into(), planned_networks: 2 }])
        .await
        .expect("areas");
    let g = |r: Role, s: Scope| Grant::new(r, s, false).expect("grant");
    let school_a = Scope::School(urn(A));
    let mut grants: BTreeMap<&'static str, Vec<Grant>> = BTreeMap::new();
    grants.insert("none", vec![]);
    grants.insert("admin", vec![g(Role::Admin, Scope::Platform)]);
    grants.insert("pa", vec![g(Role::ProgrammeAdmin, Scope::Programme(p1))]);
    grants.insert("adviser", vec![g(Role::AchievementAdviser, Scope::Network { programme: p1, network: n1 })]);
    grants.insert("evaluator", vec![g(Role::Evaluator, Scope::Programme(p1))]);
    // A local authority officer for Oldham (353), where every school of programme 1 is.
    let oldham = aspire_core::codes::LaCode::parse("353").expect("la");
    grants.insert("la", vec![g(Role::LaOfficer, Scope::LocalAuthority { programme: p1, la: oldham })]);
    for (who, role) in [
        ("head", Role::HeadTeacher),
        ("senior", Role::SeniorLeader),
        ("strand", Role::StrandLead),
        ("tl", Role::TeachingLearningLead),
        ("afl", Role::AflLead),
        ("atl", Role::AchievementTeamLeader),
        ("teacher", Role::Teacher),
        ("governor", Role::Governor),
    ] {
        grants.insert(who, vec![g(role, school_a)]);
    }
    let mut sessions = BTreeMap::new();
    for (who, gs) in &grants {
        sessions.insert(*who, app.session_for(gs).await);
    }
    let x = db
        .add_person(
            &cli,
            &Email::parse("x.teacher@a.example").expect("email"),
            "Xavier Teacher",
            &[g(Role::Teacher, school_a)],
        )
        .await
        .expect("x");
    let y = db
        .add_person(
            &cli,
            &Email::parse("y.teacher@e.example").expect("email"),
            "Yasmin Teacher",
            &[g(Role::Teacher, Scope::School(urn(E)))],
        )
        .await
        .expect("y");
    let cohort = db
        .save_cohort(&aspire_store::Actor::command_line(), "Matrix cohort", None, None, &[urn(A)].into())
        .await
        .expect("cohort");
    let cohort_p1 = db.save_programme_cohort(&cli, "North cohort", p1).await.expect("save").expect("cohort").0;
    let cohort_p2 = db.save_programme_cohort(&cli, "South cohort", p2).await.expect("save").expect("cohort").0;
    World { app, sessions, grants, p1, p2, n1, n2, x, y, cohort, cohort_p1, cohort_p2, day }
}

/// One request the matrix makes, and who may make it.
struct Probe {
    method: &'static str,
    route: &'static str,
    uri: String,
    form: Vec<(String, String)>,
    multipart: Option<String>,
    allowed: Vec<&'static str>,
    /// The route answers 404 to those it refuses: what exists out of their reach is not theirs
    /// to know about.
    hides: bool,
}

fn probe(method: &'static str, route: &'static str, uri: impl Into<String>, allowed: &[&'static str]) -> Probe {
    Probe { method, route, uri: uri.into(), form: Vec::new(), multipart: None, allowed: allowed.to_vec(), hides: false }
}

/// A probe of a route that refuses with 404.
fn hidden(method: &'static str, route: &'static str, uri: impl Into<String>, allowed: &[&'static str]) -> Probe {
    Probe { hides: true, ..probe(method, route, uri, allowed) }
}

fn all_signed_in() -> Vec<&'static str> {
    WHO.iter().copied().filter(|w| *w != "anon").collect()
}

fn with(base: &[&'static str], more: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(more).copied().collect()
}

fn probes(w: &World) -> Vec<Probe> {
    let everyone = WHO.to_vec();
    let signed = all_signed_in();
    let roles: Vec<&str> = signed.iter().copied().filter(|w| *w != "none").collect();
    let (p1, p2, n1, n2, x, y, c) = (w.p1, w.p2, w.n1, w.n2, w.x, w.y, w.cohort);
    let staff_list = ["admin", "pa", "adviser", "evaluator"];
    let evaluation = ["admin", "pa", "evaluator"];
    let p1_view = with(&["admin", "pa", "adviser", "evaluator"], SCHOOL_A);
    // The officer reads the programme and its Oldham schools, but not its networks' pages.
    let p1_la = with(&p1_view, &["la"]);
    let people_view = with(&["admin", "pa", "adviser"], SCHOOL_A);
    let give = ["admin", "pa", "head", "senior"];
    let token = "0".repeat(64);
    let mut v = vec![
        probe("GET", "/", "/", &everyone),
        probe("GET", "/healthz", "/healthz", &everyone),
        probe("GET", "/static/style.css", "/static/style.css", &everyone),
        probe("GET", "/schools", "/schools?q=Oldham", &everyone),
        probe("GET", "/schools.csv", "/schools.csv?la=353", &everyone),
        probe("GET", "/schools/{urn}", format!("/schools/{A}"), &everyone),
        probe("GET", "/imports", "/imports", &everyone),
        probe("GET", "/eligibility", "/eligibility?q=Alexandra", &everyone),
        probe("GET", "/eligibility/{urn}", format!("/eligibility/{A}?rules=tlif-2017&as_of=2017-09-01"), &everyone),
        probe("GET", "/join", "/join?q=Old", &everyone),
        probe("GET", "/join/{id}", format!("/join/{p1}"), &everyone),
        probe("POST", "/join/{id}", format!("/join/{p1}"), &everyone),
        probe("GET", "/join/{id}/thanks/{urn}", format!("/join/{p1}/thanks/{A}"), &everyone),
        probe("GET", "/privacy", "/privacy", &everyone),
        // A feed's token is its only key: anyone may ask, and one never made opens nothing.
        probe("GET", "/calendar/{token}", format!("/calendar/{token}.ics"), &everyone),
        probe("GET", "/join/{id}/speak", format!("/join/{p1}/speak"), &everyone),
        probe("POST", "/join/{id}/speak", format!("/join/{p1}/speak"), &everyone),
        probe("GET", "/account/volunteer", "/account/volunteer", &signed),
        probe("POST", "/account/volunteer", "/account/volunteer", &signed),
        probe("GET", "/sign-in", "/sign-in", &everyone),
        probe("POST", "/sign-in", "/sign-in", &everyone),
        probe("POST", "/sign-out", "/sign-out", &signed),
        probe("GET", "/account", "/account", &signed),
        probe("POST", "/account/offers/{id}", "/account/offers/999999", &signed),
        // Nothing chosen: the account page says so; a feed that is not theirs: not found.
        probe("POST", "/account/feeds", "/account/feeds", &signed),
        probe("POST", "/account/feeds/{id}/revoke", "/account/feeds/999999/revoke", &signed),
        probe("GET", "/invitation/{token}", format!("/invitation/{token}"), &everyone),
        probe("POST", "/invitation/{token}", format!("/invitation/{token}"), &everyone),
        probe("GET", "/password-reset", "/password-reset", &everyone),
        probe("POST", "/password-reset", "/password-reset", &everyone),
        probe("GET", "/password-reset/{token}", format!("/password-reset/{token}"), &everyone),
        probe("POST", "/password-reset/{token}", format!("/password-reset/{token}"), &everyone),
        probe("GET", "/programmes", "/programmes", &roles),
        probe("POST", "/programmes", "/programmes", &["admin"]),
        probe("GET", "/programmes/{id}", format!("/programmes/{p1}"), &p1_la),
        probe("GET", "/programmes/{id}", format!("/programmes/{p2}"), &["admin"]),
        probe("POST", "/programmes/{id}/areas", format!("/programmes/{p1}/areas"), &["admin", "pa"]),
        probe("POST", "/programmes/{id}/areas", format!("/programmes/{p2}/areas"), &["admin"]),
        probe("POST", "/programmes/{id}/contact", format!("/programmes/{p1}/contact"), &["admin", "pa"]),
        probe("POST", "/programmes/{id}/contact", format!("/programmes/{p2}/contact"), &["admin"]),
        probe("GET", "/programmes/{id}/recruitment", format!("/programmes/{p1}/recruitment"), &["admin", "pa"]),
        probe("GET", "/programmes/{id}/recruitment", format!("/programmes/{p2}/recruitment"), &["admin"]),
        probe("GET", "/programmes/{id}/recruitment.csv", format!("/programmes/{p1}/recruitment.csv"), &["admin", "pa"]),
        probe("GET", "/programmes/{id}/recruitment.csv", format!("/programmes/{p2}/recruitment.csv"), &["admin"]),
        probe(
            "POST",
            "/programmes/{id}/enquiries/{enquiry}/handled",
            format!("/programmes/{p1}/enquiries/999999/handled"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/enquiries/{enquiry}/handled",
            format!("/programmes/{p2}/enquiries/999999/handled"),
            &["admin"],
        ),
        probe(
            "POST",
            "/programmes/{id}/recruitment/eligibility",
            format!("/programmes/{p1}/recruitment/eligibility"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/recruitment/eligibility",
            format!("/programmes/{p2}/recruitment/eligibility"),
            &["admin"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/stage",
            format!("/programmes/{p1}/schools/105648/stage"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/stage",
            format!("/programmes/{p2}/schools/{E}/stage"),
            &["admin"],
        ),
        probe("POST", "/programmes/{id}/networks", format!("/programmes/{p1}/networks"), &["admin", "pa"]),
        probe("POST", "/programmes/{id}/networks", format!("/programmes/{p2}/networks"), &["admin"]),
        probe("GET", "/programmes/{id}/networks", format!("/programmes/{p1}/networks"), &["admin", "pa"]),
        probe("GET", "/programmes/{id}/networks", format!("/programmes/{p2}/networks"), &["admin"]),
        probe("POST", "/programmes/{id}/networks/form", format!("/programmes/{p1}/networks/form"), &["admin", "pa"]),
        probe("POST", "/programmes/{id}/networks/form", format!("/programmes/{p2}/networks/form"), &["admin"]),
        probe(
            "POST",
            "/programmes/{id}/networks/publish",
            format!("/programmes/{p1}/networks/publish"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/networks/advisers",
            format!("/programmes/{p1}/networks/advisers"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/networks/{network}/lock",
            format!("/programmes/{p1}/networks/{n1}/lock"),
            &["admin", "pa"],
        ),
        probe("GET", "/programmes/{id}/networks/{network}", format!("/programmes/{p1}/networks/{n1}"), &p1_view),
        probe("GET", "/programmes/{id}/year", format!("/programmes/{p1}/year"), &p1_la),
        probe("GET", "/programmes/{id}/year", format!("/programmes/{p2}/year"), &["admin"]),
        // An empty form: refused at its fields, so nothing is added.
        probe("POST", "/programmes/{id}/year/days", format!("/programmes/{p1}/year/days"), &["admin", "pa"]),
        probe("GET", "/programmes/{id}/doses.csv", format!("/programmes/{p1}/doses.csv"), &evaluation),
        probe("GET", "/programmes/{id}/doses.csv", format!("/programmes/{p2}/doses.csv"), &["admin"]),
        probe("GET", "/programmes/{id}/figures", format!("/programmes/{p1}/figures"), &p1_la),
        probe("GET", "/programmes/{id}/figures", format!("/programmes/{p2}/figures"), &["admin"]),
        // Shown, never saved (no "save"): nothing changes for the rest of the matrix.
        probe("POST", "/programmes/{id}/year/plan", format!("/programmes/{p1}/year/plan"), &["admin", "pa"]),
        // A file naming an LA that does not exist: refused whole, nothing saved.
        probe("POST", "/programmes/{id}/year/terms", format!("/programmes/{p1}/year/terms"), &["admin", "pa"]),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/move",
            format!("/programmes/{p1}/year/999999/move"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/cancel",
            format!("/programmes/{p1}/year/999999/cancel"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/networks/{network}/rename",
            format!("/programmes/{p1}/networks/{n1}/rename"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/networks/{network}/unpublish",
            format!("/programmes/{p1}/networks/{n1}/unpublish"),
            &["admin", "pa"],
        ),
        probe(
            "GET",
            "/programmes/{id}/networks/{network}",
            format!("/programmes/{p1}/networks/{n2}"),
            &["admin", "pa", "evaluator"],
        ),
        probe("POST", "/programmes/{id}/schools", format!("/programmes/{p1}/schools"), &["admin", "pa"]),
        probe("GET", "/programmes/{id}/schools/{urn}", format!("/programmes/{p1}/schools/{A}"), &p1_la),
        probe(
            "GET",
            "/programmes/{id}/schools/{urn}",
            format!("/programmes/{p1}/schools/{C}"),
            &["admin", "pa", "evaluator", "la"],
        ),
        probe("GET", "/programmes/{id}/schools/{urn}", format!("/programmes/{p2}/schools/{E}"), &["admin"]),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/network",
            format!("/programmes/{p1}/schools/{A}/network"),
            &["admin", "pa"],
        ),
        probe("GET", "/programmes/{id}/schools/{urn}/year", format!("/programmes/{p1}/schools/{A}/year"), &p1_la),
        probe(
            "GET",
            "/programmes/{id}/schools/{urn}/year",
            format!("/programmes/{p1}/schools/{C}/year"),
            &["admin", "pa", "evaluator", "la"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/nominate",
            format!("/programmes/{p1}/schools/{A}/year/nominate"),
            &["admin", "pa", "adviser", "head", "senior"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/nominate",
            format!("/programmes/{p1}/schools/{C}/year/nominate"),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/withdraw",
            format!("/programmes/{p1}/schools/{A}/year/withdraw"),
            &["admin", "pa", "adviser", "head", "senior"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/staff",
            format!("/programmes/{p1}/schools/{A}/year/staff"),
            &["admin", "pa", "adviser", "head", "senior"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/staff/{staff}",
            format!("/programmes/{p1}/schools/{A}/year/staff/1"),
            &["admin", "pa", "adviser", "head", "senior"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/reach",
            format!("/programmes/{p1}/schools/{A}/year/reach"),
            &["admin", "pa", "adviser", "head", "senior"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/year/reach",
            format!("/programmes/{p2}/schools/{E}/year/reach"),
            &["admin"],
        ),
        // The roll of North A's day: its adviser and the team, not the schools.
        probe(
            "GET",
            "/programmes/{id}/year/{day}/roll",
            format!("/programmes/{p1}/year/{}/roll", w.day),
            &["admin", "pa", "adviser"],
        ),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/roll",
            format!("/programmes/{p1}/year/{}/roll", w.day),
            &["admin", "pa", "adviser"],
        ),
        probe("GET", "/programmes/{id}/year/{day}/roll", format!("/programmes/{p2}/year/{}/roll", w.day), &[]),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/held",
            format!("/programmes/{p1}/year/{}/held", w.day),
            &["admin", "pa", "adviser"],
        ),
        // A day's page: whoever sees its network; its places: the team; its resources: the
        // team and the network's adviser (an unknown file is their own 404, not a refusal).
        probe("GET", "/programmes/{id}/year/{day}", format!("/programmes/{p1}/year/{}", w.day), &p1_view),
        probe("GET", "/programmes/{id}/year/{day}", format!("/programmes/{p2}/year/{}", w.day), &[]),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/places",
            format!("/programmes/{p1}/year/{}/places", w.day),
            &["admin", "pa"],
        ),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/resources",
            format!("/programmes/{p1}/year/{}/resources", w.day),
            &["admin", "pa", "adviser"],
        ),
        probe(
            "GET",
            "/programmes/{id}/year/{day}/resources/{resource}",
            format!("/programmes/{p1}/year/{}/resources/999999", w.day),
            &p1_view,
        ),
        probe(
            "POST",
            "/programmes/{id}/year/{day}/resources/{resource}/remove",
            format!("/programmes/{p1}/year/{}/resources/999999/remove", w.day),
            &["admin", "pa", "adviser"],
        ),
        probe("GET", "/week", "/week", &signed),
        probe("GET", "/programmes/{id}/joining", format!("/programmes/{p1}/joining"), &["admin", "pa"]),
        probe("GET", "/programmes/{id}/joining", format!("/programmes/{p2}/joining"), &["admin"]),
        probe("GET", "/programmes/{id}/schools/{urn}/joining", format!("/programmes/{p1}/schools/{A}/joining"), &p1_la),
        probe(
            "GET",
            "/programmes/{id}/schools/{urn}/joining",
            format!("/programmes/{p2}/schools/{E}/joining"),
            &["admin"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/joining",
            format!("/programmes/{p1}/schools/{A}/joining"),
            &["admin", "pa", "adviser", "head", "senior"],
        ),
        probe(
            "POST",
            "/programmes/{id}/schools/{urn}/joining",
            format!("/programmes/{p1}/schools/{C}/joining"),
            &["admin", "pa"],
        ),
        probe(
            "GET",
            "/programmes/{id}/la/{code}",
            format!("/programmes/{p1}/la/353"),
            &["admin", "pa", "evaluator", "la"],
        ),
        probe("GET", "/programmes/{id}/la/{code}", format!("/programmes/{p1}/la/850"), &["admin", "pa", "evaluator"]),
        probe("GET", "/programmes/{id}/la/{code}", format!("/programmes/{p2}/la/353"), &["admin"]),
        probe("GET", "/people", "/people", &people_view),
        probe("POST", "/people", "/people", &give),
        probe("POST", "/people/import", "/people/import", &give),
        hidden("GET", "/people/{id}", format!("/people/{x}"), &people_view),
        hidden("GET", "/people/{id}", format!("/people/{y}"), &["admin"]),
        hidden("GET", "/people/{id}", "/people/999999", &[]),
        hidden("GET", "/people/{id}", "/people/abc", &[]),
        hidden("POST", "/people/{id}/roles", format!("/people/{x}/roles"), &give),
        hidden("POST", "/people/{id}/roles/{grant}/remove", format!("/people/{x}/roles/GRANT/remove"), &give),
        // An offer that is not open: the same answer for everyone.
        hidden("POST", "/people/{id}/offers/{offer}/withdraw", format!("/people/{x}/offers/999999/withdraw"), &[]),
        hidden("POST", "/people/{id}/invitation", format!("/people/{x}/invitation"), &give),
        hidden("POST", "/people/{id}/invitation", format!("/people/{y}/invitation"), &["admin"]),
        hidden("POST", "/people/{id}/disabled", format!("/people/{x}/disabled"), &["admin"]),
        // An administrator revokes a person's feed (an unknown one is their own 404).
        probe("POST", "/people/{id}/feeds/{feed}/revoke", format!("/people/{x}/feeds/999999/revoke"), &["admin"]),
        probe("GET", "/audit", "/audit", &["admin", "pa"]),
        probe("GET", "/audit.csv", "/audit.csv", &["admin", "pa"]),
        probe("GET", "/outbox", "/outbox", &["admin", "pa"]),
        probe("GET", "/programme/eligibility", "/programme/eligibility?la=353", &staff_list),
        probe("GET", "/programme/eligibility.csv", "/programme/eligibility.csv?la=353", &staff_list),
        probe("POST", "/programme/eligibility/add", "/programme/eligibility/add", &["admin", "pa"]),
        probe("GET", "/programme/eligibility.xlsx", "/programme/eligibility.xlsx?la=353", &staff_list),
        probe("GET", "/evaluation", "/evaluation", &evaluation),
        hidden("GET", "/evaluation/{id}", format!("/evaluation/{c}"), &evaluation),
        hidden("GET", "/evaluation/{id}/report.csv", format!("/evaluation/{c}/report.csv"), &evaluation),
        hidden("GET", "/evaluation/{id}/report.xlsx", format!("/evaluation/{c}/report.xlsx"), &evaluation),
        hidden("GET", "/evaluation/{id}/report.json", format!("/evaluation/{c}/report.json"), &evaluation),
        // A programme's cohort lives in its programme.
        hidden("GET", "/evaluation/{id}", format!("/evaluation/{}", w.cohort_p1), &evaluation),
        hidden("GET", "/evaluation/{id}", format!("/evaluation/{}", w.cohort_p2), &["admin"]),
        hidden("GET", "/evaluation/{id}/report.csv", format!("/evaluation/{}/report.csv", w.cohort_p2), &["admin"]),
        hidden("GET", "/evaluation/{id}/report.xlsx", format!("/evaluation/{}/report.xlsx", w.cohort_p2), &["admin"]),
        hidden("GET", "/evaluation/{id}/report.json", format!("/evaluation/{}/report.json", w.cohort_p2), &["admin"]),
        // A cohort that does not exist: the same answer as one out of reach.
        hidden("GET", "/evaluation/{id}", "/evaluation/999999", &[]),
    ];
    for p in &mut v {
        p.form = match (p.method, p.route) {
            ("POST", "/sign-in") => vec![("email", "nobody@test.example"), ("password", "not a password at all")],
            ("POST", "/programmes") => vec![("name", "NAME")],
            ("POST", "/join/{id}") => {
                vec![("urn", "105648"), ("name", "NAME"), ("email", "EMAIL"), ("role", "Head teacher"), ("message", "")]
            }
            ("POST", "/programmes/{id}/areas") => vec![("areas", "Oldham: 2")],
            ("POST", "/programmes/{id}/contact") => vec![("email", "team@programme.example")],
            ("POST", "/programmes/{id}/schools/{urn}/stage") => vec![("stage", "applied")],
            ("POST", "/programmes/{id}/networks/{network}/lock") => vec![("locked", "no")],
            // Renamed to the name it has, and asked (not confirmed), so nothing changes.
            ("POST", "/programmes/{id}/networks/{network}/rename") => vec![("name", "North A")],
            ("POST", "/programmes/{id}/networks/advisers") => vec![("email-1", "")],
            ("POST", "/programmes/{id}/networks") => vec![("name", "NAME")],
            ("POST", "/programmes/{id}/schools") => vec![("urns", "105648")],
            // Moved to the network it is in, so that the rest of the matrix sees the same world.
            ("POST", "/programmes/{id}/schools/{urn}/network") => vec![("network", "NETWORK1")],
            ("POST", "/programmes/{id}/schools/{urn}/joining") => vec![("item", "agreement"), ("ticked", "yes")],
            ("POST", "/people") => {
                vec![("email", "EMAIL"), ("name", "New Person"), ("role", "teacher"), ("place", "school"), ("urn", A)]
            }
            ("POST", "/people/{id}/roles") => vec![("role", "ROLE"), ("place", "school"), ("urn", A)],
            ("POST", "/people/{id}/disabled") => vec![("disabled", "no")],
            ("POST", "/account/offers/{id}") => vec![("answer", "accept")],
            ("POST", "/account/volunteer") => vec![("volunteer", "no")],
            ("POST", "/join/{id}/speak") => {
                vec![("urn", "105648"), ("name", "NAME"), ("email", "EMAIL"), ("role", "Head teacher"), ("message", "")]
            }
            ("POST", "/invitation/{token}" | "/password-reset/{token}") => {
                vec![("password", "a long enough password"), ("confirm", "a long enough password")]
            }
            ("POST", "/password-reset") => vec![("email", "nobody@test.example")],
            _ => vec![],
        }
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if p.route == "/people/import" {
            p.multipart = Some(format!("email,name,role,urn\nEMAIL,Listed Person,teacher,{A}\n"));
        }
        if p.route == "/programmes/{id}/year/{day}/resources" {
            // No title: refused by the form, so nothing is added.
            p.multipart = Some("Notes of the day\n".to_owned());
        }
        if p.route == "/programmes/{id}/year/terms" {
            p.multipart = Some(
                "la_code,academic_year,term,starts,ends,half_term_starts,half_term_ends\n999,2017/18,autumn,05/09/2017,20/12/2017,23/10/2017,27/10/2017\n"
                    .to_owned(),
            );
        }
    }
    v
}

/// Sends a probe as `who`, filling in values that must differ per request.
async fn send(w: &World, p: &Probe, who: &str, n: usize) -> Page {
    let (cookie, csrf) = match who {
        "anon" => (format!("aspire_csrf={}", "cd".repeat(32)), "cd".repeat(32)),
        // Signing out ends the session: use a fresh one.
        _ if p.route == "/sign-out" => w.app.session_for(&w.grants[who]).await,
        _ => w.sessions[who].clone(),
    };
    let unique = |s: &str| {
        s.replace("NAME", &format!("{who} {n}"))
            .replace("EMAIL", &format!("new.{who}.{n}@a.example"))
            .replace("ROLE", ["strand-lead", "afl-lead", "teaching-learning-lead", "senior-leader"][n % 4])
            .replace("NETWORK1", &w.n1.to_string())
    };
    let mut uri = p.uri.clone();
    if uri.contains("GRANT") {
        // A role for this request to take away.
        let g = Grant::new(Role::AflLead, Scope::School(urn(A)), false).expect("grant");
        let id = match w.app.db.add_grant(&Actor::command_line(), w.x, &g).await {
            Ok(id) => id,
            Err(_) => {
                w.app
                    .db
                    .person(w.x)
                    .await
                    .expect("x")
                    .expect("x")
                    .grants
                    .iter()
                    .find(|r| r.grant == g)
                    .expect("grant")
                    .id
            }
        };
        uri = uri.replace("GRANT", &id.to_string());
    }
    if let Some(csv) = &p.multipart {
        let b = "XBOUNDARYX";
        let req = Request::builder()
            .method(p.method)
            .uri(&uri)
            .header("cookie", cookie)
            .header("content-type", format!("multipart/form-data; boundary={b}"));
        let body = Body::from(format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"staff.csv\"\r\nContent-Type: text/csv\r\n\r\n{}\r\n--{b}--\r\n",
            unique(csv)
        ));
        return w.app.send_raw(req, body).await;
    }
    let req = Request::builder().method(p.method).uri(&uri).header("cookie", cookie);
    if p.method == "POST" {
        let mut fields: Vec<(String, String)> = p.form.iter().map(|(k, v)| (k.clone(), unique(v))).collect();
        fields.push(("csrf".into(), csrf));
        let req = req.header("content-type", "application/x-www-form-urlencoded");
        w.app.send_raw(req, Body::from(serde_urlencoded::to_string(&fields).expect("form"))).await
    } else {
        w.app.send_raw(req, Body::empty()).await
    }
}

#[tokio::test]
async fn every_route_has_a_row_in_the_matrix() {
    let w = world().await;
    let routes: BTreeSet<(&str, &str)> = aspire_web::route_table().iter().map(|r| (r.method, r.path)).collect();
    let probed: BTreeSet<(&str, &str)> = probes(&w).iter().map(|p| (p.method, p.route)).collect();
    let missing: Vec<_> = routes.difference(&probed).collect();
    assert!(missing.is_empty(), "routes without a row in the authorisation matrix: {missing:?}");
    let stale: Vec<_> = probed.difference(&routes).collect();
    assert!(stale.is_empty(), "matrix rows for routes that no longer exist: {stale:?}");
}

#[tokio::test]
async fn every_role_gets_the_answer_the_policy_promises_on_every_route() {
    let w = world().await;
    let mut wrong = Vec::new();
    for (n, p) in probes(&w).iter().enumerate() {
        for who in WHO {
            let page = send(&w, p, who, n).await;
            let to_sign_in = page.status == StatusCode::SEE_OTHER
                && page
                    .headers
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .is_some_and(|l| l.starts_with("/sign-in?"));
            // Refused is the 404 page for what does not exist where the viewer may not even see
            // the record (on the routes that hide, any 404), 403 where they see it but may not
            // do this to it. An allowed request may still find nothing (an unknown token):
            // that 404 says so in its own words.
            let refused_404 = page.status == StatusCode::NOT_FOUND && page.body.contains("There is no such page");
            let denied = page.status == StatusCode::FORBIDDEN
                || (p.hides && page.status == StatusCode::NOT_FOUND)
                || refused_404
                || to_sign_in;
            let expected = p.allowed.contains(who);
            if page.status.is_server_error() {
                wrong.push(format!("{who} {} {}: {}", p.method, p.uri, page.status));
            } else if expected == denied {
                wrong.push(format!(
                    "{who} {} {}: {} but should be {}",
                    p.method,
                    p.uri,
                    page.status,
                    if expected { "allowed" } else { "refused" }
                ));
            } else if denied && *who == "anon" && !to_sign_in {
                wrong.push(format!("anon {} {}: {} instead of a sign-in redirect", p.method, p.uri, page.status));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn lists_show_nothing_from_outside_the_viewer_scope() {
    let w = world().await;
    let get = |who: &'static str, uri: String| {
        let p = probe("GET", "", uri, &[]);
        let w = &w;
        async move { send(w, &p, who, 0).await.body }
    };
    let programmes = get("pa", "/programmes".into()).await;
    assert!(programmes.contains("North 2026") && !programmes.contains("South 2026"));
    let p1 = format!("/programmes/{}", w.p1);
    let adviser = get("adviser", p1.clone()).await;
    assert!(adviser.contains(A_NAME) && adviser.contains(B_NAME), "the adviser's network");
    assert!(!adviser.contains(C_NAME) && !adviser.contains("North B"), "not the other network: {adviser}");
    let head = get("head", p1.clone()).await;
    assert!(head.contains(A_NAME) && !head.contains(B_NAME) && !head.contains(C_NAME), "{head}");
    // The head teacher sees their network's members, but opens only their own school.
    let network = get("head", format!("/programmes/{}/networks/{}", w.p1, w.n1)).await;
    assert!(network.contains(B_NAME));
    assert!(!network.contains(&format!("/programmes/{}/schools/105627", w.p1)), "no link to another school's record");
    for who in ["head", "adviser", "teacher"] {
        let people = get(who, "/people".into()).await;
        assert!(people.contains("x.teacher@a.example"), "{who}");
        assert!(!people.contains("y.teacher@e.example"), "{who} sees a teacher of another programme");
    }
    let audit = get("pa", "/audit".into()).await;
    assert!(audit.contains(&format!("{}/{A}", w.p1)));
    assert!(!audit.contains(&format!("{}/{E}", w.p2)), "no audit entries of another programme");
    let csv = get("pa", "/audit.csv".into()).await;
    assert!(!csv.contains(&format!("{}/{E}", w.p2)));
    for who in ["pa", "evaluator"] {
        let cohorts = get(who, "/evaluation".into()).await;
        assert!(cohorts.contains(&format!("/evaluation/{}\"", w.cohort_p1)), "{who}: {cohorts}");
        assert!(!cohorts.contains(&format!("/evaluation/{}\"", w.cohort_p2)), "{who} sees programme 2's cohort");
        assert!(cohorts.contains(&format!("/evaluation/{}\"", w.cohort)), "a cohort of public data");
    }
    // Out of reach and missing read the same, so that ids reveal nothing.
    let other = send(&w, &probe("GET", "", format!("/evaluation/{}", w.cohort_p2), &[]), "evaluator", 0).await;
    let missing = send(&w, &probe("GET", "", "/evaluation/999999", &[]), "evaluator", 0).await;
    assert_eq!((other.status, missing.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    let body = |p: &Page| p.body.replace(&w.cohort_p2.to_string(), "ID").replace("999999", "ID");
    assert_eq!(body(&other), body(&missing));
    // People likewise: someone outside the head teacher's school reads like no one at all.
    let other = send(&w, &probe("GET", "", format!("/people/{}", w.y), &[]), "head", 0).await;
    let missing = send(&w, &probe("GET", "", "/people/999999", &[]), "head", 0).await;
    assert_eq!((other.status, missing.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    let body = |p: &Page| p.body.replace(&w.y.to_string(), "ID").replace("999999", "ID");
    assert_eq!(body(&other), body(&missing));
    // Programmes too: another programme's page reads like one that does not exist, and so does
    // an id that is not a number.
    let other = send(&w, &probe("GET", "", format!("/programmes/{}", w.p2), &[]), "pa", 0).await;
    let missing = send(&w, &probe("GET", "", "/programmes/999999", &[]), "pa", 0).await;
    let malformed = send(&w, &probe("GET", "", "/programmes/new", &[]), "pa", 0).await;
    assert_eq!(
        (other.status, missing.status, malformed.status),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    let body = |p: &Page| p.body.replace(&w.p2.to_string(), "ID").replace("999999", "ID").replace("new", "ID");
    assert_eq!(body(&other), body(&missing));
    assert_eq!(body(&malformed), body(&missing));
    assert!(missing.body.contains("Page not found"), "the site's own page: {}", missing.body);
    // What the viewer can see but may not change is refused with the reason.
    let read_only = send(&w, &probe("POST", "", format!("/programmes/{}/areas", w.p1), &[]), "evaluator", 0).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN, "{}", read_only.body);
}

/// A handler cannot skip the check on the record its address names: every route under a
/// programme has its guard find the record and ask the policy before the handler runs.
#[test]
fn every_route_that_names_a_programme_record_is_checked_by_its_guard() {
    use aspire_web::auth::Access;
    let unchecked: Vec<String> = aspire_web::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/programmes/{id}") && !matches!(r.access, Access::At(..)))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(unchecked.is_empty(), "routes whose record's place is not checked before the handler: {unchecked:?}");
    assert!(aspire_web::route_table().iter().filter(|r| matches!(r.access, Access::At(..))).count() >= 15);
}

/// The guard answers an address whose record does not exist, or sits outside the viewer's
/// scope, before any handler runs, with the same 404 page.
#[tokio::test]
async fn the_guard_answers_missing_and_out_of_scope_records_alike() {
    let w = world().await;
    let (p1, p2) = (w.p1, w.p2);
    let n3 = w.app.db.networks(p2, &aspire_core::access::Visible::everything()).await.expect("networks")[0].id;
    // A network of another programme, a school not in it, a programme that does not exist,
    // and one the programme admin has no role in.
    for uri in [
        format!("/programmes/{p1}/networks/{n3}"),
        format!("/programmes/{p1}/schools/999998"),
        "/programmes/99999/recruitment".to_owned(),
        format!("/programmes/{p2}/recruitment"),
        format!("/programmes/{p1}/networks/abc"),
    ] {
        let page = send(&w, &probe("GET", "", uri.clone(), &[]), "pa", 0).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}: {}", page.body);
        assert!(page.body.contains("There is no such page"), "{uri}: {}", page.body);
    }
}
