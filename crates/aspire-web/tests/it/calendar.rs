//! Calendar feeds on the web: a feed's address serves iCalendar to anyone holding it, and
//! nothing once revoked or for an address that was never made.

use axum::http::StatusCode;
use chrono::{NaiveDate, NaiveTime};

use aspire_core::template::{Season, Term};
use aspire_store::{Actor, FeedScope, NewEvent};
use aspire_testkit::{ProgrammeBuilder, network_with_adviser};

use crate::app;

#[tokio::test]
async fn a_feed_address_serves_its_calendar_until_it_is_revoked() {
    let site = app().await;
    let db = &site.db;
    let cli = Actor::command_line();
    let p = ProgrammeBuilder::new("Feeds 2018").enrol(&["105626", "105627"]).create(db).await;
    let (north, adviser) = network_with_adviser(db, p, "Oldham North", &["105626", "105627"]).await;
    let day = NewEvent {
        network: north,
        kind: "senior-leaders-network-day".into(),
        number: 1,
        term: Term { year: 2018, season: Season::Autumn },
        held_on: NaiveDate::from_ymd_opt(2018, 10, 26).expect("date"),
        starts_at: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        ends_at: NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
        urn: None,
        adviser: Some(adviser),
        capacity: None,
    };
    db.save_plan(&cli, p, &[day]).await.expect("planned");
    let token = db.create_feed(&cli, adviser, p, FeedScope::Person, None).await.expect("feed");

    let page = site.get(&format!("/calendar/{token}.ics")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.headers["content-type"].to_str().expect("type").starts_with("text/calendar"));
    assert!(page.body.contains("SUMMARY:Senior Leaders Network Day\\, Oldham North\r\n"), "{}", page.body);
    assert!(page.body.contains("DTSTART;TZID=Europe/London:20181026T090000\r\n"), "{}", page.body);

    // An administrator sees the adviser's open feed on their page and revokes it there; a
    // programme admin cannot.
    let feeds = db.feeds_of(adviser).await.expect("feeds");
    let admin = site.signed_out().as_admin().await;
    let person = admin.get(&format!("/people/{adviser}")).await;
    assert!(person.body.contains("Their own days, Feeds 2018"), "{}", person.body);
    let revoke = format!("/people/{adviser}/feeds/{}/revoke", feeds[0].id);
    let pa = site
        .signed_out()
        .signed_in(&[aspire_core::people::Grant::new(
            aspire_core::people::Role::ProgrammeAdmin,
            aspire_core::people::Scope::Programme(p),
            false,
        )
        .expect("grant")])
        .await;
    assert_eq!(pa.post(&revoke, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(site.get(&format!("/calendar/{token}.ics")).await.status, StatusCode::OK, "still open");
    let done = admin.post(&revoke, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(admin.get(&format!("/people/{adviser}")).await.body.contains("No calendar feed of theirs is open"));
    assert!(!db.revoke_feed(&cli, adviser, feeds[0].id).await.expect("revoked already"));
    assert_eq!(site.get(&format!("/calendar/{token}.ics")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get(&format!("/calendar/{}.ics", "a".repeat(64))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/calendar/not-a-token").await.status, StatusCode::NOT_FOUND);
}

/// An adviser makes a feed of their network on their account page, sees its address once,
/// subscribes, and revokes it; a feed their roles do not allow is refused.
#[tokio::test]
async fn a_feed_is_made_and_revoked_on_the_account_page_within_the_persons_roles() {
    use aspire_core::people::{Grant, Role, Scope};
    let site = app().await;
    let db = &site.db;
    let p = ProgrammeBuilder::new("Feeds on the account page").enrol(&["105626", "105627"]).create(db).await;
    let cli = Actor::command_line();
    let north = db.create_network(&cli, p, "Oldham North").await.expect("network");
    for u in ["105626", "105627"] {
        db.set_network(&cli, p, aspire_testkit::urn(u), Some(north)).await.expect("member");
    }
    let adviser = site
        .signed_out()
        .signed_in(&[Grant::new(Role::AchievementAdviser, Scope::Network { programme: p, network: north }, false)
            .expect("grant")])
        .await;
    let account = adviser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    assert!(account.body.contains("Every day of the network Oldham North"), "{}", account.body);
    assert!(!account.body.contains(&format!("value=\"programme:{p}\"")), "not the whole programme: {}", account.body);

    let none = adviser.post("/account/feeds", &[("feed", ""), ("name", "On my phone")]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(none.body.contains("value=\"On my phone\""), "the name typed is kept: {}", none.body);
    assert!(none.body.contains("Choose a calendar from the list"), "{}", none.body);
    let not_theirs = adviser.post("/account/feeds", &[("feed", &format!("programme:{p}"))]).await;
    assert_eq!(not_theirs.status, StatusCode::BAD_REQUEST, "a feed the roles do not allow");
    assert!(!adviser.get("/account").await.body.contains("Revoke"), "nothing made");

    let made = adviser.post("/account/feeds", &[("feed", &format!("network:{p}:{north}"))]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let start = made.body.find("/calendar/").expect("the address is shown");
    let path: String = made.body[start..].chars().take_while(|c| *c != '<').collect();
    assert!(path.ends_with(".ics") && path.len() == "/calendar/".len() + 64 + 4, "{path}");
    let feed = site.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    assert!(feed.body.starts_with("BEGIN:VCALENDAR\r\n"), "{}", feed.body);
    let again = adviser.get("/account").await;
    assert!(!again.body.contains(&path), "the address is shown only once");
    assert!(again.body.contains("Revoke"), "{}", again.body);
    assert!(again.body.contains("<td>Feed 1</td>"), "an unnamed feed is numbered: {}", again.body);
    let long = "x".repeat(61);
    let refused = adviser.post("/account/feeds", &[("feed", &format!("network:{p}:{north}")), ("name", &long)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let named =
        adviser.post("/account/feeds", &[("feed", &format!("network:{p}:{north}")), ("name", "Outlook at work")]).await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.body);
    assert!(named.body.contains("<td>Outlook at work</td>"), "the same days, told apart by name: {}", named.body);
    let same = adviser
        .post("/account/feeds", &[("feed", &format!("network:{p}:{north}")), ("name", " outlook  AT work ")])
        .await;
    assert_eq!(same.status, StatusCode::BAD_REQUEST, "{}", same.body);
    assert!(same.body.contains("You already have a feed named outlook AT work"), "{}", same.body);
    assert!(same.body.contains("<a href=\"#feed-name\">") && same.body.contains("<title>Error: "), "{}", same.body);
    assert!(same.body.contains("Yes, revoke"), "revoking asks first: {}", same.body);

    let at = again.body.find("/account/feeds/").expect("a revoke form");
    let action: String = again.body[at..].chars().take_while(|c| *c != '"').collect();
    let revoked = adviser.post(&action, &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert_eq!(site.get(&path).await.status, StatusCode::NOT_FOUND);
    assert!(adviser.get("/account").await.body.contains("Revoked "), "the row says so");
    let twice = adviser.post(&action, &[]).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);

    // Oldham's officer makes a feed of one of its schools' days.
    let oldham = aspire_core::codes::LaCode::parse("353").expect("la");
    let officer = site
        .signed_out()
        .signed_in(&[
            Grant::new(Role::LaOfficer, Scope::LocalAuthority { programme: p, la: oldham }, false).expect("grant")
        ])
        .await;
    let value = format!("school:{p}:105626");
    assert!(officer.get("/account").await.body.contains(&format!("value=\"{value}\"")), "a school's days offered");
    let made = officer.post("/account/feeds", &[("feed", &value)]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let start = made.body.find("/calendar/").expect("the address is shown");
    let path: String = made.body[start..].chars().take_while(|c| *c != '<').collect();
    let feed = site.get(&path).await;
    assert!(feed.status == StatusCode::OK && feed.body.starts_with("BEGIN:VCALENDAR\r\n"), "{}", feed.body);
}
