//! The audit log (search and CSV export) and the outbox of messages waiting to be sent.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use aspire_core::access::{Action, Place, Record};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::text::capitalise;
use aspire_store::{AuditEntry, AuditQuery, Message};

use crate::auth::Viewer;
use crate::forms::FormState;
use crate::routes::{defuse, page, url_with};
use crate::urls;
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    q: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditParams {
    /// The search, or the form again with every problem in it.
    fn query(&self, limit: usize) -> Result<AuditQuery, FormState> {
        let mut form = self.form();
        let mut date = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map(Some).unwrap_or_else(|_| {
                form.problem(field, format!("'{v}' is not a date: write it as YYYY-MM-DD, for example 2018-09-01"));
                None
            }),
        };
        let (from, to) = (date("from", &self.from), date("to", &self.to));
        // Only actions the log can hold are offered; any other is a mistyped address.
        let action = match self.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => a.parse::<AuditAction>().map_or_else(
                |e| {
                    form.problem("action", capitalise(&e.to_string()));
                    None
                },
                Some,
            ),
        };
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            form.problem("from", "The search starts after it ends: give a From date before the To date");
        }
        if form.has_errors() {
            return Err(form);
        }
        Ok(AuditQuery { text: self.q.clone(), action, from, to, limit: Some(limit) })
    }

    /// The search form as sent.
    fn form(&self) -> FormState {
        let mut form = FormState::new();
        for (k, v) in [("q", &self.q), ("action", &self.action), ("from", &self.from), ("to", &self.to)] {
            form.keep(k, v.as_deref().unwrap_or_default());
        }
        form
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    entries: Vec<AuditEntry>,
    /// The actions to search by (value, text), "Any" first.
    actions: Vec<(String, String)>,
    form: FormState,
    csv_url: String,
    limit: usize,
}

const PAGE_LIMIT: usize = 200;

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<AuditParams>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    let (entries, form, status) = match params.query(PAGE_LIMIT) {
        Ok(q) => {
            (state.db.audit_log(&p.visible(Action::View, Record::Audit), &q).await?, params.form(), StatusCode::OK)
        }
        Err(form) => (Vec::new(), form, StatusCode::BAD_REQUEST),
    };
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let actions = std::iter::once((String::new(), "Any".to_owned()))
        .chain(state.db.audit_actions().await?.iter().map(|a| (a.to_string(), a.to_string())))
        .collect();
    let body = page(AuditPage {
        entries,
        actions,
        csv_url: url_with(
            urls::route::AUDIT_CSV,
            &[("q", s(&params.q)), ("action", s(&params.action)), ("from", s(&params.from)), ("to", s(&params.to))],
        ),
        form,
        limit: PAGE_LIMIT,
    })?;
    Ok((status, body).into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<AuditParams>,
) -> Result<Response, WebError> {
    let p = &viewer.signed_in()?.principal;
    // A download is a link, not a form: its mistakes are said on an error page.
    let query = params.query(100_000).map_err(|form| {
        let problems: Vec<&str> = form.errors().iter().map(|e| e.message.as_str()).collect();
        WebError::BadRequest(format!("{}.", problems.join(". ")))
    })?;
    let entries = state.db.audit_log(&p.visible(Action::View, Record::Audit), &query).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| WebError::Internal(format!("writing the audit log CSV: {e}"));
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
    let body = w.into_inner().map_err(|e| WebError::Internal(format!("writing the audit log CSV: {e}")))?;
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
    /// The address the service is reached at, for the links in messages.
    site: String,
    /// The command that prints a sign-in link for someone, for this server's database.
    link_command: String,
    /// Every email (an administrator), or those to the people the reader sees.
    everything: bool,
}

/// Messages waiting to be sent, with their links: without a mail server, an administrator
/// passes invitations on by hand from here.
pub async fn outbox(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    let p = viewer.require(Action::View, Record::Outbox, &Place::NOWHERE)?;
    // A programme's team reads the emails to its people; administrators read every email.
    let everything = p.visible(Action::View, Record::Person).is_everything();
    let site = state.config.public_url.clone();
    let database =
        state.config.database_url_hint.as_deref().map(|u| format!(" --database-url {u}")).unwrap_or_default();
    page(OutboxPage {
        messages: state.db.outbox_for(&p.visible(Action::View, Record::Person), 200).await?,
        everything,
        link_command: format!("aspire{database} user link EMAIL --public-url {site}"),
        site,
    })
}
