//! Every bundled file is recognised and read without errors, with the values it holds.

use aspire_core::ks2::{Ks2Subject, Ks2Value, Measure, MissingReason};
use aspire_core::ofsted::{Concern, Grade};
use aspire_core::school::SchoolField;
use aspire_core::urn::Urn;
use aspire_core::value::Value;
use aspire_import::{Encoding, Format, Precedence, SourceRank};

use crate::{read, read_str};

fn urn(n: u32) -> Urn {
    Urn::try_from(n).expect("valid URN")
}

#[test]
fn every_bundled_file_is_recognised_and_clean() {
    let expected = [
        ("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv", Format::GiasEstablishments),
        ("gias_links_england_2025/links_edubasealldata20250422.csv", Format::GiasLinks),
        ("schools_england_2018_waiky8/england_spine_2017-2018.csv", Format::DfeSpine),
        ("schools_england_2018_waiky8/school_details_2017-2018.csv", Format::SchoolDetails),
        ("schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv", Format::OfstedHistory),
        ("schools_england_2018_waiky8/ks2_perf_2016-2017.csv", Format::Ks2PerUrn),
        ("ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv", Format::Ks2Results),
        ("ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv", Format::Ks2Results),
        ("ks2_hampshire_surrey_2017_2019/ks2_meta_2018-2019.csv", Format::Ks2Metadata),
        ("ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv", Format::LaCodes),
        ("ons_lad_lookups/LAD17_to_RGN17_England.csv", Format::LadLookup),
        ("ons_lad_lookups/LAD16_to_CTY16_England.csv", Format::LadLookup),
        ("reference/opportunity_areas_2017_transcribed.csv", Format::AreaList),
    ];
    for (file, format) in expected {
        let p = read(file);
        assert_eq!(p.format, format, "{file}");
        assert!(p.report.errors.is_empty(), "{file}: {:?}", &p.report.errors[..p.report.errors.len().min(5)]);
        assert!(p.report.rows_read > 0, "{file}");
        assert!(!p.records.is_empty(), "{file}");
        assert_eq!(p.sha256.len(), 64);
    }
}

#[test]
fn gias_extract_fields_locations_and_ratings() {
    let p = read("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    assert_eq!(p.encoding, Encoding::Utf8);
    let b = p.records.schools.as_ref().expect("schools");
    assert_eq!(
        b.precedence,
        Precedence::Ranked(SourceRank::register(chrono::NaiveDate::from_ymd_opt(2022, 4, 20).expect("date")))
    );
    assert_eq!(b.rows.len() as u64, p.report.rows_read);
    let col = |f: SchoolField| b.fields.iter().position(|&x| x == f).unwrap_or_else(|| panic!("{f:?} missing"));
    let alton = b.rows.iter().find(|r| r.urn == urn(115850)).expect("Alton Infant School");
    assert_eq!(alton.values[col(SchoolField::Name)], Some(Value::Text("Alton Infant School".into())));
    assert_eq!(alton.values[col(SchoolField::LaCode)], Some(Value::Int(850)));
    assert_eq!(alton.values[col(SchoolField::DistrictName)], Some(Value::Text("East Hampshire".into())));
    assert_eq!(alton.values[col(SchoolField::NumberOfPupils)], Some(Value::Int(138)));
    assert_eq!(alton.values[col(SchoolField::PercentageFsm)], Some(Value::Real(21.7)));
    assert_eq!(alton.values[col(SchoolField::Easting)], Some(Value::Real(472080.0)));
    let lat = alton.values[col(SchoolField::Latitude)].as_ref().and_then(Value::as_real).expect("latitude");
    let lon = alton.values[col(SchoolField::Longitude)].as_ref().and_then(Value::as_real).expect("longitude");
    assert!((lat - 51.149).abs() < 0.01 && (lon + 0.974).abs() < 0.01, "{lat}, {lon}");
    // OfstedLastInsp 23-01-2019, rating Good.
    let i = p.records.inspections.iter().find(|i| i.urn == urn(115850)).expect("inspection");
    assert_eq!(i.date.to_string(), "2019-01-23");
    assert_eq!(i.judgement.grade, Grade::Good);
    // Serious weaknesses and special measures are kept as categories of Inadequate.
    let concerns: Vec<_> = p.records.inspections.iter().filter_map(|i| i.judgement.concern).collect();
    assert!(concerns.contains(&Concern::SeriousWeaknesses) && concerns.contains(&Concern::SpecialMeasures));
    // LA names come along.
    let las = p.records.local_authorities.as_ref().expect("LAs");
    assert!(las.rows.iter().any(|l| l.code.get() == 936 && l.name.as_deref() == Some("Surrey")));
}

#[test]
fn spine_dates_are_excel_day_numbers_and_phase_is_derived() {
    let p = read("schools_england_2018_waiky8/england_spine_2017-2018.csv");
    let b = p.records.schools.as_ref().expect("schools");
    let col = |f: SchoolField| b.fields.iter().position(|&x| x == f).unwrap_or_else(|| panic!("{f:?}"));
    // Some school closes on day 43465 = 2018-12-31 in the national file; check the conversion on
    // whatever close dates the subset has: all must fall in 2017-2019.
    let closes: Vec<_> =
        b.rows.iter().filter_map(|r| r.values[col(SchoolField::CloseDate)].as_ref().and_then(Value::as_date)).collect();
    assert!(!closes.is_empty());
    assert!(closes.iter().all(|d| (2017..=2019).contains(&chrono::Datelike::year(d))), "{closes:?}");
    assert!(b.rows.iter().any(|r| r.values[col(SchoolField::Phase)] == Some(Value::Text("Primary".into()))));
    assert!(b.rows.iter().all(|r| r.values[col(SchoolField::Status)].is_some()));
}

#[test]
fn ofsted_history_conflict_is_reported_not_hidden() {
    let text = "URN,Rating,Inspection Date\n137699,Requires Improvement,20131204\n137699,Satisfactory,20131204\n\
                131288,Requires Improvement,20180306\n131288,Requires Improvement,20180306\n100000,Good,20050921\n";
    let p = read_str("ofsted.csv", text).expect("readable");
    assert!(p.report.errors.is_empty(), "{:?}", p.report.errors);
    assert_eq!(p.records.inspections.len(), 3);
    let w: Vec<String> = p.report.warnings.iter().map(ToString::to_string).collect();
    assert!(w.iter().any(|w| w.contains("137699") && w.contains("line 2") && w.contains("'Satisfactory'")), "{w:?}");
    assert!(w.iter().any(|w| w.starts_with("line 5") && w.contains("repeats line 4")), "{w:?}");
    // And the 2013 'Satisfactory' is an anachronism worth a warning of its own.
    assert!(w.iter().any(|w| w.contains("renamed grade 3")), "{w:?}");

    let text = "URN,Rating,Inspection Date\n137699,Good,20131204\n137699,Inadequate,20131204\n100000,Good,20050921\n";
    let p = read_str("ofsted.csv", text).expect("readable");
    let lines: Vec<u64> = p.report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3]);
    assert_eq!(p.report.rows_rejected(), 2);
    assert_eq!(p.records.inspections.len(), 1, "neither conflicting rating is kept");
}

#[test]
fn ks2final_keeps_dfe_codes_and_area_rows() {
    let p = read("ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la850.csv");
    assert_eq!(p.encoding, Encoding::Utf8WithBom);
    let b = p.records.ks2.as_ref().expect("ks2");
    let i = |m: Measure| b.measures.iter().position(|&x| x == m).unwrap_or_else(|| panic!("{m:?}"));
    assert!(b.rows.iter().all(|r| r.year.to_string() == "2017/18"));
    let england = b.rows.iter().find(|r| r.subject == Ks2Subject::EnglandStateFunded).expect("RECTYPE 5");
    assert!(matches!(england.values[i(Measure::RwmExpected)], Some(Ks2Value::Value(x)) if (50.0..80.0).contains(&x)));
    // Progress is blank on national rows: not given, not zero.
    assert_eq!(england.values[i(Measure::ReadingProgress)], None);
    assert!(b.rows.iter().any(|r| r.subject == Ks2Subject::EnglandAll));
    assert!(b.rows.iter().any(|r| r.subject == Ks2Subject::LocalAuthority(850)));
    let supp = b
        .rows
        .iter()
        .flat_map(|r| r.values.iter())
        .filter(|v| **v == Some(Ks2Value::Missing(MissingReason::Suppressed)))
        .count();
    assert!(supp > 100, "SUPP cells kept as reasons: {supp}");
    assert!(b.rows.iter().flat_map(|r| r.values.iter()).all(|v| *v != Some(Ks2Value::Value(f64::NAN))));
}

#[test]
fn per_urn_results_map_to_dfe_measures() {
    let p = read("schools_england_2018_waiky8/ks2_perf_2016-2017.csv");
    let b = p.records.ks2.as_ref().expect("ks2");
    assert!(b.rows.iter().all(|r| r.year.to_string() == "2016/17"), "Academic Year 2017 is 2016/17");
    for m in [Measure::RwmExpected, Measure::ReadingProgress, Measure::GpsAverage, Measure::MathsHigher] {
        assert!(b.measures.contains(&m), "{m:?}");
    }
}

#[test]
fn results_file_without_a_year_is_refused_unless_given_one() {
    let text = "RECTYPE,URN,READPROG\n1,100000,1.5\n";
    let e = read_str("ks2final.csv", text).expect_err("an error");
    assert!(e.to_string().contains("--year"), "{e}");
    let mut o = crate::opts();
    o.year = Some(aspire_core::year::AcademicYear::parse("2018/19").expect("year"));
    let p = aspire_import::read_bytes("ks2final.csv", text.as_bytes(), &o).expect("with --year");
    assert_eq!(p.records.ks2.expect("ks2").rows[0].year.to_string(), "2018/19");
}

#[test]
fn links_in_windows_1252() {
    let p = read("gias_links_england_2025/links_edubasealldata20250422.csv");
    assert!(matches!(p.encoding, Encoding::Windows1252 | Encoding::Utf8));
    let l = p.records.links.iter().find(|l| l.urn == urn(143966) && l.link_urn == urn(133771)).expect("link");
    assert_eq!(l.link_type, "Predecessor");
    assert_eq!(l.established.map(|d| d.to_string()).as_deref(), Some("2017-02-01"));
}

#[test]
fn gias_subset_with_codes_windows_1252_and_slashed_dates() {
    // A field-picker download: codes only for type/status/phase, cp1252 name, dd/mm/yyyy dates.
    let mut bytes = b"URN,EstablishmentName,TypeOfEstablishment (code),EstablishmentStatus (code),PhaseOfEducation (code),OpenDate,LA (code)\r\n".to_vec();
    bytes.extend_from_slice(b"143966,St Thomas \xE0 Becket Academy,34,1,2,01/02/2017,882\r\n");
    let p = aspire_import::read_bytes("gias.csv", &bytes, &crate::opts()).expect("readable");
    assert_eq!(p.format, Format::GiasEstablishments);
    assert_eq!(p.encoding, Encoding::Windows1252);
    assert!(p.report.errors.is_empty(), "{:?}", p.report.errors);
    let b = p.records.schools.expect("schools");
    let get = |f: SchoolField| b.rows[0].values[b.fields.iter().position(|&x| x == f).expect("field")].clone();
    assert_eq!(get(SchoolField::Name), Some(Value::Text("St Thomas à Becket Academy".into())));
    assert_eq!(get(SchoolField::TypeName), Some(Value::Text("Academy converter".into())));
    assert_eq!(get(SchoolField::Status), Some(Value::Text("Open".into())));
    assert_eq!(get(SchoolField::Phase), Some(Value::Text("Primary".into())));
    assert_eq!(get(SchoolField::OpenDate), Some(Value::Date(chrono::NaiveDate::from_ymd_opt(2017, 2, 1).expect("d"))));
    assert_eq!(get(SchoolField::LaCode), Some(Value::Int(882)));
    // No group column: the type (code 34) says the group.
    assert_eq!(get(SchoolField::TypeGroup), Some(Value::Text("Academies".into())));
    // No Easting/Northing: no location fields at all, so none are overwritten.
    assert!(!b.fields.contains(&SchoolField::Latitude));
}

#[test]
fn the_type_group_comes_from_the_type_when_the_extract_has_no_group_column() {
    let text =
        "URN,TypeOfEstablishment (name)\n100001,Community school\n100002,Academy sponsor led\n100003,Something new\n";
    let p = aspire_import::read_bytes("gias.csv", text.as_bytes(), &crate::opts()).expect("readable");
    assert!(p.report.is_clean(), "{:?}", p.report.errors);
    let b = p.records.schools.expect("schools");
    let group = b.fields.iter().position(|&x| x == SchoolField::TypeGroup).expect("a derived group");
    let groups: Vec<Option<Value>> = b.rows.iter().map(|r| r.values[group].clone()).collect();
    assert_eq!(
        groups,
        [Some(Value::Text("Local authority maintained schools".into())), Some(Value::Text("Academies".into())), None,],
        "an unknown type leaves the group unknown, not guessed"
    );
    // With the group column, the file's own group is kept.
    let text =
        "URN,TypeOfEstablishment (name),EstablishmentTypeGroup (name)\n100001,Community school,Special schools\n";
    let p = aspire_import::read_bytes("gias.csv", text.as_bytes(), &crate::opts()).expect("readable");
    let b = p.records.schools.expect("schools");
    let groups: Vec<&SchoolField> = b.fields.iter().filter(|&&f| f == SchoolField::TypeGroup).collect();
    assert_eq!(groups.len(), 1);
    let at = b.fields.iter().position(|&x| x == SchoolField::TypeGroup).expect("group");
    assert_eq!(b.rows[0].values[at], Some(Value::Text("Special schools".into())));
}
