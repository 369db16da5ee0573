//! The two migration trees produce the same schema, and the schema has a column for every
//! register field and KS2 measure of the domain.

use aspire_core::ks2::Measure;
use aspire_core::school::SchoolField;

use crate::TestDb;

#[tokio::test]
async fn schemas_match() {
    let sqlite = TestDb::sqlite().await;
    let Some(pg) = TestDb::postgres().await else {
        eprintln!("ASPIRE_TEST_POSTGRES_URL is not set: comparing SQLite with itself only");
        let s = sqlite.db.schema_info().await.expect("schema");
        assert!(s.contains_key("schools"));
        sqlite.cleanup().await;
        return;
    };
    let a = sqlite.db.schema_info().await.expect("sqlite schema");
    let b = pg.db.schema_info().await.expect("postgres schema");
    let names_a: Vec<&String> = a.keys().collect();
    let names_b: Vec<&String> = b.keys().collect();
    assert_eq!(names_a, names_b, "same tables");
    for (t, ta) in &a {
        let tb = &b[t];
        let mut ca = ta.columns.clone();
        let mut cb = tb.columns.clone();
        ca.sort();
        cb.sort();
        assert_eq!(ca, cb, "columns of {t}");
        assert_eq!(ta.primary_key, tb.primary_key, "primary key of {t}");
        assert_eq!(ta.indexes, tb.indexes, "indexes of {t}");
    }
    sqlite.cleanup().await;
    pg.cleanup().await;
}

#[tokio::test]
async fn register_columns_match_the_domain() {
    let t = TestDb::sqlite().await;
    let s = t.db.schema_info().await.expect("schema");
    let cols = |table: &str| -> Vec<String> { s[table].columns.iter().map(|c| c.name.clone()).collect() };
    let schools = cols("schools");
    for f in SchoolField::ALL {
        assert!(schools.contains(&f.column().to_owned()), "schools.{} missing: add a migration", f.column());
        assert!(schools.contains(&format!("{}_rank", f.column())), "schools.{}_rank missing", f.column());
    }
    for table in ["ks2_school_results", "ks2_area_results"] {
        let c = cols(table);
        for m in Measure::ALL {
            assert!(c.contains(&m.column()), "{table}.{} missing", m.column());
            assert!(c.contains(&format!("{}_missing", m.column())), "{table}.{}_missing missing", m.column());
            assert!(c.contains(&format!("{}_rank", m.column())), "{table}.{}_rank missing", m.column());
        }
    }
    t.cleanup().await;
}

#[test]
fn every_migration_file_is_registered_in_both_trees() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let list = |d: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join(d))
            .expect("migrations dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".sql"))
            .collect();
        v.sort();
        v
    };
    let sqlite = list("sqlite");
    assert_eq!(sqlite, list("postgres"), "same files in both trees");
    let registered: Vec<String> =
        aspire_store::MIGRATIONS.iter().map(|(v, name, _, _)| format!("{v:04}_{name}.sql")).collect();
    assert_eq!(sqlite, registered, "every file is listed in MIGRATIONS, in order");
}

#[tokio::test]
async fn migrating_twice_is_harmless_and_an_edited_migration_is_refused() {
    let t = TestDb::sqlite().await;
    t.db.migrate().await.expect("second migrate is a no-op");
    t.db.execute_admin("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").await.expect("tamper");
    let e = t.db.migrate().await.expect_err("refused");
    assert!(e.to_string().contains("must not change"), "{e}");
    t.cleanup().await;
}
