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

/// A staff-list workbook with a header and one teacher, and whatever `more` adds.
fn staff_book(more: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["email", "name", "role", "urn"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (c, v) in ["t@school.example", "A Teacher", "teacher", "105626"].iter().enumerate() {
        sheet.write_string(1, c as u16, *v).expect("row");
    }
    more(sheet);
    book.save_to_buffer().expect("workbook")
}

fn too_large(r: Result<aspire_import::StaffList, aspire_import::FileError>) -> String {
    match r {
        Err(aspire_import::FileError::TooLarge(why)) => why,
        Err(e) => panic!("expected too large, got {e}"),
        Ok(_) => panic!("expected too large, got a staff list"),
    }
}

#[test]
fn a_sheet_whose_cells_lie_far_apart_is_refused_before_a_grid_is_built() {
    // Read as a grid, these two cells would ask for 17 billion cells (the process would abort).
    let far = staff_book(|s| {
        s.write_string(1_048_575, 16_383, "x").expect("far cell");
    });
    assert!(far.len() < 20_000, "a small file: {} bytes", far.len());
    let why = too_large(aspire_import::read_staff_list("staff.xlsx", &far));
    assert!(why.contains("column 16384") && why.contains("at most 100 columns"), "{why}");

    let low = staff_book(|s| {
        s.write_string(900_000, 1, "x").expect("low cell");
    });
    let why = too_large(aspire_import::read_staff_list("staff.xlsx", &low));
    assert!(why.contains("row 900001") && why.contains("at most 20,000 rows"), "{why}");

    // Wide and long at once: every row as wide as the sheet would be 2 million cells.
    let wide = staff_book(|s| {
        for r in 2..20_000u32 {
            s.write_string(r, 0, "x").expect("cell");
        }
        s.write_string(2, 99, "far right").expect("cell");
    });
    let why = too_large(aspire_import::read_staff_list("staff.xlsx", &wide));
    assert!(why.contains("1,000,000 cells"), "{why}");

    // The same shapes inside the limits are read.
    let near = staff_book(|s| {
        s.write_string(30, 6, "note").expect("note");
    });
    let list = aspire_import::read_staff_list("staff.xlsx", &near).expect("read");
    assert_eq!(list.rows.len(), 1, "the note row has no email and is reported, the teacher is read");
}

#[test]
fn a_workbook_that_declares_billions_of_shared_strings_is_refused() {
    use std::io::{Read as _, Write as _};
    let bytes = staff_book(|_| {});
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut found = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").into_owned();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).expect("read entry");
        if name.ends_with("sharedStrings.xml") {
            let text = String::from_utf8(body).expect("xml");
            let at = text.find("uniqueCount=\"").expect("a count") + "uniqueCount=\"".len();
            let end = at + text[at..].find('"').expect("end");
            body = format!("{}100000000000{}", &text[..at], &text[end..]).into_bytes();
            found = true;
        }
        out.start_file(
            name,
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
        )
        .expect("start");
        out.write_all(&body).expect("write");
    }
    assert!(found, "the workbook has shared strings");
    let lying = out.finish().expect("finish").into_inner();
    let why = too_large(aspire_import::read_staff_list("staff.xlsx", &lying));
    assert!(why.contains("100000000000 shared strings"), "{why}");
}
