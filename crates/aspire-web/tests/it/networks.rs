//! Forming networks on the web: schools without coordinates are named, the optimiser groups
//! the rest, the page shows the total distance beside its lower bound, a school moved by hand
//! changes both, a locked network is kept when the networks are formed again, and publishing
//! shows them on the public page.

use axum::http::StatusCode;

use aspire_store::Actor;

use crate::app;

// Guildford schools of the bundled GIAS extract (with coordinates), and an Oldham school of
// the spine, which has none.
const GUILDFORD: [&str; 8] = ["125004", "125009", "125025", "125067", "125079", "125160", "125167", "125189"];
const NO_COORDINATES: &str = "105626";

/// The figure after a label in the summary ("Total distance</dt><dd>12.3 km").
fn figure(body: &str, label: &str) -> f64 {
    let at = body.find(&format!("<dt>{label}</dt><dd>")).unwrap_or_else(|| panic!("{label} in {body}"));
    let rest = &body[at + label.len() + 13..];
    rest[..rest.find(' ').expect("unit")].parse().expect("number")
}

#[tokio::test]
async fn networks_are_formed_moved_locked_and_published() {
    let admin = app().await.as_admin().await;
    let db = &admin.db;
    let cli = Actor::command_line();
    let mut schools = GUILDFORD.to_vec();
    schools.push(NO_COORDINATES);
    // Without dates, so that it is still recruiting and its published networks are public.
    let id = aspire_testkit::ProgrammeBuilder::new("Guildford")
        .starts(None)
        .area("Surrey", 2)
        .enrol(&schools)
        .create(db)
        .await;
    let base = format!("/programmes/{id}/networks");

    // Eight schools: two networks of four, with the bound below the distance.
    let formed = admin.post(&format!("{base}/form"), &[("within", "la")]).await;
    assert_eq!(formed.status, StatusCode::SEE_OTHER, "{}", formed.body);
    let page = admin.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    // The school without coordinates is left out, and named on the page.
    assert!(page.body.contains("cannot be placed") && page.body.contains(NO_COORDINATES), "{}", page.body);
    let nets = db.networks(id, &aspire_core::access::Visible::everything()).await.expect("nets");
    assert_eq!(nets.iter().map(|n| n.schools).collect::<Vec<_>>(), [4, 4]);
    assert!(nets.iter().all(|n| n.venue.is_some()), "a venue for each");
    let (total, bound) = (figure(&page.body, "Total distance"), figure(&page.body, "Lower bound"));
    assert!(bound > 0.0 && bound <= total + 1e-9, "{bound} <= {total}");
    assert_eq!(page.body.matches("<circle").count(), 8, "every school on the map");
    // Over district boundaries (Guildford's among them), with each network's label and a
    // legend, and the boundaries' attribution.
    assert!(page.body.contains("<title>Guildford</title></path>"), "{}", page.body);
    assert_eq!(page.body.matches("class=\"map-label\"").count(), 2);
    assert!(page.body.contains("data-testid=\"map-legend\""));
    assert!(page.body.contains("Martin Chorley, CC BY 4.0"));
    assert!(page.body.len() < 200_000, "the page stays small: {} bytes", page.body.len());
    assert!(page.body.contains("suggested venue"));

    // Move a school by hand: the distance changes.
    let (first, second) = (&nets[0], &nets[1]);
    let taking = db.taking_part(id, &aspire_core::access::Visible::everything()).await.expect("schools");
    let mover = taking.iter().find(|s| s.network == Some(second.id)).expect("member").urn;
    let moved = admin
        .post(
            &format!("/programmes/{id}/schools/{mover}/network"),
            &[("network", &first.id.to_string()), ("next", "networks")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert!(moved.headers["location"].to_str().expect("location").starts_with(&base));
    let after = admin.get(&base).await;
    assert!((figure(&after.body, "Total distance") - total).abs() > 1e-6, "the total changed");

    // Lock the network of five: forming again keeps it and groups the other three.
    let lock = admin.post(&format!("{base}/{}/lock", first.id), &[("locked", "yes")]).await;
    assert_eq!(lock.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.post(&format!("{base}/form"), &[]).await.status, StatusCode::SEE_OTHER);
    let nets = db.networks(id, &aspire_core::access::Visible::everything()).await.expect("nets");
    let kept = nets.iter().find(|n| n.id == first.id).expect("kept");
    assert!(kept.locked && kept.schools == 5, "{nets:?}");
    assert_eq!(nets.iter().map(|n| n.schools).sum::<usize>(), 8);
    let bad = admin.post(&format!("{base}/form"), &[("within", "county")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Advisers, placed by postcode district or school: every problem with every row at once,
    // beside its field, what was typed kept; too little capacity assigns what it can.
    let email = aspire_core::people::Email::parse("alex@provider.example").expect("email");
    db.add_person(&cli, &email, "Alex Adviser", &[]).await.expect("person");
    let advisers = format!("{base}/advisers");
    let empty = admin.post(&advisers, &[("email-1", ""), ("capacity-1", ""), ("home-1", "")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("Enter at least one adviser"), "{}", empty.body);
    let two = admin
        .post(
            &advisers,
            &[
                ("email-1", "alex@provider.example"),
                ("capacity-1", "two"),
                ("home-1", "53.79, -1.75"),
                ("email-2", "nobody@provider.example"),
                ("capacity-2", "1"),
                ("home-2", "ZZ99"),
            ],
        )
        .await;
    assert_eq!(two.status, StatusCode::BAD_REQUEST);
    for said in [
        "Adviser 1: the networks they can take must be a whole number",
        "Adviser 1: &#39;53.79, -1.75&#39; is not a postcode district",
        "Adviser 2: no one has the address nobody@provider.example",
        "Adviser 2: no school in the register has a postcode in ZZ99",
    ] {
        assert!(two.body.contains(said), "{said}: {}", two.body);
    }
    assert!(two.body.contains("href=\"#home-2\"") && two.body.contains("id=\"home-2-error\""), "{}", two.body);
    assert!(two.body.contains("value=\"nobody@provider.example\""), "kept: {}", two.body);
    assert!(two.body.contains("id=\"email-3\""), "a row to add another");
    let more = admin.get(&format!("{base}?rows=5")).await.body;
    assert!(more.contains("id=\"email-5\"") && !more.contains("id=\"email-6\""), "rows added on asking");
    assert!(more.contains("name=\"more\" value=\"yes\""), "and another");
    // Adding a row keeps what was typed, and assigns nothing.
    let typed = [
        ("email-1", "kept@provider.example"),
        ("capacity-1", "2"),
        ("home-1", "GU1"),
        ("email-3", ""),
        ("more", "yes"),
    ];
    let grown = admin.post(&advisers, &typed).await;
    assert_eq!(grown.status, StatusCode::OK, "{}", grown.body);
    assert!(grown.body.contains("value=\"kept@provider.example\"") && grown.body.contains("id=\"email-4\""));
    assert!(!grown.body.contains("Error:"), "nothing is checked yet: {}", grown.body);
    // One network's worth of capacity: one network is advised, the other said to have none.
    let short =
        admin.post(&advisers, &[("email-1", "alex@provider.example"), ("capacity-1", "1"), ("home-1", "GU1")]).await;
    assert_eq!(short.status, StatusCode::SEE_OTHER, "{}", short.body);
    let page = admin.get(&base).await.body;
    assert_eq!(page.matches("Achievement Adviser: Alex Adviser").count(), 1, "{page}");
    assert!(page.contains("1 network has no Achievement Adviser"), "{page}");
    // By a school's URN, with room for both.
    let given =
        admin.post(&advisers, &[("email-1", "alex@provider.example"), ("capacity-1", "2"), ("home-1", "125009")]).await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    let page = admin.get(&base).await.body;
    assert_eq!(page.matches("Achievement Adviser: Alex Adviser").count(), 2);
    assert!(!page.contains("no Achievement Adviser,"), "{page}");
    // Room for one again would take a network from its adviser: asked first, nothing changed.
    let one = [("email-1", "alex@provider.example"), ("capacity-1", "1"), ("home-1", "125009")];
    let asked = admin.post(&advisers, &one).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("Change 1 network's adviser?"), "{}", asked.body);
    assert!(asked.body.contains("<td>Alex Adviser</td><td><strong>no adviser</strong>"), "{}", asked.body);
    assert!(asked.body.contains("name=\"capacity-1\" value=\"1\""), "the rows are carried: {}", asked.body);
    assert_eq!(admin.get(&base).await.body.matches("Achievement Adviser: Alex Adviser").count(), 2, "unchanged");
    let mut back = one.to_vec();
    back.extend([("confirmed", "yes"), ("more", "back")]);
    let back = admin.post(&advisers, &back).await;
    assert!(back.body.contains("value=\"alex@provider.example\""), "back with the rows as typed: {}", back.body);
    assert_eq!(admin.get(&base).await.body.matches("Achievement Adviser: Alex Adviser").count(), 2, "still unchanged");
    let mut yes = one.to_vec();
    yes.push(("confirmed", "yes"));
    let done = admin.post(&advisers, &yes).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(admin.get(&base).await.body.matches("Achievement Adviser: Alex Adviser").count(), 1);
    let both = [("email-1", "alex@provider.example"), ("capacity-1", "2"), ("home-1", "125009")];
    assert_eq!(admin.post(&advisers, &both).await.status, StatusCode::SEE_OTHER, "no network loses one");

    // Forming again when it would change networks with roles in them: the page says which
    // first, changes nothing, and lets the team keep some.
    let unlock = admin.post(&format!("{base}/{}/lock", first.id), &[("locked", "no")]).await;
    assert_eq!(unlock.status, StatusCode::SEE_OTHER);
    let asked = admin.post(&format!("{base}/form"), &[]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("Form the networks again?"), "{}", asked.body);
    assert!(asked.body.contains("Alex Adviser (Achievement Adviser)"), "the roles that end: {}", asked.body);
    let second_id = nets.iter().find(|n| n.id != first.id).expect("second").id;
    assert!(asked.body.contains(&format!("name=\"keep\" value=\"{second_id}\"")), "{}", asked.body);
    let unchanged = db.networks(id, &aspire_core::access::Visible::everything()).await.expect("nets");
    assert_eq!(unchanged.iter().map(|n| n.schools).collect::<Vec<_>>(), [5, 3], "nothing changed yet");
    // What is saved is what was shown: the proposal comes back with the confirmation, and one
    // that no longer fits the programme is refused, changing nothing.
    assert!(asked.body.contains("name=\"proposed\" value=\""), "{}", asked.body);
    let stale =
        admin.post(&format!("{base}/form"), &[("confirmed", "yes"), ("proposed", "|105626,105627|North 1")]).await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST, "{}", stale.body);
    assert!(stale.body.contains("have changed since these networks were proposed"), "{}", stale.body);
    let still = db.networks(id, &aspire_core::access::Visible::everything()).await.expect("nets");
    assert_eq!(still.iter().map(|n| n.schools).collect::<Vec<_>>(), [5, 3], "nothing changed");
    // Keep the network of three: it is locked, the other five stay one network, and the
    // adviser keeps both roles.
    let kept = admin.post(&format!("{base}/form"), &[("confirmed", "yes"), ("keep", &second_id.to_string())]).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let after = db.networks(id, &aspire_core::access::Visible::everything()).await.expect("nets");
    assert!(after.iter().any(|n| n.id == second_id && n.locked && n.schools == 3), "{after:?}");
    assert_eq!(admin.get(&base).await.body.matches("Achievement Adviser: Alex Adviser").count(), 2);

    // Publish: the public page lists them.
    assert_eq!(admin.post(&format!("{base}/publish"), &[]).await.status, StatusCode::SEE_OTHER);
    let public = admin.signed_out();
    let join = public.get("/join?q=Surrey").await;
    assert!(join.body.contains("Networks formed:") && join.body.contains("(5 schools)"), "{}", join.body);
}

/// A network's page: its adviser, the programme's dates, and the contacts of its adviser and
/// heads, which only its heads, its adviser and the team see; the team renames and unpublishes.
#[tokio::test]
async fn a_network_page_shows_its_people_to_its_people_only_and_the_team_changes_it() {
    use aspire_core::people::{Grant, Role, Scope};
    let site = app().await;
    let db = site.db.clone();
    let cli = Actor::command_line();
    let id = aspire_testkit::ProgrammeBuilder::new("Guildford").enrol(&GUILDFORD).create(&db).await;
    // Networks made here, not with the test kit's adviser, whose addresses could meet the
    // signed-in people's.
    let (net, other) = (
        db.create_network(&cli, id, "Guildford North").await.expect("network"),
        db.create_network(&cli, id, "Guildford South").await.expect("network"),
    );
    for (i, u) in GUILDFORD.iter().enumerate() {
        db.set_network(&cli, id, aspire_testkit::urn(u), Some(if i < 4 { net } else { other })).await.expect("member");
    }
    let adviser_grant =
        Grant::new(Role::AchievementAdviser, Scope::Network { programme: id, network: net }, false).expect("grant");
    let adviser_address = aspire_core::people::Email::parse("ada.adviser@provider.example").expect("email");
    let adviser = db.add_person(&cli, &adviser_address, "Ada Adviser", &[adviser_grant]).await.expect("adviser");
    let head_email = aspire_core::people::Email::parse("head.wood@school.example").expect("email");
    let head_grant =
        Grant::new(Role::HeadTeacher, Scope::School(aspire_testkit::urn(GUILDFORD[0])), false).expect("grant");
    db.add_person(&cli, &head_email, "Hilary Head", std::slice::from_ref(&head_grant)).await.expect("head");
    let adviser_email = db.person(adviser).await.expect("read").expect("adviser").email.to_string();
    let url = format!("/programmes/{id}/networks/{net}");

    let grant = |r: Role, s: Scope| Grant::new(r, s, false).expect("grant");
    let member = |i: usize| Scope::School(aspire_testkit::urn(GUILDFORD[i]));
    // Those who see the contacts: the team, the network's adviser, a head of one of its schools.
    let team = site.signed_out().as_admin().await;
    let own_adviser = site
        .signed_out()
        .signed_in(&[grant(Role::AchievementAdviser, Scope::Network { programme: id, network: net })])
        .await;
    let a_head = site.signed_out().signed_in(&[grant(Role::HeadTeacher, member(1))]).await;
    for (who, viewer) in [("team", &team), ("adviser", &own_adviser), ("head", &a_head)] {
        let page = viewer.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
        assert!(
            page.body.contains("head.wood@school.example") && page.body.contains("Hilary Head"),
            "{who}: {}",
            page.body
        );
        assert!(page.body.contains(&adviser_email), "{who} sees the adviser's contact: {}", page.body);
        assert!(page.body.contains("Autumn 2017") && page.body.contains("1 November 2017"), "{who}: the dates");
    }
    // Those who see the network but not the contacts: a teacher of a member school, the other
    // network's adviser, a head outside the network.
    let teacher = site.signed_out().signed_in(&[grant(Role::Teacher, member(0))]).await;
    let other_adviser = site
        .signed_out()
        .signed_in(&[grant(Role::AchievementAdviser, Scope::Network { programme: id, network: other })])
        .await;
    let other_head = site.signed_out().signed_in(&[grant(Role::HeadTeacher, member(5))]).await;
    for (who, viewer) in [("teacher", &teacher), ("other adviser", &other_adviser), ("other head", &other_head)] {
        let page = viewer.get(&url).await;
        if page.status == StatusCode::OK {
            assert!(!page.body.contains("head.wood@school.example"), "{who} sees a head's contact: {}", page.body);
            assert!(!page.body.contains(&adviser_email), "{who} sees the adviser's contact");
            assert!(!page.body.contains("Rename"), "{who} may not rename");
        } else {
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
        }
    }
    assert!(teacher.get(&url).await.body.contains("shown only to the network"), "the teacher is told who sees them");
    // Only the team renames and unpublishes.
    let refused = a_head.post(&format!("{url}/rename"), &[("name", "Ours")]).await;
    assert!(matches!(refused.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", refused.status);

    // Rename: every mistake on the form, what was typed kept; then done, and audited.
    let blank = team.post(&format!("{url}/rename"), &[("name", "  ")]).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.body.contains("Enter the network&#39;s new name"), "{}", blank.body);
    let taken = team.post(&format!("{url}/rename"), &[("name", "Guildford South")]).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(taken.body.contains("Another network of this programme is called"), "{}", taken.body);
    assert!(taken.body.contains("value=\"Guildford South\""), "kept");
    let renamed = team.post(&format!("{url}/rename"), &[("name", "Merrow and Burpham")]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    assert_eq!(db.network(net).await.expect("read").expect("network").name, "Merrow and Burpham");

    // Unpublish: a confirmation first, which changes nothing; then done.
    db.publish_networks(&cli, id).await.expect("published");
    let asked = team.post(&format!("{url}/unpublish"), &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Unpublish Merrow and Burpham?"), "{}", asked.body);
    assert!(db.network(net).await.expect("read").expect("network").published_at.is_some(), "not yet");
    let done = team.post(&format!("{url}/unpublish"), &[("confirmed", "yes")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(db.network(net).await.expect("read").expect("network").published_at.is_none());
    assert_eq!(team.post(&format!("{url}/unpublish"), &[("confirmed", "yes")]).await.status, StatusCode::BAD_REQUEST);
    let everything = aspire_core::access::Visible::everything();
    for action in [aspire_core::audit::AuditAction::NetworkRename, aspire_core::audit::AuditAction::NetworkUnpublish] {
        let q = aspire_store::AuditQuery { action: Some(action), ..aspire_store::AuditQuery::default() };
        assert_eq!(db.audit_log(&everything, &q).await.expect("log").len(), 1, "{action}");
    }
}

/// Networks in areas far apart (Guildford and Andover, 64 km) are drawn on maps of their own,
/// each at a scale where its networks can be read, each with its own legend.
#[tokio::test]
async fn areas_far_apart_get_a_map_each() {
    let admin = app().await.as_admin().await;
    let mut schools = GUILDFORD.to_vec();
    schools.extend(["115852", "115853", "115854", "115857"]);
    let id = aspire_testkit::ProgrammeBuilder::new("Two areas").enrol(&schools).create(&admin.db).await;
    let base = format!("/programmes/{id}/networks");
    assert_eq!(admin.post(&format!("{base}/form"), &[("within", "la")]).await.status, StatusCode::SEE_OTHER);
    let page = admin.get(&base).await.body;
    assert_eq!(page.matches("data-testid=\"networks-map\"").count(), 2, "{page}");
    assert!(page.contains("of 2: Surrey</strong>") && page.contains("of 2: Hampshire</strong>"), "{page}");
    assert_eq!(page.matches("data-testid=\"map-legend\"").count(), 2);
    assert_eq!(page.matches("class=\"map-label\"").count(), 3, "three networks, each labelled once");
    // Each map shows its own area's districts: Guildford on Surrey's, Test Valley (Andover) on
    // Hampshire's, and not the other's.
    let maps: Vec<&str> = page.split("data-testid=\"networks-map\"").skip(1).collect();
    for m in maps {
        let surrey = m.contains("of 2: Surrey</strong>");
        assert_eq!(m.contains("<title>Guildford</title></path>"), surrey);
        assert_eq!(m.contains("<title>Test Valley</title></path>"), !surrey);
    }
}
