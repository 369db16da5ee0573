//! Eligibility on real data: the national spine and Ofsted history against the independent
//! peer computation, districts, URN inheritance, and area lists imported by the programme team.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use aspire_core::eligibility::Outcome;
use aspire_core::urn::Urn;
use aspire_import::load_rule_set;
use aspire_store::Scope;

use crate::{TestDb, import, opts, parse};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn national(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel)
}

/// The peer's answer (../shared/bench/instances/eligible_2017-09-01.csv), restricted to the six
/// unitary Opportunity-Area LAs.
fn peer_urns(las: &[&str]) -> Option<BTreeSet<u32>> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/bench/instances/eligible_2017-09-01.csv");
    let text = std::fs::read_to_string(path).ok()?;
    let mut r = csv::Reader::from_reader(text.as_bytes());
    Some(
        r.records()
            .filter_map(Result::ok)
            .filter(|rec| las.contains(&rec.get(1).unwrap_or("")))
            .filter_map(|rec| rec.get(0)?.parse().ok())
            .collect(),
    )
}

#[tokio::test]
async fn tlif_2017_matches_the_independent_count_in_the_unitary_opportunity_areas() {
    // The national files live beside the project (../shared/data); without them this test
    // runs on the bundled subset, which holds the same six LAs in full.
    let spine = national("schools_england_2018_waiky8/england_spine_2017-2018.csv");
    let national_spine = spine.exists();
    let (spine, history) = if national_spine {
        (
            aspire_import::read_file(&spine, &opts()).expect("spine"),
            aspire_import::read_file(
                &national("schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv"),
                &opts(),
            )
            .expect("history"),
        )
    } else {
        (
            parse("schools_england_2018_waiky8/england_spine_2017-2018.csv"),
            parse("schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv"),
        )
    };
    for t in TestDb::all().await {
        for p in [&spine, &history, &parse("gias_links_england_2025/links_edubasealldata20250422.csv")] {
            import(&t.db, p).await;
        }
        let rules = load_rule_set("tlif-2017", &opts()).expect("rules");
        let rows = t.db.eligibility(&rules, d("2017-09-01"), Scope::All).await.expect("decide");
        assert!(rows.len() >= 2000);
        let unitary = ["890", "380", "831", "371", "353", "861"];
        let ours: BTreeSet<u32> = rows
            .iter()
            .filter(|r| r.decision.outcome == Outcome::Eligible)
            .filter(|r| r.la_code.is_some_and(|c| unitary.contains(&c.to_string().as_str())))
            .map(|r| r.decision.urn.get())
            .collect();
        // The peer: spine ISPRIMARY=1 and ISSECONDARY=0 (our phase "Primary"), MINORGROUP
        // Maintained School or Academy, open on the date, latest inspection on or before it graded
        // 3 or 4. We also follow URN links to a predecessor's judgement when a school has none of
        // its own; in this data no predecessor of such a school has an inspection in the history
        // file (it only covers URNs open in 2017/18), so the answers coincide: 77 schools.
        assert_eq!(ours.len(), 77, "{ours:?}");
        if let Some(peer) = peer_urns(&unitary) {
            assert_eq!(ours, peer);
        }
        // Schools in counties with district-level areas, with no district data: cannot tell, and
        // the reason says what to import. Only the national spine holds Norfolk's schools.
        if national_spine {
            let norfolk: Vec<_> = rows.iter().filter(|r| r.la_code == Some(926)).collect();
            let tell =
                norfolk.iter().find(|r| r.decision.outcome == Outcome::CannotTell).expect("a cannot-tell in Norfolk");
            let reason = tell.decision.reason();
            assert!(reason.contains("Norwich") && reason.contains("DistrictAdministrative"), "{reason}");
            assert!(norfolk.iter().all(|r| r.decision.outcome != Outcome::Eligible));
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn districts_from_gias_settle_two_tier_counties_and_imports_extend_area_sets() {
    let t = TestDb::sqlite().await;
    for f in [
        "ons_lad_lookups/LAD17_to_RGN17_England.csv",
        "schools_england_2018_waiky8/england_spine_2017-2018.csv",
        "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv",
        "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
    ] {
        import(&t.db, &parse(f)).await;
    }
    let rules = load_rule_set("tlif-2017", &opts()).expect("rules");
    let rows = t.db.eligibility(&rules, d("2017-09-01"), Scope::All).await.expect("decide");
    // Hampshire schools now have districts: Basingstoke and Deane and Havant are category 5.
    let hants: Vec<_> = rows.iter().filter(|r| r.la_code == Some(850) && r.district.is_some()).collect();
    assert!(!hants.is_empty());
    let in_basingstoke = hants.iter().filter(|r| r.decision.area.as_deref() == Some("Basingstoke and Deane"));
    assert!(in_basingstoke.count() > 0, "some Basingstoke school is placed in its area");
    // A Hampshire school in a district that sorts after Luton (e.g. Test Valley) cannot be
    // ruled out: the category 5/6 list is only known up to Luton.
    let test_valley = hants
        .iter()
        .find(|r| r.district.as_deref() == Some("Test Valley") && r.decision.outcome == Outcome::CannotTell)
        .expect("a Test Valley school judged 3 or 4");
    assert!(test_valley.decision.reason().contains("comes after Luton"), "{}", test_valley.decision.reason());

    // The programme team imports more of the list: Test Valley (as if it were listed).
    let extra = "achieving_excellence_area,lad17cd,lad17nm,dfe_la_code,dfe_la_name\nTest Valley,E07000093,Test Valley,850,Hampshire\n";
    let mut o = opts();
    o.area_set = Some("achieving-excellence-5".into());
    o.known_lads = Some(t.db.lad_codes().await.expect("lads"));
    let p = aspire_import::read_bytes("more.csv", extra.as_bytes(), &o).expect("area list");
    assert!(p.report.is_clean(), "{:?}", p.report.errors);
    import(&t.db, &p).await;
    let again =
        t.db.eligibility(&rules, d("2017-09-01"), Scope::Urns(&[test_valley.decision.urn])).await.expect("decide");
    assert_eq!(again[0].decision.outcome, Outcome::Eligible, "{}", again[0].decision.reason());

    // An area list with a district code the ONS lookup does not have is refused, with its line.
    let bad = "achieving_excellence_area,lad17cd,lad17nm\nNowhere,E07009999,Nowhere\n";
    let p = aspire_import::read_bytes("bad.csv", bad.as_bytes(), &o).expect("readable");
    assert_eq!(p.report.errors.len(), 1);
    let e = p.report.errors[0].to_string();
    assert!(e.starts_with("line 2, column lad17cd, value 'E07009999'") && e.contains("ONS"), "{e}");
    t.cleanup().await;
}

#[tokio::test]
async fn explaining_one_school_gives_every_check() {
    let t = TestDb::sqlite().await;
    for f in [
        "schools_england_2018_waiky8/england_spine_2017-2018.csv",
        "gias_links_england_2025/links_edubasealldata20250422.csv",
        "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
        "schools_england_2018_waiky8/school_details_2017-2018.csv",
    ] {
        import(&t.db, &parse(f)).await;
    }
    let rules = load_rule_set("tlif-2017", &opts()).expect("rules");
    let urn = Urn::parse("142175").expect("urn");
    let rows = t.db.eligibility(&rules, d("2017-09-01"), Scope::Urns(&[urn])).await.expect("decide");
    let dec = &rows[0].decision;
    assert_eq!(dec.findings.len(), 5, "type, open, phase, area, Ofsted");
    // Its own first inspection is in 2018; before that, its predecessor's Good of 2013 is used.
    let used = dec.inspection.as_ref().expect("an inspection");
    assert!(used.inherited);
    assert_eq!(used.record.inspection.urn.get(), 137359);
    assert!(used.record.source.is_some(), "the file it came from");
    assert_eq!(dec.outcome, Outcome::NotEligible);
    let after = t.db.eligibility(&rules, d("2018-09-01"), Scope::Urns(&[urn])).await.expect("decide");
    assert_eq!(after[0].decision.outcome, Outcome::Eligible, "its own RI of June 2018");
    t.cleanup().await;
}

/// The Hampshire and Surrey GIAS extract without its EstablishmentTypeGroup column.
fn gias_without_type_groups() -> aspire_import::Parsed {
    let path = crate::data_dir().join("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    let bytes = std::fs::read(&path).expect("bundled GIAS file");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let header = reader.headers().expect("header").clone();
    let drop: Vec<usize> =
        header.iter().enumerate().filter(|(_, h)| h.starts_with("EstablishmentTypeGroup")).map(|(i, _)| i).collect();
    assert!(!drop.is_empty(), "the bundled file has the group column");
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let keep = |r: &csv::StringRecord| -> Vec<String> {
        r.iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, v)| v.to_owned()).collect()
    };
    out.write_record(keep(&header)).expect("write");
    for r in reader.records() {
        out.write_record(keep(&r.expect("row"))).expect("write");
    }
    let stripped = out.into_inner().expect("bytes");
    aspire_import::read_bytes("edubase_hampshire_surrey_primary_20220420.csv", &stripped, &opts()).expect("readable")
}

#[tokio::test]
async fn a_gias_extract_without_type_groups_gives_the_same_eligible_schools() {
    let lookup = parse("ons_lad_lookups/LAD17_to_RGN17_England.csv");
    let full = parse("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    let stripped = gias_without_type_groups();
    assert!(stripped.report.is_clean(), "{:?}", stripped.report.errors);
    let rules = load_rule_set("tlif-2017", &opts()).expect("rules");
    let eligible = |rows: &[aspire_store::EligibilityRow]| -> BTreeSet<u32> {
        rows.iter().filter(|r| r.decision.outcome == Outcome::Eligible).map(|r| r.decision.urn.get()).collect()
    };
    for (t, u) in TestDb::all().await.into_iter().zip(TestDb::all().await) {
        for p in [&lookup, &full] {
            import(&t.db, p).await;
        }
        let with_groups = eligible(&t.db.eligibility(&rules, d("2022-04-01"), Scope::All).await.expect("decide"));
        t.cleanup().await;
        assert!(with_groups.len() >= 5, "Basingstoke and Havant schools judged 3 or 4: {with_groups:?}");

        for p in [&lookup, &stripped] {
            import(&u.db, p).await;
        }
        let rows = u.db.eligibility(&rules, d("2022-04-01"), Scope::All).await.expect("decide");
        assert_eq!(eligible(&rows), with_groups, "the type decides the group");
        assert!(
            rows.iter().any(|r| r.decision.outcome == Outcome::Eligible
                && r.decision.reason().contains("Local authority maintained schools")),
            "eligible as maintained schools"
        );
        let unknown_kind: Vec<_> =
            rows.iter().filter(|r| r.decision.reason().contains("does not say what kind of school")).collect();
        assert!(unknown_kind.is_empty(), "every school's kind is known from its type: {unknown_kind:?}");
        u.cleanup().await;
    }
}
