//! The DfE publishes the spine as XLSX: a workbook gives the same records as its CSV copy.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use aspire_core::dates::excel_serial;
use aspire_import::Format as FileFormat;

use crate::{data_dir, opts};

#[test]
fn spine_xlsx_matches_its_csv_copy() {
    let csv_path = data_dir().join("schools_england_2018_waiky8/england_spine_2017-2018.csv");
    let text = std::fs::read_to_string(&csv_path).expect("bundled spine");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    // Take rows without quotes (simple to split) and make sure some have dates.
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| !l.contains('"'))
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r.len() == header.len())
        .take(400)
        .collect();
    let date_cols: Vec<usize> =
        header.iter().enumerate().filter(|(_, h)| **h == "OPENDATE" || **h == "CLOSEDATE").map(|(i, _)| i).collect();
    assert!(rows.iter().any(|r| date_cols.iter().any(|&c| !r[c].is_empty())), "some dated rows");

    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("england").expect("sheet name");
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("write");
    }
    let mut csv_copy = header.join(",") + "\n";
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            if v.is_empty() {
                continue;
            }
            if date_cols.contains(&(c as usize)) {
                let d = excel_serial(v.parse().expect("serial")).expect("date");
                let dt = ExcelDateTime::parse_from_str(&d.to_string()).expect("excel date");
                sheet.write_datetime_with_format(r, c, &dt, &date_format).expect("write");
            } else if let Ok(n) = v.parse::<f64>() {
                // Numbers as spreadsheets hold them (URN, LA, flags, ages).
                if v.starts_with('0') && v.len() > 1 {
                    sheet.write_string(r, c, *v).expect("write");
                } else {
                    sheet.write_number(r, c, n).expect("write");
                }
            } else {
                sheet.write_string(r, c, *v).expect("write");
            }
        }
        csv_copy.push_str(&row.join(","));
        csv_copy.push('\n');
    }
    let bytes = book.save_to_buffer().expect("xlsx");

    let from_xlsx = aspire_import::read_bytes("2017-2018_england_spine.xlsx", &bytes, &opts()).expect("xlsx read");
    let from_csv = aspire_import::read_bytes("england_spine_2017-2018.csv", csv_copy.as_bytes(), &opts()).expect("csv");
    assert_eq!(from_xlsx.format, FileFormat::DfeSpine);
    assert!(from_xlsx.report.errors.is_empty(), "{:?}", from_xlsx.report.errors);
    assert_eq!(from_xlsx.report.rows_read, rows.len() as u64);
    assert_eq!(from_xlsx.records.schools, from_csv.records.schools);
    // Spreadsheet row numbers in messages: row 1 is the header.
    let mut broken = Workbook::new();
    let s = broken.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        s.write_string(0, c as u16, *h).expect("write");
    }
    s.write_string(1, 0, "100000").expect("write");
    s.write_string(2, 0, "not-a-urn").expect("write");
    let bytes = broken.save_to_buffer().expect("xlsx");
    let p = aspire_import::read_bytes("2017-2018_england_spine.xlsx", &bytes, &opts()).expect("xlsx read");
    assert_eq!(p.report.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3]);
}

#[test]
fn a_boolean_in_a_date_column_is_refused_not_read_as_1899() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in
        ["URN", "LA", "ESTAB", "LAESTAB", "SCHNAME", "OPENDATE", "ISPRIMARY", "ISSECONDARY"].iter().enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, urn) in [(1u32, 100_000.0), (2, 100_001.0)] {
        sheet.write_number(r, 0, urn).expect("urn");
        sheet.write_number(r, 1, 850.0).expect("la");
        sheet.write_number(r, 2, 2000.0 + f64::from(r)).expect("estab");
        sheet.write_number(r, 3, 8_502_000.0 + f64::from(r)).expect("laestab");
        sheet.write_string(r, 4, "A School").expect("name");
        sheet.write_boolean(r, 6, true).expect("flag");
        sheet.write_boolean(r, 7, false).expect("flag");
    }
    sheet.write_boolean(1, 5, true).expect("a boolean where a date belongs");
    sheet.write_formula(2, 5, "=1/0").expect("an error cell");
    let bytes = book.save_to_buffer().expect("workbook");
    let p = aspire_import::read_bytes("england_spine_2017-2018.xlsx", &bytes, &opts()).expect("readable");
    let errs: Vec<String> = p.report.errors.iter().map(ToString::to_string).collect();
    assert!(
        errs.iter().any(|e| e.starts_with("line 2, column OPENDATE, value 'TRUE'") && e.contains("not a date")),
        "{errs:?}"
    );
    // The formula's stored result (0, until a spreadsheet program recalculates it) is no date
    // either; the flags TRUE and FALSE are read as flags.
    assert!(errs.iter().any(|e| e.starts_with("line 3, column OPENDATE, value '0'")), "{errs:?}");
    assert_eq!(p.report.rows_rejected(), 2, "{errs:?}");
}
