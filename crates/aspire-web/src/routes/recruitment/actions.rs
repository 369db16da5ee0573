//! The board's actions besides moves: checking the eligibility of the schools without a
//! decision, and marking an enquiry handled with a reply to its sender.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use aspire_app::board::{CheckError, HandleEnquiryError};
use aspire_core::access::{Action, Place, Record};
use aspire_core::people::ProgrammeId;

use super::{BoardParams, board_page};
use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
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

#[derive(Debug, serde::Deserialize)]
pub struct HandledForm {
    #[serde(default)]
    reply: String,
}

/// Marks an enquiry handled, sending the reply typed (if any); a mistake comes back on the
/// enquiry's row with the reply kept.
pub async fn enquiry_handled(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, enquiry)): Path<(ProgrammeId, String)>,
    Query(params): Query<BoardParams>,
    Form(f): Form<HandledForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Recruitment, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let missing = || WebError::NotFound(format!("There is no enquiry {enquiry} in this programme."));
    let number: i64 = enquiry.parse().map_err(|_| missing())?;
    let field = format!("reply-{number}");
    match aspire_app::board::handle_enquiry(&state.db, &viewer.actor(), id, number, &f.reply).await {
        Ok(_) => {}
        Err(HandleEnquiryError::NoEnquiry(_) | HandleEnquiryError::NoProgramme(_)) => return Err(missing()),
        Err(
            e @ (HandleEnquiryError::ReplyTooLong(_)
            | HandleEnquiryError::Handled(_)
            | HandleEnquiryError::DetailsRemoved),
        ) => {
            let mut form = FormState::new();
            form.keep(&field, &f.reply);
            form.problem(&field, aspire_core::text::capitalise(&e.to_string()));
            return board_page(&state, &viewer, id, &params, form).await;
        }
        Err(HandleEnquiryError::Store(e)) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{}{}#enquiry-{number}", urls::recruitment(id), params.query_string())).into_response())
}
