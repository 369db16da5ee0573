//! Evaluating a cohort: its KS2 results against comparison groups, and its Ofsted outcomes in
//! a window. The checks on what is asked (years held, groups, the window), the eligible schools
//! that did not take part, and the estimates, once for the command line and the web.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use aspire_core::eligibility::Outcome;
use aspire_core::evaluation::attainment::Settings;
use aspire_core::evaluation::ofsted::OfstedOutcomes;
use aspire_core::ks2::Measure;
use aspire_core::people::ProgrammeId;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;
use aspire_store::{AttainmentReport, AttainmentRequest, Comparison, Db, Scope, StoreError};

/// What to evaluate: a cohort's schools (those the register knows), the measures, the groups to
/// compare with and the estimators' settings.
#[derive(Debug, Clone)]
pub struct AttainmentQuery {
    pub cohort: BTreeSet<Urn>,
    /// The programme whose schools the cohort is, for the eligible comparison.
    pub programme: Option<ProgrammeId>,
    pub measures: Vec<Measure>,
    pub comparisons: Vec<Comparison>,
    pub settings: Settings,
    pub follow_urn_changes: bool,
}

/// The eligible schools compared with: how many the rule set found, and on what basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibleComparison {
    pub schools: usize,
    pub rule_set: String,
    pub starts_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Attainment {
    pub report: AttainmentReport,
    /// Set when the eligible schools that did not take part are a comparison group.
    pub eligible: Option<EligibleComparison>,
}

/// Why a cohort cannot be evaluated as asked. Each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("the baseline ({baseline}) must come before the follow-up ({followup})")]
    Order { baseline: AcademicYear, followup: AcademicYear },
    #[error(
        "the database has no KS2 results for {} (it holds {}); note there were no KS2 results in 2019/20 and 2020/21",
        years(.missing),
        if .held.is_empty() { "none".to_owned() } else { years(.held) }
    )]
    YearsNotHeld { missing: Vec<AcademicYear>, held: Vec<AcademicYear> },
    #[error("name at least one comparison group: national, sponsored or matched")]
    NoComparison,
    #[error("the eligible comparison is for a programme's schools: use --programme ID")]
    EligibleNeedsProgramme,
    #[error("there is no programme {0}")]
    NoProgramme(ProgrammeId),
    #[error("programme {0} has no eligibility rule set and start date for which the rule set answers")]
    NoEligibleSet(ProgrammeId),
    #[error("the window starts ({from}) after it ends ({to})")]
    Window { from: NaiveDate, to: NaiveDate },
    #[error("the database holds no Ofsted inspections: import an inspection history or GIAS extract first")]
    NoInspections,
    #[error("the database holds inspections from {first} to {last}; the window {from} to {to} is outside them")]
    Outside { first: NaiveDate, last: NaiveDate, from: NaiveDate, to: NaiveDate },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn years(v: &[AcademicYear]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The baseline years come before the follow-up years, and the database holds results for all.
pub async fn check_years(db: &Db, baseline: &[AcademicYear], followup: &[AcademicYear]) -> Result<(), EvaluateError> {
    if let (Some(b), Some(f)) = (baseline.iter().max(), followup.iter().min())
        && b >= f
    {
        return Err(EvaluateError::Order { baseline: *b, followup: *f });
    }
    let held = db.ks2_result_years().await?;
    let missing: Vec<AcademicYear> = baseline.iter().chain(followup).filter(|y| !held.contains(y)).copied().collect();
    if !missing.is_empty() {
        return Err(EvaluateError::YearsNotHeld { missing, held });
    }
    Ok(())
}

/// The cohort's KS2 results against the groups asked for (see [`Db::evaluate_attainment`]).
pub async fn attainment(db: &Db, q: &AttainmentQuery) -> Result<Attainment, EvaluateError> {
    check_years(db, &q.settings.baseline, &q.settings.followup).await?;
    if q.comparisons.is_empty() {
        return Err(EvaluateError::NoComparison);
    }
    let (eligible_set, eligible) = if q.comparisons.contains(&Comparison::Eligible) {
        let p = q.programme.ok_or(EvaluateError::EligibleNeedsProgramme)?;
        let programme = db.programme(p).await?.ok_or(EvaluateError::NoProgramme(p))?;
        let set = programme_eligible(db, p).await?.ok_or(EvaluateError::NoEligibleSet(p))?;
        let (Some(rule_set), Some(starts_on)) = (programme.rule_set, programme.starts_on) else {
            return Err(EvaluateError::NoEligibleSet(p));
        };
        let found = EligibleComparison { schools: set.len(), rule_set, starts_on };
        (Some(set), Some(found))
    } else {
        (None, None)
    };
    let req = AttainmentRequest {
        cohort: q.cohort.clone(),
        measures: q.measures.clone(),
        comparisons: q.comparisons.clone(),
        settings: q.settings.clone(),
        follow_urn_changes: q.follow_urn_changes,
        eligible: eligible_set,
    };
    Ok(Attainment { report: db.evaluate_attainment(&req).await?, eligible })
}

/// The inspections held, first to last, when the window `from`..`to` lies (partly) inside them.
pub async fn inspections_cover(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<(), EvaluateError> {
    if from > to {
        return Err(EvaluateError::Window { from, to });
    }
    let Some((first, last)) = db.inspection_period().await? else { return Err(EvaluateError::NoInspections) };
    if from > last || to < first {
        return Err(EvaluateError::Outside { first, last, from, to });
    }
    Ok(())
}

/// The cohort's Ofsted outcomes in the window, checked first by [`inspections_cover`].
pub async fn ofsted(
    db: &Db,
    cohort: &BTreeSet<Urn>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<OfstedOutcomes, EvaluateError> {
    inspections_cover(db, from, to).await?;
    Ok(db.evaluate_ofsted(cohort, from, to).await?)
}

/// The schools eligible for a programme: its rule set, on its start date. `None` when the
/// programme names no rule set or start date, or the rule set cannot answer for that date.
pub async fn programme_eligible(db: &Db, programme: ProgrammeId) -> Result<Option<BTreeSet<Urn>>, StoreError> {
    let Some(p) = db.programme(programme).await? else { return Ok(None) };
    let (Some(rule_set), Some(starts)) = (p.rule_set, p.starts_on) else { return Ok(None) };
    let opts = aspire_import::ImportOptions::new(chrono::Utc::now().date_naive());
    let Ok(rules) = aspire_import::load_rule_set(&rule_set, &opts) else { return Ok(None) };
    if rules.rules.covers(starts).is_err() {
        return Ok(None);
    }
    Ok(Some(
        db.eligibility(&rules, starts, Scope::All)
            .await?
            .into_iter()
            .filter(|r| r.decision.outcome == Outcome::Eligible)
            .map(|r| r.decision.urn)
            .collect(),
    ))
}
