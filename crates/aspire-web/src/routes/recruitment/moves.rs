//! A school's move on the board, with a confirmation page first when the move withdraws or
//! completes it, or enrols a school not known to be eligible.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::recruitment::{StageMoveError, StageMovePreview};
use aspire_core::access::{Action, Place, Record};
use aspire_core::eligibility::Outcome;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{Stage, StageError};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;

use super::{BoardParams, board_page};
use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::routes::programmes::{bad, find_programme};
use crate::urls;
use crate::{AppState, WebError};

#[derive(Debug, Deserialize)]
pub struct StageForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    reason: String,
    /// "yes" once the person has seen what the move changes or what is against it.
    #[serde(default)]
    confirmed: String,
}

#[derive(Template)]
#[template(path = "confirm_stage.html")]
struct ConfirmStagePage {
    title: String,
    /// "What will change", or "Before you enrol it" for a warning.
    heading: &'static str,
    warning: bool,
    button: String,
    programme: aspire_store::Programme,
    enrolment: aspire_store::Enrolment,
    to: Stage,
    reason: String,
    changes: Vec<String>,
    /// The board's filters, kept on the way back.
    query: String,
    csrf: String,
}

pub async fn move_stage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Query(params): Query<BoardParams>,
    Form(f): Form<StageForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Recruitment, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let urn =
        Urn::parse(&urn).map_err(|_| WebError::NotFound(format!("There is no school {urn} in this programme.")))?;
    let (stage_field, reason_field) = (format!("stage-{urn}"), format!("reason-{urn}"));
    // A mistake comes back on the school's row of the board, with what was chosen and typed.
    let again = |e: Option<&StageError>, message: String| {
        let mut form = FormState::new();
        form.keep(&stage_field, &f.stage).keep(&reason_field, &f.reason);
        let field = if matches!(e, Some(StageError::ReasonMissing)) { &reason_field } else { &stage_field };
        form.problem(field, message);
        form
    };
    let to = match Stage::parse(&f.stage) {
        _ if f.stage.trim().is_empty() => {
            let form = again(None, "Choose the stage to move the school to".into());
            return board_page(&state, &viewer, id, &params, form).await;
        }
        Ok(to) => to,
        Err(e) => return board_page(&state, &viewer, id, &params, again(Some(&e), capitalise(&e.to_string()))).await,
    };
    let reason = Some(f.reason.as_str()).filter(|r| !r.trim().is_empty());
    // Withdrawing, completing, or enrolling a school not known to be eligible is shown first.
    if matches!(to, Stage::Withdrawn | Stage::Completed | Stage::Enrolled) && f.confirmed != "yes" {
        let programme = find_programme(&state, id).await?;
        let StageMovePreview { enrolment, changes } =
            match aspire_app::recruitment::preview_stage_move(&state.db, id, urn, to, reason).await {
                Ok(p) => p,
                Err(StageMoveError::NotEnrolled(_)) => {
                    return Err(WebError::NotFound(format!("URN {urn} is not in programme {id}.")));
                }
                // A move the pipeline refuses is said at once, not after a confirmation.
                Err(StageMoveError::Stage(e)) => {
                    let form = again(Some(&e), capitalise(&e.to_string()));
                    return board_page(&state, &viewer, id, &params, form).await;
                }
                Err(StageMoveError::Save(e)) => return Err(bad(e)),
                Err(StageMoveError::Store(e)) => return Err(e.into()),
            };
        if aspire_app::recruitment::needs_confirmation(&enrolment, to) {
            let name = enrolment.school_name.clone().unwrap_or_else(|| format!("URN {urn}"));
            let (title, button, heading, warning) = match to {
                Stage::Withdrawn => {
                    (format!("Withdraw {name}?"), "Yes, withdraw the school", "What will change", false)
                }
                Stage::Completed => (
                    format!("Mark {name} as completed?"),
                    "Yes, it has completed the programme",
                    "What will change",
                    false,
                ),
                _ => {
                    let why = match enrolment.eligibility {
                        Some(Outcome::NotEligible) => "which is not eligible",
                        Some(Outcome::CannotTell) => "whose eligibility cannot be told",
                        _ => "whose eligibility has not been checked",
                    };
                    (format!("Enrol {name}, {why}?"), "Yes, enrol it all the same", "Before you enrol it", true)
                }
            };
            return Ok(page(ConfirmStagePage {
                title,
                heading,
                warning,
                button: button.to_owned(),
                programme,
                enrolment,
                to,
                reason: f.reason.clone(),
                changes,
                query: params.query_string(),
                csrf: viewer.csrf.clone(),
            })?
            .into_response());
        }
    }
    match aspire_app::recruitment::move_stage(&state.db, &viewer.actor(), id, urn, to, reason).await {
        Ok(()) => {}
        Err(StageMoveError::Stage(e)) => {
            return board_page(&state, &viewer, id, &params, again(Some(&e), capitalise(&e.to_string()))).await;
        }
        Err(StageMoveError::NotEnrolled(u)) => return Err(bad(aspire_store::ProgrammeError::NotEnrolled(u))),
        Err(StageMoveError::Save(e)) => return Err(bad(e)),
        Err(StageMoveError::Store(e)) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{}{}#school-{urn}", urls::recruitment(id), params.query_string())).into_response())
}
