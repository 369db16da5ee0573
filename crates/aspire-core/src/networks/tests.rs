use super::*;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

fn urn(i: usize) -> Urn {
    Urn::try_from(100_000 + i as u32).expect("six digits")
}

fn random_schools(rng: &mut Xoshiro256PlusPlus, n: usize, areas: usize) -> Vec<School> {
    (0..n)
        .map(|i| {
            let lat = 50.5 + (rng.next_u64() % 10_000) as f64 / 10_000.0 * 3.0;
            let lon = -3.0 + (rng.next_u64() % 10_000) as f64 / 10_000.0 * 3.0;
            let area = (rng.next_u64() % areas as u64) as usize;
            School { urn: urn(i), location: Some(LatLon { lat, lon }), boundary: Some(format!("A{area}")) }
        })
        .collect()
}

fn quick(seed: u64) -> Options {
    Options { seed, time_limit: Some(Duration::from_millis(200)), ..Options::default() }
}

/// Every school in exactly one network, sizes allowed, bound below objective.
fn assert_valid(schools: &[School], f: &Formation, options: &Options) {
    let mut seen = HashMap::new();
    for (k, n) in f.networks.iter().enumerate() {
        assert!(n.members.len() + 1 >= options.size && n.members.len() <= options.size + 1, "size {}", n.members.len());
        for &u in &n.members {
            assert!(seen.insert(u, k).is_none(), "{u} twice");
        }
        if options.within {
            let b: Vec<_> =
                n.members.iter().map(|u| schools.iter().find(|s| s.urn == *u).map(|s| &s.boundary)).collect();
            assert!(b.windows(2).all(|w| w[0] == w[1]), "one boundary per network");
        }
        if let Some(m) = options.max_distance_km {
            assert!(n.spread_km <= m + 1e-9);
        }
    }
    assert_eq!(seen.len(), schools.len());
    for (a, b) in &options.must_link {
        assert_eq!(seen[a], seen[b], "must-link {a}-{b}");
    }
    for (a, b) in &options.cannot_link {
        assert_ne!(seen[a], seen[b], "cannot-link {a}-{b}");
    }
    for fixed in &options.fixed {
        let mut f2 = fixed.clone();
        f2.sort();
        assert!(f.networks.iter().any(|n| n.members == f2 && n.fixed), "fixed network kept");
    }
    assert!(f.lower_bound_km <= f.objective_km + 1e-9);
    let s = score(schools, &f.networks.iter().map(|n| n.members.clone()).collect::<Vec<_>>()).expect("score");
    assert!((s.objective_km - f.objective_km).abs() < 1e-6);
}

#[test]
fn composition_prefers_fewest_off_size_networks() {
    assert_eq!(composition(12, 4), Some(vec![4, 4, 4]));
    let mut c = composition(10, 4).expect("10");
    c.sort_unstable();
    assert_eq!(c, vec![3, 3, 4]);
    let mut c = composition(13, 4).expect("13");
    c.sort_unstable();
    assert_eq!(c, vec![4, 4, 5]);
    assert_eq!(composition(3, 4), Some(vec![3]));
    assert_eq!(composition(2, 4), None);
    assert_eq!(composition(1, 4), None);
    let mut c = composition(5, 2).expect("5");
    c.sort_unstable();
    assert_eq!(c, vec![2, 3]);
    for n in 3..200 {
        let c = composition(n, 4).expect("every n ≥ 3 divides into 3 to 5");
        assert_eq!(c.iter().sum::<usize>(), n);
    }
}

/// All partitions of `n` ≤ 10 points into the given sizes, cheapest cost.
fn brute_force(schools: &[School], sizes: &[usize]) -> f64 {
    fn go(d: &[Vec<f64>], rem: u32, sizes: &mut Vec<usize>, acc: f64, best: &mut f64) {
        if rem == 0 {
            *best = best.min(acc);
            return;
        }
        let low = rem & rem.wrapping_neg();
        let rest = rem ^ low;
        let distinct: Vec<usize> = {
            let mut v = sizes.clone();
            v.sort_unstable();
            v.dedup();
            v
        };
        for z in distinct {
            let pos = sizes.iter().position(|&x| x == z).expect("size");
            sizes.remove(pos);
            let mut sub = rest;
            loop {
                if sub.count_ones() as usize == z - 1 {
                    let g = sub | low;
                    let idx: Vec<usize> = (0..32).filter(|b| g & (1 << b) != 0).collect();
                    let mut c = 0.0;
                    for (x, &i) in idx.iter().enumerate() {
                        for &j in &idx[x + 1..] {
                            c += d[i][j];
                        }
                    }
                    go(d, rem ^ g, sizes, acc + c, best);
                }
                if sub == 0 {
                    break;
                }
                sub = (sub - 1) & rest;
            }
            sizes.push(z);
        }
    }
    let locs: Vec<LatLon> = schools.iter().map(|s| s.location.expect("located")).collect();
    let d: Vec<Vec<f64>> = locs.iter().map(|a| locs.iter().map(|b| haversine_km(*a, *b)).collect()).collect();
    let mut best = f64::INFINITY;
    go(&d, (1u32 << schools.len()) - 1, &mut sizes.to_vec(), 0.0, &mut best);
    best
}

#[test]
fn tiny_instances_reach_the_optimum_and_the_bound_stays_below_it() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for case in 0..40 {
        let n = [8, 7, 9, 10, 6][case % 5];
        let schools = random_schools(&mut rng, n, 1);
        let f = form(&schools, &quick(case as u64)).expect("form");
        let sizes: Vec<usize> = f.networks.iter().map(|n| n.members.len()).collect();
        let opt = brute_force(&schools, &sizes);
        assert!((f.objective_km - opt).abs() < 1e-6, "case {case}: {} vs optimum {opt}", f.objective_km);
        assert!(f.lower_bound_km <= opt + 1e-9, "case {case}: bound {} above optimum {opt}", f.lower_bound_km);
    }
}

#[test]
fn random_instances_with_constraints_are_respected() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for case in 0..30 {
        let n = 20 + (rng.next_u64() % 40) as usize;
        let schools = random_schools(&mut rng, n, 3);
        let mut options = quick(case);
        options.time_limit = Some(Duration::from_millis(50));
        options.within = case % 2 == 0;
        // Pairs from the same boundary, so within-boundary runs stay feasible.
        let pick = |rng: &mut Xoshiro256PlusPlus| loop {
            let a = (rng.next_u64() % n as u64) as usize;
            let b = (rng.next_u64() % n as u64) as usize;
            if a != b && schools[a].boundary == schools[b].boundary {
                return (schools[a].urn, schools[b].urn);
            }
        };
        let ml = pick(&mut rng);
        let cl = loop {
            let c = pick(&mut rng);
            if c.0 != ml.0 && c.0 != ml.1 && c.1 != ml.0 && c.1 != ml.1 {
                break c;
            }
        };
        options.must_link = vec![ml];
        options.cannot_link = vec![cl];
        if case % 3 == 0 {
            options.max_distance_km = Some(400.0);
        }
        match form(&schools, &options) {
            Ok(f) => assert_valid(&schools, &f, &options),
            // A boundary with too few schools cannot be divided; that is reported, not hidden.
            Err(NetworkError::Sizes { .. }) => assert!(options.within),
            Err(e) => panic!("case {case}: {e}"),
        }
    }
}

#[test]
fn fixed_networks_are_kept_and_advisers_assigned_within_capacity() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let schools = random_schools(&mut rng, 40, 1);
    let mut options = quick(1);
    options.fixed = vec![vec![urn(0), urn(17), urn(33), urn(5)]];
    options.advisers = vec![
        Adviser { name: "A".into(), home: LatLon { lat: 51.0, lon: -2.0 }, capacity: 6 },
        Adviser { name: "B".into(), home: LatLon { lat: 53.0, lon: -1.0 }, capacity: 6 },
    ];
    let f = form(&schools, &options).expect("form");
    assert_valid(&schools, &f, &options);
    let mut load = [0, 0];
    for n in &f.networks {
        let (a, km) = n.adviser.expect("assigned");
        load[a] += 1;
        assert!(km >= 0.0);
        // The venue is the member with least total distance to the others.
        let total = |v: Urn| -> f64 {
            let loc = |u: Urn| schools.iter().find(|s| s.urn == u).and_then(|s| s.location).expect("loc");
            n.members.iter().map(|&m| haversine_km(loc(v), loc(m))).sum()
        };
        assert!(n.members.iter().all(|&m| total(n.venue) <= total(m) + 1e-9));
    }
    assert!(load[0] <= 6 && load[1] <= 6);
    options.advisers.truncate(1);
    assert!(matches!(form(&schools, &options), Err(NetworkError::NotEnoughAdvisers { networks: 10, capacity: 6 })));
}

#[test]
fn impossible_requests_are_named() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut schools = random_schools(&mut rng, 12, 2);
    let o = Options { must_link: vec![(urn(1), urn(2))], cannot_link: vec![(urn(2), urn(1))], ..quick(0) };
    let e = form(&schools, &o).expect_err("conflict").to_string();
    assert_eq!(e, "must-link 100001–100002 conflicts with cannot-link 100002–100001");

    let o = Options { must_link: (1..7).map(|i| (urn(0), urn(i))).collect(), ..quick(0) };
    assert!(form(&schools, &o).expect_err("too big").to_string().contains("more than the largest network allowed (5)"));

    let o = Options { must_link: vec![(urn(1), urn(2))], max_distance_km: Some(0.001), ..quick(0) };
    assert!(form(&schools, &o).expect_err("too far").to_string().contains("beyond the maximum distance"));

    let o = Options { fixed: vec![vec![urn(1), urn(2)]], ..quick(0) };
    assert!(form(&schools, &o).expect_err("fixed size").to_string().contains("fixed network 1 has 2 schools"));

    let o = Options { must_link: vec![(urn(1), urn(999))], ..quick(0) };
    assert!(form(&schools, &o).expect_err("unknown").to_string().contains("100999"));

    let o = Options { size: 1, ..quick(0) };
    assert_eq!(form(&schools, &o), Err(NetworkError::InvalidSize(1)));

    assert!(matches!(form(&schools[..2], &quick(0)), Err(NetworkError::Sizes { n: 2, .. })));

    schools[3].location = None;
    schools[7].location = None;
    assert_eq!(form(&schools, &quick(0)), Err(NetworkError::MissingCoordinates(vec![urn(3), urn(7)])));
    schools[3] = schools[4].clone();
    schools[7].location = Some(LatLon { lat: 52.0, lon: 0.0 });
    assert_eq!(form(&schools, &quick(0)), Err(NetworkError::DuplicateUrn(urn(4))));
}

#[test]
fn score_checks_the_partition() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let schools = random_schools(&mut rng, 8, 1);
    let a: Vec<Urn> = (0..4).map(urn).collect();
    let b: Vec<Urn> = (4..8).map(urn).collect();
    let s = score(&schools, &[a.clone(), b.clone()]).expect("score");
    assert!(s.lower_bound_km <= s.objective_km);
    assert_eq!(score(&schools, std::slice::from_ref(&a)), Err(NetworkError::NotInAnyNetwork(b.clone())));
    assert_eq!(score(&schools, &[a.clone(), b.clone(), vec![urn(0)]]), Err(NetworkError::InTwoNetworks(urn(0))));
    assert!(matches!(score(&schools, &[a, b, vec![urn(50)]]), Err(NetworkError::UnknownSchool { .. })));
}

#[test]
fn the_same_seed_gives_the_same_networks() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let schools = random_schools(&mut rng, 16, 1);
    let o = Options { time_limit: Some(Duration::from_secs(30)), ..quick(3) };
    let a = form(&schools, &o).expect("a");
    let b = form(&schools, &o).expect("b");
    assert_eq!(a.networks, b.networks);
}

#[test]
fn new_networks_are_numbered_per_area_around_kept_names() {
    let bases = ["Oldham".to_owned(), "Oldham".to_owned(), "Bury".to_owned()];
    assert_eq!(network_names(&bases, &["Oldham 1".to_owned()]), ["Oldham 2", "Oldham 3", "Bury 1"]);
}

#[test]
fn a_new_network_takes_the_place_of_the_old_one_it_shares_most_with() {
    let set = |v: &[usize]| v.iter().map(|&i| urn(i)).collect::<std::collections::BTreeSet<_>>();
    let list = |v: &[usize]| v.iter().map(|&i| urn(i)).collect::<Vec<_>>();
    let old = [set(&[1, 2, 3]), set(&[4, 5, 6]), set(&[7, 8])];
    // The first new network is mostly the second old one; the second shares nothing, so it
    // reuses the spare third; the third is new.
    let formed = [list(&[4, 5, 1]), list(&[9, 10]), list(&[11, 12])];
    assert_eq!(replacement(&old, &formed), [Some(1), Some(0), Some(2)]);
    assert_eq!(replacement(&old[..1], &formed), [Some(0), None, None]);
    assert_eq!(replacement(&[], &formed), [None, None, None]);
}
