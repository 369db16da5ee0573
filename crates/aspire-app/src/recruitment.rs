//! Recruitment: the programmes open to schools, where they recruit and the networks they have
//! published (public by design, the "join" page, so read whole, for anyone); and the eligibility
//! decision kept with each school that enquires or is added.

use chrono::NaiveDate;

use aspire_core::access::Visible;
use aspire_core::eligibility::RuleSet;
use aspire_core::people::ProgrammeId;
use aspire_core::urn::Urn;
use aspire_store::{Db, EligibilityCheck, Programme, ProgrammeArea, Scope, StoreError};

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
