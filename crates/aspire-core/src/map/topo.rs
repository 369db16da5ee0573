//! District boundaries from a TopoJSON topology: quantised, delta-encoded arcs shared between
//! neighbouring districts, each district a list of rings of arc references (a negative
//! reference `!i` is arc `i` reversed). Arcs are simplified once each and then joined into
//! rings, so two neighbours always share the same simplified border; a ring that simplification
//! would flatten is drawn unsimplified, so that every district stays on the map.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::{Frame, simplify};
use crate::geo::LatLon;

/// A TopoJSON topology as its file holds it (read with any JSON reader).
#[derive(Debug, Deserialize)]
pub struct Topology {
    transform: Transform,
    arcs: Vec<Vec<[i64; 2]>>,
    objects: BTreeMap<String, Collection>,
}

#[derive(Debug, Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Debug, Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Polygon { arcs: Vec<Vec<i64>>, properties: Properties },
    MultiPolygon { arcs: Vec<Vec<Vec<i64>>>, properties: Properties },
}

#[derive(Debug, Deserialize)]
struct Properties {
    #[serde(rename = "LAD13CD")]
    code: String,
    #[serde(rename = "LAD13NM")]
    name: String,
}

/// Why a topology cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopoError {
    #[error("the topology has no object named {0}")]
    NoObject(String),
    #[error("district {code} refers to arc {arc}, which the topology does not have")]
    NoArc { code: String, arc: i64 },
}

/// One district: its ONS code and name, its polygons (each a list of rings of arc references)
/// and its extent in degrees (lat_min, lat_max, lon_min, lon_max).
#[derive(Debug, Clone)]
pub struct District {
    pub code: String,
    pub name: String,
    polygons: Vec<Vec<Vec<i64>>>,
    extent: (f64, f64, f64, f64),
}

/// A district drawn in a frame: an SVG path ("M x y L x y ... Z", one subpath a ring).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub code: String,
    pub name: String,
    pub path: String,
    /// The number of vertices drawn, over all rings.
    pub vertices: usize,
}

/// Decoded boundaries: arcs in degrees, and the districts made of them.
#[derive(Debug, Clone)]
pub struct Boundaries {
    arcs: Vec<Vec<LatLon>>,
    districts: Vec<District>,
}

impl Boundaries {
    /// Decodes the districts of `object` (the delta-encoded arcs through the transform).
    pub fn from_topology(t: Topology, object: &str) -> Result<Boundaries, TopoError> {
        let [sx, sy] = t.transform.scale;
        let [tx, ty] = t.transform.translate;
        let arcs: Vec<Vec<LatLon>> = t
            .arcs
            .iter()
            .map(|arc| {
                let (mut x, mut y) = (0_i64, 0_i64);
                arc.iter()
                    .map(|[dx, dy]| {
                        x += dx;
                        y += dy;
                        LatLon { lat: y as f64 * sy + ty, lon: x as f64 * sx + tx }
                    })
                    .collect()
            })
            .collect();
        let collection = t.objects.get(object).ok_or_else(|| TopoError::NoObject(object.to_owned()))?;
        let mut districts = Vec::new();
        for g in &collection.geometries {
            let (polygons, p) = match g {
                Geometry::Polygon { arcs, properties } => (vec![arcs.clone()], properties),
                Geometry::MultiPolygon { arcs, properties } => (arcs.clone(), properties),
            };
            let mut extent = (90.0_f64, -90.0_f64, 180.0_f64, -180.0_f64);
            for r in polygons.iter().flatten().flatten() {
                let i = arc_index(*r);
                let arc = arcs.get(i).ok_or_else(|| TopoError::NoArc { code: p.code.clone(), arc: *r })?;
                for q in arc {
                    extent = (extent.0.min(q.lat), extent.1.max(q.lat), extent.2.min(q.lon), extent.3.max(q.lon));
                }
            }
            districts.push(District { code: p.code.clone(), name: p.name.clone(), polygons, extent });
        }
        Ok(Boundaries { arcs, districts })
    }

    pub fn districts(&self) -> &[District] {
        &self.districts
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    /// The districts that reach into the frame, each arc simplified to within `tolerance`
    /// pixels.
    pub fn draw(&self, frame: &Frame, tolerance: f64) -> Vec<Shape> {
        let (lat_min, lat_max, lon_min, lon_max) = frame.extent();
        let mut simplified: HashMap<usize, Vec<(f64, f64)>> = HashMap::new();
        let mut shapes = Vec::new();
        for d in &self.districts {
            let (a, b, c, e) = d.extent;
            if b < lat_min || a > lat_max || e < lon_min || c > lon_max {
                continue;
            }
            let mut path = String::new();
            let mut vertices = 0;
            for ring in d.polygons.iter().flatten() {
                let mut points = self.ring(ring, |i| {
                    simplified
                        .entry(i)
                        .or_insert_with(|| {
                            let line: Vec<(f64, f64)> = self.arcs[i].iter().map(|p| frame.project(*p)).collect();
                            simplify(&line, tolerance)
                        })
                        .clone()
                });
                if distinct(&points) < 3 {
                    points = self.ring(ring, |i| self.arcs[i].iter().map(|p| frame.project(*p)).collect());
                }
                vertices += points.len();
                for (k, (x, y)) in points.iter().enumerate() {
                    let cmd = match k {
                        0 => "M",
                        1 => "L",
                        _ => " ",
                    };
                    path.push_str(&format!("{cmd}{x:.1} {y:.1}"));
                }
                path.push('Z');
            }
            shapes.push(Shape { code: d.code.clone(), name: d.name.clone(), path, vertices });
        }
        shapes
    }

    /// A ring's points from its arcs (each given by `arc`, in the arc's own direction), the
    /// point where two arcs meet written once.
    fn ring(&self, refs: &[i64], mut arc: impl FnMut(usize) -> Vec<(f64, f64)>) -> Vec<(f64, f64)> {
        let mut points: Vec<(f64, f64)> = Vec::new();
        for &r in refs {
            let mut line = arc(arc_index(r));
            if r < 0 {
                line.reverse();
            }
            let skip = usize::from(!points.is_empty());
            points.extend(line.into_iter().skip(skip));
        }
        points
    }
}

fn arc_index(r: i64) -> usize {
    usize::try_from(if r < 0 { !r } else { r }).unwrap_or(usize::MAX)
}

/// The number of different points, rounded to a tenth of a pixel as drawn.
fn distinct(points: &[(f64, f64)]) -> usize {
    let mut seen: Vec<(i64, i64)> =
        points.iter().map(|(x, y)| ((x * 10.0).round() as i64, (y * 10.0).round() as i64)).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}
