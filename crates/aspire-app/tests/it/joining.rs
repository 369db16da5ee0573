//! A school's joining checklist, the team's summary, ticks and the reminders to heads, and a
//! local authority officer's view of a programme, as the web and the command line use them.

use aspire_app::joining::{self, TickError};
use aspire_app::local_authority;
use aspire_core::access::{Action, Record};
use aspire_core::audit::AuditAction;
use aspire_core::codes::LaCode;
use aspire_core::joining::{Item, JoiningError, Status};
use aspire_core::people::{Grant, Role, Scope};
use aspire_core::recruitment::Stage;
use aspire_store::{Actor, AuditQuery};
use aspire_testkit::{ProgrammeBuilder, TestDb, person_with, urn};
use chrono::{Duration, Utc};

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];
// Two Hampshire (850) schools and a Surrey (936) one.
const ALTON: &str = "115850";
const ANSTEY: &str = "115851";
const KINGSWOOD: &str = "124937";

fn school(u: &str, role: Role) -> Grant {
    Grant::new(role, Scope::School(urn(u)), false).expect("grant")
}

#[tokio::test]
async fn the_checklist_is_ticked_from_records_and_by_people_and_every_tick_is_audited() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let id = ProgrammeBuilder::new("Hampshire joining").enrol(&[ALTON, ANSTEY]).create(db).await;
        let c = joining::checklist(db, id, urn(ALTON)).await.expect("read").expect("enrolled");
        assert_eq!(c.checklist.open(), Item::ALL.to_vec(), "nothing done yet");

        let (_, head) = person_with(db, &[school(ALTON, Role::HeadTeacher)]).await;
        let c = joining::checklist(db, id, urn(ALTON)).await.expect("read").expect("enrolled");
        assert!(!c.checklist.status(Item::Contacts).done(), "a head alone is not a head and a main contact");
        person_with(db, &[school(ALTON, Role::SeniorLeader)]).await;
        let c = joining::checklist(db, id, urn(ALTON)).await.expect("read").expect("enrolled");
        assert!(matches!(c.checklist.status(Item::Contacts), Status::Seen(_)));
        assert!(!c.checklist.status(Item::StaffList).done());

        let actor = Actor::person(aspire_core::people::PersonId::new(1), head.as_str(), None);
        assert!(joining::tick(db, &actor, id, urn(ALTON), "agreement", true).await.expect("ticked"));
        assert!(!joining::tick(db, &actor, id, urn(ALTON), "agreement", true).await.expect("again"), "no change");
        let c = joining::checklist(db, id, urn(ALTON)).await.expect("read").expect("enrolled");
        let Status::Ticked { by, .. } = c.checklist.status(Item::Agreement) else { panic!("ticked") };
        assert_eq!(by, head.as_str());
        let e = joining::tick(db, &actor, id, urn(ALTON), "contacts", true).await.expect_err("seen by the platform");
        assert!(matches!(e, TickError::Joining(JoiningError::SeenByPlatform(Item::Contacts))));
        let e = joining::tick(db, &actor, id, urn(KINGSWOOD), "agreement", true).await.expect_err("not enrolled");
        assert!(matches!(e, TickError::Joining(JoiningError::NotEnrolled)));
        assert!(joining::tick(db, &actor, id, urn(ALTON), "agreement", false).await.expect("unticked"));
        let log = db.audit_log(&aspire_core::access::Visible::everything(), &AuditQuery::default()).await.expect("log");
        let actions: Vec<_> = log.iter().map(|e| e.action).collect();
        assert!(actions.contains(&AuditAction::JoiningTick) && actions.contains(&AuditAction::JoiningUntick));

        joining::tick(db, &actor, id, urn(ANSTEY), "data-sharing", true).await.expect("ticked");
        let all = aspire_core::access::Visible::everything();
        let summary = joining::summary(db, id, &all).await.expect("summary");
        assert_eq!(summary.len(), 2);
        let missing = joining::missing_counts(&summary);
        assert!(missing.contains(&(Item::DataSharing, 1)) && missing.contains(&(Item::Agreement, 2)), "{missing:?}");
        assert!(missing.contains(&(Item::Contacts, 1)));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn heads_are_reminded_of_open_items_after_the_set_days_and_at_most_weekly() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let cli = Actor::command_line();
        let id = ProgrammeBuilder::new("Reminders").enrol(&[ALTON, ANSTEY]).create(db).await;
        let (_, head) = person_with(db, &[school(ALTON, Role::HeadTeacher)]).await;
        let now = Utc::now();

        let r = joining::remind(db, &cli, 14, now + Duration::days(13)).await.expect("remind");
        assert!(r.sent.is_empty() && r.no_head.is_empty(), "too soon: {r:?}");
        let r = joining::remind(db, &cli, 14, now + Duration::days(15)).await.expect("remind");
        assert_eq!(r.sent, vec![(id, urn(ALTON), 6)]);
        assert_eq!(r.no_head, vec![(id, urn(ANSTEY))], "no head to write to");
        let outbox = db.outbox(10).await.expect("outbox");
        let reminder = outbox.iter().find(|m| m.recipient == head.as_str()).expect("the head's reminder");
        assert!(reminder.body.contains("Partnership agreement signed"), "{}", reminder.body);
        assert!(reminder.body.contains(&format!("/programmes/{id}/schools/{ALTON}/joining")));

        let r = joining::remind(db, &cli, 14, now + Duration::days(21)).await.expect("remind");
        assert!(r.sent.is_empty(), "six days after the last one");
        let r = joining::remind(db, &cli, 14, now + Duration::days(22)).await.expect("remind");
        assert_eq!(r.sent.len(), 1, "a week later");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_officer_sees_their_authoritys_schools_in_the_programme_and_no_other() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let id = ProgrammeBuilder::new("Two counties").enrol(&[ALTON, ANSTEY, KINGSWOOD]).create(db).await;
        let other = ProgrammeBuilder::new("Elsewhere").enrol(&[ALTON]).create(db).await;
        let hampshire = LaCode::parse("850").expect("la");
        let surrey = LaCode::parse("936").expect("la");
        let g = Grant::new(Role::LaOfficer, Scope::LocalAuthority { programme: id, la: hampshire }, false).expect("g");
        let (officer, _) = person_with(db, &[g]).await;
        let p = db.principal(officer).await.expect("principal");
        assert_eq!(p.grants, vec![g], "the role reads back as given");
        let visible = p.visible(Action::View, Record::Enrolment);

        let mine = local_authority::overview(db, id, hampshire, &visible).await.expect("overview");
        let urns: Vec<_> = mine.schools.iter().map(|s| s.urn.to_string()).collect();
        assert_eq!(urns.len(), 2, "{urns:?}");
        assert!(urns.contains(&ALTON.to_owned()) && urns.contains(&ANSTEY.to_owned()));
        assert!(mine.by_stage.contains(&(Stage::Enrolled, 2)));
        assert_eq!(mine.by_network, vec![("Not yet in a network".to_owned(), 2)]);
        assert!(mine.name.contains("Hampshire"), "{}", mine.name);
        // Another authority's schools, and the same schools in another programme, are not theirs.
        let theirs = local_authority::overview(db, id, surrey, &visible).await.expect("overview");
        assert!(theirs.schools.is_empty());
        assert!(db.enrolments(other, &visible).await.expect("list").is_empty());
        let listed: Vec<_> = db.enrolments(id, &visible).await.expect("list").iter().map(|e| e.urn).collect();
        assert_eq!(listed.len(), 2);
        assert!(!listed.contains(&urn(KINGSWOOD)));
        assert!(!p.may(Action::View, Record::Person, &aspire_core::access::Place::programme(id)));
        // The team sees both authorities.
        let all = aspire_core::access::Visible::everything();
        let las: Vec<_> = db.programme_las(id, &all).await.expect("las").iter().map(|l| (l.la, l.schools)).collect();
        assert_eq!(las, vec![(hampshire, 2), (surrey, 1)]);
        t.cleanup().await;
    }
}
