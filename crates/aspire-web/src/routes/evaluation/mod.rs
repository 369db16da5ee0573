//! Evaluation reports: a cohort's KS2 results and Ofsted outcomes against comparison groups,
//! written as sentences with their intervals, with charts, methods and downloads.

pub(crate) mod charts;
pub mod report;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use serde::Serialize;

use aspire_app::evaluation::EvaluateError;
use aspire_core::evaluation::attainment::Settings;
use aspire_core::evaluation::ofsted::OfstedOutcomes;
use aspire_core::year::AcademicYear;
use aspire_store::{AttainmentReport, Cohort, Comparison, DEFAULT_MEASURES, Db};

use crate::WebError;
use crate::forms::FormState;
use aspire_core::text::capitalise;

/// The report's parameters, from the query string, with defaults from the data held.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Params {
    pub baseline: Vec<AcademicYear>,
    pub followup: Vec<AcademicYear>,
    pub national: bool,
    pub sponsored: bool,
    pub matched: bool,
    /// Eligible schools that did not take part (for a programme's cohort).
    pub eligible: bool,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn years(s: &str) -> Result<Vec<AcademicYear>, String> {
    let mut v = Vec::new();
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        v.push(AcademicYear::parse(p).map_err(|e| capitalise(&e.to_string()))?);
    }
    v.sort();
    v.dedup();
    Ok(v)
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: write it as YYYY-MM-DD, for example 2018-09-01"))
}

/// The comparison groups, as the form's checkboxes name them.
const GROUPS: [&str; 4] = ["national", "sponsored", "matched", "eligible"];

impl Params {
    /// `programme`: the cohort is a programme's schools (the eligible comparison is then on by
    /// default). Mistakes in the query come back together, as the form to show again (`Err`
    /// inside); the outer error is the database's.
    pub async fn read(
        db: &Db,
        q: &HashMap<String, String>,
        programme: bool,
    ) -> Result<Result<Params, FormState>, WebError> {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let held = db.ks2_result_years().await?;
        if held.len() < 2 {
            return Err(WebError::BadRequest(
                "The database holds KS2 results for fewer than two years: import more results to evaluate a change."
                    .into(),
            ));
        }
        let mut form = FormState::new();
        for (k, v) in q {
            form.keep(k, v);
        }
        let half = held.len() / 2;
        let mut period = |field: &str, default: &[AcademicYear]| match get(field) {
            Some(s) => years(&s).unwrap_or_else(|e| {
                form.problem(field, e);
                Vec::new()
            }),
            None => default.to_vec(),
        };
        let baseline = period("baseline", &held[..half]);
        let followup = period("followup", &held[half..]);
        if form.error("baseline").is_none() && baseline.is_empty() {
            form.problem("baseline", "Give at least one baseline year, for example 2015/16");
        }
        if form.error("followup").is_none() && followup.is_empty() {
            form.problem("followup", "Give at least one follow-up year, for example 2017/18");
        }
        if !baseline.is_empty() && !followup.is_empty() && baseline.iter().max() >= followup.iter().min() {
            form.problem("baseline", "The baseline years must all come before the follow-up years");
        }
        let unheld: Vec<String> =
            baseline.iter().chain(&followup).filter(|y| !held.contains(y)).map(ToString::to_string).collect();
        if !unheld.is_empty() {
            let field = if baseline.iter().any(|y| !held.contains(y)) { "baseline" } else { "followup" };
            form.problem(
                field,
                format!(
                    "There are no KS2 results for {} in the database: it holds {}",
                    unheld.join(", "),
                    held.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        let mut when = |field: &str, default: NaiveDate| match get(field) {
            Some(s) => date(&s).unwrap_or_else(|e| {
                form.problem(field, e);
                default
            }),
            None => default,
        };
        let from = when("from", followup.iter().min().map_or(NaiveDate::MIN, |y| y.first_day()));
        let to = when("to", followup.iter().max().map_or(NaiveDate::MAX, |y| y.last_day()));
        if from > to && form.error("from").is_none() && form.error("to").is_none() {
            form.problem("from", "The Ofsted window starts after it ends: give a start date before the end date");
        }
        let any = GROUPS.iter().any(|k| q.contains_key(*k));
        let flag = |k: &str, default: bool| if any { q.contains_key(k) } else { default };
        let p = Params {
            baseline,
            followup,
            national: flag("national", true),
            sponsored: flag("sponsored", true),
            matched: flag("matched", false),
            eligible: flag("eligible", programme),
            from,
            to,
        };
        if !any {
            // The defaults, shown ticked when the form comes back.
            for (k, on) in
                [("national", p.national), ("sponsored", p.sponsored), ("matched", p.matched), ("eligible", p.eligible)]
            {
                if on {
                    form.keep(k, "on");
                }
            }
        }
        if p.eligible && !programme {
            form.problem(
                "national",
                "This cohort is not a programme's schools, so it has no eligible schools that did not take part",
            );
        }
        if !(p.national || p.sponsored || p.matched || p.eligible) {
            form.problem("national", "Choose at least one comparison group");
        }
        Ok(if form.has_errors() { Err(form) } else { Ok(p) })
    }

    /// The form filled in with these parameters.
    pub fn form(&self) -> FormState {
        let mut form = FormState::new();
        for (k, v) in self.query() {
            form.keep(k, &v);
        }
        form
    }

    pub fn query(&self) -> Vec<(&'static str, String)> {
        let join = |v: &[AcademicYear]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
        let mut q = vec![
            ("baseline", join(&self.baseline)),
            ("followup", join(&self.followup)),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
        ];
        for (k, on) in [
            ("national", self.national),
            ("sponsored", self.sponsored),
            ("matched", self.matched),
            ("eligible", self.eligible),
        ] {
            if on {
                q.push((k, "on".into()));
            }
        }
        q
    }
}

/// Everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cohort: Cohort,
    pub params: Params,
    pub attainment: AttainmentReport,
    pub ofsted: Option<OfstedOutcomes>,
    /// Why there are no Ofsted outcomes, when there are none.
    pub ofsted_problem: Option<String>,
    pub unknown_urns: Vec<u32>,
    /// How the eligible schools that did not take part were found, when they were.
    pub eligible_basis: Option<String>,
}

pub const REPLICATES: usize = 1000;
pub const SEED: u64 = 20170901;

type Key = (i64, Params, i64);

type Cached = Option<(Key, Arc<Report>)>;

#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<Cached>>);

impl Cache {
    /// The report for a cohort, reused until the next import or other parameters.
    pub async fn report(&self, db: &Db, id: i64, params: Params) -> Result<Arc<Report>, WebError> {
        let newest = db.register_generation().await?;
        let key = (id, params.clone(), newest);
        if let Ok(g) = self.0.lock()
            && let Some((k, r)) = g.as_ref().filter(|(k, _)| *k == key)
        {
            let _ = k;
            return Ok(r.clone());
        }
        let (cohort, members) =
            db.cohort(id).await?.ok_or_else(|| WebError::NotFound(format!("There is no cohort #{id}.")))?;
        let known = db.known_urns(&members).await?;
        let unknown_urns: Vec<u32> = members.difference(&known).map(|u| u.get()).collect();
        let mut comparisons = Vec::new();
        for (on, c) in [
            (params.national, Comparison::National),
            (params.sponsored, Comparison::Sponsored),
            (params.matched, Comparison::Matched),
            (params.eligible, Comparison::Eligible),
        ] {
            if on {
                comparisons.push(c);
            }
        }
        let query = aspire_app::evaluation::AttainmentQuery {
            cohort: known.iter().copied().collect::<BTreeSet<_>>(),
            programme: cohort.programme,
            measures: DEFAULT_MEASURES.to_vec(),
            comparisons,
            settings: Settings {
                baseline: params.baseline.clone(),
                followup: params.followup.clone(),
                replicates: REPLICATES,
                seed: SEED,
                level: 0.95,
            },
            follow_urn_changes: false,
        };
        let found = aspire_app::evaluation::attainment(db, &query).await.map_err(|e| match e {
            EvaluateError::Store(e) => WebError::from(e),
            EvaluateError::NoProgramme(p) => WebError::NotFound(format!("There is no programme {p}.")),
            EvaluateError::NoEligibleSet(_) => WebError::BadRequest(
                "The programme has no eligibility rule set and start date for which the rule set answers, so its eligible schools cannot be found.".into(),
            ),
            e => WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))),
        })?;
        let eligible_basis = found.eligible.map(|e| {
            format!(
                "Eligible schools that did not take part: the {} schools the rule set {} finds eligible on the programme's start date ({}), less the cohort.",
                e.schools, e.rule_set, e.starts_on
            )
        });
        let attainment = found.report;
        // An Ofsted window outside the inspections held is said on the report, not refused.
        let (ofsted, ofsted_problem) = match aspire_app::evaluation::ofsted(db, &known, params.from, params.to).await {
            Ok(o) => (Some(o), None),
            Err(EvaluateError::Outside { first, last, .. }) => (
                None,
                Some(format!("The database holds inspections from {first} to {last}: the window is outside them.")),
            ),
            Err(EvaluateError::NoInspections) => (None, Some("The database holds no Ofsted inspections.".into())),
            Err(EvaluateError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(WebError::BadRequest(format!("{}.", capitalise(&e.to_string())))),
        };
        let report =
            Arc::new(Report { cohort, params, attainment, ofsted, ofsted_problem, unknown_urns, eligible_basis });
        if let Ok(mut g) = self.0.lock() {
            *g = Some((key, report.clone()));
        }
        Ok(report)
    }
}
