//! People and their roles: the list (only people inside the viewer's scope), invitations, roles
//! given and taken away, and staff lists uploaded as CSV (all rows or none).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::people::{IfAccountExists, Invitation, InviteError, Invited};
use aspire_core::access::{Action, Place, Principal, Record};
use aspire_core::people::{Email, Grant, PersonId, Scope};
use aspire_store::{AccountError, Person, StaffOutcome, TokenPurpose};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::urls;
use crate::{AppState, WebError};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;

mod offer;

use offer::{GrantProblem, gives_pupil_data, grant_from_form, grantable_roles, where_options};

fn account_error(e: AccountError) -> WebError {
    match e {
        AccountError::Store(e) => e.into(),
        e => WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))),
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    people: Vec<Person>,
    q: String,
    /// The address a role was just offered to.
    offered: Option<String>,
    can_invite: bool,
    /// The roles the viewer may give at one of `places`.
    roles: Vec<(&'static str, &'static str)>,
    places: Vec<(String, String)>,
    /// Whether the viewer may give the pupil-data permission (else it is not offered).
    pupil_data: bool,
    /// Whether "a school (give its URN)" is offered (else the URN field is not).
    any_school: bool,
    /// Whether the viewer may give roles in programmes or networks (a head teacher gives only
    /// their school's, and the staff list's help says only what they can use).
    programme_roles: bool,
    /// The school roles the viewer may give, by name, for the staff list's help.
    school_role_names: String,
    /// The invitation form, as sent with its problems, or empty.
    form: FormState,
    csrf: String,
    upload_limit: String,
    expanded_limit: String,
    staff_rows: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    q: Option<String>,
    offered: Option<String>,
    /// A school to invite someone to (a link from the school's year page fills it in).
    urn: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PeopleQuery>,
) -> Result<Html<String>, WebError> {
    list_with(&state, &viewer, q, FormState::new()).await
}

async fn list_with(
    state: &AppState,
    viewer: &Viewer,
    q: PeopleQuery,
    form: FormState,
) -> Result<Html<String>, WebError> {
    let p = &viewer.signed_in()?.principal;
    let people = state.db.people(&p.visible(Action::View, Record::Person), q.q.as_deref()).await?;
    let can_invite = p.may_somewhere(Action::Change, Record::Person);
    let places = if can_invite { where_options(state, p).await? } else { Vec::new() };
    let mut form = form;
    if let Some(u) = q.urn.as_deref().and_then(|u| Urn::parse(u).ok())
        && places.iter().any(|(v, _)| v == "school")
        && !form.has("urn")
    {
        form.keep("urn", &u.to_string());
        form.keep("place", "school");
    }
    page(PeoplePage {
        people,
        q: q.q.unwrap_or_default(),
        offered: q.offered.and_then(|e| Email::parse(&e).ok()).map(|e| e.as_str().to_owned()),
        can_invite,
        programme_roles: grantable_roles(p, &places)
            .iter()
            .filter_map(|(code, _)| aspire_core::people::Role::parse(code).ok())
            .any(|r| !r.is_school_role()),
        school_role_names: grantable_roles(p, &places)
            .iter()
            .filter_map(|(code, _)| aspire_core::people::Role::parse(code).ok())
            .filter(|r| r.is_school_role())
            .map(|r| r.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(", "),
        roles: grantable_roles(p, &places),
        pupil_data: gives_pupil_data(p),
        any_school: places.iter().any(|(v, _)| v == "school"),
        places,
        form,
        csrf: viewer.csrf.clone(),
        upload_limit: crate::error::size(crate::routes::UPLOAD_LIMIT),
        expanded_limit: crate::error::size(aspire_import::STAFF_LIMITS.expanded as usize),
        staff_rows: aspire_core::text::thousands(aspire_import::STAFF_LIMITS.rows as u64),
    })
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    place: String,
    urn: Option<String>,
    pupil_data: Option<String>,
}

pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<InviteForm>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    let mut form = FormState::new();
    form.keep("email", &f.email)
        .keep("name", &f.name)
        .keep("role", &f.role)
        .keep("place", &f.place)
        .keep("urn", f.urn.as_deref().unwrap_or(""))
        .keep("pupil_data", f.pupil_data.as_deref().unwrap_or(""));
    let email = match Email::parse(&f.email) {
        Ok(e) => Some(e),
        Err(e) => {
            form.problem("email", format!("{}: enter an address like name@school.org.uk", capitalise(&e.to_string())));
            None
        }
    };
    if f.name.trim().is_empty() {
        form.problem("name", "Enter their name");
    }
    let grant = match grant_from_form(&state, p, &f.role, &f.place, f.urn.as_deref(), f.pupil_data.is_some()).await {
        Ok(g) => Some(g),
        Err(GrantProblem::Said(field, why)) => {
            form.problem(field, why.trim_end_matches('.'));
            None
        }
        Err(GrantProblem::Store(e)) => return Err(e.into()),
    };
    let (Some(email), Some(grant), false) = (email, grant, form.has_errors()) else {
        let body = list_with(&state, &viewer, PeopleQuery::default(), form).await?;
        return Ok((StatusCode::BAD_REQUEST, body).into_response());
    };
    let invitation = Invitation {
        email: email.clone(),
        name: f.name.clone(),
        grant,
        if_exists: IfAccountExists::Offer,
        link_for: None,
    };
    match aspire_app::people::invite(&state.db, &viewer.actor(), &invitation).await {
        Ok(Invited::Added { person, .. }) => Ok(Redirect::to(&urls::person(person)).into_response()),
        Ok(Invited::Offered(_) | Invited::Given(_)) => {
            let q = serde_urlencoded::to_string([("offered", email.as_str())]).unwrap_or_default();
            Ok(Redirect::to(&format!("{}?{q}", urls::people())).into_response())
        }
        Err(InviteError::Account(e @ AccountError::AdviserInside(_))) => {
            form.problem("role", capitalise(&e.to_string()));
            let body = list_with(&state, &viewer, PeopleQuery::default(), form).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
        Err(InviteError::Account(e)) => Err(account_error(e)),
        Err(InviteError::Store(e)) => Err(e.into()),
    }
}

/// A role as the person's page lists it.
struct GrantView {
    id: i64,
    role: &'static str,
    place: String,
    pupil_data: bool,
    /// Whether the viewer may take it away.
    removable: bool,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    person: Person,
    /// (grant id, role, place, pupil data, may remove)
    grants: Vec<GrantView>,
    /// Roles on offer to them, unanswered, that the viewer could give: (offer, role, place,
    /// offered on).
    offered: Vec<(i64, &'static str, String, String)>,
    /// What giving a role did.
    done: Option<&'static str>,
    can_change: bool,
    can_disable: bool,
    /// The person's open calendar feeds, for an administrator to revoke.
    feeds: Vec<crate::routes::feeds::FeedRow>,
    /// The roles the viewer may give at one of `places`.
    roles: Vec<(&'static str, &'static str)>,
    places: Vec<(String, String)>,
    /// Whether the viewer may give the pupil-data permission (else it is not offered).
    pupil_data: bool,
    /// Whether "a school (give its URN)" is offered (else the URN field is not).
    any_school: bool,
    /// The role form, as sent with its problems, or empty.
    form: FormState,
    csrf: String,
}

/// A person the viewer may see. Someone who holds no role where the viewer does gets the same
/// answer as someone who does not exist, so that ids say nothing about who has an account.
async fn visible_person(state: &AppState, p: &Principal, id: &str) -> Result<Person, WebError> {
    let missing = || {
        WebError::NotFound(format!(
            "There is no one at /people/{id} that you can see. Find people from the list of people."
        ))
    };
    let Ok(id) = id.parse::<PersonId>() else { return Err(missing()) };
    state.db.visible_person(&p.visible(Action::View, Record::Person), id).await?.ok_or_else(missing)
}

/// May the viewer take this role away (the same rule as giving it)?
async fn may_remove(state: &AppState, p: &Principal, g: &Grant) -> Result<bool, WebError> {
    let places = match g.scope {
        Scope::Platform => vec![Place::NOWHERE],
        Scope::Programme(id) => vec![Place::programme(id)],
        Scope::Network { programme, network } => vec![Place::network(programme, network)],
        Scope::School(u) => state.db.school_places(u).await?,
        Scope::LocalAuthority { programme, .. } => vec![Place::programme(programme)],
    };
    Ok(places.iter().any(|pl| p.may_grant(g, pl).allowed()))
}

#[derive(Debug, Default, Deserialize)]
pub struct PersonQuery {
    /// What giving a role did: "given", "offered" or "on-offer".
    #[serde(default)]
    role: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<PersonQuery>,
) -> Result<Html<String>, WebError> {
    let done = match q.role.as_str() {
        "given" => Some("The role is given: they hold it now, at a place where they held a role already."),
        "offered" => Some(
            "The role is offered to them by email: it is a place where they held no role, so it counts once they \
             accept it on their account page.",
        ),
        "on-offer" => Some("That role is on offer to them already: it counts once they accept it."),
        "withdrawn" => Some("The offer is withdrawn: it can no longer be accepted, and they are told by email."),
        _ => None,
    };
    show_with(&state, &viewer, &id, FormState::new(), done).await
}

/// A person's page, with the role form as sent (with its problems) or empty.
async fn show_with(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    form: FormState,
    done: Option<&'static str>,
) -> Result<Html<String>, WebError> {
    let p = &viewer.signed_in()?.principal;
    let person = visible_person(state, p, id).await?;
    let mut grants = Vec::new();
    for g in &person.grants {
        let removable = may_remove(state, p, &g.grant).await?;
        grants.push(GrantView {
            id: g.id,
            role: g.grant.role.label(),
            place: g.place.clone(),
            pupil_data: g.grant.pupil_data,
            removable,
        });
    }
    let can_change = p.may_somewhere(Action::Change, Record::Person);
    let places = if can_change { where_options(state, p).await? } else { Vec::new() };
    let can_disable = p.may(Action::Change, Record::Person, &Place::NOWHERE) && person.id != p.person;
    let feeds = if can_disable { crate::routes::feeds::open_feeds_of(state, p, person.id).await? } else { Vec::new() };
    // Roles on offer to them, where the viewer could give them (nothing of other places).
    let mut offered = Vec::new();
    for o in state.db.offers(person.id).await? {
        if may_remove(state, p, &o.grant).await? {
            offered.push((o.id, o.grant.role.label(), o.place, o.created_at.format("%d %B %Y").to_string()));
        }
    }
    page(PersonPage {
        grants,
        offered,
        done,
        can_change,
        can_disable,
        feeds,
        roles: grantable_roles(p, &places),
        pupil_data: gives_pupil_data(p),
        any_school: places.iter().any(|(v, _)| v == "school"),
        places,
        person,
        form,
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    place: String,
    urn: Option<String>,
    pupil_data: Option<String>,
}

pub async fn add_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<RoleForm>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    // Only someone the viewer can already see; anyone else is invited (and then accepts).
    let person = visible_person(&state, p, &id).await?;
    let mut form = FormState::new();
    form.keep("role", &f.role)
        .keep("place", &f.place)
        .keep("urn", f.urn.as_deref().unwrap_or(""))
        .keep("pupil_data", f.pupil_data.as_deref().unwrap_or(""));
    match grant_from_form(&state, p, &f.role, &f.place, f.urn.as_deref(), f.pupil_data.is_some()).await {
        Ok(grant) => match aspire_app::people::give_role(&state.db, &viewer.actor(), &person, &grant).await {
            Ok(done) => {
                let said = match done {
                    aspire_app::people::RoleGiven::Given => "given",
                    aspire_app::people::RoleGiven::Offered => "offered",
                    aspire_app::people::RoleGiven::OnOffer => "on-offer",
                };
                return Ok(Redirect::to(&format!("{}?role={said}", urls::person(person.id))).into_response());
            }
            Err(AccountError::GrantExists(_)) => form.problem("role", "They already hold this role there"),
            Err(e @ AccountError::AdviserInside(_)) => form.problem("role", capitalise(&e.to_string())),
            Err(e) => return Err(account_error(e)),
        },
        Err(GrantProblem::Said(field, why)) => form.problem(field, why.trim_end_matches('.')),
        Err(GrantProblem::Store(e)) => return Err(e.into()),
    }
    let body = show_with(&state, &viewer, &id, form, None).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

/// Withdraws an unanswered offer of a role, for whoever may give that role there.
pub async fn withdraw_offer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, offer)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    let gone = || WebError::NotFound("That offer is no longer open: it was answered or withdrawn.".into());
    let person = visible_person(&state, p, &id).await?;
    let offer: i64 = offer.parse().map_err(|_| gone())?;
    let o = state.db.offers(person.id).await?.into_iter().find(|o| o.id == offer).ok_or_else(gone)?;
    if !may_remove(&state, p, &o.grant).await? {
        return Err(gone());
    }
    match state.db.withdraw_offer(&viewer.actor(), person.id, offer).await {
        Ok(()) => Ok(Redirect::to(&format!("{}?role=withdrawn", urls::person(person.id))).into_response()),
        Err(AccountError::NoSuchOffer) => Err(gone()),
        Err(e) => Err(account_error(e)),
    }
}

pub async fn remove_role(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, grant_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    let gone = || WebError::NotFound("That role assignment no longer exists.".into());
    let (Ok(id), Ok(grant_id)) = (id.parse::<PersonId>(), grant_id.parse::<i64>()) else { return Err(gone()) };
    let (owner, grant) = state.db.grant(grant_id).await?.filter(|(owner, _)| *owner == id).ok_or_else(gone)?;
    if !may_remove(&state, p, &grant).await? {
        return Err(WebError::Forbidden("you cannot take away this role".into()));
    }
    state.db.remove_grant(&viewer.actor(), grant_id).await.map_err(account_error)?;
    Ok(Redirect::to(&urls::person(owner)).into_response())
}

/// Sends a new invitation (the old link stops working).
pub async fn resend(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    let person = visible_person(&state, p, &id).await?;
    let id = person.id;
    let mut allowed = false;
    for g in &person.grants {
        allowed |= may_remove(&state, p, &g.grant).await?;
    }
    if !allowed && !p.may(Action::Change, Record::Person, &Place::NOWHERE) {
        return Err(WebError::Forbidden("you cannot invite this person".into()));
    }
    if person.has_password {
        return Err(WebError::BadRequest(format!(
            "{} has already set a password; they can reset it from the sign-in page.",
            person.name
        )));
    }
    state.db.send_link(&viewer.actor(), id, TokenPurpose::Invitation).await.map_err(account_error)?;
    Ok(Redirect::to(&urls::person(id)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    disabled: String,
}

/// Turns an account off or on. Administrators only: it stops the person everywhere.
pub async fn set_disabled(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<DisableForm>,
) -> Result<Response, WebError> {
    let p = viewer.require(Action::Change, Record::Person, &Place::NOWHERE)?;
    let id = visible_person(&state, p, &id).await?.id;
    if id == p.person {
        return Err(WebError::BadRequest("You cannot turn off your own account.".into()));
    }
    state.db.set_disabled(&viewer.actor(), id, f.disabled == "yes").await.map_err(account_error)?;
    Ok(Redirect::to(&urls::person(id)).into_response())
}

#[derive(Template)]
#[template(path = "staff_import.html")]
struct StaffImportPage {
    file: String,
    errors: Vec<String>,
    added: Vec<String>,
}

/// A staff list uploaded as CSV or XLSX: every row is checked (its cells, the places it names,
/// and the viewer's right to give each role there) before anything is written.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    marked: Option<axum::Extension<crate::auth::TokenInUpload>>,
    crate::extract::Upload(mut form): crate::extract::Upload,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    crate::auth::upload_token(marked, &mut form, &viewer).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable = crate::auth::unreadable_upload;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("staff.csv").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(WebError::BadRequest("Choose a staff list file (CSV or XLSX) to upload.".into()));
    };
    // Reading a workbook is work for a blocking thread, not for the server's own.
    let file_name = name.clone();
    let list = tokio::task::spawn_blocking(move || aspire_import::read_staff_list(&file_name, &bytes))
        .await
        .map_err(|e| WebError::Internal(format!("reading a staff list stopped: {e}")))?
        .map_err(|e| WebError::BadRequest(format!("{e}.")))?;
    let mut errors: Vec<String> = list.errors.iter().map(ToString::to_string).collect();
    // Programmes and networks are found among those where the viewer may give roles: a name
    // outside them is "no such programme", as if it did not exist.
    let all = p.visible(Action::Change, Record::Person);
    let programmes = state.db.programmes(&all, &all).await?;
    let mut rows = Vec::new();
    for r in &list.rows {
        let place = match (r.urn, &r.programme, &r.network) {
            (Some(_), ..) => "school".to_owned(),
            (None, Some(prog), net) => {
                let Some(found) =
                    programmes.iter().find(|x| x.name.eq_ignore_ascii_case(prog) || x.id.to_string() == *prog)
                else {
                    errors
                        .push(format!("line {}, column programme, value '{prog}': there is no such programme", r.line));
                    continue;
                };
                match net {
                    None => format!("programme:{}", found.id),
                    Some(net) => {
                        let nets = state.db.networks(found.id, &all).await?;
                        let Some(n) = nets.iter().find(|n| n.name.eq_ignore_ascii_case(net)) else {
                            errors.push(format!(
                                "line {}, column network, value '{net}': {} has no such network",
                                r.line, found.name
                            ));
                            continue;
                        };
                        format!("network:{}", n.id)
                    }
                }
            }
            (None, None, _) => "platform".to_owned(),
        };
        let urn = r.urn.map(|u| u.to_string());
        match grant_from_form(&state, p, r.role.code(), &place, urn.as_deref(), false).await {
            Ok(g) => rows.push((r.email.clone(), r.name.clone(), g)),
            Err(GrantProblem::Said(_, why)) => errors.push(format!("line {}: {why}", r.line)),
            Err(GrantProblem::Store(e)) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        let body = StaffImportPage { file: name, errors, added: Vec::new() }.render()?;
        return Ok((StatusCode::BAD_REQUEST, Html(body)).into_response());
    }
    let out = state.db.add_staff(&viewer.actor(), &rows).await.map_err(account_error)?;
    let added = rows
        .iter()
        .zip(&out)
        .map(|((email, name, g), (_, outcome))| {
            let what = match outcome {
                StaffOutcome::Invited => ", invited",
                StaffOutcome::Added => "",
                StaffOutcome::Offered => {
                    ": already has an account, so the role is offered and counts once they accept it"
                }
                StaffOutcome::Already => ": already holds this role (or has it on offer)",
            };
            format!("{name} ({email}): {}{what}", g.role.label())
        })
        .collect();
    Ok(page(StaffImportPage { file: name, errors: Vec::new(), added })?.into_response())
}
