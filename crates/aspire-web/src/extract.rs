//! Extractors with this site's answers: a path whose id is malformed (`/programmes/new`,
//! `/join/abc`) is a page that does not exist, answered with the 404 page, not axum's plain-text
//! "Invalid URL".

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::WebError;

/// The path's parameters, as `axum::extract::Path`, but a malformed one is the 404 page.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(crate::auth::not_found()),
        }
    }
}
