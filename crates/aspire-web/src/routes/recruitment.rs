//! Recruitment: the programme team's board (counts by stage and area, every school with its
//! eligibility and stage, moves) and its CSV.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::recruitment::{StageMoveError, StageMovePreview};
use aspire_core::access::{Action, Place, Record};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{Stage, StageError};
use aspire_core::urn::Urn;
use aspire_store::{Enquiry, Enrolment, Programme, StageCount};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::programmes::{bad, find_programme};
use crate::routes::{defuse, page};
use crate::urls;
use crate::{AppState, WebError};
use aspire_core::text::capitalise;

/// One row of the board's table.
struct BoardRow {
    e: Enrolment,
    /// Stages the school may move to, as the select offers them (value, text).
    next: Vec<(&'static str, &'static str)>,
    contact: Option<String>,
    /// The ids of the row's stage and reason fields, which the error summary links to.
    stage_field: String,
    reason_field: String,
}

#[derive(Template)]
#[template(path = "recruitment.html")]
struct Board {
    programme: Programme,
    stages: Vec<&'static str>,
    /// Each local authority's count per stage (in `stages` order), then the totals.
    by_area: Vec<AreaCounts>,
    totals: Vec<usize>,
    rows: Vec<BoardRow>,
    enquiries: Vec<Enquiry>,
    can_change: bool,
    /// A stage move sent with a mistake: its problem and what was typed, on its row.
    form: FormState,
    csrf: String,
}

/// A local authority's schools at each stage, in `Stage::ALL` order.
struct AreaCounts {
    area: String,
    counts: Vec<usize>,
}

fn table(counts: &[StageCount]) -> (Vec<AreaCounts>, Vec<usize>) {
    let mut by_area: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut totals = vec![0; Stage::ALL.len()];
    for c in counts {
        let Some(i) = Stage::ALL.iter().position(|s| *s == c.stage) else { continue };
        let area = c.la_name.clone().unwrap_or_else(|| "Local authority not known".into());
        by_area.entry(area).or_insert_with(|| vec![0; Stage::ALL.len()])[i] += c.schools;
        totals[i] += c.schools;
    }
    (by_area.into_iter().map(|(area, counts)| AreaCounts { area, counts }).collect(), totals)
}

pub async fn board(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
) -> Result<Response, WebError> {
    board_page(&state, &viewer, id, FormState::new()).await
}

/// The board, with a stage move's problems on its row when `form` has any (then answered 400).
async fn board_page(state: &AppState, viewer: &Viewer, id: ProgrammeId, form: FormState) -> Result<Response, WebError> {
    let here = Place::programme(id);
    let p = viewer.require(Action::View, Record::Recruitment, &here)?;
    let programme = find_programme(state, id).await?;
    let all = p.visible(Action::View, Record::Recruitment);
    let (by_area, totals) = table(&state.db.recruitment_counts(id, &all).await?);
    let enquiries = state.db.enquiries(id, &all).await?;
    let mut latest: HashMap<Urn, String> = HashMap::new();
    for q in enquiries.iter().rev() {
        latest.insert(q.urn, format!("{} ({}), {}", q.contact_name, q.contact_role, q.contact_email));
    }
    let rows = state
        .db
        .enrolments(id, &all)
        .await?
        .into_iter()
        .map(|e| {
            let next = std::iter::once(("", "Choose a stage"))
                .chain(e.status.next().iter().map(|s| (s.code(), s.code())))
                .collect();
            let contact = latest.get(&e.urn).cloned();
            let (stage_field, reason_field) = (format!("stage-{}", e.urn), format!("reason-{}", e.urn));
            BoardRow { e, next, contact, stage_field, reason_field }
        })
        .collect();
    let status = if form.has_errors() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let body = page(Board {
        programme,
        stages: Stage::ALL.iter().map(|s| s.code()).collect(),
        by_area,
        totals,
        rows,
        enquiries,
        can_change: p.may(Action::Change, Record::Recruitment, &here),
        form,
        csrf: viewer.csrf.clone(),
    })?;
    Ok((status, body).into_response())
}

/// Every school in the programme with its stage, eligibility and latest enquiry contact.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
) -> Result<Response, WebError> {
    let p = viewer.require(Action::View, Record::Recruitment, &Place::programme(id))?;
    let programme = find_programme(&state, id).await?;
    let all = p.visible(Action::View, Record::Recruitment);
    let enquiries = state.db.enquiries(id, &all).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "urn",
        "school",
        "la",
        "stage",
        "stage_changed",
        "withdrawn_reason",
        "eligibility",
        "eligibility_basis",
        "eligibility_reasons",
        "network",
        "contact_name",
        "contact_role",
        "contact_email",
        "enquiries",
    ];
    let write_err = |e: csv::Error| WebError::Internal(format!("writing the recruitment CSV: {e}"));
    w.write_record(header).map_err(write_err)?;
    for e in state.db.enrolments(id, &all).await? {
        let latest = enquiries.iter().find(|q| q.urn == e.urn);
        let n = enquiries.iter().filter(|q| q.urn == e.urn).count();
        w.write_record([
            e.urn.to_string(),
            defuse(e.school_name.as_deref().unwrap_or("")),
            defuse(e.la_name.as_deref().unwrap_or("")),
            e.status.code().to_owned(),
            e.stage_changed_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            defuse(e.withdrawn_reason.as_deref().unwrap_or("")),
            e.eligibility.map(|o| o.code().to_owned()).unwrap_or_default(),
            e.eligibility_basis.clone().unwrap_or_default(),
            defuse(&e.eligibility_reasons.join(" | ")),
            defuse(e.network_name.as_deref().unwrap_or("")),
            defuse(latest.map_or("", |q| q.contact_name.as_str())),
            defuse(latest.map_or("", |q| q.contact_role.as_str())),
            defuse(latest.map_or("", |q| q.contact_email.as_str())),
            n.to_string(),
        ])
        .map_err(write_err)?;
    }
    let body = w.into_inner().map_err(|e| WebError::Internal(format!("writing the recruitment CSV: {e}")))?;
    // It holds contacts' names and email addresses: who took them away is recorded.
    state
        .db
        .audit_event(
            &viewer.actor(),
            AuditAction::ExportRecruitmentCsv,
            AuditRecord::Programme,
            Some(id.to_string()),
            Some(id),
            None,
        )
        .await?;
    let file = format!("recruitment-{}.csv", programme.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct StageForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    reason: String,
    /// "yes" once the person has seen what a withdrawal or completion changes.
    #[serde(default)]
    confirmed: String,
}

#[derive(Template)]
#[template(path = "confirm_stage.html")]
struct ConfirmStagePage {
    title: String,
    button: String,
    programme: aspire_store::Programme,
    enrolment: aspire_store::Enrolment,
    to: Stage,
    reason: String,
    changes: Vec<String>,
    csrf: String,
}

pub async fn move_stage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(f): Form<StageForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Recruitment, &Place::programme(id))?;
    find_programme(&state, id).await?;
    let urn =
        Urn::parse(&urn).map_err(|_| WebError::NotFound(format!("There is no school {urn} in this programme.")))?;
    let (stage_field, reason_field) = (format!("stage-{urn}"), format!("reason-{urn}"));
    // A mistake comes back on the school's row of the board, with what was chosen and typed.
    let again = |e: Option<&StageError>, message: String| {
        let mut form = FormState::new();
        form.keep(&stage_field, &f.stage).keep(&reason_field, &f.reason);
        let field = if matches!(e, Some(StageError::ReasonMissing)) { &reason_field } else { &stage_field };
        form.problem(field, message);
        form
    };
    let to = match Stage::parse(&f.stage) {
        _ if f.stage.trim().is_empty() => {
            return board_page(&state, &viewer, id, again(None, "Choose the stage to move the school to".into())).await;
        }
        Ok(to) => to,
        Err(e) => return board_page(&state, &viewer, id, again(Some(&e), capitalise(&e.to_string()))).await,
    };
    let reason = Some(f.reason.as_str()).filter(|r| !r.trim().is_empty());
    // Withdrawing or completing a school says what it changes before it is done.
    if matches!(to, Stage::Withdrawn | Stage::Completed) && f.confirmed != "yes" {
        let programme = find_programme(&state, id).await?;
        let StageMovePreview { enrolment, changes } =
            match aspire_app::recruitment::preview_stage_move(&state.db, id, urn, to, reason).await {
                Ok(p) => p,
                Err(StageMoveError::NotEnrolled(_)) => {
                    return Err(WebError::NotFound(format!("URN {urn} is not in programme {id}.")));
                }
                // A move the pipeline refuses is said at once, not after a confirmation.
                Err(StageMoveError::Stage(e)) => {
                    return board_page(&state, &viewer, id, again(Some(&e), capitalise(&e.to_string()))).await;
                }
                Err(StageMoveError::Save(e)) => return Err(bad(e)),
                Err(StageMoveError::Store(e)) => return Err(e.into()),
            };
        let name = enrolment.school_name.clone().unwrap_or_else(|| format!("URN {urn}"));
        let (title, button) = match to {
            Stage::Withdrawn => (format!("Withdraw {name}?"), "Yes, withdraw the school".to_owned()),
            _ => (format!("Mark {name} as completed?"), "Yes, it has completed the programme".to_owned()),
        };
        return Ok(page(ConfirmStagePage {
            title,
            button,
            programme,
            enrolment,
            to,
            reason: f.reason.clone(),
            changes,
            csrf: viewer.csrf.clone(),
        })?
        .into_response());
    }
    match aspire_app::recruitment::move_stage(&state.db, &viewer.actor(), id, urn, to, reason).await {
        Ok(()) => {}
        Err(StageMoveError::Stage(e)) => {
            return board_page(&state, &viewer, id, again(Some(&e), capitalise(&e.to_string()))).await;
        }
        Err(StageMoveError::NotEnrolled(u)) => return Err(bad(aspire_store::ProgrammeError::NotEnrolled(u))),
        Err(StageMoveError::Save(e)) => return Err(bad(e)),
        Err(StageMoveError::Store(e)) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{}#school-{urn}", urls::recruitment(id))).into_response())
}
