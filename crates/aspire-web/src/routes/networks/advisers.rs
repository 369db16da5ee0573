//! The Achievement Advisers' form on the networks page: a row per adviser (email, networks
//! they can take, postcode district or school), every problem with every row shown at once
//! beside its field, what was typed kept.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use aspire_app::networks as app;
use aspire_core::access::{Action, Place, Record};
use aspire_core::people::ProgrammeId;
use aspire_store::Network;

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::programmes::{bad, find_programme};
use crate::urls;
use crate::{AppState, WebError};

/// Rows the form shows at first.
pub const ROWS: usize = 3;
/// The most rows a form may send.
pub const MAX_ROWS: usize = 30;

/// The ids (and names) of one row's fields.
pub struct RowIds {
    pub n: usize,
    pub email: String,
    pub capacity: String,
    pub home: String,
}

pub fn row_ids(rows: usize) -> Vec<RowIds> {
    (1..=rows.clamp(1, MAX_ROWS))
        .map(|n| RowIds {
            n,
            email: format!("email-{n}"),
            capacity: format!("capacity-{n}"),
            home: format!("home-{n}"),
        })
        .collect()
}

fn field_id(row: usize, field: app::AdviserField) -> String {
    match field {
        app::AdviserField::Email => format!("email-{row}"),
        app::AdviserField::Capacity => format!("capacity-{row}"),
        app::AdviserField::Home => format!("home-{row}"),
    }
}

/// Gives each network with members an Achievement Adviser: as many as the advisers can take
/// between them, at least total distance from their homes to the venues (an exact assignment).
pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    use aspire_core::people::{Grant, Role, Scope};
    let p = viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    find_programme(&state, id).await?;
    // Whether the viewer may give the role in every network is asked of the policy first.
    let nets: Vec<Network> = state
        .db
        .networks(id, &p.visible(Action::Change, Record::Network))
        .await?
        .into_iter()
        .filter(|n| n.schools > 0)
        .collect();
    for n in &nets {
        let g = Grant::new(Role::AchievementAdviser, Scope::Network { programme: id, network: n.id }, false)
            .map_err(|e| WebError::BadRequest(format!("{e}.")))?;
        if let aspire_core::access::Decision::Deny(why) = p.may_grant(&g, &Place::network(id, n.id)) {
            return Err(WebError::Forbidden(format!("You cannot give the Achievement Adviser role here: {why}.")));
        }
    }
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.as_str());
    // The rows sent: up to the last one with a field in the form.
    let sent = (1..=MAX_ROWS)
        .filter(|n| ["email", "capacity", "home"].iter().any(|f| fields.iter().any(|(k, _)| *k == format!("{f}-{n}"))))
        .max()
        .unwrap_or(0);
    let rows: Vec<app::AdviserRow> = (1..=sent)
        .map(|n| {
            app::AdviserRow::new(
                field(&format!("email-{n}")),
                field(&format!("capacity-{n}")),
                field(&format!("home-{n}")),
            )
        })
        .collect();
    // "Add a row" (and "back" from the confirmation): the rows come back as typed, with one
    // more row when asked, and nothing is assigned.
    if matches!(field("more"), "yes" | "back") {
        let mut form = FormState::new();
        for (n, r) in rows.iter().enumerate() {
            form.keep(&format!("email-{}", n + 1), &r.email);
            form.keep(&format!("capacity-{}", n + 1), &r.capacity);
            form.keep(&format!("home-{}", n + 1), &r.home);
        }
        let rows = if field("more") == "yes" { sent + 1 } else { sent };
        let body = super::show_with(&state, &viewer, id, form, rows.clamp(ROWS, MAX_ROWS), None).await?;
        return Ok(body.into_response());
    }
    let confirmed = field("confirmed") == "yes";
    match app::assign_advisers(&state.db, &viewer.actor(), id, &rows, confirmed).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "{}?advised={}&handed={}#advisers",
            urls::networks(id),
            done.pairs.len(),
            done.days_handed
        ))
        .into_response()),
        Err(app::AssignError::Problems(problems)) => {
            let mut form = FormState::new();
            for (n, r) in rows.iter().enumerate() {
                form.keep(&format!("email-{}", n + 1), &r.email);
                form.keep(&format!("capacity-{}", n + 1), &r.capacity);
                form.keep(&format!("home-{}", n + 1), &r.home);
            }
            for pr in problems {
                let at = pr.row.map_or_else(|| "advisers".to_owned(), |(row, f)| field_id(row, f));
                form.problem(&at, pr.message);
            }
            let body = super::show_with(&state, &viewer, id, form, (sent + 1).max(ROWS), None).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
        Err(app::AssignError::Unconfirmed(changes)) => {
            let programme = find_programme(&state, id).await?;
            let rows = rows.into_iter().enumerate().map(|(n, r)| (n + 1, r.email, r.capacity, r.home)).collect();
            Ok(crate::routes::page(ConfirmAdvisers { programme, changes, rows, csrf: viewer.csrf.clone() })?
                .into_response())
        }
        Err(app::AssignError::Save(e)) => Err(bad(e)),
        Err(app::AssignError::Plan(e)) => Err(WebError::BadRequest(e.to_string())),
        Err(app::AssignError::Store(e)) => Err(e.into()),
    }
}

/// Asks before giving advisers takes networks from the advisers they have.
#[derive(askama::Template)]
#[template(path = "confirm_advisers.html")]
struct ConfirmAdvisers {
    programme: aspire_store::Programme,
    changes: Vec<app::AdviserChange>,
    /// The rows as sent (row number, email, capacity, where), carried through unchanged.
    rows: Vec<(usize, String, String, String)>,
    csrf: String,
}
