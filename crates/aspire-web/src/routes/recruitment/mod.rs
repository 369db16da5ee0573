//! Recruitment: the programme team's board (counts by stage and area, the schools with their
//! eligibility and stage, filtered and sorted as the address says, moves) and its CSV, which
//! takes the same filters.

mod actions;
mod moves;

pub use actions::{check_eligibility, enquiry_handled};
pub use moves::move_stage;

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use axum::extract::Query;

use aspire_app::board::{BoardField, BoardFilter, BoardQuery, BoardSort, EligibilityFilter, NO_LA};
use aspire_core::access::{Action, Place, Record};
use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::Stage;
use aspire_core::urn::Urn;
use aspire_store::{Enquiry, Enrolment, Programme, StageCount};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::programmes::find_programme;
use crate::routes::{defuse, page};
use crate::{AppState, WebError};

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
    /// How many schools the programme has in all, whatever the filters.
    all_schools: usize,
    /// Schools without an eligibility decision (the "check eligibility" button's count).
    undecided: usize,
    filters: Filters,
    enquiries: Vec<Enquiry>,
    can_change: bool,
    /// A stage move sent with a mistake: its problem and what was typed, on its row.
    form: FormState,
    csrf: String,
}

/// An option of a filter's select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The board's filter form, and the query string that keeps them in links.
struct Filters {
    stage: Vec<Choice>,
    la: Vec<Choice>,
    eligibility: Vec<Choice>,
    sort: Vec<Choice>,
    narrows: bool,
    /// "?stage=enrolled&sort=la", or "" when nothing is chosen.
    query: String,
}

/// The board's filters as the address carries them.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct BoardParams {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    la: String,
    #[serde(default)]
    eligibility: String,
    #[serde(default)]
    sort: String,
}

impl BoardParams {
    fn query(&self) -> BoardQuery {
        BoardQuery {
            stage: self.stage.clone(),
            la: self.la.clone(),
            eligibility: self.eligibility.clone(),
            sort: self.sort.clone(),
        }
    }

    /// The query string that keeps these filters ("" when none), for links and forms.
    pub fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> =
            [("stage", &self.stage), ("la", &self.la), ("eligibility", &self.eligibility), ("sort", &self.sort)]
                .into_iter()
                .map(|(k, v)| (k, v.trim()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
        }
    }
}

fn field_id(f: BoardField) -> &'static str {
    match f {
        BoardField::Stage => "stage",
        BoardField::Eligibility => "eligibility",
        BoardField::Sort => "sort",
    }
}

/// The filters, and their problems on `form` (each a field of the filter form).
fn filters(params: &BoardParams, schools: &[Enrolment], form: &mut FormState) -> (BoardFilter, Filters) {
    let (filter, problems) = params.query().check();
    for (field, message) in problems {
        form.problem(field_id(field), message);
    }
    let choice =
        |value: &str, label: &str, selected: bool| Choice { value: value.into(), label: label.into(), selected };
    let mut las: Vec<String> = schools.iter().map(|e| e.la_name.clone().unwrap_or_else(|| NO_LA.to_owned())).collect();
    las.sort();
    las.dedup();
    let f = Filters {
        stage: Stage::ALL.iter().map(|s| choice(s.code(), s.code(), filter.stage == Some(*s))).collect(),
        la: las.iter().map(|l| choice(l, l, filter.la.as_deref() == Some(l.as_str()))).collect(),
        eligibility: EligibilityFilter::ALL
            .iter()
            .map(|c| choice(c.code(), c.label(), filter.eligibility == Some(*c)))
            .collect(),
        sort: BoardSort::ALL.iter().map(|c| choice(c.code(), c.label(), filter.sort == *c)).collect(),
        narrows: filter.narrows(),
        query: params.query_string(),
    };
    (filter, f)
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
    Query(params): Query<BoardParams>,
) -> Result<Response, WebError> {
    board_page(&state, &viewer, id, &params, FormState::new()).await
}

/// The board, with a stage move's problems on its row when `form` has any (then answered 400).
async fn board_page(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    params: &BoardParams,
    mut form: FormState,
) -> Result<Response, WebError> {
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
    let schools = state.db.enrolments(id, &all).await?;
    let (all_schools, undecided) = (schools.len(), schools.iter().filter(|e| e.eligibility.is_none()).count());
    let (filter, filters) = filters(params, &schools, &mut form);
    let rows = filter
        .apply(schools)
        .into_iter()
        .map(|e| {
            let next = std::iter::once(("", "Choose a stage"))
                .chain(e.status.next().iter().map(|s| (s.code(), s.code())))
                .collect();
            let contact = latest.get(&e.urn).cloned();
            let (stage_field, reason_field) = (format!("stage-{}", e.urn), format!("reason-{}", e.urn));
            // The next stage along is chosen already; a school sent back with a problem keeps
            // what was chosen for it.
            if let Some(n) = e.status.default_next()
                && !form.has(&stage_field)
            {
                form.keep(&stage_field, n.code());
            }
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
        all_schools,
        undecided,
        filters,
        enquiries,
        can_change: p.may(Action::Change, Record::Recruitment, &here),
        form,
        csrf: viewer.csrf.clone(),
    })?;
    Ok((status, body).into_response())
}

/// The schools the board shows with the same filters, in its order, each with its stage,
/// eligibility and latest enquiry contact.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(params): Query<BoardParams>,
) -> Result<Response, WebError> {
    let p = viewer.require(Action::View, Record::Recruitment, &Place::programme(id))?;
    let programme = find_programme(&state, id).await?;
    let all = p.visible(Action::View, Record::Recruitment);
    // A link with a filter that is not one answers with the same sentences as the page.
    let (filter, problems) = params.query().check();
    if !problems.is_empty() {
        let text: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
        return Err(WebError::BadRequest(format!("{}.", text.join(". "))));
    }
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
    for e in aspire_app::board::schools(&state.db, id, &all, &filter).await? {
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
