//! Recruitment: the programmes open to schools, where they recruit and the networks they have
//! published (public by design, the "join" page, so read whole, for anyone); the eligibility
//! decision kept with each school that enquires or is added; adding schools to a programme and
//! moving them through the pipeline's stages.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use aspire_core::access::Visible;
use aspire_core::eligibility::RuleSet;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{Stage, StageError};
use aspire_core::urn::Urn;
use aspire_store::{
    Actor, Db, EligibilityCheck, Enrolment, Programme, ProgrammeArea, ProgrammeError, Scope, StoreError,
};

/// A programme recruiting in named areas, with its published networks.
#[derive(Debug, Clone)]
pub struct OpenProgramme {
    pub programme: Programme,
    pub areas: Vec<ProgrammeArea>,
    pub published: Vec<PublishedNetwork>,
}

/// A network the programme has published, as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedNetwork {
    pub name: String,
    pub schools: usize,
}

/// A programme that takes enquiries from the public, with its areas: `None` when there is no
/// such programme or it names no area (then it is not recruiting).
pub async fn recruiting(db: &Db, id: ProgrammeId) -> Result<Option<(Programme, Vec<ProgrammeArea>)>, StoreError> {
    let Some(programme) = db.programme(id).await? else { return Ok(None) };
    // Where a programme recruits is public by design.
    let areas = db.programme_areas(id, &Visible::everything()).await?;
    Ok((!areas.is_empty()).then_some((programme, areas)))
}

/// Every programme that names the areas it recruits in: what `/join` offers.
pub async fn open_programmes(db: &Db) -> Result<Vec<OpenProgramme>, StoreError> {
    let public = Visible::everything();
    let mut out = Vec::new();
    for programme in db.programmes(&public, &public).await? {
        let areas = db.programme_areas(programme.id, &public).await?;
        if areas.is_empty() {
            continue;
        }
        // Only published networks are public.
        let published = db
            .networks(programme.id, &public)
            .await?
            .into_iter()
            .filter(|n| n.published_at.is_some())
            .map(|n| PublishedNetwork { name: n.name, schools: n.schools })
            .collect();
        out.push(OpenProgramme { programme, areas, published });
    }
    Ok(out)
}

/// Eligibility decisions for some schools under a programme's rule set, as kept with an
/// enquiry or an enrolment: as of the programme's start (today when it has none), or the nearest
/// date the rule set answers for, which the first reason then says. Empty when the programme
/// names no rule set, or one this program does not bundle.
pub async fn eligibility_checks(
    db: &Db,
    programme: &Programme,
    urns: &[Urn],
    today: NaiveDate,
) -> Result<Vec<(Urn, EligibilityCheck)>, StoreError> {
    let Some(id) = &programme.rule_set else { return Ok(Vec::new()) };
    let Ok(rules) = aspire_import::load_rule_set(id, &aspire_import::ImportOptions::new(today)) else {
        return Ok(Vec::new());
    };
    let basis = decision_basis(&rules.rules, programme.starts_on.unwrap_or(today));
    let rows = db.eligibility(&rules, basis.as_of, Scope::Urns(urns)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let check = EligibilityCheck {
                outcome: row.decision.outcome,
                reasons: basis
                    .moved
                    .clone()
                    .into_iter()
                    .chain(row.decision.findings.into_iter().map(|f| f.text))
                    .collect(),
                basis: basis.text.clone(),
            };
            (row.decision.urn, check)
        })
        .collect())
}

/// The schools of `urns` the programme's own rule set does not find eligible (not eligible, or
/// eligibility cannot be told), with their checks: enrolling them is asked about first, as on
/// the board.
pub async fn not_found_eligible(
    db: &Db,
    programme: &Programme,
    urns: &[Urn],
    today: NaiveDate,
) -> Result<Vec<(Urn, EligibilityCheck)>, StoreError> {
    Ok(eligibility_checks(db, programme, urns, today)
        .await?
        .into_iter()
        .filter(|(_, c)| c.outcome != aspire_core::eligibility::Outcome::Eligible)
        .collect())
}

/// The date a programme's schools are decided as of, and how the decision names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Basis {
    as_of: NaiveDate,
    /// "tlif-2017 version 1, as of 2017-11-01".
    text: String,
    /// Why the date is not the one wanted, when the rule set does not answer for that.
    moved: Option<String>,
}

/// `wanted`, or the nearest day of the rule set's period when it lies outside it.
fn decision_basis(rules: &RuleSet, wanted: NaiveDate) -> Basis {
    let from_start = wanted.max(rules.valid_from);
    let as_of = rules.valid_to.map_or(from_start, |to| from_start.min(to));
    let moved = (as_of != wanted).then(|| {
        format!(
            "The rule set answers only from {} to {}: the decision is as of {as_of}, not the programme start {wanted}.",
            rules.valid_from,
            rules.valid_to.map_or_else(|| "now".to_owned(), |d| d.to_string())
        )
    });
    Basis { as_of, text: format!("{} version {}, as of {as_of}", rules.id, rules.version), moved }
}

/// Said when a programme's rule set does not answer for the programme's dates (then every
/// decision is made as of the nearest day it covers), or is not one this program knows; with
/// what to do. `None` when it covers them, or there is no rule set or no start.
pub fn rule_set_warning(programme: &Programme, today: NaiveDate) -> Option<String> {
    let id = programme.rule_set.as_deref()?;
    let start = programme.starts_on?;
    let Ok(loaded) = aspire_import::load_rule_set(id, &aspire_import::ImportOptions::new(today)) else {
        return Some(format!(
            "the eligibility rule set '{id}' is not one this version of Aspire knows, so no school can be checked: create the programme with one of {}.",
            aspire_import::bundled_ids().join(", ")
        ));
    };
    let r = &loaded.rules;
    let end = programme.ends_on.unwrap_or(start);
    let covered = start >= r.valid_from && r.valid_to.is_none_or(|to| end <= to);
    (!covered).then(|| {
        let until = r.valid_to.map_or_else(|| "now".to_owned(), |d| d.to_string());
        format!(
            "the eligibility rule set {id} answers only from {} to {until}, but the programme runs from {start} to {end}: schools are decided as of the nearest day it covers, which may not be what the programme means. Choose a rule set whose period covers the programme, or check the programme's dates.",
            r.valid_from
        )
    })
}

/// Schools to add to a programme, as typed.
#[derive(Debug, Clone, Default)]
pub struct EnrolRequest {
    /// URNs, one an entry.
    pub urns: Vec<String>,
    /// The stage they start at; empty: enrolled.
    pub stage: String,
}

/// The part of a request a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolField {
    Urns,
    Stage,
}

/// One thing wrong with a request to add schools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolProblem {
    pub field: EnrolField,
    pub message: String,
}

/// What adding schools did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    /// Schools new to the programme.
    pub added: usize,
    /// URNs given that were in it already (a URN given twice counts again).
    pub already: usize,
}

/// Why schools cannot be added. Nothing has been changed when one of the first two is returned.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error("there is no programme {0}")]
    NoProgramme(ProgrammeId),
    /// Every problem with the request, each URN that is not one or not in the register named.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<EnrolProblem>),
    #[error("{0}")]
    Save(ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn unknown_school(urn: Urn) -> EnrolProblem {
    EnrolProblem {
        field: EnrolField::Urns,
        message: format!("URN {urn} is not in the register: check it, or import the school's GIAS record first"),
    }
}

/// Adds schools to a programme at a stage, all or none, and keeps with each school new to it
/// the eligibility decision under the programme's rule set, as an enquiry keeps one.
pub async fn enrol(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    req: &EnrolRequest,
    today: NaiveDate,
) -> Result<Enrolled, EnrolError> {
    let found = db.programme(programme).await?.ok_or(EnrolError::NoProgramme(programme))?;
    let mut problems = Vec::new();
    let mut urns = Vec::new();
    for text in req.urns.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
        match Urn::parse(text) {
            Ok(u) => urns.push(u),
            Err(e) => problems.push(EnrolProblem { field: EnrolField::Urns, message: e.to_string() }),
        }
    }
    if urns.is_empty() && problems.is_empty() {
        problems.push(EnrolProblem { field: EnrolField::Urns, message: "enter at least one URN".into() });
    }
    let stage = match req.stage.trim() {
        "" => Stage::Enrolled,
        s => Stage::parse(s).unwrap_or_else(|e| {
            problems.push(EnrolProblem { field: EnrolField::Stage, message: e.to_string() });
            Stage::Enrolled
        }),
    };
    // Whether the register knows a school is worth asking only of a list that reads.
    if problems.is_empty() {
        let known = db.known_urns(&urns.iter().copied().collect()).await?;
        let mut named = BTreeSet::new();
        problems.extend(urns.iter().filter(|u| !known.contains(u) && named.insert(**u)).map(|u| unknown_school(*u)));
    }
    if !problems.is_empty() {
        return Err(EnrolError::Invalid(problems));
    }
    let added = match db.enrol(actor, programme, &urns, stage).await {
        Ok(n) => n,
        // Removed from the register since it was checked.
        Err(ProgrammeError::UnknownSchool(u)) => return Err(EnrolError::Invalid(vec![unknown_school(u)])),
        Err(ProgrammeError::NoSuchProgramme(id)) => return Err(EnrolError::NoProgramme(id)),
        Err(e) => return Err(EnrolError::Save(e)),
    };
    // A school already in the programme keeps the decision it has.
    for (urn, check) in eligibility_checks(db, &found, &urns, today).await? {
        if db.enrolment(programme, urn).await?.is_some_and(|e| e.eligibility.is_none()) {
            db.set_eligibility(actor, programme, urn, &check).await.map_err(EnrolError::Save)?;
        }
    }
    Ok(Enrolled { added, already: urns.len() - added })
}

/// Why a school cannot be moved to a stage. Nothing has been changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum StageMoveError {
    #[error("URN {0} is not enrolled in this programme")]
    NotEnrolled(Urn),
    #[error("{0}")]
    Stage(StageError),
    #[error("{0}")]
    Save(ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A school's move to another stage, checked but not made: what withdrawing or completing
/// shows before it is done.
#[derive(Debug, Clone)]
pub struct StageMovePreview {
    pub enrolment: Enrolment,
    /// What the move changes, a sentence each (empty for moves that change nothing else).
    pub changes: Vec<String>,
}

/// Reads the school's enrolment and checks the move the pipeline would make; writes nothing.
pub async fn preview_stage_move(
    db: &Db,
    programme: ProgrammeId,
    urn: Urn,
    to: Stage,
    reason: Option<&str>,
) -> Result<StageMovePreview, StageMoveError> {
    let enrolment = db.enrolment(programme, urn).await?.ok_or(StageMoveError::NotEnrolled(urn))?;
    enrolment.status.check_move(to, reason).map_err(StageMoveError::Stage)?;
    let changes = stage_changes(&enrolment, to, reason.unwrap_or_default());
    Ok(StageMovePreview { enrolment, changes })
}

/// Moves a school to another stage (a withdrawal with its reason), if the pipeline allows it
/// from the stage it is at.
pub async fn move_stage(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    to: Stage,
    reason: Option<&str>,
) -> Result<(), StageMoveError> {
    preview_stage_move(db, programme, urn, to, reason).await?;
    // The store checks again against the stage it changes from: a move made meanwhile wins.
    db.move_stage(actor, programme, urn, to, reason).await.map_err(|e| match e {
        ProgrammeError::Stage(e) => StageMoveError::Stage(e),
        ProgrammeError::NotEnrolled(u) => StageMoveError::NotEnrolled(u),
        e => StageMoveError::Save(e),
    })
}

/// Whether a move is shown to the team before it is made: withdrawing, completing, and
/// enrolling a school that is not known to be eligible.
pub fn needs_confirmation(e: &Enrolment, to: Stage) -> bool {
    match to {
        Stage::Withdrawn | Stage::Completed => true,
        Stage::Enrolled => e.eligibility != Some(aspire_core::eligibility::Outcome::Eligible),
        Stage::Enquiry | Stage::Applied => false,
    }
}

/// What withdrawing or completing a school changes, and what is known against enrolling it,
/// said before it is done.
pub fn stage_changes(e: &Enrolment, to: Stage, reason: &str) -> Vec<String> {
    use aspire_core::eligibility::Outcome;
    let mut out = Vec::new();
    let basis = e.eligibility_basis.as_deref().map(|b| format!(" ({b})")).unwrap_or_default();
    match to {
        Stage::Enrolled => match e.eligibility {
            Some(Outcome::Eligible) => {}
            Some(Outcome::NotEligible) => {
                out.push(format!("It is not eligible under the programme's rule set{basis}. Why:"));
                out.extend(e.eligibility_reasons.iter().cloned());
                out.push("Enrol it only if the programme has agreed to take it all the same.".to_owned());
            }
            Some(Outcome::CannotTell) => {
                out.push(format!("Whether it is eligible cannot be told from the data held{basis}. Why:"));
                out.extend(e.eligibility_reasons.iter().cloned());
                out.push("Check the missing facts with the school before enrolling it.".to_owned());
            }
            None => out.push(
                "Its eligibility has not been checked: use \"Check eligibility\" on the board first, or enrol it knowing that."
                    .to_owned(),
            ),
        },
        Stage::Withdrawn => {
            match &e.network_name {
                Some(n) => out.push(format!(
                    "It leaves its network, {n}: the network's other schools stay, and networks formed again will not include it."
                )),
                None => out.push("It is in no network yet, so no network changes.".to_owned()),
            }
            out.push(format!("The reason is kept with it: \"{}\".", reason.trim()));
            out.push(
                "It no longer counts as taking part, in the programme's figures and its evaluation cohort.".to_owned(),
            );
            out.push("It can come back later as an enquiry or an application.".to_owned());
        }
        Stage::Completed => {
            out.push("It is recorded as having completed the programme; it stays in its network.".to_owned());
            out.push("A completed school cannot be moved to another stage afterwards.".to_owned());
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_start_outside_the_rule_set_is_moved_into_it_and_says_so() {
        let loaded = aspire_import::load_rule_set("tlif-2017", &aspire_import::ImportOptions::new(day("2024-01-01")))
            .expect("bundled");
        let r = &loaded.rules;
        let inside = decision_basis(r, r.valid_from);
        assert_eq!((inside.as_of, inside.moved), (r.valid_from, None));
        assert_eq!(inside.text, format!("tlif-2017 version {}, as of {}", r.version, r.valid_from));

        let before = decision_basis(r, r.valid_from - chrono::Days::new(30));
        assert_eq!(before.as_of, r.valid_from);
        let why = before.moved.expect("a sentence");
        assert!(why.starts_with(&format!("The rule set answers only from {} to ", r.valid_from)), "{why}");

        if let Some(to) = r.valid_to {
            assert_eq!(decision_basis(r, to + chrono::Days::new(1)).as_of, to);
        }
    }
}
