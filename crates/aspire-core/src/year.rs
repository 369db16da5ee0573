//! Academic years, written the DfE way: "2018/19" runs from September 2018 to August 2019.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An English academic year, identified by the calendar year in which it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AcademicYear(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an academic year: write it as 2018/19, 2018-19 or 2018-2019 (the year starting in September 2018)"
)]
pub struct AcademicYearError(pub String);

impl AcademicYear {
    /// The year that starts in September of `start`.
    pub fn starting(start: u16) -> Result<Self, AcademicYearError> {
        if (1900..=2200).contains(&start) { Ok(AcademicYear(start)) } else { Err(AcademicYearError(start.to_string())) }
    }

    /// The year that ends in the summer of `end` (how the DfE's "Academic Year 2017" columns count).
    pub fn ending(end: u16) -> Result<Self, AcademicYearError> {
        end.checked_sub(1).ok_or_else(|| AcademicYearError(end.to_string())).and_then(Self::starting)
    }

    /// Accepts "2018/19", "2018-19", "2018/2019", "2018-2019" and "201819".
    pub fn parse(text: &str) -> Result<Self, AcademicYearError> {
        let t = text.trim();
        let err = || AcademicYearError(t.to_owned());
        // Only ASCII can be a year; checking first also keeps the slicing below on character
        // boundaries whatever was typed ("201é8", full-width digits).
        if !t.is_ascii() {
            return Err(err());
        }
        let (a, b) = match t.find(['/', '-']) {
            Some(i) => (&t[..i], &t[i + 1..]),
            None if t.len() == 6 => (&t[..4], &t[4..]),
            None => return Err(err()),
        };
        if a.len() != 4 || !(b.len() == 2 || b.len() == 4) {
            return Err(err());
        }
        if !a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let start: u16 = a.parse().map_err(|_| err())?;
        let end: u16 = b.parse().map_err(|_| err())?;
        let end_full = if b.len() == 2 { start / 100 * 100 + end } else { end };
        // "1999/00" rolls over the century.
        let end_full = if b.len() == 2 && end_full <= start { end_full + 100 } else { end_full };
        if end_full != start + 1 {
            return Err(err());
        }
        Self::starting(start)
    }

    pub fn start_year(self) -> u16 {
        self.0
    }

    /// 1 September of the start year.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(self.0), 9, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 31 August of the end year.
    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(self.0) + 1, 8, 31).unwrap_or(NaiveDate::MAX)
    }

    /// The academic year a date falls in.
    pub fn containing(date: NaiveDate) -> Self {
        use chrono::Datelike;
        let y = date.year();
        let start = if date.month() >= 9 { y } else { y - 1 };
        AcademicYear(start.clamp(1900, 2200) as u16)
    }
}

impl FromStr for AcademicYear {
    type Err = AcademicYearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        for s in ["2018/19", "2018-19", "2018/2019", "2018-2019", "201819"] {
            assert_eq!(AcademicYear::parse(s).map(|y| y.start_year()), Ok(2018), "{s}");
        }
        assert_eq!(AcademicYear::parse("1999/00").map(|y| y.start_year()), Ok(1999));
        assert_eq!(AcademicYear::ending(2017).map(|y| y.to_string()), Ok("2016/17".into()));
    }

    #[test]
    fn rejects_inconsistent_years() {
        // Multi-byte characters where digits belong are refused, not sliced through.
        for s in ["2018/20", "2018", "18/19", "2018/2018", "abcd/ef", "", "201é8", "ＯＲ", "２０１８/19"] {
            assert!(AcademicYear::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn bounds_and_membership() {
        let y = AcademicYear::parse("2016/17").expect("valid");
        assert_eq!(y.first_day().to_string(), "2016-09-01");
        assert_eq!(y.last_day().to_string(), "2017-08-31");
        let d = NaiveDate::from_ymd_opt(2017, 8, 31).expect("valid");
        assert_eq!(AcademicYear::containing(d), y);
        let d = NaiveDate::from_ymd_opt(2017, 9, 1).expect("valid");
        assert_eq!(AcademicYear::containing(d).start_year(), 2017);
    }
}
