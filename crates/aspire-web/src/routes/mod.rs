//! Routes, one module per resource, one file per action.

pub(crate) mod eligibility;
pub(crate) mod evaluation;
mod home;
mod imports;
mod schools;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/schools", get(schools::list::show))
        .route("/schools.csv", get(schools::export::csv))
        .route("/schools/{urn}", get(schools::show::show))
        .route("/imports", get(imports::list))
        .route("/eligibility", get(eligibility::checker::search))
        .route("/eligibility/{urn}", get(eligibility::checker::answer))
        .route("/programme/eligibility", get(eligibility::programme::show))
        .route("/programme/eligibility.csv", get(eligibility::programme::csv))
        .route("/programme/eligibility.xlsx", get(eligibility::programme::xlsx))
        .route("/evaluation", get(evaluation::report::list))
        .route("/evaluation/{id}", get(evaluation::report::show))
        .route("/evaluation/{id}/report.csv", get(evaluation::report::csv))
        .route("/evaluation/{id}/report.xlsx", get(evaluation::report::xlsx))
        .route("/evaluation/{id}/report.json", get(evaluation::report::json))
        .route("/healthz", get(|| async { "ok" }))
        .route("/static/style.css", get(style))
        .fallback(not_found)
}

/// Renders a template into an HTML response.
pub(crate) fn page(t: impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(t.render()?))
}

async fn style() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/style.css"),
    )
}

async fn not_found() -> WebError {
    WebError::NotFound(
        "There is no page at this address. Check the address, or start from the school directory.".into(),
    )
}

/// Builds `path?query` from (name, value) pairs, leaving out empty values.
pub(crate) fn url_with(path: &str, params: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())).collect();
    if kept.is_empty() {
        return path.to_owned();
    }
    match serde_urlencoded::to_string(&kept) {
        Ok(q) => format!("{path}?{q}"),
        Err(_) => path.to_owned(),
    }
}
