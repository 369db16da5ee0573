//! The bundled default term dates (`reference/default_term_dates.csv`): a typical pattern for
//! 2017/18 to 2026/27, used for a school when neither its own nor its LA's dates are known.

use std::sync::OnceLock;

use chrono::NaiveDate;

use super::DatedTerm;
use crate::template::Season;
use crate::year::AcademicYear;

const CSV: &str = include_str!("../../reference/default_term_dates.csv");

/// The default terms in date order.
pub fn default_terms() -> &'static [DatedTerm] {
    static TERMS: OnceLock<Vec<DatedTerm>> = OnceLock::new();
    TERMS.get_or_init(|| parse(CSV))
}

/// Parses the bundled file. It is checked by the tests, so a row that does not parse is left
/// out rather than stopping the program.
fn parse(csv: &str) -> Vec<DatedTerm> {
    csv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let [year, season, starts, ends, hs, he] = cells.as_slice() else { return None };
            let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            Some(DatedTerm {
                academic_year: AcademicYear::parse(year).ok()?,
                season: Season::parse(season)?,
                starts: date(starts)?,
                ends: date(ends)?,
                half_term_starts: date(hs)?,
                half_term_ends: date(he)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_bundled_file_parses() {
        let rows = CSV.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).count();
        assert_eq!(default_terms().len() + 1, rows, "every row but the header is a term");
        assert!(CSV.starts_with("# Default term dates"), "the file says what it is");
    }
}
