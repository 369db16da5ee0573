//! A school's year as its head and its adviser use it, on both databases: a head nominates
//! their staff and a substitute for the school's seats, and every nomination that makes no
//! sense is refused with its reason; the adviser takes the roll (a substitute who came counts
//! as a day released); a person's week holds the days they lead and the days they go to; the
//! reach form's ticks replace the term's record.

use std::collections::BTreeMap;

use aspire_app::programme_year;
use aspire_app::school_year::{self, Nomination, YearError};
use aspire_core::access::Visible;
use aspire_core::attendance::Mark;
use aspire_core::people::{Grant, Role, Scope};
use aspire_core::reach::{ReachedBy, StaffRole};
use aspire_core::schedule::{Rules, SchoolDays};
use aspire_core::template::{Season, Term};
use aspire_core::urn::Urn;
use aspire_store::{Actor, RegistrationStatus};
use aspire_testkit::{ProgrammeBuilder, TestDb, network_with_adviser, person_with, urn, weekdays_2017};
use chrono::NaiveDate;

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const NORTH: &[&str] = &["115850", "115851", "115852", "115853"];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

#[tokio::test]
async fn a_head_nominates_staff_and_a_substitute_and_the_adviser_takes_the_roll() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire seats").enrol(NORTH).create(db).await;
        let (north, adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), weekdays_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let school = urn(NORTH[0]);
        let at = |role| Grant::new(role, Scope::School(school), false).expect("grant");
        let (head, _) = person_with(db, &[at(Role::HeadTeacher)]).await;
        let (senior, _) = person_with(db, &[at(Role::SeniorLeader)]).await;
        let (deputy, _) = person_with(db, &[at(Role::Teacher)]).await;
        let other_school = Grant::new(Role::HeadTeacher, Scope::School(urn(NORTH[1])), false).expect("grant");
        let (stranger, _) = person_with(db, &[other_school]).await;

        let today = d(2017, 9, 1);
        let year = school_year::school_year(db, p, school, today).await.expect("year");
        assert_eq!(year.network, Some(north));
        assert_eq!(year.people.len(), 3, "the school's three people, not the other school's head");
        let nd = year.days.iter().find(|x| x.event.kind == "senior-leaders-network-day").expect("a Network Day");
        assert_eq!(nd.open_seats(), [Role::HeadTeacher, Role::SeniorLeader]);
        let dev = year.days.iter().find(|x| x.event.urn == Some(school)).expect("a Development Day");
        assert!(year.days.iter().all(|x| x.event.urn.is_none_or(|u| u == school)), "only its own Development Days");
        assert!(year.next[0].text.starts_with("Your next day is the "), "{:?}", year.next);
        assert!(year.next.iter().any(|n| n.text.starts_with("Nominate your head teacher and senior leader for")));
        assert!(year.next.iter().any(|n| n.text.starts_with("Add your staff list")));
        // The terms its days were planned in, with where their dates came from (none entered).
        let terms: Vec<String> = year.terms.iter().map(|t| t.term.term().label()).collect();
        assert_eq!(terms, ["Autumn 2017", "Spring 2018", "Summer 2018"]);
        assert!(year.terms.iter().all(|t| t.source == aspire_core::calendar::TermSource::Default));

        let by = Actor::person(head, "head@test.example", None);
        let n = |day, seat, person, substitute| Nomination { day, seat, person: Some(person), substitute };
        school_year::nominate(db, &by, p, school, &n(nd.event.id, Role::HeadTeacher, head, None), d(2017, 9, 1))
            .await
            .expect("head");
        let r = school_year::nominate(
            db,
            &by,
            p,
            school,
            &n(nd.event.id, Role::SeniorLeader, senior, Some(deputy)),
            d(2017, 9, 1),
        )
        .await
        .expect("senior leader");
        assert_eq!((r.status, r.substitute), (RegistrationStatus::Registered, Some(deputy)));

        // Each refusal with its reason, nothing written.
        let refused = |e: YearError| e.to_string();
        let e = school_year::nominate(db, &by, p, school, &n(nd.event.id, Role::Teacher, deputy, None), d(2017, 9, 1))
            .await;
        assert!(refused(e.expect_err("no such seat")).contains("has no seat for a teacher"));
        let e =
            school_year::nominate(db, &by, p, school, &n(dev.event.id, Role::Teacher, stranger, None), d(2017, 9, 1))
                .await;
        assert!(refused(e.expect_err("not of the school")).contains("does not hold a role at this school"));
        let e = school_year::nominate(
            db,
            &by,
            p,
            school,
            &n(dev.event.id, Role::Teacher, deputy, Some(deputy)),
            d(2017, 9, 1),
        )
        .await;
        assert!(matches!(e, Err(YearError::SameSubstitute)));
        let theirs = db
            .programme_events(p, &Visible::everything())
            .await
            .expect("days")
            .into_iter()
            .find(|x| x.urn == Some(urn(NORTH[1])))
            .expect("another school's Development Day");
        let e =
            school_year::nominate(db, &by, p, school, &n(theirs.id, Role::Teacher, deputy, None), d(2017, 9, 1)).await;
        assert!(matches!(e, Err(YearError::NotTheSchools)));
        let e =
            school_year::nominate(db, &by, p, school, &n(nd.event.id, Role::SeniorLeader, deputy, None), d(2017, 9, 1))
                .await;
        assert!(refused(e.expect_err("taken")).contains("is taken"));
        let missing = Nomination { day: nd.event.id, seat: Role::HeadTeacher, person: None, substitute: None };
        assert!(matches!(
            school_year::nominate(db, &by, p, school, &missing, d(2017, 9, 1)).await,
            Err(YearError::NoPerson)
        ));
        assert_eq!(db.registrations(p, nd.event.id).await.expect("regs").len(), 2, "the refusals wrote nothing");

        // The roll: those registered and the substitute; not before the day; only those on it.
        let roll = school_year::roll(db, p, nd.event.id).await.expect("roll");
        let names: Vec<(_, bool)> = roll.lines.iter().map(|l| (l.person, l.substitute_for.is_some())).collect();
        assert_eq!(names, [(head, false), (senior, false), (deputy, true)]);
        let day = nd.event.held_on;
        let eve = day.pred_opt().expect("the day before");
        let early = school_year::take_roll(db, &cli, p, nd.event.id, &[(head, Mark::Present)], eve).await;
        assert!(matches!(early, Err(YearError::TooEarly { .. })));
        let off = school_year::take_roll(db, &cli, p, nd.event.id, &[(stranger, Mark::Present)], day).await;
        assert!(matches!(off, Err(YearError::NotOnTheRoll)));
        let none = school_year::take_roll(db, &cli, p, nd.event.id, &[], day).await;
        assert!(matches!(none, Err(YearError::NothingMarked)));
        let marks = [(head, Mark::Present), (senior, Mark::Apologies), (deputy, Mark::Late)];
        assert_eq!(school_year::take_roll(db, &cli, p, nd.event.id, &marks, day).await.expect("roll"), 3);
        let roll = school_year::roll(db, p, nd.event.id).await.expect("roll");
        assert_eq!(roll.lines.iter().map(|l| l.mark).collect::<Vec<_>>(), marks.map(|(_, m)| Some(m)));
        let release = programme_year::school_release(db, p, school).await.expect("release");
        let used = release.used.get(&(nd.event.term, Role::SeniorLeader)).map(|r| r.off_site);
        assert_eq!(used, Some(1), "the substitute who came used the senior leader's day");

        // Once marked on the roll, a place is not withdrawn: the roll is the record of who came.
        let marked = school_year::withdraw(db, &by, p, school, nd.event.id, r.id, false).await;
        assert!(
            matches!(&marked, Err(YearError::Save(e)) if e.to_string().contains("is marked on the day's roll already")),
            "{marked:?}"
        );
        assert_eq!(db.registrations(p, nd.event.id).await.expect("regs").len(), 2, "nothing withdrawn");
        let asked = school_year::preview_withdrawal(db, p, school, nd.event.id, r.id).await;
        let adviser_name = db.person(adviser).await.expect("read").expect("adviser").name;
        assert!(
            matches!(&asked, Err(e @ YearError::OnTheRoll { .. }) if e.to_string().contains(&format!("ask {adviser_name}"))),
            "said before asking to confirm: {asked:?}"
        );
        let seen = school_year::school_year(db, p, school, today).await.expect("year");
        let seats = &seen.days.iter().find(|x| x.event.id == nd.event.id).expect("the day").seats;
        assert!(seats.iter().all(|s| s.registration.is_none() || s.marked), "both holders are marked: {seats:?}");
        // Another Network Day, nobody marked yet: the senior leader's place is withdrawn there.
        let nd2 = year
            .days
            .iter()
            .find(|x| x.event.kind == "senior-leaders-network-day" && x.event.id != nd.event.id)
            .expect("another Network Day");
        let r = school_year::nominate(
            db,
            &by,
            p,
            school,
            &n(nd2.event.id, Role::SeniorLeader, senior, Some(deputy)),
            d(2017, 9, 1),
        )
        .await
        .expect("senior leader");
        // Withdrawn: the seat is open again; another school's registration cannot be withdrawn.
        let e = school_year::withdraw(db, &by, p, urn(NORTH[1]), nd2.event.id, r.id, false).await;
        assert!(matches!(e, Err(YearError::NoSuchRegistration(_))));
        let seen = school_year::preview_withdrawal(db, p, school, nd2.event.id, r.id).await.expect("preview");
        let deputy_name = db.person(deputy).await.expect("read").expect("person").name;
        assert_eq!((seen.substitute.as_deref(), seen.frees_place, seen.waiting), (Some(deputy_name.as_str()), true, 0));
        assert_eq!(seen.seat, "senior leader");
        let w = school_year::withdraw(db, &by, p, school, nd2.event.id, r.id, false).await.expect("withdrawn");
        assert_eq!((w.given.len(), w.successor), (0, None));
        // The senior leader and their substitute are told, in the withdrawal's transaction.
        let mail = db.outbox(100).await.expect("outbox");
        for (who, subject) in [(senior, "Your place is withdrawn: "), (deputy, "No longer a substitute: ")] {
            let email = db.person(who).await.expect("read").expect("person").email;
            assert!(
                mail.iter().any(|m| m.recipient == email.as_str() && m.subject.starts_with(subject)),
                "{subject} to {email}"
            );
        }
        // The person withdrawn has the day marked cancelled for their calendar: same UID and SEQUENCE.
        let senior_email = db.person(senior).await.expect("read").expect("person").email;
        let letter = mail.iter().find(|m| m.recipient == senior_email.as_str()).expect("the letter");
        let ics = letter.calendar.as_deref().expect("a calendar file");
        assert!(ics.contains("STATUS:CANCELLED") && ics.contains(&format!("UID:{}", nd2.event.uid)), "{ics}");
        assert!(ics.contains(&format!("SEQUENCE:{}", nd2.event.sequence)), "{ics}");
        let year = school_year::school_year(db, p, school, today).await.expect("year");
        let nd2 = year.days.iter().find(|x| x.event.id == nd2.event.id).expect("the day");
        assert_eq!(nd2.open_seats(), [Role::HeadTeacher, Role::SeniorLeader], "the head was never nominated there");

        // Nominated again with the substitute; withdrawn with the seat passing to the substitute.
        let again = n(nd2.event.id, Role::SeniorLeader, senior, Some(deputy));
        let r = school_year::nominate(db, &by, p, school, &again, d(2017, 9, 1)).await.expect("nominated again");
        let w = school_year::withdraw(db, &by, p, school, nd2.event.id, r.id, true).await.expect("passed");
        let took = w.successor.expect("the substitute's seat");
        assert_eq!(
            (took.person, took.substitute, took.status, took.id),
            (deputy, None, RegistrationStatus::Registered, r.id)
        );
        let regs = db.registrations(p, nd2.event.id).await.expect("regs");
        let held: Vec<_> = regs.iter().filter(|x| x.seat == Role::SeniorLeader).map(|x| (x.person, x.status)).collect();
        assert!(
            held.contains(&(deputy, RegistrationStatus::Registered))
                && held.contains(&(senior, RegistrationStatus::Withdrawn)),
            "{held:?}"
        );
        let mail = db.outbox(100).await.expect("outbox");
        let deputy_email = db.person(deputy).await.expect("read").expect("person").email;
        let passed = mail.iter().find(|m| m.recipient == deputy_email.as_str()).expect("the substitute's letter");
        assert!(
            passed.subject.starts_with("The place passes to you: ") && passed.calendar.is_some(),
            "{}",
            passed.subject
        );
        assert!(
            !mail.iter().take(2).any(|m| m.subject.starts_with("No longer a substitute")),
            "not when the seat is theirs"
        );
        let no_sub = school_year::withdraw(db, &by, p, school, nd2.event.id, r.id, true).await;
        assert!(no_sub.is_err(), "the substitute's own seat names no substitute");
        school_year::withdraw(db, &by, p, school, nd2.event.id, r.id, false).await.expect("withdrawn");

        // Weeks: the adviser leads the day; the head goes to it; neither has days the week before.
        let week = school_year::person_week(db, adviser, day).await.expect("week");
        let led: Vec<_> = week.days.iter().map(|x| (x.event.id, x.leads)).collect();
        assert!(led.contains(&(nd.event.id, true)), "{led:?}");
        assert_eq!(week.days.iter().find(|x| x.event.id == nd.event.id).map(|x| (x.on_roll, x.marked)), Some((3, 3)));
        let head_week = school_year::person_week(db, head, day).await.expect("week");
        assert_eq!(head_week.days.iter().map(|x| (x.event.id, x.leads)).collect::<Vec<_>>(), [(nd.event.id, false)]);
        let before = school_year::person_week(db, head, day - chrono::Days::new(7)).await.expect("week");
        assert!(before.days.is_empty());
        assert_eq!(before.next_after, Some(day));
        assert_eq!(school_year::person_week(db, stranger, day).await.expect("week").days.len(), 0);

        // Nominated after the day: recorded, and nobody is sent a place for a day gone by.
        let sent = db.outbox(200).await.expect("outbox").len();
        let after = dev.event.held_on.succ_opt().expect("the day after");
        let late = n(dev.event.id, Role::HeadTeacher, head, None);
        let r = school_year::nominate(db, &by, p, school, &late, after).await.expect("recorded");
        assert_eq!(r.status, RegistrationStatus::Registered);
        assert_eq!(db.outbox(200).await.expect("outbox").len(), sent, "no email for a past day");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_development_day_nobody_registered_for_is_recorded_as_held_and_counts_for_its_school() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire held").enrol(NORTH).create(db).await;
        network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), weekdays_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let school = urn(NORTH[0]);
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let mut theirs = days.iter().filter(|x| x.urn == Some(school));
        let (dev, other) = (theirs.next().expect("a Development Day"), theirs.next().expect("another"));
        assert!(school_year::roll(db, p, dev.id).await.expect("roll").lines.is_empty(), "nobody registered");
        let dose = |all: &BTreeMap<(Urn, Term), aspire_core::attendance::Dose>, term| {
            all.get(&(school, term)).map(|x| (x.development_days_held, x.development_days_unrecorded))
        };

        let eve = dev.held_on.pred_opt().expect("the day before");
        let early = school_year::record_held(db, &cli, p, dev.id, true, eve).await;
        assert!(matches!(early, Err(YearError::TooEarly { .. })), "{early:?}");
        let before = programme_year::programme_doses(db, p).await.expect("doses");
        let term = dev.term;
        let (held_before, unrecorded_before) = dose(&before, term).expect("a dose");
        school_year::record_held(db, &cli, p, dev.id, true, dev.held_on).await.expect("held");
        let after = programme_year::programme_doses(db, p).await.expect("doses");
        assert_eq!(dose(&after, term), Some((held_before + 1, unrecorded_before - 1)));
        assert!(db.programme_event(p, dev.id).await.expect("day").expect("day").held_recorded);

        // A day recorded as held keeps its date: neither cancelled nor moved, and nobody is told.
        let sent = db.outbox(100).await.expect("outbox").len();
        let refused = programme_year::cancel_day(db, &cli, p, dev.id, "Snow", dev.held_on).await;
        assert!(
            refused.as_ref().is_err_and(|e| e.to_string().contains("took place (it is recorded as held)")),
            "{refused:?}"
        );
        let later = dev.held_on.succ_opt().expect("a later day");
        let refused = programme_year::move_day(db, &cli, p, dev.id, later, "", d(2017, 9, 1)).await;
        assert!(refused.as_ref().is_err_and(|e| e.to_string().contains("so it cannot be moved")), "{refused:?}");
        assert_eq!(db.outbox(100).await.expect("outbox").len(), sent, "nothing sent");
        // Taken back: it counts for nothing again; a cancelled day is never recorded as held.
        school_year::record_held(db, &cli, p, dev.id, false, dev.held_on).await.expect("taken back");
        let back = programme_year::programme_doses(db, p).await.expect("doses");
        assert_eq!(dose(&back, term), Some((held_before, unrecorded_before)));
        programme_year::cancel_day(db, &cli, p, other.id, "The school closed for snow", other.held_on)
            .await
            .expect("cancelled");
        let e = school_year::record_held(db, &cli, p, other.id, true, other.held_on).await;
        assert!(matches!(e, Err(YearError::Cancelled(_))), "{e:?}");
        let log = db.audit_log(&Visible::everything(), &aspire_store::AuditQuery::default()).await.expect("log");
        let recorded = log.iter().filter(|e| e.action == aspire_core::audit::AuditAction::EventHeld).count();
        assert_eq!(recorded, 2, "the record and its taking back are audited, the refusal is not");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_reach_form_replaces_the_terms_record_and_leaves_other_terms_alone() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire reach form").enrol(NORTH).create(db).await;
        network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let school = urn(NORTH[0]);
        let staff: Vec<(String, StaffRole, Option<_>)> =
            ["Ann", "Bob", "Cat"].iter().map(|n| ((*n).to_owned(), StaffRole::Teacher, None)).collect();
        let ids = db.add_staff_members(&cli, school, &staff, None).await.expect("staff");
        let autumn = Term { year: 2017, season: Season::Autumn };
        let spring = Term { year: 2018, season: Season::Spring };
        db.set_term_reach(&cli, p, school, autumn, &[(ids[0], ReachedBy::NetworkDay), (ids[1], ReachedBy::Coached)])
            .await
            .expect("autumn");
        db.set_term_reach(&cli, p, school, spring, &[(ids[2], ReachedBy::Coached)]).await.expect("spring");
        db.set_term_reach(&cli, p, school, autumn, &[(ids[1], ReachedBy::DevelopmentDay)]).await.expect("again");
        let records = db.reach_records(p, school).await.expect("records");
        assert_eq!(records, [(ids[1], autumn, ReachedBy::DevelopmentDay), (ids[2], spring, ReachedBy::Coached)]);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn heads_are_invited_to_nominate_the_nominated_get_the_day_and_are_reminded_once() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire mail").enrol(NORTH).create(db).await;
        network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let school = urn(NORTH[0]);
        let at = |role| Grant::new(role, Scope::School(school), false).expect("grant");
        let (head, head_email) = person_with(db, &[at(Role::HeadTeacher)]).await;
        let (senior, senior_email) = person_with(db, &[at(Role::SeniorLeader)]).await;
        let (deputy, deputy_email) = person_with(db, &[at(Role::Teacher)]).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), weekdays_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let outbox = db.outbox(100).await.expect("outbox");
        let invited: Vec<_> =
            outbox.iter().filter(|m| m.subject.contains("year is planned: nominate your staff")).collect();
        assert_eq!(
            invited.len(),
            1,
            "the one head teacher: {:?}",
            outbox.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        assert_eq!(invited[0].recipient, head_email.as_str());
        assert!(invited[0].body.contains("12 days for your school"), "{}", invited[0].body);

        let year = school_year::school_year(db, p, school, d(2017, 9, 1)).await.expect("year");
        let nd = &year.days.iter().find(|x| x.event.kind == "senior-leaders-network-day").expect("a Network Day").event;
        let n = Nomination { day: nd.id, seat: Role::SeniorLeader, person: Some(senior), substitute: Some(deputy) };
        school_year::nominate(db, &cli, p, school, &n, d(2017, 9, 1)).await.expect("nominated");
        let outbox = db.outbox(100).await.expect("outbox");
        let placed = outbox.iter().find(|m| m.recipient == senior_email.as_str()).expect("the nominee's email");
        assert!(placed.subject.starts_with("Your place: the Senior Leaders Network Day"), "{}", placed.subject);
        let ics = placed.calendar.as_deref().expect("the day attached");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "{ics}");
        assert!(ics.contains(&format!("DTSTART;TZID=Europe/London:{}T090000", nd.held_on.format("%Y%m%d"))), "{ics}");
        let standby = outbox.iter().find(|m| m.recipient == deputy_email.as_str()).expect("the substitute's email");
        assert!(standby.subject.starts_with("Named as a substitute"), "{}", standby.subject);
        assert!(standby.calendar.is_none());

        // Reminders: a week before and the day before, each once, only to those registered.
        let n = Nomination { day: nd.id, seat: Role::HeadTeacher, person: Some(head), substitute: None };
        school_year::nominate(db, &cli, p, school, &n, d(2017, 9, 1)).await.expect("nominated");
        let week_before = nd.held_on - chrono::Days::new(7);
        assert_eq!(school_year::queue_reminders(db, week_before).await.expect("reminders"), 2);
        assert_eq!(school_year::queue_reminders(db, week_before).await.expect("again"), 0, "never twice");
        assert_eq!(school_year::queue_reminders(db, nd.held_on - chrono::Days::new(3)).await.expect("none due"), 0);
        let eve = nd.held_on - chrono::Days::new(1);
        assert_eq!(school_year::queue_reminders(db, eve).await.expect("the day before"), 2);
        let outbox = db.outbox(100).await.expect("outbox");
        let reminders: Vec<_> =
            outbox.iter().filter(|m| m.subject.starts_with("Senior Leaders Network Day ")).collect();
        assert_eq!(reminders.len(), 4);
        assert!(
            reminders.iter().any(|m| m.subject.contains("tomorrow")) && reminders.iter().all(|m| m.calendar.is_some())
        );
        assert!(reminders.iter().all(|m| m.recipient != deputy_email.as_str()), "the substitute is not reminded");

        // One person in two seats of a Development Day (a small school): one confirmation with
        // the day, then a note of the second seat with nothing new for the calendar; reminded once.
        let dev = &year.days.iter().find(|x| x.event.urn == Some(school)).expect("a Development Day").event;
        for seat in [Role::Teacher, Role::AflLead] {
            let n = Nomination { day: dev.id, seat, person: Some(deputy), substitute: None };
            school_year::nominate(db, &cli, p, school, &n, d(2017, 9, 1)).await.expect("nominated");
        }
        let outbox = db.outbox(200).await.expect("outbox");
        let theirs: Vec<_> = outbox
            .iter()
            .filter(|m| m.recipient == deputy_email.as_str() && m.subject.contains("Development Day"))
            .collect();
        assert_eq!(theirs.len(), 2, "{:?}", theirs.iter().map(|m| &m.subject).collect::<Vec<_>>());
        let first = theirs.iter().find(|m| m.subject.starts_with("Your place:")).expect("the confirmation");
        assert!(first.calendar.is_some());
        let second = theirs.iter().find(|m| m.subject.starts_with("A second seat:")).expect("the second seat");
        assert!(
            second.calendar.is_none() && second.body.contains("beside your seat as the teacher"),
            "{}",
            second.body
        );
        assert_eq!(school_year::queue_reminders(db, dev.held_on - chrono::Days::new(1)).await.expect("eve"), 1);
        t.cleanup().await;
    }
}
