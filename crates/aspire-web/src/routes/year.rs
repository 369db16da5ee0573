//! The programme year: its planned days (Network Days and Development Days) with filters by
//! network, term and whether they still happen, as far as the viewer may see them (an adviser
//! and a school: their network's). The programme team plans the year (shown first, saved on a
//! second press, on the schools' calendars) and moves or cancels a day on its row; every refusal
//! says why and comes back on the row it belongs to.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use aspire_app::programme_year::{self, PlanError};
use aspire_core::access::{Action, Place, Record};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::text::capitalise;
use aspire_store::{EventStatus, Programme, ProgrammeError};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::routes::programmes::{find_programme, template_of};
use crate::routes::recruitment::Choice;
use crate::urls;
use crate::{AppState, WebError};

/// One planned day as a row.
struct DayRow {
    id: i64,
    date: String,
    /// yyyy-mm-dd, for the move form's date field.
    iso: String,
    term: String,
    network: String,
    network_id: NetworkId,
    what: String,
    /// The school it is held at, or the network's venue.
    place: String,
    cancelled: Option<String>,
    /// Recorded as held, or someone is marked present or late: it keeps its date.
    held: bool,
    /// Whether the viewer takes this day's roll (its network's adviser, the team).
    can_roll: bool,
    /// Whether the viewer may open the network's page and the day's (not an LA officer).
    open: bool,
}

/// The choices of the form that adds a day (value, label).
#[derive(Default)]
struct AddChoices {
    networks: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    /// The planned networks' schools, grouped under their network's name.
    schools: Vec<(String, Vec<(String, String)>)>,
}

/// The plan shown before it is saved.
struct PlanShown {
    days: usize,
    networks: Vec<ShownNetwork>,
    span: String,
}

/// A network of the plan shown: its name, days, first day it may meet, and each day's date and
/// what it is.
struct ShownNetwork {
    name: String,
    count: usize,
    starts: String,
    days: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "year.html")]
struct YearPage {
    programme: Programme,
    /// The filters shown (name, value), carried by the move and cancel forms so that a refusal
    /// or a change comes back to the same list.
    kept_filter: Vec<(&'static str, String)>,
    days: Vec<DayRow>,
    total: usize,
    networks: Vec<Choice>,
    terms: Vec<Choice>,
    statuses: Vec<Choice>,
    team: bool,
    /// Whether the viewer downloads the cohort's dose (the team and the evaluator).
    doses: bool,
    /// What the team's form that adds a day offers.
    add: AddChoices,
    /// Networks with schools and no days yet (the team may plan them).
    unplanned: Vec<String>,
    shown: Option<PlanShown>,
    problems: Vec<String>,
    /// What the last file of term dates did: saved (a sentence), or each row's problem.
    terms_saved: Option<String>,
    terms_problems: Vec<String>,
    /// Planned days the saved dates close (day id, what is wrong), to move or cancel.
    terms_clashes: Vec<(i64, String)>,
    /// For the team: dates an adviser leads two days (in this programme or across programmes).
    adviser_clashes: Vec<String>,
    /// Filter values in the address this page does not offer, each said and set aside.
    set_aside: Vec<String>,
    /// What the last change did, said once.
    done: Option<&'static str>,
    upload_limit: String,
    term_rows: usize,
    form: FormState,
    csrf: String,
}

/// The outcome of a file of term dates, for the page.
#[derive(Default)]
struct TermsOutcome {
    saved: Option<String>,
    problems: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct YearFilter {
    #[serde(default)]
    network: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    status: String,
    /// What the last change did, to say so ("planned", "moved", "cancelled").
    #[serde(default)]
    done: String,
}

impl YearFilter {
    /// The filters set, as (name, value).
    fn kept(&self) -> Vec<(&'static str, String)> {
        [("network", &self.network), ("term", &self.term), ("status", &self.status)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.clone()))
            .collect()
    }

    /// The year's address with these filters and what was done, at a day's row.
    fn after(&self, programme: ProgrammeId, done: &str, day: i64) -> String {
        let mut q = self.kept();
        q.push(("done", done.to_owned()));
        format!("{}#day-{day}", crate::routes::url_with(&urls::year(programme), &q))
    }
}

use aspire_core::dates::long;

async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    filter: &YearFilter,
    shown: Option<PlanShown>,
    problems: Vec<String>,
    form: FormState,
) -> Result<Html<String>, WebError> {
    render_with(state, viewer, id, filter, shown, problems, form, TermsOutcome::default()).await
}

#[allow(clippy::too_many_arguments)]
async fn render_with(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    filter: &YearFilter,
    shown: Option<PlanShown>,
    problems: Vec<String>,
    mut form: FormState,
    outcome: TermsOutcome,
) -> Result<Html<String>, WebError> {
    let here = Place::programme(id);
    let p = viewer.require(Action::View, Record::Programme, &here)?;
    let programme = find_programme(state, id).await?;
    let visible = p.visible(Action::View, Record::Network);
    let mut networks = state.db.networks(id, &visible).await?;
    // A reader who sees schools but not networks (an LA officer) sees their schools' days, and
    // of those days' networks their names and venues (not their pages).
    let events = if visible.nothing() {
        let events = state.db.school_events(id, &p.visible(Action::View, Record::Enrolment)).await?;
        let ids: BTreeSet<NetworkId> = events.iter().map(|e| e.network).collect();
        for n in ids {
            networks.extend(state.db.network(n).await?);
        }
        events
    } else {
        state.db.programme_events(id, &visible).await?
    };
    let names: BTreeMap<NetworkId, String> = networks.iter().map(|n| (n.id, n.name.clone())).collect();
    let venues: BTreeMap<NetworkId, aspire_core::urn::Urn> =
        networks.iter().filter_map(|n| n.venue.map(|v| (n.id, v))).collect();
    let kinds: BTreeMap<String, String> =
        template_of(&programme).map(|t| t.events.into_iter().map(|e| (e.key, e.name)).collect()).unwrap_or_default();
    let mut places: Vec<aspire_core::urn::Urn> = events.iter().filter_map(|e| e.urn).collect();
    places.extend(venues.values().copied());
    let school_names = state.db.school_names(&places).await?;
    let school = |u: aspire_core::urn::Urn| school_names.get(&u).cloned().unwrap_or_else(|| format!("School {u}"));
    let total = events.len();
    let terms: BTreeSet<(aspire_core::template::Term, String)> =
        events.iter().map(|e| (e.term, e.term.label())).collect();
    // A filter value this page did not offer (an old or edited address) is said, and set aside,
    // rather than showing no days without a word.
    let mut filter = filter.clone();
    let mut set_aside = Vec::new();
    if !filter.network.is_empty() && !names.keys().any(|n| n.to_string() == filter.network) {
        set_aside.push(format!("There is no network '{}' here to show, so every network is shown.", filter.network));
        filter.network.clear();
    }
    if !filter.term.is_empty() && !terms.iter().any(|(t, _)| t.code() == filter.term) {
        set_aside.push(format!("No days are planned in a term '{}', so every term is shown.", filter.term));
        filter.term.clear();
    }
    if !matches!(filter.status.as_str(), "" | "planned" | "cancelled") {
        set_aside.push(format!("'{}' is not a status to show, so every day is shown.", filter.status));
        filter.status.clear();
    }
    let filter = &filter;
    // Whether a day took place, for every reader of it (an LA officer too), never who came.
    let came: BTreeSet<i64> = state.db.days_attended(id).await?;
    let days: Vec<DayRow> = events
        .iter()
        .filter(|e| filter.network.is_empty() || filter.network == e.network.to_string())
        .filter(|e| filter.term.is_empty() || filter.term == e.term.code())
        .filter(|e| match filter.status.as_str() {
            "planned" => e.status == EventStatus::Planned,
            "cancelled" => e.status == EventStatus::Cancelled,
            _ => true,
        })
        .map(|e| DayRow {
            id: e.id,
            date: long(e.held_on),
            iso: e.held_on.to_string(),
            term: e.term.label(),
            network: names.get(&e.network).cloned().unwrap_or_else(|| format!("Network {}", e.network)),
            network_id: e.network,
            what: kinds.get(&e.kind).cloned().unwrap_or_else(|| e.kind.clone()),
            place: match e.urn {
                Some(u) => school(u),
                None => venues.get(&e.network).map(|v| school(*v)).unwrap_or_else(|| "Venue to be set".to_owned()),
            },
            cancelled: (e.status == EventStatus::Cancelled)
                .then(|| e.cancel_reason.clone().unwrap_or_else(|| "no reason given".to_owned())),
            held: e.status == EventStatus::Planned && (e.held_recorded || came.contains(&e.id)),
            can_roll: p.may(Action::Change, Record::Enrolment, &Place::day(id, e.network, e.adviser)),
            open: p.may(Action::View, Record::Network, &Place::network(id, e.network)),
        })
        .collect();
    let team = p.may(Action::Change, Record::Network, &here);
    let doses = p.may(Action::View, Record::Evaluation, &here);
    for d in &days {
        let field = format!("to-{}", d.id);
        if !form.has(&field) {
            form.keep(&field, &d.iso);
        }
    }
    let planned: BTreeSet<NetworkId> = events.iter().map(|e| e.network).collect();
    let mut add = AddChoices::default();
    let unplanned = if team {
        let enrolments = state.db.enrolments(id, &p.visible(Action::View, Record::Enrolment)).await?;
        let with_schools: BTreeSet<NetworkId> = enrolments.iter().filter_map(|e| e.network).collect();
        // The form that adds a day: the planned networks, the template's kinds, their schools.
        add.networks =
            networks.iter().filter(|n| planned.contains(&n.id)).map(|n| (n.id.to_string(), n.name.clone())).collect();
        add.kinds = template_of(&programme)
            .map(|t| t.events.into_iter().map(|e| (e.key, e.name)).collect())
            .unwrap_or_default();
        // Grouped by network, in the order of the networks offered, so that the school chosen
        // is found under the network chosen above it.
        for n in networks.iter().filter(|n| planned.contains(&n.id)) {
            let mut theirs: Vec<(String, String)> = enrolments
                .iter()
                .filter(|e| e.network == Some(n.id) && e.status.takes_part())
                .map(|e| (e.urn.to_string(), e.school_name.clone().unwrap_or_else(|| format!("URN {}", e.urn))))
                .collect();
            theirs.sort_by(|a, b| a.1.cmp(&b.1));
            if !theirs.is_empty() {
                add.schools.push((n.name.clone(), theirs));
            }
        }
        for (field, value) in [("add-starts", "09:00"), ("add-ends", "15:30")] {
            if !form.has(field) {
                form.keep(field, value);
            }
        }
        networks
            .iter()
            .filter(|n| with_schools.contains(&n.id) && !planned.contains(&n.id))
            .map(|n| n.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    let adviser_clashes = if team {
        aspire_app::programme_year::adviser_clashes(&state.db, id, state.today())
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?
    } else {
        Vec::new()
    };
    // The planned days on a day a school is closed are listed for the team until each is moved
    // or cancelled: after the upload that closed them, and on every view after it.
    let terms_clashes = match team {
        true => aspire_app::calendar::closed_days_of(&state.db, id)
            .await
            .map_err(|e| match e {
                aspire_app::calendar::CalendarLoadError::Store(e) => WebError::from(e),
                other => WebError::BadRequest(capitalise(&other.to_string())),
            })?
            .into_iter()
            .map(|c| (c.day, format!("{}: {} is closed ({})", long(c.date), c.school, c.reason)))
            .collect(),
        false => Vec::new(),
    };
    let choice = |value: String, label: String, selected: bool| Choice { value, label, selected };
    page(YearPage {
        networks: networks
            .iter()
            .map(|n| choice(n.id.to_string(), n.name.clone(), filter.network == n.id.to_string()))
            .collect(),
        terms: terms.into_iter().map(|(t, label)| choice(t.code(), label, filter.term == t.code())).collect(),
        statuses: [("planned", "Still happening"), ("cancelled", "Cancelled")]
            .into_iter()
            .map(|(v, l)| choice(v.to_owned(), l.to_owned(), filter.status == v))
            .collect(),
        programme,
        days,
        total,
        team,
        doses,
        add,
        unplanned,
        shown,
        problems,
        terms_saved: outcome.saved,
        terms_problems: outcome.problems,
        terms_clashes,
        adviser_clashes,
        set_aside,
        done: match filter.done.as_str() {
            "planned" => Some("The plan is saved: its days are listed below, and each school's year shows its own."),
            "moved" => Some("The day is moved. Those invited are emailed the new date with its calendar entry."),
            "cancelled" => Some(
                "The day is cancelled. For a day still to come, those invited are emailed why, with its calendar entry.",
            ),
            _ => None,
        },
        kept_filter: filter.kept(),
        upload_limit: crate::error::size(crate::routes::UPLOAD_LIMIT),
        term_rows: aspire_import::STAFF_LIMITS.rows,
        form,
        csrf: viewer.csrf.clone(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(filter): Query<YearFilter>,
) -> Result<Html<String>, WebError> {
    render(&state, &viewer, id, &filter, None, Vec::new(), FormState::new()).await
}

#[derive(Debug, Deserialize)]
pub struct PlanForm {
    /// "yes" on the second press, after the plan was shown.
    #[serde(default)]
    save: String,
}

/// Plans the year of the networks with no days yet: first shown, then saved when confirmed.
pub async fn plan(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<PlanForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let save = f.save == "yes";
    let filter = YearFilter::default();
    match programme_year::plan_programme_year(&state.db, &viewer.actor(), id, !save).await {
        Ok(year) if year.saved => Ok(Redirect::to(&format!("{}?done=planned#days", urls::year(id))).into_response()),
        Ok(year) => {
            let span = programme_year::span(&year.plan)
                .map(|(a, b)| format!("from {} to {}", long(a), long(b)))
                .unwrap_or_default();
            let programme = find_programme(&state, id).await?;
            let kinds: BTreeMap<String, String> = template_of(&programme)
                .map(|t| t.events.into_iter().map(|e| (e.key, e.name)).collect())
                .unwrap_or_default();
            let urns: Vec<aspire_core::urn::Urn> = year.plan.days.iter().filter_map(|d| d.school).collect();
            let schools = state.db.school_names(&urns).await?;
            let networks = year
                .networks
                .iter()
                .map(|n| {
                    let days: Vec<(String, String)> = year
                        .plan
                        .days
                        .iter()
                        .filter(|d| d.network == n.id)
                        .map(|d| {
                            let what = kinds.get(&d.kind).cloned().unwrap_or_else(|| d.kind.clone());
                            let at = d
                                .school
                                .map(|u| {
                                    format!(" at {}", schools.get(&u).cloned().unwrap_or_else(|| format!("URN {u}")))
                                })
                                .unwrap_or_default();
                            (long(d.date), format!("{what}{at}"))
                        })
                        .collect();
                    ShownNetwork {
                        name: n.name.clone(),
                        count: days.len(),
                        starts: n.starts.format("%-d %B %Y").to_string(),
                        days,
                    }
                })
                .collect();
            let shown = PlanShown { days: year.plan.days.len(), networks, span };
            Ok(render(&state, &viewer, id, &filter, Some(shown), Vec::new(), FormState::new()).await?.into_response())
        }
        Err(e) => {
            let problems = match e {
                PlanError::Broken { said, .. } => said,
                PlanError::Store(e) | PlanError::Save(ProgrammeError::Store(e)) => return Err(e.into()),
                other => vec![capitalise(&other.to_string())],
            };
            let body = render(&state, &viewer, id, &filter, None, problems, FormState::new()).await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    filter: YearFilter,
}

/// Moves a day to another date of its term (the team only).
pub async fn move_day(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Form(f): Form<MoveForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let mut field = format!("to-{day}");
    let mut form = FormState::new();
    form.keep(&field, &f.to).keep(&format!("reason-{day}"), &f.reason);
    let problem = match NaiveDate::parse_from_str(f.to.trim(), "%Y-%m-%d") {
        Err(_) if f.to.trim().is_empty() => "Enter the new date".to_owned(),
        Err(_) => "Enter the new date as a real date, such as 2018-03-27".to_owned(),
        Ok(to) => {
            match programme_year::move_day(&state.db, &viewer.actor(), id, day, to, &f.reason, state.today()).await {
                Ok(_) => return Ok(Redirect::to(&f.filter.after(id, "moved", day)).into_response()),
                Err(PlanError::Store(e)) => return Err(e.into()),
                Err(PlanError::NoSuchDay(_)) => {
                    return Err(WebError::NotFound(format!("There is no day {day} in this programme.")));
                }
                Err(PlanError::Save(ProgrammeError::Field { field: "reason", problem })) => {
                    field = format!("reason-{day}");
                    format!("The reason {problem}")
                }
                Err(PlanError::Save(ProgrammeError::Field { field: "date", problem })) => {
                    format!("The new date {problem}: choose another date")
                }
                Err(PlanError::Save(ProgrammeError::Field { field: "day", problem })) => format!("This day {problem}"),
                Err(e) => plan_problem(&e),
            }
        }
    };
    form.problem(&field, problem);
    let body = render(&state, &viewer, id, &f.filter, None, Vec::new(), form).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

/// A refused move or addition as one paragraph: each problem it would bring, in turn.
fn plan_problem(e: &PlanError) -> String {
    match e {
        PlanError::MoveBreaks { said, .. } | PlanError::AddBreaks { said, .. } => {
            let text = e.to_string();
            let head = text.lines().next().unwrap_or_default().trim_end_matches(':');
            format!("{}: {}.", capitalise(head), said.join("; "))
        }
        other => capitalise(&other.to_string()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    filter: YearFilter,
}

/// Cancels a day with its reason (the team only); the row stays, marked, and calendars are told.
pub async fn cancel_day(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Form(f): Form<CancelForm>,
) -> Result<Response, WebError> {
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let field = format!("cancel-{day}");
    let problem = match programme_year::cancel_day(&state.db, &viewer.actor(), id, day, &f.reason, state.today()).await
    {
        Ok(_) => return Ok(Redirect::to(&f.filter.after(id, "cancelled", day)).into_response()),
        Err(PlanError::Save(ProgrammeError::Field { field: "reason", problem }))
            if problem.starts_with("is required") =>
        {
            "Say why the day is cancelled: those invited are told".to_owned()
        }
        Err(PlanError::Save(ProgrammeError::Field { field: "reason", problem })) => format!("The reason {problem}"),
        Err(PlanError::Save(ProgrammeError::Field { field: "day", problem })) => format!("This day {problem}"),
        Err(PlanError::NoSuchDay(_)) => {
            return Err(WebError::NotFound(format!("There is no day {day} in this programme.")));
        }
        Err(PlanError::Save(e)) => return Err(crate::routes::programmes::bad(e)),
        Err(PlanError::Store(e)) => return Err(e.into()),
        Err(e) => capitalise(&e.to_string()),
    };
    let mut form = FormState::new();
    form.keep(&field, &f.reason).problem(&field, problem);
    let body = render(&state, &viewer, id, &f.filter, None, Vec::new(), form).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

/// A file of term dates and closure days (CSV or XLSX), checked whole and saved whole; the
/// page says what it saved, or every row's problem with nothing saved.
pub async fn term_dates(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    marked: Option<axum::Extension<crate::auth::TokenInUpload>>,
    crate::extract::Upload(mut form): crate::extract::Upload,
) -> Result<Response, WebError> {
    use aspire_app::calendar::{TermDatesError, import_term_dates};
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    crate::auth::upload_token(marked, &mut form, &viewer).await?;
    let unreadable = crate::auth::unreadable_upload;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("term-dates.csv").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let mut outcome = TermsOutcome::default();
    match file.filter(|(_, b)| !b.is_empty()) {
        None => outcome.problems.push("Choose a file of term dates (CSV or XLSX) to upload".to_owned()),
        Some((name, bytes)) => match import_term_dates(&state.db, &viewer.actor(), &name, &bytes).await {
            // The planned days the dates saved now close are listed by the page itself.
            Ok(saved) => {
                let n = saved.per_scope.len();
                outcome.saved = Some(format!(
                    "Saved {} term{} and {} closure day{} for {n} local authorit{} or school{} from {name}. Years planned from now on use them.",
                    saved.terms(),
                    if saved.terms() == 1 { "" } else { "s" },
                    saved.closures(),
                    if saved.closures() == 1 { "" } else { "s" },
                    if n == 1 { "y" } else { "ies" },
                    if n == 1 { "" } else { "s" },
                ));
            }
            Err(TermDatesError::Rows(rows)) => outcome.problems = rows.iter().map(ToString::to_string).collect(),
            Err(TermDatesError::Store(e)) => return Err(e.into()),
            Err(e) => outcome.problems.push(capitalise(&e.to_string())),
        },
    }
    let status = if outcome.problems.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let body =
        render_with(&state, &viewer, id, &YearFilter::default(), None, Vec::new(), FormState::new(), outcome).await?;
    Ok((status, body).into_response())
}

/// The cohort with its dose columns (Network Days attended and Development Days held per term
/// and in total, and days whose roll is not taken), for the team and the evaluator.
pub async fn doses_csv(State(state): State<AppState>, Path(id): Path<ProgrammeId>) -> Result<Response, WebError> {
    let programme = find_programme(&state, id).await?;
    let d = programme_year::cohort_doses(&state.db, id).await.map_err(|e| match e {
        PlanError::Store(e) => WebError::from(e),
        other => WebError::BadRequest(format!("{}.", capitalise(&other.to_string()))),
    })?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = crate::routes::export_failed;
    w.write_record(d.csv_header()).map_err(fail)?;
    for r in d.csv_rows() {
        w.write_record(r.iter().map(|c| crate::routes::defuse(c))).map_err(fail)?;
    }
    let body = w.into_inner().map_err(|e| crate::routes::export_failed(e.error()))?;
    let file = format!("doses-programme-{}.csv", programme.id);
    Ok(crate::routes::download("text/csv; charset=utf-8", &file, body))
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default, rename = "add-network")]
    network: String,
    #[serde(default, rename = "add-kind")]
    kind: String,
    #[serde(default, rename = "add-school")]
    school: String,
    #[serde(default, rename = "add-date")]
    date: String,
    #[serde(default, rename = "add-starts")]
    starts: String,
    #[serde(default, rename = "add-ends")]
    ends: String,
    #[serde(default, rename = "add-places")]
    places: String,
    #[serde(flatten)]
    filter: YearFilter,
}

/// The team adds a day to a planned network's year; every refusal is said at its field.
pub async fn add_day(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<AddForm>,
) -> Result<Response, WebError> {
    use chrono::NaiveTime;
    viewer.require(Action::Change, Record::Network, &Place::programme(id))?;
    let mut form = FormState::new();
    form.keep("add-network", &f.network)
        .keep("add-kind", &f.kind)
        .keep("add-school", &f.school)
        .keep("add-date", &f.date)
        .keep("add-starts", &f.starts)
        .keep("add-ends", &f.ends)
        .keep("add-places", &f.places);
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
    let network = f.network.parse::<NetworkId>().ok();
    let school = if f.school.trim().is_empty() { Ok(None) } else { aspire_core::urn::Urn::parse(&f.school).map(Some) };
    let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d").ok();
    let places = match f.places.trim() {
        "" => Ok(None),
        t => t.parse::<u32>().ok().filter(|n| (1..=10_000).contains(n)).map(Some).ok_or(()),
    };
    if network.is_none() {
        form.problem("add-network", "Choose the network the day is for");
    }
    if school.is_err() {
        form.problem("add-school", "Choose a school from the list, or none for a Network Day");
    }
    if date.is_none() {
        form.problem("add-date", "Enter the day's date as a real date, such as 2018-03-27");
    }
    let (starts, ends) = (time(&f.starts), time(&f.ends));
    if starts.is_none() {
        form.problem("add-starts", "Enter the time it starts as hours and minutes, such as 09:00");
    }
    if ends.is_none() {
        form.problem("add-ends", "Enter the time it ends as hours and minutes, such as 15:30");
    }
    if places.is_err() {
        form.problem(
            "add-places",
            "Enter the places as a whole number from 1 to 10,000, or leave it empty for no limit",
        );
    }
    if let (Some(network), Ok(school), Some(date), Some(starts), Some(ends), Ok(places)) =
        (network, school, date, starts, ends, places)
    {
        let new = programme_year::NewDay { network, kind: f.kind.clone(), school, date, starts, ends, places };
        let field_of = |e: &PlanError| match e {
            PlanError::NoSuchKind(_) => "add-kind",
            PlanError::NeedsSchool(_) | PlanError::NotInNetwork(_) | PlanError::NotInSchool(_) => "add-school",
            PlanError::Times { .. } | PlanError::OutOfHours { .. } => "add-ends",
            PlanError::NotPlanned(_) | PlanError::EmptyNetwork(_) => "add-network",
            _ => "add-date",
        };
        match programme_year::add_day(&state.db, &viewer.actor(), id, &new).await {
            Ok(day) => return Ok(Redirect::to(&format!("{}?done=day-added", urls::day(id, day.id))).into_response()),
            Err(PlanError::Store(e)) | Err(PlanError::Save(ProgrammeError::Store(e))) => return Err(e.into()),
            // Every problem on the form's face, each at its field.
            Err(PlanError::DayForm(problems)) => {
                for e in &problems {
                    form.problem(field_of(e), plan_problem(e));
                }
            }
            Err(e) => form.problem(field_of(&e), plan_problem(&e)),
        }
    }
    let body = render(&state, &viewer, id, &f.filter, None, Vec::new(), form).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}
