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

use super::{DEFAULT_RULES, choose};
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

pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let q = params.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut form = FormState::new();
    form.keep("q", &q);
    let choice = match choose(&params) {
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
}

pub async fn answer(
    State(state): State<AppState>,
    Path(urn): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let urn = Urn::parse(&urn)
        .map_err(|_| WebError::NotFound(format!("There is no school with URN {urn}: a URN is six digits.")))?;
    let choice = choose(&params)?;
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
            text: f.text.clone(),
        })
        .collect();
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
        sources: r.sources.clone(),
        lines,
        school_href: urls::school(urn),
        back_href: url_with(urls::route::CHECKER, &[("rules", r.id.clone()), ("as_of", choice.as_of.to_string())]),
    })
}
