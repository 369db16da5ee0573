//! What tests need to stand up real parts: a database for one test (a SQLite file, or a fresh
//! PostgreSQL schema when `ASPIRE_TEST_POSTGRES_URL` is set), the bundled open data imported
//! into it, and builders for the records most tests start from (a programme with enrolled
//! schools, a person with a role, a network with its Achievement Adviser).

#![allow(clippy::unwrap_used)] // test set-up: a failure here is a failed test, said plainly.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use aspire_core::people::{Email, Grant, PersonId, ProgrammeId};
use aspire_core::urn::Urn;
use aspire_import::{ImportOptions, Parsed};
use aspire_store::{Actor, Db, ImportOutcome, NewProgramme, ProgrammeArea, WriteOptions, write_import};
use chrono::NaiveDate;

/// The bundled open data (`data/` at the top of the repository).
/// Every bundled file the store, use-case and evaluation tests import, in an order that works.
pub const BUNDLED: &[&str] = &[
    "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv",
    "ons_lad_lookups/LAD17_to_RGN17_England.csv",
    "ons_lad_lookups/LAD17_to_CTY17_England.csv",
    "reference/opportunity_areas_2017_transcribed.csv",
    "schools_england_2018_waiky8/england_spine_2017-2018.csv",
    "schools_england_2018_waiky8/school_details_2017-2018.csv",
    "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv",
    "gias_links_england_2025/links_edubasealldata20250422.csv",
    "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
    "schools_england_2018_waiky8/ks2_perf_2015-2016.csv",
    "schools_england_2018_waiky8/ks2_perf_2016-2017.csv",
    "schools_england_2018_waiky8/ks2_perf_2017-2018.csv",
    "ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2016-2017_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la936.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2_meta_2018-2019.csv",
];

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// Import options with a fixed "today", so that tests do not change as the years pass.
pub fn opts() -> ImportOptions {
    ImportOptions::new(NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"))
}

/// A bundled file, parsed.
pub fn parse(rel: &str) -> Parsed {
    aspire_import::read_file(&data_dir().join(rel), &opts()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Imports a parsed file.
pub async fn import(db: &Db, parsed: &Parsed) -> ImportOutcome {
    write_import(db, parsed, &WriteOptions::default()).await.expect("import")
}

/// Which database a suite that runs on one backend at a time uses: PostgreSQL when
/// `ASPIRE_TEST_BACKEND=postgres` (and `ASPIRE_TEST_POSTGRES_URL` is set), else SQLite.
pub fn backend_is_postgres() -> bool {
    std::env::var("ASPIRE_TEST_BACKEND").is_ok_and(|b| b.eq_ignore_ascii_case("postgres"))
}

/// A database for one test. [`TestDb::cleanup`] removes the PostgreSQL schema; the SQLite file
/// goes with its folder.
pub struct TestDb {
    pub db: Db,
    pub path: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("aspire.db");
        let db = Db::open(&format!("sqlite:{}", path.display())).await.expect("open sqlite");
        TestDb { db, path: Some(path), _dir: Some(dir), pg_schema: None }
    }

    /// `None` when ASPIRE_TEST_POSTGRES_URL is not set.
    pub async fn postgres() -> Option<TestDb> {
        let url = std::env::var("ASPIRE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        let schema = format!("t_{}_{}_{}", std::process::id(), SEQ.fetch_add(1, Ordering::SeqCst), nanos());
        let admin = Db::connect(&url).await.expect("connect to ASPIRE_TEST_POSTGRES_URL");
        admin.execute_admin(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
        admin.close().await;
        let db = Db::connect_postgres_schema(&url, &schema).await.expect("connect to schema");
        db.migrate().await.expect("migrate postgres");
        Some(TestDb { db, path: None, _dir: None, pg_schema: Some((url, schema)) })
    }

    /// Every backend available: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }

    /// The one backend [`backend_is_postgres`] chooses, for suites that run once per backend.
    pub async fn chosen() -> TestDb {
        if backend_is_postgres() {
            TestDb::postgres().await.expect("ASPIRE_TEST_BACKEND=postgres needs ASPIRE_TEST_POSTGRES_URL")
        } else {
            TestDb::sqlite().await
        }
    }

    /// Imports bundled files, in order.
    pub async fn with_files(self, files: &[&str]) -> TestDb {
        for f in files {
            import(&self.db, &parse(f)).await;
        }
        self
    }

    pub async fn cleanup(mut self) {
        self.db.close().await;
        if let Some((url, schema)) = self.pg_schema.take() {
            drop_schema(&url, &schema).await;
        }
    }
}

async fn drop_schema(url: &str, schema: &str) {
    if let Ok(admin) = Db::connect(url).await {
        let _ = admin.execute_admin(&format!("DROP SCHEMA {schema} CASCADE")).await;
        admin.close().await;
    }
}

/// A PostgreSQL schema not removed by [`TestDb::cleanup`] (a suite that keeps its database in
/// a struct) is removed when the `TestDb` goes, on a thread of its own: `Drop` cannot wait for
/// the test's runtime.
impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.pg_schema.take() {
            // The test's own connections are idle (they hold no locks) and belong to its runtime,
            // which this thread must not touch.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    rt.block_on(drop_schema(&url, &schema));
                }
            })
            .join();
        }
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// A URN written in a test.
pub fn urn(text: &str) -> Urn {
    Urn::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A programme to create: `ProgrammeBuilder::new("Guildford").enrol(&urns).create(&db)`.
#[derive(Debug, Clone)]
pub struct ProgrammeBuilder {
    programme: NewProgramme,
    areas: Vec<ProgrammeArea>,
    enrolled: Vec<Urn>,
}

impl ProgrammeBuilder {
    /// A tlif-2017 programme starting on 1 November 2017, with no areas and no schools.
    pub fn new(name: &str) -> ProgrammeBuilder {
        ProgrammeBuilder {
            programme: NewProgramme {
                name: name.into(),
                template: Some("tlif-2017".into()),
                rule_set: Some("tlif-2017".into()),
                starts_on: NaiveDate::from_ymd_opt(2017, 11, 1),
                ends_on: None,
            },
            areas: Vec::new(),
            enrolled: Vec::new(),
        }
    }

    /// Without a template, a rule set or dates.
    pub fn bare(mut self) -> ProgrammeBuilder {
        self.programme.template = None;
        self.programme.rule_set = None;
        self.programme.starts_on = None;
        self
    }

    /// Without a template, with this rule set.
    pub fn rule_set(mut self, id: &str) -> ProgrammeBuilder {
        self.programme.template = None;
        self.programme.rule_set = Some(id.into());
        self
    }

    /// Starting on this day (`None` for a programme without dates).
    pub fn starts(mut self, on: Option<NaiveDate>) -> ProgrammeBuilder {
        self.programme.starts_on = on;
        self
    }

    pub fn ends(mut self, on: Option<NaiveDate>) -> ProgrammeBuilder {
        self.programme.ends_on = on;
        self
    }

    /// What would be created, for a test that expects it to be refused.
    pub fn build(&self) -> NewProgramme {
        self.programme.clone()
    }

    pub fn area(mut self, area: &str, planned_networks: u32) -> ProgrammeBuilder {
        self.areas.push(ProgrammeArea { area: area.into(), planned_networks });
        self
    }

    /// Schools enrolled once the programme exists.
    pub fn enrol(mut self, urns: &[&str]) -> ProgrammeBuilder {
        self.enrolled.extend(urns.iter().map(|u| urn(u)));
        self
    }

    pub async fn create(self, db: &Db) -> ProgrammeId {
        let cli = Actor::command_line();
        let id = db.create_programme(&cli, &self.programme).await.expect("programme");
        if !self.areas.is_empty() {
            db.set_programme_areas(&cli, id, &self.areas).await.expect("areas");
        }
        if !self.enrolled.is_empty() {
            db.enrol(&cli, id, &self.enrolled, aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
        }
        id
    }
}

static PEOPLE: AtomicU32 = AtomicU32::new(0);

/// A new person (person{n}@test.example) holding these roles.
pub async fn person_with(db: &Db, grants: &[Grant]) -> (PersonId, Email) {
    let n = PEOPLE.fetch_add(1, Ordering::SeqCst);
    let email = Email::parse(&format!("person{n}@test.example")).expect("email");
    let id = db.add_person(&Actor::command_line(), &email, &format!("Person {n}"), grants).await.expect("person");
    (id, email)
}

/// A network of the programme holding these schools (enrolled already), and a new person who
/// is its Achievement Adviser.
pub async fn network_with_adviser(
    db: &Db,
    programme: ProgrammeId,
    name: &str,
    schools: &[&str],
) -> (aspire_core::people::NetworkId, PersonId) {
    use aspire_core::people::{Role, Scope};
    let cli = Actor::command_line();
    let network = db.create_network(&cli, programme, name).await.expect("network");
    for u in schools {
        db.set_network(&cli, programme, urn(u), Some(network)).await.expect("member");
    }
    let grant = Grant::new(Role::AchievementAdviser, Scope::Network { programme, network }, false).expect("grant");
    let (adviser, _) = person_with(db, &[grant]).await;
    (network, adviser)
}

/// A school open every weekday of three terms from September 2017 (no half-terms): enough for
/// a network's year to be planned in tests that are about what happens after.
pub fn weekdays_2017(u: Urn) -> aspire_core::schedule::SchoolDays {
    use aspire_core::schedule::{OpenTerm, SchoolDays};
    use aspire_core::template::{Season, Term};
    use chrono::{Datelike, Weekday};
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
    let term = |term: Term, starts: NaiveDate, ends: NaiveDate| OpenTerm {
        term,
        open: starts
            .iter_days()
            .take_while(|x| *x <= ends)
            .filter(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
            .collect(),
    };
    SchoolDays {
        urn: u,
        terms: vec![
            term(Term { year: 2017, season: Season::Autumn }, d(2017, 9, 4), d(2017, 12, 20)),
            term(Term { year: 2018, season: Season::Spring }, d(2018, 1, 8), d(2018, 3, 29)),
            term(Term { year: 2018, season: Season::Summer }, d(2018, 4, 16), d(2018, 7, 20)),
        ],
    }
}
