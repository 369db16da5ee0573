//! Lower bounds on the objective, so that a run can say how far from the best possible it may be.
//!
//! Every partition of `n` schools into networks is a set of cliques: a school in a network of
//! `m` members is joined to `m − 1` others, and the objective is the total length of the joins.
//! So with every network of size `s`, the joins form a graph in which every school has degree
//! exactly `b = s − 1` (a `b`-factor), and the cheapest `b`-factor costs no more than the best
//! partition. When sizes are mixed, every school has degree at least `b = s_min − 1`.
//!
//! Two bounds on that relaxation are computed; the larger is reported.
//!
//! 1. Each school's joins cost at least the distances to its `b` nearest others, and each join
//!    is counted from both ends: `½ Σ_i (sum of the b nearest distances)`.
//! 2. A Lagrangian relaxation of the degree constraints. For multipliers `λ` and any graph `x`
//!    with the degrees above,
//!    `Σ_e d_e x_e = b Σ_i λ_i + Σ_e x_e (d_e − λ_i − λ_j) + Σ_i λ_i (deg_i − b)`.
//!    With equal sizes the last term is zero for any `λ`; with mixed sizes it is ≥ 0 when
//!    `λ ≥ 0`. Dropping it and taking the cheapest `x` edge by edge gives
//!    `L(λ) = b Σ_i λ_i + Σ_e min(0, d_e − λ_i − λ_j) ≤ OPT` for every admissible `λ`.
//!    The sum runs over all pairs; we evaluate it on the `K`-nearest-neighbour graph only, which
//!    is exact when `λ_i ≤ D_i / 2`, `D_i` being the distance from `i` to its `K`-th nearest
//!    neighbour: a pair outside the graph has `d_ij ≥ max(D_i, D_j) ≥ λ_i + λ_j`, so its term is
//!    0. The multipliers are kept in that box and improved by subgradient steps; every `L(λ)`
//!    computed is a valid bound, and the best one is kept.
//!
//! A bound for the unconstrained problem stays valid when constraints are added (boundaries,
//! fixed networks, must-link and cannot-link, a maximum distance): they only remove partitions.

use super::search::{Point, dist};

/// Neighbours per school in the graph the Lagrangian bound is evaluated on.
const K: usize = 50;
const PATIENCE: usize = 40;

/// The `k` nearest others of every point, exactly, by great-circle distance, sorted by distance.
/// Points are scanned in latitude order: the distance between two points is at least the
/// meridian arc between their latitudes, which bounds the scan in each direction.
pub(crate) fn nearest(pts: &[Point], k: usize) -> Vec<Vec<(u32, f64)>> {
    let n = pts.len();
    let k = k.min(n.saturating_sub(1));
    if k == 0 {
        return vec![Vec::new(); n];
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&a, &b| pts[a as usize].lat.total_cmp(&pts[b as usize].lat).then(a.cmp(&b)));
    let mut rank = vec![0usize; n];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r;
    }
    let scan = |i: usize| -> Vec<(u32, f64)> {
        let mut best: Vec<(u32, f64)> = Vec::with_capacity(k + 1);
        let worst = |best: &Vec<(u32, f64)>| if best.len() < k { f64::INFINITY } else { best[k - 1].1 };
        let push = |best: &mut Vec<(u32, f64)>, j: u32, d: f64| {
            let pos = best.partition_point(|&(b, bd)| bd < d || (bd == d && b < j));
            if pos < k {
                best.insert(pos, (j, d));
                best.truncate(k);
            }
        };
        let r = rank[i];
        let (mut up, mut down) = (r + 1, r);
        let (mut up_open, mut down_open) = (true, true);
        while up_open || down_open {
            if up_open {
                if up >= n {
                    up_open = false;
                } else {
                    let j = order[up];
                    if super::search::R_KM * (pts[j as usize].lat - pts[i].lat) > worst(&best) {
                        up_open = false;
                    } else {
                        push(&mut best, j, dist(&pts[i], &pts[j as usize]));
                        up += 1;
                    }
                }
            }
            if down_open {
                if down == 0 {
                    down_open = false;
                } else {
                    let j = order[down - 1];
                    if super::search::R_KM * (pts[i].lat - pts[j as usize].lat) > worst(&best) {
                        down_open = false;
                    } else {
                        push(&mut best, j, dist(&pts[i], &pts[j as usize]));
                        down -= 1;
                    }
                }
            }
        }
        best
    };
    use rayon::prelude::*;
    (0..n).into_par_iter().map(scan).collect()
}

/// The best lower bound we can prove for partitioning `pts` into networks of the given sizes.
/// `estimate` is a guess of the optimum (steers the step length only; any value is safe).
pub(crate) fn lower_bound(pts: &[Point], sizes: &[usize], estimate: Option<f64>) -> f64 {
    let n = pts.len();
    let Some(&smin) = sizes.iter().min() else { return 0.0 };
    if n < 2 || smin < 2 {
        return 0.0;
    }
    let equal = sizes.iter().all(|&z| z == smin);
    let b = smin - 1;
    let knn = nearest(pts, K.max(b + 1));
    let simple: f64 = 0.5 * knn.iter().map(|l| l.iter().take(b).map(|x| x.1).sum::<f64>()).sum::<f64>();

    // The graph: every pair that is a K-nearest pair from either end, once.
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    for (i, list) in knn.iter().enumerate() {
        for &(j, d) in list {
            let (a, c) = (i as u32, j);
            let keep = a < c || !knn[c as usize].iter().any(|&(x, _)| x == a);
            if keep {
                edges.push((a.min(c), a.max(c), d));
            }
        }
    }
    let complete = knn.iter().all(|l| l.len() + 1 == n);
    let cap: Vec<f64> =
        knn.iter().map(|l| if complete { f64::INFINITY } else { l.last().map_or(0.0, |x| x.1) / 2.0 }).collect();
    let lo = if equal { f64::NEG_INFINITY } else { 0.0 };
    let clamp = |x: f64, i: usize| x.min(cap[i]).max(lo);

    let mut lambda: Vec<f64> = (0..n).map(|i| clamp(knn[i].get(b - 1).map_or(0.0, |x| x.1) * 0.75, i)).collect();
    let mut target = estimate.unwrap_or(simple * 1.6).max(simple * 1.05);
    let mut best = simple;
    let mut theta = 1.0_f64;
    let mut since = 0;
    let iterations = (400_000_000 / edges.len().max(1)).clamp(300, 5000);
    let mut deg = vec![0usize; n];
    for _ in 0..iterations {
        deg.iter_mut().for_each(|d| *d = 0);
        let mut value = b as f64 * lambda.iter().sum::<f64>();
        for &(i, j, d) in &edges {
            let r = d - lambda[i as usize] - lambda[j as usize];
            if r < 0.0 {
                value += r;
                deg[i as usize] += 1;
                deg[j as usize] += 1;
            }
        }
        if value > best {
            best = value;
            since = 0;
        } else {
            since += 1;
            if since >= PATIENCE {
                theta /= 2.0;
                since = 0;
            }
        }
        if value >= target {
            target = value * 1.02;
        }
        let norm: f64 = deg.iter().map(|&g| (b as f64 - g as f64).powi(2)).sum();
        if norm == 0.0 || theta < 1e-6 {
            break;
        }
        let step = theta * (target - value) / norm;
        for (i, l) in lambda.iter_mut().enumerate() {
            *l = clamp(*l + step * (b as f64 - deg[i] as f64), i);
        }
    }
    // Rounding in the sums above is far below a metre; the margin keeps the bound on the safe side.
    best.max(simple) * (1.0 - 1e-12)
}
