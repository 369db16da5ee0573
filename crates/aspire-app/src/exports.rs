//! The column layouts of the files people download: one layout per export, shared by the
//! command line's CSV and the web's CSV and XLSX, so the same file has the same columns
//! whichever way it was made.

use std::borrow::Cow;

use aspire_core::evaluation::attainment::Ratio;
use aspire_store::{AttainmentReport, EligibilityRow};

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportCell<'a> {
    Number(i64),
    /// Empty when the value is missing.
    Text(Cow<'a, str>),
}

/// Columns of every eligibility export.
pub const ELIGIBILITY_COLUMNS: [&str; 12] = [
    "urn",
    "name",
    "la_code",
    "la_name",
    "district",
    "decision",
    "area",
    "ofsted_grade",
    "ofsted_date",
    "ofsted_urn",
    "inherited",
    "reason",
];

/// A decision's cells in [`ELIGIBILITY_COLUMNS`] order, borrowing what they can: an export can
/// have a row for every school in England.
pub fn eligibility_cells(r: &EligibilityRow) -> [ExportCell<'_>; 12] {
    fn text(t: Option<&str>) -> ExportCell<'_> {
        ExportCell::Text(Cow::Borrowed(t.unwrap_or_default()))
    }
    let number = |n: Option<i64>| n.map_or(ExportCell::Text(Cow::Borrowed("")), ExportCell::Number);
    let d = &r.decision;
    let i = d.inspection.as_ref().map(|i| (&i.record.inspection, i.inherited));
    [
        ExportCell::Number(i64::from(d.urn)),
        text(r.name.as_deref()),
        number(r.la_code),
        text(r.la_name.as_deref()),
        text(r.district.as_deref()),
        text(Some(d.outcome.code())),
        text(d.area.as_deref()),
        number(i.map(|(i, _)| i64::from(i.judgement.grade.number()))),
        i.map_or(text(None), |(i, _)| ExportCell::Text(Cow::Owned(i.date.to_string()))),
        number(i.map(|(i, _)| i64::from(i.urn))),
        text(i.map(|(_, inherited)| if inherited { "yes" } else { "no" })),
        ExportCell::Text(Cow::Owned(d.reason())),
    ]
}

/// An attainment report as one row per measure and comparison group (headers, rows); a figure
/// that could not be estimated is an empty cell.
pub fn attainment_table(r: &AttainmentReport) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec![
        "measure",
        "comparison",
        "cohort_change",
        "cohort_change_ci_low",
        "cohort_change_ci_high",
        "cohort_schools_with_change",
        "comparison_change",
        "did_estimate",
        "did_se",
        "did_ci_low",
        "did_ci_high",
        "n_obs",
        "n_schools",
        "n_cohort_schools",
        "bootstrap_difference",
        "bootstrap_se",
        "bootstrap_ci_low",
        "bootstrap_ci_high",
        "ratio",
        "ratio_ci_low",
        "ratio_ci_high",
    ];
    let f = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x}"));
    let mut rows = Vec::new();
    for m in &r.measures {
        for c in &m.comparisons {
            let (ratio, rlo, rhi) = match &c.ratio {
                Some(Ratio::Given { value, ci_low, ci_high }) => (Some(*value), Some(*ci_low), Some(*ci_high)),
                _ => (None, None, None),
            };
            let d = c.did.as_ref();
            let b = c.bootstrap.as_ref();
            rows.push(vec![
                m.code.to_owned(),
                c.key.clone(),
                f(m.cohort_change),
                f(m.cohort_change_ci.map(|c| c.0)),
                f(m.cohort_change_ci.map(|c| c.1)),
                m.cohort_schools_with_change.to_string(),
                f(c.change),
                f(d.map(|d| d.estimate)),
                f(d.map(|d| d.se)),
                f(d.map(|d| d.ci_low)),
                f(d.map(|d| d.ci_high)),
                d.map_or(String::new(), |d| d.n_obs.to_string()),
                d.map_or(String::new(), |d| d.n_schools.to_string()),
                d.map_or(String::new(), |d| d.n_treated_schools.to_string()),
                f(b.map(|b| b.estimate)),
                f(b.map(|b| b.se)),
                f(b.map(|b| b.ci_low)),
                f(b.map(|b| b.ci_high)),
                f(ratio),
                f(rlo),
                f(rhi),
            ]);
        }
    }
    (headers, rows)
}
