//! Network formation: schools put into networks of a target size (4 by default), as close
//! together as possible. The objective is the sum, over networks, of the great-circle
//! (haversine) distances between every two members, in km.
//!
//! [`form`] partitions the schools under the [`Options`] (boundaries, must-link and
//! cannot-link pairs, a maximum distance, networks already agreed), reports a proven lower
//! bound beside the objective, suggests a venue per network and, when advisers are given,
//! assigns networks to Achievement Advisers at least total travel. [`score`] measures a
//! partition made elsewhere. Everything here is pure: no I/O.

mod assign;
mod bound;
mod contacts;
mod search;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::geo::{LatLon, haversine_km};
use crate::urn::Urn;
pub use assign::{min_cost_assignment, partial_assignment};
pub use contacts::sees_contacts;
use search::{Point, Problem};

/// A school to place: its URN, its location (none: the school cannot be placed and [`form`]
/// says so) and, for [`Options::within`], the boundary it belongs to (an LA, an area...).
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub urn: Urn,
    pub location: Option<LatLon>,
    pub boundary: Option<String>,
}

/// An Achievement Adviser: where they start from and how many networks they can take.
#[derive(Debug, Clone, PartialEq)]
pub struct Adviser {
    pub name: String,
    pub home: LatLon,
    pub capacity: usize,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Target network size. Networks one smaller or one larger are formed only as the count
    /// requires, as few as possible.
    pub size: usize,
    /// Never put schools with different [`School::boundary`] keys in one network.
    pub within: bool,
    pub must_link: Vec<(Urn, Urn)>,
    pub cannot_link: Vec<(Urn, Urn)>,
    /// No two members of a network farther apart than this (km).
    pub max_distance_km: Option<f64>,
    /// Networks already agreed: kept as they are, their schools not moved.
    pub fixed: Vec<Vec<Urn>>,
    /// Seed of the search's random choices: the same seed gives the same networks when the
    /// search ends by convergence rather than by the time limit.
    pub seed: u64,
    /// Search time; `None` scales with the number of schools ([`default_time_limit`]).
    pub time_limit: Option<Duration>,
    pub advisers: Vec<Adviser>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            size: 4,
            within: false,
            must_link: Vec::new(),
            cannot_link: Vec::new(),
            max_distance_km: None,
            fixed: Vec::new(),
            seed: 2017,
            time_limit: None,
            advisers: Vec::new(),
        }
    }
}

/// The search time used when none is given: enough for 1,764 schools in under 3 s and 15,608
/// in well under a minute on two cores.
pub fn default_time_limit(schools: usize) -> Duration {
    Duration::from_secs_f64((0.25 + 0.0012 * schools as f64).min(45.0))
}

/// One network of a formation.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Members, in URN order.
    pub members: Vec<Urn>,
    /// The boundary key when formed within boundaries.
    pub boundary: Option<String>,
    /// Sum of the distances between every two members (km).
    pub objective_km: f64,
    /// The largest distance between two members (km).
    pub spread_km: f64,
    /// The member with the least total distance to the others: a suggested meeting place.
    pub venue: Urn,
    /// Agreed beforehand and kept.
    pub fixed: bool,
    /// Index into [`Options::advisers`], and the distance from their home to the venue.
    pub adviser: Option<(usize, f64)>,
}

/// The result of [`form`].
#[derive(Debug, Clone, PartialEq)]
pub struct Formation {
    /// Ordered by their smallest URN; number them 1.. in this order.
    pub networks: Vec<Network>,
    pub objective_km: f64,
    /// No partition satisfying the same sizes can cost less than this (see `bound.rs`).
    pub lower_bound_km: f64,
    /// (objective − bound) / objective.
    pub gap: f64,
    /// Total distance from advisers' homes to their networks' venues, when assigned.
    pub adviser_km: Option<f64>,
    pub elapsed: Duration,
}

/// A partition measured by [`score`].
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub networks: Vec<Network>,
    pub objective_km: f64,
    pub lower_bound_km: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetworkError {
    #[error("{} school(s) have no coordinates: {}", .0.len(), urn_list(.0))]
    MissingCoordinates(Vec<Urn>),
    #[error("URN {0} appears more than once")]
    DuplicateUrn(Urn),
    #[error("the network size must be at least 2 (got {0})")]
    InvalidSize(usize),
    #[error("{what} names URN {urn}, which is not among the schools")]
    UnknownSchool { what: String, urn: Urn },
    #[error("{0}")]
    Conflict(String),
    #[error("{n} school(s){place} cannot be divided into networks of {min} to {max}")]
    Sizes { n: usize, place: String, min: usize, max: usize },
    #[error("no networks satisfy every constraint: {0}")]
    Infeasible(String),
    #[error("{networks} networks but the advisers can take only {capacity} between them")]
    NotEnoughAdvisers { networks: usize, capacity: usize },
    #[error("URN {0} is in more than one network")]
    InTwoNetworks(Urn),
    #[error("{} school(s) are in no network: {}", .0.len(), urn_list(.0))]
    NotInAnyNetwork(Vec<Urn>),
    #[error("the maximum distance must be a positive number of km (got {0})")]
    InvalidDistance(f64),
}

fn urn_list(urns: &[Urn]) -> String {
    let mut s = String::new();
    for (i, u) in urns.iter().enumerate() {
        if i == 20 {
            let _ = write!(s, " and {} more", urns.len() - 20);
            break;
        }
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{u}");
    }
    s
}

/// Network sizes for `n` schools with target `size`: all `size` when it divides `n`, otherwise
/// as few networks of `size − 1` or `size + 1` as possible (smaller ones on a tie). `None`
/// when no such division exists.
pub fn composition(n: usize, size: usize) -> Option<Vec<usize>> {
    if n == 0 {
        return Some(Vec::new());
    }
    if size < 2 {
        return None;
    }
    let r = n % size;
    if r == 0 {
        return Some(vec![size; n / size]);
    }
    let (q, k_up) = (n / size, n.div_ceil(size));
    // Smaller: k_up networks, (size − r) of them one short.
    let smaller = (size > 2 && k_up >= size - r).then(|| (size - r, k_up));
    // Larger: q networks, r of them one over.
    let larger = (q >= r).then_some((r, q));
    let (off, k, delta): (usize, usize, isize) = match (smaller, larger) {
        (Some(s), Some(l)) if l.0 < s.0 => (l.0, l.1, 1),
        (Some(s), _) => (s.0, s.1, -1),
        (None, Some(l)) => (l.0, l.1, 1),
        (None, None) => return None,
    };
    // Off-size networks spread evenly through the list (the construction lays them out in order).
    let mut sizes = vec![size; k];
    for i in 0..off {
        let at = (i * k) / off;
        sizes[at] = (size as isize + delta) as usize;
    }
    Some(sizes)
}

fn located(schools: &[School]) -> Result<Vec<LatLon>, NetworkError> {
    let missing: Vec<Urn> = schools.iter().filter(|s| s.location.is_none()).map(|s| s.urn).collect();
    if !missing.is_empty() {
        return Err(NetworkError::MissingCoordinates(missing));
    }
    let mut seen = HashMap::with_capacity(schools.len());
    for s in schools {
        if seen.insert(s.urn, ()).is_some() {
            return Err(NetworkError::DuplicateUrn(s.urn));
        }
    }
    Ok(schools.iter().map(|s| s.location.unwrap_or(LatLon { lat: 0.0, lon: 0.0 })).collect())
}

fn describe(schools: &[School], locs: &[LatLon], idx: Vec<usize>, fixed: bool) -> Network {
    let mut idx = idx;
    idx.sort_by_key(|&i| schools[i].urn);
    let mut objective = 0.0;
    let mut spread: f64 = 0.0;
    let mut totals = vec![0.0; idx.len()];
    for a in 0..idx.len() {
        for b in a + 1..idx.len() {
            let d = haversine_km(locs[idx[a]], locs[idx[b]]);
            objective += d;
            spread = spread.max(d);
            totals[a] += d;
            totals[b] += d;
        }
    }
    let venue = (0..idx.len()).min_by(|&a, &b| totals[a].total_cmp(&totals[b])).map_or(0, |v| v);
    Network {
        members: idx.iter().map(|&i| schools[i].urn).collect(),
        boundary: idx.first().and_then(|&i| schools[i].boundary.clone()),
        objective_km: objective,
        spread_km: spread,
        venue: idx.get(venue).map_or(schools[0].urn, |&i| schools[i].urn),
        fixed,
        adviser: None,
    }
}

fn points(locs: &[LatLon], idx: &[usize]) -> Vec<Point> {
    let mean_lat = if idx.is_empty() { 0.0 } else { idx.iter().map(|&i| locs[i].lat).sum::<f64>() / idx.len() as f64 };
    let ref_cos = mean_lat.to_radians().cos();
    idx.iter().map(|&i| Point::new(locs[i].lat, locs[i].lon, ref_cos)).collect()
}

/// Measures a partition: its objective and the lower bound for networks of its sizes.
pub fn score(schools: &[School], networks: &[Vec<Urn>]) -> Result<Score, NetworkError> {
    let locs = located(schools)?;
    let index: HashMap<Urn, usize> = schools.iter().enumerate().map(|(i, s)| (s.urn, i)).collect();
    let mut placed = vec![false; schools.len()];
    let mut out = Vec::with_capacity(networks.len());
    for net in networks {
        let mut idx = Vec::with_capacity(net.len());
        for &u in net {
            let &i =
                index.get(&u).ok_or_else(|| NetworkError::UnknownSchool { what: "the partition".into(), urn: u })?;
            if placed[i] {
                return Err(NetworkError::InTwoNetworks(u));
            }
            placed[i] = true;
            idx.push(i);
        }
        out.push(describe(schools, &locs, idx, false));
    }
    let missing: Vec<Urn> = schools.iter().zip(&placed).filter(|(_, p)| !**p).map(|(s, _)| s.urn).collect();
    if !missing.is_empty() {
        return Err(NetworkError::NotInAnyNetwork(missing));
    }
    let objective_km = out.iter().map(|n| n.objective_km).sum();
    let sizes: Vec<usize> = networks.iter().map(Vec::len).collect();
    let all: Vec<usize> = (0..schools.len()).collect();
    let lower_bound_km = bound::lower_bound(&points(&locs, &all), &sizes, Some(objective_km));
    Ok(Score { networks: out, objective_km, lower_bound_km })
}

/// Union-find over school indices, for must-link groups.
struct Groups(Vec<usize>);

impl Groups {
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
}

/// Forms networks. See the module documentation.
pub fn form(schools: &[School], options: &Options) -> Result<Formation, NetworkError> {
    let started = Instant::now();
    let size = options.size;
    if size < 2 {
        return Err(NetworkError::InvalidSize(size));
    }
    if let Some(m) = options.max_distance_km
        && !(m > 0.0 && m.is_finite())
    {
        return Err(NetworkError::InvalidDistance(m));
    }
    let locs = located(schools)?;
    let n = schools.len();
    let index: HashMap<Urn, usize> = schools.iter().enumerate().map(|(i, s)| (s.urn, i)).collect();
    let look = |what: &str, u: Urn| {
        index.get(&u).copied().ok_or_else(|| NetworkError::UnknownSchool { what: what.to_owned(), urn: u })
    };
    let boundary_of = |i: usize| if options.within { schools[i].boundary.as_deref() } else { None };
    let d = |i: usize, j: usize| haversine_km(locs[i], locs[j]);
    let (min_size, max_size) = (if size > 2 { size - 1 } else { size }, size + 1);

    // Must-link groups.
    let mut must: Vec<(usize, usize)> = Vec::new();
    let mut uf = Groups((0..n).collect());
    for &(a, b) in &options.must_link {
        let what = format!("must-link {a}–{b}");
        let (i, j) = (look(&what, a)?, look(&what, b)?);
        if i == j {
            continue;
        }
        if boundary_of(i) != boundary_of(j) {
            return Err(NetworkError::Conflict(format!(
                "must-link {a}–{b} joins schools in different boundaries ({} and {}), but networks are formed within boundaries",
                boundary_of(i).unwrap_or("none"),
                boundary_of(j).unwrap_or("none")
            )));
        }
        must.push((i, j));
        let (ri, rj) = (uf.find(i), uf.find(j));
        uf.0[ri] = rj;
    }
    let mut members_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = uf.find(i);
        members_of.entry(r).or_default().push(i);
    }
    let group_text = |g: &[usize]| g.iter().map(|&i| schools[i].urn.to_string()).collect::<Vec<_>>().join(", ");
    for g in members_of.values().filter(|g| g.len() > 1) {
        if g.len() > max_size {
            return Err(NetworkError::Conflict(format!(
                "must-links join {} schools ({}), more than the largest network allowed ({max_size})",
                g.len(),
                group_text(g)
            )));
        }
        if let Some(m) = options.max_distance_km {
            for (x, &i) in g.iter().enumerate() {
                for &j in &g[x + 1..] {
                    if d(i, j) > m {
                        return Err(NetworkError::Conflict(format!(
                            "must-link puts {} and {} together, {:.1} km apart, beyond the maximum distance of {m} km",
                            schools[i].urn,
                            schools[j].urn,
                            d(i, j)
                        )));
                    }
                }
            }
        }
    }
    let mut cannot: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in &options.cannot_link {
        let what = format!("cannot-link {a}–{b}");
        let (i, j) = (look(&what, a)?, look(&what, b)?);
        if i == j {
            return Err(NetworkError::Conflict(format!("cannot-link {a}–{b} names the same school twice")));
        }
        if uf.find(i) == uf.find(j) {
            let direct = options.must_link.iter().find(|&&(x, y)| (x == a && y == b) || (x == b && y == a));
            let msg = match direct {
                Some((x, y)) => format!("must-link {x}–{y} conflicts with cannot-link {a}–{b}"),
                None => {
                    let r = uf.find(i);
                    format!(
                        "must-links join {} into one network, which conflicts with cannot-link {a}–{b}",
                        group_text(&members_of[&r])
                    )
                }
            };
            return Err(NetworkError::Conflict(msg));
        }
        cannot.push((i, j));
    }

    // Fixed networks.
    let mut fixed_of: Vec<Option<usize>> = vec![None; n];
    let mut fixed_nets: Vec<Vec<usize>> = Vec::new();
    for (f, net) in options.fixed.iter().enumerate() {
        let what = format!("fixed network {}", f + 1);
        let idx: Vec<usize> = net.iter().map(|&u| look(&what, u)).collect::<Result<_, _>>()?;
        if idx.len() < min_size || idx.len() > max_size {
            return Err(NetworkError::Conflict(format!(
                "{what} has {} schools; networks have {min_size} to {max_size}",
                idx.len()
            )));
        }
        for &i in &idx {
            if fixed_of[i].is_some() {
                return Err(NetworkError::Conflict(format!(
                    "URN {} is in more than one fixed network",
                    schools[i].urn
                )));
            }
            fixed_of[i] = Some(f);
        }
        for (x, &i) in idx.iter().enumerate() {
            for &j in &idx[x + 1..] {
                if boundary_of(i) != boundary_of(j) {
                    return Err(NetworkError::Conflict(format!(
                        "{what} joins {} and {} from different boundaries",
                        schools[i].urn, schools[j].urn
                    )));
                }
                if let Some(m) = options.max_distance_km
                    && d(i, j) > m
                {
                    return Err(NetworkError::Conflict(format!(
                        "{what} has {} and {} {:.1} km apart, beyond the maximum distance of {m} km",
                        schools[i].urn,
                        schools[j].urn,
                        d(i, j)
                    )));
                }
            }
        }
        fixed_nets.push(idx);
    }
    for &(i, j) in &cannot {
        if fixed_of[i].is_some() && fixed_of[i] == fixed_of[j] {
            return Err(NetworkError::Conflict(format!(
                "fixed network {} contains cannot-link {}–{}",
                fixed_of[i].map_or(0, |f| f + 1),
                schools[i].urn,
                schools[j].urn
            )));
        }
    }
    for &(i, j) in &must {
        if fixed_of[i] != fixed_of[j] {
            return Err(NetworkError::Conflict(format!(
                "must-link {}–{} crosses the edge of a fixed network",
                schools[i].urn, schools[j].urn
            )));
        }
    }

    // The groups to partition: free schools, by boundary when asked.
    let mut groups: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for i in (0..n).filter(|&i| fixed_of[i].is_none()) {
        groups.entry(boundary_of(i)).or_default().push(i);
    }
    let mut problems: Vec<(Option<&str>, Vec<usize>, Problem)> = Vec::new();
    for (key, idx) in groups {
        let place = match key {
            Some(k) => format!(" in {k}"),
            None if options.within => " without a boundary".to_owned(),
            None => String::new(),
        };
        let sizes = composition(idx.len(), size).ok_or_else(|| NetworkError::Sizes {
            n: idx.len(),
            place: place.clone(),
            min: min_size,
            max: max_size,
        })?;
        let local: HashMap<usize, u32> = idx.iter().enumerate().map(|(l, &i)| (i, l as u32)).collect();
        let zmax = sizes.iter().copied().max().unwrap_or(size);
        let mut must_l = vec![Vec::new(); idx.len()];
        for (&i, &l) in &local {
            let r = uf.find(i);
            let g = &members_of[&r];
            if g.len() > zmax {
                return Err(NetworkError::Conflict(format!(
                    "must-links join {} schools ({}), but the {} schools{place} make networks of at most {zmax}",
                    g.len(),
                    group_text(g),
                    idx.len()
                )));
            }
            must_l[l as usize] = g.iter().filter(|&&j| j != i).filter_map(|j| local.get(j).copied()).collect();
        }
        let mut cannot_l = vec![Vec::new(); idx.len()];
        for &(i, j) in &cannot {
            if let (Some(&a), Some(&b)) = (local.get(&i), local.get(&j)) {
                cannot_l[a as usize].push(b);
                cannot_l[b as usize].push(a);
            }
        }
        let pts = points(&locs, &idx);
        problems.push((
            key,
            idx,
            Problem { pts, sizes, must: must_l, cannot: cannot_l, max_km: options.max_distance_km },
        ));
    }

    let free = problems.iter().map(|p| p.1.len()).sum::<usize>();
    let deadline = started + options.time_limit.unwrap_or_else(|| default_time_limit(free));
    // Each group searches with its own seed, so the result does not depend on how many threads run.
    let solved: Vec<(Vec<Vec<usize>>, f64)> = problems
        .par_iter()
        .enumerate()
        .map(|(g, (_, idx, p))| {
            let budget = search::Budget {
                deadline,
                seed: options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(g as u64),
            };
            let (nets, lb) = rayon::join(|| search::solve(p, budget), || bound::lower_bound(&p.pts, &p.sizes, None));
            (nets.into_iter().map(|m| m.into_iter().map(|l| idx[l as usize]).collect()).collect(), lb)
        })
        .collect();

    // The bound: agreed networks cost exactly what they cost, and the groups are partitioned
    // independently, so the sum of the groups' bounds is a bound on the whole. Must-link,
    // cannot-link and the maximum distance only remove partitions, so a bound computed without
    // them stays valid.
    let mut networks: Vec<Network> = fixed_nets.into_iter().map(|f| describe(schools, &locs, f, true)).collect();
    let mut lower = networks.iter().map(|n| n.objective_km).sum::<f64>();
    for (nets, lb) in solved {
        lower += lb;
        networks.extend(nets.into_iter().map(|m| describe(schools, &locs, m, false)));
    }
    networks.sort_by_key(|n| n.members.first().copied());
    check(&networks, &index, &locs, options)?;

    let objective_km: f64 = networks.iter().map(|n| n.objective_km).sum();
    let lower_bound_km = lower.min(objective_km);
    let adviser_km = assign_advisers(&mut networks, &index, &locs, &options.advisers)?;
    let gap = if objective_km > 0.0 { (objective_km - lower_bound_km) / objective_km } else { 0.0 };
    Ok(Formation { networks, objective_km, lower_bound_km, gap, adviser_km, elapsed: started.elapsed() })
}

/// Every constraint, checked on the networks found; the search treats them as penalties.
fn check(
    networks: &[Network],
    index: &HashMap<Urn, usize>,
    locs: &[LatLon],
    options: &Options,
) -> Result<(), NetworkError> {
    let mut net_of: HashMap<Urn, usize> = HashMap::new();
    for (k, n) in networks.iter().enumerate() {
        for &u in &n.members {
            net_of.insert(u, k);
        }
    }
    for &(a, b) in &options.must_link {
        if a != b && net_of.get(&a) != net_of.get(&b) {
            return Err(NetworkError::Infeasible(format!("must-link {a}–{b} could not be kept")));
        }
    }
    for &(a, b) in &options.cannot_link {
        if net_of.get(&a) == net_of.get(&b) {
            return Err(NetworkError::Infeasible(format!("cannot-link {a}–{b} could not be kept")));
        }
    }
    if let Some(m) = options.max_distance_km {
        for n in networks.iter().filter(|n| n.spread_km > m) {
            let worst = n
                .members
                .iter()
                .flat_map(|&a| n.members.iter().map(move |&b| (a, b)))
                .filter(|(a, b)| a < b)
                .map(|(a, b)| (a, b, haversine_km(locs[index[&a]], locs[index[&b]])))
                .max_by(|x, y| x.2.total_cmp(&y.2));
            if let Some((a, b, km)) = worst {
                return Err(NetworkError::Infeasible(format!(
                    "{a} and {b} are {km:.1} km apart, beyond the maximum distance of {m} km; no division keeps every pair within it"
                )));
            }
        }
    }
    Ok(())
}

/// Assigns networks to advisers (each network to one adviser, within capacity) at least total
/// distance from home to venue. Returns that total, or `None` without advisers.
fn assign_advisers(
    networks: &mut [Network],
    index: &HashMap<Urn, usize>,
    locs: &[LatLon],
    advisers: &[Adviser],
) -> Result<Option<f64>, NetworkError> {
    if advisers.is_empty() {
        return Ok(None);
    }
    let k = networks.len();
    let capacity: usize = advisers.iter().map(|a| a.capacity).sum();
    if capacity < k {
        return Err(NetworkError::NotEnoughAdvisers { networks: k, capacity });
    }
    // An adviser never needs more slots than there are networks.
    let slots: Vec<usize> =
        advisers.iter().enumerate().flat_map(|(a, ad)| std::iter::repeat_n(a, ad.capacity.min(k))).collect();
    let mut cost = vec![0.0; k * slots.len()];
    for (r, net) in networks.iter().enumerate() {
        let venue = locs[index[&net.venue]];
        for (c, &a) in slots.iter().enumerate() {
            cost[r * slots.len() + c] = haversine_km(advisers[a].home, venue);
        }
    }
    let Some(col) = min_cost_assignment(&cost, k, slots.len()) else {
        return Err(NetworkError::NotEnoughAdvisers { networks: k, capacity });
    };
    let mut total = 0.0;
    for (r, net) in networks.iter_mut().enumerate() {
        let km = cost[r * slots.len() + col[r]];
        net.adviser = Some((slots[col[r]], km));
        total += km;
    }
    Ok(Some(total))
}

/// Names for new networks: each base (the venue's local authority) numbered "Oldham 1",
/// "Oldham 2"..., skipping names already `taken` by networks that are kept.
pub fn network_names(bases: &[String], taken: &[String]) -> Vec<String> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    bases
        .iter()
        .map(|base| {
            loop {
                let c = count.entry(base.as_str()).or_insert(0);
                *c += 1;
                let name = format!("{base} {c}");
                if !taken.contains(&name) {
                    break name;
                }
            }
        })
        .collect()
}

/// Which old network each newly formed one takes the place of: the one it shares most members
/// with, pairs taken greedily from the most shared, ties by order; a new network that shares
/// none takes a spare old one (so that network numbers are reused), or `None` for a new one.
/// Old networks left over are removed. Used both to save a formation and to say beforehand
/// what saving it would change.
pub fn replacement(old: &[std::collections::BTreeSet<Urn>], formed: &[Vec<Urn>]) -> Vec<Option<usize>> {
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (i, f) in formed.iter().enumerate() {
        for (j, members) in old.iter().enumerate() {
            let shared = f.iter().filter(|u| members.contains(u)).count();
            if shared > 0 {
                pairs.push((shared, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut place: Vec<Option<usize>> = vec![None; formed.len()];
    let mut taken = vec![false; old.len()];
    for (_, i, j) in pairs {
        if place[i].is_none() && !taken[j] {
            place[i] = Some(j);
            taken[j] = true;
        }
    }
    let mut spare = (0..old.len()).filter(|j| !taken[*j]).collect::<Vec<_>>().into_iter();
    for p in place.iter_mut().filter(|p| p.is_none()) {
        if let Some(j) = spare.next() {
            *p = Some(j);
        }
    }
    place
}

#[cfg(test)]
mod tests;
