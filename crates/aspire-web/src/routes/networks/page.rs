//! A network's own page: its schools, its Achievement Adviser, the programme's dates (the
//! template's events by term until dated ones exist), and the contacts of its adviser and of
//! its schools' head teachers, shown only to the people who work together in it (its heads, its
//! adviser) and to the programme team (`aspire_core::networks::sees_contacts`). The team may
//! rename it, and take it off the public pages after a confirmation.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_core::access::{Action, Place, Record};
use aspire_core::people::{NetworkId, ProgrammeId, Role};
use aspire_core::template::Venue;
use aspire_core::text::capitalise;
use aspire_store::{Enrolment, Network, NetworkContact, Programme, ProgrammeError};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::routes::programmes::{bad, find_programme, template_of};
use crate::urls;
use crate::{AppState, WebError};

/// A school in a network, and whether the viewer may open its record in the programme.
struct NetworkMember {
    enrolment: Enrolment,
    open: bool,
    /// Its head teachers' names and addresses, when the viewer may see contacts.
    heads: Vec<NetworkContact>,
}

/// An event of the programme, by term.
struct Dated {
    /// The planned day's id, for its page.
    day: Option<i64>,
    when: String,
    name: String,
    venue: String,
}

/// A resource of one of the network's days.
struct KeptResource {
    day: i64,
    when: String,
    day_name: String,
    title: String,
    href: String,
    is_link: bool,
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    programme: Programme,
    network: Network,
    schools: Vec<NetworkMember>,
    advisers: Vec<NetworkContact>,
    /// Whether the viewer sees the advisers' and heads' contacts.
    contacts: bool,
    starts: String,
    ends: String,
    events: Vec<Dated>,
    /// Whether `events` are the planned days (else the template's, by term).
    dated: bool,
    /// The strategies and resources of the network's days the viewer may open.
    resources: Vec<KeptResource>,
    /// The team may rename and unpublish.
    team: bool,
    form: FormState,
    csrf: String,
}

async fn network_of(state: &AppState, id: ProgrammeId, nid: NetworkId) -> Result<Network, WebError> {
    state
        .db
        .network(nid)
        .await?
        .filter(|n| n.programme == id)
        .ok_or_else(|| WebError::NotFound(format!("Network {nid} is not in programme {id}.")))
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "not set yet".to_owned(), |d| d.format("%-d %B %Y").to_string())
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    nid: NetworkId,
    form: FormState,
) -> Result<Html<String>, WebError> {
    let p = viewer.require(Action::View, Record::Network, &Place::network(id, nid))?;
    let network = network_of(state, id, nid).await?;
    let programme = find_programme(state, id).await?;
    // The network's membership is part of the network: everyone who may see the network sees
    // which schools are in it; each school's own record still needs its own permission.
    let enrolments: Vec<Enrolment> = state
        .db
        .enrolments(id, &p.visible(Action::View, Record::Network))
        .await?
        .into_iter()
        .filter(|e| e.network == Some(nid))
        .collect();
    let urns: Vec<_> = enrolments.iter().map(|e| e.urn).collect();
    let contacts = aspire_core::networks::sees_contacts(p, id, nid, &urns);
    let people = state.db.network_contacts(id, nid).await?;
    let (advisers, heads): (Vec<NetworkContact>, Vec<NetworkContact>) =
        people.into_iter().partition(|c| c.role == Role::AchievementAdviser);
    let schools = enrolments
        .into_iter()
        .map(|e| {
            let open = p.may(Action::View, Record::Enrolment, &e.place());
            let heads =
                if contacts { heads.iter().filter(|h| h.urn == Some(e.urn)).cloned().collect() } else { Vec::new() };
            NetworkMember { enrolment: e, open, heads }
        })
        .collect();
    // Its dated days once the year is planned; before that the template's events by term.
    let planned: Vec<aspire_store::ProgrammeEvent> = state
        .db
        .programme_events(id, &p.visible(Action::View, Record::Network))
        .await?
        .into_iter()
        .filter(|e| e.network == nid)
        .collect();
    let dated = !planned.is_empty();
    let names: std::collections::BTreeMap<String, String> =
        template_of(&programme).map(|t| t.events.into_iter().map(|e| (e.key, e.name)).collect()).unwrap_or_default();
    let mut places: Vec<_> = planned.iter().filter_map(|e| e.urn).collect();
    places.extend(network.venue);
    let school_names = state.db.school_names(&places).await?;
    // A Network Day is held at the network's venue, once one is chosen.
    let venue_name = match network.venue {
        Some(u) => school_names.get(&u).cloned().unwrap_or_else(|| format!("School {u}")),
        None => "for the network; the venue is to be set".to_owned(),
    };
    let events = if dated {
        planned
            .iter()
            .map(|e| Dated {
                day: Some(e.id),
                when: format!("{} ({})", e.held_on.format("%a %-d %B %Y"), e.term.label()),
                name: match e.status {
                    aspire_store::EventStatus::Planned => names.get(&e.kind).cloned().unwrap_or_else(|| e.kind.clone()),
                    aspire_store::EventStatus::Cancelled => format!(
                        "{} (cancelled: {})",
                        names.get(&e.kind).cloned().unwrap_or_else(|| e.kind.clone()),
                        e.cancel_reason.as_deref().unwrap_or("no reason given")
                    ),
                },
                venue: match e.urn {
                    Some(u) => school_names.get(&u).cloned().unwrap_or_else(|| format!("School {u}")),
                    None => venue_name.clone(),
                },
            })
            .collect()
    } else {
        match (template_of(&programme), programme.starts_on) {
            (Some(t), Some(start)) => t
                .plan(start)
                .into_iter()
                .map(|e| Dated {
                    day: None,
                    when: e.term.label(),
                    name: e.name,
                    venue: match e.venue {
                        Venue::Network => "for the network, off site".to_owned(),
                        Venue::School => "in each school".to_owned(),
                    },
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let kept =
        aspire_app::days::network_resources(&state.db, aspire_app::days::Reader::Person(p), id, nid, state.today())
            .await
            .map_err(|e| match e {
                aspire_app::days::DayError::Store(e) => WebError::from(e),
                other => WebError::BadRequest(other.to_string()),
            })?;
    let resources = kept
        .into_iter()
        .map(|k| {
            let day = planned.iter().find(|e| e.id == k.day);
            let (href, is_link) = match &k.resource.body {
                aspire_store::ResourceBody::Link { link } => (link.clone(), true),
                aspire_store::ResourceBody::File { .. } => (urls::day_resource(id, k.day, k.resource.id), false),
            };
            KeptResource {
                day: k.day,
                when: k.date.format("%-d %B %Y").to_string(),
                day_name: day
                    .map(|e| names.get(&e.kind).cloned().unwrap_or_else(|| e.kind.clone()))
                    .unwrap_or_default(),
                title: k.resource.title,
                href,
                is_link,
            }
        })
        .collect();
    let team = p.may(Action::Change, Record::Network, &Place::network(id, nid));
    let mut form = form;
    if !form.has("name") {
        form.keep("name", &network.name);
    }
    page(NetworkPage {
        starts: date(programme.starts_on),
        ends: date(programme.ends_on),
        programme,
        network,
        schools,
        advisers,
        contacts,
        events,
        dated,
        resources,
        team,
        form,
        csrf: viewer.csrf.clone(),
    })
}

/// A network's own page.
pub async fn page_of(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, nid)): Path<(ProgrammeId, NetworkId)>,
) -> Result<Html<String>, WebError> {
    render(&state, &viewer, id, nid, FormState::new()).await
}

#[derive(Debug, Deserialize)]
pub struct RenameForm {
    name: String,
}

/// Renames a network (the team only: the route's guard decides).
pub async fn rename(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, nid)): Path<(ProgrammeId, NetworkId)>,
    Form(f): Form<RenameForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::network(id, nid))?;
    let problem = match state.db.rename_network(&viewer.actor(), id, nid, &f.name).await {
        Ok(()) => return Ok(Redirect::to(&urls::network(id, nid)).into_response()),
        Err(ProgrammeError::NameMissing) => "Enter the network's new name".to_owned(),
        Err(ProgrammeError::NetworkExists(n)) => {
            format!("Another network of this programme is called '{n}': choose another name")
        }
        Err(ProgrammeError::Field { field: "name", problem }) => format!("The name {problem}"),
        Err(e) => return Err(bad(e)),
    };
    let mut form = FormState::new();
    form.keep("name", &f.name).problem("name", capitalise(&problem));
    let body = render(&state, &viewer, id, nid, form).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

#[derive(Template)]
#[template(path = "confirm_unpublish.html")]
struct ConfirmUnpublish {
    programme: Programme,
    network: Network,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct UnpublishForm {
    #[serde(default)]
    confirmed: String,
}

/// Takes a network off the public pages: first a page saying what that does, then, confirmed,
/// done (and audited).
pub async fn unpublish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, nid)): Path<(ProgrammeId, NetworkId)>,
    Form(f): Form<UnpublishForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::network(id, nid))?;
    let network = network_of(&state, id, nid).await?;
    if network.published_at.is_none() {
        return Err(WebError::BadRequest(format!(
            "{} is not published, so there is nothing to unpublish.",
            network.name
        )));
    }
    if f.confirmed != "yes" {
        let programme = find_programme(&state, id).await?;
        return Ok(page(ConfirmUnpublish { programme, network, csrf: viewer.csrf.clone() })?.into_response());
    }
    state.db.unpublish_network(&viewer.actor(), id, nid).await.map_err(bad)?;
    Ok(Redirect::to(&urls::network(id, nid)).into_response())
}
