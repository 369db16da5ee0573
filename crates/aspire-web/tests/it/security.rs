//! Signing in over HTTP, password guessing slowed then stopped, forged forms refused, and
//! stored script payloads shown as text on every page that shows free text.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_core::urn::Urn;
use aspire_store::{Actor, TokenPurpose};

use crate::{App, app};

const ANON: &str = "aspire_csrf=abababababababababababababababababababababababababababababababab";
const ANON_TOKEN: &str = "abababababababababababababababababababababababababababababababab";

async fn sign_in(app: &App, email: &str, password: &str, client: &str) -> crate::Page {
    let body =
        serde_urlencoded::to_string([("email", email), ("password", password), ("csrf", ANON_TOKEN)]).expect("form");
    app.send_raw(
        Request::builder()
            .method("POST")
            .uri("/sign-in")
            .header("cookie", ANON)
            .header("x-forwarded-for", client)
            .header("content-type", "application/x-www-form-urlencoded"),
        Body::from(body),
    )
    .await
}

async fn person_with_password(app: &App, email: &str, grants: &[Grant]) {
    let cli = Actor::command_line();
    let id = app.db.add_person(&cli, &Email::parse(email).expect("email"), "Pat Person", grants).await.expect("person");
    let link = app.db.issue_link(&cli, id, TokenPurpose::Invitation, "http://t").await.expect("link");
    let token = link.rsplit('/').next().expect("token");
    app.db
        .set_password_with_link(token, TokenPurpose::Invitation, "correct horse battery", None)
        .await
        .expect("password");
}

#[tokio::test]
async fn signing_in_sets_a_session_cookie_that_opens_pages_and_signing_out_ends_it() {
    let app = app().await;
    person_with_password(&app, "admin@test.example", &[Grant::new(Role::Admin, Scope::Platform, false).expect("g")])
        .await;
    let page = app.get("/sign-in").await;
    assert!(
        page.headers["set-cookie"].to_str().expect("cookie").starts_with("aspire_csrf="),
        "an anonymous CSRF cookie"
    );
    assert!(page.body.contains("name=\"csrf\""));

    let ok = sign_in(&app, "admin@test.example", "correct horse battery", "10.0.0.1").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let set = ok.headers["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(set.starts_with("aspire_session=") && set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    assert!(!set.contains("Secure"), "plain HTTP in tests");
    let cookie = set.split(';').next().expect("cookie").to_owned();
    let people = app.send_raw(Request::builder().uri("/people").header("cookie", cookie.clone()), Body::empty()).await;
    assert_eq!(people.status, StatusCode::OK);
    assert_eq!(people.headers["cache-control"], "no-store");
    assert!(people.body.contains("Sign out"));

    // Signing out needs the session's CSRF token, found in the page's sign-out form.
    let csrf = people.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.get(..64)).expect("csrf").to_owned();
    let out = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri("/sign-out")
                .header("cookie", cookie.clone())
                .header("content-type", "application/x-www-form-urlencoded"),
            Body::from(format!("csrf={csrf}")),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = app.send_raw(Request::builder().uri("/people").header("cookie", cookie), Body::empty()).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
    assert!(after.headers["location"].to_str().expect("location").starts_with("/sign-in?next=%2Fpeople"));

    // HTTPS deployments mark the cookie Secure.
    let secure = aspire_web::router_with(app.db.clone(), aspire_web::WebConfig::for_url("https://aspire.example.org"));
    let res = tower::ServiceExt::oneshot(
        secure,
        Request::builder()
            .method("POST")
            .uri("/sign-in")
            .header("cookie", ANON)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("email=admin%40test.example&password=correct+horse+battery&csrf={ANON_TOKEN}")))
            .expect("request"),
    )
    .await
    .expect("response");
    assert!(res.headers()["set-cookie"].to_str().expect("cookie").contains("; Secure"));
}

/// The test's own connections (from 127.0.0.1) are a trusted proxy.
fn proxies() -> aspire_web::proxy::TrustedProxies {
    aspire_web::proxy::TrustedProxies::parse("127.0.0.1").expect("proxy")
}

/// Behind a proxy that reports client addresses, so that tests can come from many.
async fn behind_proxy() -> App {
    behind_proxy_with(aspire_store::SignInPolicy::default()).await
}

async fn behind_proxy_with(sign_in: aspire_store::SignInPolicy) -> App {
    let mut app = app().await;
    let config = aspire_web::WebConfig { trust_proxy: proxies(), sign_in, ..aspire_web::WebConfig::default() };
    app.router = aspire_web::router_with(app.db.clone(), config);
    app
}

#[tokio::test]
async fn guessing_is_slowed_per_client_and_answers_the_same_for_unknown_addresses() {
    let app = behind_proxy().await;
    person_with_password(&app, "head@test.example", &[]).await;
    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..8 {
        let p = sign_in(&app, "head@test.example", &format!("guess number {i}"), "10.1.0.1").await;
        if p.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(p.headers.contains_key("retry-after"));
            assert!(p.body.contains("wait"), "{}", p.body);
        }
        real.push(p.status.as_u16());
        unknown
            .push(sign_in(&app, "nobody@test.example", &format!("guess number {i}"), "10.1.0.1").await.status.as_u16());
    }
    assert_eq!(real, [401, 401, 401, 401, 429, 429, 429, 429], "slowed, not locked");
    assert_eq!(unknown, real, "the same answers for an address without an account");
    // The owner, elsewhere, signs in.
    let right = sign_in(&app, "head@test.example", "correct horse battery", "10.1.1.1").await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
}

#[tokio::test]
async fn an_attack_from_many_places_locks_the_account_and_emails_its_owner() {
    let policy = aspire_store::SignInPolicy { attack_failures: 10, ..aspire_store::SignInPolicy::default() };
    let app = behind_proxy_with(policy).await;
    person_with_password(&app, "head@test.example", &[]).await;
    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..12 {
        // From many addresses, as a botnet would.
        let from = format!("10.2.0.{i}");
        real.push(sign_in(&app, "head@test.example", &format!("guess {i}"), &from).await.status.as_u16());
        unknown.push(sign_in(&app, "nobody@test.example", &format!("guess {i}"), &from).await.status.as_u16());
    }
    assert_eq!(real[..10], [401; 10], "{real:?}");
    assert_eq!(real[10..], [423, 423], "{real:?}");
    assert_eq!(unknown, real);
    let right = sign_in(&app, "head@test.example", "correct horse battery", "10.2.1.1").await;
    assert_eq!(right.status, StatusCode::LOCKED, "even the right password while locked");
    assert!(right.body.contains("locked") && right.body.contains("emailed"), "{}", right.body);
    let out = app.db.outbox(5).await.expect("outbox");
    assert!(out.iter().any(|m| m.recipient == "head@test.example" && m.subject.contains("locked")));
}

#[tokio::test]
async fn a_client_cannot_choose_its_own_address_behind_a_proxy() {
    // A proxy that appends: the client wrote the first entries itself.
    let app = behind_proxy().await;
    let mut statuses = Vec::new();
    for i in 0..25 {
        let spoofed = format!("10.3.{i}.{i}, 198.51.100.7");
        statuses.push(sign_in(&app, &format!("nobody{i}@test.example"), "whatever password", &spoofed).await.status);
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "one client, however it dresses up");
    // Not through the proxy at all: the header is ignored.
    let direct = aspire_web::proxy::TrustedProxies::parse("192.0.2.1").expect("proxy");
    let mut app = crate::app().await;
    app.router =
        aspire_web::router_with(app.db.clone(), aspire_web::WebConfig { trust_proxy: direct, ..Default::default() });
    let mut last = StatusCode::OK;
    for i in 0..25 {
        last = sign_in(&app, &format!("n{i}@test.example"), "whatever password", &format!("10.4.0.{i}")).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn after_signing_in_only_a_path_on_this_site() {
    let app = app().await;
    person_with_password(&app, "admin@test.example", &[Grant::new(Role::Admin, Scope::Platform, false).expect("g")])
        .await;
    for (next, expected) in [
        ("/people?q=a", "/people?q=a"),
        ("/\t/127.0.0.1:18093/x", "/programmes"),
        ("/\t/evil.example", "/programmes"),
        ("//evil.example", "/programmes"),
        ("/\\evil.example", "/programmes"),
        ("https://evil.example/", "/programmes"),
        ("/people\r\nSet-Cookie: x=1", "/programmes"),
        ("/ok\nx", "/programmes"),
        ("javascript:alert(1)", "/programmes"),
        ("people", "/programmes"),
    ] {
        let body = serde_urlencoded::to_string([
            ("email", "admin@test.example"),
            ("password", "correct horse battery"),
            ("next", next),
            ("csrf", ANON_TOKEN),
        ])
        .expect("form");
        let p = app
            .send_raw(
                Request::builder()
                    .method("POST")
                    .uri("/sign-in")
                    .header("cookie", ANON)
                    .header("content-type", "application/x-www-form-urlencoded"),
                Body::from(body),
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{next:?}: {}", p.body);
        assert_eq!(p.headers["location"], expected, "{next:?}");
        // The sign-in form carries it only when it is safe.
        let q = serde_urlencoded::to_string([("next", next)]).expect("query");
        let form = app.get(&format!("/sign-in?{q}")).await;
        assert_eq!(form.status, StatusCode::OK, "{next:?}");
        assert!(form.body.contains(&format!("name=\"next\" value=\"{}\"", expected.replace('&', "&amp;"))), "{next:?}");
    }
}

#[tokio::test]
async fn one_address_hammering_the_form_is_rate_limited() {
    let app = behind_proxy().await;
    let mut last = StatusCode::OK;
    for i in 0..25 {
        last = sign_in(&app, &format!("nobody{i}@test.example"), "whatever password", "10.2.0.1").await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forged_posts_are_refused() {
    let app = app().await.as_admin().await;
    let (cookie, csrf) = app.session.clone().expect("session");
    let post = |headers: Vec<(&'static str, String)>, body: String| {
        let mut req = Request::builder()
            .method("POST")
            .uri("/programmes")
            .header("cookie", cookie.clone())
            .header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        app.send_raw(req, Body::from(body))
    };
    let without = post(vec![], "name=Forged".into()).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(without.body.contains("not sent from this site"), "{}", without.body);
    // The refusal speaks to the person as signed in, in one sentence each.
    assert!(without.body.contains("Sign out") && !without.body.contains(">Sign in<"), "{}", without.body);
    assert!(!without.body.contains(".."), "{}", without.body);
    let wrong = post(vec![], format!("name=Forged&csrf={}", "0".repeat(64))).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let other_site = post(vec![("sec-fetch-site", "cross-site".into())], format!("name=Forged&csrf={csrf}")).await;
    assert_eq!(other_site.status, StatusCode::FORBIDDEN);
    let other_origin = post(
        vec![("origin", "https://evil.example".into()), ("host", "aspire.example".into())],
        format!("name=Forged&csrf={csrf}"),
    )
    .await;
    assert_eq!(other_origin.status, StatusCode::FORBIDDEN);
    // An anonymous token does not stand in for the session's.
    let anon = post(vec![], format!("name=Forged&csrf={ANON_TOKEN}")).await;
    assert_eq!(anon.status, StatusCode::FORBIDDEN);
    let all = aspire_core::access::Visible::everything();
    assert!(app.db.programmes(&all, &all).await.expect("list").is_empty(), "nothing was created");
    // The genuine form works.
    let ok = post(
        vec![("origin", "http://aspire.example".into()), ("host", "aspire.example".into())],
        format!("name=Real&csrf={csrf}"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Signing in is a form too.
    let forged_sign_in = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri("/sign-in")
                .header("content-type", "application/x-www-form-urlencoded"),
            Body::from("email=a%40b.uk&password=x"),
        )
        .await;
    assert_eq!(forged_sign_in.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn stored_script_payloads_render_as_text_on_every_page() {
    const X: &str = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
    let app = app().await.as_admin().await;
    let cli = Actor::command_line();
    let urn = Urn::parse("105626").expect("urn");
    let p = aspire_testkit::ProgrammeBuilder::new(&format!("Programme {X}")).bare().create(&app.db).await;
    app.db.enrol(&cli, p, &[urn], aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
    let n = app.db.create_network(&cli, p, &format!("Network {X}")).await.expect("network");
    app.db.set_network(&cli, p, urn, Some(n)).await.expect("set");
    let person = app
        .db
        .add_person(
            &cli,
            &Email::parse("x@test.example").expect("email"),
            &format!("Name {X}"),
            &[Grant::new(Role::Teacher, Scope::School(urn), false).expect("grant")],
        )
        .await
        .expect("person");
    app.db.issue_link(&cli, person, TokenPurpose::Invitation, "http://t").await.expect("link");
    app.db
        .save_cohort(
            &aspire_store::Actor::command_line(),
            &format!("Cohort {X}"),
            Some(&format!("About {X}")),
            None,
            &[urn].into(),
        )
        .await
        .expect("c");
    // Through the forms as well: a staff list with the payload in the name column.
    let (_, csrf) = app.session.clone().expect("session");
    let b = "BOUNDARY";
    let upload = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/people/import")
                .header("content-type", format!("multipart/form-data; boundary={b}")),
            Body::from(format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\nemail,name,role,urn\ny@test.example,\"Listed {}\",teacher,105626\n\r\n--{b}--\r\n",
                X.replace('"', "\"\"")
            )),
        )
        .await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.body);

    let pages = [
        "/programmes".to_owned(),
        format!("/programmes/{p}"),
        format!("/programmes/{p}/networks/{n}"),
        format!("/programmes/{p}/schools/{urn}"),
        "/people".to_owned(),
        format!("/people/{person}"),
        format!("/people?q={}", urlencode(X)),
        "/audit".to_owned(),
        format!("/audit?q={}", urlencode(X)),
        "/outbox".to_owned(),
        "/evaluation".to_owned(),
        format!("/schools?q={}", urlencode(X)),
        format!("/eligibility?q={}", urlencode(X)),
    ];
    for uri in &pages {
        let page = app.get(uri).await;
        assert!(page.status.is_success(), "{uri}: {}", page.status);
        assert!(!page.body.contains("<script>alert"), "{uri} has a live script tag");
        assert!(!page.body.contains("<img src=x"), "{uri} has a live img tag");
    }
    // The CSV export holds the text as it is (it is a download, not a page), with no formula.
    let csv = app.get("/audit.csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers["content-disposition"].to_str().expect("header").starts_with("attachment"));
    let shown = app.get(&format!("/programmes/{p}")).await.body;
    assert!(shown.contains("&#60;script&#62;") || shown.contains("&lt;script&gt;"), "the text is shown, escaped");
    // A sign-in with the payload as the email is echoed back escaped.
    let anon = crate::app().await;
    let echo = sign_in(&anon, X, "whatever", "10.3.0.1").await;
    assert!(!echo.body.contains("<script>alert"));
    let next = anon.get(&format!("/sign-in?next=/{}", urlencode(X))).await;
    assert_eq!(next.status, StatusCode::OK);
    assert!(!next.body.contains("<script>alert") && !next.body.contains("<img src=x"));
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).expect("encode").trim_start_matches("v=").to_owned()
}

#[tokio::test]
async fn a_fault_in_a_handler_is_a_500_page_not_a_dropped_connection() {
    // The layer the application uses, around a handler that panics.
    let router: axum::Router = axum::Router::new()
        .route("/boom", axum::routing::get(|| async { if true { panic!("boom") } else { "never" } }));
    let app = aspire_web::with_fault_page(router);
    let res = tower::ServiceExt::oneshot(app, Request::builder().uri("/boom").body(Body::empty()).expect("request"))
        .await
        .expect("an answer");
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Sorry, something went wrong") && !body.contains("boom"), "{body}");
}

#[tokio::test]
async fn inviting_an_existing_account_offers_the_role_and_its_owner_decides() {
    let app = app().await;
    let urn = Urn::parse("105626").expect("urn");
    let cli = Actor::command_line();
    let admin_grant = Grant::new(Role::Admin, Scope::Platform, false).expect("grant");
    let admin = app
        .db
        .add_person(&cli, &Email::parse("admin@test.example").expect("email"), "Ada Admin", &[admin_grant])
        .await
        .expect("admin");
    let head = app.signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn), false).expect("grant")]).await;
    let invite = head
        .post(
            "/people",
            &[
                ("email", "admin@test.example"),
                ("name", "Anyone"),
                ("role", "teacher"),
                ("place", "school"),
                ("urn", "105626"),
            ],
        )
        .await;
    assert_eq!(invite.status, StatusCode::SEE_OTHER, "{}", invite.body);
    let notice = head.get(invite.headers["location"].to_str().expect("location")).await;
    assert!(notice.body.contains("already has an account") && notice.body.contains("accept"), "{}", notice.body);
    // No role yet, so the head teacher still cannot read the account.
    let grants = head.db.principal(admin).await.expect("principal").grants;
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(head.get(&format!("/people/{admin}")).await.status, StatusCode::NOT_FOUND);
    // The owner sees the offer on their account page and declines it.
    let mut owner = crate::app_with(&[]).await;
    owner.db = head.db.clone();
    owner.router = aspire_web::router(head.db.clone());
    let s = head.db.start_session(admin, &aspire_store::SignInPolicy::default()).await.expect("session");
    owner.session = Some((format!("aspire_session={}", s.token), s.csrf));
    let account = owner.get("/account").await;
    assert!(account.body.contains("Roles offered to you") && account.body.contains("Teacher"), "{}", account.body);
    let offer = head.db.offers(admin).await.expect("offers").remove(0);
    let answer = owner.post(&format!("/account/offers/{}", offer.id), &[("answer", "decline")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(head.db.principal(admin).await.expect("principal").grants.len(), 1, "declined: no new role");
    // Someone else cannot answer it.
    let again = head.post(&format!("/account/offers/{}", offer.id), &[("answer", "accept")]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

/// An upload's token is its form's first field, never in its address: without it, or with a
/// wrong one, nothing is read; the page's own form sends it so.
#[tokio::test]
async fn an_upload_carries_its_token_in_its_body_and_is_refused_without_it() {
    let urn = aspire_testkit::urn("105626");
    let app = app().await.signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn), false).expect("grant")]).await;
    let (cookie, csrf) = app.session.clone().expect("session");
    let file = "email,name,role,urn\nt1@school.example,Teacher One,teacher,105626\n";
    let send = |parts: String, uri: &'static str| {
        app.send_raw(
            Request::builder()
                .method("POST")
                .uri(uri)
                .header("cookie", cookie.clone())
                .header("content-type", "multipart/form-data; boundary=B"),
            Body::from(parts),
        )
    };
    let file_part =
        format!("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\n{file}\r\n");
    let token_part = |t: &str| format!("--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n");
    let without = send(format!("{file_part}--B--\r\n"), "/people/import").await;
    assert_eq!(without.status, StatusCode::FORBIDDEN, "{}", without.body);
    let in_address = send(format!("{file_part}--B--\r\n"), "/people/import?csrf=whatever").await;
    assert_eq!(in_address.status, StatusCode::FORBIDDEN, "a token in the address counts for nothing");
    let wrong = send(format!("{}{file_part}--B--\r\n", token_part(&"0".repeat(64))), "/people/import").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let last = send(format!("{file_part}{}--B--\r\n", token_part(&csrf)), "/people/import").await;
    assert_eq!(last.status, StatusCode::FORBIDDEN, "the token comes first, before any file is read");
    let right = send(format!("{}{file_part}--B--\r\n", token_part(&csrf)), "/people/import").await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert!(right.body.contains("Teacher One"), "{}", right.body);
    let page = app.get("/people").await.body;
    assert!(!page.contains("?csrf="), "the form's address carries no token");
}
