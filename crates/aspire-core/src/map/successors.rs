//! Districts created after the bundled boundaries (2013 codes) were drawn, each with the districts
//! it was made from, as the structural changes orders made them: a map draws a new district as
//! its predecessors, and says so; it never draws a shape for it of its own.

/// A district created by merging older ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Successor {
    pub code: &'static str,
    pub name: &'static str,
    /// The year it began (on 1 April).
    pub from: u16,
    /// The codes of the districts it was made from, as the 2013 boundaries name them.
    pub predecessors: &'static [&'static str],
}

/// Every district created between 2019 and 2023 in England from whole older districts. Somerset
/// (2023) took in Somerset West and Taunton, itself made in 2019 from Taunton Deane and West
/// Somerset, so both are listed by their 2013 districts.
pub const SUCCESSORS: &[Successor] = &[
    Successor {
        code: "E06000058",
        name: "Bournemouth, Christchurch and Poole",
        from: 2019,
        predecessors: &["E06000028", "E07000048", "E06000029"],
    },
    Successor {
        code: "E06000059",
        name: "Dorset",
        from: 2019,
        predecessors: &["E07000049", "E07000050", "E07000051", "E07000052", "E07000053"],
    },
    Successor { code: "E07000244", name: "East Suffolk", from: 2019, predecessors: &["E07000205", "E07000206"] },
    Successor { code: "E07000245", name: "West Suffolk", from: 2019, predecessors: &["E07000201", "E07000204"] },
    Successor {
        code: "E07000246",
        name: "Somerset West and Taunton",
        from: 2019,
        predecessors: &["E07000190", "E07000191"],
    },
    Successor {
        code: "E06000060",
        name: "Buckinghamshire",
        from: 2020,
        predecessors: &["E07000004", "E07000005", "E07000006", "E07000007"],
    },
    Successor {
        code: "E06000061",
        name: "North Northamptonshire",
        from: 2021,
        predecessors: &["E07000150", "E07000152", "E07000153", "E07000156"],
    },
    Successor {
        code: "E06000062",
        name: "West Northamptonshire",
        from: 2021,
        predecessors: &["E07000151", "E07000154", "E07000155"],
    },
    Successor {
        code: "E06000063",
        name: "Cumberland",
        from: 2023,
        predecessors: &["E07000026", "E07000028", "E07000029"],
    },
    Successor {
        code: "E06000064",
        name: "Westmorland and Furness",
        from: 2023,
        predecessors: &["E07000027", "E07000030", "E07000031"],
    },
    Successor {
        code: "E06000065",
        name: "North Yorkshire",
        from: 2023,
        predecessors: &["E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"],
    },
    Successor {
        code: "E06000066",
        name: "Somerset",
        from: 2023,
        predecessors: &["E07000187", "E07000188", "E07000189", "E07000190", "E07000191"],
    },
];

/// The district created after 2013 with this code, if it is one.
pub fn successor(code: &str) -> Option<&'static Successor> {
    SUCCESSORS.iter().find(|s| s.code == code)
}

#[cfg(test)]
mod tests {
    use super::super::Frame;
    use super::super::topo::{Boundaries, Topology};
    use super::*;
    use crate::geo::LatLon;

    fn bundled() -> Boundaries {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../aspire-web/boundaries/topo_lad.json");
        let text = std::fs::read_to_string(path).expect("the bundled boundaries");
        let t: Topology = serde_json::from_str(&text).expect("a topology");
        Boundaries::from_topology(t, "lad").expect("districts")
    }

    #[test]
    fn every_successor_is_drawn_from_districts_the_boundaries_have_and_has_none_of_its_own() {
        let b = bundled();
        assert_eq!(b.districts().len(), 326);
        for s in SUCCESSORS {
            assert!(b.district(s.code).is_none(), "{} has a shape of its own", s.name);
            assert!(s.predecessors.len() >= 2, "{}", s.name);
            for p in s.predecessors {
                assert!(b.district(p).is_some(), "{} is drawn from {p}, which the boundaries lack", s.name);
            }
        }
        assert_eq!(successor("E06000059").map(|s| s.name), Some("Dorset"));
        assert!(successor("E08000032").is_none(), "Bradford has not changed");
    }

    #[test]
    fn simplification_keeps_every_district_and_shrinks_the_drawing() {
        let b = bundled();
        let england = [LatLon { lat: 49.8, lon: -6.5 }, LatLon { lat: 55.9, lon: 1.8 }];
        let frame = Frame::fit(&england, 420.0, 0.0, 0.05);
        let fine = b.draw(&frame, 0.0);
        let coarse = b.draw(&frame, 1.0);
        assert_eq!(fine.len(), 326, "every district reaches into a frame round England");
        assert_eq!(coarse.len(), 326, "simplification drops no district");
        for s in &coarse {
            assert!(s.vertices >= 3 && s.path.starts_with('M') && s.path.ends_with('Z'), "{} is drawn", s.name);
        }
        let (all_fine, all_coarse): (usize, usize) =
            (fine.iter().map(|s| s.vertices).sum(), coarse.iter().map(|s| s.vertices).sum());
        assert!(all_coarse * 5 < all_fine, "{all_coarse} of {all_fine} vertices kept");
        // The City of London, a few pixels across at this scale, is still there.
        assert!(coarse.iter().any(|s| s.code == "E09000001" && s.vertices >= 3));
        // Bradford's shape lies where Bradford is.
        let bradford = coarse.iter().find(|s| s.code == "E08000032").expect("Bradford");
        let (bx, by) = frame.project(LatLon { lat: 53.795, lon: -1.759 });
        let first: Vec<f64> =
            bradford.path[1..].split(['L', ' ', 'Z', 'M']).take(2).map(|v| v.parse().expect("a number")).collect();
        assert!((first[0] - bx).abs() < 15.0 && (first[1] - by).abs() < 15.0, "{first:?} vs {bx},{by}");
    }

    #[test]
    fn a_small_frame_draws_only_the_districts_that_reach_into_it() {
        let b = bundled();
        let frame = Frame::fit(&[LatLon { lat: 53.795, lon: -1.759 }], 560.0, 16.0, 0.3);
        let shapes = b.draw(&frame, 0.7);
        let codes: Vec<&str> = shapes.iter().map(|s| s.code.as_str()).collect();
        assert!(codes.contains(&"E08000032") && codes.contains(&"E08000035"), "Bradford and Leeds: {codes:?}");
        assert!(!codes.contains(&"E09000001"), "not the City of London");
        assert!(shapes.len() < 30, "{} districts", shapes.len());
    }
}
