//! Forming a programme's networks: run the optimiser on the schools taking part, see the
//! networks on a map with the objective and its lower bound, move a school by hand, lock a
//! network so that it is kept, and publish.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::networks as app;
use aspire_core::access::{Action, Place, Record};
use aspire_core::networks::{self, School};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::urn::Urn;
use aspire_store::{Network, PlacedSchool, Programme};

use aspire_core::text::capitalise;

mod advisers;
mod maps;
mod page;

pub use advisers::assign;
pub use page::{page_of, rename, unpublish};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::routes::programmes::{bad, find_programme, template_of};
use crate::urls;
use crate::{AppState, WebError};

/// One member as the page shows it.
struct Member {
    urn: Urn,
    name: String,
    la: String,
    is_venue: bool,
}

/// One network with its measures.
struct Row {
    /// Its number on the page and the maps.
    number: usize,
    network: Network,
    /// Names of the network's Achievement Advisers.
    advisers: Vec<String>,
    members: Vec<Member>,
    objective_km: String,
    spread_km: String,
    class: String,
}

#[derive(Template)]
#[template(path = "networks.html")]
struct NetworksPage {
    programme: Programme,
    size_text: String,
    rows: Vec<Row>,
    /// Schools taking part but in no network yet.
    unplaced: Vec<Member>,
    /// Schools that cannot be placed: no coordinates in the register.
    no_location: Vec<Member>,
    schools: usize,
    objective_km: String,
    lower_bound_km: String,
    gap: String,
    /// A map per area (networks far apart are drawn on maps of their own).
    maps: Vec<maps::AreaMap>,
    attribution: &'static str,
    unpublished: usize,
    /// The boundaries networks may be kept within (value, text).
    boundaries: [(&'static str, &'static str); 3],
    /// The forming form ("within") or the advisers' form (`email-1`, `capacity-1`, `home-1`,
    /// ...), as sent with its problems, or empty.
    form: FormState,
    /// The advisers' form's rows.
    adviser_rows: Vec<advisers::RowIds>,
    /// Networks with schools and no Achievement Adviser, once any network has one.
    unadvised: Vec<String>,
    /// Dates an adviser leads two days, from today on (after a new assignment, say).
    clashes: Vec<String>,
    /// What giving advisers did, said once after it.
    advised: Option<String>,
    csrf: String,
}

fn member(s: &PlacedSchool, venue: Option<Urn>) -> Member {
    Member {
        urn: s.urn,
        name: s.name.clone().unwrap_or_else(|| format!("URN {}", s.urn)),
        la: s.la_name.clone().unwrap_or_default(),
        is_venue: venue == Some(s.urn),
    }
}

fn km(v: f64) -> String {
    format!("{v:.1}")
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    /// The boundary the networks were last formed within, to choose it again.
    within: Option<String>,
    /// How many rows the advisers' form shows.
    rows: Option<usize>,
    /// After advisers were given: how many networks got one, and how many planned days changed hands.
    advised: Option<usize>,
    handed: Option<u64>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(q): Query<ShowQuery>,
) -> Result<Html<String>, WebError> {
    let mut form = FormState::new();
    if let Some(w) = q.within.filter(|w| app::Boundary::parse(w).is_ok()) {
        form.keep("within", &w);
    }
    let rows = q.rows.unwrap_or(advisers::ROWS).clamp(1, advisers::MAX_ROWS);
    let advised = q.advised.map(|n| {
        let days = match q.handed.unwrap_or(0) {
            0 => String::new(),
            1 => " 1 planned day passed to its network's new adviser.".to_owned(),
            d => format!(" {d} planned days passed to their networks' new advisers."),
        };
        format!(
            "The advisers are given: {n} network{} now {} an Achievement Adviser, shown below.{days}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "has" } else { "have" }
        )
    });
    show_with(&state, &viewer, id, form, rows, advised).await
}

/// The networks page, with the advisers' form as sent (with its problems) or empty.
async fn show_with(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    form: FormState,
    adviser_rows: usize,
    advised: Option<String>,
) -> Result<Html<String>, WebError> {
    let p = viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let programme = find_programme(state, id).await?;
    let size_text = template_of(&programme).map_or_else(
        || "networks of 4 (3 to 5 where the number of schools needs it)".to_owned(),
        |t| t.network_sizes_text(),
    );
    let visible = p.visible(Action::Change, Record::Network);
    let nets = state.db.networks(id, &visible).await?;
    let schools = state.db.taking_part(id, &visible).await?;
    let by_urn: HashMap<Urn, &PlacedSchool> = schools.iter().map(|s| (s.urn, s)).collect();
    let mut members: BTreeMap<NetworkId, Vec<&PlacedSchool>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    let mut no_location = Vec::new();
    for s in &schools {
        if s.location().is_none() {
            no_location.push(member(s, None));
        }
        match s.network {
            Some(n) => members.entry(n).or_default().push(s),
            None if s.location().is_some() => unplaced.push(member(s, None)),
            None => {}
        }
    }
    // Measure the networks as they stand: only schools with coordinates can be measured.
    let groups: Vec<(usize, Vec<Urn>)> = nets
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let urns = members
                .get(&n.id)
                .map_or_else(Vec::new, |m| m.iter().filter(|s| s.location().is_some()).map(|s| s.urn).collect());
            (i, urns)
        })
        .filter(|(_, u)| !u.is_empty())
        .collect();
    let located: Vec<School> = groups
        .iter()
        .flat_map(|(_, u)| u.iter())
        .filter_map(|u| by_urn.get(u))
        .map(|s| School { urn: s.urn, location: s.location(), boundary: None })
        .collect();
    let score = if groups.is_empty() {
        None
    } else {
        let parts: Vec<Vec<Urn>> = groups.iter().map(|(_, u)| u.clone()).collect();
        networks::score(&located, &parts).ok()
    };
    let mut measures: HashMap<usize, (f64, f64)> = HashMap::new();
    if let Some(s) = &score {
        for ((i, _), n) in groups.iter().zip(&s.networks) {
            measures.insert(*i, (n.objective_km, n.spread_km));
        }
    }
    // Who advises each network (the roles held at network scope).
    let mut advisers: HashMap<NetworkId, Vec<String>> = HashMap::new();
    for person in state.db.people(&p.visible(Action::View, Record::Person), None).await? {
        for g in &person.grants {
            if let aspire_core::people::Scope::Network { network, .. } = g.grant.scope
                && g.grant.role == aspire_core::people::Role::AchievementAdviser
            {
                advisers.entry(network).or_default().push(person.name.clone());
            }
        }
    }
    let mut rows = Vec::new();
    let mut drawn = Vec::new();
    for (i, n) in nets.into_iter().enumerate() {
        let class = format!("net-{}", i % 8);
        let venue = n.venue.and_then(|v| by_urn.get(&v)).and_then(|s| s.location());
        let list = members.get(&n.id).cloned().unwrap_or_default();
        drawn.push(maps::MapNetwork {
            number: i + 1,
            class: class.clone(),
            name: n.name.clone(),
            venue,
            members: list.clone(),
        });
        let (objective, spread) = measures.get(&i).copied().unwrap_or((0.0, 0.0));
        let advisers_here = advisers.get(&n.id).cloned().unwrap_or_default();
        rows.push(Row {
            number: i + 1,
            advisers: advisers_here,
            members: list.iter().map(|s| member(s, n.venue)).collect(),
            network: n,
            objective_km: km(objective),
            spread_km: km(spread),
            class,
        });
    }
    let unadvised = if advisers.is_empty() {
        Vec::new()
    } else {
        rows.iter().filter(|r| r.advisers.is_empty() && !r.members.is_empty()).map(|r| r.network.name.clone()).collect()
    };
    let clashes = aspire_app::programme_year::adviser_clashes(&state.db, id, state.today())
        .await
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let outside: Vec<&PlacedSchool> = schools.iter().filter(|s| s.network.is_none()).collect();
    let maps = maps::area_maps(&drawn, &outside);
    let unpublished = rows.iter().filter(|r| r.network.published_at.is_none() && !r.members.is_empty()).count();
    let (objective_km, lower_bound_km, gap) = match &score {
        Some(s) => {
            let gap = if s.objective_km > 0.0 { (s.objective_km - s.lower_bound_km) / s.objective_km } else { 0.0 };
            (km(s.objective_km), km(s.lower_bound_km), format!("{:.1}%", gap * 100.0))
        }
        None => ("–".into(), "–".into(), "–".into()),
    };
    page(NetworksPage {
        programme,
        size_text,
        rows,
        unplaced,
        no_location,
        schools: schools.len(),
        objective_km,
        lower_bound_km,
        gap,
        unadvised,
        clashes,
        advised,
        adviser_rows: advisers::row_ids(adviser_rows),
        maps,
        attribution: crate::routes::eligibility::map::ATTRIBUTION,
        unpublished,
        boundaries: [("none", "no boundary"), ("la", "each local authority"), ("region", "each region")],
        form,
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Template)]
#[template(path = "confirm_networks.html")]
struct ConfirmNetworksPage {
    programme: Programme,
    within: String,
    schools: usize,
    formed: usize,
    objective_km: String,
    changes: Vec<aspire_app::networks::NetworkChange>,
    /// The proposed networks, carried through the confirmation so that what is saved is what
    /// was shown ("venue|urn,urn,...|name").
    proposed: Vec<String>,
    csrf: String,
}

fn proposed_field(n: &aspire_store::FormedNetwork) -> String {
    let members: Vec<String> = n.members.iter().map(ToString::to_string).collect();
    format!("{}|{}|{}", n.venue.map(|v| v.to_string()).unwrap_or_default(), members.join(","), n.name)
}

/// Reads back a proposed network; `None` for a field that was not written by [`proposed_field`].
fn parse_proposed(field: &str) -> Option<aspire_store::FormedNetwork> {
    let mut parts = field.splitn(3, '|');
    let venue = match parts.next()? {
        "" => None,
        v => Some(Urn::parse(v).ok()?),
    };
    let members = parts.next()?.split(',').map(|u| Urn::parse(u).ok()).collect::<Option<Vec<Urn>>>()?;
    let name = parts.next()?.to_owned();
    Some(aspire_store::FormedNetwork { name, venue, members })
}

/// Runs the optimiser on the schools taking part, keeping locked and published networks. When
/// that would change networks already there (their schools, their names, the roles held in
/// them), it first shows which, and the team may keep some (they are locked) before forming.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    use aspire_app::networks::FormError;
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.as_str());
    let within = field("within").to_owned();
    // A refusal (nothing to form, constraints that cannot all hold) comes back on the networks
    // page, on the form, with the boundary chosen kept.
    let again = async |message: String| -> Result<Response, WebError> {
        let mut form = FormState::new();
        form.keep("within", &within).problem("within", message);
        let body = show_with(&state, &viewer, id, form, advisers::ROWS, None).await?;
        Ok((StatusCode::BAD_REQUEST, body).into_response())
    };
    let within_parsed = match app::Boundary::parse(&within) {
        Ok(b) => b,
        Err(e) => return again(capitalise(&e.to_string())).await,
    };
    let request = app::FormRequest { within: within_parsed, ..app::FormRequest::default() };
    enum Failed {
        Web(WebError),
        Said(String),
    }
    let failed = |e: FormError| match e {
        FormError::NoProgramme(_) => Failed::Web(WebError::NotFound(format!("There is no programme {id}."))),
        FormError::Store(e) | FormError::Save(aspire_store::ProgrammeError::Store(e)) => Failed::Web(e.into()),
        e => Failed::Said(format!("{}. Nothing was changed", capitalise(&e.to_string()))),
    };
    // Back to the page with the boundary chosen still chosen.
    let done = || {
        let q = if matches!(request.within, app::Boundary::None) { String::new() } else { format!("?within={within}") };
        Ok(Redirect::to(&format!("{}{q}", urls::networks(id))).into_response())
    };
    macro_rules! attempt {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => match failed(e) {
                    Failed::Web(e) => return Err(e),
                    Failed::Said(m) => return again(m).await,
                },
            }
        };
    }
    if field("confirmed") != "yes" {
        let proposal = attempt!(app::propose(&state.db, id, &request).await);
        let changes: Vec<_> =
            attempt!(app::changes(&state.db, &proposal).await).into_iter().filter(|c| !c.unchanged()).collect();
        if changes.is_empty() {
            attempt!(app::save(&state.db, &viewer.actor(), &proposal).await);
            return done();
        }
        return Ok(page(ConfirmNetworksPage {
            within,
            schools: proposal.schools.len(),
            formed: proposal.formation.networks.len(),
            objective_km: km(proposal.formation.objective_km),
            proposed: proposal.formed.iter().map(proposed_field).collect(),
            programme: proposal.programme,
            changes,
            csrf: viewer.csrf.clone(),
        })?
        .into_response());
    }
    let keep: Vec<&String> = fields.iter().filter(|(k, _)| k == "keep").map(|(_, v)| v).collect();
    // Nothing kept: the networks shown are the ones saved.
    if keep.is_empty() {
        let proposed: Option<Vec<aspire_store::FormedNetwork>> =
            fields.iter().filter(|(k, _)| k == "proposed").map(|(_, v)| parse_proposed(v)).collect();
        let proposed = proposed.ok_or_else(|| {
            WebError::BadRequest(
                "The proposed networks did not come back as they were sent. Nothing was changed.".into(),
            )
        })?;
        attempt!(app::save_confirmed(&state.db, &viewer.actor(), id, &proposed).await);
        return done();
    }
    // The networks the team chose to keep are locked, then the rest formed around them.
    for v in keep {
        let network: NetworkId =
            v.parse().map_err(|_| WebError::BadRequest(format!("'{v}' is not a network. Nothing was changed.")))?;
        state.db.set_network_locked(&viewer.actor(), id, network, true).await.map_err(bad)?;
    }
    attempt!(app::form(&state.db, &viewer.actor(), id, &request).await);
    done()
}

#[derive(Debug, Deserialize)]
pub struct LockForm {
    locked: String,
}

pub async fn lock(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, network)): Path<(ProgrammeId, NetworkId)>,
    Form(f): Form<LockForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let locked = match f.locked.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(WebError::BadRequest(format!("'{other}' is not yes or no."))),
    };
    state.db.set_network_locked(&viewer.actor(), id, network, locked).await.map_err(bad)?;
    Ok(Redirect::to(&format!("{}#network-{network}", urls::networks(id))).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    state.db.publish_networks(&viewer.actor(), id).await.map_err(bad)?;
    Ok(Redirect::to(&urls::networks(id)).into_response())
}
