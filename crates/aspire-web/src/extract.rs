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

/// An upload's body, as `axum::extract::Multipart`, but a request that is not a well-formed
/// upload (no boundary, another content type) is this site's error page, not axum's plain text.
pub struct Upload(pub axum::extract::Multipart);

impl<S> axum::extract::FromRequest<S> for Upload
where
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, WebError> {
        match axum::extract::Multipart::from_request(req, state).await {
            Ok(m) => Ok(Upload(m)),
            Err(_) => Err(WebError::BadRequest(
                "The form did not arrive as an upload: send it again from the page's form, choosing the file anew."
                    .into(),
            )),
        }
    }
}
