//! The programme year on the web: the team plans it (shown first, saved when confirmed), filters
//! its days, and moves or cancels a day on its row with every refusal said there; the network's
//! people read their days and change nothing.

use axum::http::StatusCode;
use chrono::{Datelike, Days};

use aspire_core::access::Visible;
use aspire_core::people::{Grant, Role, Scope};
use aspire_store::{Actor, EventStatus};
use aspire_testkit::{ProgrammeBuilder, network_with_adviser, urn};

use crate::app;

const GUILDFORD: [&str; 4] = ["125004", "125009", "125025", "125067"];

#[tokio::test]
async fn the_team_plans_the_year_then_moves_and_cancels_days_and_the_network_reads_them() {
    let site = app().await;
    let db = site.db.clone();
    let _ = Actor::command_line();
    let p = ProgrammeBuilder::new("Guildford year").enrol(&GUILDFORD).create(&db).await;
    let (net, _) = network_with_adviser(&db, p, "Guildford North", &GUILDFORD).await;
    let url = format!("/programmes/{p}/year");
    let team = site.signed_out().as_admin().await;

    let first = team.get(&url).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("No days are planned yet"), "{}", first.body);
    assert!(first.body.contains("Not planned yet: Guildford North"), "{}", first.body);

    // Shown first: nothing saved.
    let shown = team.post(&format!("{url}/plan"), &[]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("The plan has 30 days") && shown.body.contains("Save this plan"), "{}", shown.body);
    assert!(shown.body.contains("Guildford North: its 30 days"), "each day is shown: {}", shown.body);
    assert!(shown.body.contains("Senior Leaders Network Day</td>"), "{}", shown.body);
    assert!(
        db.programme_events(p, &Visible::everything()).await.expect("days").is_empty(),
        "a plan shown saves nothing"
    );
    let saved = team.post(&format!("{url}/plan"), &[("save", "yes")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let to = saved.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(to.contains("done=planned"), "{to}");
    assert!(team.get(&to).await.body.contains("The plan is saved"), "a confirmation");
    let days = db.programme_events(p, &Visible::everything()).await.expect("days");
    assert_eq!(days.len(), 30);
    let page = team.get(&url).await;
    assert!(page.body.contains("30 of 30 days shown") && page.body.contains("has its days planned"), "{}", page.body);
    let spring = team.get(&format!("{url}?term=2018-spring")).await;
    assert!(spring.body.contains("10 of 30 days shown"), "{}", spring.body);
    let odd = team.get(&format!("{url}?term=2031-winter&network=999&status=soon")).await;
    assert_eq!(odd.status, StatusCode::OK, "{}", odd.body);
    assert!(odd.body.contains("30 of 30 days shown"), "a value not offered is set aside: {}", odd.body);
    for said in ["no network &#39;999&#39;", "a term &#39;2031-winter&#39;", "&#39;soon&#39; is not a status"] {
        assert!(odd.body.contains(said), "{said}: {}", odd.body);
    }
    let again = team.post(&format!("{url}/plan"), &[]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("planned already"), "{}", again.body);

    // A move onto a weekend is refused on the day's row, with what was typed kept.
    let nd = days.iter().find(|e| e.urn.is_none()).expect("a Network Day");
    let saturday = nd.held_on + Days::new(u64::from(12 - nd.held_on.weekday().num_days_from_monday()) % 7);
    let moved = team.post(&format!("{url}/{}/move", nd.id), &[("to", &saturday.to_string()), ("reason", "")]).await;
    assert_eq!(moved.status, StatusCode::BAD_REQUEST);
    assert!(
        moved.body.contains("weekend") && moved.body.contains(&format!("href=\"#to-{}\"", nd.id)),
        "{}",
        moved.body
    );
    assert!(moved.body.contains(&format!("value=\"{saturday}\"")), "kept");
    assert!(moved.body.contains("<title>Error: "), "the title says so");
    let blank = team.post(&format!("{url}/{}/move", nd.id), &[("to", ""), ("reason", "")]).await;
    assert!(blank.body.contains("Enter the new date"), "{}", blank.body);
    let same = nd.held_on.to_string();
    let network = nd.network.to_string();
    let stay = [("to", same.as_str()), ("reason", ""), ("network", network.as_str())];
    let stay = team.post(&format!("{url}/{}/move", nd.id), &stay).await;
    assert!(stay.body.contains("The new date is the day&#39;s date already: choose another date"), "{}", stay.body);
    assert!(stay.body.contains(&format!("<option value=\"{network}\" selected>")), "the filter is kept: {}", stay.body);

    // A cancellation needs its reason; then the row stays, marked.
    let no_reason = team.post(&format!("{url}/{}/cancel", nd.id), &[("reason", " ")]).await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("Say why the day is cancelled"), "{}", no_reason.body);
    let cancelled = team.post(&format!("{url}/{}/cancel", nd.id), &[("reason", "Snow closed the roads")]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.body);
    let to = cancelled.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let said = team.get(&to).await.body;
    assert!(said.contains("The day is cancelled. For a day still to come, those invited are emailed why"), "{to}");
    let e = db.programme_event(p, nd.id).await.expect("read").expect("day");
    assert_eq!((e.status, e.sequence), (EventStatus::Cancelled, 1));
    let page = team.get(&format!("{url}?status=cancelled")).await;
    assert!(page.body.contains("1 of 30 days shown") && page.body.contains("Snow closed the roads"), "{}", page.body);

    // A head of a member school reads the days and changes nothing; the network page lists them.
    let head = site
        .signed_out()
        .signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn(GUILDFORD[0])), false).expect("grant")])
        .await;
    let theirs = head.get(&url).await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert!(theirs.body.contains("30 of 30 days shown"), "{}", theirs.body);
    assert!(!theirs.body.contains("Cancel the day") && !theirs.body.contains("Plan the year"), "{}", theirs.body);
    let refused = head.post(&format!("{url}/plan"), &[("save", "yes")]).await;
    assert!(matches!(refused.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", refused.status);
    let network = head.get(&format!("/programmes/{p}/networks/{net}")).await;
    assert!(network.body.contains("The network&#39;s planned days"), "{}", network.body);
    assert!(network.body.contains("cancelled: Snow closed the roads"), "{}", network.body);
}

/// The team uploads a file of term dates: a bad row saves nothing and is named; a good file is
/// saved and the year is planned on it (no day in the LA's half-term).
#[tokio::test]
async fn a_file_of_term_dates_uploaded_is_checked_whole_then_the_year_is_planned_on_it() {
    let site = app().await;
    let db = site.db.clone();
    let p = ProgrammeBuilder::new("Guildford terms").enrol(&GUILDFORD).create(&db).await;
    network_with_adviser(&db, p, "Guildford North", &GUILDFORD).await;
    let url = format!("/programmes/{p}/year");
    let team = site.signed_out().as_admin().await;
    let page = team.get(&url).await;
    assert!(page.body.contains("at most 5 MB; up to 20000 rows"), "the limits are on the form: {}", page.body);
    let header = "la_code,urn,academic_year,term,starts,ends,half_term_starts,half_term_ends,closed_on,reason\n";
    // Surrey (936): an autumn half-term two weeks after the default's.
    let bad = format!(
        "{header}936,,2017/18,autumn,05/09/2017,20/12/2017,06/11/2017,10/11/2017,,\n936,,2017/18,winter,,,,,,\n"
    );
    let refused = team.upload(&format!("{url}/terms"), "terms.csv", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("Nothing was saved: "), "{}", refused.body);
    assert!(refused.body.contains("line 3, column term, value &#39;winter&#39;"), "{}", refused.body);
    // A file named .xlsx that is no workbook: said plainly, with what to do next.
    let broken = team.upload(&format!("{url}/terms"), "terms.xlsx", &bad).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{}", broken.body);
    assert!(broken.body.contains("is not an Excel workbook that can be opened"), "{}", broken.body);
    assert!(broken.body.contains("save it again as .xlsx, or save it as CSV"), "{}", broken.body);
    let calendars = aspire_app::calendar::school_calendars(&db, &[urn(GUILDFORD[0])]).await.expect("calendar");
    assert!(calendars[&urn(GUILDFORD[0])].is_open(chrono::NaiveDate::from_ymd_opt(2017, 11, 7).expect("date")));

    let good = format!("{header}936,,2017/18,autumn,05/09/2017,20/12/2017,06/11/2017,10/11/2017,,\n");
    let saved = team.upload(&format!("{url}/terms"), "terms.csv", &good).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("Saved 1 term and 0 closure days for 1 local authority"), "{}", saved.body);
    team.post(&format!("{url}/plan"), &[("save", "yes")]).await;
    let days = db.programme_events(p, &Visible::everything()).await.expect("days");
    assert_eq!(days.len(), 30);
    let half_term = chrono::NaiveDate::from_ymd_opt(2017, 11, 6).expect("date")
        ..=chrono::NaiveDate::from_ymd_opt(2017, 11, 10).expect("date");
    assert!(days.iter().all(|e| !half_term.contains(&e.held_on)), "none in Surrey's half-term");

    // A closure day entered after planning on a day one school has a Development Day: saved, and
    // the day listed to move or cancel, linked to its row.
    let dev = days.iter().find(|e| e.urn == Some(urn(GUILDFORD[0]))).expect("a Development Day");
    let closure = format!("{header},{},,,,,,,{},INSET day\n", GUILDFORD[0], dev.held_on.format("%d/%m/%Y"));
    let saved = team.upload(&format!("{url}/terms"), "closure.csv", &closure).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("1 planned day now falls on a day a school is closed"), "{}", saved.body);
    assert!(saved.body.contains(&format!("href=\"#day-{}\"", dev.id)), "{}", saved.body);
    // Still listed on the year page later, until the day is moved or cancelled.
    let later = team.get(&url).await.body;
    assert!(later.contains("1 planned day now falls on a day a school is closed"), "{later}");
    let cancel = team.post(&format!("{url}/{}/cancel", dev.id), &[("reason", "The school's INSET day")]).await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER, "{}", cancel.body);
    assert!(!team.get(&url).await.body.contains("now falls on a day a school is closed"), "gone once cancelled");
}
