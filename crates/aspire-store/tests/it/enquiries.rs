//! What the public enquiry form stores besides the enquiry, on both backends: its messages in
//! the same transaction, the counts its limits use, the removal of old contact details, a
//! programme's contact address and volunteer head teachers.

use chrono::{Duration, Utc};

use aspire_core::access::Visible;
use aspire_core::audit::AuditAction;
use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_core::recruitment::{EnquiryContact, Stage};
use aspire_core::urn::Urn;
use aspire_store::{Actor, AuditQuery, Mail, NewEnquiry};

use crate::{TestDb, import, parse};

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

fn enquiry(u: Urn, email: &str) -> NewEnquiry {
    let contact = EnquiryContact::check("Sam Head", email, "Head teacher", "Hello").expect("contact");
    NewEnquiry { urn: u, contact }
}

const ACK: &str = "We have received your enquiry";

#[tokio::test]
async fn an_enquiry_keeps_its_messages_counts_for_its_limits_and_loses_its_contacts_in_time() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        // The LA names, which a programme's areas are chosen from.
        import(db, &parse("ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv")).await;
        let cli = Actor::command_line();
        let p = aspire_testkit::ProgrammeBuilder::new("Public").area("Oldham", 1).create(db).await;
        let (a, b) = (urn("105626"), urn("105627"));
        let hour_ago = Utc::now() - Duration::hours(1);
        assert_eq!(db.enquiries_about_since(a, hour_ago).await.expect("count"), 0);
        assert!(!db.mailed_since("sam@school.example", ACK, hour_ago).await.expect("mailed"));

        let ack = Mail {
            recipient: "sam@school.example".into(),
            subject: ACK.into(),
            body: "Thank you".into(),
            calendar: None,
        };
        let team = Mail {
            recipient: "team@example.org".into(),
            subject: "New enquiry".into(),
            body: "A school".into(),
            calendar: None,
        };
        db.record_enquiry_with_mail(&cli, p, &enquiry(a, "sam@school.example"), None, &[ack, team.clone()])
            .await
            .expect("kept");
        let outbox = db.outbox(10).await.expect("outbox");
        assert_eq!(outbox.len(), 2, "both messages queued with the enquiry");
        assert!(db.mailed_since("sam@school.example", ACK, hour_ago).await.expect("mailed"));
        assert!(!db.mailed_since("sam@school.example", ACK, Utc::now() + Duration::hours(1)).await.expect("later"));
        assert!(!db.mailed_since("other@school.example", ACK, hour_ago).await.expect("other"));
        // A school the register does not know: nothing kept, nothing queued.
        assert!(
            db.record_enquiry_with_mail(&cli, p, &enquiry(urn("999998"), "x@y.example"), None, &[team]).await.is_err()
        );
        assert_eq!(db.outbox(10).await.expect("outbox").len(), 2);

        db.record_enquiry(&cli, p, &enquiry(a, "second@school.example"), None).await.expect("second");
        db.record_enquiry(&cli, p, &enquiry(b, "third@school.example"), None).await.expect("third");
        assert_eq!(db.enquiries_about_since(a, hour_ago).await.expect("count"), 2, "per school");
        assert_eq!(db.enquiries_about_since(b, hour_ago).await.expect("count"), 1);
        assert_eq!(db.enquiries_about_since(a, Utc::now() + Duration::hours(1)).await.expect("none yet"), 0);

        // Nothing is old enough yet; then everything kept before a moment loses its details.
        assert_eq!(db.remove_enquiry_contacts(&Actor::system(None), hour_ago, ACK).await.expect("none"), 0);
        let system = Actor::system(None);
        let removed = db.remove_enquiry_contacts(&system, Utc::now() + Duration::seconds(5), ACK).await;
        assert_eq!(removed.expect("removed"), 3);
        let kept = db.enquiries(p, &Visible::everything()).await.expect("list");
        assert_eq!(kept.len(), 3, "the enquiries stay, for the board's counts");
        assert!(kept.iter().all(|e| e.contact_email.is_empty() && e.contact_name.is_empty() && e.message.is_empty()));
        let outbox = db.outbox(10).await.expect("outbox");
        assert!(outbox.iter().any(|m| m.subject == ACK && m.recipient == "(removed)"), "{outbox:?}");
        assert!(outbox.iter().any(|m| m.recipient == "team@example.org"), "the team's notice holds no contact");
        let q = AuditQuery { action: Some(AuditAction::EnquiryContactsRemoved), ..AuditQuery::default() };
        assert_eq!(db.audit_log(&Visible::everything(), &q).await.expect("log").len(), 1, "audited once");
        assert_eq!(db.remove_enquiry_contacts(&Actor::system(None), Utc::now(), ACK).await.expect("again"), 0);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_programme_has_a_contact_and_volunteer_heads_are_found_through_their_schools() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        let cli = Actor::command_line();
        let (a, b) = (urn("105626"), urn("105627"));
        let p = aspire_testkit::ProgrammeBuilder::new("Volunteers").create(db).await;
        assert_eq!(db.programme_contact(p).await.expect("none"), None);
        let email = Email::parse("team@example.org").expect("email");
        db.set_programme_contact(&cli, p, &email).await.expect("contact");
        assert_eq!(db.programme_contact(p).await.expect("set").as_deref(), Some("team@example.org"));
        let q = AuditQuery { action: Some(AuditAction::ProgrammeContact), ..AuditQuery::default() };
        assert_eq!(db.audit_log(&Visible::everything(), &q).await.expect("log").len(), 1);

        db.enrol(&cli, p, &[a], Stage::Enrolled).await.expect("enrol");
        db.enrol(&cli, p, &[b], Stage::Enquiry).await.expect("enquiry");
        let head = |u: Urn| Grant::new(Role::HeadTeacher, Scope::School(u), false).expect("grant");
        let (in_programme, _) = aspire_testkit::person_with(db, &[head(a)]).await;
        let (only_enquired, _) = aspire_testkit::person_with(db, &[head(b)]).await;
        let (not_volunteer, _) = aspire_testkit::person_with(db, &[head(a)]).await;
        for person in [in_programme, only_enquired] {
            db.set_head_volunteer(&cli, person, true).await.expect("volunteer");
        }
        db.set_head_volunteer(&cli, in_programme, true).await.expect("twice changes nothing");
        assert!(
            db.is_head_volunteer(in_programme).await.expect("read")
                && !db.is_head_volunteer(not_volunteer).await.expect("read")
        );
        let found = db.head_volunteers().await.expect("volunteers");
        assert_eq!(found.iter().map(|(p, _, u)| (*p, *u)).collect::<Vec<_>>(), [(in_programme, a)]);
        let q = AuditQuery { action: Some(AuditAction::HeadVolunteer), ..AuditQuery::default() };
        assert_eq!(db.audit_log(&Visible::everything(), &q).await.expect("log").len(), 2);
        db.set_head_volunteer(&cli, in_programme, false).await.expect("no longer");
        assert!(db.head_volunteers().await.expect("volunteers").is_empty());
        t.cleanup().await;
    }
}
