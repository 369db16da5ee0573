//! Web errors: not found is 404, bad input 400 with a message a person can act on, anything
//! unexpected 500 with a reference while the cause goes to the log once.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] aspire_store::StoreError),
    #[error("page rendering failed: {0}")]
    Render(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
    reference: Option<String>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message, reference) = match &self {
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, "Page not found", m.clone(), None),
            WebError::BadRequest(m) => {
                (StatusCode::BAD_REQUEST, "There is a problem with the request", m.clone(), None)
            }
            WebError::Store(_) | WebError::Render(_) => {
                let reference = format!("{:016x}", rand_reference());
                tracing::error!(error.reference = %reference, error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, something went wrong",
                    "The page could not be produced. Try again later; if it keeps happening, give this reference to whoever runs this service.".to_owned(),
                    Some(reference),
                )
            }
        };
        let page = ErrorPage { title, message, reference };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title.to_owned()).into_response(),
        }
    }
}

/// A reference to find a failure in the log: time-based, unique enough for that purpose.
fn rand_reference() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}
