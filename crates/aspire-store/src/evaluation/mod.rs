//! Evaluating a cohort: loads KS2 panels, comparison groups, covariates and inspection histories
//! in bulk (`panel`) and hands them to `aspire_core::evaluation` (`attainment`); saved cohorts
//! (`cohorts`).

mod attainment;
mod cohorts;
mod panel;

pub use cohorts::Cohort;

use std::collections::BTreeSet;

use serde::Serialize;

use aspire_core::evaluation::attainment::{MeasureResult, Settings};
use aspire_core::evaluation::matching::Matching;
use aspire_core::ks2::Measure;
use aspire_core::urn::Urn;

/// The measures evaluated by default: progress in reading, writing and maths, and attainment in
/// RWM at the expected and higher standards and in maths at the higher standard.
pub const DEFAULT_MEASURES: &[Measure] = &[
    Measure::ReadingProgress,
    Measure::WritingProgress,
    Measure::MathsProgress,
    Measure::RwmExpected,
    Measure::RwmHigher,
    Measure::MathsHigher,
];

/// The comparison groups Aspire can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    /// Every other school with results.
    National,
    /// Sponsored academies (GIAS / DfE type "sponsor led").
    Sponsored,
    /// Nearest neighbours on baseline attainment, % FSM, size and prior Ofsted grade.
    Matched,
    /// Schools eligible for the programme (its rule set, on its start date) that did not take
    /// part: for a programme's cohort.
    Eligible,
}

impl Comparison {
    pub fn parse(s: &str) -> Option<Comparison> {
        match s.trim().to_ascii_lowercase().as_str() {
            "national" => Some(Comparison::National),
            "sponsored" => Some(Comparison::Sponsored),
            "matched" => Some(Comparison::Matched),
            "eligible" => Some(Comparison::Eligible),
            _ => None,
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct AttainmentRequest {
    pub cohort: BTreeSet<Urn>,
    pub measures: Vec<Measure>,
    pub comparisons: Vec<Comparison>,
    pub settings: Settings,
    /// Count a cohort school's results under the URN it moved to (an academy conversion) within
    /// the window. Off by default, so results are by URN as published.
    pub follow_urn_changes: bool,
    /// The schools eligible for the programme, for [`Comparison::Eligible`] (the cohort is
    /// taken out of them).
    pub eligible: Option<BTreeSet<Urn>>,
}

/// A cohort school that changed URN during the window, and what was done with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UrnChange {
    pub urn: Urn,
    pub successor: Urn,
    pub successor_years: Vec<String>,
    pub followed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingCount {
    pub measure: &'static str,
    pub year: String,
    /// DfE reason (SUPP, LOWCOV, ...) or "blank".
    pub reason: String,
    pub cohort_schools: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttainmentReport {
    pub cohort_size: usize,
    pub baseline: Vec<String>,
    pub followup: Vec<String>,
    pub measures: Vec<MeasureResult>,
    /// Measures with no figures in the years asked for.
    pub measures_without_data: Vec<&'static str>,
    /// Cohort figures left out, by reason: never counted as zero.
    pub missing: Vec<MissingCount>,
    pub matching: Option<Matching>,
    pub urn_changes: Vec<UrnChange>,
    pub replicates: usize,
    pub seed: u64,
}
