//! Forming a programme's networks, as the web's "Form networks" and `aspire networks form
//! --programme` both do it.

use aspire_app::networks::{self, AssignError, Boundary, FormError, FormRequest};
use aspire_core::access::Visible;
use aspire_store::Actor;
use aspire_testkit::{ProgrammeBuilder, TestDb, urn};

const FILES: &[&str] = &[
    "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv",
    "schools_england_2018_waiky8/england_spine_2017-2018.csv",
    "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv",
];

// Guildford schools of the bundled GIAS extract (with coordinates), and an Oldham school of
// the spine, which has none.
const GUILDFORD: [&str; 8] = ["125004", "125009", "125025", "125067", "125079", "125160", "125167", "125189"];
const NO_COORDINATES: &str = "105626";
/// A school in Andover, Hampshire, far west of Guildford.
const HAMPSHIRE_SCHOOL: &str = "115852";

#[tokio::test]
async fn networks_are_formed_named_saved_and_kept_when_locked() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let mut schools = GUILDFORD.to_vec();
        schools.push(NO_COORDINATES);
        let id = ProgrammeBuilder::new("Guildford").enrol(&schools).create(db).await;

        let request = FormRequest { within: Boundary::La, ..FormRequest::default() };
        let proposal = networks::propose(db, id, &request).await.expect("proposal");
        assert_eq!(proposal.size, 4, "the template's size");
        assert_eq!(proposal.not_placed, [urn(NO_COORDINATES)], "named, not dropped");
        assert_eq!(proposal.formed.len(), 2);
        assert!(proposal.formed.iter().all(|n| n.members.len() == 4));
        assert_eq!(
            proposal.formed.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
            ["Surrey 1", "Surrey 2"],
            "named after the venue's LA"
        );
        assert!(db.networks(id, &Visible::everything()).await.expect("read").is_empty(), "a proposal saves nothing");

        networks::save(db, &Actor::command_line(), &proposal).await.expect("save");
        let saved = db.networks(id, &Visible::everything()).await.expect("read");
        assert_eq!(saved.len(), 2);

        // A locked network is kept as it is, and the new one is named around it.
        let first = saved.iter().find(|n| n.name == "Surrey 1").expect("first");
        db.set_network_locked(&Actor::command_line(), id, first.id, true).await.expect("lock");
        let again = networks::form(db, &Actor::command_line(), id, &FormRequest::default()).await.expect("again");
        assert_eq!((again.kept, again.formed.len()), (1, 1));
        assert_eq!(again.formed[0].name, "Surrey 2");
        let after = db.networks(id, &Visible::everything()).await.expect("read");
        assert!(after.iter().any(|n| n.id == first.id && n.locked), "the locked network is untouched");

        // A network with days of its year planned is kept too, its days with it.
        let second = after.iter().find(|n| n.id != first.id).expect("second").id;
        let day = aspire_store::NewEvent {
            network: second,
            kind: "senior-leaders-network-day".into(),
            number: 1,
            term: aspire_core::template::Term { year: 2017, season: aspire_core::template::Season::Autumn },
            held_on: chrono::NaiveDate::from_ymd_opt(2017, 11, 7).expect("date"),
            starts_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            ends_at: chrono::NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
            urn: None,
            adviser: None,
            capacity: None,
        };
        db.save_plan(&Actor::command_line(), id, &[day]).await.expect("a day");
        db.set_network_locked(&Actor::command_line(), id, first.id, false).await.expect("unlock");
        let third = networks::form(db, &Actor::command_line(), id, &FormRequest::default()).await.expect("third");
        assert_eq!(third.kept, 1, "the planned network");
        let now = db.networks(id, &Visible::everything()).await.expect("read");
        assert!(now.iter().any(|n| n.id == second && n.days == 1), "kept with its day: {now:?}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn what_cannot_be_formed_says_why_and_changes_nothing() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        assert!(matches!(Boundary::parse("county"), Err(FormError::Boundary(b)) if b == "county"));
        assert_eq!(Boundary::parse(" LA ").expect("la"), Boundary::La);
        assert_eq!(Boundary::parse("").expect("none"), Boundary::None);

        let nowhere_id = aspire_core::people::ProgrammeId::new(999);
        let missing = networks::propose(db, nowhere_id, &FormRequest::default()).await;
        assert!(matches!(missing, Err(FormError::NoProgramme(id)) if id == nowhere_id), "{missing:?}");

        let empty = ProgrammeBuilder::new("Empty").create(db).await;
        let e = networks::propose(db, empty, &FormRequest::default()).await.expect_err("no schools");
        assert!(e.to_string().contains("enrol schools before forming networks"), "{e}");

        let nowhere = ProgrammeBuilder::new("Nowhere").enrol(&[NO_COORDINATES]).create(db).await;
        let e = networks::form(db, &Actor::command_line(), nowhere, &FormRequest::default()).await.expect_err("none");
        assert!(e.to_string().contains("105626") && e.to_string().contains("import a GIAS extract"), "{e}");
        assert!(db.networks(nowhere, &Visible::everything()).await.expect("read").is_empty());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_confirmed_proposal_is_saved_exactly_or_not_at_all() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let id = ProgrammeBuilder::new("Confirmed").enrol(&GUILDFORD).create(db).await;
        let cli = Actor::command_line();
        let proposal = networks::propose(db, id, &FormRequest::default()).await.expect("proposal");
        // Not the schools to place: one left out, or one twice.
        let mut short = proposal.formed.clone();
        short[0].members.pop();
        let mut twice = proposal.formed.clone();
        let extra = twice[1].members[0];
        twice[0].members.push(extra);
        let mut same_name = proposal.formed.clone();
        same_name[1].name = same_name[0].name.clone();
        let mut unnamed = proposal.formed.clone();
        unnamed[0].name = " ".into();
        for bad in [short, twice, Vec::new(), same_name, unnamed] {
            let e = networks::save_confirmed(db, &cli, id, &bad).await.expect_err("refused");
            assert!(matches!(e, FormError::Changed), "{e}");
        }
        assert!(db.networks(id, &Visible::everything()).await.expect("read").is_empty(), "nothing saved");
        networks::save_confirmed(db, &cli, id, &proposal.formed).await.expect("saved");
        let saved = db.networks(id, &Visible::everything()).await.expect("read");
        let mut names: Vec<&str> = saved.iter().map(|n| n.name.as_str()).collect();
        names.sort_unstable();
        let mut shown: Vec<&str> = proposal.formed.iter().map(|n| n.name.as_str()).collect();
        shown.sort_unstable();
        assert_eq!(names, shown, "the networks shown are the ones saved");
        let enrolments = db.enrolments(id, &Visible::everything()).await.expect("read");
        for n in &proposal.formed {
            let net = saved.iter().find(|s| s.name == n.name).expect("saved").id;
            let mut members: Vec<_> = enrolments.iter().filter(|e| e.network == Some(net)).map(|e| e.urn).collect();
            members.sort_unstable();
            let mut want = n.members.clone();
            want.sort_unstable();
            assert_eq!(members, want, "{}", n.name);
        }
        t.cleanup().await;
    }
}

/// Who holds the Achievement Adviser role in each network of a programme.
async fn advisers_of(db: &aspire_store::Db) -> Vec<(aspire_core::people::NetworkId, aspire_core::people::PersonId)> {
    let mut out = Vec::new();
    for person in db.people(&Visible::everything(), None).await.expect("people") {
        for g in &person.grants {
            if let aspire_core::people::Scope::Network { network, .. } = g.grant.scope {
                out.push((network, person.id));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn advisers_are_given_the_nearest_networks_within_their_capacity() {
    use networks::AdviserRow;
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Guildford").enrol(&GUILDFORD).create(db).await;
        networks::form(db, &cli, id, &FormRequest::default()).await.expect("formed");
        let nets = networks::networks_to_advise(db, id).await.expect("networks");
        assert_eq!(nets.len(), 2);
        let (near, near_email) = aspire_testkit::person_with(db, &[]).await;
        let (far, far_email) = aspire_testkit::person_with(db, &[]).await;

        // In Guildford (a postcode district), and at a school in Hampshire: one network each,
        // so the far adviser gets one anyway. A blank row is skipped.
        let rows = [
            AdviserRow::new(&near_email.to_string(), "1", "gu1"),
            AdviserRow::default(),
            AdviserRow::new(&far_email.to_string(), "1", HAMPSHIRE_SCHOOL),
        ];
        let done = networks::assign_advisers(db, &cli, id, &rows, false).await.expect("assigned");
        assert_eq!(done.pairs.len(), 2);
        assert!(done.unassigned.is_empty());
        let mut expected = done.pairs.clone();
        expected.sort();
        assert_eq!(advisers_of(db).await, expected, "what was returned was written");
        assert_eq!(done.pairs.iter().filter(|(_, p)| *p == near).count(), 1);
        assert_eq!(done.pairs.iter().filter(|(_, p)| *p == far).count(), 1);
        // Where each was placed, and how: GU1 from the register's schools with a postcode there.
        assert_eq!(done.advisers[0].row, 1);
        assert!(done.advisers[0].basis.starts_with("GU1: the mean position of the "), "{:?}", done.advisers);
        assert!((done.advisers[0].home.lat - 51.24).abs() < 0.05, "{:?}", done.advisers[0].home);
        assert_eq!(done.advisers[1].row, 3);

        // The near adviser can take both: the far one then has none, and loses the role.
        // Asked first: the network passing from the far adviser is named, and nothing changes.
        let both = [AdviserRow::new(&near_email.to_string(), "2", "GU1 2SG")];
        let before = advisers_of(db).await;
        let asked = networks::assign_advisers(db, &cli, id, &both, false).await;
        let Err(networks::AssignError::Unconfirmed(changes)) = asked else { panic!("not asked: {asked:?}") };
        let far_name = db.person(far).await.expect("read").expect("far").name;
        let near_name = db.person(near).await.expect("read").expect("near").name;
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].from, far_name);
        assert_eq!(changes[0].to.as_deref(), Some(near_name.as_str()));
        assert!(changes[0].said().contains(&format!("passes from {far_name} to {near_name}")), "{changes:?}");
        assert_eq!(advisers_of(db).await, before, "nothing changed until confirmed");
        // Each adviser was told of the network they were given, once.
        let letters = |email: &aspire_core::people::Email| {
            let email = email.to_string();
            async move {
                let mail = db.outbox(200).await.expect("outbox");
                mail.into_iter()
                    .filter(|m| m.recipient == email && m.subject.contains("networks in"))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(letters(&near_email).await.len(), 1);
        assert!(letters(&far_email).await[0].body.contains("You are now the Achievement Adviser of "));
        // The same advisers again change nothing, so nothing is asked, and nobody is written to.
        networks::assign_advisers(db, &cli, id, &rows, false).await.expect("the same again");
        assert_eq!((letters(&near_email).await.len(), letters(&far_email).await.len()), (1, 1));
        let done = networks::assign_advisers(db, &cli, id, &both, true).await.expect("assigned");
        assert!(done.pairs.iter().all(|(_, p)| *p == near));
        // The far adviser is told the network passes on, and to whom; the near one of the gain.
        let far_letters = letters(&far_email).await;
        assert_eq!(far_letters.len(), 2);
        let lost = far_letters.iter().find(|m| m.body.contains("no longer")).expect("the loss");
        assert!(lost.body.contains(&format!("which passes to {near_name}")), "{}", lost.body);
        assert!(lost.body.contains("It has no days planned from "), "none planned, none promised: {}", lost.body);
        assert_eq!(letters(&near_email).await.len(), 2);
        assert_eq!(advisers_of(db).await.iter().map(|(_, p)| *p).collect::<Vec<_>>(), [near, near]);

        // Capacity for one network: the one nearest the adviser is assigned, the other not.
        let venue_of = |n: &aspire_store::Network| n.venue.expect("venue");
        let schools = db.taking_part(id, &Visible::everything()).await.expect("schools");
        let at = |u| schools.iter().find(|s| s.urn == u).and_then(|s| s.location()).expect("located");
        let home =
            db.school_position(aspire_core::urn::Urn::parse(HAMPSHIRE_SCHOOL).expect("urn")).await.expect("read");
        let home = home.and_then(|(_, p)| p).expect("a position");
        let mut by_distance: Vec<(f64, aspire_core::people::NetworkId)> =
            nets.iter().map(|n| (aspire_core::geo::haversine_km(home, at(venue_of(n))), n.id)).collect();
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(by_distance[1].0 - by_distance[0].0 > 0.1, "the venues differ in distance: {by_distance:?}");
        let one = [AdviserRow::new(&far_email.to_string(), "1", HAMPSHIRE_SCHOOL)];
        let asked = networks::assign_advisers(db, &cli, id, &one, false).await;
        let Err(networks::AssignError::Unconfirmed(changes)) = asked else { panic!("not asked: {asked:?}") };
        assert_eq!(changes.len(), 2, "both networks change: {changes:?}");
        assert_eq!(changes.iter().filter(|c| c.to.is_none()).count(), 1, "one is left without: {changes:?}");
        let done = networks::assign_advisers(db, &cli, id, &one, true).await.expect("assigned");
        assert_eq!(done.pairs, [(by_distance[0].1, far)], "the nearer network");
        assert_eq!(done.unassigned, [by_distance[1].1]);
        assert_eq!(advisers_of(db).await, [(by_distance[0].1, far)]);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn every_problem_with_the_advisers_is_said_at_once_and_nothing_changes() {
    use networks::{AdviserField, AdviserRow};
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Guildford").enrol(&GUILDFORD).create(db).await;
        let problems = |e: AssignError| match e {
            AssignError::Problems(p) => p,
            e => panic!("not a problem with the rows: {e}"),
        };
        let (_, email) = aspire_testkit::person_with(db, &[]).await;

        // Before networks are formed, and with bad rows: each said, in the rows' order.
        let rows = [
            AdviserRow::new(&email.to_string(), "2", "51.24, -0.57"),
            AdviserRow::new("nobody@test.example", "0", "999999"),
            AdviserRow::new("", "two", ""),
        ];
        let found = problems(networks::assign_advisers(db, &cli, id, &rows, false).await.expect_err("refused"));
        let fields: Vec<Option<(usize, AdviserField)>> = found.iter().map(|p| p.row).collect();
        assert_eq!(
            fields,
            [
                Some((1, AdviserField::Home)),
                Some((2, AdviserField::Email)),
                Some((2, AdviserField::Capacity)),
                Some((2, AdviserField::Home)),
                Some((3, AdviserField::Email)),
                Some((3, AdviserField::Capacity)),
                Some((3, AdviserField::Home)),
                None,
            ],
            "{found:?}"
        );
        assert!(found[0].message.starts_with("Adviser 1: '51.24, -0.57' is not a postcode district"), "{found:?}");
        assert!(found[1].message.starts_with("Adviser 2: no one has the address nobody@test.example"), "{found:?}");
        assert_eq!(found[3].message, "Adviser 2: there is no school 999999 in the register");
        assert_eq!(found[7].message, "No network has schools yet: form the networks first");

        networks::form(db, &cli, id, &FormRequest::default()).await.expect("formed");
        let found = problems(
            networks::assign_advisers(db, &cli, id, &[AdviserRow::default()], false).await.expect_err("empty"),
        );
        assert!(found[0].message.starts_with("Enter at least one adviser"));
        let found = problems(
            networks::assign_advisers(db, &cli, id, &[AdviserRow::new(&email.to_string(), "1", "ZZ9")], false)
                .await
                .expect_err("nowhere"),
        );
        assert_eq!(
            found[0].message,
            "Adviser 1: no school in the register has a postcode in ZZ9: give a nearby district or a school's URN"
        );
        // A head teacher of one of the programme's schools is no adviser of it.
        let head = aspire_core::people::Grant::new(
            aspire_core::people::Role::HeadTeacher,
            aspire_core::people::Scope::School(urn(GUILDFORD[0])),
            false,
        )
        .expect("grant");
        let (_, head_email) = aspire_testkit::person_with(db, &[head]).await;
        let found = problems(
            networks::assign_advisers(db, &cli, id, &[AdviserRow::new(&head_email.to_string(), "2", "GU1")], false)
                .await
                .expect_err("a head of a school of the programme"),
        );
        assert_eq!(found[0].row, Some((1, AdviserField::Email)), "{found:?}");
        assert!(found[0].message.contains("holds a role at a school of this programme (head teacher"), "{found:?}");
        assert!(advisers_of(db).await.is_empty(), "no role given");
        // The same rule wherever a role is given or offered and accepted, either way round.
        use aspire_core::people::{Grant, Role, Scope};
        let (network, adviser) =
            aspire_testkit::network_with_adviser(db, id, "Guildford advised", &GUILDFORD[..2]).await;
        let strand = Grant::new(Role::StrandLead, Scope::School(urn(GUILDFORD[3])), false).expect("grant");
        let given = db.add_grant(&cli, adviser, &strand).await;
        assert!(
            matches!(&given, Err(aspire_store::AccountError::AdviserInside(w)) if w.contains("Achievement Adviser in Guildford")),
            "{given:?}"
        );
        let offered = db.offer_grant(&cli, adviser, &strand).await;
        assert!(matches!(offered, Err(aspire_store::AccountError::AdviserInside(_))), "{offered:?}");
        assert!(db.offers(adviser).await.expect("offers").is_empty(), "no offer made");
        let (head_id, _) = aspire_testkit::person_with(db, &[]).await;
        db.add_grant(&cli, head_id, &strand).await.expect("a strand lead");
        let advise = Grant::new(Role::AchievementAdviser, Scope::Network { programme: id, network }, false).expect("g");
        let given = db.add_grant(&cli, head_id, &advise).await;
        assert!(
            matches!(&given, Err(aspire_store::AccountError::AdviserInside(w)) if w.contains("strand lead at ")),
            "{given:?}"
        );
        // A second adviser given to a network on the People page is named when giving advisers
        // would end that role, with the first.
        let (other, _) = aspire_testkit::person_with(db, &[]).await;
        db.add_grant(&cli, other, &advise).await.expect("a second adviser");
        let other_name = db.person(other).await.expect("read").expect("other").name;
        // Its venue, as forming the networks would have set (the test kit's network has none).
        db.execute_admin(&format!("UPDATE networks SET venue_urn = {} WHERE id = {network}", GUILDFORD[0]))
            .await
            .expect("a venue");
        let adviser_email = db.person(adviser).await.expect("read").expect("adviser").email;
        let rows = [AdviserRow::new(&adviser_email.to_string(), "2", "GU1")];
        let asked = networks::assign_advisers(db, &cli, id, &rows, false).await;
        let Err(AssignError::Unconfirmed(changes)) = asked else { panic!("not asked: {asked:?}") };
        assert!(changes.iter().any(|c| c.from == other_name && c.network == "Guildford advised"), "{changes:?}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn forming_again_says_whose_roles_end_before_anything_changes() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let id = ProgrammeBuilder::new("Advised").enrol(&GUILDFORD).create(db).await;
        // One network of all eight schools, advised: forming again into fours changes it.
        let (network, adviser) = aspire_testkit::network_with_adviser(db, id, "All of Guildford", &GUILDFORD).await;
        let proposal = networks::propose(db, id, &FormRequest::default()).await.expect("proposal");
        let changes = networks::changes(db, &proposal).await.expect("changes");
        let change = changes.iter().find(|c| c.id == network).expect("the network is changed");
        assert!(change.schools_change, "{change:?}");
        let who = db.person(adviser).await.expect("read").expect("adviser");
        assert!(
            change.roles_ending.iter().any(|r| r.contains(&who.name)),
            "the adviser's role is said to end: {:?}",
            change.roles_ending
        );
        let unchanged = db.enrolments(id, &Visible::everything()).await.expect("read");
        assert!(unchanged.iter().all(|e| e.network == Some(network)), "nothing changed yet");
        t.cleanup().await;
    }
}
