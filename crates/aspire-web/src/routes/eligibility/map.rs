//! A map of schools drawn as SVG on the server: no tiles, no script, readable without colour
//! (the list beside it is the text alternative).

/// England's extent in degrees, with a margin.
const LON_MIN: f64 = -6.0;
const LON_MAX: f64 = 2.0;
const LAT_MIN: f64 = 49.8;
const LAT_MAX: f64 = 55.9;
pub const WIDTH: f64 = 420.0;

pub struct Point {
    pub x: String,
    pub y: String,
    pub class: &'static str,
    pub title: String,
}

pub struct Map {
    pub width: String,
    pub height: String,
    /// Every school with a location, thinned to one dot per pixel: the shape of England.
    pub background: Vec<(String, String)>,
    pub points: Vec<Point>,
}

/// Equirectangular, scaled by the cosine of the middle latitude so that distances look right.
fn project(lat: f64, lon: f64) -> Option<(f64, f64)> {
    if !(LAT_MIN..=LAT_MAX).contains(&lat) || !(LON_MIN..=LON_MAX).contains(&lon) {
        return None;
    }
    let k = WIDTH / ((LON_MAX - LON_MIN) * (((LAT_MIN + LAT_MAX) / 2.0).to_radians().cos()));
    let x = (lon - LON_MIN) * (((LAT_MIN + LAT_MAX) / 2.0).to_radians().cos()) * k;
    let y = (LAT_MAX - lat) * k;
    Some((x, y))
}

pub fn height() -> f64 {
    project(LAT_MIN, LON_MIN).map_or(WIDTH, |(_, y)| y)
}

pub fn build(
    background: impl Iterator<Item = (f64, f64)>,
    points: impl Iterator<Item = (f64, f64, &'static str, String)>,
) -> Map {
    let mut seen = std::collections::HashSet::new();
    let bg = background
        .filter_map(|(lat, lon)| project(lat, lon))
        .filter(|(x, y)| seen.insert((*x as i32, *y as i32)))
        .map(|(x, y)| (format!("{x:.1}"), format!("{y:.1}")))
        .collect();
    let pts = points
        .filter_map(|(lat, lon, class, title)| {
            project(lat, lon).map(|(x, y)| Point { x: format!("{x:.1}"), y: format!("{y:.1}"), class, title })
        })
        .collect();
    Map { width: format!("{WIDTH:.0}"), height: format!("{:.0}", height()), background: bg, points: pts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_england_inside_the_frame() {
        let (x, y) = project(51.5074, -0.1278).expect("London");
        assert!(x > WIDTH * 0.6 && x < WIDTH && y > height() * 0.6 && y < height(), "{x},{y}");
        let (bx, by) = project(53.8175, -3.0357).expect("Blackpool");
        assert!(bx < x && by < y, "Blackpool is west and north of London");
        assert!(project(40.0, 0.0).is_none());
    }
}
