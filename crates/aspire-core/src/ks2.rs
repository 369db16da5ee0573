//! Key stage 2 results: the DfE performance-tables measures a school (or an LA, or England) has in a year.
//!
//! DfE files mark absent figures with codes (SUPP, NE, LOWCOV, ...). Those are kept as a
//! [`MissingReason`], never turned into zeros; a blank cell is "not given" (`None`).

use std::fmt;

use serde::Serialize;

use crate::urn::Urn;
use crate::year::AcademicYear;

/// What kind of number a measure is, which decides how it is parsed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// A count of pupils.
    Count,
    /// A percentage, written "63%" by DfE.
    Percent,
    /// An average scaled score (80 to 120; 100 is the expected standard).
    Score,
    /// A progress score, centred on 0 nationally, or one of its 95% confidence limits.
    Progress,
    /// A DfE progress band, 1 (well above average) to 5 (well below average).
    Band,
}

macro_rules! measures {
    ($( $variant:ident, $code:literal, $kind:ident, $label:literal; )*) => {
        /// A KS2 measure, named by its DfE performance-tables column.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Measure { $( $variant ),* }

        impl Measure {
            pub const ALL: &'static [Measure] = &[ $( Measure::$variant ),* ];

            /// The DfE column name, e.g. "PTRWM_EXP".
            pub fn dfe_code(self) -> &'static str {
                match self { $( Measure::$variant => $code ),* }
            }

            pub fn kind(self) -> MeasureKind {
                match self { $( Measure::$variant => MeasureKind::$kind ),* }
            }

            pub fn label(self) -> &'static str {
                match self { $( Measure::$variant => $label ),* }
            }
        }
    };
}

measures! {
    TotalPupils, "TOTPUPS", Count, "Pupils on roll (all ages)";
    EligiblePupils, "TELIG", Count, "Pupils at the end of key stage 2";
    EligibleBoys, "BELIG", Count, "Boys at the end of key stage 2";
    EligibleGirls, "GELIG", Count, "Girls at the end of key stage 2";
    PctDisadvantaged, "PTFSM6CLA1A", Percent, "Disadvantaged pupils (%)";
    PctEal, "PTEALGRP2", Percent, "Pupils with English as an additional language (%)";
    RwmExpected, "PTRWM_EXP", Percent, "Reading, writing and maths: expected standard (%)";
    RwmHigher, "PTRWM_HIGH", Percent, "Reading, writing and maths: higher standard (%)";
    ReadingExpected, "PTREAD_EXP", Percent, "Reading: expected standard (%)";
    ReadingHigher, "PTREAD_HIGH", Percent, "Reading: high score (%)";
    GpsExpected, "PTGPS_EXP", Percent, "Grammar, punctuation and spelling: expected standard (%)";
    GpsHigher, "PTGPS_HIGH", Percent, "Grammar, punctuation and spelling: high score (%)";
    MathsExpected, "PTMAT_EXP", Percent, "Maths: expected standard (%)";
    MathsHigher, "PTMAT_HIGH", Percent, "Maths: high score (%)";
    WritingExpected, "PTWRITTA_EXP", Percent, "Writing (teacher assessment): expected standard (%)";
    WritingGreaterDepth, "PTWRITTA_HIGH", Percent, "Writing (teacher assessment): greater depth (%)";
    ReadingAverage, "READ_AVERAGE", Score, "Reading: average scaled score";
    GpsAverage, "GPS_AVERAGE", Score, "Grammar, punctuation and spelling: average scaled score";
    MathsAverage, "MAT_AVERAGE", Score, "Maths: average scaled score";
    ReadingProgress, "READPROG", Progress, "Reading progress score";
    ReadingProgressLower, "READPROG_LOWER", Progress, "Reading progress: lower 95% confidence limit";
    ReadingProgressUpper, "READPROG_UPPER", Progress, "Reading progress: upper 95% confidence limit";
    WritingProgress, "WRITPROG", Progress, "Writing progress score";
    WritingProgressLower, "WRITPROG_LOWER", Progress, "Writing progress: lower 95% confidence limit";
    WritingProgressUpper, "WRITPROG_UPPER", Progress, "Writing progress: upper 95% confidence limit";
    MathsProgress, "MATPROG", Progress, "Maths progress score";
    MathsProgressLower, "MATPROG_LOWER", Progress, "Maths progress: lower 95% confidence limit";
    MathsProgressUpper, "MATPROG_UPPER", Progress, "Maths progress: upper 95% confidence limit";
    ReadingProgressBand, "READPROG_DESCR", Band, "Reading progress band (1 well above to 5 well below average)";
    WritingProgressBand, "WRITPROG_DESCR", Band, "Writing progress band (1 well above to 5 well below average)";
    MathsProgressBand, "MATPROG_DESCR", Band, "Maths progress band (1 well above to 5 well below average)";
}

impl Measure {
    /// Storage column stem (lower-case DfE code).
    pub fn column(self) -> String {
        self.dfe_code().to_ascii_lowercase()
    }

    pub fn from_dfe_code(code: &str) -> Option<Measure> {
        Measure::ALL.iter().copied().find(|m| m.dfe_code().eq_ignore_ascii_case(code.trim()))
    }
}

/// Why a figure is absent, as DfE codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MissingReason {
    /// "SUPP": suppressed, because the group is small enough to identify pupils.
    Suppressed,
    /// "NE": no pupils were entered.
    NoEntries,
    /// "NP": not published.
    NotPublished,
    /// "LOWCOV": progress not published because too few pupils had a key stage 1 starting point.
    LowCoverage,
    /// "NEW": a new school, with no results of its own yet.
    NewSchool,
    /// "NA": not applicable to this school.
    NotApplicable,
}

impl MissingReason {
    pub fn code(self) -> &'static str {
        match self {
            MissingReason::Suppressed => "SUPP",
            MissingReason::NoEntries => "NE",
            MissingReason::NotPublished => "NP",
            MissingReason::LowCoverage => "LOWCOV",
            MissingReason::NewSchool => "NEW",
            MissingReason::NotApplicable => "NA",
        }
    }

    pub fn from_code(code: &str) -> Option<MissingReason> {
        Some(match code.trim().to_ascii_uppercase().as_str() {
            "SUPP" => MissingReason::Suppressed,
            "NE" => MissingReason::NoEntries,
            "NP" => MissingReason::NotPublished,
            "LOWCOV" => MissingReason::LowCoverage,
            "NEW" => MissingReason::NewSchool,
            "NA" => MissingReason::NotApplicable,
            _ => return None,
        })
    }

    pub fn explanation(self) -> &'static str {
        match self {
            MissingReason::Suppressed => "suppressed (small numbers)",
            MissingReason::NoEntries => "no pupils entered",
            MissingReason::NotPublished => "not published",
            MissingReason::LowCoverage => "too few pupils with a starting point",
            MissingReason::NewSchool => "new school",
            MissingReason::NotApplicable => "not applicable",
        }
    }
}

/// A figure or the reason it is absent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Ks2Value {
    Value(f64),
    Missing(MissingReason),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not {expected}")]
pub struct Ks2ValueError {
    pub value: String,
    pub expected: &'static str,
}

impl Ks2Value {
    /// Parses a DfE cell for a measure. `Ok(None)` is a blank cell: no figure and no reason given.
    pub fn parse(measure: Measure, text: &str) -> Result<Option<Ks2Value>, Ks2ValueError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Some(reason) = MissingReason::from_code(t) {
            return Ok(Some(Ks2Value::Missing(reason)));
        }
        let kind = measure.kind();
        let expected = match kind {
            MeasureKind::Count => "a number of pupils or a DfE code (SUPP, NE, NP, LOWCOV, NEW, NA)",
            MeasureKind::Percent => "a percentage such as 63% or a DfE code (SUPP, NE, NP, LOWCOV, NEW, NA)",
            MeasureKind::Score => "an average scaled score or a DfE code (SUPP, NE, NP, LOWCOV, NEW, NA)",
            MeasureKind::Progress => "a progress score such as -1.2 or a DfE code (SUPP, NE, NP, LOWCOV, NEW, NA)",
            MeasureKind::Band => "a progress band 1 to 5 or a DfE code (SUPP, NE, NP, LOWCOV, NEW, NA)",
        };
        let err = || Ks2ValueError { value: t.to_owned(), expected };
        let number = match kind {
            MeasureKind::Percent => t.strip_suffix('%').unwrap_or(t),
            _ => t,
        };
        let x: f64 = number.trim().parse().map_err(|_| err())?;
        if !x.is_finite() {
            return Err(err());
        }
        let ok = match kind {
            MeasureKind::Count => x >= 0.0 && x.fract() == 0.0,
            MeasureKind::Percent => (0.0..=100.0).contains(&x),
            MeasureKind::Score => (0.0..=200.0).contains(&x),
            MeasureKind::Progress => (-100.0..=100.0).contains(&x),
            MeasureKind::Band => (1.0..=5.0).contains(&x) && x.fract() == 0.0,
        };
        if ok { Ok(Some(Ks2Value::Value(x))) } else { Err(err()) }
    }

    pub fn value(self) -> Option<f64> {
        match self {
            Ks2Value::Value(x) => Some(x),
            Ks2Value::Missing(_) => None,
        }
    }
}

/// Formats a figure for people: "63%" for percentages, "-1.2" for progress.
pub fn format_value(measure: Measure, x: f64) -> String {
    match measure.kind() {
        MeasureKind::Percent => format!("{}%", trim_float(x)),
        MeasureKind::Progress => format!("{x:.1}").replace("-0.0", "0.0"),
        _ => trim_float(x),
    }
}

fn trim_float(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") }
}

impl fmt::Display for Ks2Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ks2Value::Value(x) => write!(f, "{}", trim_float(*x)),
            Ks2Value::Missing(r) => f.write_str(r.code()),
        }
    }
}

/// Who a row of results is about: a school, a local authority or England.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Ks2Subject {
    School(Urn),
    /// DfE RECTYPE 3: a local-authority total.
    LocalAuthority(u16),
    /// DfE RECTYPE 4: England, all schools.
    EnglandAll,
    /// DfE RECTYPE 5: England, state-funded schools.
    EnglandStateFunded,
}

impl Ks2Subject {
    /// (level, code) as stored for non-school rows.
    pub fn area_key(self) -> Option<(&'static str, String)> {
        match self {
            Ks2Subject::School(_) => None,
            Ks2Subject::LocalAuthority(la) => Some(("la", la.to_string())),
            Ks2Subject::EnglandAll => Some(("england_all", "E92000001".into())),
            Ks2Subject::EnglandStateFunded => Some(("england_state_funded", "E92000001".into())),
        }
    }

    /// The subject of a stored area row, the inverse of [`Ks2Subject::area_key`].
    pub fn from_area_key(level: &str, code: &str) -> Option<Ks2Subject> {
        match level {
            "la" => code.parse().ok().map(Ks2Subject::LocalAuthority),
            "england_all" => Some(Ks2Subject::EnglandAll),
            "england_state_funded" => Some(Ks2Subject::EnglandStateFunded),
            _ => None,
        }
    }
}

/// One row of KS2 results: a subject in a year and the measures the file gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ks2Row {
    pub subject: Ks2Subject,
    pub year: AcademicYear,
    /// Aligned with the batch's measure list; `None` is "not given".
    pub values: Vec<Option<Ks2Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dfe_cells() {
        let p = |m, t| Ks2Value::parse(m, t);
        assert_eq!(p(Measure::RwmExpected, "63%"), Ok(Some(Ks2Value::Value(63.0))));
        assert_eq!(p(Measure::RwmExpected, "0%"), Ok(Some(Ks2Value::Value(0.0))));
        assert_eq!(p(Measure::ReadingProgress, "-4.8"), Ok(Some(Ks2Value::Value(-4.8))));
        assert_eq!(p(Measure::ReadingProgress, "SUPP"), Ok(Some(Ks2Value::Missing(MissingReason::Suppressed))));
        assert_eq!(p(Measure::ReadingProgress, "LOWCOV"), Ok(Some(Ks2Value::Missing(MissingReason::LowCoverage))));
        assert_eq!(p(Measure::EligiblePupils, "NEW"), Ok(Some(Ks2Value::Missing(MissingReason::NewSchool))));
        assert_eq!(p(Measure::ReadingProgress, " "), Ok(None));
        assert_eq!(p(Measure::ReadingProgress, ""), Ok(None));
        assert_eq!(p(Measure::ReadingProgressBand, "3"), Ok(Some(Ks2Value::Value(3.0))));
    }

    #[test]
    fn rejects_what_is_neither_a_figure_nor_a_code() {
        assert!(Ks2Value::parse(Measure::RwmExpected, "163%").is_err());
        assert!(Ks2Value::parse(Measure::RwmExpected, "n/a").is_err());
        assert!(Ks2Value::parse(Measure::EligiblePupils, "6.5").is_err());
        assert!(Ks2Value::parse(Measure::ReadingProgressBand, "6").is_err());
        assert!(Ks2Value::parse(Measure::ReadingProgress, "NaN").is_err());
        let e = Ks2Value::parse(Measure::RwmExpected, "lots").expect_err("an error");
        assert!(e.to_string().contains("percentage"), "{e}");
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for m in Measure::ALL {
            assert!(seen.insert(m.dfe_code()));
            assert_eq!(Measure::from_dfe_code(&m.column()), Some(*m));
        }
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_value(Measure::RwmExpected, 63.0), "63%");
        assert_eq!(format_value(Measure::ReadingProgress, -0.04), "0.0");
        assert_eq!(format_value(Measure::ReadingProgress, 2.25), "2.2");
    }
}
