//! The audit log (search and CSV export) and the outbox of messages waiting to be sent.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use aspire_core::access::{Action, Place, Record};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::text::capitalise;
use aspire_store::{AuditEntry, AuditQuery, Message};

use crate::auth::Viewer;
use crate::routes::{defuse, page, url_with};
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    q: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditParams {
    fn query(&self, limit: usize) -> Result<AuditQuery, WebError> {
        let date = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map(Some).map_err(|_| {
                    WebError::BadRequest(format!("The {field} date '{v}' is not a date: use YYYY-MM-DD."))
                }),
            }
        };
        // Only actions the log can hold are offered; any other is a mistyped address.
        let action = match self.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => Some(
                a.parse::<AuditAction>()
                    .map_err(|e| WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))))?,
            ),
        };
        Ok(AuditQuery {
            text: self.q.clone(),
            action,
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            limit: Some(limit),
        })
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    entries: Vec<AuditEntry>,
    actions: Vec<String>,
    q: String,
    action: String,
    from: String,
    to: String,
    csv_url: String,
    limit: usize,
}

const PAGE_LIMIT: usize = 200;

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<AuditParams>,
) -> Result<Html<String>, WebError> {
    let p = &viewer.signed_in()?.principal;
    let entries = state.db.audit_log(&p.visible(Action::View, Record::Audit), &params.query(PAGE_LIMIT)?).await?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    page(AuditPage {
        entries,
        actions: state.db.audit_actions().await?.iter().map(ToString::to_string).collect(),
        csv_url: url_with(
            "/audit.csv",
            &[("q", s(&params.q)), ("action", s(&params.action)), ("from", s(&params.from)), ("to", s(&params.to))],
        ),
        q: s(&params.q),
        action: s(&params.action),
        from: s(&params.from),
        to: s(&params.to),
        limit: PAGE_LIMIT,
    })
}

pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<AuditParams>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    let entries = state.db.audit_log(&p.visible(Action::View, Record::Audit), &params.query(100_000)?).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| WebError::BadRequest(format!("The export could not be written: {e}"));
    w.write_record([
        "id",
        "at_utc",
        "actor",
        "action",
        "record",
        "record_id",
        "programme_id",
        "urn",
        "before",
        "after",
        "client",
    ])
    .map_err(io)?;
    for e in entries {
        w.write_record([
            e.id.to_string(),
            e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            defuse(&e.actor),
            e.action.to_string(),
            e.record.to_string(),
            defuse(&e.record_id.unwrap_or_default()),
            e.programme.map(|p| p.to_string()).unwrap_or_default(),
            e.urn.map(|u| u.to_string()).unwrap_or_default(),
            defuse(&e.before.unwrap_or_default()),
            defuse(&e.after.unwrap_or_default()),
            defuse(&e.client.unwrap_or_default()),
        ])
        .map_err(io)?;
    }
    let body = w.into_inner().map_err(|e| WebError::BadRequest(format!("The export could not be written: {e}")))?;
    state.db.audit_event(&viewer.actor(), AuditAction::ExportAuditCsv, AuditRecord::AuditLog, None, None, None).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"aspire-audit-log.csv\""),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    messages: Vec<Message>,
}

/// Messages waiting to be sent, with their links: without a mail server, an administrator
/// passes invitations on by hand from here.
pub async fn outbox(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    viewer.require(Action::View, Record::Outbox, &Place::NOWHERE)?;
    page(OutboxPage { messages: state.db.outbox(200).await? })
}
