//! Mutated real files: whatever the bytes, reading a file gives records and a report, or a file
//! error, and never panics; every problem it reports names a line of the file.
//!
//! The seeds are the first rows of each bundled public file (and a spreadsheet made from one);
//! each case applies a few mutations of the kinds a bad download, a spreadsheet program or an
//! attacker produces. `PROPTEST_CASES` sets how many cases run (`.ci/run` runs more than the
//! default).

use std::sync::OnceLock;

use proptest::prelude::*;

use crate::{data_dir, opts};

/// (file name, bytes): the header and first rows of every bundled CSV file.
fn seeds() -> &'static [(String, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(data_dir()).expect("data folder").flatten().collect();
        dirs.sort_by_key(|d| d.path());
        for dir in dirs.iter().filter(|d| d.path().is_dir()) {
            let mut files: Vec<_> = std::fs::read_dir(dir.path()).expect("data subfolder").flatten().collect();
            files.sort_by_key(|f| f.path());
            for f in files {
                let name = f.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".csv") {
                    continue;
                }
                let bytes = std::fs::read(f.path()).expect("data file");
                // Thirty lines keep every case fast and still hold school, LA and England rows
                // for the files that start with them.
                let cut =
                    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(30).map_or(bytes.len(), |(i, _)| i + 1);
                out.push((name, bytes[..cut].to_vec()));
            }
        }
        out.push(("england_spine_2017-2018.xlsx".to_owned(), spine_workbook()));
        out
    })
}

/// A small spreadsheet in the spine's shape, with typed cells (numbers, dates, a boolean).
fn spine_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in ["URN", "LA", "ESTAB", "LAESTAB", "SCHNAME", "OPENDATE", "ISPRIMARY", "AGEL"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for r in 1..6u32 {
        sheet.write_number(r, 0, f64::from(100_000 + r)).expect("urn");
        sheet.write_number(r, 1, 850.0).expect("la");
        sheet.write_number(r, 2, f64::from(2000 + r)).expect("estab");
        sheet.write_number(r, 3, f64::from(8_502_000 + r)).expect("laestab");
        sheet.write_string(r, 4, format!("School {r}")).expect("name");
        let d = ExcelDateTime::from_ymd(2010, 9, 1).expect("date");
        sheet.write_datetime_with_format(r, 5, &d, &date).expect("open date");
        sheet.write_boolean(r, 6, r % 2 == 0).expect("flag");
        sheet.write_number(r, 7, 4.0).expect("age");
    }
    book.save_to_buffer().expect("workbook")
}

/// Text that has broken importers: multi-byte characters where digits are expected, full-width
/// letters, escapes, absurd numbers and dates, DfE codes in odd places.
const NASTY: &[&str] = &[
    "201é8",
    "2018/1é",
    "ＯＲ",
    "２０１８",
    "201é001",
    "é",
    "\u{0}",
    "\u{1b}[31mred\u{1b}[0m",
    "\u{7f}",
    "\u{202e}evil",
    "-99999999999",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "inf",
    "-0",
    "01-01-2999",
    "31-02-2019",
    "00000000",
    "2958466",
    "0",
    "SUPP",
    "NE",
    "LOWCOV",
    "63%",
    "%",
    "1.2.3",
    "TRUE",
    "=HYPERLINK(\"x\")",
    "\"",
    "\"\"",
    ",",
    "\r\n",
    "",
    " ",
    "1",
    "3",
    "E07000117",
    "850",
    "Requires improvement",
    "Serious Weaknesses",
    "2018-19",
    "20180931",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Overwrite one byte.
    Byte { at: usize, value: u8 },
    /// Insert one of the nasty strings (or a stray byte) somewhere.
    Insert { at: usize, what: Vec<u8> },
    /// Cut the file short, anywhere.
    Truncate { at: usize },
    /// Replace one cell of one line.
    Cell { line: usize, cell: usize, what: String },
    /// Repeat a line (a duplicate row).
    RepeatLine { line: usize },
    /// Remove a line.
    DropLine { line: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let nasty = proptest::sample::select(NASTY).prop_map(str::to_owned);
    let stray = prop_oneof![
        Just(vec![0xFF]),
        Just(vec![0xC3]),
        Just(vec![0x00]),
        Just(vec![0xE0]),
        Just(b"\xEF\xBB\xBF".to_vec()),
        proptest::sample::select(NASTY).prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Byte { at, value }),
        (any::<usize>(), stray).prop_map(|(at, what)| Mutation::Insert { at, what }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<usize>(), nasty.clone()).prop_map(|(line, cell, what)| Mutation::Cell {
            line,
            cell,
            what
        }),
        (any::<usize>(), any::<usize>(), nasty).prop_map(|(line, cell, what)| Mutation::Cell { line, cell, what }),
        any::<usize>().prop_map(|line| Mutation::RepeatLine { line }),
        any::<usize>().prop_map(|line| Mutation::DropLine { line }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let n = bytes.len();
    match m {
        Mutation::Byte { at, value } => bytes[at % n] = *value,
        Mutation::Insert { at, what } => {
            let at = at % (n + 1);
            bytes.splice(at..at, what.iter().copied());
        }
        Mutation::Truncate { at } => bytes.truncate(at % n),
        Mutation::Cell { line, cell, what } => {
            let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let li = line % lines.len();
            let mut cells: Vec<Vec<u8>> = lines[li].split(|b| *b == b',').map(<[u8]>::to_vec).collect();
            let ci = cell % cells.len();
            cells[ci] = what.as_bytes().to_vec();
            lines[li] = cells.join(&b","[..]);
            *bytes = lines.join(&b"\n"[..]);
        }
        Mutation::RepeatLine { line } | Mutation::DropLine { line } => {
            let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            // The header stays: these mutate the rows.
            if lines.len() < 2 {
                return;
            }
            let li = 1 + line % (lines.len() - 1);
            if matches!(m, Mutation::RepeatLine { .. }) {
                let copy = lines[li].clone();
                lines.insert(li, copy);
            } else {
                lines.remove(li);
            }
            *bytes = lines.join(&b"\n"[..]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_never_panic(seed in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        let seeds = seeds();
        let (name, original) = &seeds[seed % seeds.len()];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        match aspire_import::read_bytes(name, &bytes, &opts()) {
            Ok(parsed) => {
                for issue in parsed.report.errors.iter().chain(&parsed.report.warnings) {
                    // Spreadsheets count rows, CSV files lines: either way within the file.
                    prop_assert!(issue.line <= lines.max(64), "{name}: line {} of {lines}: {issue}", issue.line);
                    let _ = issue.to_string();
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// A cell of a generated spreadsheet.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Number(f64),
    Flag(bool),
    Date(u16, u8, u8),
    Blank,
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        proptest::sample::select(NASTY).prop_map(|s| Cell::Text(s.to_owned())),
        any::<f64>().prop_map(Cell::Number),
        (-1e6f64..1e6).prop_map(Cell::Number),
        any::<bool>().prop_map(Cell::Flag),
        (1900u16..9999, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Cell::Date(y, m, d)),
        Just(Cell::Blank),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Spreadsheets whose cells hold any type where a column expects another: booleans in date
    /// columns, dates in number columns, absurd numbers.
    #[test]
    fn spreadsheets_with_any_cells_never_panic(rows in proptest::collection::vec(proptest::collection::vec(cell(), 8), 1..6)) {
        use rust_xlsxwriter::{ExcelDateTime, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["URN", "LA", "ESTAB", "LAESTAB", "SCHNAME", "OPENDATE", "ISPRIMARY", "AGEL"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                // rust_xlsxwriter refuses some values (NaN, dates out of its range): skip those cells.
                let _ = match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
                    Cell::Number(x) => sheet.write_number(r, c, *x).map(|_| ()),
                    Cell::Flag(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                    Cell::Date(y, m, d) => match ExcelDateTime::from_ymd(*y, *m, *d) {
                        Ok(dt) => sheet.write_datetime(r, c, &dt).map(|_| ()),
                        Err(e) => Err(e),
                    },
                    Cell::Blank => Ok(()),
                };
            }
        }
        let bytes = book.save_to_buffer().expect("workbook");
        match aspire_import::read_bytes("england_spine_2017-2018.xlsx", &bytes, &opts()) {
            Ok(parsed) => {
                for issue in parsed.report.errors.iter().chain(&parsed.report.warnings) {
                    let _ = issue.to_string();
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}
