//! Evaluation reports: a cohort's KS2 results and Ofsted outcomes against comparison groups,
//! written as sentences with their intervals, with charts, methods and downloads.

mod charts;
pub mod report;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use serde::Serialize;

use aspire_core::evaluation::attainment::Settings;
use aspire_core::evaluation::ofsted::OfstedOutcomes;
use aspire_core::year::AcademicYear;
use aspire_store::{AttainmentReport, AttainmentRequest, Cohort, Comparison, DEFAULT_MEASURES, Db};

use crate::WebError;

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

fn years(s: &str) -> Result<Vec<AcademicYear>, WebError> {
    let mut v = Vec::new();
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        v.push(AcademicYear::parse(p).map_err(|e| WebError::BadRequest(e.to_string()))?);
    }
    v.sort();
    v.dedup();
    Ok(v)
}

fn date(s: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| WebError::BadRequest(format!("'{s}' is not a date: write it as YYYY-MM-DD.")))
}

impl Params {
    /// `programme`: the cohort is a programme's schools (the eligible comparison is then on by
    /// default).
    pub async fn read(db: &Db, q: &HashMap<String, String>, programme: bool) -> Result<Params, WebError> {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let held = db.ks2_result_years().await?;
        if held.len() < 2 {
            return Err(WebError::BadRequest(
                "The database holds KS2 results for fewer than two years: import more results to evaluate a change."
                    .into(),
            ));
        }
        let half = held.len() / 2;
        let baseline = match get("baseline") {
            Some(s) => years(&s)?,
            None => held[..half].to_vec(),
        };
        let followup = match get("followup") {
            Some(s) => years(&s)?,
            None => held[half..].to_vec(),
        };
        if baseline.is_empty() || followup.is_empty() {
            return Err(WebError::BadRequest("Give at least one baseline and one follow-up year.".into()));
        }
        if baseline.iter().max() >= followup.iter().min() {
            return Err(WebError::BadRequest("The baseline years must all come before the follow-up years.".into()));
        }
        let unheld: Vec<String> =
            baseline.iter().chain(&followup).filter(|y| !held.contains(y)).map(ToString::to_string).collect();
        if !unheld.is_empty() {
            return Err(WebError::BadRequest(format!(
                "There are no KS2 results for {} in the database (it holds {}).",
                unheld.join(", "),
                held.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )));
        }
        let any = ["national", "sponsored", "matched", "eligible"].iter().any(|k| q.contains_key(*k));
        let flag = |k: &str, default: bool| if any { q.contains_key(k) } else { default };
        let from = match get("from") {
            Some(s) => date(&s)?,
            None => followup.iter().min().map_or(NaiveDate::MIN, |y| y.first_day()),
        };
        let to = match get("to") {
            Some(s) => date(&s)?,
            None => followup.iter().max().map_or(NaiveDate::MAX, |y| y.last_day()),
        };
        if from > to {
            return Err(WebError::BadRequest("The Ofsted window starts after it ends.".into()));
        }
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
        if p.eligible && !programme {
            return Err(WebError::BadRequest(
                "This cohort is not a programme's schools, so it has no eligible schools that did not take part."
                    .into(),
            ));
        }
        if !(p.national || p.sponsored || p.matched || p.eligible) {
            return Err(WebError::BadRequest("Choose at least one comparison group.".into()));
        }
        Ok(p)
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
        let (eligible, eligible_basis) = match (params.eligible, cohort.programme) {
            (true, Some(p)) => {
                let programme =
                    db.programme(p).await?.ok_or_else(|| WebError::NotFound(format!("There is no programme {p}.")))?;
                let set = db.programme_eligible(p).await?.ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "The programme {} has no eligibility rule set and start date for which the rule set answers, so its eligible schools cannot be found.",
                        programme.name
                    ))
                })?;
                let basis = format!(
                    "Eligible schools that did not take part: the {} schools the rule set {} finds eligible on the programme's start date ({}), less the cohort.",
                    set.len(),
                    programme.rule_set.unwrap_or_default(),
                    programme.starts_on.map(|d| d.to_string()).unwrap_or_default()
                );
                (Some(set), Some(basis))
            }
            _ => (None, None),
        };
        let req = AttainmentRequest {
            cohort: known.iter().copied().collect::<BTreeSet<_>>(),
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
            eligible,
        };
        let attainment = db.evaluate_attainment(&req).await?;
        let (ofsted, ofsted_problem) = match db.inspection_period().await? {
            Some((first, last)) if params.from <= last && params.to >= first => {
                (Some(db.evaluate_ofsted(&known, params.from, params.to).await?), None)
            }
            Some((first, last)) => (
                None,
                Some(format!("The database holds inspections from {first} to {last}: the window is outside them.")),
            ),
            None => (None, Some("The database holds no Ofsted inspections.".into())),
        };
        let report =
            Arc::new(Report { cohort, params, attainment, ofsted, ofsted_problem, unknown_urns, eligible_basis });
        if let Ok(mut g) = self.0.lock() {
            *g = Some((key, report.clone()));
        }
        Ok(report)
    }
}
