//! Routes, one module per resource, one file per action.

mod account;
mod audit;
pub(crate) mod eligibility;
pub(crate) mod evaluation;
mod home;
mod imports;
mod networks;
mod people;
mod programmes;
mod recruitment;
mod schools;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse};
use axum::routing::{MethodRouter, get, post};

use aspire_core::access::{Action, Record};

use crate::auth::{Access, guard};
use crate::{AppState, WebError};

/// A route as the authorisation matrix test sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// Every route with what it requires. A route cannot be added without an [`Access`], and the
/// matrix test fails for a route it does not know.
fn table() -> Vec<(RouteInfo, MethodRouter<AppState>)> {
    use Access::{May, Public, SignedIn};
    use Action::{Change, View};
    use Record::*;
    let r = |method, path, access, handler| (RouteInfo { method, path, access }, handler);
    vec![
        r("GET", "/", Public, get(home::show)),
        r("GET", "/healthz", Public, get(|| async { "ok" })),
        r("GET", "/static/style.css", Public, get(style)),
        r("GET", "/schools", Public, get(schools::list::show)),
        r("GET", "/schools.csv", Public, get(schools::export::csv)),
        r("GET", "/schools/{urn}", Public, get(schools::show::show)),
        r("GET", "/imports", Public, get(imports::list)),
        r("GET", "/eligibility", Public, get(eligibility::checker::search)),
        r("GET", "/eligibility/{urn}", Public, get(eligibility::checker::answer)),
        r("GET", "/join", Public, get(recruitment::list)),
        r("GET", "/join/{id}", Public, get(recruitment::form)),
        r("POST", "/join/{id}", Public, post(recruitment::submit)),
        r("GET", "/join/{id}/thanks/{urn}", Public, get(recruitment::thanks)),
        // Accounts
        r("GET", "/sign-in", Public, get(account::sign_in_form)),
        r("POST", "/sign-in", Public, post(account::sign_in)),
        r("POST", "/sign-out", SignedIn, post(account::sign_out)),
        r("GET", "/account", SignedIn, get(account::show)),
        r("POST", "/account/offers/{id}", SignedIn, post(account::answer_offer)),
        r("GET", "/invitation/{token}", Public, get(account::link_form)),
        r("POST", "/invitation/{token}", Public, post(account::link_submit)),
        r("GET", "/password-reset", Public, get(account::reset_request_form)),
        r("POST", "/password-reset", Public, post(account::reset_request)),
        r("GET", "/password-reset/{token}", Public, get(account::link_form)),
        r("POST", "/password-reset/{token}", Public, post(account::link_submit)),
        // Programmes
        r("GET", "/programmes", May(View, Programme), get(programmes::list)),
        r("POST", "/programmes", May(Change, Programme), post(programmes::create)),
        r("GET", "/programmes/{id}", May(View, Programme), get(programmes::show)),
        r("POST", "/programmes/{id}/areas", May(Change, Programme), post(programmes::set_areas)),
        r("GET", "/programmes/{id}/recruitment", May(View, Recruitment), get(recruitment::board)),
        r("GET", "/programmes/{id}/recruitment.csv", May(View, Recruitment), get(recruitment::csv)),
        r("POST", "/programmes/{id}/schools/{urn}/stage", May(Change, Recruitment), post(recruitment::move_stage)),
        r("POST", "/programmes/{id}/networks", May(Change, Network), post(programmes::create_network)),
        r("GET", "/programmes/{id}/networks", May(Change, Network), get(networks::show)),
        r("POST", "/programmes/{id}/networks/form", May(Change, Network), post(networks::form)),
        r("POST", "/programmes/{id}/networks/publish", May(Change, Network), post(networks::publish)),
        r("POST", "/programmes/{id}/networks/advisers", May(Change, Network), post(networks::assign)),
        r("POST", "/programmes/{id}/networks/{network}/lock", May(Change, Network), post(networks::lock)),
        r("GET", "/programmes/{id}/networks/{network}", May(View, Network), get(programmes::network)),
        r("POST", "/programmes/{id}/schools", May(Change, Enrolment), post(programmes::enrol)),
        r("GET", "/programmes/{id}/schools/{urn}", May(View, Enrolment), get(programmes::enrolment)),
        r("POST", "/programmes/{id}/schools/{urn}/network", May(Change, Network), post(programmes::set_network)),
        // People
        r("GET", "/people", May(View, Person), get(people::list)),
        r("POST", "/people", May(Change, Person), post(people::invite)),
        r("POST", "/people/import", May(Change, Person), post(people::import)),
        r("GET", "/people/{id}", May(View, Person), get(people::show)),
        r("POST", "/people/{id}/roles", May(Change, Person), post(people::add_role)),
        r("POST", "/people/{id}/roles/{grant}/remove", May(Change, Person), post(people::remove_role)),
        r("POST", "/people/{id}/invitation", May(Change, Person), post(people::resend)),
        r("POST", "/people/{id}/disabled", May(Change, Person), post(people::set_disabled)),
        r("GET", "/audit", May(View, Audit), get(audit::list)),
        r("GET", "/audit.csv", May(View, Audit), get(audit::csv)),
        r("GET", "/outbox", May(View, Outbox), get(audit::outbox)),
        // The programme team's analyses of public data
        r("GET", "/programme/eligibility", May(View, EligibilityList), get(eligibility::programme::show)),
        r("GET", "/programme/eligibility.csv", May(View, EligibilityList), get(eligibility::programme::csv)),
        r("GET", "/programme/eligibility.xlsx", May(View, EligibilityList), get(eligibility::programme::xlsx)),
        r("GET", "/evaluation", May(View, Evaluation), get(evaluation::report::list)),
        r("GET", "/evaluation/{id}", May(View, Evaluation), get(evaluation::report::show)),
        r("GET", "/evaluation/{id}/report.csv", May(View, Evaluation), get(evaluation::report::csv)),
        r("GET", "/evaluation/{id}/report.xlsx", May(View, Evaluation), get(evaluation::report::xlsx)),
        r("GET", "/evaluation/{id}/report.json", May(View, Evaluation), get(evaluation::report::json)),
    ]
}

/// The largest ordinary form (a message, a list of URNs or areas): 64 KB.
pub const FORM_LIMIT: usize = 64 * 1024;
/// The largest upload (a staff list, CSV or XLSX): 5 MB.
pub const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

/// The routes that take an upload. Every other state-changing request is an ordinary form.
const UPLOADS: &[&str] = &["/people/import"];

/// How large a request's body may be at `path`. Checked before anything reads the body.
pub fn body_limit(path: &str) -> usize {
    if UPLOADS.contains(&path) { UPLOAD_LIMIT } else { FORM_LIMIT }
}

/// The routes and what each requires (for the authorisation matrix test and documentation).
pub fn route_table() -> Vec<RouteInfo> {
    table().into_iter().map(|(info, _)| info).collect()
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (info, handler) in table() {
        router = router.route(info.path, handler.layer(from_fn_with_state(info.access, guard)));
    }
    // Bodies are limited per route before anything reads them (`auth::limit_body`), so the
    // extractors' own, smaller default limit is not needed on top.
    router.fallback(not_found).layer(axum::extract::DefaultBodyLimit::disable())
}

/// A text cell for a spreadsheet: programs run cells that start with these as formulas, and a
/// leading apostrophe keeps them text.
pub(crate) fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

/// Renders a template into an HTML response.
pub(crate) fn page(t: impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(t.render()?))
}

async fn style() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/style.css"),
    )
}

async fn not_found() -> WebError {
    WebError::NotFound(
        "There is no page at this address. Check the address, or start from the school directory.".into(),
    )
}

/// Builds `path?query` from (name, value) pairs, leaving out empty values.
pub(crate) fn url_with(path: &str, params: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.as_str())).collect();
    if kept.is_empty() {
        return path.to_owned();
    }
    match serde_urlencoded::to_string(&kept) {
        Ok(q) => format!("{path}?{q}"),
        Err(_) => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(super::defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::defuse("-1"), "'-1");
        assert_eq!(super::defuse("St Mary's"), "St Mary's");
    }
}
