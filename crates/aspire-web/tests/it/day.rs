//! A planned day's page on the web: the team sets its places (a bad number is said on the
//! page); the network's adviser adds a file and a link (a file that is not what its name says
//! is refused, the title kept); a head of the network's school downloads the file as an
//! attachment once the day is held; a head of another network's school cannot.

use axum::http::StatusCode;

use aspire_core::access::Visible;
use aspire_core::people::{Grant, Role, Scope};
use aspire_testkit::{ProgrammeBuilder, network_with_adviser, urn};

use crate::app;

const GUILDFORD: [&str; 4] = ["125004", "125009", "125025", "125067"];

#[tokio::test]
async fn the_team_sets_a_days_places_and_the_adviser_shares_its_resources_with_the_network() {
    let site = app().await;
    let db = site.db.clone();
    let p = ProgrammeBuilder::new("Guildford day").enrol(&GUILDFORD).create(&db).await;
    let (north, _) = network_with_adviser(&db, p, "Guildford North", &GUILDFORD).await;
    let team = site.signed_out().as_admin().await;
    let planned = team.post(&format!("/programmes/{p}/year/plan"), &[("save", "yes")]).await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let days = db.programme_events(p, &Visible::everything()).await.expect("days");
    let nd = days.iter().find(|e| e.kind == "senior-leaders-network-day").expect("a Network Day");
    let url = format!("/programmes/{p}/year/{}", nd.id);
    let year = team.get(&format!("/programmes/{p}/year")).await;
    assert!(year.body.contains(&format!("href=\"{url}\"")), "the year's rows link to the day");

    let bad = team.post(&format!("{url}/places"), &[("places", "lots")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("The number of places &#39;lots&#39; is not a whole number"), "{}", bad.body);
    assert!(bad.body.contains("name=\"places\" inputmode=\"numeric\" value=\"lots\""), "what was typed is kept");
    let set = team.post(&format!("{url}/places"), &[("places", "24")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = team.get(&format!("{url}?done=places")).await;
    assert!(page.body.contains("24: 0 with a place"), "{}", page.body);

    let adviser_grant =
        Grant::new(Role::AchievementAdviser, Scope::Network { programme: p, network: north }, false).expect("grant");
    let adviser = site.signed_out().signed_in(&[adviser_grant]).await;
    let page = adviser.get(&url).await;
    assert!(page.body.contains("Add a file or a link") && !page.body.contains("Save the places"), "{}", page.body);
    // Not an upload at all: this site's page, not the framework's plain text.
    let plain = adviser.post(&format!("{url}/resources"), &[("title", "Questioning")]).await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST, "{}", plain.body);
    assert!(plain.body.contains("did not arrive as an upload") && plain.body.contains("<html"), "{}", plain.body);
    let fake = adviser
        .post_multipart(
            &format!("{url}/resources"),
            &[("title", "Questioning"), ("link", "")],
            Some(("q.pdf", b"<html>")),
        )
        .await;
    assert_eq!(fake.status, StatusCode::BAD_REQUEST);
    assert!(fake.body.contains("The file q.pdf does not hold what its name says"), "{}", fake.body);
    assert!(fake.body.contains("value=\"Questioning\""), "the title is kept");
    let pdf = b"%PDF-1.4\n% questioning strategies\n";
    let added = adviser
        .post_multipart(&format!("{url}/resources"), &[("title", "Questioning"), ("link", "")], Some(("q.pdf", pdf)))
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let link = adviser
        .post_multipart(
            &format!("{url}/resources"),
            &[("title", "Feedback guidance"), ("link", "https://example.org/f")],
            None,
        )
        .await;
    assert_eq!(link.status, StatusCode::SEE_OTHER, "{}", link.body);
    let both = adviser
        .post_multipart(
            &format!("{url}/resources"),
            &[("title", "Both"), ("link", "https://example.org/g")],
            Some(("n.txt", b"x")),
        )
        .await;
    assert!(both.body.contains("Give a file or a link, not both"), "{}", both.body);
    let listed = db.day_resources(p, nd.id).await.expect("resources");
    assert_eq!(listed.len(), 2);

    // The day is held (the programme started in 2017): the network's head opens the file.
    let head = site
        .signed_out()
        .signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn(GUILDFORD[0])), false).expect("grant")])
        .await;
    let page = head.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Questioning") && page.body.contains("Feedback guidance"), "{}", page.body);
    assert!(!page.body.contains("Add a file or a link"), "a head does not add");
    let file = head.get(&format!("{url}/resources/{}", listed[0].id)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body.as_bytes(), pdf);
    let header = |k: &str| file.headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("content-disposition"), "attachment; filename=\"q.pdf\"");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let network = head.get(&format!("/programmes/{p}/networks/{north}")).await;
    assert!(network.body.contains("data-testid=\"network-resources\""), "kept on the network's page");
    let refused =
        head.post_multipart(&format!("{url}/resources"), &[("title", "Mine"), ("link", "https://a.org/x")], None).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);

    let outsider = site
        .signed_out()
        .signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn("125300")), false).expect("grant")])
        .await;
    let file = outsider.get(&format!("{url}/resources/{}", listed[0].id)).await;
    assert_eq!(file.status, StatusCode::NOT_FOUND);
    // An evaluator reads the day, and is told whose its resources are (never "once held").
    let evaluator =
        site.signed_out().signed_in(&[Grant::new(Role::Evaluator, Scope::Programme(p), false).expect("grant")]).await;
    let read = evaluator.get(&url).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(read.body.contains("data-testid=\"resources-not-shared\"") && !read.body.contains("Questioning"));

    // The cohort's dose for the evaluation: each of the four schools, nothing recorded yet.
    let year = team.get(&format!("/programmes/{p}/year")).await;
    assert!(year.body.contains(&format!("href=\"/programmes/{p}/doses.csv\"")), "the year links the dose");
    let csv = team.get(&format!("/programmes/{p}/doses.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 5, "{}", csv.body);
    assert!(
        lines[0].starts_with("urn,school,network,") && lines[0].ends_with(",total_days_not_recorded"),
        "{}",
        lines[0]
    );
    assert!(adviser.get(&format!("/programmes/{p}/doses.csv")).await.status.is_client_error(), "not the adviser's");

    // The team adds a Development Day: on the adviser's busy day it is refused, said at the
    // date; on a free day every school of it is open, it is added and its page shown.
    let busy: std::collections::BTreeSet<chrono::NaiveDate> = days.iter().map(|e| e.held_on).collect();
    let other = days.iter().find(|e| e.urn.is_some_and(|u| u != urn(GUILDFORD[0]))).expect("another school's day");
    let add = |date: String| {
        let team = &team;
        async move {
            let fields = [
                ("add-network", north.to_string()),
                ("add-kind", "development-day".to_owned()),
                ("add-school", GUILDFORD[0].to_owned()),
                ("add-date", date),
                ("add-starts", "09:00".to_owned()),
                ("add-ends", "12:00".to_owned()),
                ("add-places", String::new()),
            ];
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            team.post(&format!("/programmes/{p}/year/days"), &fields).await
        }
    };
    // A Network Day given a school, at all hours: both said at once, and the filters kept.
    let network = north.to_string();
    let silly = [
        ("add-network", network.as_str()),
        ("add-kind", "senior-leaders-network-day"),
        ("add-school", GUILDFORD[0]),
        ("add-date", "2018-03-01"),
        ("add-starts", "00:00"),
        ("add-ends", "23:59"),
        ("add-places", ""),
        ("network", network.as_str()),
    ];
    let both = team.post(&format!("/programmes/{p}/year/days"), &silly).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert!(both.body.contains("is held at the network&#39;s venue, not in one school"), "{}", both.body);
    assert!(both.body.contains("starts at 07:00 or later and ends by 20:00"), "{}", both.body);
    let kept = format!("<input type=\"hidden\" name=\"network\" value=\"{network}\">");
    assert!(both.body.contains(&kept), "the filter is kept: {}", both.body);
    // The schools are grouped under their network, the one chosen kept.
    let chosen = format!("<option value=\"{}\" selected>", GUILDFORD[0]);
    let group = both.body.split("<optgroup label=\"Guildford North\">").nth(1).unwrap_or_default();
    assert!(group.split("</optgroup>").next().is_some_and(|g| g.contains(&chosen)), "{}", both.body);
    let refused = add(other.held_on.to_string()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("would break the year&#39;s plan") && refused.body.contains("in two places"),
        "{}",
        refused.body
    );
    let calendars = aspire_app::calendar::school_calendars(&db, &[urn(GUILDFORD[0])]).await.expect("calendar");
    let last = days.iter().filter(|e| e.term == nd.term).map(|e| e.held_on).max().expect("the term's last day");
    let free = last
        .iter_days()
        .skip(1)
        .take(40)
        .find(|d| {
            !busy.contains(d)
                && calendars.values().all(|c| c.is_open(*d) && c.term_of(*d).map(|t| t.term()) == Some(nd.term))
        })
        .expect("a free open day later in the term");
    let added = add(free.to_string()).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let to = added.headers.get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    let page = team.get(&to).await;
    assert!(page.body.contains("<h1>Development Day</h1>") && page.body.contains("09:00 to 12:00"), "{}", page.body);

    let removed = adviser.post(&format!("{url}/resources/{}/remove", listed[0].id), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(db.day_resources(p, nd.id).await.expect("resources").len(), 1);
}
