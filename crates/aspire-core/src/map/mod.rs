//! Map geometry for the maps the pages draw as SVG: a frame that fits a set of places into a
//! box of pixels (equirectangular, scaled by the cosine of the middle latitude so that distances
//! look right), line simplification (Douglas–Peucker, which always keeps a line's ends), the
//! grouping of places into areas far enough apart to deserve a map each, and district boundaries
//! read from a TopoJSON topology (`topo`), with the districts created after the boundaries were
//! drawn and the older districts they are drawn from (`successors`).

pub mod successors;
pub mod topo;

use crate::geo::{LatLon, haversine_km};

/// A box of `width` pixels (and the height the places need) that places are projected into.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    lat_max: f64,
    lon_min: f64,
    cos: f64,
    /// Pixels per degree of latitude.
    k: f64,
    margin: f64,
    pub width: f64,
    pub height: f64,
}

impl Frame {
    /// Fits `points` into `width` pixels with `margin` on every side; the frame spans at least
    /// `min_span_deg` degrees of latitude, so that one school does not fill the map. Without
    /// points, a frame over the middle of England.
    pub fn fit(points: &[LatLon], width: f64, margin: f64, min_span_deg: f64) -> Frame {
        let (mut lat_min, mut lat_max, mut lon_min, mut lon_max) = (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
        for p in points {
            lat_min = lat_min.min(p.lat);
            lat_max = lat_max.max(p.lat);
            lon_min = lon_min.min(p.lon);
            lon_max = lon_max.max(p.lon);
        }
        if points.is_empty() {
            (lat_min, lat_max, lon_min, lon_max) = (52.0, 53.0, -2.0, -1.0);
        }
        let cos = ((lat_min + lat_max) / 2.0).to_radians().cos();
        let mut w = (lon_max - lon_min) * cos;
        let mut h = lat_max - lat_min;
        // Widen a small extent about its middle.
        if w < min_span_deg {
            let grow = (min_span_deg - w) / cos / 2.0;
            lon_min -= grow;
            w = min_span_deg;
        }
        if h < min_span_deg {
            lat_max += (min_span_deg - h) / 2.0;
            h = min_span_deg;
        }
        let k = (width - 2.0 * margin) / w.max(h);
        Frame { lat_max, lon_min, cos, k, margin, width, height: h * k + 2.0 * margin }
    }

    /// Where a place falls, in pixels from the top left.
    pub fn project(&self, p: LatLon) -> (f64, f64) {
        (self.margin + (p.lon - self.lon_min) * self.cos * self.k, self.margin + (self.lat_max - p.lat) * self.k)
    }

    /// The place at a pixel (the inverse of [`Frame::project`]).
    pub fn unproject(&self, x: f64, y: f64) -> LatLon {
        LatLon {
            lat: self.lat_max - (y - self.margin) / self.k,
            lon: self.lon_min + (x - self.margin) / (self.cos * self.k),
        }
    }

    /// The frame's extent in degrees: (lat_min, lat_max, lon_min, lon_max).
    pub fn extent(&self) -> (f64, f64, f64, f64) {
        let top_left = self.unproject(0.0, 0.0);
        let bottom_right = self.unproject(self.width, self.height);
        (bottom_right.lat, top_left.lat, top_left.lon, bottom_right.lon)
    }
}

/// Douglas–Peucker: the points of `line` that keep it within `tolerance` of the original. The
/// first and last points are always kept; a closed line (first = last) also keeps its point
/// farthest from the start, so that it stays a ring.
pub fn simplify(line: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if line.len() <= 2 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut stack = vec![(0, line.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut far, mut far_d) = (a, -1.0_f64);
        for (i, p) in line.iter().enumerate().take(b).skip(a + 1) {
            let d = distance_to_segment(*p, line[a], line[b]);
            if d > far_d {
                (far, far_d) = (i, d);
            }
        }
        // A degenerate segment (a closed line) always splits, so that the ring keeps a body.
        let degenerate = line[a] == line[b];
        if far_d > tolerance || degenerate {
            keep[far] = true;
            stack.push((a, far));
            stack.push((far, b));
        }
    }
    line.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

fn distance_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// Groups of items that belong on one map: two items are on the same map when any of their
/// places lie within `gap_km` of each other (single linkage), so areas far apart get a map
/// each. `items` holds each item's places (a network's schools); an item without places is a
/// group of its own. Groups come in the order of their first item.
pub fn clusters(items: &[Vec<LatLon>], gap_km: f64) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            let near = items[i].iter().any(|a| items[j].iter().any(|b| haversine_km(*a, *b) <= gap_km));
            if near {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in 0..items.len() {
        let r = root(&mut parent, i);
        match groups.iter_mut().find(|(g, _)| *g == r) {
            Some((_, members)) => members.push(i),
            None => groups.push((r, vec![i])),
        }
    }
    groups.into_iter().map(|(_, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONDON: LatLon = LatLon { lat: 51.5074, lon: -0.1278 };
    const BRADFORD: LatLon = LatLon { lat: 53.7950, lon: -1.7594 };
    const KEIGHLEY: LatLon = LatLon { lat: 53.8677, lon: -1.9064 };

    #[test]
    fn the_frame_keeps_north_up_west_left_and_distances_true_in_both_directions() {
        let f = Frame::fit(&[LONDON, BRADFORD], 500.0, 10.0, 0.05);
        let (lx, ly) = f.project(LONDON);
        let (bx, by) = f.project(BRADFORD);
        assert!(bx < lx && by < ly, "Bradford is west and north of London");
        for (x, y) in [(lx, ly), (bx, by)] {
            assert!((10.0 - 1e-9..=f.width - 10.0 + 1e-9).contains(&x) && (0.0..=f.height).contains(&y));
        }
        // A kilometre east and a kilometre north are (about) the same number of pixels.
        let east = LatLon { lat: 52.65, lon: -0.9 };
        let north = LatLon { lat: 52.65 + 1.0 / 111.2, lon: -0.9 };
        let east2 = LatLon { lat: 52.65, lon: -0.9 + 1.0 / (111.2 * 52.65_f64.to_radians().cos()) };
        let (x0, y0) = f.project(east);
        let (_, yn) = f.project(north);
        let (xe, _) = f.project(east2);
        assert!(((y0 - yn) / (xe - x0) - 1.0).abs() < 0.02, "{} vs {}", y0 - yn, xe - x0);
        let back = f.unproject(bx, by);
        assert!((back.lat - BRADFORD.lat).abs() < 1e-9 && (back.lon - BRADFORD.lon).abs() < 1e-9);
    }

    #[test]
    fn one_school_does_not_fill_the_map() {
        let f = Frame::fit(&[KEIGHLEY], 400.0, 0.0, 0.1);
        let (x, y) = f.project(KEIGHLEY);
        assert!((x - 200.0).abs() < 1e-6 && (y - 200.0).abs() < 1e-6, "in the middle: {x},{y}");
        let (lat_min, lat_max, _, _) = f.extent();
        assert!((lat_max - lat_min - 0.1).abs() < 1e-9);
    }

    #[test]
    fn simplification_keeps_the_ends_and_stays_within_the_tolerance() {
        let line: Vec<(f64, f64)> = (0..=100).map(|i| (f64::from(i), (f64::from(i) / 7.0).sin() * 3.0)).collect();
        let s = simplify(&line, 0.5);
        assert_eq!(s.first(), line.first());
        assert_eq!(s.last(), line.last());
        assert!(s.len() < line.len() / 3, "{} points kept", s.len());
        for p in &line {
            let d = s.windows(2).map(|w| distance_to_segment(*p, w[0], w[1])).fold(f64::INFINITY, f64::min);
            assert!(d <= 0.5 + 1e-9, "{p:?} is {d} away");
        }
        // A straight line needs only its ends.
        assert_eq!(simplify(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)], 0.1), vec![(0.0, 0.0), (2.0, 2.0)]);
        // A small closed ring keeps a body, however coarse the tolerance.
        let ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        let s = simplify(&ring, 100.0);
        assert!(s.len() >= 3 && s.first() == s.last(), "{s:?}");
    }

    #[test]
    fn areas_far_apart_get_a_map_each_and_neighbours_share_one() {
        let doncaster = LatLon { lat: 53.5228, lon: -1.1285 };
        let ipswich = LatLon { lat: 52.0567, lon: 1.1482 };
        let items = vec![vec![BRADFORD], vec![ipswich], vec![KEIGHLEY], vec![], vec![doncaster]];
        // Bradford and Keighley are 13 km apart, Doncaster about 51 km from Bradford, Ipswich far away.
        assert_eq!(clusters(&items, 30.0), vec![vec![0, 2], vec![1], vec![3], vec![4]]);
        assert_eq!(clusters(&items, 60.0), vec![vec![0, 2, 4], vec![1], vec![3]]);
        // An item is near another when any one of its places is: Keighley joins through Bradford.
        let chain = vec![vec![BRADFORD, doncaster], vec![LONDON], vec![KEIGHLEY]];
        assert_eq!(clusters(&chain, 20.0), vec![vec![0, 2], vec![1]]);
    }
}
