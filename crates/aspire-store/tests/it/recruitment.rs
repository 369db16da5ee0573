//! Recruitment on both backends: enquiries with the eligibility decision kept, stage moves
//! checked against the pipeline, counts for the board, and areas replaced whole.

use aspire_core::access::Visible;
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;
use aspire_store::{Actor, EligibilityCheck, NewEnquiry, ProgrammeArea, ProgrammeError};

use crate::{TestDb, import, parse};

/// The LA names (the register's local authorities a programme's areas are chosen from).
const LA_NAMES: &str = "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv";

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

fn enquiry(u: Urn) -> NewEnquiry {
    let contact = aspire_core::recruitment::EnquiryContact::check(
        "Sam Head",
        "Head@School.example",
        "Head teacher",
        "When does a network start near us?",
    )
    .expect("a good contact");
    NewEnquiry { urn: u, contact }
}

#[tokio::test]
async fn an_enquiry_becomes_an_enrolled_school_and_every_move_is_checked() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        import(db, &parse(LA_NAMES)).await;
        let cli = Actor::command_line();
        let public = Actor::system(Some("203.0.113.9".into()));
        let p = aspire_testkit::ProgrammeBuilder::new("TLIF North").create(db).await;
        let (a, b) = (urn("105626"), urn("105627"));
        let check = EligibilityCheck {
            outcome: aspire_core::eligibility::Outcome::Eligible,
            reasons: vec!["Requires improvement at its inspection of 2016-03-02.".into()],
            basis: "tlif-2017 version 1, as of 2017-11-01".into(),
        };
        assert_eq!(serde_json::to_value(&check).expect("json")["outcome"], "eligible", "logged by its code");

        // A school not in the register is refused and nothing is written (the contact's fields
        // are checked by `EnquiryContact::check`, tested in the core).
        assert!(matches!(
            db.record_enquiry(&public, p, &enquiry(urn("999998")), None).await,
            Err(ProgrammeError::UnknownSchool(_))
        ));
        assert!(db.enquiries(p, &aspire_core::access::Visible::everything()).await.expect("list").is_empty());
        assert!(db.enrolment(p, a).await.expect("read").is_none());

        // A good enquiry: the school is at the enquiry stage with its decision and reasons.
        db.record_enquiry(&public, p, &enquiry(a), Some(&check)).await.expect("enquiry");
        let e = db.enrolment(p, a).await.expect("read").expect("enrolment");
        assert_eq!(e.status.code(), "enquiry");
        assert_eq!(e.eligibility, Some(aspire_core::eligibility::Outcome::Eligible));
        assert_eq!(e.eligibility_reasons, check.reasons);
        assert_eq!(e.eligibility_basis.as_deref(), Some("tlif-2017 version 1, as of 2017-11-01"));
        let q = db.enquiries(p, &aspire_core::access::Visible::everything()).await.expect("list");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].contact_email, "head@school.example");
        // A second enquiry from a school already further on does not move it back.
        db.move_stage(&cli, p, a, Stage::Applied, None).await.expect("applied");
        db.record_enquiry(&public, p, &enquiry(a), None).await.expect("again");
        assert_eq!(db.enrolment(p, a).await.expect("read").expect("e").status.code(), "applied");
        assert_eq!(db.enquiries(p, &aspire_core::access::Visible::everything()).await.expect("list").len(), 2);

        // Moves the pipeline does not allow are refused with the reason.
        let e = db.move_stage(&cli, p, a, Stage::Completed, None).await.expect_err("not enrolled");
        assert!(e.to_string().contains("only an enrolled school completes"), "{e}");
        let e = db.move_stage(&cli, p, a, Stage::Withdrawn, Some("")).await.expect_err("no reason");
        assert!(e.to_string().contains("say why"), "{e}");
        assert!(matches!(db.move_stage(&cli, p, b, Stage::Applied, None).await, Err(ProgrammeError::NotEnrolled(_))));

        // Enrolled, in a network, then withdrawn: the reason is kept and the network let go.
        db.move_stage(&cli, p, a, Stage::Enrolled, None).await.expect("enrolled");
        let n = db.create_network(&cli, p, "Network 1").await.expect("network");
        db.set_network(&cli, p, a, Some(n)).await.expect("in network");
        db.move_stage(&cli, p, a, Stage::Withdrawn, Some("A new head teacher")).await.expect("withdrawn");
        let e = db.enrolment(p, a).await.expect("read").expect("e");
        assert_eq!(
            (e.status.code(), e.network, e.withdrawn_reason.as_deref()),
            ("withdrawn", None, Some("A new head teacher"))
        );
        db.enrol(&cli, p, &[b], aspire_core::recruitment::Stage::Enrolled).await.expect("b");
        let counts = db.recruitment_counts(p, &aspire_core::access::Visible::everything()).await.expect("counts");
        assert_eq!(counts.iter().map(|c| c.schools).sum::<usize>(), 2);
        assert_eq!(counts[0].stage, Stage::Enrolled, "pipeline order: {counts:?}");
        // Every list read is as wide as the Visible it is given: nothing sees nothing.
        let nothing = aspire_core::access::Visible::default();
        assert!(db.recruitment_counts(p, &nothing).await.expect("counts").is_empty());
        assert!(db.enquiries(p, &nothing).await.expect("enquiries").is_empty());
        assert!(db.taking_part(p, &nothing).await.expect("taking part").is_empty());

        // Areas are replaced whole; a name twice is refused.
        let areas = vec![
            ProgrammeArea { area: "Bradford".into(), planned_networks: 3 },
            ProgrammeArea { area: "Doncaster".into(), planned_networks: 2 },
        ];
        db.set_programme_areas(&cli, p, &areas).await.expect("areas");
        assert_eq!(db.programme_areas(p, &aspire_core::access::Visible::everything()).await.expect("areas"), areas);
        assert!(db.programme_areas(p, &aspire_core::access::Visible::default()).await.expect("areas").is_empty());
        let twice = vec![areas[0].clone(), ProgrammeArea { area: "bradford ".into(), planned_networks: 1 }];
        assert!(db.set_programme_areas(&cli, p, &twice).await.expect_err("twice").to_string().contains("listed twice"));
        assert_eq!(db.programme_areas(p, &aspire_core::access::Visible::everything()).await.expect("areas"), areas);

        // Every change is in the audit log.
        let all = Visible::everything();
        let log = db.audit_log(&all, &aspire_store::AuditQuery::default()).await.expect("log");
        for action in ["enquiry.add", "enrolment.stage", "programme.areas"] {
            assert!(log.iter().any(|e| e.action.as_str() == action), "{action} logged");
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_formation_is_saved_whole_and_keeps_locked_and_published_networks() {
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        import(db, &parse(LA_NAMES)).await;
        let cli = Actor::command_line();
        let p = aspire_testkit::ProgrammeBuilder::new("Formed").bare().create(db).await;
        let u: Vec<Urn> = ["105626", "105627", "105631", "105638", "105642", "105648"].iter().map(|s| urn(s)).collect();
        db.enrol(&cli, p, &u, aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
        let f = |name: &str, m: &[Urn]| aspire_store::FormedNetwork {
            name: name.into(),
            venue: Some(m[0]),
            members: m.to_vec(),
        };
        let ids =
            db.save_formation(&cli, p, &[f("Oldham 1", &u[0..3]), f("Oldham 2", &u[3..6])]).await.expect("formed");
        assert_eq!(ids.len(), 2);
        let taking = db.taking_part(p, &aspire_core::access::Visible::everything()).await.expect("schools");
        assert_eq!(taking.iter().filter(|s| s.network == Some(ids[0])).count(), 3);
        // A school twice, or one outside the programme, is refused and nothing changes.
        let e = db.save_formation(&cli, p, &[f("A", &u[0..2]), f("B", &u[1..3])]).await.expect_err("twice");
        assert!(e.to_string().contains("listed twice"), "{e}");
        assert!(db.save_formation(&cli, p, &[f("A", &[urn("105650")])]).await.is_err());
        assert_eq!(db.taking_part(p, &aspire_core::access::Visible::everything()).await.expect("schools"), taking);

        // Lock the first, publish: forming again keeps both; the name of a kept one is taken.
        db.set_network_locked(&cli, p, ids[0], true).await.expect("lock");
        assert_eq!(db.publish_networks(&cli, p).await.expect("publish"), 2);
        let all = Visible::everything();
        let nets = db.networks(p, &all).await.expect("networks");
        assert!(nets.iter().all(|n| n.published_at.is_some()) && nets.iter().any(|n| n.locked));
        assert!(matches!(
            db.save_formation(&cli, p, &[f("Oldham 1", &u[3..4])]).await,
            Err(ProgrammeError::NetworkExists(_))
        ));
        // Members of kept networks cannot be regrouped.
        assert!(db.save_formation(&cli, p, &[f("Oldham 3", &u[0..1])]).await.is_err());
        // Unlock and unpublished: networks are reused and left-overs removed.
        let q = aspire_testkit::ProgrammeBuilder::new("Again").bare().create(db).await;
        db.enrol(&cli, q, &u, aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
        db.save_formation(&cli, q, &[f("X 1", &u[0..2]), f("X 2", &u[2..4]), f("X 3", &u[4..6])]).await.expect("three");
        db.save_formation(&cli, q, &[f("X 2", &u[0..3]), f("X 1", &u[3..6])]).await.expect("two, names swapped");
        let nets = db.networks(q, &all).await.expect("networks");
        assert_eq!(nets.iter().map(|n| (n.name.as_str(), n.schools)).collect::<Vec<_>>(), [("X 1", 3), ("X 2", 3)]);

        // Roles follow networks: an unchanged network keeps its number and its adviser; one
        // whose schools change loses its adviser, who would otherwise reach schools unseen.
        let same = nets.iter().find(|n| n.name == "X 2").expect("X 2").id;
        let other = nets.iter().find(|n| n.name == "X 1").expect("X 1").id;
        let adviser = |n: aspire_core::people::NetworkId| {
            aspire_core::people::Grant::new(
                aspire_core::people::Role::AchievementAdviser,
                aspire_core::people::Scope::Network { programme: q, network: n },
                false,
            )
            .expect("grant")
        };
        let email = aspire_core::people::Email::parse("adviser@provider.example").expect("email");
        let person =
            db.add_person(&cli, &email, "Alex Adviser", &[adviser(same), adviser(other)]).await.expect("adviser");
        db.save_formation(&cli, q, &[f("Y 1", &u[0..3]), f("Y 2", &[u[3], u[4], u[5]])]).await.expect("same groups");
        let after = db.networks(q, &all).await.expect("networks");
        assert!(
            after.iter().any(|n| n.id == same && n.name == "Y 1"),
            "the same schools keep their network: {after:?}"
        );
        db.save_formation(&cli, q, &[f("Z 1", &u[0..3]), f("Z 2", &[u[3], u[5]]), f("Z 3", &[u[4]])])
            .await
            .expect("regrouped");
        let roles: Vec<_> =
            db.person(person).await.expect("read").expect("person").grants.into_iter().map(|g| g.grant.scope).collect();
        assert_eq!(
            roles,
            [aspire_core::people::Scope::Network { programme: q, network: same }],
            "only the unchanged network's role stays"
        );
        t.cleanup().await;
    }
}

/// Every change to programmes, networks, enrolments, people and roles leaves its entry in the
/// audit log, naming the programme it belongs to.
#[tokio::test]
async fn every_change_writes_its_audit_entry() {
    use aspire_core::audit::AuditAction as A;
    use aspire_core::people::{Grant, Role, Scope};
    use aspire_store::AuditQuery;
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        import(db, &parse(LA_NAMES)).await;
        let cli = Actor::command_line();
        let p = aspire_testkit::ProgrammeBuilder::new("Audited").bare().create(db).await;
        let a = urn("105626");
        db.set_programme_areas(&cli, p, &[ProgrammeArea { area: "Oldham".into(), planned_networks: 1 }])
            .await
            .expect("areas");
        db.enrol(&cli, p, &[a], Stage::Applied).await.expect("enrol");
        db.move_stage(&cli, p, a, Stage::Enrolled, None).await.expect("stage");
        let n = db.create_network(&cli, p, "North").await.expect("network");
        db.set_network(&cli, p, a, Some(n)).await.expect("member");
        db.set_network_locked(&cli, p, n, true).await.expect("lock");
        db.rename_network(&cli, p, n, "North Oldham").await.expect("rename");
        db.publish_networks(&cli, p).await.expect("publish");
        assert!(db.unpublish_network(&cli, p, n).await.expect("unpublish"));
        assert!(!db.unpublish_network(&cli, p, n).await.expect("not published"), "nothing to undo, nothing written");
        let (person, _) = aspire_testkit::person_with(db, &[]).await;
        let grant = Grant::new(Role::Teacher, Scope::School(a), false).expect("grant");
        let g = db.add_grant(&cli, person, &grant).await.expect("role");
        db.remove_grant(&cli, g).await.expect("role removed");
        let item = aspire_core::joining::Item::Agreement;
        db.set_joining_tick(&cli, p, a, item, true).await.expect("ticked");
        db.set_joining_tick(&cli, p, a, item, false).await.expect("unticked");
        let reminder = aspire_store::Reminder {
            programme: p,
            urn: a,
            recipients: vec!["head@school.example".into()],
            subject: "Steps open".into(),
            body: "Open".into(),
            open_items: 6,
        };
        assert!(db.queue_joining_reminder(&cli, &reminder, chrono::Utc::now()).await.expect("reminded"));
        let contact =
            aspire_core::recruitment::EnquiryContact::check("Sam", "sam@school.example", "Head", "").expect("contact");
        let q = db.record_enquiry(&cli, p, &aspire_store::NewEnquiry { urn: a, contact }, None).await.expect("enquiry");
        db.handle_enquiry(&cli, p, q, None).await.expect("handled");
        let everything = Visible::everything();
        for action in [
            A::ProgrammeCreate,
            A::ProgrammeAreas,
            A::EnrolmentAdd,
            A::EnrolmentStage,
            A::NetworkCreate,
            A::EnrolmentNetwork,
            A::NetworkLock,
            A::NetworkRename,
            A::NetworksPublish,
            A::NetworkUnpublish,
            A::PersonAdd,
            A::RoleAdd,
            A::RoleRemove,
            A::JoiningTick,
            A::JoiningUntick,
            A::JoiningRemind,
            A::EnquiryHandle,
        ] {
            let q = AuditQuery { action: Some(action), ..AuditQuery::default() };
            let entries = db.audit_log(&everything, &q).await.expect("log");
            assert_eq!(entries.len(), 1, "{action}: {entries:?}");
            assert_eq!(entries[0].actor, cli.label, "{action}: who");
            if !matches!(action, A::PersonAdd | A::RoleAdd | A::RoleRemove) {
                assert_eq!(entries[0].programme, Some(p), "{action}: its programme");
            }
        }
    }
}

/// Areas are chosen from the register and kept by code; areas typed as free text before codes
/// are matched by migration 0010 where they name an LA or district, and otherwise kept without
/// a code for the team to fix, never dropped.
#[tokio::test]
async fn areas_are_kept_by_code_and_free_text_ones_are_matched_or_flagged() {
    use aspire_core::recruitment::AreaKind;
    for t in TestDb::all().await {
        let db = &t.db;
        import(db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
        import(db, &parse(LA_NAMES)).await;
        let cli = Actor::command_line();
        let everything = Visible::everything();
        let p = aspire_testkit::ProgrammeBuilder::new("Coded").bare().create(db).await;

        // "Nowhereshire" is refused, naming it; nothing is written.
        let bad = [
            ProgrammeArea { area: "Nowhereshire".into(), planned_networks: 2 },
            ProgrammeArea { area: "Oldham".into(), planned_networks: 1 },
        ];
        let e = db.set_programme_areas(&cli, p, &bad).await.expect_err("made up");
        assert!(
            e.to_string().starts_with("'Nowhereshire' is not a local authority or district in the register"),
            "{e}"
        );
        assert!(db.programme_areas(p, &everything).await.expect("areas").is_empty());
        // By code or by name as typed; the name kept is the register's.
        let good = [
            ProgrammeArea { area: "380".into(), planned_networks: 3 },
            ProgrammeArea { area: " oldham".into(), planned_networks: 1 },
        ];
        db.set_programme_areas(&cli, p, &good).await.expect("areas");
        let coded = db.programme_area_codes(p, &everything).await.expect("areas");
        let got: Vec<_> = coded.iter().map(|a| (a.area.as_str(), a.kind, a.code.as_deref())).collect();
        assert_eq!(got, [("Bradford", Some(AreaKind::La), Some("380")), ("Oldham", Some(AreaKind::La), Some("353"))]);
        let same = [
            ProgrammeArea { area: "353".into(), planned_networks: 1 },
            ProgrammeArea { area: "Oldham".into(), planned_networks: 1 },
        ];
        assert!(db.set_programme_areas(&cli, p, &same).await.expect_err("twice").to_string().contains("twice"));

        // Free text from before: the migration's matching, on rows without a code.
        let old = aspire_testkit::ProgrammeBuilder::new("Old").bare().create(db).await;
        db.execute_admin(&format!(
            "INSERT INTO programme_areas (programme_id, area, planned_networks) VALUES \
             ({old}, 'doncaster', 2), ({old}, 'Nowhereshire', 2)"
        ))
        .await
        .expect("old rows");
        let (_, _, sqlite, postgres) =
            aspire_store::MIGRATIONS.iter().find(|m| m.0 == 10).copied().expect("migration 0010");
        let script = if matches!(db.backend(), aspire_store::Backend::Postgres) { postgres } else { sqlite };
        let body: String = script.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
        for statement in body.split(';').map(str::trim).filter(|s| s.starts_with("UPDATE")) {
            db.execute_admin(statement).await.expect("the migration's matching");
        }
        let coded = db.programme_area_codes(old, &everything).await.expect("areas");
        let got: Vec<_> = coded.iter().map(|a| (a.area.as_str(), a.kind, a.code.as_deref())).collect();
        assert_eq!(
            got,
            [("Nowhereshire", None, None), ("doncaster", Some(AreaKind::La), Some("371"))],
            "kept, flagged"
        );
        t.cleanup().await;
    }
}
