//! A head teacher offers (or stops offering) to talk to schools thinking of joining. Requests
//! reach them through the outbox; their address is never shown.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_core::people::Role;

use crate::auth::Viewer;
use crate::routes::page;
use crate::urls;
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "volunteer.html")]
struct VolunteerPage {
    head: bool,
    volunteer: bool,
    csrf: String,
}

fn is_head(viewer: &Viewer) -> bool {
    viewer.principal().is_some_and(|p| p.grants.iter().any(|g| g.role == Role::HeadTeacher))
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    let session = viewer.signed_in()?;
    let volunteer = state.db.is_head_volunteer(session.person).await?;
    page(VolunteerPage { head: is_head(&viewer), volunteer, csrf: viewer.csrf.clone() })
}

#[derive(Debug, Deserialize)]
pub struct Choice {
    volunteer: String,
}

pub async fn set(State(state): State<AppState>, viewer: Viewer, Form(f): Form<Choice>) -> Result<Response, WebError> {
    let session = viewer.signed_in()?;
    if !is_head(&viewer) {
        return Err(WebError::BadRequest(
            "Only head teachers can offer to talk to schools thinking of joining.".into(),
        ));
    }
    let volunteer = match f.volunteer.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(WebError::BadRequest(format!("'{other}' is not a choice here: choose yes or no."))),
    };
    state.db.set_head_volunteer(&viewer.actor(), session.person, volunteer).await?;
    Ok(Redirect::to(&urls::volunteer()).into_response())
}
