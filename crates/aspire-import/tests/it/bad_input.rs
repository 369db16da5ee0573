//! Bad input: every problem named with its line, column, value and reason.

use aspire_import::FileError;

use crate::read_str;

const GIAS_HEADER: &str = "\"URN\",\"EstablishmentName\",\"OpenDate\",\"NumberOfPupils\"\n";

#[test]
fn corrupted_gias_rows_are_each_reported() {
    let text = format!(
        "{GIAS_HEADER}100000,Good School,01-09-2010,200\n\
         10000X,Bad URN School,01-09-2010,200\n\
         100002,Impossible Date School,31-02-2019,200\n\
         100003,Short Row School\n\
         100004,Long Row School,01-09-2010,200,extra\n\
         100005,Pupils School,01-09-2010,lots\n\
         100006,Another Good School,,\n"
    );
    let p = read_str("edubase.csv", &text).expect("readable");
    let errs: Vec<String> = p.report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(p.report.rows_read, 7);
    assert_eq!(p.report.rows_rejected(), 5, "{errs:#?}");
    assert!(errs[0].starts_with("line 3, column URN, value '10000X'") && errs[0].contains("six-digit"), "{}", errs[0]);
    assert!(
        errs[1].starts_with("line 4, column OpenDate, value '31-02-2019'") && errs[1].contains("not a real date"),
        "{}",
        errs[1]
    );
    assert!(errs[2].starts_with("line 5") && errs[2].contains("2 columns but the header has 4"), "{}", errs[2]);
    assert!(errs[3].starts_with("line 6") && errs[3].contains("5 columns"), "{}", errs[3]);
    assert!(errs[4].starts_with("line 7, column NumberOfPupils, value 'lots'"), "{}", errs[4]);
    // The good rows are still read, for --skip-invalid.
    let schools = p.records.schools.expect("schools");
    assert_eq!(schools.rows.len(), 2);
}

#[test]
fn conflicting_school_rows_reject_both_lines() {
    let text = format!("{GIAS_HEADER}100000,A,,1\n100000,B,,1\n100001,C,,1\n100001,C,,1\n");
    let p = read_str("edubase.csv", &text).expect("readable");
    let lines: Vec<u64> = p.report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3]);
    assert_eq!(p.records.schools.expect("schools").rows.len(), 1, "the exact repeat is written once");
    assert_eq!(p.report.warnings.len(), 1);
}

#[test]
fn unknown_formats_and_headers_are_explained() {
    let e = read_str("x.csv", "Colour,Size\nred,3\n").expect_err("an error");
    assert!(matches!(e, FileError::UnknownFormat { .. }));
    let msg = e.to_string();
    assert!(msg.contains("Colour, Size") && msg.contains("GIAS establishment extract"), "{msg}");

    let e = read_str("x.csv", "").expect_err("an error");
    assert!(matches!(e, FileError::Empty), "{e}");

    let e = read_str("edubase.csv", "URN,EstablishmentName,EstablishmentName\n100000,A,B\n").expect_err("an error");
    assert!(e.to_string().contains("appears twice"), "{e}");

    let e = read_str("edubase.csv", "URN,EstablishmentName,Easting\n100000,A,400000\n").expect_err("an error");
    assert!(e.to_string().contains("Easting and Northing"), "{e}");
}

#[test]
fn grid_references_out_of_range_or_half_given() {
    let text = "URN,EstablishmentName,Easting,Northing\n100000,A,472080,139716\n100001,B,-5,139716\n100002,C,472080,\n100003,D,,\n";
    let p = read_str("edubase.csv", text).expect("readable");
    let lines: Vec<u64> = p.report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4], "{:?}", p.report.errors);
}

#[test]
fn a_missing_value_is_never_a_zero() {
    let text =
        "URN,KS2 Pupils,Reading Progress,Overall Meet Std,Academic Year\n100000,,LOWCOV,,2017\n100001,0,0,0%,2017\n";
    let p = read_str("ks2.csv", text).expect("readable");
    let b = p.records.ks2.expect("ks2");
    use aspire_core::ks2::{Ks2Value, MissingReason};
    assert_eq!(b.rows[0].values, vec![None, Some(Ks2Value::Missing(MissingReason::LowCoverage)), None]);
    assert_eq!(b.rows[1].values, vec![Some(Ks2Value::Value(0.0)); 3]);
}

#[test]
fn unrecognised_dfe_codes_are_errors() {
    let text = "URN,KS2 Pupils,Reading Progress,Academic Year\n100000,12,DNS,2017\n";
    let p = read_str("ks2.csv", text).expect("readable");
    let e = p.report.errors[0].to_string();
    assert!(e.contains("column Reading Progress, value 'DNS'") && e.contains("progress score"), "{e}");
}

#[test]
fn a_broken_quote_is_reported_on_its_line() {
    let text = "URN,Rating,Inspection Date\n100000,Good,20050921\n100001,\"Good,20050921\n";
    let p = read_str("ofsted.csv", text).expect("readable");
    assert!(!p.report.is_clean());
    assert_eq!(p.report.errors[0].line, 3, "{:?}", p.report.errors);
}

#[test]
fn a_results_file_cut_inside_a_row_is_refused() {
    let full = std::fs::read(crate::data_dir().join("ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv"))
        .expect("file");
    let whole = aspire_import::read_bytes("ks2final_2018-2019_la850.csv", &full, &crate::opts()).expect("readable");
    assert!(whole.report.is_clean(), "the real file, which has no line end after its last row, reads clean");
    // Line 50 of the file: a school row of 318 cells.
    let starts: Vec<usize> = full.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
    let (from, to) = (starts[48], starts[49] - 1);
    let text = String::from_utf8_lossy(&full[from..to]).into_owned();
    assert!(text.contains("115897"), "line 50 is URN 115897's row: {text}");
    for cut in [from + 12, from + 40, from + (to - from) / 3, from + (to - from) / 2, to - 30, to - 3] {
        let p =
            aspire_import::read_bytes("ks2final_2018-2019_la850.csv", &full[..cut], &crate::opts()).expect("readable");
        let errs: Vec<String> = p.report.errors.iter().map(ToString::to_string).collect();
        assert!(
            errs.iter().any(|e| e.starts_with("line 50") && e.contains("looks cut short")),
            "cut at byte {cut}: {errs:?}"
        );
    }
    // A short school row that does end with a line end is DfE's way of leaving off blank cells.
    let shortened = format!("{}\n", String::from_utf8_lossy(&full[..from + 60]));
    let p = aspire_import::read_bytes("ks2final_2018-2019_la850.csv", shortened.as_bytes(), &crate::opts())
        .expect("readable");
    assert!(p.report.errors.iter().all(|e| e.line != 50), "{:?}", p.report.errors);
}

#[test]
fn one_bad_byte_in_a_utf8_file_is_located_and_does_not_change_the_encoding() {
    let mut bytes = "URN,EstablishmentName\n100000,St Thomas à Becket\n100001,Caf".as_bytes().to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b" School\n");
    let p = aspire_import::read_bytes("edubase.csv", &bytes, &crate::opts()).expect("readable");
    assert_eq!(p.encoding, aspire_import::Encoding::Utf8);
    let names: Vec<String> = p
        .records
        .schools
        .expect("schools")
        .rows
        .iter()
        .filter_map(|r| r.values[0].as_ref().and_then(|v| v.as_text().map(str::to_owned)))
        .collect();
    assert_eq!(names, ["St Thomas à Becket", "Cafÿ School"]);
    let w: Vec<String> = p.report.warnings.iter().map(ToString::to_string).collect();
    assert!(w.iter().any(|w| w.starts_with("line 3") && w.contains("0xFF") && w.contains("Cafÿ School")), "{w:?}");
}

#[test]
fn impossible_values_are_refused_with_their_range() {
    let text = "URN,EstablishmentName,StatutoryLowAge,StatutoryHighAge,OpenDate,PercentageFSM\n\
                100000,Minus Ages,-99999999999,11,01-09-2010,20\n\
                100001,Far Future,4,11,01-01-2999,20\n\
                100002,Ancient,4,11,01-01-1700,20\n\
                100003,Too Many Meals,4,11,01-09-2010,140\n\
                100004,Proposed To Open,4,11,01-09-2029,20\n\
                100005,College,16,99,01-09-2010,20\n";
    let p = read_str("edubase.csv", text).expect("readable");
    let errs: Vec<String> = p.report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(p.report.rows_rejected(), 4, "{errs:#?}");
    assert!(
        errs[0].starts_with("line 2, column StatutoryLowAge, value '-99999999999'") && errs[0].contains("0 and 99")
    );
    assert!(errs[1].starts_with("line 3, column OpenDate, value '01-01-2999'") && errs[1].contains("01-01-1800"));
    assert!(errs[2].starts_with("line 4, column OpenDate"), "{}", errs[2]);
    assert!(errs[3].starts_with("line 5, column PercentageFSM") && errs[3].contains("between 0 and 100"));
    assert_eq!(p.records.schools.expect("schools").rows.len(), 2, "a school proposed to open, and a college");
}

#[test]
fn control_characters_are_removed_from_text_with_a_warning() {
    let text = "URN,EstablishmentName,Town\n100000,\"Green\u{0} Lane\u{1b}[2J Primary\",\u{202e}Leeds\n";
    let p = read_str("edubase.csv", text).expect("readable");
    assert!(p.report.is_clean(), "{:?}", p.report.errors);
    let row = &p.records.schools.expect("schools").rows[0];
    let texts: Vec<&str> = row.values.iter().filter_map(|v| v.as_ref().and_then(|v| v.as_text())).collect();
    assert_eq!(texts, ["Green Lane[2J Primary", "Leeds"]);
    let w: Vec<String> = p.report.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].starts_with("line 2, column EstablishmentName") && w[0].contains("control characters"), "{w:?}");
}

#[test]
fn inspections_before_ofsted_or_after_today_are_refused() {
    let text = "URN,Rating,Inspection Date\n100000,Good,19850101\n100001,Good,20300101\n100002,Good,20150101\n";
    let p = read_str("ofsted.csv", text).expect("readable");
    let errs: Vec<String> = p.report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("01-09-1992") && errs[1].starts_with("line 3"), "{errs:?}");
    assert_eq!(p.records.inspections.len(), 1);
}
