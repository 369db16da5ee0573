//! A sign-in sheet: the marks of people on the rolls of planned days, one person and day a row.
//!
//! Columns (headers in any case and order; others are ignored): `email` and `mark` (present,
//! late, absent or apologies; P, L, A and X too), and the day: its number as the calendar shows
//! it (`day`), or its `date` with the `network` it belongs to. `urn` names the person's school
//! when they belong to more than one. Which days and people these are is checked against the
//! database by the caller.

use chrono::NaiveDate;

use aspire_core::attendance::Mark;
use aspire_core::dates::DateStyle;
use aspire_core::people::Email;
use aspire_core::urn::Urn;

use crate::report::RowIssue;
use crate::source::Source;
use crate::{FileError, one_line};

/// Which planned day a row is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DayRef {
    /// The day's number.
    Id(i64),
    /// Its date and its network's name.
    DateAndNetwork(NaiveDate, String),
}

/// One row, read and checked on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRow {
    pub line: u64,
    pub day: DayRef,
    pub email: Email,
    pub urn: Option<Urn>,
    pub mark: Mark,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSheet {
    pub rows: Vec<SignInRow>,
    pub errors: Vec<RowIssue>,
}

/// Reads a sign-in sheet (CSV or XLSX). Every bad cell is reported; rows with one are left out.
pub fn read_sign_in_sheet(name: &str, bytes: &[u8]) -> Result<SignInSheet, FileError> {
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
    let (email_c, mark_c, day_c, date_c, network_c, urn_c) =
        (find("email"), find("mark"), find("day"), find("date"), find("network"), find("urn"));
    let mut missing: Vec<&str> =
        [("email", email_c), ("mark", mark_c)].into_iter().filter(|(_, c)| c.is_none()).map(|(n, _)| n).collect();
    if day_c.is_none() && (date_c.is_none() || network_c.is_none()) {
        missing.push("day (or date and network)");
    }
    if !missing.is_empty() {
        return Err(FileError::Header {
            format: "a sign-in sheet",
            problem: format!(
                "it has no {} column (its columns are: {}); a sign-in sheet needs email, mark, and the day's number or its date and network",
                missing.join(", "),
                one_line(&source.headers.iter().take(8).collect::<Vec<_>>().join(", "))
            ),
        });
    }
    let mut out = SignInSheet { rows: Vec::new(), errors: Vec::new() };
    let mut seen = std::collections::HashMap::new();
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
        let cell = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("").to_owned();
        if rec.iter().all(|v| v.trim().is_empty()) {
            return;
        }
        let before = out.errors.len();
        let raw_email = cell(email_c);
        let email = Email::parse(&raw_email)
            .map_err(|e| out.errors.push(RowIssue::cell(line, "email", &raw_email, e.to_string())))
            .ok();
        let raw_mark = cell(mark_c);
        let mark = if raw_mark.is_empty() {
            out.errors.push(RowIssue::cell(line, "mark", "", "a mark is required: a blank is not taken for absent"));
            None
        } else {
            raw_mark
                .parse::<Mark>()
                .map_err(|e| out.errors.push(RowIssue::cell(line, "mark", &raw_mark, e.to_string())))
                .ok()
        };
        let raw_day = cell(day_c);
        let day = if !raw_day.is_empty() {
            match raw_day.parse::<i64>() {
                Ok(n) if n > 0 => Some(DayRef::Id(n)),
                _ => {
                    out.errors.push(RowIssue::cell(line, "day", &raw_day, "is not a day's number (a whole number)"));
                    None
                }
            }
        } else {
            let (raw_date, network) = (cell(date_c), cell(network_c));
            if raw_date.is_empty() || network.is_empty() {
                let col = if raw_date.is_empty() { "date" } else { "network" };
                out.errors.push(RowIssue::cell(
                    line,
                    col,
                    "",
                    "the day is needed: its number, or its date and network",
                ));
                None
            } else {
                DateStyle::DayMonthYear
                    .parse(&raw_date)
                    .map_err(|e| out.errors.push(RowIssue::cell(line, "date", &raw_date, e.to_string())))
                    .ok()
                    .map(|d| DayRef::DateAndNetwork(d, network))
            }
        };
        let raw_urn = cell(urn_c);
        let urn = if raw_urn.is_empty() {
            None
        } else {
            Urn::parse(&raw_urn).map_err(|e| out.errors.push(RowIssue::cell(line, "urn", &raw_urn, e.to_string()))).ok()
        };
        if let (Some(e), Some(d)) = (&email, &day) {
            let first = *seen.entry((e.clone(), d.clone())).or_insert(line);
            if first != line {
                out.errors.push(RowIssue::row(line, format!("the same person and day as line {first}")));
            }
        }
        if out.errors.len() == before
            && let (Some(email), Some(mark), Some(day)) = (email, mark, day)
        {
            out.rows.push(SignInRow { line, day, email, urn, mark });
        }
    });
    if too_many {
        return Err(FileError::TooLarge(format!(
            "a sign-in sheet holds at most {} rows; this one has {}: split it and import each part",
            crate::STAFF_LIMITS.rows,
            rows
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_cell_is_named_and_good_rows_are_read() {
        let csv = "Email,Mark,Day,Date,Network\n\
                   head@school.example,P,12,,\n\
                   lead@school.example,Apologies,,02/10/2018,North Bradford\n\
                   nobody,maybe,x,,\n\
                   head@school.example,,12,,\n\
                   ta@school.example,late,,31/02/2018,North\n\
                   tl@school.example,absent,,,\n\
                   head@school.example,late,12,,\n";
        let sheet = read_sign_in_sheet("roll.csv", csv.as_bytes()).expect("read");
        assert_eq!(sheet.rows.len(), 2, "{:?}", sheet.rows);
        assert_eq!(sheet.rows[0].day, DayRef::Id(12));
        assert_eq!(sheet.rows[0].mark, Mark::Present);
        assert!(
            matches!(&sheet.rows[1].day, DayRef::DateAndNetwork(d, n) if d.to_string() == "2018-10-02" && n == "North Bradford")
        );
        let named: Vec<(u64, Option<&str>)> = sheet.errors.iter().map(|e| (e.line, e.column.as_deref())).collect();
        assert!(
            named.contains(&(4, Some("email")))
                && named.contains(&(4, Some("mark")))
                && named.contains(&(4, Some("day")))
        );
        assert!(named.contains(&(5, Some("mark"))), "a blank mark is an error, never absent: {named:?}");
        assert!(named.contains(&(6, Some("date"))), "an impossible date: {named:?}");
        assert!(named.contains(&(7, Some("date"))), "no day at all: {named:?}");
        assert!(
            sheet.errors.iter().any(|e| e.line == 8 && e.reason.contains("line 2")),
            "a repeated row: {:?}",
            sheet.errors
        );
    }

    #[test]
    fn a_sheet_without_the_columns_it_needs_is_refused_whole() {
        let err = read_sign_in_sheet("roll.csv", b"Name,Signed\nSam,yes\n").expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("email, mark, day (or date and network)"), "{text}");
    }
}
