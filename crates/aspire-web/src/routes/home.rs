//! The start page: what the service holds and where to begin.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use crate::filters;
use crate::routes::page;
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    schools: String,
    inspections: String,
    ks2_results: String,
    links: String,
    imports: u64,
}

pub async fn show(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    let c = state.db.counts().await?;
    page(Home {
        schools: filters::thousands(c.schools),
        inspections: filters::thousands(c.inspections),
        ks2_results: filters::thousands(c.ks2_results),
        links: filters::thousands(c.links),
        imports: c.imports,
    })
}
