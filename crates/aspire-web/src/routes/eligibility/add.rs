//! "Add to a programme" on the programme team's eligible list: the schools ticked, added to a
//! programme the person may add schools to, at the stage chosen, through the same use case as
//! the programme page's "Add schools"; every bad choice is named on the list, with the ticks kept.

use std::collections::{BTreeSet, HashMap};

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use aspire_app::recruitment::{EnrolError, EnrolField, EnrolRequest};
use aspire_core::access::{Action, Place, Record};
use aspire_core::people::ProgrammeId;

use crate::auth::Viewer;
use crate::forms::FormState;
use crate::urls;
use crate::{AppState, WebError};

/// The programmes the viewer may add schools to (id, name), by name.
pub(super) async fn programmes_to_add_to(state: &AppState, viewer: &Viewer) -> Result<Vec<(String, String)>, WebError> {
    let Some(p) = viewer.principal() else { return Ok(Vec::new()) };
    let mut list: Vec<(String, String)> = state
        .db
        .programmes(&p.visible(Action::View, Record::Programme), &p.visible(Action::View, Record::Enrolment))
        .await?
        .into_iter()
        .filter(|g| p.may(Action::Change, Record::Enrolment, &Place::programme(g.id)))
        .map(|g| (g.id.to_string(), g.name))
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(list)
}

/// The list's filters, carried by the form so that a mistake shows the same list again.
const LIST_FIELDS: [&str; 7] = ["rules", "as_of", "decision", "area", "la", "grade", "page"];

pub async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.as_str());
    let params: HashMap<String, String> = LIST_FIELDS
        .iter()
        .filter_map(|k| fields.iter().find(|(n, _)| n == k).map(|(_, v)| ((*k).to_owned(), v.clone())))
        .collect();
    let urns: Vec<String> = fields.iter().filter(|(n, _)| n == "urns").map(|(_, v)| v.trim().to_owned()).collect();
    let ticked: BTreeSet<String> = urns.iter().cloned().collect();
    let (programme_text, stage) = (get("programme").trim().to_owned(), get("stage").to_owned());
    let mut form = FormState::new();
    form.keep("add-programme", &programme_text).keep("add-stage", &stage);

    let allowed = programmes_to_add_to(&state, &viewer).await?;
    // Who reads the list without adding schools anywhere is told so, not asked to choose.
    if allowed.is_empty() {
        return Err(WebError::Forbidden("Your roles do not let you add schools to any programme.".into()));
    }
    let programme: Option<ProgrammeId> = if programme_text.is_empty() {
        form.problem("add-programme", "Choose the programme to add the schools to");
        None
    } else {
        // A programme out of reach is answered like one that does not exist.
        match programme_text.parse::<ProgrammeId>().ok().filter(|_| allowed.iter().any(|(id, _)| *id == programme_text))
        {
            Some(id) => Some(id),
            None => {
                form.problem("add-programme", "Choose a programme from the list: you can add schools only to those");
                None
            }
        }
    };
    if urns.is_empty() {
        form.problem("add-urns", "Tick at least one school to add");
    }
    let Some(id) = programme.filter(|_| !form.has_errors()) else {
        if !matches!(stage.trim(), "" | "enquiry" | "applied" | "enrolled") {
            form.problem("add-stage", "Choose the stage the schools start at: enquiry, applied or enrolled");
        }
        form.order(&["add-urns", "add-programme", "add-stage"]);
        return super::programme::list_page(&state, &viewer, &params, form, &ticked).await;
    };
    viewer.require(Action::Change, Record::Enrolment, &Place::programme(id))?;
    let today = chrono::Local::now().date_naive();
    // Enrolling schools the programme's own rule set does not find eligible (the list may be
    // read under another) is shown first, as on the board.
    if matches!(stage.trim(), "" | "enrolled") && get("confirmed") != "yes" {
        let found = crate::routes::programmes::find_programme(&state, id).await?;
        let parsed: Vec<aspire_core::urn::Urn> =
            urns.iter().filter_map(|u| aspire_core::urn::Urn::parse(u).ok()).collect();
        let checks = aspire_app::recruitment::not_found_eligible(&state.db, &found, &parsed, today).await?;
        let names = state.db.school_names(&parsed).await?;
        let doubtful: Vec<(String, String)> = checks
            .iter()
            .map(|(u, c)| {
                let name = names.get(u).cloned().unwrap_or_else(|| format!("URN {u}"));
                let why = match c.outcome {
                    aspire_core::eligibility::Outcome::NotEligible => "not eligible",
                    _ => "eligibility cannot be told",
                };
                (format!("{name} ({u})"), format!("{why} under {}", c.basis))
            })
            .collect();
        if !doubtful.is_empty() {
            let carried: Vec<(String, String)> =
                fields.iter().filter(|(k, _)| k != "csrf" && k != "confirmed").cloned().collect();
            return Ok(crate::routes::page(ConfirmAdd {
                programme: found,
                doubtful,
                count: urns.len(),
                carried,
                back: crate::routes::url_with(
                    &urls::eligibility_list(),
                    &params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect::<Vec<_>>(),
                ),
                csrf: viewer.csrf.clone(),
            })?
            .into_response());
        }
    }
    let req = EnrolRequest { urns, stage };
    match aspire_app::recruitment::enrol(&state.db, &viewer.actor(), id, &req, today).await {
        Ok(_) => Ok(Redirect::to(&urls::recruitment(id)).into_response()),
        Err(EnrolError::Invalid(problems)) => {
            for p in problems {
                let field = if p.field == EnrolField::Stage { "add-stage" } else { "add-urns" };
                form.problem(field, aspire_core::text::capitalise(&p.message));
            }
            form.order(&["add-urns", "add-programme", "add-stage"]);
            super::programme::list_page(&state, &viewer, &params, form, &ticked).await
        }
        Err(EnrolError::NoProgramme(_)) => Err(WebError::NotFound(format!("There is no programme {id}."))),
        Err(EnrolError::Save(e)) => Err(crate::routes::programmes::bad(e)),
        Err(EnrolError::Store(e)) => Err(e.into()),
    }
}

/// Asks before enrolling schools the programme's rule set does not find eligible.
#[derive(askama::Template)]
#[template(path = "confirm_add.html")]
struct ConfirmAdd {
    programme: aspire_store::Programme,
    /// Each school in doubt ("Name (URN)") and why ("not eligible under tlif-2017 version 1, ...").
    doubtful: Vec<(String, String)>,
    /// How many schools are ticked.
    count: usize,
    /// The form as sent, carried through the confirmation unchanged.
    carried: Vec<(String, String)>,
    /// The list as it was, to go back to.
    back: String,
    csrf: String,
}
