//! Planning a programme's year from its template and its schools' calendars, as the web and the
//! command line call it: a dry run writes nothing, a plan is saved whole, a plan that cannot be
//! made says why and writes nothing, and the rolls add up to each school's dose.

use std::collections::BTreeMap;

use aspire_app::programme_year::{self, PlanError};
use aspire_core::access::Visible;
use aspire_core::attendance::Mark;
use aspire_core::schedule::{Broken, OpenTerm, Rules, SchoolDays};
use aspire_core::template::{Season, Term};
use aspire_core::urn::Urn;
use aspire_store::Actor;
use aspire_testkit::{ProgrammeBuilder, TestDb, network_with_adviser, person_with, urn};
use chrono::{Datelike, NaiveDate, Weekday};

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const NORTH: &[&str] = &["115850", "115851", "115852", "115853"];
const SOUTH: &[&str] = &["115854", "115855", "115857", "115858"];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

/// Weekdays of a term outside its half-term week.
fn term(term: Term, starts: NaiveDate, ends: NaiveDate, half_term: NaiveDate) -> OpenTerm {
    let open = starts
        .iter_days()
        .take_while(|x| *x <= ends)
        .filter(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|x| *x < half_term || *x > half_term + chrono::Days::new(4))
        .collect();
    OpenTerm { term, open }
}

fn year_2017(u: Urn) -> SchoolDays {
    SchoolDays {
        urn: u,
        terms: vec![
            term(Term { year: 2017, season: Season::Autumn }, d(2017, 9, 4), d(2017, 12, 20), d(2017, 10, 23)),
            term(Term { year: 2018, season: Season::Spring }, d(2018, 1, 8), d(2018, 3, 29), d(2018, 2, 12)),
            term(Term { year: 2018, season: Season::Summer }, d(2018, 4, 16), d(2018, 7, 20), d(2018, 5, 28)),
        ],
    }
}

#[tokio::test]
async fn a_programmes_year_is_planned_from_its_template_shown_first_and_saved_whole() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let every: Vec<&str> = NORTH.iter().chain(SOUTH).copied().collect();
        let p = ProgrammeBuilder::new("Hampshire year").enrol(&every).create(db).await;
        let (north, north_adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let (_south, _) = network_with_adviser(db, p, "South Hampshire", SOUTH).await;
        // The North network starts later than the programme.
        db.set_network_start(&cli, p, north, Some(d(2018, 1, 8))).await.expect("start");
        let mut calendars: BTreeMap<Urn, SchoolDays> = every.iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        // North starts in January, so its year runs into the autumn of 2018.
        for u in NORTH {
            let c = calendars.get_mut(&urn(u)).expect("school");
            c.terms.push(term(
                Term { year: 2018, season: Season::Autumn },
                d(2018, 9, 5),
                d(2018, 12, 19),
                d(2018, 10, 22),
            ));
        }
        let rules = Rules::default();

        let shown = programme_year::plan_year(db, &cli, p, &calendars, &rules, true).await.expect("a plan");
        assert!(!shown.saved);
        // Two networks, three terms each: two Network Days and four schools' two Development Days.
        assert_eq!(shown.plan.days.len(), 2 * 3 * (2 + 4 * 2));
        assert!(
            db.programme_events(p, &Visible::everything()).await.expect("days").is_empty(),
            "a dry run writes nothing"
        );
        let north_days: Vec<_> = shown.plan.days.iter().filter(|x| x.network == north).collect();
        assert!(north_days.iter().all(|x| x.date >= d(2018, 1, 8) && x.adviser == Some(north_adviser)));
        assert!(north_days.iter().any(|x| x.term == Term { year: 2018, season: Season::Autumn }));

        let saved = programme_year::plan_year(db, &cli, p, &calendars, &rules, false).await.expect("saved");
        assert!(saved.saved);
        let stored = db.programme_events(p, &Visible::everything()).await.expect("days");
        assert_eq!(stored.len(), shown.plan.days.len());
        assert_eq!(stored.iter().filter(|e| e.urn.is_none()).count(), 12, "Network Days");
        assert_eq!(stored[0].starts_at.format("%H:%M").to_string(), "09:00");

        // Planned already: planning again is refused and writes nothing.
        let again = programme_year::plan_year(db, &cli, p, &calendars, &rules, false).await;
        assert!(matches!(again, Err(PlanError::AllPlanned)), "{again:?}");
        assert_eq!(db.programme_events(p, &Visible::everything()).await.expect("days").len(), stored.len());

        // The rolls add up to doses.
        let first_nd = stored.iter().find(|e| e.urn.is_none() && e.network == north).expect("a North Network Day");
        let (head, _) = person_with(db, &[]).await;
        db.record_roll(&cli, p, first_nd.id, &[(head, urn(NORTH[0]), Mark::Present)]).await.expect("roll");
        let doses = programme_year::programme_doses(db, p).await.expect("doses");
        let dose = &doses[&(urn(NORTH[0]), first_nd.term)];
        assert_eq!((dose.network_days, dose.network_days_attended, dose.network_days_unrecorded), (2, 1, 1));
        assert_eq!(doses[&(urn(NORTH[1]), first_nd.term)].network_days_attended, 0);
        t.cleanup().await;
    }
}

/// Two networks planned with an adviser each, then both given to one adviser: every date they
/// now lead two days is named, with the days' names and networks.
#[tokio::test]
async fn an_adviser_given_two_networks_after_planning_is_told_of_each_date_they_lead_two_days() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let every: Vec<&str> = NORTH.iter().chain(SOUTH).copied().collect();
        let p = ProgrammeBuilder::new("Hampshire clashes").enrol(&every).create(db).await;
        let (north, north_adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let (south, _) = network_with_adviser(db, p, "South Hampshire", SOUTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = every.iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let from = d(2017, 9, 1);
        assert!(programme_year::adviser_clashes(db, p, from).await.expect("clashes").is_empty(), "one each");

        let led = ["senior-leaders-network-day", "tl-afl-network-day", "development-day"].map(String::from);
        let pairs = [(north, north_adviser), (south, north_adviser)];
        db.assign_advisers(&cli, p, &pairs, &led, from, &[]).await.expect("assigned");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let mut dates: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for e in days.iter().filter(|e| e.adviser == Some(north_adviser)) {
            *dates.entry(e.held_on).or_default() += 1;
        }
        let twice = dates.values().filter(|n| **n > 1).count();
        assert!(twice > 0, "the two networks share dates: {dates:?}");
        let clashes = programme_year::adviser_clashes(db, p, from).await.expect("clashes");
        assert_eq!(clashes.len(), twice, "{clashes:#?}");
        assert!(clashes[0].contains(" leads 2 days on ") && clashes[0].contains("of North Hampshire"), "{clashes:?}");
        assert!(clashes[0].contains("of South Hampshire"), "{clashes:?}");
        // Only from the date asked: none after the year.
        assert!(programme_year::adviser_clashes(db, p, d(2018, 9, 1)).await.expect("clashes").is_empty());
        t.cleanup().await;
    }
}

/// An adviser who leads a day of another programme on a date: a day of theirs here is neither
/// moved nor added onto it, and the refusal names the other day.
#[tokio::test]
async fn a_day_is_not_moved_or_added_onto_a_date_its_adviser_leads_another_programmes_day() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire here").enrol(NORTH).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let nd = days.iter().find(|e| e.urn.is_none()).expect("a Network Day");
        // The same adviser leads a day of another programme on a free weekday of that term.
        let busy = (1..30)
            .map(|n| nd.held_on + chrono::Days::new(n))
            .find(|d| d.weekday().number_from_monday() <= 5 && days.iter().all(|e| e.held_on != *d))
            .expect("a free weekday");
        let other = ProgrammeBuilder::new("Elsewhere").enrol(SOUTH).create(db).await;
        let (south, _) = network_with_adviser(db, other, "South Hampshire", SOUTH).await;
        let theirs = aspire_store::NewEvent {
            network: south,
            kind: "senior-leaders-network-day".into(),
            number: 1,
            term: nd.term,
            held_on: busy,
            starts_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            ends_at: chrono::NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
            urn: None,
            adviser: Some(adviser),
            capacity: None,
        };
        db.save_plan(&cli, other, &[theirs]).await.expect("saved");

        let e = programme_year::move_day(db, &cli, p, nd.id, busy, "", d(2017, 9, 1)).await.expect_err("refused");
        assert!(matches!(e, PlanError::AdviserElsewhere { .. }), "{e:?}");
        assert!(e.to_string().contains("of South Hampshire (Elsewhere)"), "{e}");
        let kept = db.programme_event(p, nd.id).await.expect("read").expect("day");
        assert_eq!(kept.held_on, nd.held_on, "nothing moved");
        let new = programme_year::NewDay {
            network: north,
            kind: "senior-leaders-network-day".into(),
            school: None,
            date: busy,
            starts: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            ends: chrono::NaiveTime::from_hms_opt(15, 30, 0).expect("time"),
            places: None,
        };
        let e = programme_year::add_day(db, &cli, p, &new).await.expect_err("refused");
        assert!(matches!(e, PlanError::AdviserElsewhere { .. }), "{e:?}");
        assert_eq!(db.programme_events(p, &Visible::everything()).await.expect("days").len(), days.len());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_year_that_cannot_be_planned_names_the_broken_constraints_and_writes_nothing() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire gaps").enrol(NORTH).create(db).await;
        let (_north, _) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        // One school has no term dates at all.
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH[1..].iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        let err =
            programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect_err("no plan");
        let PlanError::Broken { problems: broken, .. } = &err else { panic!("{err:?}") };
        assert!(broken.iter().all(|b| matches!(b, Broken::NoTermDates { school, .. } if *school == urn(NORTH[0]))));
        let text = err.to_string();
        let names = db.school_names(&[urn(NORTH[0])]).await.expect("names");
        let named = format!("North Hampshire: {} has no term dates", names[&urn(NORTH[0])]);
        assert!(text.contains("nothing was saved") && text.contains(&named), "the school is named: {text}");
        assert!(db.programme_events(p, &Visible::everything()).await.expect("days").is_empty());

        // A programme without networks says what to do first.
        let empty = ProgrammeBuilder::new("Hampshire empty").create(db).await;
        let none = programme_year::plan_year(db, &cli, empty, &calendars, &Rules::default(), true).await;
        assert!(matches!(none, Err(PlanError::NoNetworks)), "{none:?}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_sign_in_sheet_is_recorded_whole_or_every_bad_row_is_named_and_nothing_is_recorded() {
    use aspire_app::programme_year::RollImportError;
    use aspire_core::people::{Grant, Role, Scope};
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire rolls").enrol(NORTH).create(db).await;
        let (north, _) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let nd = days.iter().find(|e| e.urn.is_none() && e.network == north).expect("a Network Day");
        let dd = days.iter().find(|e| e.urn == Some(urn(NORTH[1]))).expect("a Development Day at the second school");
        let school = |u: &str, r| Grant::new(r, Scope::School(urn(u)), false).expect("grant");
        let (_, head) = person_with(db, &[school(NORTH[0], Role::HeadTeacher)]).await;
        let (_, teacher) = person_with(db, &[school(NORTH[1], Role::Teacher)]).await;
        let (_, outsider) = person_with(db, &[school("115854", Role::Teacher)]).await;
        let after_all = d(2019, 1, 1);
        let nd_date = nd.held_on.format("%d/%m/%Y");

        let bad = format!(
            "email,mark,day,date,network\n\
             {head},present,{nd},,\n\
             nobody@school.example,present,{nd},,\n\
             {outsider},present,{nd},,\n\
             {teacher},late,,{nd_date},Nowhere\n\
             {teacher},present,999999,,\n",
            nd = nd.id,
        );
        let err = programme_year::import_sign_in_sheet(db, &cli, p, "roll.csv", bad.as_bytes(), after_all)
            .await
            .expect_err("bad rows");
        let RollImportError::Rows(rows) = &err else { panic!("{err:?}") };
        let lines: Vec<(u64, Option<&str>)> = rows.iter().map(|r| (r.line, r.column.as_deref())).collect();
        assert_eq!(
            lines,
            vec![(3, Some("email")), (4, Some("email")), (5, Some("network")), (6, Some("day"))],
            "{rows:?}"
        );
        assert!(err.to_string().starts_with("nothing was recorded: 4 rows"), "{err}");
        assert!(db.roll_marks(p, &Visible::everything()).await.expect("marks").is_empty(), "nothing recorded");

        // The same person and day given once by its number and once by its date and network.
        let twice = format!(
            "email,mark,day,date,network\n{head},present,{},,\n{head},late,,{nd_date},North Hampshire\n",
            nd.id
        );
        let err = programme_year::import_sign_in_sheet(db, &cli, p, "roll.csv", twice.as_bytes(), after_all)
            .await
            .expect_err("twice");
        let RollImportError::Rows(rows) = &err else { panic!("{err:?}") };
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3], "{rows:?}");
        assert!(rows[0].reason.contains("line 2 marks them already"), "{rows:?}");

        // Before the day, only apologies.
        let early = format!("email,mark,day\n{head},present,{}\n", nd.id);
        let err = programme_year::import_sign_in_sheet(db, &cli, p, "roll.csv", early.as_bytes(), d(2017, 9, 1))
            .await
            .expect_err("too early");
        assert!(matches!(&err, RollImportError::Rows(r) if r[0].column.as_deref() == Some("mark")), "{err:?}");

        let good = format!(
            "email,mark,day,date,network\n{head},present,{},,\n{teacher},late,,{},North Hampshire\n",
            nd.id,
            dd.held_on.format("%d/%m/%Y")
        );
        let done = programme_year::import_sign_in_sheet(db, &cli, p, "roll.csv", good.as_bytes(), after_all)
            .await
            .expect("recorded");
        assert_eq!((done.days, done.marks), (2, 2));
        let doses = programme_year::programme_doses(db, p).await.expect("doses");
        assert_eq!(doses[&(urn(NORTH[0]), nd.term)].network_days_attended, 1);
        assert_eq!(doses[&(urn(NORTH[1]), dd.term)].development_days_held, 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn calendar_feeds_show_their_owners_days_keep_local_time_and_open_nothing_once_revoked() {
    use aspire_core::people::{Grant, Role, Scope};
    use aspire_store::{FeedScope, NewRegistration};
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire feeds").enrol(NORTH).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let nds: Vec<_> = days.iter().filter(|e| e.urn.is_none()).collect();
        // Two Network Days either side of the clocks going forward on 25 March 2018.
        db.move_event(&cli, p, nds[2].id, aspire_store::MovedTo { date: d(2018, 3, 23), term: nds[2].term }, "", &[])
            .await
            .expect("moved");
        db.move_event(&cli, p, nds[3].id, aspire_store::MovedTo { date: d(2018, 3, 27), term: nds[3].term }, "", &[])
            .await
            .expect("moved");
        db.cancel_event(&cli, p, nds[4].id, "The venue is closed", &[]).await.expect("cancelled");
        let head_grant = Grant::new(Role::HeadTeacher, Scope::School(urn(NORTH[0])), false).expect("grant");
        let (head, _) = person_with(db, &[head_grant]).await;
        let seat = NewRegistration {
            event: nds[0].id,
            urn: urn(NORTH[0]),
            seat: Role::HeadTeacher,
            person: head,
            substitute: None,
        };
        db.register(&cli, p, &seat).await.expect("registered");

        let now = chrono::Utc::now();
        let token = db.create_feed(&cli, adviser, p, FeedScope::Person, None).await.expect("feed");
        let ics = programme_year::feed(db, &token, now).await.expect("read").expect("a feed");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), days.len(), "the adviser leads every day");
        assert!(ics.contains("DTSTART;TZID=Europe/London:20180323T090000\r\n"), "{ics}");
        assert!(ics.contains("DTSTART;TZID=Europe/London:20180327T090000\r\n"), "{ics}");
        let unfolded = ics.replace("\r\n ", "");
        assert!(ics.contains("STATUS:CANCELLED\r\n") && unfolded.contains("Cancelled: The venue is closed"), "{ics}");
        assert!(ics.contains("SEQUENCE:1\r\n"), "a moved day's sequence is raised");
        assert!(ics.contains("SUMMARY:Senior Leaders Network Day\\, North Hampshire\r\n"), "{ics}");

        let mine = db.create_feed(&cli, head, p, FeedScope::Person, None).await.expect("feed");
        let ics = programme_year::feed(db, &mine, now).await.expect("read").expect("a feed");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "the head's one registered day: {ics}");
        let school = db.create_feed(&cli, head, p, FeedScope::School(urn(NORTH[0])), None).await.expect("feed");
        let ics = programme_year::feed(db, &school, now).await.expect("read").expect("a feed");
        assert_eq!(
            ics.matches("BEGIN:VEVENT").count(),
            6 + 6,
            "its network's Network Days and its own Development Days"
        );
        let network = db.create_feed(&cli, adviser, p, FeedScope::Network(north), None).await.expect("feed");
        assert!(programme_year::feed(db, &network, now).await.expect("read").is_some());

        // A feed opens only what its owner may still see: once the head's role is taken away,
        // or the adviser's account disabled, their addresses open nothing.
        let role = db.person(head).await.expect("read").expect("head").grants[0].clone();
        db.remove_grant(&cli, role.id).await.expect("role removed");
        assert!(programme_year::feed(db, &school, now).await.expect("read").is_none(), "no longer at the school");
        db.add_grant(&cli, head, &role.grant).await.expect("role back");
        assert!(programme_year::feed(db, &school, now).await.expect("read").is_some(), "at the school again");
        db.set_disabled(&cli, adviser, true).await.expect("disabled");
        assert!(programme_year::feed(db, &network, now).await.expect("read").is_none(), "a disabled account");
        db.set_disabled(&cli, adviser, false).await.expect("enabled");
        assert!(programme_year::feed(db, &network, now).await.expect("read").is_some(), "open again");

        // Revoked: the address opens nothing; another's feed cannot be revoked by the head.
        let feeds = db.feeds_of(head).await.expect("feeds");
        assert_eq!(feeds.len(), 2);
        let adviser_feeds = db.feeds_of(adviser).await.expect("feeds");
        assert!(!db.revoke_feed(&cli, head, adviser_feeds[0].id).await.expect("refused"), "not the head's feed");
        assert!(db.revoke_feed(&cli, head, feeds[0].id).await.expect("revoked"));
        assert!(programme_year::feed(db, &school, now).await.expect("read").is_none());
        assert!(programme_year::feed(db, "0".repeat(64).as_str(), now).await.expect("read").is_none());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_schools_staff_release_is_asked_from_the_template_then_the_plan_and_used_by_who_came() {
    use aspire_core::people::{Grant, Role, Scope};
    use aspire_core::release::{Release, per_term};
    use aspire_store::NewRegistration;
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire release").enrol(NORTH).create(db).await;
        let (_north, _) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let before = programme_year::school_release(db, p, urn(NORTH[0])).await.expect("release");
        assert!(!before.from_plan);
        let autumn = Term { year: 2017, season: Season::Autumn };
        // Each term: one Network Day for the head and a senior leader, one for the T&L and AfL
        // leads, and two Development Days for five roles.
        assert_eq!(before.asked[&(autumn, Role::HeadTeacher)], Release { off_site: 1, in_school: 2 });
        assert_eq!(before.asked[&(autumn, Role::AflLead)], Release { off_site: 1, in_school: 2 });
        assert_eq!(per_term(&before.asked)[&autumn].total(), 14);
        assert_eq!(per_term(&before.asked).len(), 3);

        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), year_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let planned = programme_year::school_release(db, p, urn(NORTH[0])).await.expect("release");
        assert!(planned.from_plan);
        assert_eq!(planned.asked, before.asked, "the plan asks what the template said");
        assert!(planned.used.is_empty());

        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let nd = days.iter().find(|e| e.urn.is_none()).expect("a Network Day");
        let g = Grant::new(Role::HeadTeacher, Scope::School(urn(NORTH[0])), false).expect("grant");
        let (head, _) = person_with(db, &[g]).await;
        for seat in [Role::HeadTeacher, Role::SeniorLeader] {
            let r = NewRegistration { event: nd.id, urn: urn(NORTH[0]), seat, person: head, substitute: None };
            db.register(&cli, p, &r).await.expect("registered");
        }
        db.record_roll(&cli, p, nd.id, &[(head, urn(NORTH[0]), Mark::Present)]).await.expect("roll");
        let after = programme_year::school_release(db, p, urn(NORTH[0])).await.expect("release");
        assert_eq!(after.used[&(nd.term, Role::HeadTeacher)], Release { off_site: 1, in_school: 0 });
        assert!(
            !after.used.contains_key(&(nd.term, Role::SeniorLeader)),
            "one person in two seats is one day released"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_schools_reach_is_the_share_of_its_staff_reached_each_term_teaching_assistants_included() {
    use aspire_core::reach::{ReachedBy, StaffRole};
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire reach").enrol(NORTH).create(db).await;
        network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let school = urn(NORTH[0]);
        assert!(
            aspire_app::reach::school_reach(db, p, school).await.expect("reach").values().all(|r| r.share().is_none())
        );
        let ids = db
            .add_staff_members(
                &cli,
                school,
                &[
                    ("Sam Teacher".into(), StaffRole::Teacher, None),
                    ("Jo Assistant".into(), StaffRole::TeachingAssistant, None),
                    ("Al Office".into(), StaffRole::Support, None),
                    ("Mo Leader".into(), StaffRole::Leader, None),
                ],
                None,
            )
            .await
            .expect("staff");
        let blank = db.add_staff_members(&cli, school, &[(" ".into(), StaffRole::Teacher, None)], None).await;
        assert!(blank.is_err(), "a nameless member of staff is refused");
        let autumn = Term { year: 2017, season: Season::Autumn };
        db.record_reach(&cli, p, school, autumn, &[(ids[0], ReachedBy::NetworkDay), (ids[1], ReachedBy::Coached)])
            .await
            .expect("reach");
        let elsewhere =
            db.add_staff_members(&cli, urn(NORTH[1]), &[("Other".into(), StaffRole::Teacher, None)], None).await;
        let stranger = elsewhere.expect("staff")[0];
        let wrong = db.record_reach(&cli, p, school, autumn, &[(stranger, ReachedBy::Coached)]).await;
        assert!(wrong.is_err(), "another school's member of staff is refused");
        db.set_staff_left(&cli, school, ids[2], Some(d(2017, 12, 20))).await.expect("left");
        let r = aspire_app::reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!((r[&autumn].staff, r[&autumn].reached), (4, 2));
        assert_eq!(r[&autumn].share(), Some(0.5));
        let spring = Term { year: 2018, season: Season::Spring };
        assert_eq!((r[&spring].staff, r[&spring].reached), (3, 0), "who left in December no longer counts");
        // Who joined in February counts from the spring term, not before.
        let joined = db
            .add_staff_members(&cli, school, &[("Ed New".into(), StaffRole::Teacher, None)], Some(d(2018, 2, 26)))
            .await
            .expect("joined")[0];
        db.record_reach(&cli, p, school, spring, &[(joined, ReachedBy::DevelopmentDay)]).await.expect("reach");
        let r = aspire_app::reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!((r[&autumn].staff, r[&spring].staff, r[&spring].reached), (4, 4, 1));
        use aspire_app::school_year::{StaffChange, YearError, change_staff};
        let early = change_staff(db, &cli, p, school, joined, StaffChange::Left(Some(d(2018, 1, 5)))).await;
        assert!(matches!(early, Err(YearError::LeftBeforeJoining { .. })), "{early:?}");
        // A day after the programme year (a slip of the year typed) is refused, not kept.
        let late = change_staff(db, &cli, p, school, joined, StaffChange::Left(Some(d(2028, 1, 5)))).await;
        assert!(matches!(late, Err(YearError::AfterTheYear { .. })), "{late:?}");
        let gone = change_staff(db, &cli, p, school, joined, StaffChange::Left(Some(d(2010, 2, 1)))).await;
        assert!(matches!(gone, Err(YearError::LeftBeforeTheYear { .. })), "{gone:?}");
        let late =
            aspire_app::school_year::add_staff(db, &cli, p, school, "Late Comer, teacher", Some(d(2029, 9, 1))).await;
        assert!(matches!(late, Err(YearError::AfterTheYear { .. })), "{late:?}");
        let elsewhere = change_staff(db, &cli, p, school, stranger, StaffChange::Remove).await;
        assert!(matches!(elsewhere, Err(YearError::NoSuchStaff(_))), "another school's is not this school's to remove");
        // Added in error: taken off with their reach records.
        change_staff(db, &cli, p, school, joined, StaffChange::Remove).await.expect("removed");
        let r = aspire_app::reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!((r[&spring].staff, r[&spring].reached), (3, 0));
        assert!(db.reach_records(p, school).await.expect("records").iter().all(|(id, _, _)| *id != joined));
        t.cleanup().await;
    }
}
