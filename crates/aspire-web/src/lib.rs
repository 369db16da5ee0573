//! The Aspire web application: server-rendered pages (askama templates, escaped by default)
//! over the store. Pages work without JavaScript.
//!
//! [`router`] builds the application for tests (`tower::ServiceExt::oneshot`) and
//! [`serve`] runs it on a listener the caller bound (port 0 in tests).

mod error;
mod filters;
mod routes;

use std::future::Future;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use aspire_store::Db;

pub use error::WebError;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    /// The last full eligibility run, reused while the data, rules and date are the same.
    pub eligibility_cache: routes::eligibility::Cache,
    /// The last evaluation report, reused for its downloads.
    pub evaluation_cache: routes::evaluation::Cache,
}

/// The application with its security headers.
pub fn router(db: Db) -> Router {
    let headers: [(HeaderName, &'static str); 6] = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "geolocation=(), camera=(), microphone=()"),
    ];
    let mut app = routes::routes().with_state(AppState {
        db,
        eligibility_cache: Default::default(),
        evaluation_cache: Default::default(),
    });
    for (name, value) in headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    // One log line per request (method, path, status, latency) at info level.
    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(db)).with_graceful_shutdown(shutdown).await
}
