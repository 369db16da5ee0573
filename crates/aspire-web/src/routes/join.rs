//! The public side of recruitment: "networks starting near you", the enquiry form and its thanks.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{EnquiryContact, MESSAGE_LIMIT};
use aspire_core::template::Term;
use aspire_core::urn::Urn;
use aspire_store::{NewEnquiry, Programme, ProgrammeArea};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::routes::programmes::{bad, template_of};
use crate::urls;
use crate::{AppState, WebError};
use aspire_core::text::capitalise;

/// A programme as the public sees it: where it recruits and when it starts.
struct Offer {
    programme: Programme,
    start: String,
    /// Whether it has started already (so "starting" would be wrong).
    started: bool,
    areas: Vec<ProgrammeArea>,
    summary: String,
    /// Networks formed and published.
    published: Vec<aspire_app::recruitment::PublishedNetwork>,
}

async fn offers(state: &AppState) -> Result<Vec<Offer>, WebError> {
    let today = chrono::Local::now().date_naive();
    let open = aspire_app::recruitment::open_programmes(&state.db).await?;
    Ok(open
        .into_iter()
        .map(|o| {
            let programme = o.programme;
            let start =
                programme.starts_on.map_or_else(|| "start to be announced".to_owned(), |d| Term::containing(d).label());
            let started = programme.starts_on.is_some_and(|d| d <= today);
            let summary = template_of(&programme).map(|t| t.summary).unwrap_or_default();
            Offer { programme, start, started, areas: o.areas, summary, published: o.published }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "join.html")]
struct JoinPage {
    q: String,
    offers: Vec<Offer>,
}

/// "Networks starting near you": every programme with areas, filtered by the area typed.
pub async fn list(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let q = params.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let needle = q.to_lowercase();
    let mut offers = offers(&state).await?;
    if !needle.is_empty() {
        for o in &mut offers {
            o.areas.retain(|a| a.area.to_lowercase().contains(&needle));
        }
        offers.retain(|o| !o.areas.is_empty());
    }
    page(JoinPage { q, offers })
}

#[derive(Template)]
#[template(path = "join_form.html")]
struct JoinForm {
    programme: Programme,
    start: String,
    areas: Vec<ProgrammeArea>,
    school: Option<String>,
    /// What was typed, shown again with every problem when something was wrong.
    form: FormState,
    /// The longest message kept, said on the form.
    message_limit: String,
    csrf: String,
}

/// A programme that takes enquiries: one with areas (404 otherwise, naming nothing).
async fn recruiting(state: &AppState, id: ProgrammeId) -> Result<(Programme, Vec<ProgrammeArea>), WebError> {
    aspire_app::recruitment::recruiting(&state.db, id)
        .await?
        .ok_or_else(|| WebError::NotFound("There is no programme recruiting at this address.".into()))
}

fn start_label(programme: &Programme) -> String {
    programme.starts_on.map_or_else(|| "to be announced".to_owned(), |d| Term::containing(d).label())
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let (programme, areas) = recruiting(&state, id).await?;
    let urn = params.get("urn").map(|s| s.trim().to_owned()).unwrap_or_default();
    let school = match Urn::parse(&urn) {
        Ok(u) => state.db.school(u).await?.and_then(|s| s.name),
        Err(_) => None,
    };
    let start = start_label(&programme);
    let mut form = FormState::new();
    form.keep("urn", &urn);
    page(JoinForm {
        programme,
        start,
        areas,
        school,
        form,
        message_limit: aspire_core::text::thousands(MESSAGE_LIMIT as u64),
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct EnquiryForm {
    urn: String,
    name: String,
    email: String,
    role: String,
    #[serde(default)]
    message: String,
    /// Hidden from people; a form-filling robot fills it in.
    #[serde(default)]
    website: String,
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<EnquiryForm>,
) -> Result<Response, WebError> {
    let (programme, areas) = recruiting(&state, id).await?;
    let mut form = FormState::new();
    form.keep("urn", &f.urn).keep("name", &f.name).keep("email", &f.email).keep("role", &f.role);
    form.keep("message", &f.message);
    // The form again, with what was typed and every problem beside its field.
    let again = |form: FormState, school: Option<String>| {
        let page = JoinForm {
            start: start_label(&programme),
            programme: programme.clone(),
            areas: areas.clone(),
            school,
            form,
            message_limit: aspire_core::text::thousands(MESSAGE_LIMIT as u64),
            csrf: viewer.csrf.clone(),
        };
        page.render()
            .map(|html| (axum::http::StatusCode::BAD_REQUEST, Html(html)).into_response())
            .map_err(WebError::from)
    };
    // A filled-in hidden field: answer as if it worked, keep nothing.
    if !f.website.trim().is_empty() {
        tracing::info!(programme = id.get(), "enquiry with the hidden field filled in: not kept");
        let to = Urn::parse(&f.urn).map_or_else(|_| urls::join(), |u| urls::thanks(id, u));
        return Ok(Redirect::to(&to).into_response());
    }
    // Every field is checked, and every problem said at once.
    let contact = EnquiryContact::check(&f.name, &f.email, &f.role, &f.message).map_err(|problems| {
        for (field, message) in problems {
            form.problem(field.code(), message);
        }
    });
    let (urn, school) = match Urn::parse(&f.urn) {
        Ok(u) => {
            let school = state.db.school(u).await?.and_then(|s| s.name);
            if school.is_none() && !state.db.known_urns(&[u].into()).await?.contains(&u) {
                form.problem(
                    "urn",
                    format!("There is no school with URN {u} in our register. Check the number with the eligibility checker."),
                );
            }
            (Some(u), school)
        }
        Err(e) => {
            form.problem(
                "urn",
                format!("{}. Find your school's URN with the eligibility checker.", capitalise(&e.to_string())),
            );
            (None, None)
        }
    };
    // Problems are listed in the order of the form.
    form.order(&["urn", "name", "email", "role", "message"]);
    let (Some(urn), Ok(contact), false) = (urn, contact, form.has_errors()) else {
        return again(form, school);
    };
    // Only enquiries that are kept count towards the limit (counted below, once kept).
    if let Err(secs) = state.limiter.peek(
        "enquiry",
        viewer.client.as_deref(),
        state.config.enquiries_per_hour,
        Duration::from_secs(3600),
    ) {
        return Err(WebError::TooMany(
            secs,
            format!(
                "Too many enquiries have been sent from your connection. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        ));
    }
    let today = chrono::Local::now().date_naive();
    let check = aspire_app::recruitment::eligibility_checks(&state.db, &programme, &[urn], today)
        .await?
        .into_iter()
        .next()
        .map(|(_, c)| c);
    let enquiry = NewEnquiry { urn, contact };
    match state.db.record_enquiry(&viewer.actor(), id, &enquiry, check.as_ref()).await {
        Ok(_) => {
            state.limiter.count("enquiry", viewer.client.as_deref(), Duration::from_secs(3600));
            Ok(Redirect::to(&urls::thanks(id, urn)).into_response())
        }
        Err(e) => Err(bad(e)),
    }
}

#[derive(Template)]
#[template(path = "join_thanks.html")]
struct Thanks {
    programme: Programme,
    urn: Urn,
    school: String,
}

pub async fn thanks(
    State(state): State<AppState>,
    Path((id, urn)): Path<(ProgrammeId, String)>,
) -> Result<Html<String>, WebError> {
    let (programme, _) = recruiting(&state, id).await?;
    let urn = Urn::parse(&urn).map_err(|e| WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))))?;
    let school = state.db.school(urn).await?.and_then(|s| s.name).unwrap_or_else(|| format!("URN {urn}"));
    page(Thanks { programme, urn, school })
}
