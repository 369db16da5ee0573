//! The public side of recruitment: "networks starting near you" (`list`), a programme's public
//! page with the enquiry form (`enquiry.rs`) and the honest answer after it (`thanks`).

mod enquiry;
pub mod speak;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;

use aspire_app::join::{NearOffer, SchoolPlace, area_covers};
use aspire_app::recruitment::{OpenProgramme, PublishedNetwork};
use aspire_core::eligibility::Outcome;
use aspire_core::people::{ProgrammeId, Role};
use aspire_core::template::{Frequency, Term, Venue};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;
use aspire_store::{Programme, ProgrammeArea};

pub(crate) use enquiry::open_or_closed;
pub use enquiry::{form, submit};

use crate::extract::Path;
use crate::routes::page;
use crate::routes::programmes::template_of;
use crate::{AppState, WebError};

/// A programme as the public sees it: where it recruits, when it starts, whom to write to.
pub(crate) struct Offer {
    pub programme: Programme,
    pub start: String,
    /// Whether it has started already (so "starting" would be wrong).
    pub started: bool,
    pub areas: Vec<ProgrammeArea>,
    pub summary: String,
    /// Networks formed and published.
    pub published: Vec<PublishedNetwork>,
    pub contact: String,
    /// Schools found by the search that lie in its areas.
    pub schools: Vec<String>,
}

pub(crate) fn start_label(programme: &Programme) -> String {
    programme.starts_on.map_or_else(|| "to be announced".to_owned(), |d| Term::containing(d).label())
}

async fn offer(state: &AppState, o: OpenProgramme, schools: Vec<String>) -> Result<Offer, WebError> {
    let programme = o.programme;
    let started = programme.starts_on.is_some_and(|d| d <= state.today());
    let summary = template_of(&programme).map(|t| t.summary).unwrap_or_default();
    let contact = aspire_app::join::contact(&state.db, programme.id, &state.config.contact_email).await?;
    Ok(Offer {
        start: start_label(&programme),
        started,
        areas: o.areas,
        summary,
        published: o.published,
        contact,
        schools,
        programme,
    })
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinPage {
    q: String,
    offers: Vec<Offer>,
    /// The schools the search found, with whether each is open.
    schools: Vec<SchoolPlace>,
    more: bool,
    /// Whether the search named a place rather than a school.
    place: bool,
    contact: String,
}

/// "Networks starting near you": the programmes still recruiting, or those whose areas cover
/// a school the search names (its name, town, LA or postcode district) or whose area names
/// contain it.
pub async fn list(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let q = params.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let today = state.today();
    let (found, schools, more, place) = if q.is_empty() {
        let all = aspire_app::join::recruiting_programmes(&state.db, today).await?;
        (all.into_iter().map(|offer| NearOffer { offer, schools: Vec::new() }).collect(), Vec::new(), false, false)
    } else {
        let register = state.register.current(&state.db).await?;
        let near = aspire_app::join::near(&state.db, &register.directory, &q, today).await?;
        (near.offers, near.schools, near.more, near.place)
    };
    let mut offers = Vec::new();
    for n in found {
        offers.push(offer(&state, n.offer, n.schools).await?);
    }
    page(JoinPage { q, offers, schools, more, place, contact: state.config.contact_email.clone() })
}

/// One event of a programme, as its public page describes it.
pub(crate) struct EventLine {
    pub name: String,
    pub when: &'static str,
    pub place: &'static str,
    pub who: String,
    pub description: String,
}

/// What a programme's public page says, in the order schools ask: what it is, who it is for,
/// who takes part, what it costs, when it starts and how to join. From the programme's
/// template and rule set where the facts are data.
pub(crate) struct About {
    pub summary: String,
    pub years: u32,
    pub network_size: usize,
    pub events: Vec<EventLine>,
    /// Who is released, by role, across the events.
    pub staff: Vec<String>,
    pub eligibility: String,
    pub rules: Option<String>,
}

pub(crate) fn about(programme: &Programme, today: chrono::NaiveDate) -> About {
    let template = template_of(programme);
    let label = |code: &str| Role::parse(code).map_or_else(|_| code.replace('-', " "), |r| r.label().to_lowercase());
    let mut staff: Vec<String> = Vec::new();
    let mut events = Vec::new();
    for e in template.iter().flat_map(|t| t.events.iter()) {
        let who: Vec<String> = e.audience.iter().map(|a| label(a)).collect();
        for w in &who {
            if !staff.contains(w) {
                staff.push(w.clone());
            }
        }
        events.push(EventLine {
            name: e.name.clone(),
            when: match e.frequency {
                Frequency::Start => "once, at the start",
                Frequency::Termly => "every term",
                Frequency::End => "once, in the last term",
            },
            place: match e.venue {
                Venue::Network => "with the other schools of the network",
                Venue::School => "in your school",
            },
            who: capitalise(&who.join(", ")),
            description: e.description.clone(),
        });
    }
    let rules = programme
        .rule_set
        .as_deref()
        .and_then(|id| aspire_import::load_rule_set(id, &aspire_import::ImportOptions::new(today)).ok());
    About {
        summary: template.as_ref().map(|t| t.summary.clone()).unwrap_or_default(),
        years: template.as_ref().map_or(1, |t| t.years),
        network_size: template.as_ref().map_or(4, |t| t.networks.size),
        events,
        staff,
        eligibility: rules.as_ref().map(|r| r.rules.summary.clone()).unwrap_or_default(),
        rules: rules.map(|r| r.rules.id),
    }
}

#[derive(Template)]
#[template(path = "join_thanks.html")]
struct Thanks {
    programme: Programme,
    urn: Urn,
    school: String,
    /// What public data says of the school for this programme (`None`: no rule set to ask).
    eligibility: Option<Outcome>,
    in_area: bool,
    contact: String,
    areas: Vec<ProgrammeArea>,
}

/// The thanks page, with an honest answer: whether the school looks eligible from public data
/// and whether it lies in an area where networks are planned.
pub async fn thanks(
    State(state): State<AppState>,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let (programme, areas) = enquiry::recruiting(&state, id).await?;
    let urn = Urn::parse(&urn).map_err(|e| WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))))?;
    // Only the sender, just after sending, is told it was sent.
    if !state.receipts.valid(params.get("sent").map(String::as_str), &enquiry::enquiry_receipt(id, urn)) {
        return Err(WebError::NotFound(format!(
            "Nothing has been sent from here about URN {urn}. To ask about joining {}, fill in the enquiry form.",
            programme.name
        )));
    }
    let place = aspire_app::join::school_place(&state.db, urn).await?;
    let school = place.as_ref().map_or_else(|| format!("URN {urn}"), |p| p.name.clone());
    let in_area = place.as_ref().is_some_and(|p| areas.iter().any(|a| area_covers(a, p)));
    let check = aspire_app::recruitment::eligibility_checks(&state.db, &programme, &[urn], state.today())
        .await?
        .into_iter()
        .next()
        .map(|(_, c)| c);
    let eligibility = check.map(|c| c.outcome);
    let contact = aspire_app::join::contact(&state.db, id, &state.config.contact_email).await?;
    page(Thanks { programme, urn, school, eligibility, in_area, contact, areas })
}
