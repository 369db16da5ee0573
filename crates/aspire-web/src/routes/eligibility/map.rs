//! Maps drawn as SVG on the server: no tiles, no script, readable without colour (the list
//! beside each map is its text alternative). District boundaries (bundled in `boundaries/`, with
//! the attribution every map shows) are the background, simplified to the map's scale and
//! limited to the districts that reach into it, so that a page stays small. Shared by the
//! eligibility list (one map of England) and the networks page (a map per area).

use std::sync::OnceLock;

use aspire_core::geo::LatLon;
use aspire_core::map::topo::{Boundaries, Shape, Topology};
use aspire_core::map::{Frame, successors};

/// England's extent in degrees, with a margin.
const ENGLAND: [LatLon; 2] = [LatLon { lat: 49.8, lon: -6.5 }, LatLon { lat: 55.9, lon: 1.8 }];
pub const WIDTH: f64 = 420.0;

/// What every map with boundaries says under it.
pub const ATTRIBUTION: &str = "District boundaries (2013): UK Boundary Data by Martin Chorley, CC BY 4.0; contains \
     Ordnance Survey data © Crown copyright and database right 2014 and ONS data under the Open Government Licence \
     v3.0.";

/// Boundaries are simplified to within this many pixels of the original: an area's map, and
/// the map of all England, whose 326 districts would otherwise weigh most of its page.
const TOLERANCE_PX: f64 = 0.7;
const ENGLAND_TOLERANCE_PX: f64 = 1.5;

static BOUNDARIES: OnceLock<Option<Boundaries>> = OnceLock::new();

/// The bundled boundaries, read once. `None` (maps without a background, logged) only if the
/// bundled file does not read, which a test rules out.
pub fn boundaries() -> Option<&'static Boundaries> {
    BOUNDARIES
        .get_or_init(|| {
            let text = include_str!("../../../boundaries/topo_lad.json");
            let read = serde_json::from_str::<Topology>(text)
                .map_err(|e| e.to_string())
                .and_then(|t| Boundaries::from_topology(t, "lad").map_err(|e| e.to_string()));
            match read {
                Ok(b) => Some(b),
                Err(e) => {
                    tracing::error!(error = %e, "the bundled district boundaries do not read");
                    None
                }
            }
        })
        .as_ref()
}

/// A district's outline in a map.
pub struct District {
    pub path: String,
    pub name: String,
}

/// The districts that reach into a frame, drawn to its scale.
pub fn districts(frame: &Frame) -> Vec<District> {
    districts_within(frame, TOLERANCE_PX)
}

fn districts_within(frame: &Frame, tolerance: f64) -> Vec<District> {
    boundaries().map_or_else(Vec::new, |b| {
        b.draw(frame, tolerance).into_iter().map(|Shape { path, name, .. }| District { path, name }).collect()
    })
}

/// For the districts created after 2013 among `codes`, a sentence each saying which 2013
/// districts draw it, in the order given, each once.
pub fn successor_notes<'a>(codes: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut notes = Vec::new();
    for code in codes {
        let Some(s) = successors::successor(code) else { continue };
        if seen.contains(&s.code) {
            continue;
        }
        seen.push(s.code);
        let names: Vec<String> = s
            .predecessors
            .iter()
            .map(|p| boundaries().and_then(|b| b.district(p)).map_or_else(|| (*p).to_owned(), |d| d.name.clone()))
            .collect();
        notes.push(format!(
            "{} (a district since {}) is drawn as the districts it was made from: {}.",
            s.name,
            s.from,
            names.join(", ")
        ));
    }
    notes
}

pub struct Point {
    pub x: String,
    pub y: String,
    pub class: &'static str,
    pub title: String,
}

pub struct Map {
    pub width: String,
    pub height: String,
    /// England's districts.
    pub districts: Vec<District>,
    pub points: Vec<Point>,
}

fn england() -> Frame {
    Frame::fit(&ENGLAND, WIDTH, 0.0, 0.05)
}

/// A map of England with a dot for each point (latitude, longitude, class, title); points
/// outside England are left out.
pub fn build(points: impl Iterator<Item = (f64, f64, &'static str, String)>) -> Map {
    let frame = england();
    let pts = points
        .filter(|(lat, lon, _, _)| {
            (ENGLAND[0].lat..=ENGLAND[1].lat).contains(lat) && (ENGLAND[0].lon..=ENGLAND[1].lon).contains(lon)
        })
        .map(|(lat, lon, class, title)| {
            let (x, y) = frame.project(LatLon { lat, lon });
            Point { x: format!("{x:.1}"), y: format!("{y:.1}"), class, title }
        })
        .collect();
    Map {
        width: format!("{WIDTH:.0}"),
        height: format!("{:.0}", frame.height),
        districts: districts_within(&frame, ENGLAND_TOLERANCE_PX),
        points: pts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_england_inside_the_frame_over_its_districts() {
        let m = build(
            [
                (51.5074, -0.1278, "a", "London".to_owned()),
                (53.8175, -3.0357, "a", "Blackpool".into()),
                (40.0, 0.0, "a", "Spain".into()),
            ]
            .into_iter(),
        );
        assert_eq!(m.points.len(), 2, "a point outside England is left out");
        let (x, y): (f64, f64) = (m.points[0].x.parse().expect("x"), m.points[0].y.parse().expect("y"));
        let (bx, by): (f64, f64) = (m.points[1].x.parse().expect("x"), m.points[1].y.parse().expect("y"));
        let h: f64 = m.height.parse().expect("height");
        assert!(x > WIDTH * 0.6 && x < WIDTH && y > h * 0.6 && y < h, "{x},{y}");
        assert!(bx < x && by < y, "Blackpool is west and north of London");
        assert_eq!(m.districts.len(), 326, "every district of England");
        let bytes: usize = m.districts.iter().map(|d| d.path.len()).sum();
        assert!(bytes < 130_000, "the boundaries take {bytes} bytes");
    }

    #[test]
    fn districts_made_after_2013_are_named_with_what_draws_them() {
        let notes = successor_notes(["E06000059", "E08000032", "E06000059", "E06000060"].into_iter());
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].starts_with("Dorset (a district since 2019)") && notes[0].contains("West Dorset"),
            "{}",
            notes[0]
        );
        assert!(notes[1].contains("Aylesbury Vale"), "{}", notes[1]);
    }
}
