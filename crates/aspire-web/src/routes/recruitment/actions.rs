//! The board's actions besides moves: checking the eligibility of the schools without a
//! decision.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use aspire_app::board::CheckError;
use aspire_core::access::{Action, Place, Record};
use aspire_core::people::ProgrammeId;

use super::BoardParams;
use crate::auth::Viewer;
use crate::extract::Path;
use crate::routes::programmes::{bad, find_programme};
use crate::urls;
use crate::{AppState, WebError};

/// Decides every school of the programme that has no decision yet, then back to the board.
pub async fn check_eligibility(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(params): Query<BoardParams>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Recruitment, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let today = chrono::Local::now().date_naive();
    match aspire_app::board::check_undecided(&state.db, &viewer.actor(), id, today).await {
        Ok(_) => {}
        Err(e @ (CheckError::NoRuleSet(_) | CheckError::NoProgramme(_))) => {
            return Err(WebError::BadRequest(aspire_core::text::capitalise(&format!("{e}."))));
        }
        Err(CheckError::Save(e)) => return Err(bad(e)),
        Err(CheckError::Store(e)) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{}{}", urls::recruitment(id), params.query_string())).into_response())
}
