//! "Speak to a head teacher": a school thinking of joining asks to talk to the head of a school
//! that takes or took part. The request reaches one volunteer through the outbox; their
//! address is never shown, and they reply if they choose.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::MESSAGE_LIMIT;
use aspire_store::{Mail, Programme};

use super::enquiry::{SenderFields, check_sender, recruiting};
use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::urls;
use crate::{AppState, WebError};

/// Requests kept from one address in an hour.
const PER_HOUR: u32 = 5;

#[derive(Template)]
#[template(path = "join_speak.html")]
struct Speak {
    programme: Programme,
    /// Whether any head teacher has offered.
    volunteers: bool,
    contact: String,
    choices: Vec<(String, String)>,
    school: Option<(String, aspire_core::urn::Urn)>,
    form: FormState,
    message_limit: String,
    sent: bool,
    csrf: String,
}

/// The heads who offered to be asked whose school took part in this programme.
async fn volunteers_for(
    state: &AppState,
    programme: ProgrammeId,
) -> Result<Vec<(aspire_core::people::PersonId, String, aspire_core::urn::Urn)>, WebError> {
    Ok(aspire_app::join::volunteers_for(&state.db, programme).await?)
}

async fn speak_page(state: &AppState, viewer: &Viewer, programme: Programme) -> Result<Speak, WebError> {
    Ok(Speak {
        volunteers: !volunteers_for(state, programme.id).await?.is_empty(),
        contact: aspire_app::join::contact(&state.db, programme.id, &state.config.contact_email).await?,
        programme,
        choices: Vec::new(),
        school: None,
        form: FormState::new(),
        message_limit: aspire_core::text::thousands(MESSAGE_LIMIT as u64),
        sent: false,
        csrf: viewer.csrf.clone(),
    })
}

/// What a request's receipt is for.
fn speak_receipt(id: ProgrammeId) -> String {
    format!("speak/{id}")
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let (programme, _) = recruiting(&state, id).await?;
    let mut p = speak_page(&state, &viewer, programme).await?;
    p.sent = state.receipts.valid(params.get("sent").map(String::as_str), &speak_receipt(id));
    page(p)
}

#[derive(Debug, Deserialize)]
pub struct SpeakForm {
    #[serde(default)]
    urn: String,
    #[serde(default)]
    school: String,
    name: String,
    email: String,
    role: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    website: String,
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<SpeakForm>,
) -> Result<Response, WebError> {
    let (programme, _) = recruiting(&state, id).await?;
    let done = || format!("{}?sent={}", urls::speak(id), state.receipts.issue(&speak_receipt(id)));
    if !f.website.trim().is_empty() {
        return Ok(Redirect::to(&done()).into_response());
    }
    let mut again = speak_page(&state, &viewer, programme.clone()).await?;
    let mut choices = Vec::new();
    let sent = SenderFields {
        urn: &f.urn,
        school: &f.school,
        name: &f.name,
        email: &f.email,
        role: &f.role,
        message: &f.message,
    };
    let (school, contact) = check_sender(&state, sent, &mut again.form, &mut choices).await?;
    let (Some((school_name, urn)), Some(contact), false) = (school.clone(), contact, again.form.has_errors()) else {
        again.school = school;
        again.choices = choices;
        return Ok((StatusCode::BAD_REQUEST, page(again)?).into_response());
    };
    let hour = Duration::from_secs(3600);
    if let Err(secs) = state.limiter.peek("head-request", viewer.client.as_deref(), PER_HOUR, hour) {
        return Err(WebError::TooMany(
            secs,
            format!(
                "Several requests have been sent from your connection. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        ));
    }
    let volunteers = volunteers_for(&state, id).await?;
    if volunteers.is_empty() {
        return Ok((StatusCode::BAD_REQUEST, page(again)?).into_response());
    }
    // Spread requests across the volunteers.
    let pick = usize::try_from(chrono::Utc::now().timestamp_subsec_nanos()).unwrap_or(0) % volunteers.len();
    let (person, address, _) = &volunteers[pick];
    let mail = Mail {
        recipient: address.clone(),
        subject: format!(
            "{} {} would like to talk to you",
            aspire_core::recruitment::HEAD_REQUEST_SUBJECT_START,
            programme.name
        ),
        body: format!(
            "{name} ({role}) of {school_name} (URN {urn}) is thinking of joining {programme} and would like to talk \
             to a head teacher who knows it. You offered to be asked; reply only if you choose to. Their address: \
             {email}\n\nWhat they would like to ask:\n{message}\n\nYou can stop being asked on your account page: \
             {site}{account}\n",
            name = contact.name(),
            role = contact.role(),
            programme = programme.name,
            email = contact.email().as_str(),
            message = if contact.message().is_empty() { "(nothing added)" } else { contact.message() },
            site = aspire_store::SITE_PLACEHOLDER,
            account = urls::volunteer(),
        ),
        calendar: None,
    };
    state.db.queue_head_request(&viewer.actor(), id, *person, &mail).await?;
    state.limiter.count("head-request", viewer.client.as_deref(), hour);
    Ok(Redirect::to(&done()).into_response())
}
