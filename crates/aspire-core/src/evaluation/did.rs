//! Difference-in-differences with school fixed effects and standard errors clustered by school.
//!
//! Model: y_it = a_i + g_t + b·D_it + e_it, with D_it = treated_i × post_t. The school effects
//! a_i are removed by demeaning within school (Frisch-Waugh-Lovell), then y is regressed on the
//! demeaned D and year dummies (all years but the first), without a constant. Standard errors are
//! cluster-robust by school with statsmodels' CR1 correction G/(G-1)·(N-1)/(N-K), where K counts
//! the regressors of the demeaned regression, and intervals use the normal distribution (as
//! statsmodels does for cluster-robust covariances).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use super::linalg::Square;

/// One observation: a school (numbered from 0), an academic year (start year) and the outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    pub school: u32,
    pub year: u16,
    pub y: f64,
}

/// Which specification to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Spec {
    /// School and year fixed effects.
    TwoWay,
    /// School fixed effects and one post-period dummy.
    SchoolAndPost,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DidEstimate {
    pub spec: Spec,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Observations used (including schools seen once, which carry no information but count).
    pub n_obs: usize,
    pub n_schools: usize,
    pub n_treated_schools: usize,
    /// Regressors after demeaning.
    pub k: usize,
    /// Coefficients of the other regressors (year or post dummies), in order.
    pub other: Vec<(String, f64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidError {
    #[error("no observations")]
    Empty,
    #[error("no treated school has both a pre-period and a post-period result")]
    NoTreatedVariation,
    #[error("the regressors are collinear after removing school effects (for example, every school treated)")]
    Singular,
    #[error("no post-period year is among the years with data")]
    NoPostYears,
}

/// A regressor besides the treatment indicator.
enum Dummy {
    Year(u16),
    Post,
}

impl Dummy {
    fn value(&self, year: u16, post: &[u16]) -> f64 {
        let on = match self {
            Dummy::Year(y) => year == *y,
            Dummy::Post => post.contains(&year),
        };
        f64::from(u8::from(on))
    }

    fn name(&self) -> String {
        match self {
            Dummy::Year(y) => format!("year {y}"),
            Dummy::Post => "post".to_owned(),
        }
    }
}

/// Fits the model. `treated[school]` says whether a school is in the cohort; `post` lists the
/// follow-up years. `level` is the confidence level of the interval (e.g. 0.95).
pub fn did(obs: &[Obs], treated: &[bool], post: &[u16], spec: Spec, level: f64) -> Result<DidEstimate, DidError> {
    if obs.is_empty() {
        return Err(DidError::Empty);
    }
    let mut years: Vec<u16> = obs.iter().map(|o| o.year).collect();
    years.sort_unstable();
    years.dedup();
    if !years.iter().any(|y| post.contains(y)) {
        return Err(DidError::NoPostYears);
    }
    // Regressors: D, then year dummies (all years but the first) or one post dummy.
    let others: Vec<Dummy> = match spec {
        Spec::TwoWay => years[1..].iter().map(|&y| Dummy::Year(y)).collect(),
        Spec::SchoolAndPost => vec![Dummy::Post],
    };
    let k = 1 + others.len();
    let row = |o: &Obs| -> Vec<f64> {
        let d = f64::from(u8::from(treated.get(o.school as usize).copied().unwrap_or(false) && post.contains(&o.year)));
        std::iter::once(d).chain(others.iter().map(|x| x.value(o.year, post))).collect()
    };

    // Group observations by school.
    let mut order: Vec<usize> = (0..obs.len()).collect();
    order.sort_by_key(|&i| (obs[i].school, obs[i].year));
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=order.len() {
        if i == order.len() || obs[order[i]].school != obs[order[start]].school {
            groups.push((start, i));
            start = i;
        }
    }

    // Within-school demeaned X and y; X'X and X'y.
    let mut xtx = Square::zeros(k);
    let mut xty = vec![0.0; k];
    let mut demeaned: Vec<(Vec<f64>, f64)> = Vec::with_capacity(obs.len());
    let mut treated_varies = false;
    for &(a, b) in &groups {
        let rows: Vec<(Vec<f64>, f64)> = order[a..b].iter().map(|&i| (row(&obs[i]), obs[i].y)).collect();
        let n = rows.len() as f64;
        let mut mx = vec![0.0; k];
        let mut my = 0.0;
        for (x, y) in &rows {
            for j in 0..k {
                mx[j] += x[j] / n;
            }
            my += y / n;
        }
        let d_first = rows[0].0[0];
        if rows.iter().any(|(x, _)| x[0] != d_first) {
            treated_varies = true;
        }
        for (x, y) in rows {
            let xd: Vec<f64> = x.iter().zip(&mx).map(|(v, m)| v - m).collect();
            let yd = y - my;
            xtx.add_outer(&xd, 1.0);
            for j in 0..k {
                xty[j] += xd[j] * yd;
            }
            demeaned.push((xd, yd));
        }
    }
    if !treated_varies {
        return Err(DidError::NoTreatedVariation);
    }
    let bread = xtx.inverse().ok_or(DidError::Singular)?;
    let beta = bread.mul_vec(&xty);

    // Cluster-robust meat: sum over schools of (X_g' e_g)(X_g' e_g)'.
    let mut meat = Square::zeros(k);
    let mut idx = 0;
    for &(a, b) in &groups {
        let mut score = vec![0.0; k];
        for _ in a..b {
            let (xd, yd) = &demeaned[idx];
            let e = yd - xd.iter().zip(&beta).map(|(x, b)| x * b).sum::<f64>();
            for j in 0..k {
                score[j] += xd[j] * e;
            }
            idx += 1;
        }
        meat.add_outer(&score, 1.0);
    }
    let n = obs.len() as f64;
    let g = groups.len() as f64;
    let correction = g / (g - 1.0) * (n - 1.0) / (n - k as f64);
    let v = bread.mul(&meat).mul(&bread);
    let se = (v.get(0, 0) * correction).sqrt();
    let z = Normal::new(0.0, 1.0).map(|d| d.inverse_cdf(0.5 + level / 2.0)).unwrap_or(1.959_963_984_540_054);
    let treated_schools =
        groups.iter().filter(|&&(a, _)| treated.get(obs[order[a]].school as usize).copied().unwrap_or(false)).count();
    Ok(DidEstimate {
        spec,
        estimate: beta[0],
        se,
        ci_low: beta[0] - z * se,
        ci_high: beta[0] + z * se,
        n_obs: obs.len(),
        n_schools: groups.len(),
        n_treated_schools: treated_schools,
        k,
        other: others.iter().map(Dummy::name).zip(beta[1..].iter().copied()).collect(),
    })
}
