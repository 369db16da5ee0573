//! Joining a programme: a school's checklist (for the school and the team, ticked by either),
//! the team's summary of which schools are missing what, and a local authority's page for its
//! officers (their schools in the programme, stages, networks and counts; read only).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::joining::{self, SchoolChecklist, TickError};
use aspire_app::local_authority::{self, LaOverview};
use aspire_core::access::{Action, Place, Principal, Record};
use aspire_core::codes::LaCode;
use aspire_core::joining::{Item, Status};
use aspire_core::people::{ProgrammeId, Role, Scope};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;
use aspire_store::{Programme, ProgrammeLa};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::routes::page;
use crate::routes::programmes::find_programme;
use crate::urls;
use crate::{AppState, WebError};

/// One item as a page shows it.
struct ItemView {
    code: &'static str,
    label: &'static str,
    hint: &'static str,
    done: bool,
    /// Whether people tick it (the platform sees the others for itself).
    tickable: bool,
    /// "Seen from the platform's records: ...", "Ticked by ... on ...", or "Open".
    state: String,
}

fn item_views(c: &SchoolChecklist, show_who: bool) -> Vec<ItemView> {
    c.checklist
        .items
        .iter()
        .map(|(item, status)| ItemView {
            code: item.code(),
            label: item.label(),
            hint: item.hint(),
            done: status.done(),
            tickable: !item.seen_by_platform(),
            state: match status {
                Status::Open if item.seen_by_platform() => "Open: the platform ticks this when it sees it".into(),
                Status::Open => "Open".into(),
                Status::Seen(what) => format!("Seen from the platform's records: {what}"),
                Status::Ticked { by, at } if show_who => format!("Ticked by {by} on {}", at.format("%d %B %Y")),
                Status::Ticked { at, .. } => format!("Ticked on {}", at.format("%d %B %Y")),
            },
        })
        .collect()
}

fn school_name(c: &SchoolChecklist) -> String {
    c.enrolment.school_name.clone().unwrap_or_else(|| format!("URN {}", c.enrolment.urn))
}

#[derive(Template)]
#[template(path = "joining.html")]
struct ChecklistPage {
    programme: Programme,
    urn: Urn,
    school: String,
    items: Vec<ItemView>,
    done: usize,
    total: usize,
    can_tick: bool,
    last_reminded: Option<String>,
    csrf: String,
}

async fn located(state: &AppState, viewer: &Viewer, id: ProgrammeId, urn: &str) -> Result<(Urn, Place), WebError> {
    let urn = Urn::parse(urn).map_err(|e| WebError::NotFound(format!("{}.", capitalise(&e.to_string()))))?;
    let place = match state.db.enrolment(id, urn).await? {
        Some(e) => e.place(),
        None => Place::enrolment(id, None, urn),
    };
    viewer.require(Action::View, Record::Enrolment, &place)?;
    Ok((urn, place))
}

pub async fn school(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
) -> Result<Html<String>, WebError> {
    let (urn, place) = located(&state, &viewer, id, &urn).await?;
    let p = viewer.require(Action::View, Record::Enrolment, &place)?;
    let c = joining::checklist(&state.db, id, urn).await?.ok_or_else(|| {
        WebError::NotFound(format!("URN {urn} is not enrolled in programme {id}, so it has no joining checklist."))
    })?;
    let programme = find_programme(&state, id).await?;
    page(ChecklistPage {
        urn,
        school: school_name(&c),
        items: item_views(&c, p.may(Action::View, Record::Person, &place)),
        done: c.checklist.done_count(),
        total: Item::ALL.len(),
        can_tick: p.may(Action::Change, Record::Enrolment, &place),
        last_reminded: c.last_reminded.map(|at| at.format("%d %B %Y").to_string()),
        programme,
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct TickForm {
    item: String,
    /// "yes" to tick, "no" to take the tick away.
    ticked: String,
}

pub async fn tick(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(f): Form<TickForm>,
) -> Result<Response, WebError> {
    let (urn, place) = located(&state, &viewer, id, &urn).await?;
    viewer.require(Action::Change, Record::Enrolment, &place)?;
    let ticked = match f.ticked.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(WebError::BadRequest(format!("'{other}' is not an answer: tick (yes) or untick (no)."))),
    };
    match joining::tick(&state.db, &viewer.actor(), id, urn, &f.item, ticked).await {
        Ok(_) => Ok(Redirect::to(&format!("{}#{}", urls::joining(id, urn), f.item.trim())).into_response()),
        Err(TickError::Joining(e)) => Err(WebError::BadRequest(format!("{}.", capitalise(&e.to_string())))),
        Err(TickError::Store(e)) => Err(e.into()),
    }
}

struct SummaryRow {
    urn: Urn,
    school: String,
    network: String,
    done: Vec<bool>,
    open: usize,
}

#[derive(Template)]
#[template(path = "joining_summary.html")]
struct SummaryPage {
    programme: Programme,
    items: Vec<(&'static str, usize)>,
    rows: Vec<SummaryRow>,
    las: Vec<ProgrammeLa>,
}

pub async fn summary(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
) -> Result<Html<String>, WebError> {
    let p = viewer.require(Action::Change, Record::Enrolment, &Place::programme(id))?;
    let visible = p.visible(Action::View, Record::Enrolment);
    let schools = joining::summary(&state.db, id, &visible).await?;
    let items = joining::missing_counts(&schools).into_iter().map(|(i, n)| (i.label(), n)).collect();
    let mut rows: Vec<SummaryRow> = schools
        .iter()
        .map(|s| SummaryRow {
            urn: s.enrolment.urn,
            school: school_name(s),
            network: s.enrolment.network_name.clone().unwrap_or_else(|| "–".into()),
            done: Item::ALL.iter().map(|i| s.checklist.status(*i).done()).collect(),
            open: s.checklist.open().len(),
        })
        .collect();
    // The schools with most to do first.
    rows.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.school.cmp(&b.school)));
    let las = state.db.programme_las(id, &visible).await?;
    page(SummaryPage { programme: find_programme(&state, id).await?, items, rows, las })
}

#[derive(Template)]
#[template(path = "joining_la.html")]
struct LaPage {
    programme: Programme,
    la: LaOverview,
}

pub async fn local_authority(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, code)): Path<(ProgrammeId, String)>,
) -> Result<Html<String>, WebError> {
    let la = LaCode::parse(&code).map_err(|e| WebError::NotFound(format!("{}.", capitalise(&e.to_string()))))?;
    let p = viewer.require(Action::View, Record::Enrolment, &Place::local_authority(id, la))?;
    let overview = local_authority::overview(&state.db, id, la, &p.visible(Action::View, Record::Enrolment)).await?;
    page(LaPage { programme: find_programme(&state, id).await?, la: overview })
}

/// The pages a person's roles lead to from their account page: their school's year in each
/// programme and its joining checklists (head teachers and senior leaders), and their local
/// authorities' pages (officers).
pub(crate) async fn account_links(state: &AppState, p: &Principal) -> Result<Vec<(String, String)>, WebError> {
    let mut out = Vec::new();
    for g in &p.grants {
        match g.scope {
            Scope::School(u) if matches!(g.role, Role::HeadTeacher | Role::SeniorLeader) => {
                let school = state.db.school_names(&[u]).await?.get(&u).cloned().unwrap_or_else(|| format!("URN {u}"));
                for m in p.memberships.iter().filter(|m| m.urn == u) {
                    let name = state.db.programme(m.programme).await?.map(|p| p.name).unwrap_or_default();
                    let year = (urls::school_year(m.programme, u), format!("{school}'s year in {name}"));
                    if !out.contains(&year) {
                        out.push(year);
                    }
                    if joining::checklist(&state.db, m.programme, u).await?.is_none() {
                        continue;
                    }
                    out.push((urls::joining(m.programme, u), format!("Joining checklist: {school} in {name}")));
                }
            }
            Scope::LocalAuthority { programme, la } => {
                let name = state.db.programme(programme).await?.map(|p| p.name).unwrap_or_default();
                let seen = p.visible(aspire_core::access::Action::View, aspire_core::access::Record::Enrolment);
                let la_name = state.db.programme_las(programme, &seen).await?.into_iter().find(|x| x.la == la);
                let called =
                    la_name.map(|x| format!("{} ({la})", x.name)).unwrap_or_else(|| format!("Local authority {la}"));
                out.push((urls::local_authority(programme, la), format!("{called} in {name}")));
            }
            _ => {}
        }
    }
    out.dedup();
    Ok(out)
}
