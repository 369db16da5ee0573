//! People, roles, links, sign-in, sessions, programmes and the audit log, on both backends.

use std::time::Duration;

use aspire_core::access::{Action, Record};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_core::urn::Urn;
use aspire_store::{
    AccountError, Actor, AuditQuery, Db, ProgrammeError, SignInError, SignInPolicy, StaffOutcome, TokenPurpose,
};

use crate::{TestDb, import, parse};

pub(crate) fn email(s: &str) -> Email {
    Email::parse(s).expect("email")
}

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

/// The token at the end of a link.
fn token(link: &str) -> String {
    link.rsplit('/').next().expect("token").to_owned()
}

async fn person_with_password(db: &Db, address: &str, grants: &[Grant]) -> aspire_core::people::PersonId {
    let cli = Actor::command_line();
    let id = db.add_person(&cli, &email(address), "Test Person", grants).await.expect("add person");
    let link = db.issue_link(&cli, id, TokenPurpose::Invitation, "http://aspire.test").await.expect("link");
    db.set_password_with_link(&token(&link), TokenPurpose::Invitation, "correct horse battery", None)
        .await
        .expect("set password");
    id
}

#[tokio::test]
async fn invitation_links_set_a_password_once_and_sign_in_works() {
    for t in TestDb::all().await {
        let db = &t.db;
        let cli = Actor::command_line();
        let admin = Grant::new(Role::Admin, Scope::Platform, false).expect("grant");
        let id = db.add_person(&cli, &email("Admin@Example.org"), "Ada Admin", &[admin]).await.expect("add");
        assert!(matches!(
            db.add_person(&cli, &email("admin@example.org"), "Again", &[]).await,
            Err(AccountError::EmailTaken(_))
        ));
        let link = db.issue_link(&cli, id, TokenPurpose::Invitation, "http://aspire.test/").await.expect("link");
        assert!(link.starts_with("http://aspire.test/invitation/"), "{link}");
        // A link made for the command line is not emailed; one sent by email is made when sent.
        assert!(db.outbox(10).await.expect("outbox").is_empty());
        db.send_link(&cli, id, TokenPurpose::Invitation).await.expect("send");
        let queued = db.outbox(10).await.expect("outbox").remove(0);
        assert_eq!(queued.recipient, "admin@example.org");
        assert!(queued.body.contains(aspire_store::LINK_PLACEHOLDER) && !has_token(&queued.body), "{}", queued.body);
        let sent = db.compose(&queued, "http://aspire.test/").await.expect("compose").expect("to send");
        let emailed = sent.body.lines().find(|l| l.starts_with("http://aspire.test/invitation/")).expect("a link");
        assert!(!sent.body.contains("[["), "{}", sent.body);
        assert!(!has_token(&db.outbox(10).await.expect("outbox")[0].body), "the stored message never holds a link");
        // Sending again replaced the command line's link; the emailed one works.
        assert!(matches!(
            db.link_person(&token(&link), TokenPurpose::Invitation).await,
            Err(AccountError::TokenExpired)
        ));
        db.link_person(&token(emailed), TokenPurpose::Invitation).await.expect("the emailed link works");
        let link = emailed.to_owned();

        let tok = token(&link);
        assert!(matches!(
            db.set_password_with_link(&tok, TokenPurpose::Invitation, "short", None).await,
            Err(AccountError::Password(_))
        ));
        assert!(matches!(
            db.set_password_with_link(&tok, TokenPurpose::Reset, "correct horse battery", None).await,
            Err(AccountError::TokenUnknown)
        ));
        db.set_password_with_link(&tok, TokenPurpose::Invitation, "correct horse battery", None).await.expect("set");
        assert!(matches!(
            db.set_password_with_link(&tok, TokenPurpose::Invitation, "another good password", None).await,
            Err(AccountError::TokenUsed)
        ));

        let policy = SignInPolicy::default();
        assert!(matches!(
            db.sign_in("admin@example.org", "wrong password!", None, &policy).await,
            Err(SignInError::Wrong)
        ));
        assert!(matches!(
            db.sign_in("nobody@example.org", "correct horse battery", None, &policy).await,
            Err(SignInError::Wrong)
        ));
        let s = db.sign_in(" ADMIN@example.org ", "correct horse battery", None, &policy).await.expect("sign in");
        let session = db.session(&s.token, &policy).await.expect("read").expect("live session");
        assert_eq!(session.person, id);
        assert_eq!(session.csrf, s.csrf);
        assert!(session.principal.may(Action::Change, Record::Programme, &aspire_core::access::Place::NOWHERE));
        assert!(db.session("not-a-token", &policy).await.expect("read").is_none());

        // A reset link ends every session.
        db.request_password_reset("admin@example.org", None).await.expect("reset");
        let reset = db.outbox(1).await.expect("outbox").remove(0);
        assert_eq!(reset.subject, "Reset your Aspire password");
        let reset = db.compose(&reset, "http://aspire.test").await.expect("compose").expect("to send");
        let link = reset.body.lines().find(|l| l.starts_with("http://")).expect("link in the email").to_owned();
        db.set_password_with_link(&token(&link), TokenPurpose::Reset, "a brand new passphrase", None)
            .await
            .expect("reset");
        assert!(db.session(&s.token, &policy).await.expect("read").is_none(), "old session ended");
        // Asking for an unknown email says nothing and sends nothing.
        let before = db.outbox(100).await.expect("outbox").len();
        db.request_password_reset("nobody@example.org", None).await.expect("reset");
        assert_eq!(db.outbox(100).await.expect("outbox").len(), before);

        let log =
            db.audit_log(&aspire_core::access::Visible::everything(), &AuditQuery::default()).await.expect("audit");
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        for a in
            ["person.add", "role.add", "person.invite", "password.set", "session.start", "password.reset_requested"]
        {
            assert!(actions.contains(&a), "{a} audited: {actions:?}");
        }
        let add = log.iter().find(|e| e.action == AuditAction::PersonAdd).expect("entry");
        assert!(add.actor.starts_with("command line ("));
        assert!(add.after.as_deref().is_some_and(|a| a.contains("admin@example.org")));
        t.cleanup().await;
    }
}

/// Whether text holds something that looks like a link's token (64 hex digits).
fn has_token(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit()).any(|w| w.len() == 64)
}

fn outcome(r: Result<aspire_store::NewSession, SignInError>) -> &'static str {
    match r {
        Ok(_) => "in",
        Err(SignInError::Wrong) => "wrong",
        Err(SignInError::Throttled(s)) => {
            assert!(s >= 1, "{s}");
            "wait"
        }
        Err(SignInError::Locked) => "locked",
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn the_log_is_searched_by_action_and_an_unknown_action_is_an_error() {
    for t in TestDb::all().await {
        let db = &t.db;
        let everything = aspire_core::access::Visible::everything();
        person_with_password(db, "someone@example.org", &[]).await;
        let q = AuditQuery { action: Some(AuditAction::PersonAdd), ..AuditQuery::default() };
        let added = db.audit_log(&everything, &q).await.expect("log");
        assert_eq!(added.len(), 1);
        assert_eq!((added[0].action, added[0].record), (AuditAction::PersonAdd, AuditRecord::Person));
        assert!(db.audit_actions().await.expect("actions").contains(&AuditAction::PersonAdd));

        // Written by a newer program, say: read as an error naming it, never as another action.
        db.execute_admin(
            "INSERT INTO audit_log (at, actor, action, record) VALUES ('2024-01-01T00:00:00+00:00', 'system', 'person.teleport', 'person')",
        )
        .await
        .expect("insert");
        let e = db.audit_log(&everything, &AuditQuery::default()).await.expect_err("unknown action");
        assert!(e.to_string().contains("'person.teleport' is not an audit action"), "{e}");
        assert!(db.audit_actions().await.is_err());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn guessing_from_one_place_is_slowed_but_never_locks_out_the_owner() {
    for t in TestDb::all().await {
        let db = &t.db;
        person_with_password(db, "head@school.example", &[]).await;
        let policy = SignInPolicy { first_wait: Duration::from_secs(30), ..SignInPolicy::default() };
        let guess = |who: &'static str, client: &'static str| {
            let policy = policy.clone();
            async move { outcome(db.sign_in(who, "not the password", Some(client.into()), &policy).await) }
        };
        let mut real = Vec::new();
        let mut unknown = Vec::new();
        for _ in 0..12 {
            real.push(guess("head@school.example", "203.0.113.9").await);
            unknown.push(guess("nobody@school.example", "203.0.113.9").await);
        }
        let expected =
            ["wrong", "wrong", "wrong", "wrong", "wait", "wait", "wait", "wait", "wait", "wait", "wait", "wait"];
        assert_eq!(real, expected);
        assert_eq!(unknown, real, "an address without an account gets the same answers");
        // The owner, at their own school, is not held up by someone guessing elsewhere.
        let s = db.sign_in("head@school.example", "correct horse battery", Some("198.51.100.4".into()), &policy).await;
        assert_eq!(outcome(s), "in");
        // Nor locked: the guessing address is still only slowed.
        assert_eq!(guess("head@school.example", "203.0.113.9").await, "wait");

        // Failed sign-ins are in the audit log, without what was typed.
        let log =
            db.audit_log(&aspire_core::access::Visible::everything(), &AuditQuery::default()).await.expect("audit");
        let refused: Vec<_> = log.iter().filter(|e| e.action == AuditAction::SessionRefused).collect();
        assert!(refused.len() >= 24, "{}", refused.len());
        assert!(refused.iter().all(|e| !format!("{e:?}").contains("nobody@school.example")), "typed address not kept");
        assert!(refused.iter().all(|e| !format!("{e:?}").contains("not the password")));
        assert_eq!(log.iter().filter(|e| e.action == AuditAction::PersonLock).count(), 0);

        // A count is forgotten after a while without failures.
        person_with_password(db, "teacher@school.example", &[]).await;
        let forgetful =
            SignInPolicy { forget_after: Duration::ZERO, first_wait: Duration::from_secs(30), ..policy.clone() };
        for _ in 0..6 {
            let r = db.sign_in("teacher@school.example", "nope nope nope", Some("192.0.2.1".into()), &forgetful).await;
            assert_eq!(outcome(r), "wrong");
        }
        let r =
            db.sign_in("teacher@school.example", "correct horse battery", Some("192.0.2.1".into()), &forgetful).await;
        assert_eq!(outcome(r), "in");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_attack_from_several_places_locks_the_account_until_its_owner_resets_the_password() {
    for t in TestDb::all().await {
        let db = &t.db;
        person_with_password(db, "head@school.example", &[]).await;
        let policy = SignInPolicy {
            first_wait: Duration::ZERO,
            attack_failures: 12,
            attack_clients: 3,
            ..SignInPolicy::default()
        };
        let clients = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"];
        let mut real = Vec::new();
        let mut unknown = Vec::new();
        for i in 0..16 {
            let c = clients[i % clients.len()];
            real.push(outcome(db.sign_in("head@school.example", "guess", Some(c.into()), &policy).await));
            unknown.push(outcome(db.sign_in("someone@school.example", "guess", Some(c.into()), &policy).await));
        }
        assert_eq!(&real[..11], &["wrong"; 11]);
        assert_eq!(real[11..], ["wrong", "locked", "locked", "locked", "locked"]);
        assert_eq!(unknown, real, "an address without an account is locked in the same way");
        // Locked: even the right password is refused, from anywhere.
        let r = db.sign_in("head@school.example", "correct horse battery", Some("198.51.100.4".into()), &policy).await;
        assert_eq!(outcome(r), "locked");
        // The owner was emailed a reset link (and no one else was).
        let out = db.outbox(10).await.expect("outbox");
        let locked: Vec<_> = out.iter().filter(|m| m.subject == "Your Aspire account has been locked").collect();
        assert_eq!(locked.len(), 1);
        assert_eq!(locked[0].recipient, "head@school.example");
        let email = db.compose(locked[0], "http://aspire.test").await.expect("compose").expect("to send");
        let link = email.body.lines().find(|l| l.contains("/password-reset/")).expect("link").trim().to_owned();
        let p = db.person_by_email(&crate::accounts::email("head@school.example")).await.expect("read").expect("p");
        assert!(p.locked_since.is_some());
        db.set_password_with_link(&token(&link), TokenPurpose::Reset, "a brand new passphrase", None)
            .await
            .expect("reset");
        let r = db.sign_in("head@school.example", "a brand new passphrase", Some("198.51.100.4".into()), &policy).await;
        assert_eq!(outcome(r), "in", "a new password unlocks the account");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn attempts_refused_unchecked_do_not_add_up_to_a_lock() {
    for t in TestDb::all().await {
        let db = &t.db;
        person_with_password(db, "head@school.example", &[]).await;
        // The first wait long enough that no wait ends during the test, however slowly a busy
        // machine checks each password.
        let policy = SignInPolicy { first_wait: Duration::from_secs(600), ..SignInPolicy::default() };
        // 50 attempts from three places, as fast as they come: most are told to wait and never
        // checked, so they prove nothing about the password and cannot lock the owner out.
        let mut answers = Vec::new();
        for (client, n) in [("192.0.2.1", 20), ("192.0.2.2", 20), ("192.0.2.3", 10)] {
            for _ in 0..n {
                answers.push(outcome(db.sign_in("head@school.example", "guess", Some(client.into()), &policy).await));
            }
        }
        assert_eq!(answers.iter().filter(|a| **a == "wrong").count(), 12, "four checked per place: {answers:?}");
        assert!(!answers.contains(&"locked"));
        let r = db.sign_in("head@school.example", "correct horse battery", Some("198.51.100.4".into()), &policy).await;
        assert_eq!(outcome(r), "in", "the owner still signs in");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn waiting_between_bursts_does_not_hide_an_attack_and_reset_requests_cannot_bury_the_unlock_link() {
    for t in TestDb::all().await {
        let db = &t.db;
        person_with_password(db, "head@school.example", &[]).await;
        // Every wait forgotten at once, as if each burst came an hour after the last.
        let policy = SignInPolicy {
            forget_after: Duration::ZERO,
            attack_failures: 20,
            attack_clients: 3,
            ..SignInPolicy::default()
        };
        let clients = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"];
        let mut answers = Vec::new();
        for i in 0..22 {
            let c = clients[i % clients.len()];
            answers.push(outcome(db.sign_in("head@school.example", "guess", Some(c.into()), &policy).await));
        }
        assert_eq!(&answers[..20], &["wrong"; 20], "each burst is free: {answers:?}");
        assert_eq!(answers[20..], ["locked", "locked"], "but the day's failures add up: {answers:?}");

        // Anyone may ask for a reset for the owner, as often as they like: the unlock email
        // already sent stays the only one for a quarter of an hour, and its link still works.
        for _ in 0..3 {
            db.request_password_reset("head@school.example", Some("203.0.113.7".into())).await.expect("ask");
        }
        let out = db.outbox(50).await.expect("outbox");
        let to_owner: Vec<_> = out.iter().filter(|m| m.recipient == "head@school.example").collect();
        assert_eq!(to_owner.len(), 1, "{:?}", to_owner.iter().map(|m| &m.subject).collect::<Vec<_>>());
        let email = db.compose(to_owner[0], "http://aspire.test").await.expect("compose").expect("to send");
        let link = email.body.lines().find(|l| l.contains("/password-reset/")).expect("link").trim().to_owned();
        db.set_password_with_link(&token(&link), TokenPurpose::Reset, "a brand new passphrase", None)
            .await
            .expect("the unlock link still works");
        let r = db.sign_in("head@school.example", "a brand new passphrase", Some("198.51.100.4".into()), &policy).await;
        assert_eq!(outcome(r), "in");
        t.cleanup().await;
    }
}

#[test]
fn an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_address_as_itself() {
    use aspire_store::client_key;
    assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert_eq!(client_key("2001:db8:1:2:aaaa::1"), client_key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assert_ne!(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
    assert_eq!(client_key("::ffff:192.0.2.7"), "192.0.2.7");
    assert_eq!(client_key("192.0.2.7"), "192.0.2.7");
}

#[tokio::test]
async fn addresses_of_one_ipv6_network_share_one_count() {
    for t in TestDb::all().await {
        let db = &t.db;
        person_with_password(db, "head@school.example", &[]).await;
        let policy = SignInPolicy { first_wait: Duration::from_secs(30), ..SignInPolicy::default() };
        let mut answers = Vec::new();
        // A new address of the same /64 for every guess.
        for i in 1..=6 {
            let client = format!("2001:db8:7:7::{i:x}");
            answers.push(outcome(db.sign_in("head@school.example", "guess", Some(client), &policy).await));
        }
        assert_eq!(answers, ["wrong", "wrong", "wrong", "wrong", "wait", "wait"]);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn sessions_live_in_the_database() {
    let t = TestDb::sqlite().await;
    let id = person_with_password(&t.db, "adviser@provider.example", &[]).await;
    let policy = SignInPolicy::default();
    let s = t.db.sign_in("adviser@provider.example", "correct horse battery", None, &policy).await.expect("sign in");
    // Another pool on the same file (another process, or the same one after a restart).
    let url = format!("sqlite:{}", t.path.as_ref().expect("path").display());
    t.db.close().await;
    let again = Db::open(&url).await.expect("reopen");
    assert_eq!(again.session(&s.token, &policy).await.expect("read").map(|s| s.person), Some(id));
    again.end_session(&s.token, &Actor::person(id, "adviser@provider.example", None)).await.expect("sign out");
    assert!(again.session(&s.token, &policy).await.expect("read").is_none());
    // An idle session ends.
    let s = again.start_session(id, &policy).await.expect("session");
    let strict = SignInPolicy { session_idle: Duration::ZERO, ..SignInPolicy::default() };
    assert!(again.session(&s.token, &strict).await.expect("read").is_none());
    // A disabled person's sessions end at once.
    let s = again.start_session(id, &policy).await.expect("session");
    again.set_disabled(&Actor::command_line(), id, true).await.expect("disable");
    assert!(again.session(&s.token, &policy).await.expect("read").is_none());
    again.close().await;
}

#[tokio::test]
async fn lists_never_leave_the_reader_scope() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p1 = aspire_testkit::ProgrammeBuilder::new("North 2026")
            .rule_set("tlif-2017")
            .starts(chrono::NaiveDate::from_ymd_opt(2026, 9, 1))
            .ends(chrono::NaiveDate::from_ymd_opt(2027, 7, 31))
            .create(db)
            .await;
        let p2 = aspire_testkit::ProgrammeBuilder::new("South 2026").bare().create(db).await;
        assert!(matches!(
            db.create_programme(&cli, &aspire_testkit::ProgrammeBuilder::new("North 2026").bare().build()).await,
            Err(ProgrammeError::ProgrammeExists(_))
        ));
        let (a, b, c, d, e) = (urn("105626"), urn("105627"), urn("105631"), urn("105638"), urn("105642"));
        for u in [a, b, c, d, e] {
            assert!(db.known_urns(&[u].into()).await.expect("known").contains(&u), "{u} in the spine");
        }
        assert!(matches!(
            db.enrol(&cli, p1, &[a, urn("999998")], aspire_core::recruitment::Stage::Enrolled).await,
            Err(ProgrammeError::UnknownSchool(_))
        ));
        assert!(
            db.enrolments(p1, &aspire_core::access::Visible::everything()).await.expect("list").is_empty(),
            "nothing half-written"
        );
        db.enrol(&cli, p1, &[a, b, c, d], aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
        db.enrol(&cli, p2, &[e], aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
        let n1 = db.create_network(&cli, p1, "North A").await.expect("network");
        let n2 = db.create_network(&cli, p1, "North B").await.expect("network");
        let n3 = db.create_network(&cli, p2, "South A").await.expect("network");
        db.set_network(&cli, p1, a, Some(n1)).await.expect("set");
        db.set_network(&cli, p1, b, Some(n1)).await.expect("set");
        db.set_network(&cli, p1, c, Some(n2)).await.expect("set");
        db.set_network(&cli, p2, e, Some(n3)).await.expect("set");
        assert!(matches!(db.set_network(&cli, p1, d, Some(n3)).await, Err(ProgrammeError::NoSuchNetwork(_))));

        let adviser = person_with_password(
            db,
            "adviser@provider.example",
            &[Grant::new(Role::AchievementAdviser, Scope::Network { programme: p1, network: n1 }, false)
                .expect("grant")],
        )
        .await;
        let head = person_with_password(
            db,
            "head@school.example",
            &[Grant::new(Role::HeadTeacher, Scope::School(c), false).expect("grant")],
        )
        .await;
        let pa = person_with_password(
            db,
            "pa@provider.example",
            &[Grant::new(Role::ProgrammeAdmin, Scope::Programme(p2), false).expect("grant")],
        )
        .await;

        let who = db.principal(adviser).await.expect("principal");
        let schools: Vec<Urn> = db
            .enrolments(p1, &who.visible(Action::View, Record::Enrolment))
            .await
            .expect("list")
            .iter()
            .map(|e| e.urn)
            .collect();
        assert_eq!(schools, vec![a, b]);
        let progs = db
            .programmes(&who.visible(Action::View, Record::Programme), &who.visible(Action::View, Record::Enrolment))
            .await
            .expect("programmes");
        assert_eq!(progs.iter().map(|p| (p.id, p.schools)).collect::<Vec<_>>(), vec![(p1, 2)]);
        let nets: Vec<aspire_core::people::NetworkId> = db
            .networks(p1, &who.visible(Action::View, Record::Network))
            .await
            .expect("networks")
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(nets, vec![n1]);

        let who = db.principal(head).await.expect("principal");
        let schools: Vec<Urn> = db
            .enrolments(p1, &who.visible(Action::View, Record::Enrolment))
            .await
            .expect("list")
            .iter()
            .map(|e| e.urn)
            .collect();
        assert_eq!(schools, vec![c]);
        assert!(db.enrolments(p2, &who.visible(Action::View, Record::Enrolment)).await.expect("list").is_empty());
        // The head teacher's people list: only people at their school (themselves).
        let people = db.people(&who.visible(Action::View, Record::Person), None).await.expect("people");
        assert_eq!(people.iter().map(|p| p.email.as_str()).collect::<Vec<_>>(), vec!["head@school.example"]);

        // The South programme admin sees South's people and audit entries only.
        let who = db.principal(pa).await.expect("principal");
        let people = db.people(&who.visible(Action::View, Record::Person), None).await.expect("people");
        assert_eq!(people.iter().map(|p| p.email.as_str()).collect::<Vec<_>>(), vec!["pa@provider.example"]);
        let log = db.audit_log(&who.visible(Action::View, Record::Audit), &AuditQuery::default()).await.expect("audit");
        assert!(!log.is_empty());
        assert!(log.iter().all(|e| e.programme == Some(p2)), "{log:?}");
        let log = db
            .audit_log(
                &who.visible(Action::View, Record::Audit),
                &AuditQuery { text: Some("network".into()), ..AuditQuery::default() },
            )
            .await
            .expect("audit");
        assert!(
            log.iter().all(|e| e.action.as_str().starts_with("network") || e.action == AuditAction::EnrolmentNetwork),
            "{log:?}"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_staff_list_is_added_whole_or_not_at_all() {
    let t = TestDb::sqlite().await;
    let db = &t.db;
    import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
    let cli = Actor::command_line();
    let school = Scope::School(urn("105626"));
    let rows = vec![
        (email("a@school.example"), "A Head".to_owned(), Grant::new(Role::HeadTeacher, school, false).expect("grant")),
        (email("b@school.example"), "B Teacher".to_owned(), Grant::new(Role::Teacher, school, false).expect("grant")),
        (
            email("b@school.example"),
            "B Teacher".to_owned(),
            Grant::new(Role::StrandLead, school, false).expect("grant"),
        ),
    ];
    let out = db.add_staff(&cli, &rows).await.expect("staff");
    let outcomes: Vec<StaffOutcome> = out.iter().map(|(_, o)| *o).collect();
    assert_eq!(outcomes, [StaffOutcome::Invited, StaffOutcome::Invited, StaffOutcome::Added]);
    let b = db.person_by_email(&email("b@school.example")).await.expect("read").expect("b");
    assert_eq!(b.grants.len(), 2);
    assert_eq!(db.outbox(10).await.expect("outbox").len(), 2, "one invitation each");
    // Re-adding the same list changes nothing and sends nothing.
    let again = db.add_staff(&cli, &rows).await.expect("again");
    assert!(again.iter().all(|(_, o)| *o == StaffOutcome::Already), "{again:?}");
    assert_eq!(db.outbox(10).await.expect("outbox").len(), 2);
    // A list naming someone who has an account for another role: offered, not given.
    let more =
        vec![(email("a@school.example"), "A Head".to_owned(), Grant::new(Role::Governor, school, false).expect("g"))];
    let o = db.add_staff(&cli, &more).await.expect("offer");
    assert_eq!(o[0].1, StaffOutcome::Offered);
    let a = db.person_by_email(&email("a@school.example")).await.expect("read").expect("a");
    assert_eq!(a.grants.len(), 1, "the governor role waits for an answer");
    assert_eq!(db.offers(a.id).await.expect("offers").len(), 1);
    t.cleanup().await;
}

#[tokio::test]
async fn a_role_for_an_existing_account_counts_only_once_its_owner_accepts_it() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let admin = Grant::new(Role::Admin, Scope::Platform, false).expect("grant");
        let id = person_with_password(db, "admin@provider.example", &[admin]).await;
        let head = Actor::person(aspire_core::people::PersonId::new(99), "head@school.example", None);
        let teacher = Grant::new(Role::Teacher, Scope::School(urn("105626")), false).expect("grant");
        assert_eq!(db.offer_grant(&head, id, &teacher).await.expect("offer"), aspire_store::Offered::Made);
        assert_eq!(db.offer_grant(&head, id, &teacher).await.expect("again"), aspire_store::Offered::Already);
        // Not held yet: the account is not inside the school, so the school's people do not see it.
        let p = db.principal(id).await.expect("principal");
        assert!(!p.grants.contains(&teacher));
        // What the school's head teacher sees of people.
        let school = aspire_core::access::Principal {
            person: aspire_core::people::PersonId::new(1),
            grants: vec![Grant::new(Role::HeadTeacher, Scope::School(urn("105626")), false).expect("grant")],
            memberships: Vec::new(),
            la_schools: Vec::new(),
        }
        .visible(Action::View, Record::Person);
        assert!(db.visible_person(&school, id).await.expect("read").is_none());
        // The owner is told by email, and answers on their account page.
        let out = db.outbox(5).await.expect("outbox");
        assert_eq!(out[0].subject, "You have been offered a role in Aspire");
        let mail = db.compose(&out[0], "http://aspire.test").await.expect("compose").expect("to send");
        assert!(mail.body.contains("head@school.example has offered you a role in Aspire: Teacher"), "{}", mail.body);
        assert!(mail.body.contains("http://aspire.test/account"), "{}", mail.body);
        let offers = db.offers(id).await.expect("offers");
        assert_eq!(offers.len(), 1);
        assert!(matches!(
            db.answer_offer(aspire_core::people::PersonId::new(id.get() + 1), offers[0].id, true, None).await,
            Err(AccountError::NoSuchOffer)
        ));
        db.answer_offer(id, offers[0].id, true, None).await.expect("accept");
        assert!(db.principal(id).await.expect("principal").grants.contains(&teacher));
        assert!(db.visible_person(&school, id).await.expect("read").is_some());
        assert!(matches!(db.answer_offer(id, offers[0].id, true, None).await, Err(AccountError::NoSuchOffer)));
        // Declining leaves no role.
        let governor = Grant::new(Role::Governor, Scope::School(urn("105626")), false).expect("grant");
        db.offer_grant(&cli, id, &governor).await.expect("offer");
        let o = db.offers(id).await.expect("offers").remove(0);
        db.answer_offer(id, o.id, false, None).await.expect("decline");
        assert!(!db.principal(id).await.expect("principal").grants.contains(&governor));
        let log = db.audit_log(&aspire_core::access::Visible::everything(), &AuditQuery::default()).await.expect("log");
        for a in ["role.offer", "role.accept", "role.decline"] {
            assert!(log.iter().any(|e| e.action.as_str() == a), "{a}");
        }
        t.cleanup().await;
    }
}
