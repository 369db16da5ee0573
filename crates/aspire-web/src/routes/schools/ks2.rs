//! A school's KS2 results as trends: per measure, a table with the years across and a chart of
//! the school's figures beside England's, with where England's figure comes from said plainly.

use std::collections::BTreeMap;

use aspire_core::ks2::{Measure, MeasureKind};
use aspire_core::urn::Urn;
use aspire_store::{HEADLINE_MEASURES, Ks2Year, NationalFigure, SchoolProfile};

use crate::filters;
use crate::routes::evaluation::charts::{LineChart, line_chart_on};

/// One year's column of a measure's table.
pub struct YearColumn {
    pub year: String,
    /// Set when that year's results are another URN's (a predecessor's, say).
    pub whose: Option<(Urn, String)>,
    pub school: String,
    pub school_note: String,
    pub la: String,
    pub national: String,
}

pub struct MeasureTrend {
    /// For element ids.
    pub code: &'static str,
    pub label: &'static str,
    /// What the vertical axis measures.
    pub unit_title: &'static str,
    pub columns: Vec<YearColumn>,
    pub chart: LineChart,
    /// The chart's text equivalent: every figure it draws, in words.
    pub description: String,
    /// Where England's figures come from and how they are weighted.
    pub national_source: String,
    /// Whether any year has the local authority's figure (else the row is left out and a
    /// sentence says the figures are not in the data loaded).
    pub has_la: bool,
}

fn unit_title(m: Measure) -> &'static str {
    match m.kind() {
        MeasureKind::Percent => "Percentage of pupils",
        MeasureKind::Score => "Average scaled score",
        MeasureKind::Progress => "Progress score (0 = national average)",
        MeasureKind::Count => "Pupils",
        MeasureKind::Band => "Progress band",
    }
}

fn national_value(f: Option<&NationalFigure>) -> Option<f64> {
    match f? {
        NationalFigure::Published(x) => Some(*x),
        NationalFigure::ZeroByDefinition => Some(0.0),
        NationalFigure::Computed { value, .. } => Some(*value),
        NationalFigure::Unknown => None,
    }
}

/// Where England's figures of a measure come from, over the years shown.
fn national_source(years: &[(String, Option<&NationalFigure>)]) -> String {
    let mut published = Vec::new();
    let mut computed = Vec::new();
    let mut unknown = Vec::new();
    let mut zero = false;
    for (y, f) in years {
        match f {
            Some(NationalFigure::Published(_)) => published.push(y.clone()),
            Some(NationalFigure::ZeroByDefinition) => zero = true,
            Some(NationalFigure::Computed { schools, .. }) => computed.push(format!("{y} ({schools} schools)")),
            _ => unknown.push(y.clone()),
        }
    }
    let mut parts = Vec::new();
    if zero {
        parts.push("progress scores are 0 across England by definition, so England's line is 0".to_owned());
    }
    if !published.is_empty() {
        parts.push(format!(
            "{}: the DfE's published England figure from the results files imported, over all pupils in England (its state-funded schools row where the file has one, else its all-schools row)",
            published.join(", ")
        ));
    }
    if !computed.is_empty() {
        parts.push(format!(
            "{}: no DfE England figure was imported, so this is the mean of the school figures held, weighted by each school's number of pupils (marked ≈); it covers only the schools in the register, not all of England",
            computed.join(", ")
        ));
    }
    if !unknown.is_empty() {
        parts.push(format!("{}: no England figure is available", unknown.join(", ")));
    }
    let mut s = parts.join("; ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s.push('.');
    s
}

/// The trend of every headline measure the school (or its chain) has a figure or a reason for.
pub fn trends(p: &SchoolProfile, whose: impl Fn(Urn, &Ks2Year) -> Option<(Urn, String)>) -> Vec<MeasureTrend> {
    // One row of results a year, oldest first: the school's own where it has them, else the
    // nearest URN's in its chain.
    let mut by_year: BTreeMap<_, &Ks2Year> = BTreeMap::new();
    for y in &p.ks2 {
        let own = matches!(y.position, aspire_store::ChainPosition::Own);
        match by_year.get(&y.year) {
            Some(held) if matches!(held.position, aspire_store::ChainPosition::Own) || !own => {}
            _ => {
                by_year.insert(y.year, y);
            }
        }
    }
    let years: Vec<&Ks2Year> = by_year.into_values().collect();
    let labels: Vec<String> = years.iter().map(|y| y.year.to_string()).collect();
    HEADLINE_MEASURES
        .iter()
        .filter(|m| years.iter().any(|y| y.values.contains_key(m)))
        .map(|&m| {
            let school: Vec<Option<f64>> = years.iter().map(|y| y.values.get(&m).and_then(|v| v.value())).collect();
            let national: Vec<Option<f64>> = years.iter().map(|y| national_value(y.national.get(&m))).collect();
            let unit = if m.kind() == MeasureKind::Percent { "%" } else { "" };
            let chart = line_chart_on(
                &labels,
                &[
                    ("This school".into(), "line--cohort", school.clone()),
                    ("England".into(), "line--national", national.clone()),
                ],
                0,
                unit,
                matches!(m.kind(), MeasureKind::Percent | MeasureKind::Count),
            );
            let say = |vals: &[Option<f64>]| -> String {
                labels
                    .iter()
                    .zip(vals)
                    .map(|(l, v)| match v {
                        Some(x) => format!("{l} {}", aspire_core::ks2::format_value(m, *x)),
                        None => format!("{l} no figure"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let description = format!("This school: {}. England: {}.", say(&school), say(&national));
            let columns = years
                .iter()
                .map(|y| YearColumn {
                    year: y.year.to_string(),
                    whose: whose(y.urn, y),
                    school: filters::ks2_value(m, y.values.get(&m)),
                    school_note: filters::ks2_note(y.values.get(&m)),
                    la: y.la.get(&m).map(|v| filters::ks2_value(m, Some(v))).unwrap_or_else(|| "–".into()),
                    national: filters::national(m, y.national.get(&m)),
                })
                .collect();
            let sources: Vec<(String, Option<&NationalFigure>)> =
                years.iter().map(|y| (y.year.to_string(), y.national.get(&m))).collect();
            MeasureTrend {
                code: m.dfe_code(),
                label: m.label(),
                unit_title: unit_title(m),
                columns,
                chart,
                description,
                national_source: national_source(&sources),
                has_la: years.iter().any(|y| y.la.contains_key(&m)),
            }
        })
        .collect()
}
