//! A matched comparison group: for each cohort school, the nearest other schools on baseline
//! attainment, % free school meals, size and prior Ofsted grade, within a caliper, with a
//! balance table of standardised mean differences before and after matching.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::urn::Urn;

/// What schools are matched on. A covariate known for fewer than half the cohort is not used
/// (and the report says so); schools missing a covariate that is used are left out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Covariates {
    /// Mean of the outcome in the baseline years.
    pub baseline: Option<f64>,
    /// % of pupils eligible for free school meals.
    pub fsm: Option<f64>,
    /// Pupils on roll (or at the end of KS2).
    pub size: Option<f64>,
    /// Latest graded Ofsted judgement before the baseline, 1 to 4.
    pub prior_grade: Option<f64>,
}

impl Covariates {
    pub const NAMES: [&'static str; 4] =
        ["baseline attainment", "% free school meals", "size (pupils)", "prior Ofsted grade"];

    fn get(&self, i: usize) -> Option<f64> {
        match i {
            0 => self.baseline,
            1 => self.fsm,
            2 => self.size,
            _ => self.prior_grade,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceRow {
    pub covariate: &'static str,
    pub cohort_mean: f64,
    pub pool_mean: f64,
    pub matched_mean: f64,
    /// (cohort − comparison) ÷ pooled standard deviation; |SMD| < 0.1 is commonly taken as balanced.
    pub smd_before: f64,
    pub smd_after: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matching {
    /// Distinct comparison schools chosen.
    pub matched: BTreeSet<Urn>,
    /// Cohort schools with at least one neighbour within the caliper.
    pub cohort_matched: usize,
    /// Cohort schools with complete covariates but no neighbour within the caliper.
    pub cohort_unmatched: Vec<Urn>,
    /// Cohort schools left out for missing covariates.
    pub cohort_incomplete: usize,
    pub neighbours: usize,
    pub caliper: f64,
    /// Covariates matched on.
    pub used: Vec<&'static str>,
    /// Covariates not used, with how many cohort schools had them.
    pub not_used: Vec<(&'static str, usize)>,
    pub balance: Vec<BalanceRow>,
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = if v.len() > 1 { v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64 } else { 0.0 };
    (m, var)
}

fn smd(a: &[f64], b: &[f64]) -> f64 {
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let sd = ((va + vb) / 2.0).sqrt();
    if sd > 0.0 { (ma - mb) / sd } else { 0.0 }
}

/// Matches each cohort school to its `k` nearest pool schools (standardised Euclidean distance
/// over the covariates used, with replacement) that lie within `caliper` standard deviations.
pub fn nearest_neighbours(
    cohort: &[(Urn, Covariates)],
    pool: &[(Urn, Covariates)],
    k: usize,
    caliper: f64,
) -> Matching {
    let known = |i: usize| cohort.iter().filter(|(_, c)| c.get(i).is_some()).count();
    let used: Vec<usize> = (0..4).filter(|&i| !cohort.is_empty() && known(i) * 2 >= cohort.len()).collect();
    let not_used = (0..4).filter(|i| !used.contains(i)).map(|i| (Covariates::NAMES[i], known(i))).collect();
    let complete = |c: &Covariates| used.iter().all(|&i| c.get(i).is_some());
    let value = |c: &Covariates, i: usize| c.get(i).unwrap_or(f64::NAN);
    let cohort_ok: Vec<&(Urn, Covariates)> = cohort.iter().filter(|(_, c)| complete(c)).collect();
    let pool_ok: Vec<&(Urn, Covariates)> = pool.iter().filter(|(_, c)| complete(c)).collect();
    // Standardise each covariate by its standard deviation over cohort and pool together.
    let sds: Vec<f64> = (0..4)
        .map(|i| {
            if !used.contains(&i) {
                return 1.0;
            }
            let v: Vec<f64> = cohort_ok.iter().chain(&pool_ok).map(|(_, c)| value(c, i)).collect();
            mean_var(&v).1.sqrt().max(1e-9)
        })
        .collect();
    let dist = |a: &Covariates, b: &Covariates| -> f64 {
        let sum: f64 = used.iter().map(|&i| ((value(a, i) - value(b, i)) / sds[i]).powi(2)).sum();
        (sum / used.len().max(1) as f64).sqrt()
    };
    let mut matched = BTreeSet::new();
    let mut chosen: Vec<&Covariates> = Vec::new();
    let mut unmatched = Vec::new();
    let mut cohort_matched = 0;
    for (urn, c) in &cohort_ok {
        let mut near: Vec<(f64, usize)> =
            pool_ok.iter().enumerate().map(|(j, (_, p))| (dist(c, p), j)).filter(|(d, _)| *d <= caliper).collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        near.truncate(k);
        if near.is_empty() {
            unmatched.push(*urn);
            continue;
        }
        cohort_matched += 1;
        for (_, j) in near {
            matched.insert(pool_ok[j].0);
            chosen.push(&pool_ok[j].1);
        }
    }
    let balance = used
        .iter()
        .map(|&i| {
            let t: Vec<f64> = cohort_ok.iter().map(|(_, c)| value(c, i)).collect();
            let p: Vec<f64> = pool_ok.iter().map(|(_, c)| value(c, i)).collect();
            // After matching: each chosen neighbour counts as often as it was chosen.
            let m: Vec<f64> = chosen.iter().map(|c| value(c, i)).collect();
            BalanceRow {
                covariate: Covariates::NAMES[i],
                cohort_mean: mean_var(&t).0,
                pool_mean: mean_var(&p).0,
                matched_mean: mean_var(&m).0,
                smd_before: smd(&t, &p),
                smd_after: smd(&t, &m),
            }
        })
        .collect();
    Matching {
        matched,
        cohort_matched,
        cohort_unmatched: unmatched,
        cohort_incomplete: cohort.len() - cohort_ok.len(),
        neighbours: k,
        caliper,
        used: used.iter().map(|&i| Covariates::NAMES[i]).collect(),
        not_used,
        balance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urn(n: u32) -> Urn {
        Urn::try_from(n).expect("urn")
    }

    fn cov(b: f64, f: f64, s: f64, g: f64) -> Covariates {
        Covariates { baseline: Some(b), fsm: Some(f), size: Some(s), prior_grade: Some(g) }
    }

    #[test]
    fn matching_improves_balance_and_respects_the_caliper() {
        // A cohort of low attainers with high FSM; the pool mostly the opposite, with a few alike.
        let cohort: Vec<_> =
            (0..10).map(|i| (urn(100_000 + i), cov(-2.0 + 0.1 * f64::from(i), 40.0, 200.0, 3.0))).collect();
        let mut pool: Vec<_> =
            (0..200).map(|i| (urn(200_000 + i), cov(1.0 + 0.01 * f64::from(i), 10.0, 300.0, 2.0))).collect();
        pool.extend(
            (0..15).map(|i| (urn(300_000 + i), cov(-2.0 + 0.1 * f64::from(i), 39.0 + f64::from(i % 3), 210.0, 3.0))),
        );
        pool.push((urn(400_000), cov(-50.0, 90.0, 10.0, 4.0))); // far from everyone
        let m = nearest_neighbours(&cohort, &pool, 2, 0.5);
        assert_eq!(m.cohort_matched, 10);
        assert!(m.matched.iter().all(|u| u.get() >= 300_000 && u.get() < 400_000), "only the alike schools");
        for row in &m.balance {
            assert!(row.smd_after.abs() < row.smd_before.abs() || row.smd_before.abs() < 0.1, "{row:?}");
        }
        assert!(m.balance[0].smd_before.abs() > 1.0 && m.balance[0].smd_after.abs() < 0.25, "{:?}", m.balance[0]);

        // A caliper nobody meets leaves cohort schools unmatched, and says which.
        let strict = nearest_neighbours(&cohort, &pool[..200], 2, 0.05);
        assert_eq!(strict.cohort_matched, 0);
        assert_eq!(strict.cohort_unmatched.len(), 10);

        // A covariate most cohort schools lack is not used, and the result says so.
        let no_fsm: Vec<_> = cohort.iter().map(|(u, c)| (*u, Covariates { fsm: None, ..*c })).collect();
        let m = nearest_neighbours(&no_fsm, &pool, 2, 0.5);
        assert_eq!(m.not_used, vec![("% free school meals", 0)]);
        assert_eq!(m.used.len(), 3);
        assert_eq!(m.cohort_matched, 10);
    }
}
