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

    // Advisers: within capacity, at least travel; unknown people and too little capacity refused.
    let email = aspire_core::people::Email::parse("alex@provider.example").expect("email");
    db.add_person(&cli, &email, "Alex Adviser", &[]).await.expect("person");
    let advisers = format!("{base}/advisers");
    let short = admin.post(&advisers, &[("advisers", "alex@provider.example, 1, 51.24, -0.57")]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.contains("can take only 1"), "{}", short.body);
    let nobody = admin.post(&advisers, &[("advisers", "nobody@provider.example, 2, 51.24, -0.57")]).await;
    assert!(nobody.body.contains("Line 1: no one has the address"), "{}", nobody.body);
    let bad_line = admin.post(&advisers, &[("advisers", "alex@provider.example, 2, 151.24, -0.57")]).await;
    assert!(bad_line.body.contains("not a latitude"), "{}", bad_line.body);
    let two = admin
        .post(
            &advisers,
            &[("advisers", "alex@provider.example, 2, 151.24, -0.57\nnobody@provider.example, 1, 51.2, -0.5")],
        )
        .await;
    assert!(two.body.contains("Line 1: ") && two.body.contains("Line 2: no one has the address"), "{}", two.body);
    assert!(two.body.contains("nobody@provider.example, 1, 51.2, -0.5</textarea>"), "kept: {}", two.body);
    let given = admin.post(&advisers, &[("advisers", "alex@provider.example, 2, 51.24, -0.57")]).await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.body);
    assert_eq!(admin.get(&base).await.body.matches("Achievement Adviser: Alex Adviser").count(), 2);

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
