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
    let token = db.create_feed(&cli, adviser, p, FeedScope::Person).await.expect("feed");

    let page = site.get(&format!("/calendar/{token}.ics")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.headers["content-type"].to_str().expect("type").starts_with("text/calendar"));
    assert!(page.body.contains("SUMMARY:Senior Leaders Network Day\\, Oldham North\r\n"), "{}", page.body);
    assert!(page.body.contains("DTSTART;TZID=Europe/London:20181026T090000\r\n"), "{}", page.body);

    let feeds = db.feeds_of(adviser).await.expect("feeds");
    assert!(db.revoke_feed(&cli, adviser, feeds[0].id).await.expect("revoked"));
    assert_eq!(site.get(&format!("/calendar/{token}.ics")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get(&format!("/calendar/{}.ics", "a".repeat(64))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/calendar/not-a-token").await.status, StatusCode::NOT_FOUND);
}
