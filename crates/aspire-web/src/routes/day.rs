//! A planned day's page: what, when and where, its adviser, its places (the team sets them;
//! more places go to those waiting), and the strategies and resources it introduced. The team
//! and the network's adviser add files and links; the network's schools see them once the day
//! is held. Downloads are sent as attachments, never shown in the site's own pages.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::days::{self, DayError, Reader, Upload};
use aspire_core::people::ProgrammeId;
use aspire_core::resources::{self, MAX_PER_DAY};
use aspire_core::text::capitalise;
use aspire_store::{EventStatus, Programme, ProgrammeError, ResourceBody};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::routes::page;
use crate::routes::programmes::find_programme;
use crate::urls;
use crate::{AppState, WebError};

struct ResourceRow {
    id: i64,
    title: String,
    /// A link's address, or the file's download address.
    href: String,
    /// "PDF, 120 KB" or the link's host.
    about: String,
    is_link: bool,
    added: String,
}

#[derive(Template)]
#[template(path = "day.html")]
struct DayPage {
    programme: Programme,
    day: i64,
    name: String,
    network: String,
    network_id: i64,
    date: String,
    time: String,
    term: String,
    place: String,
    adviser: String,
    cancelled: Option<String>,
    /// Recorded as held, or someone is marked present or late.
    held: bool,
    came: usize,
    places: String,
    registered: usize,
    waiting: usize,
    resources: Vec<ResourceRow>,
    shared_after: bool,
    not_shared: bool,
    may_add: bool,
    team: bool,
    may_roll: bool,
    problem: Option<String>,
    done: Option<String>,
    /// What was typed, kept when the form is refused.
    typed_title: String,
    typed_link: String,
    accepted: String,
    limit: String,
    max: usize,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    done: String,
}

fn kb(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

fn host(link: &str) -> String {
    link.split_once("://").map_or(link, |(_, r)| r).split(['/', '?', '#']).next().unwrap_or(link).to_owned()
}

fn refusal(e: DayError) -> Result<String, WebError> {
    match e {
        DayError::Store(e) | DayError::Save(ProgrammeError::Store(e)) => Err(e.into()),
        DayError::NoSuchDay(d) => Err(WebError::NotFound(format!("There is no day {d} in this programme."))),
        DayError::Save(ProgrammeError::Field { field, problem }) => Ok(format!("The {field} {problem}.")),
        other => Ok(format!("{}.", capitalise(other.to_string().trim_end_matches('.')))),
    }
}

struct Typed {
    title: String,
    link: String,
    /// The places as typed, when that form was refused.
    places: Option<String>,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    day: i64,
    problem: Option<String>,
    done: Option<String>,
    typed: Typed,
) -> Result<Html<String>, WebError> {
    use aspire_core::access::{Action, Place, Record};
    let programme = find_programme(state, id).await?;
    let principal = viewer.signed_in()?.principal.clone();
    let v = match days::day(&state.db, Reader::Person(&principal), id, day, state.today()).await {
        Ok(v) => v,
        Err(e) => return Err(WebError::BadRequest(refusal(e)?)),
    };
    let e = &v.event;
    let team = principal.may(Action::Change, Record::Network, &Place::programme(id));
    let may_roll = principal.may(Action::Change, Record::Enrolment, &Place::day(id, e.network, e.adviser));
    page(DayPage {
        day,
        name: v.name.clone(),
        network: v.network.clone(),
        network_id: i64::from(e.network),
        date: e.held_on.format("%A %-d %B %Y").to_string(),
        time: format!("{} to {}", e.starts_at.format("%H:%M"), e.ends_at.format("%H:%M")),
        term: e.term.label(),
        place: v.place.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| "Venue to be set".into()),
        adviser: v.adviser.clone().unwrap_or_else(|| "None yet".into()),
        cancelled: (e.status == EventStatus::Cancelled)
            .then(|| e.cancel_reason.clone().unwrap_or_else(|| "no reason given".into())),
        held: e.status == EventStatus::Planned && (e.held_recorded || v.came > 0),
        came: v.came,
        places: typed.places.clone().unwrap_or_else(|| e.capacity.map_or_else(String::new, |c| c.to_string())),
        registered: v.registered,
        waiting: v.waiting,
        resources: v
            .resources
            .iter()
            .map(|r| {
                let (href, about, is_link) = match &r.body {
                    ResourceBody::Link { link } => (link.clone(), host(link), true),
                    ResourceBody::File { name, media_type, size } => (
                        urls::day_resource(id, day, r.id),
                        format!(
                            "{}, {}, {name}",
                            resources::FileType::from_media_type(media_type).map_or("file", |t| t.label()),
                            kb(*size)
                        ),
                        false,
                    ),
                };
                ResourceRow {
                    id: r.id,
                    title: r.title.clone(),
                    href,
                    about,
                    is_link,
                    added: r.added_at.format("%-d %B %Y").to_string(),
                }
            })
            .collect(),
        shared_after: v.shared_after,
        not_shared: v.not_shared,
        may_add: v.may_add,
        team,
        may_roll,
        problem,
        done,
        typed_title: typed.title,
        typed_link: typed.link,
        accepted: resources::accepted(),
        limit: kb(resources::MAX_FILE_BYTES as u64),
        max: MAX_PER_DAY,
        csrf: viewer.csrf.clone(),
        programme,
    })
}

fn nothing_typed() -> Typed {
    Typed { title: String::new(), link: String::new(), places: None }
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Query(q): Query<DayQuery>,
) -> Result<Html<String>, WebError> {
    let done = match q.done.as_str() {
        "places" => Some("The places are saved; anyone given a place from the waiting list is told by email.".into()),
        "added" => Some("Added to the day's resources.".into()),
        "day-added" => Some(
            "The day is added. Its adviser and the heads of its schools are emailed it, with its calendar entry."
                .into(),
        ),
        "removed" => Some("Removed from the day's resources.".into()),
        _ => None,
    };
    render(&state, &viewer, id, day, None, done, nothing_typed()).await
}

#[derive(Debug, Deserialize)]
pub struct PlacesForm {
    #[serde(default)]
    places: String,
}

/// The team sets the places at the day's venue (empty: no limit).
pub async fn set_places(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Form(f): Form<PlacesForm>,
) -> Result<Response, WebError> {
    match days::set_places(&state.db, &viewer.actor(), id, day, &f.places).await {
        Ok(_) => Ok(Redirect::to(&format!("{}?done=places", urls::day(id, day))).into_response()),
        Err(e) => {
            let m = refusal(e)?;
            let typed = Typed { places: Some(f.places.clone()), ..nothing_typed() };
            let body = render(&state, &viewer, id, day, Some(m), None, typed).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

/// A file or a link added to the day (a multipart form: its CSRF token comes first).
pub async fn add_resource(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    marked: Option<axum::Extension<crate::auth::TokenInUpload>>,
    crate::extract::Upload(mut form): crate::extract::Upload,
) -> Result<Response, WebError> {
    crate::auth::upload_token(marked, &mut form, &viewer).await?;
    let unreadable = crate::auth::unreadable_upload;
    let (mut title, mut link, mut file) = (String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("title") => title = field.text().await.map_err(unreadable)?,
            Some("link") => link = field.text().await.map_err(unreadable)?,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() || !name.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let principal = viewer.signed_in()?.principal.clone();
    let upload = match (file, link.trim().is_empty()) {
        (Some(_), false) => {
            let m = "Give a file or a link, not both: add each on its own.".to_owned();
            let body = render(&state, &viewer, id, day, Some(m), None, Typed { title, link, places: None }).await?;
            return Ok((StatusCode::BAD_REQUEST, body).into_response());
        }
        (Some((name, content)), true) => Upload::File { name, content },
        (None, _) => Upload::Link(link.clone()),
    };
    match days::add_resource(&state.db, &viewer.actor(), Reader::Person(&principal), id, day, &title, upload).await {
        Ok(_) => Ok(Redirect::to(&format!("{}?done=added#resources", urls::day(id, day))).into_response()),
        Err(e) => {
            let m = refusal(e)?;
            let body = render(&state, &viewer, id, day, Some(m), None, Typed { title, link, places: None }).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

pub async fn remove_resource(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day, resource)): Path<(ProgrammeId, i64, i64)>,
) -> Result<Response, WebError> {
    let principal = viewer.signed_in()?.principal.clone();
    match days::remove_resource(&state.db, &viewer.actor(), Reader::Person(&principal), id, day, resource).await {
        Ok(true) => Ok(Redirect::to(&format!("{}?done=removed#resources", urls::day(id, day))).into_response()),
        Ok(false) => {
            Err(WebError::NotFound("That resource is not on this day: it may have been removed already.".into()))
        }
        Err(e) => Err(WebError::BadRequest(refusal(e)?)),
    }
}

/// A day's file, to those it is shared with, as an attachment under its own name.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day, resource)): Path<(ProgrammeId, i64, i64)>,
) -> Result<Response, WebError> {
    let principal = viewer.signed_in()?.principal.clone();
    let found = days::open_file(&state.db, Reader::Person(&principal), id, day, resource, state.today())
        .await
        .map_err(|e| match refusal(e) {
            Ok(m) => WebError::BadRequest(m),
            Err(e) => e,
        })?;
    let Some(f) = found else {
        return Err(WebError::NotFound("There is no such file for you on this day.".into()));
    };
    let ascii: String = f.name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, f.kind.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        f.content,
    )
        .into_response())
}
