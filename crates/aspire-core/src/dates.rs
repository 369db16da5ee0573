//! Dates as public school data files write them.
//!
//! GIAS writes dd-mm-yyyy (or dd/mm/yyyy when a spreadsheet re-saved it), Ofsted and DfE
//! extracts write yyyymmdd, and a DfE spreadsheet converted to CSV leaves Excel serial day
//! numbers. A date that does not exist (31-02-2019) is an error, never a guess.

use chrono::{Days, NaiveDate};

/// A date as people read it on pages and in messages: "Mon 4 December 2017".
pub fn long(d: NaiveDate) -> String {
    d.format("%a %-d %B %Y").to_string()
}

/// How a date column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// dd-mm-yyyy or dd/mm/yyyy (GIAS), also accepting ISO yyyy-mm-dd.
    DayMonthYear,
    /// yyyymmdd (Ofsted history, DfE KS2 extracts), also accepting ISO yyyy-mm-dd.
    Compact,
    /// Excel serial day number, epoch 1899-12-30, also accepting ISO yyyy-mm-dd.
    ExcelSerial,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("'{value}' is not a date: expected {expected}")]
    Format { value: String, expected: &'static str },
    #[error("'{0}' is not a real date (no such day in the calendar)")]
    Impossible(String),
}

impl DateStyle {
    pub fn expected(self) -> &'static str {
        match self {
            DateStyle::DayMonthYear => "dd-mm-yyyy or dd/mm/yyyy",
            DateStyle::Compact => "yyyymmdd",
            DateStyle::ExcelSerial => "an Excel day number or yyyy-mm-dd",
        }
    }

    /// Parses a non-empty date; callers decide what an empty cell means.
    pub fn parse(self, text: &str) -> Result<NaiveDate, DateError> {
        let t = text.trim();
        let format_err = || DateError::Format { value: t.to_owned(), expected: self.expected() };
        if let Some(d) = parse_iso(t) {
            return d.ok_or_else(|| DateError::Impossible(t.to_owned()));
        }
        match self {
            DateStyle::DayMonthYear => {
                let parts: Vec<&str> = t.split(['-', '/']).collect();
                if parts.len() != 3
                    || parts[0].is_empty()
                    || parts[0].len() > 2
                    || parts[1].is_empty()
                    || parts[1].len() > 2
                    || parts[2].len() != 4
                {
                    return Err(format_err());
                }
                let d = num(parts[0]).ok_or_else(format_err)?;
                let m = num(parts[1]).ok_or_else(format_err)?;
                let y = num(parts[2]).ok_or_else(format_err)?;
                ymd(y, m, d).ok_or_else(|| DateError::Impossible(t.to_owned()))
            }
            DateStyle::Compact => {
                if t.len() != 8 || !t.is_ascii() {
                    return Err(format_err());
                }
                let y = num(&t[..4]).ok_or_else(format_err)?;
                let m = num(&t[4..6]).ok_or_else(format_err)?;
                let d = num(&t[6..]).ok_or_else(format_err)?;
                ymd(y, m, d).ok_or_else(|| DateError::Impossible(t.to_owned()))
            }
            DateStyle::ExcelSerial => {
                let n: u64 = t.parse().map_err(|_| format_err())?;
                excel_serial(n).ok_or_else(|| DateError::Impossible(t.to_owned()))
            }
        }
    }
}

/// Excel's serial day number to a date (epoch 1899-12-30, which absorbs Excel's 1900 leap-year bug
/// for every date after February 1900). Plausible range only: 1 (1899-12-31) to 2958465 (9999-12-31).
pub fn excel_serial(n: u64) -> Option<NaiveDate> {
    if !(1..=2_958_465).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(Days::new(n))
}

fn parse_iso(t: &str) -> Option<Option<NaiveDate>> {
    let b = t.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let y = num(&t[..4])?;
        let m = num(&t[5..7])?;
        let d = num(&t[8..])?;
        Some(ymd(y, m, d))
    } else {
        None
    }
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn gias_dates() {
        assert_eq!(DateStyle::DayMonthYear.parse("23-01-2019"), Ok(d("2019-01-23")));
        assert_eq!(DateStyle::DayMonthYear.parse("23/01/2019"), Ok(d("2019-01-23")));
        assert_eq!(DateStyle::DayMonthYear.parse("1/9/2019"), Ok(d("2019-09-01")));
        assert_eq!(DateStyle::DayMonthYear.parse("2019-01-23"), Ok(d("2019-01-23")));
        assert_eq!(DateStyle::DayMonthYear.parse("31-02-2019"), Err(DateError::Impossible("31-02-2019".into())));
        assert!(matches!(DateStyle::DayMonthYear.parse("2019/01/23"), Err(DateError::Format { .. })));
        assert!(matches!(DateStyle::DayMonthYear.parse("23-01-19"), Err(DateError::Format { .. })));
        assert!(matches!(DateStyle::DayMonthYear.parse("soon"), Err(DateError::Format { .. })));
    }

    #[test]
    fn compact_dates() {
        assert_eq!(DateStyle::Compact.parse("20131204"), Ok(d("2013-12-04")));
        assert!(matches!(DateStyle::Compact.parse("20131304"), Err(DateError::Impossible(_))));
        assert!(matches!(DateStyle::Compact.parse("2013124"), Err(DateError::Format { .. })));
        // Eight bytes but not eight digits: refused, not sliced inside a character.
        assert!(matches!(DateStyle::Compact.parse("201é001"), Err(DateError::Format { .. })));
        assert!(matches!(DateStyle::Compact.parse("20€7001"), Err(DateError::Format { .. })));
    }

    #[test]
    fn excel_serials() {
        // 43465 is 2018-12-31 (a CLOSEDATE in the 2017/18 spine).
        assert_eq!(DateStyle::ExcelSerial.parse("43465"), Ok(d("2018-12-31")));
        assert_eq!(excel_serial(1), Some(d("1899-12-31")));
        assert_eq!(excel_serial(0), None);
        assert!(DateStyle::ExcelSerial.parse("43465.5").is_err());
    }
}
