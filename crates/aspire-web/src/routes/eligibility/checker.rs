//! The public eligibility checker: find a school, get a yes or no with the reason.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use aspire_core::eligibility::{Check, Outcome, Verdict};
use aspire_core::urn::Urn;
use aspire_import::{ImportOptions, bundled_ids, load_rule_set};
use aspire_store::{DirectoryQuery, Scope};

use super::{Choice, ChoiceProblem, DEFAULT_RULES, choose};
use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::{page, url_with};
use crate::urls;
use crate::{AppState, WebError};

pub struct Hit {
    pub href: String,
    pub name: String,
    pub urn: Urn,
    pub place: String,
    /// "open" or "closed", as the register says.
    pub open: &'static str,
}

#[derive(Template)]
#[template(path = "eligibility_checker.html")]
struct Checker {
    /// The search as typed ("q", "rules", "as_of"), with a problem in the rule set or date.
    form: FormState,
    /// The rule sets to choose from (id, name).
    rule_sets: Vec<(String, String)>,
    programme: String,
    summary: String,
    period: String,
    searched: bool,
    hits: Vec<Hit>,
    more: bool,
    /// Said when the date asked for is outside the rule set's period (the nearest one is used).
    notice: Option<String>,
}

pub(super) fn rule_choices() -> Vec<(String, String)> {
    let today = chrono::Local::now().date_naive();
    bundled_ids()
        .into_iter()
        .filter_map(|id| {
            let r = load_rule_set(id, &ImportOptions::new(today)).ok()?;
            Some((id.to_owned(), r.rules.name))
        })
        .collect()
}

fn period(r: &aspire_core::eligibility::RuleSet) -> String {
    match r.valid_to {
        Some(to) => format!("{} to {}", r.valid_from, to),
        None => format!("from {}", r.valid_from),
    }
}

/// The choice from the address, with a date outside the rule set's period moved to the
/// nearest date it answers for, and a sentence saying so. Other problems stay problems.
fn choose_nearest(params: &HashMap<String, String>) -> Result<(Choice, Option<String>), ChoiceProblem> {
    match choose(params) {
        Ok(c) => Ok((c, None)),
        Err(ChoiceProblem { field: "as_of", message, rules: Some(rules) }) => {
            let given = params.get("as_of").map(|s| s.trim()).unwrap_or_default();
            let Ok(date) = chrono::NaiveDate::parse_from_str(given, "%Y-%m-%d") else {
                return Err(ChoiceProblem { field: "as_of", message, rules: Some(rules) });
            };
            let r = &rules.rules;
            let nearest = r.valid_to.map_or(date.max(r.valid_from), |to| date.max(r.valid_from).min(to));
            let long = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
            let notice = format!(
                "The rules of {} answer for {}; {} is outside that, so this is the answer for {}, the nearest date they answer for.",
                r.name,
                match r.valid_to {
                    Some(to) => format!("{} to {}", long(r.valid_from), long(to)),
                    None => format!("dates from {}", long(r.valid_from)),
                },
                long(date),
                long(nearest)
            );
            Ok((Choice { rules: *rules, as_of: nearest }, Some(notice)))
        }
        Err(problem) => Err(problem),
    }
}

/// Whether the viewer is one of a programme's team (administrators, programme admins,
/// advisers, evaluators), who see the checks' notes about the data to import.
fn is_team(viewer: &Viewer) -> bool {
    use aspire_core::people::Role;
    viewer.principal().is_some_and(|p| {
        p.grants
            .iter()
            .any(|g| matches!(g.role, Role::Admin | Role::ProgrammeAdmin | Role::AchievementAdviser | Role::Evaluator))
    })
}

/// A check's sentence as the public reads it: without the notes for administrators (what to
/// import to settle it, column names) or the names of data files.
pub(crate) fn public_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for sentence in text.split_inclusive(". ") {
        if sentence.trim_start().starts_with("Import ") {
            continue;
        }
        out.push_str(sentence);
    }
    let mut out = without_file_notes(&out);
    for note in [" (import GIAS or the DfE spine)", " (DistrictAdministrative)"] {
        out = out.replace(note, "");
    }
    if let Some(at) = out.find(" Import ") {
        out.truncate(at);
    }
    out.trim().to_owned()
}

/// Drops the clauses of parentheses that name a source file ("source: ofsted.csv", "see
/// areas_*.csv"), and the parentheses when nothing is left in them.
fn without_file_notes(text: &str) -> String {
    let is_file = |c: &str| {
        c.contains("source:")
            || [".csv", ".xlsx", ".toml", ".zip"].iter().any(|ext| c.to_ascii_lowercase().contains(ext))
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(" (") {
        let Some(len) = rest[open..].find(')') else { break };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 2..open + len];
        let kept: Vec<&str> = inner.split("; ").filter(|c| !is_file(c)).collect();
        if !kept.is_empty() {
            out.push_str(" (");
            out.push_str(&kept.join("; "));
            out.push(')');
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let q = params.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut form = FormState::new();
    form.keep("q", &q);
    let (choice, notice) = match choose_nearest(&params) {
        Ok(c) => c,
        // The form again, with the problem on its field and no search run.
        Err(problem) => {
            form.keep("rules", params.get("rules").map_or(DEFAULT_RULES, String::as_str));
            form.keep("as_of", params.get("as_of").map_or("", String::as_str));
            form.problem(problem.field, problem.message);
            let r = problem.rules.map(|l| l.rules);
            let body = page(Checker {
                form,
                rule_sets: rule_choices(),
                programme: r.as_ref().map_or_else(String::new, |r| r.name.clone()),
                summary: r.as_ref().map_or_else(String::new, |r| r.summary.clone()),
                period: r.as_ref().map_or_else(String::new, period),
                searched: false,
                hits: Vec::new(),
                more: false,
                notice: None,
            })?;
            return Ok((StatusCode::BAD_REQUEST, body).into_response());
        }
    };
    form.keep("rules", &choice.rules.rules.id).keep("as_of", &choice.as_of.to_string());
    let mut hits = Vec::new();
    let mut more = false;
    if !q.is_empty() {
        let found = state.register.current(&state.db).await?.directory.search(&DirectoryQuery {
            text: Some(q.clone()),
            page: 1,
            per_page: 20,
            ..DirectoryQuery::default()
        });
        more = found.total > found.rows.len() as u64;
        for s in found.rows {
            let place = [s.town.clone(), s.postcode.clone(), s.la_name.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            hits.push(Hit {
                href: url_with(
                    &urls::answer(s.urn),
                    &[("rules", choice.rules.rules.id.clone()), ("as_of", choice.as_of.to_string())],
                ),
                name: s.name.unwrap_or_else(|| format!("URN {}", s.urn)),
                urn: s.urn,
                place,
                open: crate::routes::join::open_or_closed(s.status.as_deref()),
            });
        }
    }
    page(Checker {
        searched: !q.is_empty(),
        form,
        rule_sets: rule_choices(),
        programme: choice.rules.rules.name.clone(),
        summary: choice.rules.rules.summary.clone(),
        period: period(&choice.rules.rules),
        hits,
        more,
        notice,
    })
    .map(IntoResponse::into_response)
}

pub struct Line {
    pub mark: &'static str,
    pub verdict: &'static str,
    pub check: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "eligibility_answer.html")]
struct Answer {
    name: String,
    urn: Urn,
    headline: String,
    outcome_class: &'static str,
    programme: String,
    rules_id: String,
    rules_version: u32,
    summary: String,
    sources: Vec<String>,
    lines: Vec<Line>,
    school_href: String,
    back_href: String,
    /// Said when the date asked for is outside the rule set's period.
    notice: Option<String>,
    /// For an eligible school: the programmes recruiting under these rules (name, the enquiry
    /// form with the school filled in).
    join: Vec<(String, String)>,
    outcome_eligible: bool,
}

pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(urn): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let urn = Urn::parse(&urn)
        .map_err(|_| WebError::NotFound(format!("There is no school with URN {urn}: a URN is six digits.")))?;
    let (choice, notice) = choose_nearest(&params)?;
    let rows = state.db.eligibility(&choice.rules, choice.as_of, Scope::Urns(&[urn])).await?;
    let row = rows
        .into_iter()
        .next()
        .ok_or_else(|| WebError::NotFound(format!("No school with URN {urn} is in the register.")))?;
    let name = row.name.clone().unwrap_or_else(|| format!("URN {urn}"));
    let r = &choice.rules.rules;
    let date = choice.as_of.format("%-d %B %Y").to_string();
    let headline = match row.decision.outcome {
        Outcome::Eligible => format!("Yes: {name} is eligible for {} on {date}.", r.name),
        Outcome::NotEligible => format!("No: {name} is not eligible for {} on {date}.", r.name),
        Outcome::CannotTell => format!("We cannot tell yet whether {name} is eligible for {} on {date}.", r.name),
    };
    let team = is_team(&viewer);
    let lines = row
        .decision
        .findings
        .iter()
        .map(|f| Line {
            mark: match f.verdict {
                Verdict::Met => "✓",
                Verdict::NotMet => "✗",
                Verdict::Unknown => "?",
            },
            verdict: match f.verdict {
                Verdict::Met => "met",
                Verdict::NotMet => "not met",
                Verdict::Unknown => "not known",
            },
            check: match f.check {
                Check::SchoolType => "Type of school",
                Check::Open => "Open",
                Check::Phase => "Phase",
                Check::Area => "Area",
                Check::Ofsted => "Ofsted judgement",
            },
            text: if team { f.text.clone() } else { public_text(&f.text) },
        })
        .collect();
    let outcome_eligible = row.decision.outcome == Outcome::Eligible;
    let mut join = Vec::new();
    if outcome_eligible {
        for o in aspire_app::join::recruiting_programmes(&state.db, state.today()).await? {
            if o.programme.rule_set.as_deref() == Some(r.id.as_str()) {
                join.push((
                    o.programme.name.clone(),
                    url_with(&urls::enquiry(o.programme.id), &[("urn", urn.to_string())]),
                ));
            }
        }
    }
    page(Answer {
        name,
        urn,
        headline,
        outcome_class: match row.decision.outcome {
            Outcome::Eligible => "answer--yes",
            Outcome::NotEligible => "answer--no",
            Outcome::CannotTell => "answer--unknown",
        },
        programme: r.name.clone(),
        rules_id: r.id.clone(),
        rules_version: r.version,
        summary: r.summary.clone(),
        sources: if team { r.sources.clone() } else { r.sources.iter().map(|s| without_file_notes(s)).collect() },
        lines,
        school_href: urls::school(urn),
        back_href: url_with(urls::route::CHECKER, &[("rules", r.id.clone()), ("as_of", choice.as_of.to_string())]),
        notice,
        join,
        outcome_eligible,
    })
}

#[cfg(test)]
mod tests {
    use super::{public_text, without_file_notes};

    #[test]
    fn the_public_reads_no_notes_for_administrators_nor_file_names() {
        let area = "It is in Hampshire, but the register has no district (DistrictAdministrative) for the school. Import the full list of areas, or a GIAS extract with DistrictAdministrative, to settle it.";
        assert_eq!(public_text(area), "It is in Hampshire, but the register has no district for the school.");
        let ofsted = "Requires improvement (grade 3) on 1 May 2017 (source: ofsted_2017.csv).";
        assert_eq!(public_text(ofsted), "Requires improvement (grade 3) on 1 May 2017.");
        assert_eq!(
            without_file_notes("DfE categories, March 2016 (categories 5 and 6; see achieving_excellence_*.csv)"),
            "DfE categories, March 2016 (categories 5 and 6)"
        );
        assert_eq!(public_text("Nothing to hide."), "Nothing to hide.");
    }
}
