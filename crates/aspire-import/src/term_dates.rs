//! Term dates and closure days entered for a local authority or a school.
//!
//! Columns (headers in any case and order; others are ignored): who the row is for, `la_code`
//! or `urn` (one of them, not both), then either a term, `academic_year` ("2018/19"), `term`
//! (autumn, spring or summer), `starts`, `ends`, `half_term_starts` and `half_term_ends`, or a
//! closure day, `closed_on` and `reason` (an INSET day, a polling day). Dates are dd/mm/yyyy or
//! yyyy-mm-dd. Every term is checked on its own and against the other terms the file gives the
//! same LA or school; which LAs and schools exist is checked against the register by the caller.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};

use aspire_core::calendar::{CalendarError, DatedTerm, DatesFor, check_terms};
use aspire_core::codes::LaCode;
use aspire_core::dates::DateStyle;
use aspire_core::template::Season;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::report::RowIssue;
use crate::source::Source;
use crate::{FileError, one_line};

/// One term's dates for an LA or a school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRow {
    pub line: u64,
    pub dates_for: DatesFor,
    pub term: DatedTerm,
}

/// One day an LA's schools or one school are closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureRow {
    pub line: u64,
    pub dates_for: DatesFor,
    pub date: NaiveDate,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TermDatesFile {
    pub terms: Vec<TermRow>,
    pub closures: Vec<ClosureRow>,
    pub errors: Vec<RowIssue>,
}

/// The longest reason a closure day may give.
pub const CLOSURE_REASON_CHARS: usize = 200;

const TERM_COLUMNS: [&str; 6] = ["academicyear", "term", "starts", "ends", "halftermstarts", "halftermends"];
const TERM_HEADERS: [&str; 6] = ["academic_year", "term", "starts", "ends", "half_term_starts", "half_term_ends"];

/// Reads a file of term dates (CSV or XLSX). Every bad cell is reported with its line and
/// column; rows with one are left out, and the caller saves nothing while any are reported.
pub fn read_term_dates(name: &str, bytes: &[u8]) -> Result<TermDatesFile, FileError> {
    let source = Source::from_bytes_within(name, bytes, crate::STAFF_LIMITS)?;
    let find = |want: &str| {
        source.headers.iter().position(|h| {
            let k: String = h
                .trim_start_matches('\u{feff}')
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            k == want
        })
    };
    let (la_c, urn_c) = (find("lacode"), find("urn"));
    let term_c: Vec<Option<usize>> = TERM_COLUMNS.iter().map(|c| find(c)).collect();
    let (closed_c, reason_c) = (find("closedon"), find("reason"));
    let has_terms = term_c.iter().all(Option::is_some);
    let has_closures = closed_c.is_some() && reason_c.is_some();
    let mut missing = Vec::new();
    if la_c.is_none() && urn_c.is_none() {
        missing.push("la_code or urn".to_owned());
    }
    if !has_terms && !has_closures {
        let absent: Vec<&str> =
            TERM_HEADERS.iter().zip(&term_c).filter(|(_, c)| c.is_none()).map(|(h, _)| *h).collect();
        missing.push(format!("{} (or closed_on and reason)", absent.join(", ")));
    }
    if !missing.is_empty() {
        return Err(FileError::Header {
            format: "a file of term dates",
            problem: format!(
                "it has no {} column (its columns are: {}); each row needs la_code or urn, then a term \
                 (academic_year, term, starts, ends, half_term_starts, half_term_ends) or a closure day \
                 (closed_on, reason)",
                missing.join(", and no "),
                one_line(&source.headers.iter().take(10).collect::<Vec<_>>().join(", "))
            ),
        });
    }
    let mut out = TermDatesFile::default();
    let mut term_lines: HashMap<(DatesFor, AcademicYear, Season), u64> = HashMap::new();
    let mut closure_lines: HashMap<(DatesFor, NaiveDate), u64> = HashMap::new();
    let mut rows = 0usize;
    let mut too_many = false;
    source.for_each_row(|line, rec| {
        rows += 1;
        if rows > crate::STAFF_LIMITS.rows {
            too_many = true;
            return;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowIssue::row(line, format!("the row cannot be read as CSV: {e}")));
                return;
            }
        };
        if rec.iter().all(|v| v.trim().is_empty()) {
            return;
        }
        let cell = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("").to_owned();
        let before = out.errors.len();
        let (raw_la, raw_urn) = (cell(la_c), cell(urn_c));
        let dates_for = match (raw_la.is_empty(), raw_urn.is_empty()) {
            (false, false) => {
                out.errors.push(RowIssue::cell(
                    line,
                    "urn",
                    &raw_urn,
                    "the row gives both an la_code and a urn: give one (an LA's dates, or one school's)",
                ));
                None
            }
            (true, true) => {
                out.errors.push(RowIssue::cell(line, "la_code", "", "the row needs an la_code or a urn"));
                None
            }
            (false, true) => LaCode::parse(&raw_la)
                .map(DatesFor::La)
                .map_err(|e| out.errors.push(RowIssue::cell(line, "la_code", &raw_la, e.to_string())))
                .ok(),
            (true, false) => Urn::parse(&raw_urn)
                .map(DatesFor::School)
                .map_err(|e| out.errors.push(RowIssue::cell(line, "urn", &raw_urn, e.to_string())))
                .ok(),
        };
        let raw_closed = cell(closed_c);
        let term_cells: Vec<String> = term_c.iter().map(|c| cell(*c)).collect();
        if !raw_closed.is_empty() {
            if let Some(i) = term_cells.iter().position(|v| !v.is_empty()) {
                out.errors.push(RowIssue::cell(
                    line,
                    TERM_HEADERS[i],
                    &term_cells[i],
                    "a row is a term or a closure day, not both: put the closure day on a row of its own",
                ));
            }
            let date = DateStyle::DayMonthYear
                .parse(&raw_closed)
                .map_err(|e| out.errors.push(RowIssue::cell(line, "closed_on", &raw_closed, e.to_string())))
                .ok();
            if let Some(d) = date
                && matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
            {
                out.errors.push(RowIssue::cell(
                    line,
                    "closed_on",
                    &raw_closed,
                    "is a weekend day, when schools are closed anyway: check the date",
                ));
            }
            let reason = cell(reason_c);
            if reason.is_empty() {
                out.errors.push(RowIssue::cell(line, "reason", "", "say why the school is closed (INSET day, say)"));
            } else if reason.chars().count() > CLOSURE_REASON_CHARS {
                out.errors.push(RowIssue::cell(
                    line,
                    "reason",
                    &reason,
                    format!("is longer than {CLOSURE_REASON_CHARS} characters"),
                ));
            }
            if let (Some(f), Some(d)) = (dates_for, date) {
                let first = *closure_lines.entry((f, d)).or_insert(line);
                if first != line {
                    out.errors.push(RowIssue::row(line, format!("the same day for {f} as line {first}")));
                }
            }
            if out.errors.len() == before
                && let (Some(dates_for), Some(date)) = (dates_for, date)
            {
                out.closures.push(ClosureRow { line, dates_for, date, reason });
            }
            return;
        }
        if !has_terms {
            out.errors.push(RowIssue::cell(line, "closed_on", "", "the row needs a closure day (closed_on)"));
            return;
        }
        let [raw_year, raw_term, starts, ends, hs, he] = term_cells.as_slice() else { return };
        let year = AcademicYear::parse(raw_year)
            .map_err(|_| {
                out.errors.push(RowIssue::cell(
                    line,
                    "academic_year",
                    raw_year,
                    "is not an academic year: write it as 2018/19",
                ))
            })
            .ok();
        let season = Season::parse(raw_term);
        if season.is_none() {
            out.errors.push(RowIssue::cell(line, "term", raw_term, "is not a term: autumn, spring or summer"));
        }
        let mut date = |col: &str, raw: &str| {
            if raw.is_empty() {
                out.errors.push(RowIssue::cell(line, col, "", "a date is required"));
                return None;
            }
            DateStyle::DayMonthYear
                .parse(raw)
                .map_err(|e| out.errors.push(RowIssue::cell(line, col, raw, e.to_string())))
                .ok()
        };
        let dates =
            (date("starts", starts), date("ends", ends), date("half_term_starts", hs), date("half_term_ends", he));
        let (
            Some(academic_year),
            Some(season),
            (Some(starts), Some(ends), Some(half_term_starts), Some(half_term_ends)),
        ) = (year, season, dates)
        else {
            return;
        };
        let term = DatedTerm { academic_year, season, starts, ends, half_term_starts, half_term_ends };
        if let Err(e) = term.check() {
            out.errors.push(RowIssue::cell(line, column_of(&e), raw_of(&e, &term_cells), e.to_string()));
            return;
        }
        if let Some(f) = dates_for {
            let first = *term_lines.entry((f, academic_year, season)).or_insert(line);
            if first != line {
                out.errors.push(RowIssue::row(
                    line,
                    format!("the {} term for {f} is given on line {first} too", term.label()),
                ));
            }
        }
        if out.errors.len() == before
            && let Some(dates_for) = dates_for
        {
            out.terms.push(TermRow { line, dates_for, term });
        }
    });
    if too_many {
        return Err(FileError::TooLarge(format!(
            "a file of term dates holds at most {} rows; this one has {}: split it and import each part",
            crate::STAFF_LIMITS.rows,
            rows
        )));
    }
    // The terms one LA or school is given must fit together: none overlapping another.
    let mut by_scope: BTreeMap<DatesFor, Vec<&TermRow>> = BTreeMap::new();
    for t in &out.terms {
        by_scope.entry(t.dates_for).or_default().push(t);
    }
    let mut overlaps = Vec::new();
    for (f, rows) in by_scope {
        let terms: Vec<DatedTerm> = rows.iter().map(|r| r.term).collect();
        if let Err(e) = check_terms(&terms) {
            let line = rows.iter().map(|r| r.line).max().unwrap_or(0);
            overlaps.push(RowIssue::row(line, format!("the terms given for {f} do not fit together: {e}")));
        }
    }
    out.errors.extend(overlaps);
    out.errors.sort_by_key(|e| e.line);
    Ok(out)
}

/// The column a term's own fault is in.
fn column_of(e: &CalendarError) -> &'static str {
    match e {
        CalendarError::Inverted { .. } => "ends",
        CalendarError::HalfTermInverted { .. } => "half_term_ends",
        CalendarError::HalfTermOutside { .. } => "half_term_starts",
        CalendarError::OutsideYear { .. } => "academic_year",
        CalendarError::WrongSeason { .. } => "starts",
        CalendarError::Overlap { .. } | CalendarError::Duplicate { .. } => "term",
    }
}

fn raw_of<'a>(e: &CalendarError, cells: &'a [String]) -> &'a str {
    let i = TERM_HEADERS.iter().position(|h| *h == column_of(e)).unwrap_or(1);
    cells.get(i).map(String::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "la_code,urn,academic_year,term,starts,ends,half_term_starts,half_term_ends,closed_on,reason\n";

    #[test]
    fn terms_and_closure_days_are_read_for_las_and_schools() {
        let csv = format!(
            "{HEADER}\
             380,,2018/19,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             380,,2018/19,spring,2019-01-07,2019-04-05,2019-02-18,2019-02-22,,\n\
             ,107242,,,,,,,03/09/2018,INSET day\n\
             380,,,,,,,,2019-05-02,Polling day\n"
        );
        let file = read_term_dates("terms.csv", csv.as_bytes()).expect("read");
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.terms.len(), 2);
        let la = DatesFor::La(LaCode::parse("380").expect("code"));
        assert_eq!(file.terms[0].dates_for, la);
        assert_eq!(file.terms[0].term.season, Season::Autumn);
        assert_eq!(file.terms[1].term.half_term_starts.to_string(), "2019-02-18");
        assert_eq!(file.closures.len(), 2);
        assert_eq!(file.closures[0].dates_for, DatesFor::School(Urn::parse("107242").expect("urn")));
        assert_eq!(file.closures[1].reason, "Polling day");
    }

    #[test]
    fn every_bad_cell_is_named_with_its_line_and_column() {
        let csv = format!(
            "{HEADER}\
             380,107242,2018/19,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             ,,2018/19,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             380,,2018,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             380,,2018/19,winter,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             380,,2018/19,autumn,31/09/2018,20/12/2018,29/10/2018,,,\n\
             380,,2018/19,spring,07/01/2019,05/04/2019,18/04/2019,22/04/2019,,\n\
             380,,,,,,,,04/05/2019,INSET day\n\
             380,,,,,,,,06/05/2019,\n\
             380,,2018/19,summer,23/04/2019,19/07/2019,27/05/2019,31/05/2019,06/05/2019,Bank holiday\n\
             99,,2018/19,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n"
        );
        let file = read_term_dates("terms.csv", csv.as_bytes()).expect("read");
        let named: Vec<(u64, Option<&str>)> = file.errors.iter().map(|e| (e.line, e.column.as_deref())).collect();
        for want in [
            (2, Some("urn")),
            (3, Some("la_code")),
            (4, Some("academic_year")),
            (5, Some("term")),
            (6, Some("starts")),
            (6, Some("half_term_ends")),
            (7, Some("half_term_starts")),
            (8, Some("closed_on")),
            (9, Some("reason")),
            (10, Some("academic_year")),
            (11, Some("la_code")),
        ] {
            assert!(named.contains(&want), "{want:?} in {named:?}");
        }
        assert!(file.errors.iter().find(|e| e.line == 8).is_some_and(|e| e.reason.contains("weekend")));
        assert!(file.terms.is_empty() && file.closures.is_empty(), "{file:?}");
    }

    #[test]
    fn a_term_twice_or_overlapping_another_is_refused_naming_the_lines() {
        let csv = format!(
            "{HEADER}\
             380,,2018/19,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             380,,2018/19,autumn,05/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             ,107242,2018/19,autumn,04/09/2018,20/12/2018,29/10/2018,02/11/2018,,\n\
             ,107242,2018/19,spring,14/12/2018,05/04/2019,18/02/2019,22/02/2019,,\n\
             ,107242,,,,,,,04/09/2018,INSET day\n\
             ,107242,,,,,,,2018-09-04,INSET day\n"
        );
        let file = read_term_dates("terms.csv", csv.as_bytes()).expect("read");
        let text: Vec<String> = file.errors.iter().map(|e| format!("{}: {}", e.line, e.reason)).collect();
        assert!(text.iter().any(|t| t.starts_with("3: ") && t.contains("line 2")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("5: ") && t.contains("overlap")), "{text:?}");
        assert!(text.iter().any(|t| t.starts_with("7: ") && t.contains("line 6")), "{text:?}");
    }

    #[test]
    fn a_file_without_the_columns_it_needs_is_refused_whole() {
        let err = read_term_dates("terms.csv", b"school,first day\nA,1/9/2018\n").expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("la_code or urn"), "{text}");
        assert!(text.contains("closed_on and reason"), "{text}");
    }
}
