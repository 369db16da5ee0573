//! Whole-school reach follows the days' rolls, on both databases: a member of the staff list
//! linked to their account is reached when a roll marks them present or late (at a Network Day,
//! or in a Development Day session); the school's form cannot untick that, and correcting the
//! roll corrects reach. The school's people with an account are linked by name or put on the
//! list, never twice; and the programme's sums per network and term count each school once,
//! beside the attendance on the rolls.

use std::collections::BTreeMap;

use aspire_app::programme_year;
use aspire_app::reach;
use aspire_app::school_year::{self, Nomination, YearError};
use aspire_core::access::Visible;
use aspire_core::attendance::Mark;
use aspire_core::people::{Grant, Role, Scope};
use aspire_core::reach::{ReachedBy, StaffRole};
use aspire_core::schedule::{Rules, SchoolDays};
use aspire_core::urn::Urn;
use aspire_store::{Actor, StaffOf};
use aspire_testkit::{ProgrammeBuilder, TestDb, network_with_adviser, person_with, urn, weekdays_2017};
use chrono::NaiveDate;

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
const NORTH: &[&str] = &["115850", "115851", "115852", "115853"];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

#[tokio::test]
async fn reach_follows_the_roll_for_staff_linked_to_their_accounts() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let p = ProgrammeBuilder::new("Hampshire reach from rolls").enrol(NORTH).create(db).await;
        let (north, _) = network_with_adviser(db, p, "North Hampshire", NORTH).await;
        let calendars: BTreeMap<Urn, SchoolDays> = NORTH.iter().map(|u| (urn(u), weekdays_2017(urn(u)))).collect();
        programme_year::plan_year(db, &cli, p, &calendars, &Rules::default(), false).await.expect("planned");
        let school = urn(NORTH[0]);
        let at = |role| Grant::new(role, Scope::School(school), false).expect("grant");
        let (head, _) = person_with(db, &[at(Role::HeadTeacher)]).await;
        let (senior, _) = person_with(db, &[at(Role::SeniorLeader)]).await;
        let (teacher, _) = person_with(db, &[at(Role::Teacher)]).await;
        person_with(db, &[at(Role::Governor)]).await;
        let elsewhere = Grant::new(Role::HeadTeacher, Scope::School(urn(NORTH[1])), false).expect("grant");
        let (stranger, _) = person_with(db, &[elsewhere]).await;
        let name = |id| async move { db.person(id).await.expect("read").expect("person").name };
        let head_name = name(head).await;

        // Typed by name, the head is linked to their account; a name without one is not.
        school_year::add_staff(db, &cli, p, school, &format!("{head_name}, leader\nZed Zero, teacher"), None)
            .await
            .expect("staff");
        let listed = db.staff_members(school).await.expect("staff");
        let row = |n: &str| listed.iter().find(|s| s.name == n).expect("listed").clone();
        assert_eq!((row(&head_name).person, row("Zed Zero").person), (Some(head), None));
        let unlisted: Vec<_> =
            reach::not_on_the_list(db, school).await.expect("unlisted").into_iter().map(|x| x.0).collect();
        assert_eq!(unlisted.len(), 2, "the senior leader and the teacher, not the governor: {unlisted:?}");
        assert!(unlisted.contains(&senior) && unlisted.contains(&teacher));

        // The head and the senior leader go to the first Senior Leaders Network Day.
        let year = school_year::school_year(db, p, school, d(2017, 9, 1)).await.expect("year");
        let nd = year.days.iter().find(|x| x.event.kind == "senior-leaders-network-day").expect("day").clone();
        let term = nd.event.term;
        let by = Actor::person(head, "head@test.example", None);
        for (seat, person) in [(Role::HeadTeacher, head), (Role::SeniorLeader, senior)] {
            let n = Nomination { day: nd.event.id, seat, person: Some(person), substitute: None };
            school_year::nominate(db, &by, p, school, &n, d(2017, 9, 1)).await.expect("nominated");
        }
        let on_the_day = nd.event.held_on;
        school_year::take_roll(db, &cli, p, nd.event.id, &[(head, Mark::Present), (senior, Mark::Late)], on_the_day)
            .await
            .expect("roll");
        let share = |r: &BTreeMap<_, aspire_core::reach::TermReach>| {
            let x = &r[&term];
            (x.staff, x.reached, x.by.get(&ReachedBy::NetworkDay).copied().unwrap_or(0))
        };
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!(share(&r), (2, 1, 1), "the head from the roll; the senior leader is not on the list yet");

        // Put on the list from their accounts: the senior leader counts from the roll too.
        assert_eq!(reach::list_account_holders(db, &cli, p, school).await.expect("listed"), (0, 2));
        assert_eq!(reach::list_account_holders(db, &cli, p, school).await.expect("again"), (0, 0), "never twice");
        let listed = db.staff_members(school).await.expect("staff");
        let senior_row = listed.iter().find(|s| s.person == Some(senior)).expect("senior listed");
        assert_eq!(senior_row.role, StaffRole::Leader);
        let teacher_row = listed.iter().find(|s| s.person == Some(teacher)).expect("teacher listed");
        assert_eq!(teacher_row.role, StaffRole::Teacher);
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!(share(&r), (4, 2, 2));

        // The form cannot untick the roll, and does not store it again; its own ticks count.
        let head_row = row(&head_name).id;
        let zed = row("Zed Zero").id;
        reach::set_term_reach(
            db,
            &cli,
            p,
            school,
            term,
            &[(head_row, ReachedBy::NetworkDay), (zed, ReachedBy::Coached)],
        )
        .await
        .expect("saved");
        assert_eq!(db.reach_records(p, school).await.expect("records"), [(zed, term, ReachedBy::Coached)]);
        // Nor can it tick a Network Day for someone linked whom no roll marks present.
        let teacher_row = teacher_row.id;
        reach::set_term_reach(db, &cli, p, school, term, &[(teacher_row, ReachedBy::NetworkDay)]).await.expect("saved");
        assert!(db.reach_records(p, school).await.expect("records").is_empty(), "the rolls' to say");
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!(share(&r), (4, 2, 2), "not counted");
        reach::set_term_reach(db, &cli, p, school, term, &[]).await.expect("unticked");
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!(share(&r), (4, 2, 2), "the roll still says they came");
        let rolls = reach::from_rolls(db, p, StaffOf::School(school)).await.expect("rolls");
        assert!(rolls.iter().all(|x| x.day == "Senior Leaders Network Day" && x.held_on == on_the_day), "{rolls:?}");

        // The roll corrected: the senior leader was absent after all, and reach says so.
        school_year::take_roll(db, &cli, p, nd.event.id, &[(senior, Mark::Absent)], on_the_day).await.expect("roll");
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!(share(&r), (4, 1, 1));

        // A Development Day session counts as one, for the teacher who came.
        let dev = year.days.iter().find(|x| x.event.urn == Some(school) && x.event.term == term).expect("dev").clone();
        let n = Nomination { day: dev.event.id, seat: Role::Teacher, person: Some(teacher), substitute: None };
        school_year::nominate(db, &by, p, school, &n, d(2017, 9, 1)).await.expect("nominated");
        school_year::take_roll(db, &cli, p, dev.event.id, &[(teacher, Mark::Present)], dev.event.held_on)
            .await
            .expect("roll");
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!((r[&term].reached, r[&term].by.get(&ReachedBy::DevelopmentDay).copied()), (2, Some(1)));

        // Links: only to the school's own people, and a person is on the list once.
        let e = reach::link_staff(db, &cli, p, school, zed, Some(stranger)).await;
        assert!(matches!(e, Err(YearError::NotOfTheSchool)), "{e:?}");
        let e = reach::link_staff(db, &cli, p, school, zed, Some(head)).await;
        assert!(e.as_ref().is_err_and(|e| e.to_string().contains("already linked to")), "{e:?}");
        let e = reach::link_staff(db, &cli, p, school, 999_999, None).await;
        assert!(matches!(e, Err(YearError::NoSuchStaff(_))), "{e:?}");
        // Taken away, the head's roll no longer counts for them.
        reach::link_staff(db, &cli, p, school, head_row, None).await.expect("unlinked");
        let r = reach::school_reach(db, p, school).await.expect("reach");
        assert_eq!((r[&term].reached, r[&term].by.get(&ReachedBy::NetworkDay).copied()), (1, None));

        // The programme's sums: the network's four schools, one with a staff list.
        let all = reach::programme_reach(db, p, &Visible::everything()).await.expect("programme");
        let net = &all.networks[&north][&term];
        assert_eq!((net.schools, net.with_list, net.staff, net.reached), (4, 1, 4, 1));
        assert_eq!(all.programme[&term], *net);
        assert_eq!(all.schools[&school].1[&term], r[&term]);

        // The year in figures: the marks as corrected (the head and the teacher came, the
        // senior leader did not), each person's over the year.
        let f = aspire_app::figures::year_figures(db, p, &Visible::everything(), true).await.expect("figures");
        let a = &f.attendance[&term];
        assert_eq!((a.present, a.late, a.absent, a.marked()), (2, 0, 1, 3));
        assert_eq!(f.network_attendance[&(north, term)], *a);
        assert_eq!(f.school_attendance[&(school, term)], *a);
        let of = |p| &f.person_attendance[&(p, school)];
        assert_eq!((of(senior).absent, of(teacher).present), (1, 1));
        assert_eq!(f.reach.programme[&term], *net);
        let quiet = aspire_app::figures::year_figures(db, p, &Visible::default(), false).await.expect("figures");
        assert!(quiet.attendance.is_empty() && quiet.reach.schools.is_empty(), "nothing seen, nothing counted");

        // A row the school said is not the head's account is never matched to it by name again:
        // listing the accounts adds the head as a row of their own.
        assert_eq!(reach::list_account_holders(db, &cli, p, school).await.expect("listed"), (0, 1));
        let listed = db.staff_members(school).await.expect("staff");
        let old = listed.iter().find(|s| s.id == head_row).expect("the old row");
        assert_eq!((old.person, old.not_person), (None, Some(head)));
        assert_eq!(listed.iter().filter(|s| s.person == Some(head)).count(), 1);
        // Linked again by hand, the row forgets whose it is not.
        let new_row = listed.iter().find(|s| s.person == Some(head)).expect("the new row").id;
        db.remove_staff_member(&cli, school, new_row).await.expect("removed");
        reach::link_staff(db, &cli, p, school, head_row, Some(head)).await.expect("linked");
        let again = db.staff_members(school).await.expect("staff");
        let row = again.iter().find(|s| s.id == head_row).expect("the row");
        assert_eq!((row.person, row.not_person), (Some(head), None));
        t.cleanup().await;
    }
}
