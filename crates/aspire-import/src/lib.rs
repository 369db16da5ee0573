//! Readers for England's public school data files.
//!
//! Each file's format is recognised from its header ([`Format::detect`]); its rows become
//! domain records ([`Records`]) and every problem becomes a [`RowIssue`] with the line, column,
//! value and reason. Nothing here writes anywhere: `aspire-store` decides whether a file is clean
//! enough to write, and writes it in one transaction.
//!
//! Rules every format follows:
//! - a blank cell is "not given" (`None`), never zero; DfE codes such as SUPP are kept as reasons;
//! - a row with any bad cell is rejected whole, and every bad cell of it is reported;
//! - two rows about the same thing (same URN; URN and date; URN and year) are reported: identical
//!   ones are noted and written once, different ones are errors on both lines.

mod attendance;
mod cells;
mod cohort;
mod formats;
mod programmes;
mod records;
mod report;
mod source;
mod staff;
mod term_dates;

use std::path::Path;

use chrono::NaiveDate;

use aspire_core::year::AcademicYear;

pub use attendance::{DayRef, SignInRow, SignInSheet, read_sign_in_sheet};
pub use cohort::{CohortFile, read_cohort};
pub use formats::Format;
pub use programmes::{
    LoadedRuleSet, ProgrammeError, bundled_ids, load_rule_set, load_template, template_ids, templates,
};
pub use records::*;
pub use report::{Report, RowIssue, one_line};
pub use source::{Encoding, IMPORT_LIMITS, Limits, STAFF_LIMITS};
pub use staff::{StaffList, StaffRow, read_staff_list};
pub use term_dates::{CLOSURE_REASON_CHARS, ClosureRow, TermDatesFile, TermRow, read_term_dates};

/// A problem with a whole file: nothing of it can be imported.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty (no header row)")]
    Empty,
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    #[error(
        "the file's columns do not match any format Aspire knows. Its first columns are: {seen}. Known formats: {known}"
    )]
    UnknownFormat { seen: String, known: String },
    #[error("this looks like {format}, but {problem}")]
    Header { format: &'static str, problem: String },
    #[error(
        "cannot tell which academic year {format} is for: put the year in the file name (e.g. ..._2018-2019.csv) or pass --year 2018/19"
    )]
    UnknownYear { format: &'static str },
    #[error("Aspire failed while reading it ({0}); this is a fault in Aspire, not in the file: please report it")]
    Internal(String),
    #[error("the file is too large to read: {0}")]
    TooLarge(String),
}

/// Runs a reader so that a fault in it (a panic) becomes a [`FileError::Internal`] for that
/// file: the caller reports it, goes on with the next file and exits with an error, instead of
/// losing the file without a word.
pub fn guarded<T>(read: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(r) => r,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Err(FileError::Internal(why))
        }
    }
}

/// Choices the user makes for an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Academic year of a results file whose name does not say it.
    pub year: Option<AcademicYear>,
    /// Name of the area set an area list belongs to (default: the file name without extension).
    pub area_set: Option<String>,
    /// Today's date, used only when a register file carries no date of its own.
    pub today: NaiveDate,
    /// District (LAD) codes known from the ONS lookups already imported; an area list naming
    /// any other code is refused. `None`: no lookup imported, codes only checked for form.
    pub known_lads: Option<std::collections::HashSet<String>>,
}

impl ImportOptions {
    pub fn new(today: NaiveDate) -> Self {
        ImportOptions { year: None, area_set: None, today, known_lads: None }
    }
}

/// A file read and checked, ready to be written.
#[derive(Debug)]
pub struct Parsed {
    pub file_name: String,
    pub format: Format,
    pub encoding: Encoding,
    pub sha256: String,
    pub records: Records,
    pub report: Report,
}

/// Reads and checks a file from disk.
pub fn read_file(path: &Path, opts: &ImportOptions) -> Result<Parsed, FileError> {
    let bytes = std::fs::read(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    read_bytes(&name, &bytes, opts)
}

/// Reads and checks a file's contents; `name` is its file name (it may carry the year or date).
pub fn read_bytes(name: &str, bytes: &[u8], opts: &ImportOptions) -> Result<Parsed, FileError> {
    let source = source::Source::from_bytes(name, bytes)?;
    let format = Format::detect(&source.headers).ok_or_else(|| FileError::UnknownFormat {
        seen: source.headers.iter().take(8).collect::<Vec<_>>().join(", "),
        known: Format::ALL.iter().map(|f| f.describe()).collect::<Vec<_>>().join("; "),
    })?;
    let (records, report) = formats::parse(format, name, &source, opts)?;
    Ok(Parsed {
        file_name: name.to_owned(),
        format,
        encoding: source.encoding,
        sha256: source.sha256.clone(),
        records,
        report,
    })
}

/// The date a file's data is as of, from its name: an 8-digit date (GIAS: `..._20220420.csv`) or
/// an academic year (`..._2017-2018.csv`, taken as its last day).
pub fn date_in_name(name: &str) -> Option<NaiveDate> {
    let digits: Vec<(usize, &str)> = digit_runs(name);
    for &(_, run) in &digits {
        if run.len() == 8
            && let Ok(d) = NaiveDate::parse_from_str(run, "%Y%m%d")
            && (1990..=2100).contains(&chrono::Datelike::year(&d))
        {
            return Some(d);
        }
    }
    year_in_name(name).map(AcademicYear::last_day)
}

/// The academic year in a file name: "2018-2019", "2018_2019", "2018-19" or "201819".
pub fn year_in_name(name: &str) -> Option<AcademicYear> {
    let runs = digit_runs(name);
    for w in runs.windows(2) {
        let ((i, a), (j, b)) = (w[0], w[1]);
        // Two runs separated by one character, e.g. 2018-2019 or 2018_19.
        if a.len() == 4
            && j == i + a.len() + 1
            && (b.len() == 4 || b.len() == 2)
            && let Ok(y) = AcademicYear::parse(&format!("{a}/{b}"))
        {
            return Some(y);
        }
    }
    runs.iter().find(|(_, r)| r.len() == 6).and_then(|(_, r)| AcademicYear::parse(r).ok())
}

fn digit_runs(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                out.push((st, &s[st..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_while_reading_is_an_error_for_that_file() {
        let e = guarded::<()>(|| panic!("index out of bounds")).expect_err("an error");
        assert!(matches!(&e, FileError::Internal(m) if m == "index out of bounds"), "{e}");
        assert!(e.to_string().contains("fault in Aspire"), "{e}");
        assert_eq!(guarded(|| Ok(3)).ok(), Some(3));
    }

    #[test]
    fn dates_and_years_in_file_names() {
        assert_eq!(
            date_in_name("edubase_hampshire_surrey_primary_20220420.csv").map(|d| d.to_string()),
            Some("2022-04-20".into())
        );
        assert_eq!(year_in_name("ks2final_2018-2019_la850.csv").map(|y| y.to_string()), Some("2018/19".into()));
        assert_eq!(year_in_name("2017-2018_england_spine.xlsx").map(|y| y.to_string()), Some("2017/18".into()));
        assert_eq!(year_in_name("england_ks2final_2018_19.csv").map(|y| y.to_string()), Some("2018/19".into()));
        assert_eq!(date_in_name("england_spine_2017-2018.csv").map(|d| d.to_string()), Some("2018-08-31".into()));
        assert_eq!(year_in_name("ks2final.csv"), None);
        assert_eq!(year_in_name("links_2018.csv"), None);
    }
}
