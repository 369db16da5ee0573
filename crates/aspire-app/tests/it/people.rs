//! Inviting a person, as the web's People page and `aspire user add` both do it.

use aspire_app::people::{self, IfAccountExists, Invitation, InviteError, Invited};
use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_store::{Actor, TokenPurpose};
use aspire_testkit::{ProgrammeBuilder, TestDb, person_with};

fn invitation(email: &Email, grant: Grant, if_exists: IfAccountExists, link_for: Option<&str>) -> Invitation {
    Invitation {
        email: email.clone(),
        name: "Sam Teacher".into(),
        grant,
        if_exists,
        link_for: link_for.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_new_address_gets_an_account_with_the_role_and_an_invitation_in_the_outbox() {
    for t in TestDb::all().await {
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Invites").bare().create(db).await;
        let grant = Grant::new(Role::ProgrammeAdmin, Scope::Programme(id), false).expect("grant");
        let email = Email::parse("sam@school.example").expect("email");

        let done =
            people::invite(db, &cli, &invitation(&email, grant, IfAccountExists::Offer, None)).await.expect("invited");
        let Invited::Added { person, link: None } = done else { panic!("a new account, no link: {done:?}") };
        let saved = db.person(person).await.expect("read").expect("added");
        assert_eq!(
            (saved.email.as_str(), saved.name.as_str(), saved.has_password),
            (email.as_str(), "Sam Teacher", false)
        );
        assert_eq!(saved.grants.iter().map(|g| g.grant).collect::<Vec<_>>(), [grant]);
        let outbox = db.outbox(10).await.expect("outbox");
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].recipient, email.as_str());
        assert_eq!(outbox[0].link, Some((person, TokenPurpose::Invitation)));

        // The operator's command line also gets a link to hand over, which works.
        let other = Email::parse("kim@school.example").expect("email");
        let done =
            people::invite(db, &cli, &invitation(&other, grant, IfAccountExists::Give, Some("https://aspire.example")))
                .await
                .expect("invited");
        let Invited::Added { person, link: Some(link) } = done else { panic!("a link: {done:?}") };
        let token = link.rsplit(['/', '=']).next().expect("token");
        assert!(link.starts_with("https://aspire.example/"), "{link}");
        assert_eq!(db.link_person(token, TokenPurpose::Invitation).await.expect("the link works").id, person);
        assert_eq!(db.outbox(10).await.expect("outbox").len(), 2, "its email waits too");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_existing_account_is_offered_the_role_or_given_it_by_the_operator() {
    for t in TestDb::all().await {
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Invites").bare().create(db).await;
        let (person, email) = person_with(db, &[]).await;
        let grant = Grant::new(Role::ProgrammeAdmin, Scope::Programme(id), false).expect("grant");

        let done =
            people::invite(db, &cli, &invitation(&email, grant, IfAccountExists::Offer, None)).await.expect("offered");
        assert!(matches!(&done, Invited::Offered(p) if p.id == person), "{done:?}");
        assert!(db.person(person).await.expect("read").expect("there").grants.is_empty(), "not held until accepted");
        assert_eq!(db.offers(person).await.expect("offers").iter().map(|o| o.grant).collect::<Vec<_>>(), [grant]);
        let outbox = db.outbox(10).await.expect("outbox");
        assert!(outbox.iter().all(|m| m.link != Some((person, TokenPurpose::Invitation))), "no invitation: {outbox:?}");

        let done = people::invite(db, &cli, &invitation(&email, grant, IfAccountExists::Give, Some("http://x"))).await;
        assert!(matches!(&done, Ok(Invited::Given(p)) if p.id == person), "{done:?}");
        let held = db.person(person).await.expect("read").expect("there").grants;
        assert_eq!(held.iter().map(|g| g.grant).collect::<Vec<_>>(), [grant]);

        // A name is required of a new account, and nothing is written without one.
        let nameless = Invitation {
            name: "  ".into(),
            ..invitation(&Email::parse("x@y.example").expect("email"), grant, IfAccountExists::Offer, None)
        };
        let e = people::invite(db, &cli, &nameless).await.expect_err("no name");
        assert!(matches!(e, InviteError::Account(_)), "{e}");
        assert!(db.person_by_email(&nameless.email).await.expect("read").is_none());
        t.cleanup().await;
    }
}
