//! Term dates entered for an LA and its schools, the calendars made from them, and the year
//! planned and changed on them: a file with a bad row saves nothing, a school's own dates win
//! over its LA's, which win over the default, and no day is planned or moved onto a day a
//! school is closed.

use aspire_app::calendar::{TermDatesError, import_term_dates, school_calendars};
use aspire_app::programme_year::{self, PlanError};
use aspire_core::access::Visible;
use aspire_core::calendar::{ClosedReason, TermSource};
use aspire_core::schedule::Violation;
use aspire_store::{Actor, EventStatus};
use aspire_testkit::{ProgrammeBuilder, TestDb, network_with_adviser, urn};
use chrono::{Datelike, Days, NaiveDate, Weekday};

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const NORTH: &[&str] = &["115850", "115851", "115852", "115853"];
const SOUTH: &[&str] = &["115854", "115855", "115857", "115858"];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

const HEADER: &str = "la_code,urn,academic_year,term,starts,ends,half_term_starts,half_term_ends,closed_on,reason\n";

/// Hampshire's autumn of 2017 with a half-term two weeks later than the default's, a closure
/// day for the LA, and one school's own spring term and INSET day.
fn hampshire_2017() -> String {
    format!(
        "{HEADER}\
         850,,2017/18,autumn,05/09/2017,20/12/2017,06/11/2017,10/11/2017,,\n\
         850,,,,,,,,2017-11-21,Polling day\n\
         ,115851,2017/18,spring,10/01/2018,28/03/2018,19/02/2018,23/02/2018,,\n\
         ,115850,,,,,,,14/11/2017,INSET day\n"
    )
}

#[tokio::test]
async fn a_file_of_term_dates_with_a_bad_row_saves_nothing_and_a_good_one_replaces_its_years() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let bad = format!(
            "{}999,,2017/18,summer,09/04/2018,20/07/2018,28/05/2018,01/06/2018,,\n,999999,,,,,,,15/11/2017,INSET day\n",
            hampshire_2017()
        );
        let err = import_term_dates(db, &cli, "terms.csv", bad.as_bytes()).await.expect_err("refused");
        let TermDatesError::Rows(rows) = &err else { panic!("{err:?}") };
        let named: Vec<(u64, Option<&str>)> = rows.iter().map(|r| (r.line, r.column.as_deref())).collect();
        assert_eq!(named, [(6, Some("la_code")), (7, Some("urn"))], "{rows:?}");
        assert!(err.to_string().starts_with("nothing was saved: 2 rows"), "{err}");
        let calendars = school_calendars(db, &[urn("115850")]).await.expect("calendar");
        assert_eq!(calendars[&urn("115850")].source_of(d(2017, 10, 2)), Some(TermSource::Default), "nothing saved");

        let saved = import_term_dates(db, &cli, "terms.csv", hampshire_2017().as_bytes()).await.expect("saved");
        assert_eq!((saved.terms(), saved.closures()), (2, 2));
        let calendars = school_calendars(db, &[urn("115850"), urn("115851")]).await.expect("calendars");
        let (a, b) = (&calendars[&urn("115850")], &calendars[&urn("115851")]);
        assert_eq!(a.source_of(d(2017, 10, 2)), Some(TermSource::La));
        assert_eq!(a.closed_reason(d(2017, 11, 7)), Some(ClosedReason::HalfTerm), "the LA's half-term");
        assert!(a.is_open(d(2017, 10, 24)), "the default's half-term is not Hampshire's");
        assert_eq!(a.closed_reason(d(2017, 11, 14)), Some(ClosedReason::Closure("INSET day".into())));
        assert!(b.is_open(d(2017, 11, 14)), "another school's INSET day");
        assert_eq!(b.closed_reason(d(2017, 11, 21)), Some(ClosedReason::Closure("Polling day".into())));
        assert_eq!(b.source_of(d(2018, 1, 15)), Some(TermSource::School));
        assert_eq!(b.closed_reason(d(2018, 1, 8)), Some(ClosedReason::BetweenTerms), "its own spring starts later");
        assert_eq!(a.source_of(d(2018, 1, 15)), Some(TermSource::Default));

        // A later year for the LA leaves 2017/18 as it was; 2017/18 again replaces it whole.
        let next = format!("{HEADER}850,,2018/19,autumn,04/09/2018,19/12/2018,29/10/2018,02/11/2018,,\n");
        import_term_dates(db, &cli, "next.csv", next.as_bytes()).await.expect("saved");
        let again = format!("{HEADER}850,,2017/18,autumn,05/09/2017,20/12/2017,23/10/2017,27/10/2017,,\n");
        import_term_dates(db, &cli, "again.csv", again.as_bytes()).await.expect("saved");
        let a = &school_calendars(db, &[urn("115850")]).await.expect("calendar")[&urn("115850")];
        assert!(a.is_open(d(2017, 11, 7)), "the half-term moved back");
        assert!(a.is_open(d(2017, 11, 21)), "the LA's polling day of 2017/18 went with the year");
        assert_eq!(
            a.closed_reason(d(2017, 11, 14)),
            Some(ClosedReason::Closure("INSET day".into())),
            "the school's own stays"
        );
        assert_eq!(a.source_of(d(2018, 10, 1)), Some(TermSource::La), "2018/19 stays");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_year_is_planned_on_the_days_each_school_is_open_by_its_own_calendar() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        import_term_dates(db, &cli, "terms.csv", hampshire_2017().as_bytes()).await.expect("saved");
        let p = ProgrammeBuilder::new("Hampshire calendars").enrol(NORTH).enrol(SOUTH).create(db).await;
        let (north, _) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let year = programme_year::plan_programme_year(db, &cli, p, false).await.expect("planned");
        assert_eq!(year.plan.days.len(), 3 * (2 + 4 * 2));
        let every: Vec<_> = NORTH.iter().map(|u| urn(u)).collect();
        let calendars = school_calendars(db, &every).await.expect("calendars");
        for day in &year.plan.days {
            let concerned = day.school.map(|u| vec![u]).unwrap_or_else(|| every.clone());
            for u in concerned {
                assert!(
                    calendars[&u].is_open(day.date),
                    "{} at {u}: {:?}",
                    day.date,
                    calendars[&u].closed_reason(day.date)
                );
            }
        }
        assert!(year.plan.days.iter().all(|x| !(d(2017, 11, 6)..=d(2017, 11, 10)).contains(&x.date)));

        // A network formed later is planned on its own; the first keeps its days.
        let (south, _) = network_with_adviser(db, p, "South Hampshire", SOUTH).await;
        let later = programme_year::plan_programme_year(db, &cli, p, false).await.expect("planned");
        assert!(later.plan.days.iter().all(|x| x.network == south));
        let stored = db.programme_events(p, &Visible::everything()).await.expect("days");
        assert_eq!(stored.iter().filter(|e| e.network == north).count(), year.plan.days.len());
        assert_eq!(stored.len(), 2 * year.plan.days.len());
        let none = programme_year::plan_programme_year(db, &cli, p, true).await;
        assert!(matches!(none, Err(PlanError::AllPlanned)), "{none:?}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_day_moves_only_to_a_day_its_schools_are_open_in_its_term_without_breaking_the_plan() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        import_term_dates(db, &cli, "terms.csv", hampshire_2017().as_bytes()).await.expect("saved");
        let p = ProgrammeBuilder::new("Hampshire moves").enrol(NORTH).create(db).await;
        let (_, adviser) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let adviser_email = db.person(adviser).await.expect("read").expect("adviser").email.to_string();
        programme_year::plan_programme_year(db, &cli, p, false).await.expect("planned");
        let days = db.programme_events(p, &Visible::everything()).await.expect("days");
        let first = days.iter().find(|e| e.urn.is_none()).expect("a Network Day").clone();

        let saturday = first.held_on + Days::new(u64::from(12 - first.held_on.weekday().num_days_from_monday()) % 7);
        assert_eq!(saturday.weekday(), Weekday::Sat);
        let err =
            programme_year::move_day(db, &cli, p, first.id, saturday, "", d(2017, 9, 1)).await.expect_err("closed");
        assert!(matches!(err, PlanError::Closed { .. }), "{err:?}");
        let err = programme_year::move_day(db, &cli, p, first.id, d(2017, 11, 14), "", d(2017, 9, 1))
            .await
            .expect_err("INSET");
        assert!(err.to_string().contains("closure: INSET day"), "{err}");
        let err = programme_year::move_day(db, &cli, p, first.id, d(2018, 1, 16), "", d(2017, 9, 1))
            .await
            .expect_err("spring");
        assert!(matches!(err, PlanError::OtherTerm { .. }), "{err:?}");
        // After every Development Day that follows it up: the plan would break.
        let last_dev = days
            .iter()
            .filter(|e| e.urn.is_some() && e.term == first.term)
            .map(|e| e.held_on)
            .max()
            .expect("Development Days");
        let calendars = school_calendars(db, &NORTH.iter().map(|u| urn(u)).collect::<Vec<_>>()).await.expect("cal");
        // Onto the last Development Day of the term: that school would have two events, and a
        // Development Day would come before the Network Day it follows up.
        let late = last_dev;
        let err = programme_year::move_day(db, &cli, p, first.id, late, "", d(2017, 9, 1))
            .await
            .expect_err("breaks the plan");
        let PlanError::MoveBreaks { problems, .. } = &err else { panic!("{err:?}") };
        assert!(problems.iter().any(|v| matches!(v, Violation::SchoolTwice { .. })), "{problems:?}");
        assert!(problems.iter().any(|v| matches!(v, Violation::BeforeItsNetworkDay { .. })), "{problems:?}");
        assert_eq!(db.programme_event(p, first.id).await.expect("read").expect("day").sequence, 0, "nothing changed");

        // A free day on which every school is open, before the first Development Day of the
        // term: moved, in its term, its sequence raised.
        let first_dev = days
            .iter()
            .filter(|e| e.urn.is_some() && e.term == first.term)
            .map(|e| e.held_on)
            .min()
            .expect("Development Days");
        let free = d(2017, 11, 1)
            .iter_days()
            .take_while(|x| *x < first_dev)
            .find(|x| {
                *x != first.held_on && calendars.values().all(|c| c.is_open(*x)) && days.iter().all(|e| e.held_on != *x)
            })
            .expect("a free open day before the Development Days");
        let moved = programme_year::move_day(db, &cli, p, first.id, free, "The hall is booked", d(2017, 9, 1))
            .await
            .expect("moved");
        assert_eq!(
            (moved.held_on, moved.term, moved.sequence, moved.status),
            (free, first.term, 1, EventStatus::Planned)
        );
        // Those it is for are told: the adviser and the head teachers (the heads here have no
        // accounts, so the adviser alone).
        let sent = db.outbox(50).await.expect("outbox");
        let about: Vec<_> = sent.iter().filter(|m| m.subject.contains("moved to")).collect();
        assert_eq!(about.len(), 1, "{about:?}");
        assert_eq!(about[0].recipient, adviser_email.as_str());
        assert!(
            about[0].body.contains("Why: The hall is booked") && about[0].body.contains("North Hampshire"),
            "{}",
            about[0].body
        );
        // The day as it now is comes with the email, under its own UID with the next sequence,
        // so the calendar program that has it replaces it.
        let ics = about[0].calendar.as_deref().expect("the moved day attached");
        assert!(ics.contains(&format!("UID:{}", first.uid)), "{ics}");
        assert!(ics.contains("SEQUENCE:1\r\n"), "{ics}");
        // Long after, moving the past day back only corrects the record: nobody is emailed.
        let back = programme_year::move_day(db, &cli, p, first.id, first.held_on, "", d(2019, 1, 1)).await;
        assert_eq!(back.expect("moved back").held_on, first.held_on);
        let now = db.outbox(50).await.expect("outbox");
        assert_eq!(now.iter().filter(|m| m.subject.contains("moved to")).count(), 1, "no email for a past day");
        assert!(ics.contains(&format!("DTSTART;TZID=Europe/London:{}T", free.format("%Y%m%d"))), "{ics}");
        assert!(!ics.contains("STATUS:CANCELLED"), "{ics}");

        // Cancelling tells them too, in the same transaction as the change.
        let later = days.iter().find(|e| e.urn.is_none() && e.id != first.id).expect("another Network Day");
        let err = programme_year::cancel_day(db, &cli, p, later.id, " ", later.held_on)
            .await
            .expect_err("a reason is needed");
        assert!(err.to_string().contains("reason is required"), "{err}");
        assert_eq!(db.outbox(50).await.expect("outbox").len(), sent.len(), "nothing sent for a refused cancellation");
        programme_year::cancel_day(db, &cli, p, later.id, "Snow", later.held_on).await.expect("cancelled");
        let sent = db.outbox(50).await.expect("outbox");
        let cancelled = sent.iter().find(|m| m.subject.ends_with("cancelled")).expect("the cancellation sent");
        assert!(cancelled.body.contains("Why: Snow"), "{}", cancelled.body);
        let ics = cancelled.calendar.as_deref().expect("the cancelled day attached");
        assert!(ics.contains(&format!("UID:{}", later.uid)) && ics.contains("STATUS:CANCELLED"), "{ics}");
        assert!(ics.contains(&format!("SEQUENCE:{}\r\n", later.sequence + 1)), "{ics}");
        t.cleanup().await;
    }
}
