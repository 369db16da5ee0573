//! GET /schools/{urn}: a school's details, its chain of URNs, Ofsted timeline and KS2 results.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use aspire_core::links::LinkRelation;
use aspire_core::urn::Urn;
use aspire_store::{ChainPosition, SchoolProfile};

use crate::extract::Path;
use crate::filters;
use crate::routes::page;
use crate::{AppState, WebError};

pub struct Detail {
    pub label: &'static str,
    pub value: String,
}

pub struct TimelineRow {
    pub date: String,
    pub judgement: String,
    pub grade: u8,
    pub class: &'static str,
    /// Set when the inspection was of another URN in the chain.
    pub whose: Option<(Urn, String)>,
}

pub struct ChainRow {
    pub relation: &'static str,
    pub urn: Urn,
    pub name: String,
    pub detail: String,
}

/// Where a school is, written for the page, and where the figures came from.
struct Location {
    latitude: String,
    longitude: String,
    source: &'static str,
}

#[derive(Template)]
#[template(path = "school.html")]
struct SchoolPage {
    name: String,
    urn: Urn,
    in_register: bool,
    details: Vec<Detail>,
    latest: Option<TimelineRow>,
    chain: Vec<ChainRow>,
    timeline: Vec<TimelineRow>,
    ks2: Vec<super::ks2::MeasureTrend>,
    location: Option<Location>,
    la_label: String,
}

fn whose(p: &SchoolProfile, urn: Urn, pos: ChainPosition) -> Option<(Urn, String)> {
    match pos {
        ChainPosition::Own => None,
        ChainPosition::Linked(rel, steps) => {
            let rel = match rel {
                LinkRelation::Predecessor => "predecessor",
                LinkRelation::Successor => "successor",
                LinkRelation::Related => "linked school",
            };
            let far = if steps > 1 { format!(", {steps} steps back or on") } else { String::new() };
            Some((urn, format!("{rel}: {}{far}", p.name_of(urn))))
        }
    }
}

pub async fn show(State(state): State<AppState>, Path(urn): Path<String>) -> Result<Html<String>, WebError> {
    let urn = Urn::parse(&urn).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let kept = state.register.profile(&state.db, urn).await?;
    let p = kept
        .as_ref()
        .as_ref()
        .ok_or_else(|| WebError::NotFound(format!("No school with URN {urn} is in the database.")))?;

    let mut details = Vec::new();
    let mut la_label = String::new();
    let mut location = None;
    if let Some(s) = &p.school {
        let mut add = |label: &'static str, v: Option<String>| {
            if let Some(value) = v.filter(|v| !v.trim().is_empty()) {
                details.push(Detail { label, value });
            }
        };
        add("URN", Some(urn.to_string()));
        add("Status", s.status.clone());
        add("Phase", s.phase.clone());
        add("Type", s.type_name.clone());
        add("DfE school group", s.minor_group.clone());
        add("Ages", s.low_age.zip(s.high_age).map(|(a, b)| format!("{a} to {b}")));
        la_label = match (s.la_code, &p.la_name) {
            (Some(c), Some(n)) => format!("{n} ({c})"),
            (Some(c), None) => c.to_string(),
            _ => String::new(),
        };
        add("Local authority", Some(la_label.clone()));
        add("District", s.district_name.clone());
        add("Region", s.region_name.clone());
        let address: Vec<String> =
            [&s.street, &s.locality, &s.address3, &s.town, &s.postcode].into_iter().flatten().cloned().collect();
        add("Address", Some(address.join(", ")));
        add("Opened", s.open_date.map(|d| d.format("%-d %B %Y").to_string()));
        add("Closed", s.close_date.map(|d| d.format("%-d %B %Y").to_string()));
        add("Pupils on roll", s.number_of_pupils.map(|n| filters::thousands(n.max(0) as u64)));
        add("Free school meals", s.percentage_fsm.map(|x| format!("{x:.1}%")));
        add("Religious character", s.religious_character.clone());
        add("Trust", s.trust_name.clone());
        add("Website", s.website.clone());
        location = s.latitude.zip(s.longitude).map(|(a, b)| {
            let src = match s.location_source.as_deref() {
                Some("grid") => "converted from the GIAS grid reference (Easting/Northing)",
                Some("postcode") => "from the postcode",
                _ => "source not recorded",
            };
            Location { latitude: format!("{a:.5}"), longitude: format!("{b:.5}"), source: src }
        });
    }

    let row = |t: &aspire_store::TimelineEntry| TimelineRow {
        date: t.inspection.date.format("%-d %B %Y").to_string(),
        judgement: filters::judgement(&t.inspection),
        grade: t.inspection.judgement.grade.number(),
        class: filters::grade_class(&t.inspection),
        whose: whose(p, t.inspection.urn, t.position),
    };
    let timeline = p.timeline.iter().rev().map(row).collect();
    let latest = p.latest_inspection().map(row);

    let mut chain = Vec::new();
    for l in &p.lineage.predecessors {
        let via =
            if l.steps > 1 { format!("{} steps back, via URN {}", l.steps, l.via) } else { "directly before".into() };
        chain.push(ChainRow { relation: "Predecessor", urn: l.urn, name: p.name_of(l.urn), detail: via });
    }
    for l in &p.lineage.successors {
        let via =
            if l.steps > 1 { format!("{} steps on, via URN {}", l.steps, l.via) } else { "directly after".into() };
        chain.push(ChainRow { relation: "Successor", urn: l.urn, name: p.name_of(l.urn), detail: via });
    }
    for l in p.own_links.iter().filter(|l| l.relation() == LinkRelation::Related) {
        chain.push(ChainRow {
            relation: "Linked",
            urn: l.link_urn,
            name: p.name_of(l.link_urn),
            detail: l.link_type.clone(),
        });
    }

    let ks2 = super::ks2::trends(p, |urn, y| whose(p, urn, y.position));

    page(SchoolPage {
        name: p.name(),
        urn,
        in_register: p.school.is_some(),
        details,
        latest,
        chain,
        timeline,
        ks2,
        location,
        la_label,
    })
}
