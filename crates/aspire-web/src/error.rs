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
    /// Signed in, but the policy says no (the reason is shown).
    #[error("{0}")]
    Forbidden(String),
    /// A form that did not come from this site's own page, or whose page has expired.
    #[error("this form was not sent from this site's own page, or the page has expired")]
    StaleForm,
    /// Not signed in: go to the sign-in page and come back to this path.
    #[error("sign in to see {0}")]
    SignIn(String),
    /// Too many requests from this client: wait this many seconds.
    #[error("{1}")]
    TooMany(u64, String),
    #[error(transparent)]
    Store(#[from] aspire_store::StoreError),
    #[error("page rendering failed: {0}")]
    Render(#[from] askama::Error),
    /// A failure of ours, not the request's (logged with a reference).
    #[error("{0}")]
    Internal(String),
    /// A form or upload larger than the route accepts (its limit in bytes).
    #[error("the request is larger than {0} bytes")]
    TooLarge(usize),
    /// A body that did not arrive in full in the time allowed.
    #[error("the request took too long to arrive")]
    TooSlow,
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
            WebError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                "You do not have access to this",
                format!(
                    "You cannot do this: {}. If you think you should, ask whoever gave you your role: your programme team, or the administrator of this service.",
                    m.trim_end_matches('.')
                ),
                None,
            ),
            WebError::StaleForm => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "This form was not sent from this site's own page, or the page has expired. Go back, reload the page and send the form again."
                    .to_owned(),
                None,
            ),
            WebError::SignIn(path) => return crate::auth::sign_in_redirect(path),
            WebError::TooLarge(limit) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                format!(
                    "What you sent is larger than this page accepts ({}). Go back and choose a smaller file, or split the file into parts and send each one.",
                    size(*limit)
                ),
                None,
            ),
            WebError::TooSlow => (
                StatusCode::REQUEST_TIMEOUT,
                "Too slow",
                "What you sent took too long to arrive. Check your connection, then go back and send it again."
                    .to_owned(),
                None,
            ),
            WebError::TooMany(secs, m) => {
                let page = ErrorPage { title: "Too many requests", message: m.clone(), reference: None };
                let body = page.render().unwrap_or_else(|_| m.clone());
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(axum::http::header::RETRY_AFTER, secs.to_string())],
                    Html(body),
                )
                    .into_response();
            }
            WebError::Store(_) | WebError::Render(_) | WebError::Internal(_) => {
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

/// A number of bytes for people: "64 KB", "5 MB".
pub(crate) fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// A reference to find a failure in the log: time-based, unique enough for that purpose.
fn rand_reference() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}
