//! The core's bank holidays against an independent list (`fixtures/bank_holidays/`, written by
//! `make_reference.py` from the `holidays` package).

use aspire_core::calendar::bank_holidays::{FIRST_YEAR, LAST_YEAR, bank_holidays_between};

#[test]
fn the_bank_holidays_match_the_independent_reference() {
    let csv = include_str!("fixtures/bank_holidays/england_2017_2027.csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("date"));
    let reference: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let ours: Vec<String> = bank_holidays_between(FIRST_YEAR, LAST_YEAR).iter().map(|h| h.date.to_string()).collect();
    let missing: Vec<&&str> = reference.iter().filter(|d| !ours.iter().any(|o| o == *d)).collect();
    let extra: Vec<&String> = ours.iter().filter(|o| !reference.contains(&o.as_str())).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing from ours: {missing:?}; not in the reference: {extra:?}");
    assert_eq!(ours.len(), reference.len());
}
