//! Programmes, their networks and schools, as far as the viewer's roles reach.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use aspire_app::recruitment::{EnrolError, EnrolField, EnrolRequest};
use aspire_core::access::{Action, Place, Record};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::urn::Urn;
use aspire_store::{Enrolment, Network, NewProgramme, Programme, ProgrammeArea, ProgrammeError};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::urls;
use crate::{AppState, WebError};
use aspire_core::text::capitalise;

pub(crate) fn bad(e: ProgrammeError) -> WebError {
    match e {
        ProgrammeError::Store(e) => e.into(),
        ProgrammeError::NoSuchProgramme(_) => WebError::NotFound(format!("{e}.")),
        e => WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))),
    }
}

#[derive(Template)]
#[template(path = "programmes.html")]
struct ProgrammesPage {
    programmes: Vec<Programme>,
    can_create: bool,
    /// (value, label) of each choice of template, "None" first.
    templates: Vec<(String, String)>,
    /// (value, label) of each choice of rule set, the template's own first.
    rule_sets: Vec<(String, String)>,
    form: FormState,
    csrf: String,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    list_with(&state, &viewer, FormState::new()).await
}

/// The list of programmes with the form to create one, as sent (with its problems) or empty.
async fn list_with(state: &AppState, viewer: &Viewer, form: FormState) -> Result<Html<String>, WebError> {
    let p = &viewer.signed_in()?.principal;
    let programmes = state
        .db
        .programmes(&p.visible(Action::View, Record::Programme), &p.visible(Action::View, Record::Enrolment))
        .await?;
    // Bundled templates are checked by the tests; one that fails to load is a fault, not "no template".
    let bundled =
        aspire_import::templates().map_err(|e| WebError::Internal(format!("loading the programme templates: {e}")))?;
    let templates = std::iter::once((String::new(), "None".to_owned()))
        .chain(bundled.into_iter().map(|t| (t.id, t.name)))
        .collect();
    let rule_sets = std::iter::once((String::new(), "Template's own".to_owned()))
        .chain(aspire_import::bundled_ids().into_iter().map(|r| (r.to_owned(), r.to_owned())))
        .collect();
    page(ProgrammesPage {
        programmes,
        can_create: p.may(Action::Change, Record::Programme, &Place::NOWHERE),
        templates,
        rule_sets,
        form,
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct NewProgrammeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    rule_set: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

/// A date typed in a form (the browser's date field sends YYYY-MM-DD); a problem is recorded
/// on the field.
fn date(form: &mut FormState, field: &str, what: &str, v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            form.problem(field, format!("Enter the {what} as a date, for example 2026-09-01"));
            None
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<NewProgrammeForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Programme, &Place::NOWHERE)?;
    let mut form = FormState::new();
    form.keep("name", &f.name)
        .keep("template", &f.template)
        .keep("rule_set", &f.rule_set)
        .keep("starts_on", &f.starts_on)
        .keep("ends_on", &f.ends_on);
    if f.name.trim().is_empty() {
        form.problem("name", "Enter a name for the programme");
    }
    let template = match f.template.trim() {
        "" => None,
        id => match aspire_import::load_template(id) {
            Ok(t) => Some(t),
            Err(_) => {
                form.problem("template", "Choose a template from the list");
                None
            }
        },
    };
    // The template's rule set unless another is chosen.
    let rule_set = Some(f.rule_set.trim().to_owned())
        .filter(|r| !r.is_empty())
        .or_else(|| template.as_ref().and_then(|t| t.rule_set.clone()));
    if let Some(r) = &rule_set
        && !aspire_import::bundled_ids().contains(&r.as_str())
    {
        form.problem("rule_set", "Choose a rule set from the list");
    }
    let starts_on = date(&mut form, "starts_on", "start date", &f.starts_on);
    if template.is_some() && f.starts_on.trim().is_empty() {
        form.problem("starts_on", "Enter the start date: a programme made from a template needs one");
    }
    let ends_on = date(&mut form, "ends_on", "end date", &f.ends_on)
        .or_else(|| template.as_ref().zip(starts_on).and_then(|(t, s)| t.ends_on(s)));
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        form.problem("ends_on", format!("Enter an end date after the start date ({s})"));
    }
    if !form.has_errors() {
        let new = NewProgramme {
            name: f.name.trim().to_owned(),
            template: template.map(|t| t.id),
            rule_set,
            starts_on,
            ends_on,
        };
        match state.db.create_programme(&viewer.actor(), &new).await {
            Ok(id) => return Ok(Redirect::to(&urls::programme(id)).into_response()),
            Err(ProgrammeError::ProgrammeExists(name)) => {
                form.problem("name", format!("There is already a programme called '{name}': choose another name"));
            }
            Err(e) => return Err(bad(e)),
        }
    }
    let body = list_with(&state, &viewer, form).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

/// The events a term holds.
struct TermPlan {
    term: String,
    events: Vec<String>,
}

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    programme: Programme,
    template: Option<aspire_core::template::Template>,
    /// Each term with the events the template plans in it.
    plan: Vec<TermPlan>,
    areas: Vec<aspire_store::CodedArea>,
    /// Areas kept from before they were chosen from the register that name nothing in it.
    areas_to_fix: Vec<String>,
    /// The LAs and districts of the register areas are chosen from (for those who may set them).
    area_choices: Vec<aspire_core::recruitment::AreaChoice>,
    /// Said when the programme's rule set does not answer for the programme's dates.
    rule_set_warning: Option<String>,
    /// The address the team set for schools to write to, and the service's, used without one.
    own_contact: Option<String>,
    /// The personal mailbox provider the contact address looks to be at, to warn of.
    personal_contact: Option<String>,
    default_contact: String,
    /// The forms on the page: the areas ("areas-text", "Bradford: 3" per line) as stored, or
    /// as sent with their problems.
    form: FormState,
    /// The stages a school can be added at.
    stages: Vec<(&'static str, &'static str)>,
    networks: Vec<Network>,
    /// For a reader who sees schools but not networks (an LA officer): the networks their
    /// schools are in, with how many of their schools each holds.
    school_networks: Vec<(String, usize)>,
    schools: Vec<Enrolment>,
    can_change_programme: bool,
    can_change_networks: bool,
    can_enrol: bool,
    can_recruit: bool,
    csrf: String,
}

/// The template a programme was made from, if it is still bundled.
pub(crate) fn template_of(programme: &Programme) -> Option<aspire_core::template::Template> {
    programme.template.as_deref().and_then(|id| aspire_import::load_template(id).ok())
}

pub(crate) async fn find_programme(state: &AppState, id: ProgrammeId) -> Result<Programme, WebError> {
    state.db.programme(id).await?.ok_or_else(|| WebError::NotFound(format!("There is no programme {id}.")))
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
) -> Result<Html<String>, WebError> {
    show_with(&state, &viewer, id, FormState::new()).await
}

/// The programme's page, with a form on it as sent (with its problems) or as stored.
async fn show_with(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    mut form: FormState,
) -> Result<Html<String>, WebError> {
    let here = Place::programme(id);
    let p = viewer.require(Action::View, Record::Programme, &here)?;
    let programme = find_programme(state, id).await?;
    let networks = state.db.networks(id, &p.visible(Action::View, Record::Network)).await?;
    let schools = state.db.enrolments(id, &p.visible(Action::View, Record::Enrolment)).await?;
    let template = template_of(&programme);
    let mut plan: Vec<TermPlan> = Vec::new();
    if let (Some(t), Some(start)) = (&template, programme.starts_on) {
        for e in t.plan(start) {
            match plan.last_mut() {
                Some(p) if p.term == e.term.label() => p.events.push(e.name),
                _ => plan.push(TermPlan { term: e.term.label(), events: vec![e.name] }),
            }
        }
    }
    let areas = state.db.programme_area_codes(id, &p.visible(Action::View, Record::Programme)).await?;
    let areas_to_fix = areas.iter().filter(|a| a.code.is_none()).map(|a| a.area.clone()).collect();
    let rule_set_warning = aspire_app::recruitment::rule_set_warning(&programme, chrono::Local::now().date_naive());
    let own_contact = state.db.programme_contact(id).await?;
    let personal_contact = own_contact
        .as_deref()
        .and_then(|c| aspire_core::people::Email::parse(c).ok())
        .and_then(|e| e.personal_provider().map(str::to_owned));
    if !form.has("contact-email") {
        form.keep("contact-email", own_contact.as_deref().unwrap_or(""));
    }
    let area_choices =
        if p.may(Action::Change, Record::Programme, &here) { state.db.area_choices().await? } else { Vec::new() };
    if !form.has("areas-text") {
        let text = areas.iter().map(|a| format!("{}: {}", a.area, a.planned_networks)).collect::<Vec<_>>().join("\n");
        form.keep("areas-text", &text);
    }
    page(ProgrammePage {
        personal_contact,
        programme,
        template,
        plan,
        areas,
        areas_to_fix,
        area_choices,
        rule_set_warning,
        own_contact,
        default_contact: state.config.contact_email.clone(),
        form,
        stages: vec![("enrolled", "enrolled"), ("enquiry", "enquiry"), ("applied", "applied")],
        school_networks: if networks.is_empty() {
            let mut by: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
            for name in schools.iter().filter_map(|e| e.network_name.clone()) {
                *by.entry(name).or_default() += 1;
            }
            by.into_iter().collect()
        } else {
            Vec::new()
        },
        networks,
        schools,
        can_change_programme: p.may(Action::Change, Record::Programme, &here),
        can_change_networks: p.may(Action::Change, Record::Network, &here),
        can_enrol: p.may(Action::Change, Record::Enrolment, &here),
        can_recruit: p.may(Action::View, Record::Recruitment, &here),
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct ContactForm {
    email: String,
}

/// Sets the address the public pages give schools to write to about the programme.
pub async fn set_contact(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<ContactForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Programme, &Place::programme(id))?;
    find_programme(&state, id).await?;
    match aspire_core::people::Email::parse(&f.email) {
        Ok(email) => {
            state.db.set_programme_contact(&viewer.actor(), id, &email).await.map_err(bad)?;
            Ok(Redirect::to(&format!("{}#contact", urls::programme(id))).into_response())
        }
        Err(e) => {
            let mut form = FormState::new();
            form.keep("contact-email", &f.email);
            form.problem(
                "contact-email",
                format!(
                    "{}: write the address schools should write to, e.g. programmes@example.org",
                    capitalise(&e.to_string())
                ),
            );
            let body = show_with(&state, &viewer, id, form).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AreasForm {
    areas: String,
}

/// Replaces the programme's areas from lines of "Area: planned networks".
pub async fn set_areas(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<AreasForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Programme, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let mut form = FormState::new();
    form.keep("areas-text", &f.areas);
    let choices = state.db.area_choices().await?;
    // Every line is checked, and every problem is shown at once.
    let areas: Vec<ProgrammeArea> = match aspire_core::recruitment::read_area_lines(f.areas.lines(), &choices) {
        Ok(lines) => lines
            .into_iter()
            .map(|l| ProgrammeArea { area: l.area.name, planned_networks: l.planned_networks })
            .collect(),
        Err(problems) => {
            for p in problems {
                form.problem("areas-text", p);
            }
            Vec::new()
        }
    };
    if form.has_errors() {
        let body = show_with(&state, &viewer, id, form).await?;
        return Ok((StatusCode::BAD_REQUEST, body).into_response());
    }
    match state.db.set_programme_areas(&viewer.actor(), id, &areas).await {
        Ok(()) => {}
        // The register changed since the lines were checked.
        Err(e @ (ProgrammeError::UnknownAreas(_) | ProgrammeError::Areas(_))) => {
            form.problem("areas-text", capitalise(&e.to_string()));
            let body = show_with(&state, &viewer, id, form).await?;
            return Ok((StatusCode::BAD_REQUEST, body).into_response());
        }
        Err(e) => return Err(bad(e)),
    }
    Ok(Redirect::to(&format!("{}#areas", urls::programme(id))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

pub async fn create_network(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<NameForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let mut form = FormState::new();
    form.keep("network-name", &f.name);
    match state.db.create_network(&viewer.actor(), id, &f.name).await {
        Ok(_) => return Ok(Redirect::to(&format!("{}#networks", urls::programme(id))).into_response()),
        Err(ProgrammeError::NameMissing) => form.problem("network-name", "Enter a name for the network"),
        Err(ProgrammeError::NetworkExists(n)) => form
            .problem("network-name", format!("This programme already has a network called '{n}': choose another name")),
        Err(e) => return Err(bad(e)),
    }
    let body = show_with(&state, &viewer, id, form).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    urns: String,
    stage: Option<String>,
}

/// Enrols the URNs typed in (separated by spaces, commas or new lines).
pub async fn enrol(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<EnrolForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Enrolment, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let mut form = FormState::new();
    form.keep("urns", &f.urns).keep("stage", f.stage.as_deref().unwrap_or(""));
    let req = EnrolRequest {
        urns: f.urns.split(|c: char| c.is_whitespace() || c == ',' || c == ';').map(str::to_owned).collect(),
        stage: f.stage.clone().unwrap_or_default(),
    };
    let today = chrono::Local::now().date_naive();
    match aspire_app::recruitment::enrol(&state.db, &viewer.actor(), id, &req, today).await {
        Ok(_) => Ok(Redirect::to(&format!("{}#schools", urls::programme(id))).into_response()),
        Err(EnrolError::Invalid(problems)) => {
            for p in problems {
                let field = match p.field {
                    EnrolField::Urns => "urns",
                    EnrolField::Stage => "stage",
                };
                form.problem(field, capitalise(&p.message));
            }
            let body = show_with(&state, &viewer, id, form).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
        Err(EnrolError::NoProgramme(_)) => Err(WebError::NotFound(format!("There is no programme {id}."))),
        Err(EnrolError::Save(e)) => Err(bad(e)),
        Err(EnrolError::Store(e)) => Err(e.into()),
    }
}

/// Someone with a role at the school.
struct StaffMember {
    name: String,
    email: String,
    role: &'static str,
}

#[derive(Template)]
#[template(path = "enrolment.html")]
struct EnrolmentPage {
    programme: Programme,
    enrolment: Enrolment,
    networks: Vec<Network>,
    can_move: bool,
    /// Whether the viewer may open the school's network's page (not an LA officer).
    network_open: bool,
    staff: Vec<StaffMember>,
    csrf: String,
}

async fn find_enrolment(state: &AppState, id: ProgrammeId, urn: &str) -> Result<Enrolment, WebError> {
    let urn = Urn::parse(urn).map_err(|e| WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))))?;
    state.db.enrolment(id, urn).await?.ok_or_else(|| WebError::NotFound(format!("URN {urn} is not in programme {id}.")))
}

pub async fn enrolment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
) -> Result<Html<String>, WebError> {
    // Ask the policy before saying whether the school is in the programme.
    let parsed = Urn::parse(&urn).map_err(|e| WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))))?;
    let place = match state.db.enrolment(id, parsed).await? {
        Some(e) => e.place(),
        None => Place::enrolment(id, None, parsed),
    };
    let p = viewer.require(Action::View, Record::Enrolment, &place)?;
    let enrolment = find_enrolment(&state, id, &urn).await?;
    let programme = find_programme(&state, id).await?;
    let here = Place::programme(id);
    let can_move = p.may(Action::Change, Record::Network, &here);
    let networks =
        if can_move { state.db.networks(id, &p.visible(Action::View, Record::Network)).await? } else { Vec::new() };
    let staff = if p.may(Action::View, Record::Person, &place) {
        let visible = p.visible(Action::View, Record::Person);
        state
            .db
            .people(&visible, None)
            .await?
            .into_iter()
            .flat_map(|person| {
                person
                    .grants
                    .iter()
                    .filter(|g| g.grant.scope == aspire_core::people::Scope::School(enrolment.urn))
                    .map(|g| StaffMember {
                        name: person.name.clone(),
                        email: person.email.clone(),
                        role: g.grant.role.label(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    } else {
        Vec::new()
    };
    let network_open = enrolment.network.is_some_and(|n| p.may(Action::View, Record::Network, &Place::network(id, n)));
    page(EnrolmentPage { programme, enrolment, networks, can_move, network_open, staff, csrf: viewer.csrf.clone() })
}

#[derive(Debug, Deserialize)]
pub struct NetworkForm {
    network: String,
    /// "networks": back to the networks page afterwards.
    #[serde(default)]
    next: String,
}

pub async fn set_network(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(f): Form<NetworkForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let e = find_enrolment(&state, id, &urn).await?;
    let network: Option<NetworkId> = match f.network.trim() {
        "" | "none" => None,
        n => Some(n.parse().map_err(|_| WebError::BadRequest(format!("'{n}' is not a network.")))?),
    };
    state.db.set_network(&viewer.actor(), id, e.urn, network).await.map_err(bad)?;
    if f.next == "networks" {
        let anchor = network.map(|n| format!("#network-{n}")).unwrap_or_default();
        return Ok(Redirect::to(&format!("{}{anchor}", urls::networks(id))).into_response());
    }
    Ok(Redirect::to(&urls::enrolment(id, e.urn)).into_response())
}
