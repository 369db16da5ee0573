//! Imports are all-or-nothing, repeatable and order-independent, and leave provenance.

use sha2::{Digest, Sha256};

use aspire_store::{Db, ImportOutcome, WriteOptions, write_import};

use crate::{BUNDLED, TestDb, import, opts, parse};

const DATA_TABLES: &[&str] = &[
    "schools",
    "local_authorities",
    "ofsted_inspections",
    "ks2_school_results",
    "ks2_area_results",
    "establishment_links",
    "lads",
    "area_members",
    "ks2_field_labels",
];

async fn fingerprint(db: &Db) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for t in DATA_TABLES {
        out.push((t.to_string(), db.table_fingerprint(t).await.expect("fingerprint")));
    }
    out
}

#[tokio::test]
async fn reimporting_the_same_files_changes_no_row() {
    let parsed: Vec<_> = BUNDLED.iter().map(|f| parse(f)).collect();
    for t in TestDb::all().await {
        assert!(t.db.register_is_empty().await.expect("empty?"), "a new database has no school");
        for p in &parsed {
            let o = import(&t.db, p).await;
            assert!(matches!(o, ImportOutcome::Written { .. }), "{}: {o:?}", p.file_name);
        }
        assert!(!t.db.register_is_empty().await.expect("empty?"), "the bundled files hold schools");
        let first = fingerprint(&t.db).await;
        assert!(first.iter().all(|(_, rows)| !rows.is_empty()), "every table has rows");
        for p in &parsed {
            let o = import(&t.db, p).await;
            let (ins, upd, same) = o.totals();
            assert_eq!((ins, upd), (0, 0), "{} changed rows on re-import ({same} unchanged)", p.file_name);
            assert!(same > 0);
        }
        assert_eq!(first, fingerprint(&t.db).await);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_import_order_does_not_change_the_result() {
    let parsed: Vec<_> = BUNDLED.iter().map(|f| parse(f)).collect();
    let forward = TestDb::sqlite().await;
    for p in &parsed {
        import(&forward.db, p).await;
    }
    let backward = TestDb::sqlite().await;
    for p in parsed.iter().rev() {
        import(&backward.db, p).await;
    }
    let (a, b) = (fingerprint(&forward.db).await, fingerprint(&backward.db).await);
    for ((ta, ra), (_, rb)) in a.iter().zip(&b) {
        assert_eq!(ra.len(), rb.len(), "{ta}: row counts differ");
        // Name the differing cells, not whole rows.
        let diff: Vec<String> = ra
            .iter()
            .zip(rb)
            .filter(|(x, y)| x != y)
            .take(5)
            .map(|(x, y)| {
                let cells: Vec<String> = x
                    .split('\u{1f}')
                    .zip(y.split('\u{1f}'))
                    .enumerate()
                    .filter(|(_, (p, q))| p != q)
                    .map(|(i, (p, q))| format!("cell {i}: {p} / {q}"))
                    .collect();
                format!("{}: {}", x.split('\u{1f}').next().unwrap_or(""), cells.join("; "))
            })
            .collect();
        assert!(diff.is_empty(), "{ta} differs: {diff:#?}");
    }
    forward.cleanup().await;
    backward.cleanup().await;
}

fn file_hash(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).expect("database file");
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_file_with_a_bad_row_leaves_the_database_byte_for_byte_as_it_was() {
    let t = TestDb::sqlite().await;
    import(&t.db, &parse("schools_england_2018_waiky8/england_spine_2017-2018.csv")).await;
    let path = t.path.clone().expect("sqlite file");
    let url = format!("sqlite:{}", path.display());
    t.db.close().await;
    let before = file_hash(&path);

    let good = std::fs::read_to_string(
        crate::data_dir().join("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"),
    )
    .expect("GIAS file");
    for corrupt in [
        // bad URN on the second data row
        good.replacen("\n115851,", "\n11585X,", 1),
        // an impossible date
        good.replacen("\"23-01-2019\"", "\"31-02-2019\"", 1),
        // a row cut short
        format!("{}\n115999,\"850\"", good.trim_end()),
    ] {
        let db = Db::open(&url).await.expect("reopen");
        let p =
            aspire_import::read_bytes("edubase_corrupt_20220420.csv", corrupt.as_bytes(), &opts()).expect("readable");
        assert_eq!(p.report.rows_rejected(), 1, "{:?}", p.report.errors);
        assert!(p.report.errors[0].line > 1);
        let o = write_import(&db, &p, &WriteOptions::default()).await.expect("write");
        assert_eq!(o, ImportOutcome::Rejected);
        db.close().await;
        assert_eq!(before, file_hash(&path), "database file changed");
        assert!(
            !path.with_extension("db-wal").exists()
                || std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0) == 0
        );
    }
}

#[tokio::test]
async fn skip_invalid_writes_the_good_rows_and_dry_run_writes_nothing() {
    for t in TestDb::all().await {
        let text = "URN,Rating,Inspection Date\n100000,Good,20050921\nBAD,Good,20050921\n100001,Inadequate,20150101\n";
        let p = aspire_import::read_bytes("ofsted.csv", text.as_bytes(), &opts()).expect("readable");
        let dry = write_import(&t.db, &p, &WriteOptions { skip_invalid: true, dry_run: true, imported_by: None })
            .await
            .expect("dry run");
        assert_eq!(dry.totals(), (2, 0, 0));
        assert_eq!(t.db.counts().await.expect("counts").inspections, 0, "dry run wrote nothing");
        assert_eq!(t.db.imports(10).await.expect("imports").len(), 0, "no provenance for a dry run");

        let o = write_import(
            &t.db,
            &p,
            &WriteOptions { skip_invalid: true, dry_run: false, imported_by: Some("tester".into()) },
        )
        .await
        .expect("write");
        assert!(matches!(o, ImportOutcome::Written { .. }));
        assert_eq!(t.db.counts().await.expect("counts").inspections, 2);
        let imports = t.db.imports(10).await.expect("imports");
        let i = &imports[0];
        assert_eq!((i.rows_read, i.rows_accepted, i.rows_rejected, i.rows_inserted), (3, 2, 1, 2));
        assert_eq!(i.sha256, p.sha256);
        assert_eq!(i.format, "ofsted-history");
        assert_eq!(i.imported_by.as_deref(), Some("tester"));
        assert!(i.finished_at >= i.started_at);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn newer_register_data_wins_and_blanks_do_not_erase_locations() {
    let t = TestDb::sqlite().await;
    let urn = aspire_core::Urn::parse("115850").expect("urn");
    let gias_2022 = "URN,EstablishmentName,Easting,Northing\n115850,Alton Infant School,472080,139716\n";
    let gias_2020 = "URN,EstablishmentName,Easting,Northing\n115850,Alton Infants,,\n";
    let gias_2024 = "URN,EstablishmentName,Easting,Northing\n115850,Alton Infant and Nursery School,,\n";
    let ks2 = "RECTYPE,URN,SCHNAME,READPROG,LATITUDE,LONGITUDE\n1,115850,ALTON INF,1.0,51.2,-0.9\n";
    let w = |name: &'static str, text: &'static str| async move {
        aspire_import::read_bytes(name, text.as_bytes(), &opts()).expect("readable")
    };
    import(&t.db, &w("gias_20220420.csv", gias_2022).await).await;
    import(&t.db, &w("gias_20200101.csv", gias_2020).await).await;
    import(&t.db, &w("ks2_2018-2019.csv", ks2).await).await;
    let s = t.db.school(urn).await.expect("read").expect("school");
    assert_eq!(s.name.as_deref(), Some("Alton Infant School"), "an older extract does not overwrite a newer one");
    assert_eq!(s.location_source.as_deref(), Some("grid"), "a results file only fills blanks");
    import(&t.db, &w("gias_20240101.csv", gias_2024).await).await;
    let s = t.db.school(urn).await.expect("read").expect("school");
    assert_eq!(s.name.as_deref(), Some("Alton Infant and Nursery School"));
    assert_eq!(s.easting, Some(472080.0), "a newer file without coordinates keeps the old ones");
    t.cleanup().await;
}

/// Two DfE-named results files that disagree about one school's progress score, and a per-URN
/// extract that disagrees with both.
const KS2_A: &str = "RECTYPE,URN,LEA,READPROG,MATPROG,PTRWM_EXP\n1,115897,850,3.3,SUPP,0.55\n";
const KS2_B: &str = "RECTYPE,URN,LEA,READPROG,MATPROG,PTRWM_EXP\n1,115897,850,-2.0,NE,0.55\n";
const KS2_PER_URN: &str = "URN,Academic Year,Reading Progress,Maths Progress\n115897,2019,1.5,0.4\n";

async fn ks2_of(db: &Db) -> std::collections::BTreeMap<aspire_core::ks2::Measure, aspire_core::ks2::Ks2Value> {
    let urn = aspire_core::Urn::parse("115897").expect("urn");
    let rows = db.ks2_for_schools(&[urn]).await.expect("ks2");
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0].values.clone()
}

#[tokio::test]
async fn ks2_figures_do_not_depend_on_the_order_of_imports_and_disagreements_are_reported() {
    use aspire_core::ks2::{Ks2Value, Measure, MissingReason};
    let read = |name: &str, text: &str| aspire_import::read_bytes(name, text.as_bytes(), &opts()).expect("readable");
    let (a, b) = (read("ks2final_2018-2019_a.csv", KS2_A), read("ks2final_2018-2019_b.csv", KS2_B));
    let extract = read("ks2_perf_2018-2019.csv", KS2_PER_URN);
    for t in TestDb::all().await {
        let first = import(&t.db, &a).await;
        assert!(first.conflicts().is_empty());
        let second = import(&t.db, &b).await;
        let c = second.conflicts();
        assert_eq!(c.len(), 1, "{c:?}");
        let said = c[0].to_string();
        assert!(
            said.starts_with("URN 115897, 2018/19, READPROG: this file gives -2, the database holds 3.3"),
            "{said}"
        );
        assert!(said.contains("3.3 is kept") && said.contains("equal rank"), "{said}");
        assert_eq!(ks2_of(&t.db).await[&aspire_core::ks2::Measure::ReadingProgress], Ks2Value::Value(3.3));
        t.cleanup().await;
    }
    // The same files the other way round, and the per-URN extract before and after: the same figures.
    let mut results = Vec::new();
    for order in [vec![&a, &b, &extract], vec![&extract, &b, &a], vec![&b, &extract, &a]] {
        let t = TestDb::sqlite().await;
        for p in order {
            import(&t.db, p).await;
        }
        results.push(ks2_of(&t.db).await);
        t.cleanup().await;
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:#?}");
    let r = &results[0];
    assert_eq!(r[&Measure::ReadingProgress], Ks2Value::Value(3.3), "equal rank: the greater figure");
    assert_eq!(r[&Measure::MathsProgress], Ks2Value::Value(0.4), "a figure beats a reason, whatever its rank");
    assert_eq!(r[&Measure::RwmExpected], Ks2Value::Value(0.55));
    // Reasons alone: the same reason whatever the order.
    let (x, y) = (
        read("ks2final_2018-2019_x.csv", "RECTYPE,URN,LEA,READPROG\n1,115897,850,SUPP\n"),
        read("ks2final_2018-2019_y.csv", "RECTYPE,URN,LEA,READPROG\n1,115897,850,NE\n"),
    );
    let mut reasons = Vec::new();
    for order in [[&x, &y], [&y, &x]] {
        let t = TestDb::sqlite().await;
        for p in order {
            import(&t.db, p).await;
        }
        reasons.push(ks2_of(&t.db).await[&Measure::ReadingProgress]);
        t.cleanup().await;
    }
    assert_eq!(reasons[0], reasons[1]);
    assert!(matches!(reasons[0], Ks2Value::Missing(MissingReason::Suppressed | MissingReason::NoEntries)));
}

#[tokio::test]
async fn a_nul_in_a_name_is_removed_on_both_databases() {
    let text = "URN,EstablishmentName\n100000,\"Green\u{0} Lane Primary\"\n";
    let p = aspire_import::read_bytes("edubase_20220420.csv", text.as_bytes(), &opts()).expect("readable");
    assert!(p.report.is_clean() && p.report.warnings.len() == 1, "{:?}", p.report);
    for t in TestDb::all().await {
        let o = import(&t.db, &p).await;
        assert!(matches!(o, ImportOutcome::Written { .. }), "{o:?}");
        let s = t.db.school(aspire_core::Urn::parse("100000").expect("urn")).await.expect("read").expect("school");
        assert_eq!(s.name.as_deref(), Some("Green Lane Primary"));
        t.cleanup().await;
    }
}
