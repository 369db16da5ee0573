//! The programme year on both backends: a plan saved whole or not at all, days moved and
//! cancelled with their sequence raised and their audit entries, networks' own start dates, and
//! each reader's share of the days.

use chrono::{NaiveDate, NaiveTime};

use aspire_core::access::{Action, Principal, Record, Visible};
use aspire_core::audit::AuditAction;
use aspire_core::people::{Grant, NetworkId, PersonId, Role, Scope};
use aspire_core::template::{Season, Term};
use aspire_core::urn::Urn;
use aspire_store::{Actor, AuditQuery, EventStatus, NewEvent, ProgrammeError};
use aspire_testkit::{ProgrammeBuilder, network_with_adviser};

use crate::{TestDb, import, parse};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

fn day(network: NetworkId, on: NaiveDate, kind: &str, school: Option<&str>, adviser: PersonId) -> NewEvent {
    NewEvent {
        network,
        kind: kind.into(),
        number: 1,
        term: Term { year: 2018, season: Season::Autumn },
        held_on: on,
        starts_at: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        ends_at: NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
        urn: school.map(urn),
        adviser: Some(adviser),
        capacity: None,
    }
}

#[tokio::test]
async fn a_plan_is_saved_whole_and_its_days_are_moved_and_cancelled_with_their_sequence_raised() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Year").bare().enrol(&["105626", "105627", "105631", "105638"]).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North", &["105626", "105627"]).await;
        let (south, other) = network_with_adviser(db, p, "South", &["105631", "105638"]).await;

        // Many days (more than one INSERT's worth) are saved in one go.
        let mut days = vec![day(north, d(2018, 10, 2), "network-day", None, adviser)];
        for i in 0..450 {
            days.push(NewEvent {
                number: i + 1,
                ..day(
                    north,
                    d(2018, 10, 3) + chrono::Days::new(u64::from(i)),
                    "development-day",
                    Some("105626"),
                    adviser,
                )
            });
        }
        days.push(day(south, d(2018, 10, 4), "network-day", None, other));
        assert_eq!(db.save_plan(&cli, p, &days).await.expect("saved"), 452);
        let all = db.programme_events(p, &Visible::everything()).await.expect("days");
        assert_eq!(all.len(), 452);
        assert!(all.windows(2).all(|w| w[0].held_on <= w[1].held_on), "in date order");
        let first = &all[0];
        assert_eq!(
            (first.kind.as_str(), first.urn, first.sequence, first.status),
            ("network-day", None, 0, EventStatus::Planned)
        );
        assert_eq!(first.starts_at.format("%H:%M").to_string(), "09:00");
        let uids: std::collections::BTreeSet<&str> = all.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(uids.len(), 452, "every day has its own identity");

        // Planning a network again is refused, naming it, and writes nothing.
        let again = db.save_plan(&cli, p, &[day(south, d(2018, 11, 6), "network-day", None, other)]).await;
        assert!(matches!(&again, Err(ProgrammeError::Field { problem, .. }) if problem.contains("South")), "{again:?}");
        // A plan naming a network of no programme of ours writes nothing either.
        let stray =
            db.save_plan(&cli, p, &[day(NetworkId::new(9_999), d(2018, 11, 6), "network-day", None, other)]).await;
        assert!(matches!(stray, Err(ProgrammeError::NoSuchNetwork(_))));
        assert_eq!(db.programme_events(p, &Visible::everything()).await.expect("days").len(), 452);

        // A move raises the sequence and keeps the identity.
        let moved = db
            .move_event(
                &cli,
                p,
                first.id,
                aspire_store::MovedTo { date: d(2018, 10, 9), term: first.term },
                "the venue is closed",
                &[],
            )
            .await
            .expect("moved");
        assert_eq!((moved.held_on, moved.sequence, moved.uid.as_str()), (d(2018, 10, 9), 1, first.uid.as_str()));
        // A cancellation needs its reason, keeps the row and raises the sequence again.
        let no_reason = db.cancel_event(&cli, p, first.id, "  ", &[]).await;
        assert!(matches!(no_reason, Err(ProgrammeError::Field { field: "reason", .. })), "{no_reason:?}");
        let cancelled = db.cancel_event(&cli, p, first.id, "Snow closed the roads", &[]).await.expect("cancelled");
        assert_eq!((cancelled.status, cancelled.sequence), (EventStatus::Cancelled, 2));
        assert_eq!(cancelled.cancel_reason.as_deref(), Some("Snow closed the roads"));
        let late = db
            .move_event(&cli, p, first.id, aspire_store::MovedTo { date: d(2018, 10, 16), term: first.term }, "", &[])
            .await;
        assert!(
            matches!(late, Err(ProgrammeError::Field { field: "day", .. })),
            "a cancelled day is not moved: {late:?}"
        );
        // A day that took place (recorded as held, or someone marked present) keeps its date.
        let held = &all[1];
        let to = aspire_store::MovedTo { date: d(2018, 10, 16), term: held.term };
        db.record_held(&cli, p, held.id, true).await.expect("held");
        let no = db.cancel_event(&cli, p, held.id, "Snow", &[]).await;
        assert!(
            matches!(&no, Err(ProgrammeError::Field { problem, .. }) if problem.contains("it is recorded as held")),
            "{no:?}"
        );
        let no = db.move_event(&cli, p, held.id, to, "", &[]).await;
        assert!(
            matches!(&no, Err(ProgrammeError::Field { problem, .. }) if problem.contains("cannot be moved")),
            "{no:?}"
        );
        db.record_held(&cli, p, held.id, false).await.expect("taken back");
        let (pat, _) = aspire_testkit::person_with(db, &[]).await;
        let came = [(pat, aspire_core::urn::Urn::parse("105626").expect("urn"), aspire_core::attendance::Mark::Late)];
        db.record_roll(&cli, p, held.id, &came).await.expect("marked");
        let no = db.cancel_event(&cli, p, held.id, "Snow", &[]).await;
        assert!(
            matches!(&no, Err(ProgrammeError::Field { problem, .. }) if problem.contains("1 person is marked present or late")),
            "{no:?}"
        );
        assert_eq!(db.programme_event(p, held.id).await.expect("read").expect("day").status, EventStatus::Planned);
        for action in [AuditAction::EventsPlan, AuditAction::EventMove, AuditAction::EventCancel] {
            let q = AuditQuery { action: Some(action), ..AuditQuery::default() };
            let entries = db.audit_log(&Visible::everything(), &q).await.expect("log");
            assert_eq!(entries.len(), 1, "{action}: {entries:?}");
            assert_eq!(entries[0].programme, Some(p), "{action}");
        }

        // An adviser sees their network's days only.
        let grant = Grant::new(Role::AchievementAdviser, Scope::Network { programme: p, network: south }, false)
            .expect("grant");
        let me = Principal { person: other, grants: vec![grant], memberships: vec![], la_schools: vec![] };
        let mine = db.programme_events(p, &me.visible(Action::View, Record::Network)).await.expect("days");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].network, south);

        // A network's own start date.
        assert!(db.network_starts(p).await.expect("starts").is_empty());
        db.set_network_start(&cli, p, north, Some(d(2018, 11, 1))).await.expect("start");
        assert_eq!(db.network_starts(p).await.expect("starts").get(&north), Some(&d(2018, 11, 1)));
        t.cleanup().await;
    }
}

/// Fifty people from twenty-five schools register at once for a day with ten places: exactly
/// ten are registered and forty wait, in the order they were taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_registrations_at_once_for_ten_places_register_ten_and_put_forty_on_the_waiting_list() {
    use aspire_store::{NewRegistration, RegistrationStatus};
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Busy").bare().enrol(&["105626", "105627"]).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North", &["105626", "105627"]).await;
        let ten = NewEvent { capacity: Some(10), ..day(north, d(2018, 10, 2), "network-day", None, adviser) };
        db.save_plan(&cli, p, &[ten]).await.expect("saved");
        let event = db.programme_events(p, &Visible::everything()).await.expect("days")[0].id;
        let mut people = Vec::new();
        for _ in 0..50 {
            people.push(aspire_testkit::person_with(db, &[]).await.0);
        }
        let mut tasks = Vec::new();
        for (i, person) in people.iter().enumerate() {
            let db = db.clone();
            let new = NewRegistration {
                event,
                urn: Urn::try_from(200_000 + (i as i64) / 2).expect("urn"),
                seat: if i % 2 == 0 { Role::HeadTeacher } else { Role::SeniorLeader },
                person: *person,
                substitute: None,
            };
            tasks.push(tokio::spawn(async move { db.register(&Actor::command_line(), p, &new).await }));
        }
        let mut registered = 0;
        let mut waiting = 0;
        for task in tasks {
            match task.await.expect("task").expect("registration").status {
                RegistrationStatus::Registered => registered += 1,
                RegistrationStatus::Waiting => waiting += 1,
                RegistrationStatus::Withdrawn => panic!("withdrawn"),
            }
        }
        assert_eq!((registered, waiting), (10, 40));
        let rows = db.registrations(p, event).await.expect("registrations");
        assert_eq!(rows.iter().filter(|r| r.status == RegistrationStatus::Registered).count(), 10);

        // A withdrawal gives its place to the first waiting.
        let first_waiting = rows.iter().find(|r| r.status == RegistrationStatus::Waiting).expect("waiting").clone();
        let gone = rows.iter().find(|r| r.status == RegistrationStatus::Registered).expect("registered").id;
        let tell = |r: &aspire_store::Registration| {
            vec![aspire_store::Mail::text(
                format!("given-{}@example.invalid", r.id),
                "A place came free",
                "You have a place.",
            )]
        };
        let promoted = db.withdraw_registration(&cli, p, gone, &[], tell).await.expect("withdrawn");
        assert_eq!(promoted.iter().map(|r| r.id).collect::<Vec<_>>(), vec![first_waiting.id]);
        // The one given the place is told, in the withdrawal's transaction.
        let told: Vec<String> = db
            .outbox(20)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|m| m.subject == "A place came free")
            .map(|m| m.recipient)
            .collect();
        assert_eq!(told, vec![format!("given-{}@example.invalid", first_waiting.id)]);
        let rows = db.registrations(p, event).await.expect("registrations");
        assert_eq!(rows.iter().filter(|r| r.status == RegistrationStatus::Registered).count(), 10);
        assert_eq!(rows.iter().filter(|r| r.status == RegistrationStatus::Waiting).count(), 39);
        t.cleanup().await;
    }
}

/// A school's seat holds one person; one person may take two seats of a small school, and takes
/// one place; a cancelled day takes no one.
#[tokio::test]
async fn a_seat_holds_one_person_and_one_person_may_hold_two_seats() {
    use aspire_store::{NewRegistration, RegistrationStatus};
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Seats").bare().enrol(&["105626", "105627"]).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North", &["105626", "105627"]).await;
        let one = NewEvent { capacity: Some(1), ..day(north, d(2018, 10, 2), "network-day", None, adviser) };
        let other = day(north, d(2018, 10, 9), "network-day", None, adviser);
        db.save_plan(&cli, p, &[one, other]).await.expect("saved");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let (a, b) = (aspire_testkit::person_with(db, &[]).await.0, aspire_testkit::person_with(db, &[]).await.0);
        let seat =
            |person, seat| NewRegistration { event: days[0].id, urn: urn("105626"), seat, person, substitute: None };
        let head = db.register(&cli, p, &seat(a, Role::HeadTeacher)).await.expect("head");
        assert_eq!(head.status, RegistrationStatus::Registered);
        // The same person takes the senior leader's seat too, without a second place.
        let senior = NewRegistration { substitute: Some(b), ..seat(a, Role::SeniorLeader) };
        let both = db.register(&cli, p, &senior).await.expect("two seats");
        assert_eq!(both.status, RegistrationStatus::Registered);
        let taken = db.register(&cli, p, &seat(b, Role::HeadTeacher)).await;
        assert!(
            matches!(&taken, Err(ProgrammeError::Field { field: "seat", problem }) if problem.contains("taken")),
            "{taken:?}"
        );
        let again = db.register(&cli, p, &seat(a, Role::HeadTeacher)).await;
        assert!(matches!(again, Err(ProgrammeError::Field { field: "seat", .. })));
        // The senior leader's seat passes to its substitute, who waits: the one place is still
        // the person's through the head teacher's seat.
        let passed = db.withdraw_to(&cli, p, both.id, true, &[], |_| Vec::new(), |_| Vec::new()).await.expect("passed");
        let took = passed.successor.expect("the substitute's seat");
        assert_eq!((took.id, took.person, took.status), (both.id, b, RegistrationStatus::Waiting));
        assert!(passed.given.is_empty(), "no place came free");
        db.cancel_event(&cli, p, days[1].id, "The venue flooded", &[]).await.expect("cancelled");
        let late = db.register(&cli, p, &NewRegistration { event: days[1].id, ..seat(b, Role::HeadTeacher) }).await;
        assert!(matches!(late, Err(ProgrammeError::Field { field: "day", .. })), "{late:?}");
        t.cleanup().await;
    }
}

/// A roll is written a day at a time, a mark replacing the person's last, and the doses follow
/// from it; a cancelled day has no roll.
#[tokio::test]
async fn a_days_roll_is_recorded_whole_and_adds_up_to_each_schools_dose() {
    use aspire_core::attendance::{Day, DayKind, Mark, doses};
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Roll").bare().enrol(&["105626", "105627"]).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North", &["105626", "105627"]).await;
        db.save_plan(
            &cli,
            p,
            &[
                day(north, d(2018, 10, 2), "network-day", None, adviser),
                day(north, d(2018, 10, 9), "development-day", Some("105626"), adviser),
                day(north, d(2018, 10, 16), "network-day", None, adviser),
            ],
        )
        .await
        .expect("saved");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let (a, b) = (aspire_testkit::person_with(db, &[]).await.0, aspire_testkit::person_with(db, &[]).await.0);
        let (x, y) = (urn("105626"), urn("105627"));
        db.record_roll(&cli, p, days[0].id, &[(a, x, Mark::Absent), (b, y, Mark::Apologies)]).await.expect("roll");
        // Corrected later: the first was there after all.
        db.record_roll(&cli, p, days[0].id, &[(a, x, Mark::Late)]).await.expect("roll");
        db.record_roll(&cli, p, days[1].id, &[(a, x, Mark::Present)]).await.expect("roll");
        let twice = db.record_roll(&cli, p, days[1].id, &[(a, x, Mark::Present), (a, x, Mark::Absent)]).await;
        assert!(matches!(twice, Err(ProgrammeError::Field { field: "roll", .. })), "{twice:?}");
        db.cancel_event(&cli, p, days[2].id, "Snow", &[]).await.expect("cancelled");
        let none = db.record_roll(&cli, p, days[2].id, &[(a, x, Mark::Present)]).await;
        assert!(matches!(none, Err(ProgrammeError::Field { field: "day", .. })), "{none:?}");

        let marks = db.roll_marks(p, &Visible::everything()).await.expect("marks");
        assert_eq!(marks.len(), 3);
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let as_days: Vec<Day> = days
            .iter()
            .map(|e| Day {
                id: e.id,
                network: e.network,
                term: e.term,
                kind: if e.urn.is_some() { DayKind::SchoolDay } else { DayKind::NetworkDay },
                urn: e.urn,
                cancelled: e.status == EventStatus::Cancelled,
                held_recorded: e.held_recorded,
            })
            .collect();
        let members = [(x, north), (y, north)].into_iter().collect();
        let dose = doses(&as_days, &marks, &members);
        let term = Term { year: 2018, season: Season::Autumn };
        assert_eq!((dose[&(x, term)].network_days, dose[&(x, term)].network_days_attended), (1, 1));
        assert_eq!(dose[&(x, term)].development_days_held, 1);
        assert_eq!(dose[&(y, term)].network_days_attended, 0);
        let q = AuditQuery { action: Some(AuditAction::EventRoll), ..AuditQuery::default() };
        assert_eq!(db.audit_log(&Visible::everything(), &q).await.expect("log").len(), 3);

        // A day recorded as held keeps the record; a cancelled day is refused, writing nothing.
        db.record_held(&cli, p, days[1].id, true).await.expect("held");
        assert!(db.programme_event(p, days[1].id).await.expect("read").expect("day").held_recorded);
        let refused = db.record_held(&cli, p, days[2].id, true).await;
        assert!(matches!(refused, Err(ProgrammeError::Field { field: "day", .. })), "{refused:?}");
        assert!(!db.programme_event(p, days[2].id).await.expect("read").expect("day").held_recorded);
        let q = AuditQuery { action: Some(AuditAction::EventHeld), ..AuditQuery::default() };
        assert_eq!(db.audit_log(&Visible::everything(), &q).await.expect("log").len(), 1);

        // An officer of the second school's authority sees its Network Days, not the first
        // school's Development Day.
        let la = aspire_core::codes::LaCode::parse("380").expect("la");
        let officer = Principal {
            person: a,
            grants: vec![
                Grant::new(Role::LaOfficer, Scope::LocalAuthority { programme: p, la }, false).expect("grant"),
            ],
            memberships: vec![],
            la_schools: vec![aspire_core::access::LaSchool {
                la,
                school: aspire_core::access::Membership { urn: y, programme: p, network: Some(north) },
            }],
        };
        let theirs = db.school_events(p, &officer.visible(Action::View, Record::Enrolment)).await.expect("days");
        assert_eq!(theirs.iter().map(|e| e.id).collect::<Vec<_>>(), [days[0].id, days[2].id]);
        t.cleanup().await;
    }
}

/// A day's places: fewer than those registered is refused; more go to those waiting, first come
/// first served, each told in the same transaction. A day's files keep every byte and its links
/// their address; lists leave files' content out; the thirty-first resource is refused.
#[tokio::test]
async fn a_days_places_are_given_to_those_waiting_and_its_resources_keep_their_bytes() {
    use aspire_store::{NewRegistration, NewResource, RegistrationStatus, ResourceBody};
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Places").bare().enrol(&["105626", "105627"]).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North", &["105626", "105627"]).await;
        let two = NewEvent { capacity: Some(2), ..day(north, d(2018, 10, 2), "network-day", None, adviser) };
        db.save_plan(&cli, p, &[two]).await.expect("saved");
        let event = db.programme_events(p, &Visible::everything()).await.expect("days")[0].id;
        let mut regs = Vec::new();
        for i in 0..5 {
            let person = aspire_testkit::person_with(db, &[]).await.0;
            let new = NewRegistration {
                event,
                urn: Urn::try_from(300_000_i64 + i).expect("urn"),
                seat: Role::HeadTeacher,
                person,
                substitute: None,
            };
            regs.push(db.register(&cli, p, &new).await.expect("registered"));
        }
        assert_eq!(regs.iter().filter(|r| r.status == RegistrationStatus::Waiting).count(), 3);
        let e = db.set_places(&cli, p, event, Some(1), |_| Vec::new()).await.expect_err("fewer than registered");
        assert!(e.to_string().contains("fewer than the 2 people who already have a place"), "{e}");
        let tell = |r: &aspire_store::Registration| {
            vec![aspire_store::Mail::text(format!("{}@x.invalid", r.id), "Placed", "")]
        };
        let given = db.set_places(&cli, p, event, Some(4), tell).await.expect("four places");
        assert_eq!(given.iter().map(|r| r.id).collect::<Vec<_>>(), [regs[2].id, regs[3].id]);
        let told = db.outbox(20).await.expect("outbox").into_iter().filter(|m| m.subject == "Placed").count();
        assert_eq!(told, 2);
        let given = db.set_places(&cli, p, event, None, |_| Vec::new()).await.expect("no limit");
        assert_eq!(given.iter().map(|r| r.id).collect::<Vec<_>>(), [regs[4].id]);
        let q = AuditQuery { action: Some(AuditAction::EventPlaces), ..AuditQuery::default() };
        let audit = db.audit_log(&Visible::everything(), &q).await.expect("audit");
        assert_eq!(audit.len(), 2, "the refusal wrote nothing");

        // Every byte of a file comes back; a link keeps its address.
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let file = NewResource::File {
            title: "Questioning slides".into(),
            name: "questioning.pptx".into(),
            media_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation".into(),
            content: bytes.clone(),
        };
        let f = db.add_day_resource(&cli, p, event, &file).await.expect("file");
        let link = NewResource::Link { title: "EEF guidance".into(), link: "https://example.org/feedback".into() };
        let l = db.add_day_resource(&cli, p, event, &link).await.expect("link");
        let listed = db.day_resources(p, event).await.expect("resources");
        assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [f, l]);
        assert!(matches!(&listed[0].body, ResourceBody::File { size: 70_000, .. }), "{:?}", listed[0].body);
        assert_eq!(listed[1].body, ResourceBody::Link { link: "https://example.org/feedback".into() });
        let (r, content) = db.day_resource_file(p, event, f).await.expect("read").expect("the file");
        assert_eq!((r.title.as_str(), content), ("Questioning slides", bytes));
        assert!(db.day_resource_file(p, event, l).await.expect("read").is_none(), "a link has no file");
        let other = ProgrammeBuilder::new("Other").bare().create(db).await;
        assert!(db.day_resource_file(other, event, f).await.expect("read").is_none(), "not another programme's");
        let held = db.network_resources(p, north, Some(d(2018, 10, 1))).await.expect("held");
        assert!(held.is_empty(), "the day is not held yet");
        assert_eq!(db.network_resources(p, north, Some(d(2018, 10, 2))).await.expect("held").len(), 2);
        for i in 2..aspire_core::resources::MAX_PER_DAY {
            let more = NewResource::Link { title: format!("Link {i}"), link: format!("https://example.org/{i}") };
            db.add_day_resource(&cli, p, event, &more).await.expect("within the limit");
        }
        let e = db.add_day_resource(&cli, p, event, &link).await.expect_err("full");
        assert!(e.to_string().contains("already carries 30 resources"), "{e}");
        assert!(db.remove_day_resource(&cli, p, event, f).await.expect("removed"));
        assert!(!db.remove_day_resource(&cli, p, event, f).await.expect("gone"));
        assert!(db.day_resource_file(p, event, f).await.expect("read").is_none());
        t.cleanup().await;
    }
}

/// Advisers given again after planning: the days from the given date on whose kind an adviser
/// leads pass to the network's new adviser, or to none for a network left without one; earlier
/// days, and days no adviser leads, keep theirs; each changed day's sequence is raised.
#[tokio::test]
async fn advisers_given_again_take_over_the_days_planned_from_then_on() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hand over").bare().enrol(&["105626", "105627"]).create(db).await;
        let (north, old) = network_with_adviser(db, p, "North", &["105626"]).await;
        let (south, _) = network_with_adviser(db, p, "South", &["105627"]).await;
        let new = aspire_testkit::person_with(db, &[]).await.0;
        db.save_plan(
            &cli,
            p,
            &[
                day(north, d(2018, 10, 2), "network-day", None, old),
                day(north, d(2018, 10, 9), "network-day", None, old),
                NewEvent { adviser: None, ..day(north, d(2018, 10, 10), "meeting", None, old) },
                day(south, d(2018, 10, 11), "network-day", None, old),
            ],
        )
        .await
        .expect("saved");
        let led = ["network-day".to_owned()];
        let handed = db.assign_advisers(&cli, p, &[(north, new)], &led, d(2018, 10, 5), &[]).await.expect("assigned");
        assert_eq!(handed, 2, "north's second day to the new adviser, south's to none");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let who: Vec<(NaiveDate, Option<PersonId>, u32)> =
            days.iter().map(|e| (e.held_on, e.adviser, e.sequence)).collect();
        assert_eq!(
            who,
            [
                (d(2018, 10, 2), Some(old), 0),
                (d(2018, 10, 9), Some(new), 1),
                (d(2018, 10, 10), None, 0),
                (d(2018, 10, 11), None, 1),
            ]
        );
        // Given the same again: nothing changes hands.
        assert_eq!(db.assign_advisers(&cli, p, &[(north, new)], &led, d(2018, 10, 5), &[]).await.expect("again"), 0);
        t.cleanup().await;
    }
}
