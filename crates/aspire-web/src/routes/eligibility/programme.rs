//! The programme team's list: every school's decision under a rule set, counts by area and
//! judgement, filters, a map, and CSV/XLSX exports of the current selection.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use aspire_app::exports::{self, ExportCell};
use aspire_core::eligibility::Outcome;
use aspire_core::text::thousands;
use aspire_store::EligibilityRow;

use super::map::{self, Map};
use super::{Choice, choose};
use crate::forms::FormState;
use crate::routes::defuse;
use crate::routes::schools::list::Choice as Opt;
use crate::routes::{page, url_with};
use crate::urls;
use crate::{AppState, WebError};

const PER_PAGE: usize = 50;

struct Filters {
    decision: Option<Outcome>,
    area: Option<String>,
    la: Option<i64>,
    grade: Option<String>,
    page: usize,
}

fn filters(params: &HashMap<String, String>) -> Result<Filters, WebError> {
    let get = |k: &str| params.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let decision = match get("decision").as_deref() {
        None => Some(Outcome::Eligible),
        Some("all") => None,
        Some(v) => Some(Outcome::parse(v).ok_or_else(|| {
            WebError::BadRequest(format!("'{v}' is not a decision: use eligible, not_eligible, cannot_tell or all."))
        })?),
    };
    let la = match get("la") {
        None => None,
        Some(v) => {
            Some(v.parse::<i64>().map_err(|_| WebError::BadRequest(format!("'{v}' is not a local authority code.")))?)
        }
    };
    let grade = get("grade");
    if let Some(g) = &grade
        && !["1", "2", "3", "4", "none"].contains(&g.as_str())
    {
        return Err(WebError::BadRequest(format!("'{g}' is not an Ofsted grade: use 1 to 4 or none.")));
    }
    let page = match get("page") {
        None => 1,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| WebError::BadRequest(format!("'{v}' is not a page number.")))?,
    };
    Ok(Filters { decision, area: get("area"), la, grade, page })
}

fn grade_of(r: &EligibilityRow) -> String {
    r.decision
        .inspection
        .as_ref()
        .map_or("none".to_owned(), |i| i.record.inspection.judgement.grade.number().to_string())
}

fn keep(f: &Filters, r: &EligibilityRow) -> bool {
    f.decision.is_none_or(|d| r.decision.outcome == d)
        && f.area.as_ref().is_none_or(|a| r.decision.area.as_ref() == Some(a))
        && f.la.is_none_or(|la| r.la_code == Some(la))
        && f.grade.as_ref().is_none_or(|g| *g == grade_of(r))
}

fn params_of(choice: &Choice, f: &Filters) -> Vec<(&'static str, String)> {
    vec![
        ("rules", choice.rules.rules.id.clone()),
        ("as_of", choice.as_of.to_string()),
        ("decision", f.decision.map_or("all".to_owned(), |d| d.code().to_owned())),
        ("area", f.area.clone().unwrap_or_default()),
        ("la", f.la.map(|l| l.to_string()).unwrap_or_default()),
        ("grade", f.grade.clone().unwrap_or_default()),
    ]
}

pub struct CountRow {
    pub label: String,
    pub eligible: String,
    pub cannot_tell: String,
    pub href: String,
}

pub struct ListRow {
    /// Ticked to be added to a programme (kept when the form comes back with a problem).
    pub ticked: bool,
    pub urn: String,
    pub name: String,
    pub la: String,
    pub area: String,
    pub judgement: String,
    pub decision: &'static str,
    pub decision_class: &'static str,
    pub reason: String,
}

/// A count at the top of the list, written for people.
struct Total {
    label: &'static str,
    schools: String,
}

#[derive(Template)]
#[template(path = "programme_eligibility.html")]
struct ProgrammePage {
    programme: String,
    rules_id: String,
    rules_version: u32,
    summary: String,
    as_of: String,
    totals: Vec<Total>,
    by_area: Vec<CountRow>,
    by_grade: Vec<CountRow>,
    decisions: Vec<Opt>,
    areas: Vec<Opt>,
    las: Vec<Opt>,
    grades: Vec<Opt>,
    rows: Vec<ListRow>,
    shown: String,
    page: usize,
    pages: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
    csv_url: String,
    xlsx_url: String,
    map: Map,
    map_count: usize,
    /// Schools of the selection the map cannot draw (no location in the register).
    unmapped: usize,
    /// "Add to a programme": the programmes the viewer may add schools to, the stages, the
    /// choices as sent and their problems, and the list's filters kept in hidden fields.
    add_programmes: Vec<(String, String)>,
    /// The same, as the select offers them ("Choose a programme" first).
    programme_choices: Vec<(String, String)>,
    add_stages: Vec<(&'static str, &'static str)>,
    form: FormState,
    hidden: Vec<(&'static str, String)>,
    csrf: String,
}

/// The list's filters sent with a date or rule set that cannot be used.
#[derive(Template)]
#[template(path = "programme_eligibility_params.html")]
struct ParamsPage {
    form: FormState,
    /// The bundled rule sets (id, name).
    rule_sets: Vec<(String, String)>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: crate::auth::Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    list_page(&state, &viewer, &params, FormState::new(), &Default::default()).await
}

/// The list, with the "add to a programme" choices as sent and their problems on `form`
/// (answered 400 when it has any), the URNs in `ticked` ticked again.
pub(super) async fn list_page(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    params: &HashMap<String, String>,
    mut form: FormState,
    ticked: &std::collections::BTreeSet<String>,
) -> Result<Response, WebError> {
    let choice = match choose(params) {
        Ok(c) => c,
        // The list's date or rule set cannot be used: the filters again, the problem on its
        // field, what was chosen kept.
        Err(problem) => {
            let mut form = FormState::new();
            for k in ["rules", "as_of", "decision", "area", "la", "grade"] {
                form.keep(k, params.get(k).map_or("", String::as_str));
            }
            form.problem(problem.field, problem.message);
            let body = ParamsPage { form, rule_sets: super::checker::rule_choices() }.render()?;
            return Ok((StatusCode::BAD_REQUEST, Html(body)).into_response());
        }
    };
    let f = filters(params)?;
    let all = state.eligibility_cache.all(&state.db, &choice).await?;
    let selected: Vec<&EligibilityRow> = all.iter().filter(|r| keep(&f, r)).collect();
    let count = |o: Outcome| all.iter().filter(|r| r.decision.outcome == o).count() as u64;
    let total = |label: &'static str, n: u64| Total { label, schools: thousands(n) };
    let totals = vec![
        total("Eligible", count(Outcome::Eligible)),
        total("Cannot tell", count(Outcome::CannotTell)),
        total("Not eligible", count(Outcome::NotEligible)),
        total("Schools in the register", all.len() as u64),
    ];
    let base = |extra: &[(&'static str, String)]| {
        let mut p: Vec<(&str, String)> =
            vec![("rules", choice.rules.rules.id.clone()), ("as_of", choice.as_of.to_string())];
        p.extend_from_slice(extra);
        url_with(urls::route::ELIGIBILITY_LIST, &p)
    };

    // Counts by area (eligible schools have one) and by the judgement used.
    let mut area_counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut grade_counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in all.iter() {
        if r.decision.outcome == Outcome::Eligible {
            *area_counts.entry(r.decision.area.clone().unwrap_or_default()).or_default() += 1;
        }
        let g = grade_counts.entry(grade_of(r)).or_default();
        match r.decision.outcome {
            Outcome::Eligible => g.0 += 1,
            Outcome::CannotTell => g.1 += 1,
            Outcome::NotEligible => {}
        }
    }
    let by_area = area_counts
        .iter()
        .map(|(a, n)| CountRow {
            label: if a.is_empty() { "anywhere (no area needed)".into() } else { a.clone() },
            eligible: thousands(*n),
            cannot_tell: String::new(),
            href: base(&[("decision", "eligible".into()), ("area", a.clone())]),
        })
        .collect();
    let grade_label = |g: &str| match g {
        "1" => "1 Outstanding",
        "2" => "2 Good",
        "3" => "3 Requires improvement / Satisfactory",
        "4" => "4 Inadequate",
        _ => "no graded inspection",
    };
    let by_grade = grade_counts
        .iter()
        .filter(|(_, (e, c))| e + c > 0)
        .map(|(g, (e, c))| CountRow {
            label: grade_label(g).to_owned(),
            eligible: thousands(*e),
            cannot_tell: thousands(*c),
            href: base(&[("decision", "all".into()), ("grade", g.clone())]),
        })
        .collect();

    let opt = |value: String, label: String, selected: bool| Opt { value, label, selected };
    let decisions = [
        ("eligible", "Eligible"),
        ("cannot_tell", "Cannot tell"),
        ("not_eligible", "Not eligible"),
        ("all", "All decisions"),
    ]
    .into_iter()
    .map(|(v, l)| opt(v.into(), l.into(), f.decision.map_or("all", |d| d.code()) == v))
    .collect();
    let areas = area_counts
        .keys()
        .filter(|a| !a.is_empty())
        .map(|a| opt(a.clone(), a.clone(), f.area.as_ref() == Some(a)))
        .collect();
    let mut la_names: BTreeMap<String, i64> = BTreeMap::new();
    for r in all.iter() {
        if let Some(c) = r.la_code {
            la_names.entry(r.la_name.clone().unwrap_or_else(|| format!("LA {c}"))).or_insert(c);
        }
    }
    let las = la_names.iter().map(|(n, c)| opt(c.to_string(), format!("{n} ({c})"), f.la == Some(*c))).collect();
    let grades = ["1", "2", "3", "4", "none"]
        .into_iter()
        .map(|g| opt(g.into(), grade_label(g).into(), f.grade.as_deref() == Some(g)))
        .collect();

    let pages = selected.len().div_ceil(PER_PAGE).max(1);
    let page_no = f.page.min(pages);
    let rows = selected
        .iter()
        .skip((page_no - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|r| ListRow {
            ticked: ticked.contains(&r.decision.urn.to_string()),
            urn: r.decision.urn.to_string(),
            name: r.name.clone().unwrap_or_default(),
            la: r.la_name.clone().unwrap_or_default(),
            area: r.decision.area.clone().unwrap_or_default(),
            judgement: r.decision.inspection.as_ref().map_or(String::new(), |i| {
                let ins = &i.record.inspection;
                let whose = if i.inherited { format!(" (predecessor {})", ins.urn) } else { String::new() };
                format!("{} {}{whose}", ins.judgement.label(ins.date), ins.date)
            }),
            decision: r.decision.outcome.label(),
            decision_class: match r.decision.outcome {
                Outcome::Eligible => "tag--good",
                Outcome::CannotTell => "tag--ri",
                Outcome::NotEligible => "tag--inadequate",
            },
            reason: r.decision.reason(),
        })
        .collect();
    let p = params_of(&choice, &f);
    let page_url = |n: usize| {
        let mut q = p.clone();
        q.push(("page", n.to_string()));
        url_with(urls::route::ELIGIBILITY_LIST, &q)
    };
    let map_points: Vec<&&EligibilityRow> =
        selected.iter().filter(|r| r.decision.outcome != Outcome::NotEligible).collect();
    let map = map::build(map_points.iter().filter_map(|r| {
        let (lat, lon) = r.latitude.zip(r.longitude)?;
        let class = if r.decision.outcome == Outcome::Eligible { "dot--yes" } else { "dot--unknown" };
        Some((
            lat,
            lon,
            class,
            format!("{} (URN {}): {}", r.name.clone().unwrap_or_default(), r.decision.urn, r.decision.outcome.label()),
        ))
    }));
    let map_count = map.points.len();
    // Schools of the selection with no location: listed, not drawn, and said how many.
    let unmapped = map_points.len().saturating_sub(map_count);
    let add_programmes = super::add::programmes_to_add_to(state, viewer).await?;
    if !form.has("add-stage") {
        form.keep("add-stage", "enquiry");
    }
    let mut hidden = p.clone();
    hidden.push(("page", page_no.to_string()));
    let status = if form.has_errors() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let body = page(ProgrammePage {
        programme: choice.rules.rules.name.clone(),
        rules_id: choice.rules.rules.id.clone(),
        rules_version: choice.rules.rules.version,
        summary: choice.rules.rules.summary.clone(),
        as_of: choice.as_of.to_string(),
        totals,
        by_area,
        by_grade,
        decisions,
        areas,
        las,
        grades,
        rows,
        shown: thousands(selected.len() as u64),
        page: page_no,
        pages,
        prev_url: (page_no > 1).then(|| page_url(page_no - 1)),
        next_url: (page_no < pages).then(|| page_url(page_no + 1)),
        csv_url: url_with(urls::route::ELIGIBILITY_CSV, &p),
        xlsx_url: url_with(urls::route::ELIGIBILITY_XLSX, &p),
        map,
        map_count,
        unmapped,
        programme_choices: std::iter::once((String::new(), "Choose a programme".to_owned()))
            .chain(add_programmes.iter().cloned())
            .collect(),
        add_programmes,
        add_stages: vec![("enquiry", "enquiry"), ("applied", "applied"), ("enrolled", "enrolled")],
        form,
        hidden,
        csrf: viewer.csrf.clone(),
    })?;
    Ok((status, body).into_response())
}

const COLUMNS: [&str; 12] = exports::ELIGIBILITY_COLUMNS;

fn record(r: &EligibilityRow) -> [String; 12] {
    exports::eligibility_cells(r).map(|c| match c {
        ExportCell::Number(n) => n.to_string(),
        ExportCell::Text(t) => t.into_owned(),
    })
}

async fn selection(
    state: &AppState,
    params: &HashMap<String, String>,
) -> Result<(Choice, Vec<[String; 12]>), WebError> {
    let choice = choose(params)?;
    let f = filters(params)?;
    let all = state.eligibility_cache.all(&state.db, &choice).await?;
    let rows = all.iter().filter(|r| keep(&f, r)).map(record).collect();
    Ok((choice, rows))
}

pub async fn csv(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, WebError> {
    let (choice, rows) = selection(&state, &params).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| crate::routes::export_failed(e);
    w.write_record(COLUMNS).map_err(err)?;
    for r in &rows {
        w.write_record(r.iter().map(|c| defuse(c))).map_err(err)?;
    }
    let body = w.into_inner().map_err(crate::routes::export_failed)?;
    let name = format!("attachment; filename=\"eligibility-{}-{}.csv\"", choice.rules.rules.id, choice.as_of);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], body))
}

pub async fn xlsx(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, WebError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (choice, rows) = selection(&state, &params).await?;
    let err = |e: rust_xlsxwriter::XlsxError| crate::routes::export_failed(e);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Eligibility").map_err(err)?;
    for (c, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, v) in r.iter().enumerate() {
            // URN, LA code and grade as numbers; everything else as text (never a formula).
            match (c, v.parse::<f64>()) {
                (0 | 2 | 7 | 9, Ok(n)) => sheet.write_number(row, c as u16, n).map_err(err)?,
                _ => sheet.write_string(row, c as u16, v).map_err(err)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet.autofilter(0, 0, rows.len() as u32, (COLUMNS.len() - 1) as u16).map_err(err)?;
    let about = book.add_worksheet().set_name("About").map_err(err)?;
    let r = &choice.rules.rules;
    for (i, (k, v)) in [
        ("Rule set", format!("{} (version {})", r.id, r.version)),
        ("Programme", r.name.clone()),
        ("Rules", r.summary.clone()),
        ("As of", choice.as_of.to_string()),
        ("Schools listed", rows.len().to_string()),
    ]
    .iter()
    .enumerate()
    {
        about.write_string_with_format(i as u32, 0, *k, &bold).map_err(err)?;
        about.write_string(i as u32, 1, v).map_err(err)?;
    }
    let body = book.save_to_buffer().map_err(err)?;
    let name = format!("attachment; filename=\"eligibility-{}-{}.xlsx\"", r.id, choice.as_of);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}
