//! GET /evaluation (cohorts), /evaluation/{id} (the report) and its downloads.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use aspire_core::access::{Action, Place, Record};
use aspire_core::evaluation::attainment::{MeasureResult, NationalSource, Ratio};
use aspire_core::ks2::{Measure, MeasureKind};
use aspire_core::text::thousands;
use aspire_store::Cohort;

use super::charts::{self, BarChart, LineChart};
use super::{Params, Report};
use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::{page, url_with};
use crate::urls;
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "evaluation_list.html")]
struct CohortList {
    cohorts: Vec<Cohort>,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    let visible = viewer.signed_in()?.principal.visible(Action::View, Record::Evaluation);
    page(CohortList { cohorts: state.db.cohorts(&visible).await? })
}

fn points(m: Measure, x: f64) -> String {
    match m.kind() {
        MeasureKind::Percent => {
            format!("{:.1} percentage point{}", x.abs(), if (x.abs() - 1.0).abs() < 0.05 { "" } else { "s" })
        }
        _ => format!("{:.2}", x.abs()),
    }
}

fn signed(m: Measure, x: f64) -> String {
    match m.kind() {
        MeasureKind::Percent => format!("{x:+.1}"),
        _ => format!("{x:+.2}"),
    }
}

fn verb(x: f64) -> &'static str {
    if x >= 0.0 { "improved by" } else { "fell by" }
}

/// The headline sentence for a measure against national, in the seed's words but with intervals.
fn headline(m: &MeasureResult) -> Option<String> {
    let c = m.comparisons.iter().find(|c| c.key == "national")?;
    let (cc, (lo, hi)) = (m.cohort_change?, m.cohort_change_ci?);
    let nc = c.change?;
    let label = m.label.to_lowercase();
    let source = match m.national_source {
        NationalSource::Published => "",
        NationalSource::Computed => " (national computed from school figures)",
    };
    let mut s = format!(
        "Cohort schools {} {} on {label} (95% CI {} to {}; {} schools) against {} {} nationally{source}.",
        verb(cc),
        points(m.measure, cc),
        signed(m.measure, lo),
        signed(m.measure, hi),
        m.cohort_schools_with_change,
        if nc >= 0.0 { "an improvement of" } else { "a fall of" },
        points(m.measure, nc),
    );
    if let Some(d) = &c.did {
        s.push_str(&format!(
            " The difference-in-differences is {} (95% CI {} to {}).",
            signed(m.measure, d.estimate),
            signed(m.measure, d.ci_low),
            signed(m.measure, d.ci_high)
        ));
    }
    match &c.ratio {
        Some(Ratio::Given { value, ci_low, ci_high }) => s.push_str(&format!(
            " That is {value:.1} times the national improvement (95% CI {ci_low:.1} to {ci_high:.1})."
        )),
        Some(Ratio::NotMeaningful { .. }) | None => {}
    }
    Some(s)
}

pub struct ComparisonRow {
    pub label: String,
    pub change: String,
    pub did: String,
    pub did_n: String,
    pub boot: String,
    pub ratio: String,
}

pub struct MeasureView {
    pub code: &'static str,
    pub label: &'static str,
    pub headline: Option<String>,
    pub cohort: String,
    pub rows: Vec<ComparisonRow>,
    pub chart: LineChart,
    /// (year, cohort, then each group) for the chart's table.
    pub table_head: Vec<String>,
    pub table_rows: Vec<Vec<String>>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

fn measure_view(m: &MeasureResult, years: &[String], n_baseline: usize) -> MeasureView {
    let f = |x: f64| signed(m.measure, x);
    let ci = |lo: f64, hi: f64| format!("{} to {}", f(lo), f(hi));
    let cohort = match (m.cohort_change, m.cohort_change_ci) {
        (Some(c), Some((lo, hi))) => {
            format!("{} (95% CI {}; {} schools)", f(c), ci(lo, hi), m.cohort_schools_with_change)
        }
        (Some(c), None) => format!(
            "{} ({} school{}; too few for an interval)",
            f(c),
            m.cohort_schools_with_change,
            if m.cohort_schools_with_change == 1 { "" } else { "s" }
        ),
        (None, _) => "no cohort school has figures in both periods".into(),
    };
    let mut notes = Vec::new();
    let rows = m
        .comparisons
        .iter()
        .map(|c| {
            if let Some(Ratio::NotMeaningful { why }) = &c.ratio {
                notes.push(format!("No ratio to the national improvement: {why}"));
            }
            ComparisonRow {
                label: c.label.clone(),
                change: c.change.map_or("–".into(), f),
                did: c.did.as_ref().map_or_else(
                    || c.did_problem.clone().unwrap_or_default(),
                    |d| format!("{} (SE {:.3}; 95% CI {})", f(d.estimate), d.se, ci(d.ci_low, d.ci_high)),
                ),
                did_n: c.did.as_ref().map_or(String::new(), |d| {
                    format!(
                        "{} observations, {} schools ({} cohort)",
                        thousands(d.n_obs as u64),
                        thousands(d.n_schools as u64),
                        d.n_treated_schools
                    )
                }),
                boot: c.bootstrap.as_ref().map_or("–".into(), |b| {
                    format!(
                        "{} (95% CI {}; {} v {} schools)",
                        f(b.estimate),
                        ci(b.ci_low, b.ci_high),
                        b.n_treated,
                        thousands(b.n_control as u64)
                    )
                }),
                ratio: match &c.ratio {
                    Some(Ratio::Given { value, ci_low, ci_high }) => {
                        format!("{value:.2} (95% CI {ci_low:.2} to {ci_high:.2})")
                    }
                    Some(Ratio::NotMeaningful { .. }) => "not meaningful (see note)".into(),
                    None => String::new(),
                },
            }
        })
        .collect();
    let value_at = |means: &[aspire_core::evaluation::attainment::YearMean], y: &str| {
        means.iter().find(|m| m.year == y).map(|m| m.mean)
    };
    let mut groups: Vec<(String, &'static str, Vec<Option<f64>>)> =
        vec![("Cohort".into(), "line--cohort", years.iter().map(|y| value_at(&m.cohort_means, y)).collect())];
    let classes = ["line--national", "line--sponsored", "line--matched", "line--eligible"];
    for (i, c) in m.comparisons.iter().enumerate() {
        groups.push((c.label.clone(), classes[i.min(3)], years.iter().map(|y| value_at(&c.means, y)).collect()));
    }
    let unit = if m.measure.kind() == MeasureKind::Percent { "%" } else { "" };
    let chart = charts::line_chart(years, &groups, n_baseline, unit);
    let mut table_head = vec!["Year".to_owned()];
    table_head.extend(groups.iter().map(|g| g.0.clone()));
    let table_rows = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let mut r = vec![y.clone()];
            r.extend(groups.iter().map(|g| g.2[i].map_or("–".into(), |v| format!("{v:.2}"))));
            r
        })
        .collect();
    MeasureView {
        code: m.code,
        label: m.label,
        headline: headline(m),
        cohort,
        rows,
        chart,
        table_head,
        table_rows,
        warnings: m.warnings.clone(),
        notes,
    }
}

pub struct TransitionRow {
    pub prior: String,
    pub cells: Vec<String>,
    pub total: String,
}

#[derive(Template)]
#[template(path = "evaluation_report.html")]
struct ReportPage {
    cohort: Cohort,
    /// The parameters, as the form shows them.
    form: FormState,
    /// The cohort is a programme's schools: the eligible comparison can be chosen.
    programme: bool,
    headlines: Vec<String>,
    ofsted_headline: Option<String>,
    measures: Vec<MeasureView>,
    transitions: Vec<TransitionRow>,
    /// Grade 3's name for inspections in the window.
    grade3_in_window: String,
    ofsted_chart: Option<BarChart>,
    ofsted_problem: Option<String>,
    followed: Vec<String>,
    balance: Vec<Vec<String>>,
    methods: Vec<String>,
    missing: Vec<Vec<String>>,
    csv_url: String,
    xlsx_url: String,
    json_url: String,
    warnings: Vec<String>,
}

const GRADE_NAMES: [(&str, &str); 5] =
    [("1", "Outstanding"), ("2", "Good"), ("3", "Requires improvement"), ("4", "Inadequate"), ("none", "No judgement")];

/// When judgements were made: grade 3 was "Satisfactory" before September 2012.
#[derive(Debug, Clone, Copy)]
enum Made {
    /// Before this date (the judgement before the window).
    Before(chrono::NaiveDate),
    /// Within the window.
    Between(chrono::NaiveDate, chrono::NaiveDate),
}

fn grade_name(k: &str, made: Made) -> &'static str {
    let renamed = aspire_core::ofsted::requires_improvement_from();
    if k == "3" {
        return match made {
            Made::Before(d) if d <= renamed => "Satisfactory",
            Made::Between(_, to) if to < renamed => "Satisfactory",
            Made::Between(from, _) if from >= renamed => "Requires improvement",
            _ => "Requires improvement or Satisfactory",
        };
    }
    GRADE_NAMES.iter().find(|(g, _)| *g == k).map_or("?", |(_, n)| n)
}

fn methods(r: &Report) -> Vec<String> {
    let a = &r.attainment;
    let mut v = vec![format!(
        "Cohort: {} school{}{}. Results are counted under each school's own URN.",
        a.cohort_size,
        if a.cohort_size == 1 { "" } else { "s" },
        match r.unknown_urns.len() {
            0 => String::new(),
            1 => " (1 URN not in the database was left out)".to_owned(),
            n => format!(" ({n} URNs not in the database were left out)"),
        }
    )];
    if !a.urn_changes.is_empty() {
        v.push(format!(
            "{} cohort schools changed URN during these years (an academy conversion, for example) and have results under the new URN; those results were not counted for them.",
            a.urn_changes.len()
        ));
    }
    v.push(format!(
        "Baseline {}; follow-up {}. For each measure and comparison group: the mean of school figures by year; each school's change (mean of its follow-up figures minus mean of its baseline figures, for schools with both); a difference-in-differences regression of school figures on school and year fixed effects and an indicator for cohort schools in follow-up years, with standard errors clustered by school (CR1: G/(G−1)·(N−1)/(N−K)) and normal 95% intervals; and a bootstrap of the difference in mean school changes ({} resamples of schools within each group, seed {}, percentile intervals). Neither is given for a measure with fewer than {} cohort schools with figures in both periods: from so few schools both understate the uncertainty.",
        a.baseline.join(", "),
        a.followup.join(", "),
        thousands(a.replicates as u64),
        a.seed,
        aspire_core::evaluation::attainment::MIN_SCHOOLS_FOR_INTERVAL
    ));
    let published: Vec<String> = a
        .measures
        .iter()
        .filter(|m| m.national_source == NationalSource::Published)
        .map(|m| m.code.to_owned())
        .collect();
    v.push(format!(
        "National figures: the DfE national rows (state-funded schools) where the files imported hold them for every year{}; otherwise the mean of school figures, labelled as computed. Progress scores are 0 nationally by construction.",
        if published.is_empty() { " (none did here)".to_owned() } else { format!(" ({})", published.join(", ")) }
    ));
    let missing: usize = a.missing.iter().map(|m| m.cohort_schools).sum();
    v.push(format!(
        "Missing values: figures marked SUPP, NE, NP, LOWCOV or left blank are left out and counted ({} cohort figures), never treated as zero.",
        thousands(missing as u64)
    ));
    if r.params.sponsored {
        v.push("Sponsored academies: schools whose type of establishment is a sponsor-led academy.".into());
    }
    if let Some(b) = &r.eligible_basis {
        v.push(b.clone());
    }
    if let Some(m) = &a.matching {
        let not_used: Vec<String> =
            m.not_used.iter().map(|(c, n)| format!("{c} (known for {n} cohort schools)")).collect();
        v.push(format!(
            "Matched comparison: for each cohort school, the {} nearest other schools on {} (standardised distance at most {}), with replacement; {} cohort schools matched, {} without a neighbour close enough, {} without complete data.{} Balance is in the table below.",
            m.neighbours,
            m.used.join(", "),
            m.caliper,
            m.cohort_matched,
            m.cohort_unmatched.len(),
            m.cohort_incomplete,
            if not_used.is_empty() { String::new() } else { format!(" Not matched on, being known for fewer than half the cohort: {}.", not_used.join("; ")) }
        ));
    }
    if let Some(o) = &r.ofsted {
        v.push(format!(
            "Ofsted: graded inspections from {} to {}. A school that changed URN is followed to its successor ({} such inspections). The judgement before the window is the school's latest (or its predecessor's) before {}. Other schools: every school not in the cohort with a judgement before the window; the expected share weights their Good-or-better rate for each prior judgement by the cohort's mix. Intervals: Wilson.",
            o.from, o.to, o.followed.len(), o.from
        ));
    }
    v
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let cohort = visible_cohort(&state, &viewer, &id).await?;
    let id = cohort.id;
    let params = match Params::read(&state.db, &q, cohort.programme.is_some()).await? {
        Ok(p) => p,
        Err(form) => {
            let programme = cohort.programme.is_some();
            let body = ParamsPage { cohort, form, programme }.render()?;
            return Ok((StatusCode::BAD_REQUEST, Html(body)).into_response());
        }
    };
    let r = state.evaluation_cache.report(&state.db, id, params.clone()).await?;
    let a = &r.attainment;
    let years: Vec<String> = a.baseline.iter().chain(&a.followup).cloned().collect();
    let measures: Vec<MeasureView> = a.measures.iter().map(|m| measure_view(m, &years, a.baseline.len())).collect();
    let headlines = measures.iter().filter_map(|m| m.headline.clone()).collect();

    let (transitions, ofsted_chart, ofsted_headline, followed) = match &r.ofsted {
        Some(o) => {
            let latest = ["1", "2", "3", "4"];
            let rows = o
                .cohort
                .transitions
                .iter()
                .map(|(prior, row)| TransitionRow {
                    prior: grade_name(prior, Made::Before(o.from)).to_owned(),
                    cells: latest.iter().map(|l| row.get(*l).copied().unwrap_or(0).to_string()).collect(),
                    total: row.values().sum::<usize>().to_string(),
                })
                .collect();
            let share = |t: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, usize>>, p: &str| {
                t.get(p).and_then(|row| {
                    let n: usize = row.values().sum();
                    let good: usize = ["1", "2"].iter().map(|k| row.get(*k).copied().unwrap_or(0)).sum();
                    (n > 0).then(|| good as f64 / n as f64)
                })
            };
            let bars: Vec<(String, Option<f64>, Option<f64>)> = ["2", "3", "4"]
                .iter()
                .filter(|p| o.cohort.transitions.contains_key(**p))
                .map(|p| {
                    (
                        format!("Before: {}", grade_name(p, Made::Before(o.from))),
                        share(&o.cohort.transitions, p),
                        share(&o.reference.transitions, p),
                    )
                })
                .collect();
            let head = o.cohort.good_or_better.as_ref().map(|p| {
                let expected = o
                    .expected_good_or_better
                    .map_or(String::new(), |e| format!(", against {:.0}% expected from other schools with the same prior judgements", e * 100.0));
                format!(
                    "{} of the {} cohort schools were inspected between {} and {}; {:.0}% of those were judged Good or better (95% CI {:.0}% to {:.0}%){expected}.",
                    p.of,
                    o.cohort.schools,
                    o.from.format("%-d %B %Y"),
                    o.to.format("%-d %B %Y"),
                    p.share * 100.0,
                    p.ci_low * 100.0,
                    p.ci_high * 100.0
                )
            });
            let followed = o
                .followed
                .iter()
                .map(|f| format!("URN {} was inspected as URN {} on {}", f.urn, f.inspected_as, f.date))
                .collect();
            (rows, (!bars.is_empty()).then(|| charts::bar_chart(&bars)), head, followed)
        }
        None => (Vec::new(), None, None, Vec::new()),
    };
    let balance = a.matching.as_ref().map_or_else(Vec::new, |m| {
        m.balance
            .iter()
            .map(|b| {
                vec![
                    b.covariate.to_owned(),
                    format!("{:.2}", b.cohort_mean),
                    format!("{:.2}", b.pool_mean),
                    format!("{:.2}", b.matched_mean),
                    format!("{:+.2}", b.smd_before),
                    format!("{:+.2}", b.smd_after),
                ]
            })
            .collect()
    });
    let missing = a
        .missing
        .iter()
        .map(|m| vec![m.measure.to_owned(), m.year.clone(), m.reason.clone(), m.cohort_schools.to_string()])
        .collect();
    let query = params.query();
    let mut warnings: Vec<String> = r.ofsted.as_ref().map_or_else(Vec::new, |o| o.warnings.clone());
    if !a.measures_without_data.is_empty() {
        warnings.push(format!("No figures in these years for: {}.", a.measures_without_data.join(", ")));
    }
    page(ReportPage {
        cohort: r.cohort.clone(),
        form: params.form(),
        programme: r.cohort.programme.is_some(),
        headlines,
        ofsted_headline,
        measures,
        transitions,
        grade3_in_window: r
            .ofsted
            .as_ref()
            .map_or("Requires improvement", |o| grade_name("3", Made::Between(o.from, o.to)))
            .to_owned(),
        ofsted_chart,
        ofsted_problem: r.ofsted_problem.clone(),
        followed,
        balance,
        methods: methods(&r),
        missing,
        csv_url: url_with(&urls::cohort_csv(id), &query),
        xlsx_url: url_with(&urls::cohort_xlsx(id), &query),
        json_url: url_with(&urls::cohort_json(id), &query),
        warnings,
    })
    .map(IntoResponse::into_response)
}

/// The report's form sent with mistakes: the problems and what was typed, and no report.
#[derive(Template)]
#[template(path = "evaluation_params.html")]
struct ParamsPage {
    cohort: Cohort,
    form: FormState,
    programme: bool,
}

async fn load(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    q: &HashMap<String, String>,
) -> Result<std::sync::Arc<Report>, WebError> {
    let cohort = visible_cohort(state, viewer, id).await?;
    // A download is a link, not a form: its mistakes are said on an error page.
    let params = Params::read(&state.db, q, cohort.programme.is_some()).await?.map_err(|form| {
        let problems: Vec<&str> = form.errors().iter().map(|e| e.message.as_str()).collect();
        WebError::BadRequest(format!("{}.", problems.join(". ")))
    })?;
    state.evaluation_cache.report(&state.db, cohort.id, params).await
}

/// The cohort at `/evaluation/{id}`, if the viewer may see it: a programme's cohort lives in its
/// programme like the programme's other records. A cohort that does not exist and one outside
/// the viewer's programmes get the same answer, so that ids reveal nothing.
async fn visible_cohort(state: &AppState, viewer: &Viewer, id: &str) -> Result<Cohort, WebError> {
    let principal = &viewer.signed_in()?.principal;
    let missing = || {
        WebError::NotFound(format!("There is no cohort {id} that you can see. Choose one from the list of cohorts."))
    };
    let Ok(id) = id.parse::<i64>() else { return Err(missing()) };
    let Some((cohort, _)) = state.db.cohort(id).await? else { return Err(missing()) };
    let place = cohort.programme.map_or(Place::NOWHERE, Place::programme);
    if !principal.may(Action::View, Record::Evaluation, &place) {
        return Err(missing());
    }
    Ok(cohort)
}

pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, WebError> {
    let r = load(&state, &viewer, &id, &q).await?;
    let (headers, rows) = aspire_app::exports::attainment_table(&r.attainment);
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| crate::routes::export_failed(e);
    w.write_record(headers).map_err(err)?;
    for row in rows {
        w.write_record(row).map_err(err)?;
    }
    let body = w.into_inner().map_err(crate::routes::export_failed)?;
    Ok(crate::routes::download("text/csv; charset=utf-8", &format!("evaluation-{id}.csv"), body))
}

pub async fn json(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, WebError> {
    let r = load(&state, &viewer, &id, &q).await?;
    let body = serde_json::to_vec_pretty(&*r).map_err(crate::routes::export_failed)?;
    Ok(crate::routes::download("application/json", &format!("evaluation-{id}.json"), body))
}

pub async fn xlsx(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, WebError> {
    use rust_xlsxwriter::{Format, Workbook};
    let r = load(&state, &viewer, &id, &q).await?;
    let err = |e: rust_xlsxwriter::XlsxError| crate::routes::export_failed(e);
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();
    let (headers, rows) = aspire_app::exports::attainment_table(&r.attainment);
    let sheet = book.add_worksheet().set_name("Attainment").map_err(err)?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
    }
    for (i, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match (c, v.parse::<f64>()) {
                (0 | 1, _) | (_, Err(_)) => sheet.write_string(i as u32 + 1, c as u16, v).map_err(err)?,
                (_, Ok(x)) => sheet.write_number(i as u32 + 1, c as u16, x).map_err(err)?,
            };
        }
    }
    if let Some(o) = &r.ofsted {
        let s = book.add_worksheet().set_name("Ofsted").map_err(err)?;
        for (c, h) in ["group", "judgement before", "latest in window", "schools"].iter().enumerate() {
            s.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
        }
        let mut row = 1;
        for (name, g) in [("cohort", &o.cohort), ("other schools", &o.reference)] {
            for (prior, latest) in &g.transitions {
                for (l, n) in latest {
                    s.write_string(row, 0, name).map_err(err)?;
                    s.write_string(row, 1, grade_name(prior, Made::Before(o.from))).map_err(err)?;
                    s.write_string(row, 2, grade_name(l, Made::Between(o.from, o.to))).map_err(err)?;
                    s.write_number(row, 3, *n as f64).map_err(err)?;
                    row += 1;
                }
            }
        }
    }
    let m = book.add_worksheet().set_name("Methods").map_err(err)?;
    m.write_string_with_format(0, 0, &r.cohort.name, &bold).map_err(err)?;
    for (i, line) in methods(&r).iter().enumerate() {
        m.write_string(i as u32 + 1, 0, line).map_err(err)?;
    }
    let body = book.save_to_buffer().map_err(err)?;
    Ok(crate::routes::download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("evaluation-{id}.xlsx"),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn grade_3_is_named_as_ofsted_named_it_when_the_judgements_were_made() {
        assert_eq!(grade_name("3", Made::Before(d(2011, 9, 1))), "Satisfactory");
        assert_eq!(grade_name("3", Made::Before(d(2017, 9, 1))), "Requires improvement or Satisfactory");
        assert_eq!(grade_name("3", Made::Between(d(2010, 9, 1), d(2012, 8, 31))), "Satisfactory");
        assert_eq!(
            grade_name("3", Made::Between(d(2011, 9, 1), d(2013, 8, 31))),
            "Requires improvement or Satisfactory"
        );
        assert_eq!(grade_name("3", Made::Between(d(2017, 9, 1), d(2019, 8, 31))), "Requires improvement");
        assert_eq!(grade_name("2", Made::Before(d(2011, 9, 1))), "Good");
    }

    #[test]
    fn sentences_say_improved_or_fell() {
        assert_eq!(verb(0.3), "improved by");
        assert_eq!(verb(-0.3), "fell by");
        assert_eq!(points(Measure::RwmExpected, -3.04), "3.0 percentage points");
        assert_eq!(points(Measure::RwmExpected, 1.0), "1.0 percentage point");
    }
}
