//! Ofsted outcomes of a cohort over a window: how many were inspected, the share judged Good or
//! better, the transitions from the judgement before the window to the latest in it, and the same
//! for every other school with the same judgement before the window.
//!
//! A school that changed URN (an academy conversion) is followed to its successor: an inspection
//! of the new URN inside the window counts for the school, and the report lists where this was done.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::eligibility::InspectionRecord;
use crate::links::LinkGraph;
use crate::ofsted::Grade;
use crate::urn::Urn;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proportion {
    pub count: usize,
    pub of: usize,
    pub share: f64,
    /// Wilson score interval.
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Proportion {
    pub fn new(count: usize, of: usize, z: f64) -> Option<Proportion> {
        if of == 0 {
            return None;
        }
        let n = of as f64;
        let p = count as f64 / n;
        let denom = 1.0 + z * z / n;
        let centre = (p + z * z / (2.0 * n)) / denom;
        let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
        Some(Proportion { count, of, share: p, ci_low: (centre - half).max(0.0), ci_high: (centre + half).min(1.0) })
    }
}

/// Where a cohort school's in-window inspection was found under another URN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowedUrn {
    pub urn: Urn,
    pub inspected_as: Urn,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupOutcome {
    pub schools: usize,
    /// With a graded judgement before the window.
    pub with_prior: usize,
    pub inspected: usize,
    /// Good or better among those inspected in the window.
    pub good_or_better: Option<Proportion>,
    /// prior grade (or "none") -> latest grade in the window -> schools. Only inspected schools.
    pub transitions: BTreeMap<String, BTreeMap<String, usize>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfstedOutcomes {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cohort: GroupOutcome,
    /// Every other school with a judgement before the window.
    pub reference: GroupOutcome,
    /// What the cohort's share would be if each of its inspected schools did as well as the
    /// reference schools with the same prior grade.
    pub expected_good_or_better: Option<f64>,
    pub followed: Vec<FollowedUrn>,
    pub warnings: Vec<String>,
}

fn grade_key(g: Option<Grade>) -> String {
    g.map_or("none".to_owned(), |g| g.number().to_string())
}

struct SchoolOutcome {
    prior: Option<Grade>,
    latest_in_window: Option<(Grade, Urn, NaiveDate)>,
}

fn outcome_of(
    urn: Urn,
    graph: &LinkGraph,
    by_urn: &HashMap<Urn, Vec<&InspectionRecord>>,
    from: NaiveDate,
    to: NaiveDate,
) -> SchoolOutcome {
    let lineage = graph.lineage(urn);
    // Before the window: the school's own, else its nearest predecessor's.
    let prior_of = |u: Urn| {
        by_urn
            .get(&u)
            .into_iter()
            .flatten()
            .filter(|r| r.inspection.date < from)
            .max_by_key(|r| r.inspection.date)
            .map(|r| r.inspection)
    };
    let prior =
        prior_of(urn).or_else(|| lineage.predecessors.iter().find_map(|p| prior_of(p.urn))).map(|i| i.judgement.grade);
    // In the window: the school's own or any successor's (a conversion during the window).
    let latest_in_window = std::iter::once(urn)
        .chain(lineage.successors.iter().map(|s| s.urn))
        .flat_map(|u| by_urn.get(&u).into_iter().flatten())
        .filter(|r| r.inspection.date >= from && r.inspection.date <= to)
        .max_by_key(|r| r.inspection.date)
        .map(|r| (r.inspection.judgement.grade, r.inspection.urn, r.inspection.date));
    SchoolOutcome { prior, latest_in_window }
}

fn summarise(outcomes: &[SchoolOutcome], z: f64) -> GroupOutcome {
    let mut transitions: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut inspected = 0;
    let mut good = 0;
    for o in outcomes {
        if let Some((g, _, _)) = o.latest_in_window {
            inspected += 1;
            if g <= Grade::Good {
                good += 1;
            }
            *transitions.entry(grade_key(o.prior)).or_default().entry(grade_key(Some(g))).or_default() += 1;
        }
    }
    GroupOutcome {
        schools: outcomes.len(),
        with_prior: outcomes.iter().filter(|o| o.prior.is_some()).count(),
        inspected,
        good_or_better: Proportion::new(good, inspected, z),
        transitions,
    }
}

/// Ofsted outcomes over [from, to]. `reference` is every other school to compare with (those
/// with a prior judgement are used).
pub fn ofsted_outcomes(
    cohort: &[Urn],
    reference: &[Urn],
    inspections: &[InspectionRecord],
    graph: &LinkGraph,
    from: NaiveDate,
    to: NaiveDate,
) -> OfstedOutcomes {
    let z = 1.959_963_984_540_054;
    let mut by_urn: HashMap<Urn, Vec<&InspectionRecord>> = HashMap::new();
    for r in inspections {
        by_urn.entry(r.inspection.urn).or_default().push(r);
    }
    let cohort_outcomes: Vec<SchoolOutcome> = cohort.iter().map(|u| outcome_of(*u, graph, &by_urn, from, to)).collect();
    let followed = cohort
        .iter()
        .zip(&cohort_outcomes)
        .filter_map(|(u, o)| {
            o.latest_in_window.filter(|(_, as_urn, _)| as_urn != u).map(|(_, inspected_as, date)| FollowedUrn {
                urn: *u,
                inspected_as,
                date,
            })
        })
        .collect();
    let reference_outcomes: Vec<SchoolOutcome> =
        reference.iter().map(|u| outcome_of(*u, graph, &by_urn, from, to)).filter(|o| o.prior.is_some()).collect();
    let cohort_summary = summarise(&cohort_outcomes, z);
    let reference_summary = summarise(&reference_outcomes, z);

    // Expected share: the reference's good-or-better rate for each prior grade, weighted by the
    // cohort's inspected schools with that prior grade.
    let rate = |prior: &str| -> Option<f64> {
        let row = reference_summary.transitions.get(prior)?;
        let n: usize = row.values().sum();
        let good: usize = row.iter().filter(|(k, _)| *k == "1" || *k == "2").map(|(_, v)| v).sum();
        (n > 0).then(|| good as f64 / n as f64)
    };
    let mut expected = 0.0;
    let mut weight = 0usize;
    for (prior, row) in &cohort_summary.transitions {
        let n: usize = row.values().sum();
        if let Some(r) = rate(prior) {
            expected += r * n as f64;
            weight += n;
        }
    }
    let mut warnings = Vec::new();
    if cohort_summary.inspected < 20 {
        let n = cohort_summary.inspected;
        warnings.push(match n {
            0 => "No cohort school was inspected in the window.".to_owned(),
            1 => "Only 1 cohort school was inspected in the window: the share judged Good or better has a wide interval.".to_owned(),
            n => format!("Only {n} cohort schools were inspected in the window: the share judged Good or better has a wide interval."),
        });
    }
    OfstedOutcomes {
        from,
        to,
        cohort: cohort_summary,
        reference: reference_summary,
        expected_good_or_better: (weight > 0).then(|| expected / weight as f64),
        followed,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::links::EstablishmentLink;
    use crate::ofsted::{Inspection, Judgement};

    fn urn(n: u32) -> Urn {
        Urn::try_from(n).expect("urn")
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn rec(u: u32, date: &str, g: Grade) -> InspectionRecord {
        InspectionRecord {
            inspection: Inspection { urn: urn(u), date: d(date), judgement: Judgement::new(g) },
            source: None,
        }
    }

    #[test]
    fn wilson_intervals() {
        let p = Proportion::new(19, 30, 1.959_963_984_540_054).expect("p");
        assert!((p.share - 0.6333).abs() < 1e-3);
        // Reference values for 19/30 (Wilson, 95%): 0.4551 to 0.7813.
        assert!((p.ci_low - 0.4551).abs() < 1e-3 && (p.ci_high - 0.7813).abs() < 1e-3, "{p:?}");
        assert!(Proportion::new(0, 0, 1.96).is_none());
    }

    #[test]
    fn cohort_outcomes_follow_conversions_and_compare_like_with_like() {
        let recs = vec![
            rec(100001, "2012-05-01", Grade::RequiresImprovement),
            rec(100001, "2015-02-01", Grade::Good), // in window
            rec(100002, "2013-01-01", Grade::RequiresImprovement),
            rec(140002, "2015-06-01", Grade::Good), // the academy 100002 became
            rec(100003, "2013-01-01", Grade::Inadequate),
            // Reference schools
            rec(200001, "2012-01-01", Grade::RequiresImprovement),
            rec(200001, "2015-01-01", Grade::RequiresImprovement),
            rec(200002, "2012-01-01", Grade::RequiresImprovement),
            rec(200002, "2015-01-01", Grade::Good),
            rec(200003, "2012-01-01", Grade::Good),
            rec(200003, "2015-01-01", Grade::Good),
        ];
        let links = [EstablishmentLink {
            urn: urn(100002),
            link_urn: urn(140002),
            link_name: None,
            link_type: "Successor".into(),
            established: None,
        }];
        let graph = LinkGraph::new(&links);
        let o = ofsted_outcomes(
            &[urn(100001), urn(100002), urn(100003)],
            &[urn(200001), urn(200002), urn(200003), urn(200004)],
            &recs,
            &graph,
            d("2014-09-01"),
            d("2016-08-31"),
        );
        assert_eq!(o.cohort.inspected, 2);
        assert_eq!(o.cohort.good_or_better.as_ref().map(|p| p.count), Some(2));
        assert_eq!(
            o.followed,
            vec![FollowedUrn { urn: urn(100002), inspected_as: urn(140002), date: d("2015-06-01") }]
        );
        assert_eq!(o.cohort.transitions["3"]["2"], 2);
        assert_eq!(o.reference.schools, 3, "the school without a prior judgement is left out");
        // Reference schools that were grade 3 before: one of two became Good.
        assert_eq!(o.expected_good_or_better, Some(0.5));
        assert!(!o.warnings.is_empty(), "small cohort warned");
    }
}
