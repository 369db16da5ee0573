//! The networks page's maps: the schools taking part over district boundaries, each network in
//! its colour with lines to its venue and its number as a label, a legend naming each number.
//! Networks in areas far apart (no school within `GAP_KM` of another's) get a map each, so that
//! each map is at a scale where its networks can be read.

use aspire_core::geo::LatLon;
use aspire_core::map::{Frame, clusters};
use aspire_store::PlacedSchool;

use crate::routes::eligibility::map::{self, District};

/// Areas with no two schools this close are drawn on maps of their own.
const GAP_KM: f64 = 40.0;
const WIDTH: f64 = 560.0;
const MARGIN: f64 = 24.0;
/// A map spans at least this many degrees (about 11 km), so that one school does not fill it.
const MIN_SPAN_DEG: f64 = 0.1;

/// A network as the maps draw it.
pub struct MapNetwork<'a> {
    /// Its number on the page (the label on the map).
    pub number: usize,
    pub class: String,
    pub name: String,
    pub venue: Option<LatLon>,
    pub members: Vec<&'a PlacedSchool>,
}

pub struct Dot {
    pub x: String,
    pub y: String,
    pub class: String,
    pub title: String,
}

pub struct Spoke {
    pub x1: String,
    pub y1: String,
    pub x2: String,
    pub y2: String,
    pub class: String,
}

pub struct Label {
    pub x: String,
    pub y: String,
    pub text: String,
}

pub struct LegendItem {
    pub class: String,
    pub label: String,
    pub name: String,
}

/// One map: an area's schools and networks.
pub struct AreaMap {
    /// "1", "2", ... to tell the maps' titles apart.
    pub id: String,
    /// The local authorities it shows.
    pub title: String,
    pub width: String,
    pub height: String,
    pub districts: Vec<District>,
    pub spokes: Vec<Spoke>,
    pub dots: Vec<Dot>,
    pub labels: Vec<Label>,
    pub legend: Vec<LegendItem>,
    /// Districts made after 2013, with those that draw them.
    pub notes: Vec<String>,
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// The maps of the networks and of the schools in none (`unplaced`): one per area.
pub fn area_maps(nets: &[MapNetwork<'_>], unplaced: &[&PlacedSchool]) -> Vec<AreaMap> {
    // Items: each network with located members, then each unplaced school with a location.
    enum Item<'n, 'a> {
        Network(&'n MapNetwork<'a>),
        School(&'a PlacedSchool),
    }
    let mut items: Vec<Item> = Vec::new();
    let mut places: Vec<Vec<LatLon>> = Vec::new();
    for n in nets {
        let at: Vec<LatLon> = n.members.iter().filter_map(|s| s.location()).collect();
        if !at.is_empty() {
            items.push(Item::Network(n));
            places.push(at);
        }
    }
    for s in unplaced {
        if let Some(p) = s.location() {
            items.push(Item::School(s));
            places.push(vec![p]);
        }
    }
    let groups = clusters(&places, GAP_KM);
    let count = groups.len();
    groups
        .into_iter()
        .enumerate()
        .map(|(k, group)| {
            let all: Vec<LatLon> = group.iter().flat_map(|&i| places[i].iter().copied()).collect();
            let frame = Frame::fit(&all, WIDTH, MARGIN, MIN_SPAN_DEG);
            let mut m = AreaMap {
                id: (k + 1).to_string(),
                title: String::new(),
                width: format!("{WIDTH:.0}"),
                height: format!("{:.0}", frame.height),
                districts: map::districts(&frame),
                spokes: Vec::new(),
                dots: Vec::new(),
                labels: Vec::new(),
                legend: Vec::new(),
                notes: Vec::new(),
            };
            let mut las: Vec<String> = Vec::new();
            let mut codes: Vec<String> = Vec::new();
            let mut note = |s: &PlacedSchool| {
                if let Some(la) = &s.la_name
                    && !las.contains(la)
                {
                    las.push(la.clone());
                }
                if let Some(c) = &s.district_code {
                    codes.push(c.clone());
                }
            };
            let mut any_unplaced = false;
            for &i in &group {
                match &items[i] {
                    Item::Network(n) => {
                        let (mut sx, mut sy, mut c) = (0.0, 0.0, 0.0);
                        let venue = n.venue.map(|v| frame.project(v));
                        for s in &n.members {
                            note(s);
                            let Some(p) = s.location() else { continue };
                            let (x, y) = frame.project(p);
                            (sx, sy, c) = (sx + x, sy + y, c + 1.0);
                            if let Some((vx, vy)) = venue {
                                m.spokes.push(Spoke {
                                    x1: px(x),
                                    y1: px(y),
                                    x2: px(vx),
                                    y2: px(vy),
                                    class: n.class.clone(),
                                });
                            }
                            let name = s.name.clone().unwrap_or_else(|| format!("URN {}", s.urn));
                            m.dots.push(Dot {
                                x: px(x),
                                y: px(y),
                                class: n.class.clone(),
                                title: format!("{name} ({})", n.name),
                            });
                        }
                        // The label sits above the middle of its schools.
                        m.labels.push(Label { x: px(sx / c), y: px(sy / c - 9.0), text: n.number.to_string() });
                        m.legend.push(LegendItem {
                            class: n.class.clone(),
                            label: n.number.to_string(),
                            name: n.name.clone(),
                        });
                    }
                    Item::School(s) => {
                        note(s);
                        any_unplaced = true;
                        if let Some(p) = s.location() {
                            let (x, y) = frame.project(p);
                            let name = s.name.clone().unwrap_or_else(|| format!("URN {}", s.urn));
                            m.dots.push(Dot {
                                x: px(x),
                                y: px(y),
                                class: "net-none".into(),
                                title: format!("{name} (no network yet)"),
                            });
                        }
                    }
                }
            }
            if any_unplaced {
                m.legend.push(LegendItem {
                    class: "net-none".into(),
                    label: String::new(),
                    name: "No network yet".into(),
                });
            }
            let shown = las.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            let more = if las.len() > 3 { format!(" and {} more", las.len() - 3) } else { String::new() };
            m.title =
                if count > 1 { format!("Map {} of {count}: {shown}{more}", k + 1) } else { format!("{shown}{more}") };
            m.notes = map::successor_notes(codes.iter().map(String::as_str));
            m
        })
        .collect()
}
