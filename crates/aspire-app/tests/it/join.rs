//! An enquiry from the public form, as `aspire_app::join::send_enquiry` keeps it: the limit per
//! school, the acknowledgement at most once a day to an address, the team's notice, and no
//! enquiry for a programme that has stopped recruiting.

use aspire_app::join::{EnquiryError, EnquirySettings, send_enquiry};
use aspire_core::recruitment::{ACKNOWLEDGEMENT_SUBJECT, EnquiryContact};
use aspire_store::Actor;
use aspire_testkit::{ProgrammeBuilder, TestDb, urn};
use chrono::{NaiveDate, TimeZone, Utc};

const FILES: &[&str] = &["gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"];

fn contact(email: &str) -> EnquiryContact {
    EnquiryContact::check("Sam Head", email, "Head teacher", "Call me on 0123").expect("contact")
}

#[tokio::test]
async fn an_enquiry_is_limited_per_school_acknowledged_once_a_day_and_told_to_the_team() {
    for t in TestDb::all().await {
        let t = t.with_files(FILES).await;
        let db = &t.db;
        let now = Utc.with_ymd_and_hms(2017, 10, 2, 9, 0, 0).single().expect("time");
        let p = ProgrammeBuilder::new("Hampshire 2017").area("Hampshire", 1).create(db).await;
        let programme = db.programme(p).await.expect("read").expect("programme");
        let settings = EnquirySettings {
            default_contact: "team@example.org".into(),
            per_school_per_day: 2,
            board_path: "/board".into(),
            privacy_path: "/privacy".into(),
        };
        let (a, b) = (urn("125004"), urn("115850"));
        let actor = Actor::system(None);
        let first = send_enquiry(db, &actor, &programme, a, contact("sam@school.example"), &settings, now).await;
        let first = first.expect("kept");
        assert!(first.acknowledged && first.check.is_some());
        let second = send_enquiry(db, &actor, &programme, b, contact("sam@school.example"), &settings, now).await;
        assert!(!second.expect("kept").acknowledged, "one acknowledgement a day to one address");
        let outbox = db.outbox(10).await.expect("outbox");
        let acks: Vec<_> = outbox.iter().filter(|m| m.subject == ACKNOWLEDGEMENT_SUBJECT).collect();
        assert_eq!(acks.len(), 1);
        assert!(!acks[0].body.contains("Sam Head") && !acks[0].body.contains("0123"), "nothing typed repeated");
        assert_eq!(outbox.iter().filter(|m| m.recipient == "team@example.org").count(), 2, "the team told each time");

        send_enquiry(db, &actor, &programme, a, contact("other@school.example"), &settings, now).await.expect("2nd");
        let limited = send_enquiry(db, &actor, &programme, a, contact("third@school.example"), &settings, now).await;
        assert!(
            matches!(&limited, Err(EnquiryError::SchoolLimit { count: 2, contact }) if contact == "team@example.org"),
            "{limited:?}"
        );
        assert_eq!(db.enquiries_about_since(a, now - chrono::Duration::days(1)).await.expect("count"), 2, "not kept");

        let ended = ProgrammeBuilder::new("Ended").ends(NaiveDate::from_ymd_opt(2018, 7, 31)).area("Hampshire", 1);
        let ended = db.programme(ended.create(db).await).await.expect("read").expect("programme");
        let late = Utc.with_ymd_and_hms(2019, 1, 1, 9, 0, 0).single().expect("time");
        let refused = send_enquiry(db, &actor, &ended, b, contact("late@school.example"), &settings, late).await;
        assert!(matches!(refused, Err(EnquiryError::NotRecruiting)), "{refused:?}");
        t.cleanup().await;
    }
}
