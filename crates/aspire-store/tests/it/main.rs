//! Storage tests against real databases: a SQLite file per test, and a fresh PostgreSQL schema
//! per test when ASPIRE_TEST_POSTGRES_URL is set.

mod accounts;
mod eligibility;
mod evaluation;
mod import;
mod profile;
mod recruitment;
mod schema;
mod search;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use aspire_import::{ImportOptions, Parsed};
use aspire_store::{Db, ImportOutcome, WriteOptions, write_import};
use chrono::NaiveDate;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

pub fn opts() -> ImportOptions {
    ImportOptions::new(NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"))
}

pub fn parse(rel: &str) -> Parsed {
    aspire_import::read_file(&data_dir().join(rel), &opts()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The bundled files in a sensible order.
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

pub async fn import(db: &Db, parsed: &Parsed) -> ImportOutcome {
    write_import(db, parsed, &WriteOptions::default()).await.expect("import")
}

/// A database for one test. Dropping it removes the SQLite file or the PostgreSQL schema.
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

    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some((url, schema)) = &self.pg_schema
            && let Ok(admin) = Db::connect(url).await
        {
            let _ = admin.execute_admin(&format!("DROP SCHEMA {schema} CASCADE")).await;
            admin.close().await;
        }
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}
