//! `aspire demo`: a database built from the open data bundled in the binary, then served.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;

use aspire_import::ImportOptions;
use aspire_store::{Db, ImportOutcome, WriteOptions, write_import};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

const DEMO_DATABASE: &str = "sqlite:aspire-demo.db";

/// Who the audit log names for what the demo sets up.
fn demo_actor() -> aspire_store::Actor {
    aspire_store::Actor { person: None, label: "aspire demo".into(), client: None }
}

/// Imports every bundled file the database does not already have (same SHA-256), in an order
/// that puts reference lists first. Returns how many files were imported.
pub async fn load(db: &Db) -> anyhow::Result<usize> {
    let today = chrono::Local::now().date_naive();
    let opts = ImportOptions::new(today);
    let done: Vec<String> = db.imports(10_000).await?.into_iter().map(|i| i.sha256).collect();
    let mut files: Vec<&(&str, &[u8])> = DEMO_FILES.iter().collect();
    // Reference lists, then the register, then histories and results.
    let rank = |p: &str| {
        let p = p.to_ascii_lowercase();
        ["la_and_region", "lad", "opportunity", "spine", "details", "edubase", "links", "ofsted", "ks2"]
            .iter()
            .position(|k| p.contains(k))
            .unwrap_or(99)
    };
    files.sort_by_key(|(p, _)| (rank(p), *p));
    let mut imported = 0;
    for (path, bytes) in files {
        let name = path.rsplit('/').next().unwrap_or(path);
        let parsed =
            aspire_import::read_bytes(name, bytes, &opts).with_context(|| format!("reading bundled {path}"))?;
        if done.contains(&parsed.sha256) {
            continue;
        }
        let outcome = write_import(
            db,
            &parsed,
            &WriteOptions { skip_invalid: false, dry_run: false, imported_by: Some("aspire demo".into()) },
        )
        .await?;
        if outcome == ImportOutcome::Rejected {
            anyhow::bail!(
                "bundled file {path} has errors: {}",
                parsed.report.errors.first().map(ToString::to_string).unwrap_or_default()
            );
        }
        imported += 1;
    }
    Ok(imported)
}

/// A cohort to show the evaluation report with: the schools of the bundled data that the
/// tlif-2017 rules find eligible on 1 September 2017 (an illustration, not the programme's
/// actual participants).
pub async fn demo_cohort(db: &Db) -> anyhow::Result<()> {
    const NAME: &str = "Eligible for TLIF on 1 September 2017 (illustration)";
    if db.cohorts(&aspire_core::access::Visible::everything()).await?.iter().any(|c| c.name == NAME) {
        return Ok(());
    }
    let rules = aspire_import::load_rule_set("tlif-2017", &ImportOptions::new(chrono::Local::now().date_naive()))?;
    let as_of = chrono::NaiveDate::from_ymd_opt(2017, 9, 1).unwrap_or_default();
    let rows = db.eligibility(&rules, as_of, aspire_store::Scope::All).await?;
    let urns = rows
        .iter()
        .filter(|r| r.decision.outcome == aspire_core::eligibility::Outcome::Eligible)
        .map(|r| r.decision.urn)
        .collect();
    db.save_cohort(
        &demo_actor(), NAME,
        Some("The schools of the demo data that the tlif-2017 rules find eligible on 1 September 2017: an illustration of the report, not a programme's participants."),
        None,
        &urns,
    )
    .await?;
    Ok(())
}

const DEMO_PROGRAMME: &str = "Demo programme (illustration)";

/// A demo account: who, and what they can do.
pub struct DemoAccount {
    pub email: &'static str,
    pub what: String,
}

/// A programme to show the team's pages with: twelve of the eligible schools of the bundled data
/// in three networks of four, and one account for each kind of user. Fictional people; the
/// schools are real but their taking part is an illustration.
pub async fn demo_programme(db: &Db) -> anyhow::Result<Vec<DemoAccount>> {
    use aspire_core::people::{Email, Grant, Role, Scope};
    use aspire_store::NewProgramme;
    let actor = demo_actor();
    let all = aspire_core::access::Visible::everything();
    let programme = match db.programmes(&all, &all).await?.into_iter().find(|p| p.name == DEMO_PROGRAMME) {
        Some(p) => p.id,
        None => {
            let id = db
                .create_programme(
                    &actor,
                    &NewProgramme {
                        name: DEMO_PROGRAMME.into(),
                        template: Some("tlif-2017".into()),
                        rule_set: Some("tlif-2017".into()),
                        starts_on: chrono::NaiveDate::from_ymd_opt(2017, 9, 1),
                        ends_on: chrono::NaiveDate::from_ymd_opt(2018, 7, 31),
                    },
                )
                .await?;
            let rules =
                aspire_import::load_rule_set("tlif-2017", &ImportOptions::new(chrono::Local::now().date_naive()))?;
            let as_of = chrono::NaiveDate::from_ymd_opt(2017, 9, 1).unwrap_or_default();
            let mut rows: Vec<_> = db
                .eligibility(&rules, as_of, aspire_store::Scope::All)
                .await?
                .into_iter()
                .filter(|r| r.decision.outcome == aspire_core::eligibility::Outcome::Eligible)
                .collect();
            rows.sort_by_key(|r| (r.la_name.clone(), r.decision.urn));
            // Sixteen schools with coordinates (so that the team can form networks of them
            // again): three networks planned below, and a fourth formed after them, whose year
            // the team plans in the demo.
            let mut chosen = Vec::new();
            for r in rows {
                if chosen.len() == 16 {
                    break;
                }
                if db.school_position(r.decision.urn).await?.is_some_and(|(_, at)| at.is_some()) {
                    chosen.push(r);
                }
            }
            let urns: Vec<_> = chosen.iter().map(|r| r.decision.urn).collect();
            db.enrol(&actor, id, &urns, aspire_core::recruitment::Stage::Enrolled).await?;
            // The areas it recruited in: the local authorities of its schools.
            let mut areas: Vec<aspire_store::ProgrammeArea> = Vec::new();
            // (An area is an LA of the register: a school without one names none.)
            for r in &chosen {
                let Some(la) = r.la_name.clone() else { continue };
                match areas.iter_mut().find(|a| a.area == la) {
                    Some(a) => a.planned_networks += 1,
                    None => areas.push(aspire_store::ProgrammeArea { area: la, planned_networks: 1 }),
                }
            }
            // One network per four schools, at least one per area.
            for a in &mut areas {
                a.planned_networks = a.planned_networks.div_ceil(4);
            }
            db.set_programme_areas(&actor, id, &areas).await?;
            // Networks of four in the order of their local authorities, each named after the
            // authorities it spans and numbered within them, its venue the member nearest the
            // others.
            let first = &chosen[..chosen.len().min(12)];
            let formed = demo_networks(db, id, &first.iter().map(|r| r.decision.urn).collect::<Vec<_>>()).await?;
            db.save_formation(&actor, id, &formed).await?;
            demo_recruitment(db, id, &rules, as_of, &urns).await?;
            id
        }
    };
    const DEMO_PROGRAMME_COHORT: &str = "Demo programme schools (illustration)";
    if !db.cohorts(&aspire_core::access::Visible::everything()).await?.iter().any(|c| c.name == DEMO_PROGRAMME_COHORT) {
        db.save_programme_cohort(&demo_actor(), DEMO_PROGRAMME_COHORT, programme).await?;
    }
    let schools = db.enrolments(programme, &all).await?;
    let networks = db.networks(programme, &all).await?;
    // The head teacher's school is one enrolled (the board's examples are earlier stages) in the
    // first network, whose year is planned and whose adviser is the demo's.
    let net = networks.first();
    let enrolled = schools.iter().find(|e| {
        e.status == aspire_core::recruitment::Stage::Enrolled && net.is_some_and(|n| e.network == Some(n.id))
    });
    let (Some(first), Some(net)) = (enrolled, net) else {
        anyhow::bail!("the demo programme has no schools: the bundled data has no eligible school");
    };
    let head_school = first.urn;
    let school_name = first.school_name.clone().unwrap_or_else(|| head_school.to_string());
    // A local authority officer for the authority of the head teacher's school.
    let la = db.programme_las(programme, &all).await?.into_iter().find(|l| Some(&l.name) == first.la_name.as_ref());
    let mut accounts = vec![
        (
            "admin@demo.aspire.invalid",
            "Ada Admin",
            Grant::new(Role::Admin, Scope::Platform, false)?,
            "administrator: everything, people, audit log, outbox".to_owned(),
        ),
        (
            "programme.admin@demo.aspire.invalid",
            "Priya Programme",
            Grant::new(Role::ProgrammeAdmin, Scope::Programme(programme), false)?,
            format!("programme admin of {DEMO_PROGRAMME}"),
        ),
        (
            "adviser@demo.aspire.invalid",
            "Alex Adviser",
            Grant::new(Role::AchievementAdviser, Scope::Network { programme, network: net.id }, false)?,
            format!("Achievement Adviser of the network {} (with a role offered on their account page)", net.name),
        ),
        (
            "head@demo.aspire.invalid",
            "Hannah Head",
            Grant::new(Role::HeadTeacher, Scope::School(head_school), false)?,
            format!("head teacher of {school_name}"),
        ),
        (
            "evaluator@demo.aspire.invalid",
            "Evan Evaluator",
            Grant::new(Role::Evaluator, Scope::Programme(programme), false)?,
            "evaluator: reads the programme and the evaluation".to_owned(),
        ),
    ];
    if let Some(la) = &la {
        // Before the evaluator's, which is printed last (the browser tests wait for it).
        accounts.insert(
            accounts.len() - 1,
            (
                "la.officer@demo.aspire.invalid",
                "Lee Authority",
                Grant::new(Role::LaOfficer, Scope::LocalAuthority { programme, la: la.la }, false)?,
                format!("local authority officer for {}: reads its schools in the programme", la.name),
            ),
        );
    }
    let mut out = Vec::new();
    for (email, name, grant, what) in accounts {
        let e = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        if db.person_by_email(&e).await?.is_none() {
            db.add_person(&actor, &e, name, &[grant]).await?;
        }
        out.push(DemoAccount { email, what });
    }
    // Every network has an Achievement Adviser, so that its year can be planned: a second
    // adviser leads the networks after the first (one adviser, two networks: the planner keeps
    // them in one place a day).
    let second = Email::parse("adviser2@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?;
    if networks.len() > 1 && db.person_by_email(&second).await?.is_none() {
        let grants = networks
            .iter()
            .skip(1)
            .map(|n| Grant::new(Role::AchievementAdviser, Scope::Network { programme, network: n.id }, false))
            .collect::<Result<Vec<_>, _>>()?;
        db.add_person(&actor, &second, "Sam Adviser", &grants).await?;
    }
    // The programme year, planned on the schools' calendars (the bundled default pattern: the
    // demo enters no LA's dates). Then the schools still without a network form one more, led
    // by the second adviser, whose year the team plans ("Plan the year" on the year page).
    if db.programme_events(programme, &all).await?.is_empty() {
        aspire_app::programme_year::plan_programme_year(db, &actor, programme, false).await?;
        let waiting: Vec<_> =
            db.taking_part(programme, &all).await?.into_iter().filter(|s| s.network.is_none()).map(|s| s.urn).collect();
        if !waiting.is_empty() {
            let formed = demo_networks(db, programme, &waiting).await?;
            let ids = db.save_formation(&actor, programme, &formed).await?;
            let known: std::collections::BTreeSet<_> = networks.iter().map(|n| n.id).collect();
            if let Some(sam) = db.person_by_email(&second).await? {
                for n in ids.into_iter().filter(|n| !known.contains(n)) {
                    let g = Grant::new(Role::AchievementAdviser, Scope::Network { programme, network: n }, false)?;
                    db.add_grant(&actor, sam.id, &g).await?;
                }
            }
        }
    }
    // The head teacher's school has started joining: the team has ticked the signed agreement;
    // the rest of its checklist is open (the head ticks steps from their account page).
    if let Some(pa) = db
        .person_by_email(&Email::parse("programme.admin@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?)
        .await?
    {
        let by = aspire_store::Actor::person(pa.id, &pa.email, None);
        match aspire_app::joining::tick(db, &by, programme, head_school, "agreement", true).await {
            Ok(_) | Err(aspire_app::joining::TickError::Joining(_)) => {}
            Err(aspire_app::joining::TickError::Store(e)) => return Err(e.into()),
        }
    }
    demo_school_year(db, programme, head_school).await?;
    Ok(out)
}

/// Networks of four of `urns` in the order given, each named after the local authorities it
/// spans and numbered after the programme's networks of that name, its venue the member nearest
/// the others.
async fn demo_networks(
    db: &Db,
    programme: aspire_core::people::ProgrammeId,
    urns: &[aspire_core::urn::Urn],
) -> anyhow::Result<Vec<aspire_store::FormedNetwork>> {
    use aspire_core::geo::{LatLon, haversine_km};
    let all = aspire_core::access::Visible::everything();
    let schools: std::collections::BTreeMap<_, _> =
        db.taking_part(programme, &all).await?.into_iter().map(|p| (p.urn, p)).collect();
    let existing: Vec<String> = db.networks(programme, &all).await?.into_iter().map(|n| n.name).collect();
    let mut formed: Vec<aspire_store::FormedNetwork> = Vec::new();
    for four in urns.chunks(4) {
        let mut las: Vec<String> = Vec::new();
        for u in four {
            if let Some(l) = schools.get(u).and_then(|s| s.la_name.clone())
                && !las.contains(&l)
            {
                las.push(l);
            }
        }
        let stem = if las.is_empty() { "Network".to_owned() } else { las.join(" and ") };
        let taken = existing.iter().chain(formed.iter().map(|f| &f.name));
        let n = 1 + taken.filter(|name| name.rsplit_once(' ').is_some_and(|(s, _)| s == stem)).count();
        let at = |u: &aspire_core::urn::Urn| {
            schools.get(u).and_then(|s| Some(LatLon { lat: s.latitude?, lon: s.longitude? }))
        };
        let spread = |u: &aspire_core::urn::Urn| -> f64 {
            let Some(a) = at(u) else { return f64::INFINITY };
            four.iter().filter_map(at).map(|b| haversine_km(a, b)).sum()
        };
        let venue = four.iter().copied().min_by(|a, b| spread(a).total_cmp(&spread(b)));
        formed.push(aspire_store::FormedNetwork { name: format!("{stem} {n}"), venue, members: four.to_vec() });
    }
    Ok(formed)
}

/// The head teacher's school in its year: three more of its staff with accounts, a staff list,
/// its seats at its first Senior Leaders Network Day taken (a substitute named), that day's
/// roll and the first term's reach. Made once: nothing is added when the day has registrations.
async fn demo_school_year(
    db: &Db,
    programme: aspire_core::people::ProgrammeId,
    urn: aspire_core::urn::Urn,
) -> anyhow::Result<()> {
    use aspire_core::attendance::Mark;
    use aspire_core::people::{Email, Grant, Role, Scope};
    use aspire_core::reach::{ReachedBy, StaffRole};
    let actor = demo_actor();
    let all = aspire_core::access::Visible::everything();
    let Some(network) = db.enrolment(programme, urn).await?.and_then(|e| e.network) else { return Ok(()) };
    let events = db.programme_events(programme, &all).await?;
    let Some(day) = events.iter().find(|e| e.network == network && e.kind == "senior-leaders-network-day") else {
        return Ok(());
    };
    if !db.registrations(programme, day.id).await?.is_empty() {
        return Ok(());
    }
    let mut staff = Vec::new();
    for (email, name, role) in [
        ("senior.leader@demo.aspire.invalid", "Sunita Senior", Role::SeniorLeader),
        ("tl.lead@demo.aspire.invalid", "Tom Teaching", Role::TeachingLearningLead),
        ("afl.lead@demo.aspire.invalid", "Aisha Assessment", Role::AflLead),
    ] {
        let e = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        let id = match db.person_by_email(&e).await? {
            Some(p) => p.id,
            None => db.add_person(&actor, &e, name, &[Grant::new(role, Scope::School(urn), false)?]).await?,
        };
        staff.push((id, name, role));
    }
    let head = db
        .person_by_email(&Email::parse("head@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo head teacher is missing"))?;
    let by = aspire_store::Actor::person(head.id, &head.email, None);
    let nominate = |seat, person, substitute| aspire_app::school_year::Nomination {
        day: day.id,
        seat,
        person: Some(person),
        substitute,
    };
    for n in [nominate(Role::HeadTeacher, head.id, None), nominate(Role::SeniorLeader, staff[0].0, Some(staff[1].0))] {
        aspire_app::school_year::nominate(db, &by, programme, urn, &n, crate::today()).await?;
    }
    let list: Vec<(String, StaffRole, Option<aspire_core::people::PersonId>)> = [
        ("Hannah Head", StaffRole::Leader, Some(head.id)),
        ("Sunita Senior", StaffRole::Leader, Some(staff[0].0)),
        ("Tom Teaching", StaffRole::Teacher, Some(staff[1].0)),
        ("Aisha Assessment", StaffRole::Teacher, Some(staff[2].0)),
        ("Ben Baker", StaffRole::Teacher, None),
        ("Chloe Clarke", StaffRole::Teacher, None),
        ("Dev Desai", StaffRole::Teacher, None),
        ("Erin Evans", StaffRole::TeachingAssistant, None),
        ("Faisal Farooq", StaffRole::TeachingAssistant, None),
        ("Grace Green", StaffRole::Support, None),
    ]
    .into_iter()
    .map(|(n, r, p)| (n.to_owned(), r, p))
    .collect();
    let ids = db.add_staff_members(&by, urn, &list, None).await?;
    // The adviser took the day's roll: the head came, the senior leader was late.
    let adviser = db.network_advisers(programme).await?.get(&network).copied();
    let roll_by = match adviser {
        Some(a) => match db.person(a).await? {
            Some(p) => aspire_store::Actor::person(p.id, &p.email, None),
            None => actor.clone(),
        },
        None => actor.clone(),
    };
    let marks = [(head.id, Mark::Present), (staff[0].0, Mark::Late)];
    aspire_app::school_year::take_roll(db, &roll_by, programme, day.id, &marks, day.held_on).await?;
    // The school's second Development Day of that term took place with staff who had not
    // registered: the adviser recorded it as held, with nobody on its roll.
    let development = events.iter().filter(|e| e.urn == Some(urn) && e.term == day.term && e.kind == "development-day");
    if let Some(second) = development.clone().nth(1) {
        aspire_app::school_year::record_held(db, &roll_by, programme, second.id, true, second.held_on).await?;
    }
    // The venue's places, and what the day introduced, shared with the network's schools.
    aspire_app::days::set_places(db, &actor, programme, day.id, "40").await?;
    let reader = aspire_app::days::Reader::Everything;
    let notes = "Notes of the day: questioning and feedback\n\n\
        1. Wait time: at least three seconds after a question, and after an answer.\n\
        2. No hands up: choose who answers, so every pupil prepares one.\n\
        3. Feedback that moves learning on: what to do next, acted on in the lesson.\n\n\
        Before the Development Day: each leader watches two lessons for one of these and notes what pupils do.\n";
    let upload =
        aspire_app::days::Upload::File { name: "questioning-notes.txt".into(), content: notes.as_bytes().to_vec() };
    aspire_app::days::add_resource(
        db,
        &roll_by,
        reader,
        programme,
        day.id,
        "Questioning and feedback: notes of the day",
        upload,
    )
    .await?;
    let guide = aspire_app::days::Upload::Link(
        "https://educationendowmentfoundation.org.uk/education-evidence/guidance-reports/feedback".into(),
    );
    aspire_app::days::add_resource(
        db,
        &roll_by,
        reader,
        programme,
        day.id,
        "EEF guidance report: Teacher feedback",
        guide,
    )
    .await?;
    // Reach in that term: the two who went count from the roll (they are on the staff list
    // with their accounts); the school ticks two colleagues they coached.
    let reached = [(ids[4], ReachedBy::Coached), (ids[7], ReachedBy::Coached)];
    aspire_app::reach::set_term_reach(db, &by, programme, urn, day.term, &reached).await?;
    Ok(())
}

/// A programme recruiting now, for the public pages: a three-year partnership starting next
/// September in Hampshire and Surrey (the bundled register's areas), under the current-policy
/// example rule set, with a contact address of its own; and the demo head teacher offering to
/// talk to schools thinking of joining.
pub async fn demo_recruiting(db: &Db) -> anyhow::Result<()> {
    use chrono::Datelike as _;
    const NAME: &str = "Aspire partnership, Hampshire and Surrey (demo)";
    let actor = demo_actor();
    let all = aspire_core::access::Visible::everything();
    let today = chrono::Local::now().date_naive();
    let year = if today.month() < 9 { today.year() } else { today.year() + 1 };
    if !db.programmes(&all, &all).await?.iter().any(|p| p.name == NAME) {
        let id = db
            .create_programme(
                &actor,
                &aspire_store::NewProgramme {
                    name: NAME.into(),
                    template: Some("partnership-3-year".into()),
                    rule_set: Some("rise-2025".into()),
                    starts_on: chrono::NaiveDate::from_ymd_opt(year, 9, 1),
                    ends_on: None,
                },
            )
            .await?;
        let areas = [("Hampshire", 2), ("Surrey", 1)]
            .map(|(area, n)| aspire_store::ProgrammeArea { area: area.into(), planned_networks: n });
        db.set_programme_areas(&actor, id, &areas).await?;
        let contact =
            aspire_core::people::Email::parse("partnership@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?;
        db.set_programme_contact(&actor, id, &contact).await?;
        // A role waiting on the adviser's account page: the programme team asks them to read
        // the new programme's evaluation, one they do not advise, so they read it independently
        // (someone with an account accepts a role first; a role at one of the schools they
        // advise is never theirs).
        use aspire_core::people::{Email, Grant, Role, Scope};
        let team = Email::parse("programme.admin@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?;
        let adviser = Email::parse("adviser@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?;
        if let (Some(pa), Some(adviser)) = (db.person_by_email(&team).await?, db.person_by_email(&adviser).await?) {
            let by = aspire_store::Actor::person(pa.id, &pa.email, None);
            db.offer_grant(&by, adviser.id, &Grant::new(Role::Evaluator, Scope::Programme(id), false)?).await?;
        }
    }
    let head = aspire_core::people::Email::parse("head@demo.aspire.invalid").map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(p) = db.person_by_email(&head).await? {
        db.set_head_volunteer(&actor, p.id, true).await?;
    }
    Ok(())
}

/// New passwords for the demo accounts, each time the demo starts (never fixed in the code).
async fn demo_passwords(db: &Db, accounts: &[DemoAccount]) -> anyhow::Result<Vec<String>> {
    let actor = demo_actor();
    let mut out = Vec::new();
    for a in accounts {
        let e = aspire_core::people::Email::parse(a.email).map_err(|e| anyhow::anyhow!("{e}"))?;
        let Some(p) = db.person_by_email(&e).await? else { continue };
        let password = format!("demo-{}", &aspire_store::random_token()[..16]);
        db.set_password(&actor, p.id, &password).await?;
        out.push(password);
    }
    Ok(out)
}

pub async fn run(url: Option<&str>, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    let url = url.unwrap_or(DEMO_DATABASE);
    let db = Db::open(url).await.with_context(|| format!("opening the demo database {}", aspire_store::redact(url)))?;
    eprintln!("Preparing the demo database {} from the bundled open data...", aspire_store::redact(url));
    let n = load(&db).await?;
    demo_cohort(&db).await?;
    let accounts = demo_programme(&db).await?;
    // Passwords first: the offer the recruiting programme makes is to an account set up.
    let passwords = demo_passwords(&db, &accounts).await?;
    demo_recruiting(&db).await?;
    let counts = db.counts().await?;
    eprintln!(
        "{} files imported now; the database holds {} schools, {} inspections and {} KS2 results.",
        n, counts.schools, counts.inspections, counts.ks2_results
    );
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    crate::say!("Aspire demo is running at http://{local}/  (press Ctrl-C to stop)");
    crate::say!("Demo accounts (sign in at http://{local}/sign-in; new passwords each time the demo starts):");
    for (a, p) in accounts.iter().zip(&passwords) {
        crate::say!("  {:<38} {p}  {}", a.email, a.what);
    }
    let config = aspire_web::WebConfig {
        database_url_hint: Some(aspire_store::redact(url)),
        ..aspire_web::WebConfig::for_url(&format!("http://{local}"))
    };
    crate::background(&db, None, &config);
    aspire_web::serve(listener, db.clone(), config, crate::shutdown_signal()).await.context("serving")?;
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The board's pipeline in the demo: two enquiries from its first LA (one eligible, one not, each
/// with its decision kept and a message) and an application not checked yet.
async fn demo_recruitment(
    db: &Db,
    programme: aspire_core::people::ProgrammeId,
    rules: &aspire_import::LoadedRuleSet,
    as_of: chrono::NaiveDate,
    taking_part: &[aspire_core::urn::Urn],
) -> anyhow::Result<()> {
    use aspire_core::eligibility::Outcome;
    let actor = demo_actor();
    let Some(found) = db.programme(programme).await? else { return Ok(()) };
    let rows = db.eligibility(rules, as_of, aspire_store::Scope::All).await?;
    let la = rows.iter().find(|r| taking_part.contains(&r.decision.urn)).and_then(|r| r.la_name.clone());
    let free = |outcome: Outcome, skip: Option<aspire_core::urn::Urn>| {
        rows.iter()
            .filter(|r| !taking_part.contains(&r.decision.urn) && Some(r.decision.urn) != skip)
            .filter(|r| r.decision.outcome == outcome && r.la_name == la)
            .map(|r| r.decision.urn)
            .next()
    };
    let eligible = free(Outcome::Eligible, None);
    let not_eligible = free(Outcome::NotEligible, None);
    let today = chrono::Local::now().date_naive();
    for (urn, who, message) in [
        (eligible, "Erin Enquirer", "We would like to hear when the next network starts."),
        (not_eligible, "Noel Asker", "Could our school take part?"),
    ] {
        let Some(urn) = urn else { continue };
        let email = format!("{}@demo.aspire.invalid", who.to_lowercase().replace(' ', "."));
        let contact = aspire_core::recruitment::EnquiryContact::check(who, &email, "Head teacher", message)
            .map_err(|p| anyhow::anyhow!("the demo enquiry: {p:?}"))?;
        let check = aspire_app::recruitment::eligibility_checks(db, &found, &[urn], today).await?;
        let check = check.into_iter().next().map(|(_, c)| c);
        db.record_enquiry(&actor, programme, &aspire_store::NewEnquiry { urn, contact }, check.as_ref()).await?;
    }
    // An application with no decision yet: what "Check eligibility" is for.
    let skip = not_eligible;
    if let Some(urn) = free(Outcome::NotEligible, skip).or_else(|| free(Outcome::CannotTell, None)) {
        db.enrol(&actor, programme, &[urn], aspire_core::recruitment::Stage::Applied).await?;
    }
    Ok(())
}
