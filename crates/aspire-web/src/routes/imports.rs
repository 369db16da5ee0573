//! Provenance: every file imported, with its checksum and what it changed.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use aspire_store::ImportRecord;

use crate::routes::page;
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "imports.html")]
struct Imports {
    imports: Vec<ImportRecord>,
}

pub async fn list(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    page(Imports { imports: state.db.imports(500).await? })
}
