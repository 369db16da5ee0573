//! A seeded school-level bootstrap of a difference in mean changes.
//!
//! Each school's change is the mean of its follow-up results minus the mean of its baseline
//! results (schools need at least one of each). The estimate is the cohort's mean change minus the
//! comparison group's; each replicate resamples schools with replacement within each group.
//! Replicates run in parallel, each with its own generator seeded from (seed, replicate), so the
//! answer does not depend on the number of threads.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use super::did::Obs;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapEstimate {
    pub estimate: f64,
    /// Standard deviation of the replicates (n − 1 denominator).
    pub se: f64,
    /// Percentile interval of the replicates.
    pub ci_low: f64,
    pub ci_high: f64,
    pub n_treated: usize,
    pub n_control: usize,
    pub replicates: usize,
    pub seed: u64,
}

/// Each school's follow-up mean minus baseline mean, split into (cohort, comparison). Schools
/// without both a baseline and a follow-up result are left out.
pub fn school_changes(obs: &[Obs], treated: &[bool], baseline: &[u16], followup: &[u16]) -> (Vec<f64>, Vec<f64>) {
    let n_schools = obs.iter().map(|o| o.school as usize + 1).max().unwrap_or(0);
    let mut sums = vec![(0.0, 0u32, 0.0, 0u32); n_schools];
    for o in obs {
        let s = &mut sums[o.school as usize];
        if baseline.contains(&o.year) {
            s.0 += o.y;
            s.1 += 1;
        } else if followup.contains(&o.year) {
            s.2 += o.y;
            s.3 += 1;
        }
    }
    let mut t = Vec::new();
    let mut c = Vec::new();
    for (i, &(pre, npre, post, npost)) in sums.iter().enumerate() {
        if npre > 0 && npost > 0 {
            let d = post / f64::from(npost) - pre / f64::from(npre);
            if treated.get(i).copied().unwrap_or(false) { t.push(d) } else { c.push(d) }
        }
    }
    (t, c)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// The q-quantile of sorted values with linear interpolation (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A uniform index below `n` (multiply-shift; the bias is far below anything measurable here).
fn index(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// Bootstraps mean(cohort) − mean(comparison). `None` when either group is empty.
pub fn bootstrap_difference(
    cohort: &[f64],
    comparison: &[f64],
    replicates: usize,
    seed: u64,
    level: f64,
) -> Option<BootstrapEstimate> {
    if cohort.is_empty() || comparison.is_empty() || replicates < 2 {
        return None;
    }
    let draw = |rng: &mut Xoshiro256PlusPlus, v: &[f64]| -> f64 {
        let mut s = 0.0;
        for _ in 0..v.len() {
            s += v[index(rng, v.len())];
        }
        s / v.len() as f64
    };
    let mut reps: Vec<f64> = (0..replicates as u64)
        .into_par_iter()
        .map(|b| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(b));
            draw(&mut rng, cohort) - draw(&mut rng, comparison)
        })
        .collect();
    let m = mean(&reps);
    let se = (reps.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps.len() - 1) as f64).sqrt();
    reps.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Some(BootstrapEstimate {
        estimate: mean(cohort) - mean(comparison),
        se,
        ci_low: quantile(&reps, a),
        ci_high: quantile(&reps, 1.0 - a),
        n_treated: cohort.len(),
        n_control: comparison.len(),
        replicates,
        seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
    }

    #[test]
    fn changes_need_both_periods() {
        let o = |s, y, v| Obs { school: s, year: y, y: v };
        let obs = [o(0, 2016, 1.0), o(0, 2018, 3.0), o(0, 2019, 5.0), o(1, 2016, 2.0), o(2, 2018, 1.0)];
        let (t, c) = school_changes(&obs, &[true, false, false], &[2016, 2017], &[2018, 2019]);
        assert_eq!(t, vec![3.0]);
        assert!(c.is_empty(), "school 1 has no follow-up, school 2 no baseline");
    }

    #[test]
    fn the_bootstrap_is_seeded_and_sensible() {
        // Two groups with known spread: SE of a difference of means ≈ sqrt(s1²/n1 + s2²/n2).
        let t: Vec<f64> = (0..200).map(|i| f64::from(i % 10)).collect();
        let c: Vec<f64> = (0..400).map(|i| f64::from(i % 10) - 1.0).collect();
        let a = bootstrap_difference(&t, &c, 2000, 7, 0.95).expect("estimate");
        let b = bootstrap_difference(&t, &c, 2000, 7, 0.95).expect("estimate");
        assert_eq!(a, b, "same seed, same answer");
        assert!((a.estimate - 1.0).abs() < 1e-12);
        let sd = (8.25f64).sqrt(); // population sd of 0..9
        let expected = (sd * sd / 200.0 + sd * sd / 400.0).sqrt();
        assert!((a.se / expected - 1.0).abs() < 0.08, "{} vs {expected}", a.se);
        assert!(a.ci_low < 1.0 && a.ci_high > 1.0);
        let other = bootstrap_difference(&t, &c, 2000, 8, 0.95).expect("estimate");
        assert_ne!(a.se, other.se, "another seed, other replicates");
        assert!(bootstrap_difference(&[], &c, 100, 1, 0.95).is_none());
    }
}
