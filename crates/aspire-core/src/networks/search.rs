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

/// Networks compared with each network (at least; all found at the same depth are kept).
const NEIGHBOURS: usize = 10;
/// Nearest schools looked at around each member.
const SCHOOL_NEIGHBOURS: usize = 8;
/// Of those, how many take part in triples (a, b, c).
const TRIPLE_NEIGHBOURS: usize = 5;
/// The same after each perturbation: none, as many cheap iterations beat fewer thorough ones.
const ILS_TRIPLES: usize = 0;
/// Networks shuffled together by one perturbation.
const PERTURB: usize = 3;
/// Largest union re-divided exactly (the subset table has 2^n entries).
const MAX_EXACT: usize = 14;
/// Starting threshold of the acceptance, as a share of the mean network cost.
const THRESHOLD: f64 = 0.1;

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
    s.descend(budget.deadline, TRIPLE_NEIGHBOURS);
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

struct State<'a> {
    p: &'a Problem,
    constrained: bool,
    prune: bool,
    members: Vec<Vec<u32>>,
    cost: Vec<f64>,
    net_of: Vec<u32>,
    cx: Vec<f64>,
    cy: Vec<f64>,
    /// Each school's nearest others: networks holding them are the candidates for moves.
    near: Vec<Vec<u32>>,
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
            near: super::bound::nearest(&p.pts, SCHOOL_NEIGHBOURS)
                .into_iter()
                .map(|l| l.into_iter().map(|x| x.0).collect())
                .collect(),
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
        s
    }

    fn group_cost(&self, m: &[u32]) -> f64 {
        let mut c = 0.0;
        for (a, &i) in m.iter().enumerate() {
            for &j in &m[a + 1..] {
                c += if self.constrained {
                    self.p.cost(i, j)
                } else {
                    dist(&self.p.pts[i as usize], &self.p.pts[j as usize])
                };
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

    /// Networks holding the nearest schools of `g`'s members, nearest first: a network judged
    /// by its members' surroundings, not its centroid, so a straggler finds its way home.
    fn neighbours(&self, g: u32, out: &mut Vec<u32>) {
        out.clear();
        let members = &self.members[g as usize];
        for r in 0..SCHOOL_NEIGHBOURS {
            for &i in members {
                if let Some(&j) = self.near[i as usize].get(r) {
                    let h = self.net_of[j as usize];
                    if h != g && !out.contains(&h) {
                        out.push(h);
                    }
                }
            }
            if out.len() >= NEIGHBOURS {
                break;
            }
        }
        if self.constrained {
            // A must-link partner elsewhere: its network must be a candidate whatever the distance.
            for &i in members {
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
    fn descend(&mut self, deadline: Instant, triples: usize) {
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
            let t = nb.len().min(triples);
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
            let Some(pos) = (0..best_groups.len()).find(|&q| free[q] && best_groups[q].count_ones() as usize == z)
            else {
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
            // Every (z − 1)-subset of `rest`, by Gosper's hack over the positions of its bits.
            let mut pos = [0u32; 32];
            let mut m = 0;
            let mut r = rest;
            while r != 0 {
                pos[m] = 1 << r.trailing_zeros();
                m += 1;
                r &= r - 1;
            }
            let want = z - 1;
            if want <= m {
                let mut comb: u32 = if want == 0 { 0 } else { (1u32 << want) - 1 };
                loop {
                    let mut g = low;
                    let mut b = comb;
                    while b != 0 {
                        g |= pos[b.trailing_zeros() as usize];
                        b &= b - 1;
                    }
                    cur.push(g);
                    self.enumerate(rem ^ g, counts, acc + self.table[g as usize], cur, best, best_groups);
                    cur.pop();
                    if comb == 0 {
                        break;
                    }
                    let u = comb & comb.wrapping_neg();
                    let v = comb + u;
                    comb = v + (((v ^ comb) / u) >> 2);
                    if comb >> m != 0 {
                        break;
                    }
                }
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

    /// Iterated local search with threshold acceptance: perturb a few nearby networks, descend,
    /// and keep the result unless it is worse by more than a threshold that falls to zero over
    /// each cycle; every cycle starts again from the best solution found. The schedule counts
    /// iterations, not seconds, so a run that ends by convergence is reproducible.
    fn iterate(&mut self, budget: Budget) {
        let k = self.members.len();
        if k < 2 {
            return;
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(budget.seed);
        let cycle = (k * 30).max(300);
        let t0 = THRESHOLD * self.total.max(0.0) / k as f64;
        let mut best_total = self.total;
        let mut best = self.members.clone();
        let mut cycles_without = 0;
        let mut it = 0usize;
        let mut nb = Vec::new();
        while cycles_without < 3 && Instant::now() < budget.deadline {
            let phase = (it % cycle) as f64 / cycle as f64;
            let threshold = t0 * (1.0 - phase);
            it += 1;
            let before = self.total;
            self.epoch += 1;
            self.log.clear();
            self.logging = true;
            // Shuffle the schools of a network and two of its neighbours at random: a change that
            // exchanges between pairs alone rarely undoes.
            let a = index(&mut rng, k) as u32;
            self.neighbours(a, &mut nb);
            let mut nets = vec![a];
            let reach = nb.len().min(5);
            while nets.len() < PERTURB.min(reach + 1) {
                let b = nb[index(&mut rng, reach)];
                if !nets.contains(&b) {
                    nets.push(b);
                }
            }
            let mut pool: Vec<u32> = nets.iter().flat_map(|&g| self.members[g as usize].iter().copied()).collect();
            for i in (1..pool.len()).rev() {
                pool.swap(i, index(&mut rng, i + 1));
            }
            for &g in &nets {
                let z = self.members[g as usize].len();
                let rest = pool.split_off(z);
                let m = std::mem::replace(&mut pool, rest);
                self.set(g, m);
            }
            self.descend(budget.deadline, ILS_TRIPLES);
            self.logging = false;
            if self.total > before + threshold + 1e-9 {
                self.undo();
            }
            if self.total < best_total - 1e-7 {
                best_total = self.total;
                best.clone_from(&self.members);
                cycles_without = 0;
            }
            if it.is_multiple_of(cycle) {
                cycles_without += 1;
                self.restore(&best);
            }
        }
        if self.total > best_total + 1e-9 {
            self.restore(&best);
        }
    }

    fn restore(&mut self, members: &[Vec<u32>]) {
        self.members = members.to_vec();
        for g in 0..self.members.len() as u32 {
            self.refresh(g);
        }
        self.total = self.cost.iter().sum();
        self.queue.clear();
        self.queued.iter_mut().for_each(|q| *q = false);
    }

    fn undo(&mut self) {
        let log = std::mem::take(&mut self.log);
        for (g, m, _) in log.into_iter().rev() {
            let gi = g as usize;
            let before = self.cost[gi];
            self.members[gi] = m;
            self.refresh(g);
            self.total += self.cost[gi] - before;
        }
        self.queue.clear();
        self.queued.iter_mut().for_each(|q| *q = false);
    }
}

/// A uniform index below `n`.
fn index(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}
