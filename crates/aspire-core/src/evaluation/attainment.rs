//! Did the cohort's KS2 results improve more than a comparison group's?
//!
//! For one measure: the cohort's mean in each year, each comparison group's, the change from the
//! baseline years to the follow-up years, a difference-in-differences estimate with clustered
//! errors, a school-level bootstrap of the difference in changes, and, against national, the ratio
//! of improvements when it means something. Missing values are excluded and counted by reason
//! before they get here; nothing is ever filled with zero.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::bootstrap::{BootstrapEstimate, bootstrap_difference, school_changes};
use super::did::{DidEstimate, Obs, Spec, did};
use crate::ks2::{Measure, MeasureKind};
use crate::urn::Urn;
use crate::year::AcademicYear;

/// One school's figure in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measurement {
    pub urn: Urn,
    pub year: AcademicYear,
    pub value: f64,
}

/// Who the cohort is compared with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonGroup {
    /// Short stable key: "national", "sponsored", "matched", "eligible".
    pub key: String,
    /// For sentences: "schools nationally", "sponsored academies".
    pub label: String,
    /// The schools; `None` means every school with results that is not in the cohort.
    pub members: Option<BTreeSet<Urn>>,
}

/// A group's mean in a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearMean {
    pub year: String,
    pub mean: f64,
    pub schools: usize,
}

/// How the national figures were obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NationalSource {
    /// DfE national (state-funded) rows for every year used.
    Published,
    /// Computed from school rows for at least one year (a mean of school figures).
    Computed,
}

/// Cohort improvement ÷ national improvement, or why it is not given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Ratio {
    Given { value: f64, ci_low: f64, ci_high: f64 },
    NotMeaningful { why: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonResult {
    pub key: String,
    pub label: String,
    pub means: Vec<YearMean>,
    /// The average school's change in the group, or for "national" the change in the DfE national
    /// figures when they are published for every year.
    pub change: Option<f64>,
    /// Difference-in-differences, two-way fixed effects, clustered by school.
    pub did: Option<DidEstimate>,
    /// Why there is no estimate, when there is none.
    pub did_problem: Option<String>,
    /// Cohort change minus comparison change, bootstrapped over schools.
    pub bootstrap: Option<BootstrapEstimate>,
    /// Only for the national comparison.
    pub ratio: Option<Ratio>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureResult {
    pub measure: Measure,
    pub code: &'static str,
    pub label: &'static str,
    pub cohort_means: Vec<YearMean>,
    /// The average cohort school's change: follow-up mean minus baseline mean, over the schools
    /// with figures in both periods.
    pub cohort_change: Option<f64>,
    /// Its bootstrap interval (resampling cohort schools).
    pub cohort_change_ci: Option<(f64, f64)>,
    /// Cohort schools with at least one baseline and one follow-up figure.
    pub cohort_schools_with_change: usize,
    pub comparisons: Vec<ComparisonResult>,
    pub national_source: NationalSource,
    /// Published national figures used, by year.
    pub national_published: BTreeMap<String, f64>,
    pub warnings: Vec<String>,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Settings {
    pub baseline: Vec<AcademicYear>,
    pub followup: Vec<AcademicYear>,
    pub replicates: usize,
    pub seed: u64,
    pub level: f64,
}

/// Cohorts smaller than this get a warning: intervals from few schools are approximate.
pub const SMALL_COHORT: usize = 20;

/// Below this many cohort schools no interval is given at all. Clustered standard errors and a
/// school bootstrap both learn the spread from the cohort's schools: from one school they report
/// no spread, and from a handful they understate it badly. The changes are still shown.
pub const MIN_SCHOOLS_FOR_INTERVAL: usize = 5;

fn too_few(n: usize) -> String {
    format!(
        "only {n} cohort school{} {} figures in both periods; at least {MIN_SCHOOLS_FOR_INTERVAL} are needed for an estimate with an interval (from fewer, clustered and bootstrap errors understate the uncertainty)",
        if n == 1 { "" } else { "s" },
        if n == 1 { "has" } else { "have" },
    )
}

fn mean_by_year(values: &[&Measurement], years: &[AcademicYear]) -> Vec<YearMean> {
    years
        .iter()
        .filter_map(|&y| {
            let v: Vec<f64> = values.iter().filter(|m| m.year == y).map(|m| m.value).collect();
            (!v.is_empty()).then(|| YearMean {
                year: y.to_string(),
                mean: v.iter().sum::<f64>() / v.len() as f64,
                schools: v.len(),
            })
        })
        .collect()
}

/// Mean of the follow-up years' means minus mean of the baseline years' means.
fn change(means: &[YearMean], baseline: &[AcademicYear], followup: &[AcademicYear]) -> Option<f64> {
    let avg = |years: &[AcademicYear]| {
        let v: Vec<f64> =
            years.iter().filter_map(|y| means.iter().find(|m| m.year == y.to_string()).map(|m| m.mean)).collect();
        (v.len() == years.len() && !v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    Some(avg(followup)? - avg(baseline)?)
}

/// Evaluates one measure. `values` holds every school's non-missing figures in the years of
/// interest; `published` the DfE national figures by year, where a file had them.
pub fn evaluate_measure(
    measure: Measure,
    values: &[Measurement],
    cohort: &BTreeSet<Urn>,
    groups: &[ComparisonGroup],
    published: &BTreeMap<AcademicYear, f64>,
    s: &Settings,
) -> MeasureResult {
    let years: Vec<AcademicYear> = s.baseline.iter().chain(s.followup.iter()).copied().collect();
    let cohort_values: Vec<&Measurement> = values.iter().filter(|m| cohort.contains(&m.urn)).collect();
    let cohort_means = mean_by_year(&cohort_values, &years);
    let mut warnings = Vec::new();
    for y in &years {
        if !cohort_means.iter().any(|m| m.year == y.to_string()) {
            warnings.push(format!("No cohort school has a {} figure in {y}.", measure.dfe_code()));
        }
    }

    // Number schools once for all comparisons.
    let mut index: HashMap<Urn, u32> = HashMap::new();
    for m in values {
        let n = index.len() as u32;
        index.entry(m.urn).or_insert(n);
    }
    let baseline: Vec<u16> = s.baseline.iter().map(|y| y.start_year()).collect();
    let followup: Vec<u16> = s.followup.iter().map(|y| y.start_year()).collect();

    // Each school's change, numbered once for all comparisons.
    let all_panel: Vec<Obs> =
        values.iter().map(|m| Obs { school: index[&m.urn], year: m.year.start_year(), y: m.value }).collect();
    let mut treated = vec![false; index.len()];
    for u in cohort {
        if let Some(&i) = index.get(u) {
            treated[i as usize] = true;
        }
    }
    let (cohort_changes, _) = school_changes(&all_panel, &treated, &baseline, &followup);
    let cohort_with_change = cohort_changes.len();
    let cohort_change =
        (!cohort_changes.is_empty()).then(|| cohort_changes.iter().sum::<f64>() / cohort_changes.len() as f64);
    let intervals = cohort_with_change >= MIN_SCHOOLS_FOR_INTERVAL;
    let cohort_change_ci = if intervals {
        bootstrap_difference(&cohort_changes, &[0.0], s.replicates, s.seed ^ 0x5eed, s.level)
            .map(|b| (b.ci_low, b.ci_high))
    } else {
        None
    };

    let mut comparisons = Vec::new();
    for g in groups {
        let in_group = |u: &Urn| !cohort.contains(u) && g.members.as_ref().is_none_or(|m| m.contains(u));
        let group_values: Vec<&Measurement> = values.iter().filter(|m| in_group(&m.urn)).collect();
        let mut means = mean_by_year(&group_values, &years);
        let mut all_published = false;
        if g.key == "national" {
            // DfE national rows replace the computed means where a file had them.
            let mut n = 0;
            for m in &mut means {
                if let Some(p) = years.iter().find(|y| y.to_string() == m.year).and_then(|y| published.get(y)) {
                    m.mean = *p;
                    n += 1;
                }
            }
            all_published = n == years.len();
        }

        // The panel: cohort and group schools only.
        let panel: Vec<Obs> = all_panel
            .iter()
            .zip(values)
            .filter(|(_, m)| cohort.contains(&m.urn) || in_group(&m.urn))
            .map(|(o, _)| *o)
            .collect();
        let (did_est, did_problem) = if !intervals {
            (None, Some(too_few(cohort_with_change)))
        } else {
            match did(&panel, &treated, &followup, Spec::TwoWay, s.level) {
                Ok(e) => (Some(e), None),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        let (t, c) = school_changes(&panel, &treated, &baseline, &followup);
        let boot = if intervals { bootstrap_difference(&t, &c, s.replicates, s.seed, s.level) } else { None };
        let group_change = if all_published {
            change(&means, &s.baseline, &s.followup)
        } else {
            (!c.is_empty()).then(|| c.iter().sum::<f64>() / c.len() as f64)
        };
        let ratio =
            (g.key == "national").then(|| national_ratio(measure, cohort_change, cohort_change_ci, group_change));
        comparisons.push(ComparisonResult {
            key: g.key.clone(),
            label: g.label.clone(),
            means,
            change: group_change,
            did: did_est,
            did_problem,
            bootstrap: boot,
            ratio,
        });
    }
    if cohort_with_change == 0 {
        // Said already by the years without figures, or by the missing change itself.
    } else if cohort_with_change < MIN_SCHOOLS_FOR_INTERVAL {
        warnings.push(format!(
            "No interval for {}: {}. The changes shown describe these schools; they are not evidence of an effect.",
            measure.dfe_code(),
            too_few(cohort_with_change)
        ));
    } else if cohort_with_change < SMALL_COHORT {
        warnings.push(format!(
            "Only {cohort_with_change} cohort schools have both a baseline and a follow-up {} figure: intervals from so few schools are approximate, and one school can move the result.",
            measure.dfe_code()
        ));
    }
    let national_published: BTreeMap<String, f64> =
        years.iter().filter_map(|y| published.get(y).map(|v| (y.to_string(), *v))).collect();
    MeasureResult {
        measure,
        code: measure.dfe_code(),
        label: measure.label(),
        cohort_means,
        cohort_change,
        cohort_change_ci,
        cohort_schools_with_change: cohort_with_change,
        comparisons,
        national_source: if national_published.len() == years.len() {
            NationalSource::Published
        } else {
            NationalSource::Computed
        },
        national_published,
        warnings,
    }
}

/// The smallest national change, in the measure's units, for which a ratio is shown.
fn ratio_floor(measure: Measure) -> f64 {
    match measure.kind() {
        MeasureKind::Percent => 1.0,
        MeasureKind::Score => 0.5,
        _ => f64::INFINITY,
    }
}

/// Cohort change ÷ national change. The interval is the cohort change's bootstrap interval
/// divided by the national change, which is taken as fixed (it averages all of England).
fn national_ratio(
    measure: Measure,
    cohort_change: Option<f64>,
    ci: Option<(f64, f64)>,
    national_change: Option<f64>,
) -> Ratio {
    if measure.kind() == MeasureKind::Progress {
        return Ratio::NotMeaningful {
            why: "Progress scores are centred on 0 nationally every year, so the national change is 0 by construction and a ratio means nothing; the difference in change is the measure to read.".into(),
        };
    }
    let (Some(cc), Some(nc)) = (cohort_change, national_change) else {
        return Ratio::NotMeaningful { why: "The cohort or the national figures are missing for a year.".into() };
    };
    let Some((lo, hi)) = ci else {
        return Ratio::NotMeaningful {
            why: "The cohort's change has no interval (too few schools), and a ratio is never shown without one."
                .into(),
        };
    };
    let floor = ratio_floor(measure);
    if nc.abs() < floor {
        return Ratio::NotMeaningful {
            why: format!(
                "The national change ({nc:+.1}) is smaller than {floor} point{}: dividing by it would magnify noise into a large, meaningless ratio.",
                if floor == 1.0 { "" } else { "s" }
            ),
        };
    }
    let (a, b) = (lo / nc, hi / nc);
    Ratio::Given { value: cc / nc, ci_low: a.min(b), ci_high: a.max(b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(start: u16) -> AcademicYear {
        AcademicYear::starting(start).expect("year")
    }

    fn urn(n: u32) -> Urn {
        Urn::try_from(100_000 + i64::from(n)).expect("urn")
    }

    fn settings() -> Settings {
        Settings { baseline: vec![year(2016)], followup: vec![year(2018)], replicates: 200, seed: 7, level: 0.95 }
    }

    /// `cohort` schools rise from 50 to 60 (give or take a school-specific wobble); 40 others
    /// rise from 50 to 52.
    fn panel(cohort: u32) -> (Vec<Measurement>, BTreeSet<Urn>) {
        let mut values = Vec::new();
        let mut members = BTreeSet::new();
        for i in 0..cohort + 40 {
            let wobble = f64::from(i % 5) - 2.0;
            let (before, after) = if i < cohort { (50.0, 60.0 + wobble) } else { (50.0 + wobble, 52.0) };
            values.push(Measurement { urn: urn(i), year: year(2016), value: before });
            values.push(Measurement { urn: urn(i), year: year(2018), value: after });
            if i < cohort {
                members.insert(urn(i));
            }
        }
        (values, members)
    }

    fn national() -> Vec<ComparisonGroup> {
        vec![ComparisonGroup { key: "national".into(), label: "schools nationally".into(), members: None }]
    }

    #[test]
    fn a_cohort_that_improved_more_gets_estimates_with_intervals() {
        let (values, cohort) = panel(30);
        let r = evaluate_measure(Measure::RwmExpected, &values, &cohort, &national(), &BTreeMap::new(), &settings());
        assert_eq!(r.cohort_schools_with_change, 30);
        let cc = r.cohort_change.expect("present");
        assert!((cc - 10.0).abs() < 1e-9, "{cc}");
        let (lo, hi) = r.cohort_change_ci.expect("present");
        assert!(lo < cc && cc < hi);
        let n = &r.comparisons[0];
        assert!((n.change.expect("present") - 2.0).abs() < 1e-9);
        let d = n.did.as_ref().expect("present");
        assert!((d.estimate - 8.0).abs() < 1e-9, "{}", d.estimate);
        assert!(d.ci_low < 8.0 && 8.0 < d.ci_high);
        assert_eq!(d.n_treated_schools, 30);
        let b = n.bootstrap.as_ref().expect("present");
        assert!((b.estimate - 8.0).abs() < 1e-9);
        // The national change is computed (nothing published) and 2 points: a ratio of 5 is shown.
        assert_eq!(r.national_source, NationalSource::Computed);
        match n.ratio.as_ref().expect("present") {
            Ratio::Given { value, ci_low, ci_high } => {
                assert!((value - 5.0).abs() < 1e-9);
                assert!(ci_low < value && value < ci_high);
            }
            other => panic!("{other:?}"),
        }
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn too_few_schools_get_changes_but_no_interval_and_a_warning() {
        for n in [1, 4] {
            let (values, cohort) = panel(n);
            let r =
                evaluate_measure(Measure::RwmExpected, &values, &cohort, &national(), &BTreeMap::new(), &settings());
            assert!(r.cohort_change.is_some());
            assert_eq!(r.cohort_change_ci, None, "{n} schools");
            let c = &r.comparisons[0];
            assert!(c.did.is_none() && c.bootstrap.is_none());
            assert!(c.did_problem.as_deref().expect("present").contains("at least 5"), "{:?}", c.did_problem);
            assert!(matches!(c.ratio, Some(Ratio::NotMeaningful { .. })));
            assert!(r.warnings.iter().any(|w| w.starts_with("No interval")), "{:?}", r.warnings);
        }
        let (values, cohort) = panel(5);
        let r = evaluate_measure(Measure::RwmExpected, &values, &cohort, &national(), &BTreeMap::new(), &settings());
        assert!(r.comparisons[0].did.is_some());
        assert!(r.warnings.iter().any(|w| w.contains("approximate")), "{:?}", r.warnings);
    }

    #[test]
    fn no_ratio_when_the_national_change_is_near_zero_or_for_progress_scores() {
        let (values, cohort) = panel(30);
        let published = BTreeMap::from([(year(2016), 65.0), (year(2018), 65.4)]);
        let r = evaluate_measure(Measure::RwmExpected, &values, &cohort, &national(), &published, &settings());
        assert_eq!(r.national_source, NationalSource::Published);
        let n = &r.comparisons[0];
        assert!((n.change.expect("present") - 0.4).abs() < 1e-9, "published figures give the national change");
        match n.ratio.as_ref().expect("present") {
            Ratio::NotMeaningful { why } => assert!(why.contains("+0.4"), "{why}"),
            other => panic!("{other:?}"),
        }
        let r =
            evaluate_measure(Measure::ReadingProgress, &values, &cohort, &national(), &BTreeMap::new(), &settings());
        assert!(matches!(r.comparisons[0].ratio, Some(Ratio::NotMeaningful { .. })));
    }

    #[test]
    fn a_year_without_cohort_figures_is_said() {
        let (mut values, cohort) = panel(30);
        values.retain(|m| !(cohort.contains(&m.urn) && m.year == year(2018)));
        let r = evaluate_measure(Measure::RwmExpected, &values, &cohort, &national(), &BTreeMap::new(), &settings());
        assert_eq!(r.cohort_change, None);
        assert!(r.warnings.iter().any(|w| w.contains("No cohort school has a PTRWM_EXP figure in 2018/19")));
    }
}
