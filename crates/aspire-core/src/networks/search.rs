//! The optimiser for one group of schools (a boundary, or everyone): a space-filling-curve
//! construction, then descent by exact re-division of pairs and triples of nearby networks,
//! iterated with small random perturbations (iterated local search) until the time limit or
//! until many perturbations in a row bring nothing.
//!
//! Constraints enter as pair costs: a cannot-link pair or a pair farther apart than the
//! maximum distance costs [`PENALTY`] more when placed together, a must-link pair [`PENALTY`]
//! less, so every move is judged by one number and a feasible solution is preferred to any
//! infeasible one.

use std::collections::VecDeque;
use std::time::Instant;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

pub(crate) const R_KM: f64 = crate::geo::EARTH_RADIUS_KM;

/// Larger than any sum of distances between schools in England, many times over.
pub(crate) const PENALTY: f64 = 1.0e6;

/// Networks compared with each network (nearest by centroid).
const NEIGHBOURS: usize = 8;
/// Of those, how many take part in triples (a, b, c).
const TRIPLE_NEIGHBOURS: usize = 5;
/// Largest union re-divided exactly (the subset table has 2^n entries).
const MAX_EXACT: usize = 14;

/// A location prepared for fast distances (radians) and for neighbour search (km on a local
/// equirectangular projection, used only to find nearby networks).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub lat: f64,
    pub lon: f64,
    pub cos_lat: f64,
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub(crate) fn new(lat_deg: f64, lon_deg: f64, ref_cos: f64) -> Self {
        let (lat, lon) = (lat_deg.to_radians(), lon_deg.to_radians());
        Point { lat, lon, cos_lat: lat.cos(), x: R_KM * ref_cos * lon, y: R_KM * lat }
    }
}

/// Haversine distance in km (the formula of [`crate::geo::haversine_km`], on prepared points).
pub(crate) fn dist(a: &Point, b: &Point) -> f64 {
    let hdlat = (b.lat - a.lat) / 2.0;
    let hdlon = (b.lon - a.lon) / 2.0;
    let h = hdlat.sin().powi(2) + a.cos_lat * b.cos_lat * hdlon.sin().powi(2);
    2.0 * R_KM * h.sqrt().min(1.0).asin()
}

/// One group to partition, in local indices.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub pts: Vec<Point>,
    /// Sizes of the networks to form (their multiset is kept by every move).
    pub sizes: Vec<usize>,
    /// Must-link partners of each school (whole must-link groups, transitively closed).
    pub must: Vec<Vec<u32>>,
    pub cannot: Vec<Vec<u32>>,
    pub max_km: Option<f64>,
}

impl Problem {
    fn constrained(&self) -> bool {
        self.max_km.is_some() || self.must.iter().any(|m| !m.is_empty()) || self.cannot.iter().any(|c| !c.is_empty())
    }

    fn has_must(&self) -> bool {
        self.must.iter().any(|m| !m.is_empty())
    }

    /// The cost of placing `i` and `j` in the same network.
    fn cost(&self, i: u32, j: u32) -> f64 {
        let d = dist(&self.pts[i as usize], &self.pts[j as usize]);
        let mut c = d;
        if self.max_km.is_some_and(|m| d > m) || self.cannot[i as usize].contains(&j) {
            c += PENALTY;
        }
        if self.must[i as usize].contains(&j) {
            c -= PENALTY;
        }
        c
    }
}

/// How long to search and when to give up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub deadline: Instant,
    pub seed: u64,
}

/// Networks as lists of local indices, each with the size it was given in `Problem::sizes`.
pub(crate) fn solve(p: &Problem, budget: Budget) -> Vec<Vec<u32>> {
    let n = p.pts.len();
    if p.sizes.len() <= 1 {
        return vec![(0..n as u32).collect()];
    }
    let mut s = State::new(p, construct(p));
    s.queue_all();
    s.descend(budget.deadline);
    s.iterate(budget);
    s.members
}

/// Hilbert-curve order of the schools (must-link groups kept together), cut into networks.
fn construct(p: &Problem) -> Vec<Vec<u32>> {
    let n = p.pts.len();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for q in &p.pts {
        x0 = x0.min(q.x);
        x1 = x1.max(q.x);
        y0 = y0.min(q.y);
        y1 = y1.max(q.y);
    }
    let span = (x1 - x0).max(y1 - y0).max(1e-9);
    let key = |q: &Point| {
        let scale = 65535.0 / span;
        hilbert(((q.x - x0) * scale) as u32, ((q.y - y0) * scale) as u32)
    };
    // Units: a must-link group is placed as one, at the position of its first member.
    let mut seen = vec![false; n];
    let mut units: Vec<(u64, u32, Vec<u32>)> = Vec::new();
    for i in 0..n as u32 {
        if seen[i as usize] {
            continue;
        }
        let mut unit = vec![i];
        unit.extend(p.must[i as usize].iter().copied());
        unit.sort_unstable();
        unit.dedup();
        for &u in &unit {
            seen[u as usize] = true;
        }
        units.push((key(&p.pts[i as usize]), i, unit));
    }
    units.sort_by_key(|u| (u.0, u.1));
    let mut nets: Vec<Vec<u32>> = p.sizes.iter().map(|&z| Vec::with_capacity(z)).collect();
    let mut cur = 0;
    for (_, _, unit) in units {
        while cur < nets.len() && nets[cur].len() == p.sizes[cur] {
            cur += 1;
        }
        // The first network from here with room for the whole unit; else split it (the
        // penalty then makes the search join it up).
        let at = (cur..nets.len()).find(|&g| p.sizes[g] - nets[g].len() >= unit.len());
        match at {
            Some(g) => nets[g].extend(unit),
            None => {
                for u in unit {
                    let g = (0..nets.len()).find(|&g| nets[g].len() < p.sizes[g]).unwrap_or(0);
                    nets[g].push(u);
                }
            }
        }
    }
    nets
}

/// Position of (x, y) on a Hilbert curve filling a 65,536 × 65,536 grid.
fn hilbert(mut x: u32, mut y: u32) -> u64 {
    let n: u32 = 1 << 16;
    let mut d: u64 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// A uniform grid over network centroids, to find nearby networks.
struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    cells: Vec<Vec<u32>>,
    cell_of: Vec<usize>,
}

impl Grid {
    fn new(xs: &[f64], ys: &[f64]) -> Grid {
        let k = xs.len().max(1);
        let fold = |v: &[f64]| v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        let (x0, x1) = fold(xs);
        let (y0, y1) = fold(ys);
        let (w, h) = ((x1 - x0).max(1e-6), (y1 - y0).max(1e-6));
        // About two networks per cell.
        let cell = ((w * h * 2.0) / k as f64).sqrt().max(1e-6);
        let nx = ((w / cell) as usize + 1).min(4096);
        let ny = ((h / cell) as usize + 1).min(4096);
        let mut g = Grid { x0, y0, cell, nx, ny, cells: vec![Vec::new(); nx * ny], cell_of: vec![0; xs.len()] };
        for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
            let c = g.cell_at(x, y);
            g.cells[c].push(i as u32);
            g.cell_of[i] = c;
        }
        g
    }

    fn coords(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = ((x - self.x0) / self.cell).floor().clamp(0.0, (self.nx - 1) as f64) as usize;
        let cy = ((y - self.y0) / self.cell).floor().clamp(0.0, (self.ny - 1) as f64) as usize;
        (cx, cy)
    }

    fn cell_at(&self, x: f64, y: f64) -> usize {
        let (cx, cy) = self.coords(x, y);
        cy * self.nx + cx
    }

    fn update(&mut self, id: u32, x: f64, y: f64) {
        let c = self.cell_at(x, y);
        let old = self.cell_of[id as usize];
        if c != old {
            self.cells[old].retain(|&e| e != id);
            self.cells[c].push(id);
            self.cell_of[id as usize] = c;
        }
    }

    /// The `k` nearest ids to (x, y) other than `skip`, nearest first (ties by id).
    fn nearest(&self, x: f64, y: f64, k: usize, skip: u32, xs: &[f64], ys: &[f64], out: &mut Vec<u32>) {
        let mut cand: Vec<(f64, u32)> = Vec::new();
        let (cx, cy) = self.coords(x, y);
        let max_r = self.nx.max(self.ny);
        for r in 0..=max_r {
            let (lo_x, hi_x) = (cx.saturating_sub(r), (cx + r).min(self.nx - 1));
            let (lo_y, hi_y) = (cy.saturating_sub(r), (cy + r).min(self.ny - 1));
            for gy in lo_y..=hi_y {
                for gx in lo_x..=hi_x {
                    let ring = gx.abs_diff(cx).max(gy.abs_diff(cy));
                    if ring != r {
                        continue;
                    }
                    for &id in &self.cells[gy * self.nx + gx] {
                        if id != skip {
                            let d = (xs[id as usize] - x).powi(2) + (ys[id as usize] - y).powi(2);
                            cand.push((d, id));
                        }
                    }
                }
            }
            if cand.len() >= k {
                cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let reach = r as f64 * self.cell;
                if cand[k - 1].0 <= reach * reach {
                    break;
                }
            }
        }
        cand.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        out.clear();
        out.extend(cand.iter().take(k).map(|c| c.1));
    }
}

struct State<'a> {
    p: &'a Problem,
    constrained: bool,
    prune: bool,
    members: Vec<Vec<u32>>,
    cost: Vec<f64>,
    net_of: Vec<u32>,
    cx: Vec<f64>,
    cy: Vec<f64>,
    grid: Grid,
    total: f64,
    queue: VecDeque<u32>,
    queued: Vec<bool>,
    /// Undo log of the current perturbation: (network, members before, cost before).
    log: Vec<(u32, Vec<u32>, f64)>,
    logged: Vec<u64>,
    epoch: u64,
    logging: bool,
    table: Vec<f64>,
    pair: Vec<f64>,
}

impl<'a> State<'a> {
    fn new(p: &'a Problem, members: Vec<Vec<u32>>) -> Self {
        let k = members.len();
        let mut s = State {
            p,
            constrained: p.constrained(),
            prune: !p.has_must(),
            cost: vec![0.0; k],
            net_of: vec![0; p.pts.len()],
            cx: vec![0.0; k],
            cy: vec![0.0; k],
            grid: Grid::new(&[], &[]),
            total: 0.0,
            queue: VecDeque::new(),
            queued: vec![false; k],
            log: Vec::new(),
            logged: vec![0; k],
            epoch: 1,
            logging: false,
            table: Vec::new(),
            pair: Vec::new(),
            members,
        };
        for g in 0..k {
            s.refresh(g as u32);
        }
        s.total = s.cost.iter().sum();
        s.grid = Grid::new(&s.cx, &s.cy);
        s
    }

    fn group_cost(&self, m: &[u32]) -> f64 {
        let mut c = 0.0;
        for (a, &i) in m.iter().enumerate() {
            for &j in &m[a + 1..] {
                c += if self.constrained { self.p.cost(i, j) } else { dist(&self.p.pts[i as usize], &self.p.pts[j as usize]) };
            }
        }
        c
    }

    /// Recomputes cost, centroid and membership of network `g` from its members.
    fn refresh(&mut self, g: u32) {
        let gi = g as usize;
        self.cost[gi] = self.group_cost(&self.members[gi]);
        let m = &self.members[gi];
        let len = m.len().max(1) as f64;
        self.cx[gi] = m.iter().map(|&i| self.p.pts[i as usize].x).sum::<f64>() / len;
        self.cy[gi] = m.iter().map(|&i| self.p.pts[i as usize].y).sum::<f64>() / len;
        for &i in m {
            self.net_of[i as usize] = g;
        }
    }

    fn set(&mut self, g: u32, members: Vec<u32>) {
        let gi = g as usize;
        if self.logging && self.logged[gi] != self.epoch {
            self.logged[gi] = self.epoch;
            self.log.push((g, self.members[gi].clone(), self.cost[gi]));
        }
        let before = self.cost[gi];
        self.members[gi] = members;
        self.refresh(g);
        self.total += self.cost[gi] - before;
        self.grid.update(g, self.cx[gi], self.cy[gi]);
        self.push(g);
    }

    fn push(&mut self, g: u32) {
        if !self.queued[g as usize] {
            self.queued[g as usize] = true;
            self.queue.push_back(g);
        }
    }

    fn queue_all(&mut self) {
        for g in 0..self.members.len() as u32 {
            self.push(g);
        }
    }

    fn neighbours(&self, g: u32, out: &mut Vec<u32>) {
        self.grid.nearest(self.cx[g as usize], self.cy[g as usize], NEIGHBOURS, g, &self.cx, &self.cy, out);
        if self.constrained {
            // A must-link partner elsewhere: its network must be a candidate whatever the distance.
            for &i in &self.members[g as usize] {
                for &j in &self.p.must[i as usize] {
                    let h = self.net_of[j as usize];
                    if h != g && !out.contains(&h) {
                        out.push(h);
                    }
                }
            }
        }
    }

    /// Local search until no pair or triple of nearby networks can be re-divided for less.
    fn descend(&mut self, deadline: Instant) {
        let mut nb = Vec::new();
        let mut steps = 0u32;
        while let Some(a) = self.queue.pop_front() {
            self.queued[a as usize] = false;
            steps += 1;
            if steps.is_multiple_of(64) && Instant::now() >= deadline {
                self.queue.clear();
                self.queued.iter_mut().for_each(|q| *q = false);
                return;
            }
            self.neighbours(a, &mut nb);
            for &b in &nb {
                self.redivide(&[a, b]);
            }
            let t = nb.len().min(TRIPLE_NEIGHBOURS);
            for x in 0..t {
                for y in x + 1..t {
                    self.redivide(&[a, nb[x], nb[y]]);
                }
            }
        }
    }

    /// Re-divides the schools of `nets` among them in the cheapest way (keeping their sizes);
    /// applies it if it is cheaper. Too many schools for the exact method: best single swap.
    fn redivide(&mut self, nets: &[u32]) -> bool {
        let mut elems: Vec<u32> = Vec::with_capacity(16);
        for &g in nets {
            elems.extend_from_slice(&self.members[g as usize]);
        }
        let n = elems.len();
        if n > MAX_EXACT {
            return nets.len() == 2 && self.swap(nets[0], nets[1]);
        }
        let current: f64 = nets.iter().map(|&g| self.cost[g as usize]).sum();
        self.pair.clear();
        self.pair.resize(n * n, 0.0);
        for a in 0..n {
            for b in a + 1..n {
                let c = if self.constrained {
                    self.p.cost(elems[a], elems[b])
                } else {
                    dist(&self.p.pts[elems[a] as usize], &self.p.pts[elems[b] as usize])
                };
                self.pair[a * n + b] = c;
                self.pair[b * n + a] = c;
            }
        }
        let zmax = nets.iter().map(|&g| self.members[g as usize].len()).max().unwrap_or(0);
        self.table.clear();
        self.table.resize(1 << n, 0.0);
        for mask in 1u32..(1 << n) {
            if mask.count_ones() as usize > zmax {
                continue;
            }
            let low = mask.trailing_zeros() as usize;
            let rest = mask & (mask - 1);
            let mut s = self.table[rest as usize];
            let mut r = rest;
            while r != 0 {
                let j = r.trailing_zeros() as usize;
                s += self.pair[low * n + j];
                r &= r - 1;
            }
            self.table[mask as usize] = s;
        }
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for &g in nets {
            let z = self.members[g as usize].len();
            match counts.iter_mut().find(|c| c.0 == z) {
                Some(c) => c.1 += 1,
                None => counts.push((z, 1)),
            }
        }
        let mut best = current - 1e-7;
        let mut best_groups: Vec<u32> = Vec::new();
        let mut cur: Vec<u32> = Vec::new();
        let full = ((1u64 << n) - 1) as u32;
        self.enumerate(full, &mut counts, 0.0, &mut cur, &mut best, &mut best_groups);
        if best_groups.is_empty() {
            return false;
        }
        let mut free: Vec<bool> = vec![true; best_groups.len()];
        let mut assignment: Vec<(u32, Vec<u32>)> = Vec::new();
        for &g in nets {
            let z = self.members[g as usize].len();
            let Some(pos) = (0..best_groups.len()).find(|&q| free[q] && best_groups[q].count_ones() as usize == z) else {
                return false;
            };
            free[pos] = false;
            let mut m = Vec::with_capacity(z);
            let mut r = best_groups[pos];
            while r != 0 {
                m.push(elems[r.trailing_zeros() as usize]);
                r &= r - 1;
            }
            assignment.push((g, m));
        }
        for (g, m) in assignment {
            self.set(g, m);
        }
        true
    }

    fn enumerate(
        &self,
        rem: u32,
        counts: &mut [(usize, usize)],
        acc: f64,
        cur: &mut Vec<u32>,
        best: &mut f64,
        best_groups: &mut Vec<u32>,
    ) {
        if rem == 0 {
            if acc < *best {
                *best = acc;
                best_groups.clone_from(cur);
            }
            return;
        }
        if self.prune && acc >= *best {
            return;
        }
        let low = rem & rem.wrapping_neg();
        let rest = rem ^ low;
        for c in 0..counts.len() {
            if counts[c].1 == 0 {
                continue;
            }
            let z = counts[c].0;
            counts[c].1 -= 1;
            let mut sub = rest;
            loop {
                if sub.count_ones() as usize == z - 1 {
                    let g = sub | low;
                    cur.push(g);
                    self.enumerate(rem ^ g, counts, acc + self.table[g as usize], cur, best, best_groups);
                    cur.pop();
                }
                if sub == 0 {
                    break;
                }
                sub = (sub - 1) & rest;
            }
            counts[c].1 += 1;
        }
    }

    /// The best exchange of one school between `a` and `b`, for networks too large to re-divide
    /// exactly. Applied if it lowers the cost.
    fn swap(&mut self, a: u32, b: u32) -> bool {
        let (ma, mb) = (self.members[a as usize].clone(), self.members[b as usize].clone());
        let c = |i: u32, j: u32| if i == j { 0.0 } else { self.p.cost(i, j) };
        let sum = |i: u32, m: &[u32]| m.iter().map(|&j| c(i, j)).sum::<f64>();
        let mut best = (-1e-7, 0, 0);
        for (x, &i) in ma.iter().enumerate() {
            for (y, &j) in mb.iter().enumerate() {
                let delta = (sum(j, &ma) - c(j, i) - (sum(i, &ma))) + (sum(i, &mb) - c(i, j) - sum(j, &mb));
                if delta < best.0 {
                    best = (delta, x, y);
                }
            }
        }
        if best.0 >= -1e-7 {
            return false;
        }
        let (mut na, mut nb) = (ma, mb);
        std::mem::swap(&mut na[best.1], &mut nb[best.2]);
        self.set(a, na);
        self.set(b, nb);
        true
    }

    /// Iterated local search: perturb a few nearby networks, descend, keep the result unless
    /// it is worse.
    fn iterate(&mut self, budget: Budget) {
        let k = self.members.len();
        if k < 2 {
            return;
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(budget.seed);
        let stall_limit = (k * 40).clamp(2_000, 60_000);
        let mut stall = 0;
        let mut nb = Vec::new();
        while stall < stall_limit && Instant::now() < budget.deadline {
            let before = self.total;
            self.epoch += 1;
            self.log.clear();
            self.logging = true;
            // A chain of random exchanges a → b → c between nearby networks.
            let mut a = index(&mut rng, k) as u32;
            let hops = 1 + index(&mut rng, 3);
            for _ in 0..hops {
                self.neighbours(a, &mut nb);
                if nb.is_empty() {
                    break;
                }
                let b = nb[index(&mut rng, nb.len().min(4))];
                let (ma, mb) = (self.members[a as usize].clone(), self.members[b as usize].clone());
                let (x, y) = (index(&mut rng, ma.len()), index(&mut rng, mb.len()));
                let (mut na, mut nbm) = (ma, mb);
                std::mem::swap(&mut na[x], &mut nbm[y]);
                self.set(a, na);
                self.set(b, nbm);
                a = b;
            }
            self.descend(budget.deadline);
            self.logging = false;
            if self.total < before - 1e-7 {
                stall = 0;
            } else {
                stall += 1;
                if self.total > before + 1e-9 {
                    self.undo();
                }
            }
        }
    }

    fn undo(&mut self) {
        let log = std::mem::take(&mut self.log);
        for (g, m, _) in log.into_iter().rev() {
            let gi = g as usize;
            let before = self.cost[gi];
            self.members[gi] = m;
            self.refresh(g);
            self.total += self.cost[gi] - before;
            self.grid.update(g, self.cx[gi], self.cy[gi]);
        }
        self.queue.clear();
        self.queued.iter_mut().for_each(|q| *q = false);
    }
}

/// A uniform index below `n`.
fn index(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}
