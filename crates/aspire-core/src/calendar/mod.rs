//! The school calendar: bank holidays, a school's dated terms and half-terms, and the days it
//! is closed, so that events are only ever planned on days a school is open.
//!
//! A school is open on a weekday inside one of its terms that is not in the term's half-term,
//! not a bank holiday ([`bank_holidays`]) and not one of its closure days (INSET days and other
//! closures). Term dates are set by each LA or trust; when none are known the bundled
//! [`default_terms`] stand in for them, and every answer says where its dates came from.

pub mod bank_holidays;
mod default;

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

pub use default::default_terms;

use crate::Urn;
use crate::codes::LaCode;
use crate::template::{Season, Term};
use crate::year::AcademicYear;

/// Where a school's term dates came from, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TermSource {
    /// Dates entered for the school itself.
    School,
    /// Dates entered for the school's local authority.
    La,
    /// The bundled typical pattern, used when nothing else is known.
    Default,
}

impl TermSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TermSource::School => "school",
            TermSource::La => "LA",
            TermSource::Default => "default",
        }
    }
}

impl std::fmt::Display for TermSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Season {
    /// Parses "autumn", "spring" or "summer" (any case).
    pub fn parse(text: &str) -> Option<Season> {
        match text.trim().to_ascii_lowercase().as_str() {
            "autumn" => Some(Season::Autumn),
            "spring" => Some(Season::Spring),
            "summer" => Some(Season::Summer),
            _ => None,
        }
    }

    /// The lower-case name, as files write it.
    pub fn key(self) -> &'static str {
        match self {
            Season::Autumn => "autumn",
            Season::Spring => "spring",
            Season::Summer => "summer",
        }
    }

    /// Place in the school year: autumn first.
    pub fn order_in_year(self) -> u8 {
        match self {
            Season::Autumn => 0,
            Season::Spring => 1,
            Season::Summer => 2,
        }
    }
}

/// One term with its dates: the first and last day of teaching (inclusive) and its half-term
/// (inclusive, inside the term).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DatedTerm {
    pub academic_year: AcademicYear,
    pub season: Season,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub half_term_starts: NaiveDate,
    pub half_term_ends: NaiveDate,
}

/// Why a set of term dates cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the {term} term ends ({ends}) before it starts ({starts})")]
    Inverted { term: String, starts: NaiveDate, ends: NaiveDate },
    #[error("the {term} half-term ends ({ends}) before it starts ({starts})")]
    HalfTermInverted { term: String, starts: NaiveDate, ends: NaiveDate },
    #[error("the {term} half-term ({starts} to {ends}) is not inside the term ({term_starts} to {term_ends})")]
    HalfTermOutside { term: String, starts: NaiveDate, ends: NaiveDate, term_starts: NaiveDate, term_ends: NaiveDate },
    #[error("the {term} term does not fall in the academic year {year} (1 September to 31 August)")]
    OutsideYear { term: String, year: AcademicYear },
    #[error("the {term} term starts on {starts}, which is not when a {season} term starts ({months})")]
    WrongSeason { term: String, starts: NaiveDate, season: &'static str, months: &'static str },
    #[error("the {first} term and the {second} term overlap")]
    Overlap { first: String, second: String },
    #[error("the {term} term is given twice")]
    Duplicate { term: String },
}

impl DatedTerm {
    /// The term as the programme template counts terms (autumn 2017, spring 2018, ...).
    pub fn term(&self) -> Term {
        let start = i32::from(self.academic_year.start_year());
        let year = if self.season == Season::Autumn { start } else { start + 1 };
        Term { year, season: self.season }
    }

    /// "autumn 2018/19".
    pub fn label(&self) -> String {
        format!("{} {}", self.season.key(), self.academic_year)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.starts <= date && date <= self.ends
    }

    pub fn in_half_term(&self, date: NaiveDate) -> bool {
        self.half_term_starts <= date && date <= self.half_term_ends
    }

    /// Checks the term on its own: not inverted, half-term inside it, inside its academic year.
    pub fn check(&self) -> Result<(), CalendarError> {
        let term = self.label();
        if self.ends < self.starts {
            return Err(CalendarError::Inverted { term, starts: self.starts, ends: self.ends });
        }
        if self.half_term_ends < self.half_term_starts {
            return Err(CalendarError::HalfTermInverted {
                term,
                starts: self.half_term_starts,
                ends: self.half_term_ends,
            });
        }
        if self.half_term_starts < self.starts || self.half_term_ends > self.ends {
            return Err(CalendarError::HalfTermOutside {
                term,
                starts: self.half_term_starts,
                ends: self.half_term_ends,
                term_starts: self.starts,
                term_ends: self.ends,
            });
        }
        if self.starts < self.academic_year.first_day() || self.ends > self.academic_year.last_day() {
            return Err(CalendarError::OutsideYear { term, year: self.academic_year });
        }
        // A term's first day falls in its season's months, so a spring term cannot be given
        // September's dates by a slip of a column.
        let (months, range): (&'static str, [u32; 2]) = match self.season {
            Season::Autumn => ("August to October", [8, 10]),
            Season::Spring => ("December to February", [12, 14]),
            Season::Summer => ("March to May", [3, 5]),
        };
        let m = self.starts.month();
        let m = if self.season == Season::Spring && m < 3 { m + 12 } else { m };
        if m < range[0] || m > range[1] {
            return Err(CalendarError::WrongSeason { term, starts: self.starts, season: self.season.key(), months });
        }
        Ok(())
    }
}

/// Checks a set of terms together: each on its own, no term twice, none overlapping.
pub fn check_terms(terms: &[DatedTerm]) -> Result<(), CalendarError> {
    for t in terms {
        t.check()?;
    }
    let mut sorted: Vec<&DatedTerm> = terms.iter().collect();
    sorted.sort_by_key(|t| (t.academic_year, t.season.order_in_year()));
    for w in sorted.windows(2) {
        if w[0].academic_year == w[1].academic_year && w[0].season == w[1].season {
            return Err(CalendarError::Duplicate { term: w[0].label() });
        }
    }
    sorted.sort_by_key(|t| t.starts);
    for w in sorted.windows(2) {
        if w[1].starts <= w[0].ends {
            return Err(CalendarError::Overlap { first: w[0].label(), second: w[1].label() });
        }
    }
    Ok(())
}

/// A day a school is closed for its own reasons: an INSET day or another closure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Closure {
    pub date: NaiveDate,
    pub reason: String,
}

/// Why a school is closed on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum ClosedReason {
    Weekend,
    /// Not inside any known term (the holidays between terms, or a year with no dates).
    BetweenTerms,
    HalfTerm,
    BankHoliday(String),
    /// A closure day with its reason (an INSET day, a polling day).
    Closure(String),
}

impl std::fmt::Display for ClosedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClosedReason::Weekend => f.write_str("weekend"),
            ClosedReason::BetweenTerms => f.write_str("holiday between terms"),
            ClosedReason::HalfTerm => f.write_str("half-term"),
            ClosedReason::BankHoliday(name) => write!(f, "bank holiday: {name}"),
            ClosedReason::Closure(reason) => write!(f, "closure: {reason}"),
        }
    }
}

/// One school's terms and closure days, answering whether it is open on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolCalendar {
    /// Terms in date order, each with where its dates came from.
    terms: Vec<(DatedTerm, TermSource)>,
    closures: Vec<Closure>,
}

impl SchoolCalendar {
    /// Builds a calendar from checked terms and closure days.
    pub fn new(
        terms: Vec<(DatedTerm, TermSource)>,
        mut closures: Vec<Closure>,
    ) -> Result<SchoolCalendar, CalendarError> {
        let plain: Vec<DatedTerm> = terms.iter().map(|(t, _)| *t).collect();
        check_terms(&plain)?;
        let mut terms = terms;
        terms.sort_by_key(|(t, _)| t.starts);
        closures.sort_by_key(|c| c.date);
        Ok(SchoolCalendar { terms, closures })
    }

    /// A calendar of the bundled default terms with no closure days.
    pub fn default_pattern() -> SchoolCalendar {
        let terms = default_terms().iter().map(|t| (*t, TermSource::Default)).collect();
        SchoolCalendar { terms, closures: Vec::new() }
    }

    pub fn terms(&self) -> impl Iterator<Item = &(DatedTerm, TermSource)> {
        self.terms.iter()
    }

    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    /// The terms of one academic year, autumn first.
    pub fn terms_of_year(&self, year: AcademicYear) -> Vec<(DatedTerm, TermSource)> {
        self.terms.iter().filter(|(t, _)| t.academic_year == year).copied().collect()
    }

    /// The term a date falls in (half-terms count as inside their term).
    pub fn term_of(&self, date: NaiveDate) -> Option<&DatedTerm> {
        self.terms.iter().map(|(t, _)| t).find(|t| t.contains(date))
    }

    /// Why the school is closed on `date`, or `None` if it is open.
    pub fn closed_reason(&self, date: NaiveDate) -> Option<ClosedReason> {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Some(ClosedReason::Weekend);
        }
        if let Some(h) = bank_holidays::bank_holiday_on(date) {
            return Some(ClosedReason::BankHoliday(h.name.to_owned()));
        }
        let Some(term) = self.term_of(date) else {
            return Some(ClosedReason::BetweenTerms);
        };
        if term.in_half_term(date) {
            return Some(ClosedReason::HalfTerm);
        }
        if let Some(c) = self.closures.iter().find(|c| c.date == date) {
            return Some(ClosedReason::Closure(c.reason.clone()));
        }
        None
    }

    pub fn is_open(&self, date: NaiveDate) -> bool {
        self.closed_reason(date).is_none()
    }

    /// The days the school is open in a term, in order.
    pub fn open_days(&self, term: &DatedTerm) -> Vec<NaiveDate> {
        days(term.starts, term.ends).filter(|d| self.is_open(*d)).collect()
    }

    /// The weekdays from `from` to `to` (inclusive) on which the school is closed, with why.
    pub fn closed_weekdays(&self, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, ClosedReason)> {
        days(from, to)
            .filter_map(|d| match self.closed_reason(d) {
                None | Some(ClosedReason::Weekend) => None,
                Some(reason) => Some((d, reason)),
            })
            .collect()
    }
}

/// Whom entered term dates and closure days are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "lowercase")]
pub enum DatesFor {
    /// Every school of a local authority that has none of its own.
    La(LaCode),
    School(Urn),
}

impl DatesFor {
    /// The stored scope: "la" or "school".
    pub fn scope(self) -> &'static str {
        match self {
            DatesFor::La(_) => "la",
            DatesFor::School(_) => "school",
        }
    }

    /// The stored code: the LA's number or the URN.
    pub fn code(self) -> i64 {
        match self {
            DatesFor::La(la) => i64::from(la.get()),
            DatesFor::School(urn) => i64::from(urn),
        }
    }
}

impl std::fmt::Display for DatesFor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatesFor::La(la) => write!(f, "LA {la}"),
            DatesFor::School(urn) => write!(f, "URN {urn}"),
        }
    }
}

/// Dates entered for a school and for its LA, as storage holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnteredDates {
    pub school_terms: Vec<DatedTerm>,
    pub la_terms: Vec<DatedTerm>,
    /// Closure days of the school, then those of its LA.
    pub closures: Vec<Closure>,
}

impl SchoolCalendar {
    /// A school's calendar from the dates entered for it: each term from the school's own dates
    /// if it has them, else its LA's, else the bundled default. Closure days of the school and
    /// its LA both count (the school's reason wins when both name a day). Refused when the
    /// chosen terms do not fit together, say a school's autumn overlapping its LA's spring.
    pub fn compose(entered: &EnteredDates) -> Result<SchoolCalendar, CalendarError> {
        let mut chosen: BTreeMap<(AcademicYear, u8), (DatedTerm, TermSource)> = BTreeMap::new();
        let layers = [
            (default_terms(), TermSource::Default),
            (entered.la_terms.as_slice(), TermSource::La),
            (entered.school_terms.as_slice(), TermSource::School),
        ];
        for (terms, source) in layers {
            for t in terms {
                chosen.insert((t.academic_year, t.season.order_in_year()), (*t, source));
            }
        }
        let mut closures: Vec<Closure> = Vec::new();
        for c in &entered.closures {
            if !closures.iter().any(|k| k.date == c.date) {
                closures.push(c.clone());
            }
        }
        SchoolCalendar::new(chosen.into_values().collect(), closures)
    }

    /// Where the dates of the term containing `date` came from.
    pub fn source_of(&self, date: NaiveDate) -> Option<TermSource> {
        self.terms.iter().find(|(t, _)| t.contains(date)).map(|(_, s)| *s)
    }
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let count = (to - from).num_days().max(-1) + 1;
    (0..count).map(move |i| from + Duration::days(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("checked in the test")
    }

    fn year(start: u16) -> AcademicYear {
        AcademicYear::starting(start).expect("checked in the test")
    }

    fn autumn_2019() -> DatedTerm {
        DatedTerm {
            academic_year: year(2019),
            season: Season::Autumn,
            starts: d(2019, 9, 4),
            ends: d(2019, 12, 20),
            half_term_starts: d(2019, 10, 28),
            half_term_ends: d(2019, 11, 1),
        }
    }

    fn spring_2020() -> DatedTerm {
        DatedTerm {
            academic_year: year(2019),
            season: Season::Spring,
            starts: d(2020, 1, 6),
            ends: d(2020, 4, 3),
            half_term_starts: d(2020, 2, 17),
            half_term_ends: d(2020, 2, 21),
        }
    }

    fn calendar() -> SchoolCalendar {
        SchoolCalendar::new(
            vec![(spring_2020(), TermSource::La), (autumn_2019(), TermSource::La)],
            vec![Closure { date: d(2019, 9, 4), reason: "INSET day".into() }],
        )
        .expect("checked in the test")
    }

    #[test]
    fn a_school_is_open_on_term_weekdays_only() {
        let c = calendar();
        assert!(c.is_open(d(2019, 9, 5)));
        assert_eq!(c.closed_reason(d(2019, 9, 7)), Some(ClosedReason::Weekend));
        assert_eq!(c.closed_reason(d(2019, 10, 30)), Some(ClosedReason::HalfTerm));
        assert_eq!(c.closed_reason(d(2019, 12, 23)), Some(ClosedReason::BetweenTerms));
        assert_eq!(c.closed_reason(d(2019, 9, 4)), Some(ClosedReason::Closure("INSET day".into())));
        assert!(c.is_open(d(2019, 10, 25)));
        assert!(c.is_open(d(2019, 11, 4)));
    }

    #[test]
    fn bank_holidays_inside_a_term_are_closed() {
        let mut summer = spring_2020();
        summer.season = Season::Summer;
        summer.starts = d(2020, 4, 20);
        summer.ends = d(2020, 7, 22);
        summer.half_term_starts = d(2020, 5, 25);
        summer.half_term_ends = d(2020, 5, 29);
        let c = SchoolCalendar::new(vec![(summer, TermSource::School)], vec![]).expect("checked in the test");
        assert_eq!(
            c.closed_reason(d(2020, 5, 8)),
            Some(ClosedReason::BankHoliday("Early May bank holiday (VE day)".into()))
        );
        assert!(c.is_open(d(2020, 5, 4)), "4 May 2020 was not a bank holiday");
    }

    #[test]
    fn term_of_finds_the_term_including_its_half_term() {
        let c = calendar();
        assert_eq!(c.term_of(d(2019, 10, 30)).map(|t| t.season), Some(Season::Autumn));
        assert_eq!(c.term_of(d(2020, 3, 2)).map(|t| t.term()), Some(Term { year: 2020, season: Season::Spring }));
        assert_eq!(c.term_of(d(2020, 4, 10)), None);
    }

    #[test]
    fn open_days_leave_out_weekends_half_term_and_closures() {
        let c = calendar();
        let open = c.open_days(&autumn_2019());
        // 4 Sep to 20 Dec 2019 has 78 weekdays; less 5 of half-term and 1 INSET day.
        assert_eq!(open.len(), 72);
        assert_eq!(open.first(), Some(&d(2019, 9, 5)));
        assert_eq!(open.last(), Some(&d(2019, 12, 20)));
        assert!(open.iter().all(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)));
    }

    #[test]
    fn closed_weekdays_say_why_and_skip_weekends() {
        let c = calendar();
        let closed = c.closed_weekdays(d(2019, 12, 20), d(2020, 1, 6));
        assert_eq!(closed.len(), 10);
        assert_eq!(closed[0], (d(2019, 12, 23), ClosedReason::BetweenTerms));
        assert!(closed.iter().all(|(day, _)| *day > d(2019, 12, 20) && *day < d(2020, 1, 6)));
    }

    #[test]
    fn bad_term_dates_are_refused_with_the_reason() {
        let mut t = autumn_2019();
        t.ends = d(2019, 9, 1);
        assert!(matches!(t.check(), Err(CalendarError::Inverted { .. })));
        let mut t = autumn_2019();
        t.half_term_ends = d(2019, 12, 27);
        assert!(matches!(t.check(), Err(CalendarError::HalfTermOutside { .. })));
        let mut t = autumn_2019();
        t.half_term_starts = d(2019, 11, 5);
        assert!(matches!(t.check(), Err(CalendarError::HalfTermInverted { .. })));
        let mut t = autumn_2019();
        t.academic_year = year(2020);
        assert!(matches!(t.check(), Err(CalendarError::OutsideYear { .. })));
        let mut t = spring_2020();
        t.starts = d(2019, 9, 4);
        assert!(matches!(t.check(), Err(CalendarError::WrongSeason { .. })), "a spring term in September");
        let mut overlapping = spring_2020();
        overlapping.starts = d(2019, 12, 16);
        assert!(matches!(check_terms(&[autumn_2019(), overlapping]), Err(CalendarError::Overlap { .. })));
        assert!(matches!(check_terms(&[autumn_2019(), autumn_2019()]), Err(CalendarError::Duplicate { .. })));
        assert!(check_terms(&[autumn_2019(), spring_2020()]).is_ok());
    }

    #[test]
    fn the_default_pattern_covers_ten_years_and_is_consistent() {
        let terms = default_terms();
        assert_eq!(terms.len(), 30);
        check_terms(terms).expect("checked in the test");
        assert_eq!(terms.first().expect("checked in the test").academic_year, year(2017));
        assert_eq!(terms.last().expect("checked in the test").academic_year, year(2026));
        let c = SchoolCalendar::default_pattern();
        for (t, source) in c.terms() {
            assert_eq!(*source, TermSource::Default);
            assert!(c.open_days(t).len() > 40, "{}", t.label());
            assert!(!c.is_open(t.half_term_starts));
        }
        // Boxing Day and the August bank holiday fall between terms; Easter Monday is never a
        // school day in the pattern.
        assert!(!c.is_open(d(2019, 4, 22)));
    }

    #[test]
    fn a_school_takes_its_own_dates_then_its_las_then_the_default() {
        let mut la_autumn = autumn_2019();
        la_autumn.starts = d(2019, 9, 3);
        let entered = EnteredDates {
            school_terms: vec![spring_2020()],
            la_terms: vec![la_autumn],
            closures: vec![
                Closure { date: d(2020, 1, 6), reason: "INSET day".into() },
                Closure { date: d(2020, 1, 6), reason: "LA training day".into() },
            ],
        };
        let c = SchoolCalendar::compose(&entered).expect("composed");
        assert_eq!(c.source_of(d(2019, 9, 3)), Some(TermSource::La));
        assert!(c.is_open(d(2019, 9, 3)), "the LA's autumn starts a day before the default's");
        assert_eq!(c.source_of(d(2020, 2, 3)), Some(TermSource::School));
        assert_eq!(c.source_of(d(2020, 6, 1)), Some(TermSource::Default), "no one entered summer 2020");
        assert_eq!(c.source_of(d(2024, 10, 1)), Some(TermSource::Default));
        assert_eq!(
            c.closed_reason(d(2020, 1, 6)),
            Some(ClosedReason::Closure("INSET day".into())),
            "the school's reason"
        );
        assert_eq!(c.terms().count(), 30, "one of each term, whoever gave it");
    }

    #[test]
    fn dates_that_do_not_fit_the_terms_around_them_are_refused() {
        let mut late_autumn = autumn_2019();
        late_autumn.ends = d(2020, 1, 10);
        late_autumn.half_term_ends = d(2019, 11, 1);
        let entered = EnteredDates { school_terms: vec![late_autumn], ..EnteredDates::default() };
        assert!(matches!(SchoolCalendar::compose(&entered), Err(CalendarError::Overlap { .. })));
    }
}
