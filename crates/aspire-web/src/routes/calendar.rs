//! Calendar feeds: `/calendar/{token}.ics`, read by calendar programs without signing in. The
//! token is the only key (unguessable, revocable by its owner); an unknown or revoked one is
//! the same 404 as any missing page, so addresses cannot be tested for.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::{AppState, WebError};

pub async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, WebError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let missing = || WebError::NotFound("There is no calendar at this address: it may have been revoked.".into());
    // A token is 64 hex digits; anything else opens nothing and costs no query.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let ics = aspire_app::programme_year::feed(&state.db, token, chrono::Utc::now())
        .await
        .map_err(|e| WebError::Internal(format!("making a calendar feed: {e}")))?
        .ok_or_else(missing)?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")], ics)
        .into_response())
}
