//! Formatting helpers used by templates.

use aspire_core::ks2::{Ks2Value, Measure, format_value};
use aspire_core::ofsted::Inspection;
use aspire_store::NationalFigure;

/// "Good", "Requires improvement" (or "Satisfactory" before 2012), ...
pub fn judgement(i: &Inspection) -> String {
    i.judgement.label(i.date).to_owned()
}

/// CSS modifier for a grade tag.
pub fn grade_class(i: &Inspection) -> &'static str {
    match i.judgement.grade.number() {
        1 => "tag--outstanding",
        2 => "tag--good",
        3 => "tag--ri",
        _ => "tag--inadequate",
    }
}

pub fn ks2_value(m: Measure, v: Option<&Ks2Value>) -> String {
    match v {
        Some(Ks2Value::Value(x)) => format_value(m, *x),
        Some(Ks2Value::Missing(r)) => r.code().to_owned(),
        None => "–".to_owned(),
    }
}

pub fn ks2_note(v: Option<&Ks2Value>) -> String {
    match v {
        Some(Ks2Value::Missing(r)) => r.explanation().to_owned(),
        Some(Ks2Value::Value(_)) => String::new(),
        None => "not in the files imported".to_owned(),
    }
}

pub fn national(m: Measure, f: Option<&NationalFigure>) -> String {
    match f {
        Some(NationalFigure::Published(x)) => format_value(m, *x),
        Some(NationalFigure::ZeroByDefinition) => "0.0".to_owned(),
        Some(NationalFigure::Computed { value, .. }) => format!("≈{}", format_value(m, *value)),
        _ => "–".to_owned(),
    }
}

pub use aspire_core::text::thousands;

/// A count of pupils as the directory shows it: thousands separated, blank when unknown.
pub fn pupils(n: &Option<i64>) -> String {
    n.map(|n| thousands(n.max(0) as u64)).unwrap_or_default()
}
