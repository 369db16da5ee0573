//! A planned day's places and resources, on both databases: more places go to those waiting,
//! who are told with the day attached; files are checked against their names; the team and the
//! adviser see a day's resources at once, the network's schools once the day is held, and
//! nobody else.

use std::collections::BTreeMap;

use aspire_app::days::{self, DayError, Reader, Upload};
use aspire_app::programme_year;
use aspire_app::school_year::{self, Nomination};
use aspire_core::people::{Grant, Role, Scope};
use aspire_core::resources::ResourceError;
use aspire_core::schedule::{Rules, SchoolDays};
use aspire_core::urn::Urn;
use aspire_store::{Actor, RegistrationStatus};
use aspire_testkit::{ProgrammeBuilder, TestDb, network_with_adviser, person_with, urn, weekdays_2017};

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const NORTH: &[&str] = &["115850", "115851", "115852", "115853"];

#[tokio::test]
async fn more_places_go_to_those_waiting_and_a_days_resources_are_shared_after_it() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire day").enrol(NORTH).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), weekdays_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let school = urn(NORTH[0]);
        let at = |role, u| Grant::new(role, Scope::School(u), false).expect("grant");
        let (head, _) = person_with(db, &[at(Role::HeadTeacher, school)]).await;
        let (senior, senior_email) = person_with(db, &[at(Role::SeniorLeader, school)]).await;
        let (outsider, _) = person_with(db, &[at(Role::HeadTeacher, urn("116000"))]).await;
        let year = school_year::school_year(db, p, school, chrono::NaiveDate::MIN).await.expect("year");
        let nd = year.days.iter().find(|x| x.event.kind == "senior-leaders-network-day").expect("a Network Day");
        let id = nd.event.id;

        // One place: the head has it, the senior leader waits; a second place is theirs, and
        // they are told with the day attached.
        days::set_places(db, &cli, p, id, "1").await.expect("one place");
        let by = Actor::person(head, "head@test.example", None);
        let n = |seat, person| Nomination { day: id, seat, person: Some(person), substitute: None };
        let before_the_year = chrono::NaiveDate::from_ymd_opt(2017, 9, 1).expect("date");
        school_year::nominate(db, &by, p, school, &n(Role::HeadTeacher, head), before_the_year).await.expect("head");
        let waits = school_year::nominate(db, &by, p, school, &n(Role::SeniorLeader, senior), before_the_year)
            .await
            .expect("senior");
        assert_eq!(waits.status, RegistrationStatus::Waiting);
        for bad in ["0", "two", "-3", "10001"] {
            let e = days::set_places(db, &cli, p, id, bad).await.expect_err("not a number of places");
            assert!(matches!(e, DayError::Places(_)), "{bad}: {e}");
        }
        let given = days::set_places(db, &cli, p, id, "2").await.expect("two places");
        assert_eq!(given.iter().map(|r| r.person).collect::<Vec<_>>(), [senior]);
        let mail = db.outbox(50).await.expect("outbox");
        let told =
            mail.iter().find(|m| m.recipient == senior_email.as_str() && m.subject.starts_with("A place came free"));
        let told = told.expect("the senior leader told");
        assert!(told.body.contains("off the waiting list"), "{}", told.body);
        assert!(told.calendar.as_deref().is_some_and(|c| c.contains("BEGIN:VEVENT")), "the day attached");
        let view = days::day(db, Reader::Everything, p, id, nd.event.held_on).await.expect("day");
        assert_eq!((view.event.capacity, view.registered, view.waiting), (Some(2), 2, 0));

        // Resources: the adviser adds a file and a link; a head cannot add; bad files are refused.
        let adviser_p = db.principal(adviser).await.expect("principal");
        let head_p = db.principal(head).await.expect("principal");
        let outsider_p = db.principal(outsider).await.expect("principal");
        let by_adviser = Actor::person(adviser, "adviser@test.example", None);
        let pdf = Upload::File { name: "questioning.pdf".into(), content: b"%PDF-1.4 questioning".to_vec() };
        let f = days::add_resource(db, &by_adviser, Reader::Person(&adviser_p), p, id, "Questioning", pdf)
            .await
            .expect("file");
        let link = Upload::Link("https://example.org/feedback".into());
        days::add_resource(db, &by_adviser, Reader::Person(&adviser_p), p, id, "Feedback", link).await.expect("link");
        let fake = Upload::File { name: "fake.pdf".into(), content: b"<html>".to_vec() };
        let e = days::add_resource(db, &cli, Reader::Everything, p, id, "Fake", fake).await.expect_err("fake");
        assert!(matches!(e, DayError::Resource(ResourceError::NotWhatItSays { .. })), "{e}");
        let e = days::add_resource(db, &cli, Reader::Everything, p, id, " ", Upload::Link("https://a.org".into()))
            .await
            .expect_err("no title");
        assert!(matches!(e, DayError::Resource(ResourceError::NoTitle)), "{e}");
        let e =
            days::add_resource(db, &by, Reader::Person(&head_p), p, id, "Mine", Upload::Link("https://a.org".into()))
                .await
                .expect_err("a head does not add");
        assert!(matches!(e, DayError::NoSuchDay(_)), "{e}");

        // Before the day: the adviser sees both, the head neither; on the day the head sees
        // both and opens the file; the other network's head never.
        let eve = nd.event.held_on.pred_opt().expect("eve");
        let seen = |r, d| async move { days::day(db, r, p, id, d).await.expect("day").resources.len() };
        assert_eq!(seen(Reader::Person(&adviser_p), eve).await, 2);
        assert_eq!(seen(Reader::Person(&head_p), eve).await, 0);
        assert!(days::day(db, Reader::Person(&head_p), p, id, eve).await.expect("day").shared_after);
        assert!(days::open_file(db, Reader::Person(&head_p), p, id, f, eve).await.expect("open").is_none());
        let on = nd.event.held_on;
        assert_eq!(seen(Reader::Person(&head_p), on).await, 2);
        let file = days::open_file(db, Reader::Person(&head_p), p, id, f, on).await.expect("open").expect("the file");
        assert_eq!((file.name.as_str(), file.content.as_slice()), ("questioning.pdf", &b"%PDF-1.4 questioning"[..]));
        assert_eq!(seen(Reader::Person(&outsider_p), on).await, 0);
        assert!(days::open_file(db, Reader::Person(&outsider_p), p, id, f, on).await.expect("open").is_none());
        let kept = days::network_resources(db, Reader::Person(&head_p), p, north, on).await.expect("kept");
        assert_eq!(kept.len(), 2, "kept on the network's page");
        assert!(days::network_resources(db, Reader::Person(&head_p), p, north, eve).await.expect("kept").is_empty());
        assert!(days::network_resources(db, Reader::Person(&outsider_p), p, north, on).await.expect("kept").is_empty());

        assert!(days::remove_resource(db, &by_adviser, Reader::Person(&adviser_p), p, id, f).await.expect("removed"));
        assert_eq!(seen(Reader::Person(&head_p), on).await, 1);
        t.cleanup().await;
    }
}

/// The team adds a day to a planned network's year: refused on a day a school is closed, outside
/// the network's year, without its school, or where it breaks the plan (the adviser elsewhere);
/// added with the next number of its kind, its adviser, and the adviser told with the day.
#[tokio::test]
async fn a_day_is_added_to_a_planned_year_only_where_it_breaks_nothing() {
    use aspire_app::programme_year::{NewDay, PlanError};
    use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire added").enrol(NORTH).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), weekdays_2017(urn(u)))).collect();
        let new = |kind: &str, school: Option<&str>, date: NaiveDate| NewDay {
            network: north,
            kind: kind.into(),
            school: school.map(urn),
            date,
            starts: NaiveTime::from_hms_opt(9, 30, 0).expect("time"),
            ends: NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
            places: Some(12),
        };
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        let e = programme_year::add_day(db, &cli, p, &new("development-day", Some(NORTH[0]), d(2017, 12, 5))).await;
        assert!(matches!(e, Err(PlanError::NotPlanned(_))), "{e:?}");
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let days = db.programme_events(p, &aspire_core::access::Visible::everything()).await.expect("days");
        let before = days.len();
        let busy: std::collections::BTreeSet<NaiveDate> = days.iter().map(|e| e.held_on).collect();
        let last_autumn =
            days.iter().filter(|e| e.term.label() == "Autumn 2017").map(|e| e.held_on).max().expect("autumn");
        let free = last_autumn
            .iter_days()
            .skip(1)
            .find(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun) && !busy.contains(x) && *x <= d(2017, 12, 20))
            .expect("a free weekday late in the autumn term");

        let saturday = d(2017, 12, 16);
        let e = programme_year::add_day(db, &cli, p, &new("development-day", Some(NORTH[0]), saturday)).await;
        assert!(matches!(e, Err(PlanError::Closed { .. })), "{e:?}");
        let e = programme_year::add_day(db, &cli, p, &new("development-day", None, free)).await;
        assert!(matches!(e, Err(PlanError::NeedsSchool(_))), "{e:?}");
        let e = programme_year::add_day(db, &cli, p, &new("development-day", Some("116000"), free)).await;
        assert!(matches!(e, Err(PlanError::NotInNetwork(_))), "{e:?}");
        let e = programme_year::add_day(db, &cli, p, &new("gala", None, free)).await;
        assert!(matches!(e, Err(PlanError::NoSuchKind(_))), "{e:?}");
        let e = programme_year::add_day(db, &cli, p, &new("development-day", Some(NORTH[0]), d(2018, 9, 12))).await;
        assert!(matches!(e, Err(PlanError::OutsideYear { .. })), "{e:?}");
        let clash = days
            .iter()
            .find(|x| x.adviser == Some(adviser) && x.urn.is_some_and(|u| u != urn(NORTH[0])))
            .expect("a day of the adviser's");
        let e = programme_year::add_day(db, &cli, p, &new("development-day", Some(NORTH[0]), clash.held_on)).await;
        let Err(PlanError::AddBreaks { problems, said, .. }) = e else { panic!("the adviser is elsewhere: {e:?}") };
        let adviser_name = db.person(adviser).await.expect("read").expect("adviser").name;
        assert!(said.iter().any(|x| x.contains(&format!("{adviser_name} would be in two places"))), "{said:?}");
        assert!(
            problems.iter().any(|v| matches!(v, aspire_core::schedule::Violation::AdviserTwice { .. })),
            "{problems:?}"
        );
        let mut backwards = new("development-day", Some(NORTH[0]), free);
        backwards.ends = backwards.starts;
        assert!(matches!(programme_year::add_day(db, &cli, p, &backwards).await, Err(PlanError::Times { .. })));
        let mut all_day = new("development-day", Some(NORTH[0]), free);
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        (all_day.starts, all_day.ends) = (at(0, 0), at(23, 59));
        let e = programme_year::add_day(db, &cli, p, &all_day).await;
        assert!(matches!(e, Err(PlanError::OutOfHours { .. })), "{e:?}");
        assert!(e.expect_err("refused").to_string().contains("starts at 07:00 or later and ends by 20:00"));
        let e = programme_year::add_day(db, &cli, p, &new("senior-leaders-network-day", Some(NORTH[0]), free)).await;
        assert!(matches!(e, Err(PlanError::NotInSchool(_))), "a school given for a Network Day is said: {e:?}");
        assert_eq!(
            db.programme_events(p, &aspire_core::access::Visible::everything()).await.expect("days").len(),
            before,
            "refusals add nothing"
        );

        let added =
            programme_year::add_day(db, &cli, p, &new("development-day", Some(NORTH[0]), free)).await.expect("added");
        assert_eq!(
            (added.number, added.adviser, added.capacity, added.urn),
            (3, Some(adviser), Some(12), Some(urn(NORTH[0])))
        );
        assert_eq!(added.starts_at, NaiveTime::from_hms_opt(9, 30, 0).expect("time"));
        let adviser_email = db.person(adviser).await.expect("read").expect("adviser").email;
        let mail = db.outbox(50).await.expect("outbox");
        let told = mail
            .iter()
            .find(|m| m.recipient == adviser_email.as_str() && m.subject.starts_with("Development Day added"))
            .expect("the adviser told");
        let ics = told.calendar.as_deref().expect("the day attached");
        assert!(ics.contains(&format!("UID:{}", added.uid)) && ics.contains("DTSTART;TZID=Europe/London:"), "{ics}");
        // Greeted by name, and told where: the school it is held in.
        let school_name = db.school_names(&[urn(NORTH[0])]).await.expect("names")[&urn(NORTH[0])].clone();
        assert!(told.body.starts_with(&format!("Dear {adviser_name},")), "{}", told.body);
        assert!(told.body.contains(&format!(", at {school_name}.")), "{}", told.body);

        // An extra Network Day late in the term, after every Development Day: the Development
        // Days follow up the Network Days they were planned after, not this one.
        let busy: std::collections::BTreeSet<NaiveDate> = db
            .programme_events(p, &aspire_core::access::Visible::everything())
            .await
            .expect("days")
            .iter()
            .map(|e| e.held_on)
            .collect();
        let late = free
            .iter_days()
            .skip(1)
            .find(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun) && !busy.contains(x) && *x <= d(2017, 12, 20))
            .expect("another free weekday");
        let extra = programme_year::add_day(db, &cli, p, &new("senior-leaders-network-day", None, late)).await;
        assert!(extra.is_ok(), "{extra:?}");
        t.cleanup().await;
    }
}
