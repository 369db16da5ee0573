//! Routes, one module per resource, one file per action.

mod account;
mod audit;
mod calendar;
mod day;
pub(crate) mod eligibility;
pub(crate) mod evaluation;
pub(crate) mod feeds;
mod figures;
mod home;
mod imports;
mod join;
mod joining;
mod networks;
mod people;
mod programmes;
mod recruitment;
mod school_year;
mod schools;
mod volunteer;
mod year;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse};
use axum::routing::{MethodRouter, get, post};

use aspire_core::access::{Action, Record};

use crate::auth::{Access, Locate, guard};
use crate::urls::route;
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
    use Access::{At, May, Public, SignedIn};
    use Action::{Change, View};
    use Record::*;
    let r = |method, path, access, handler| (RouteInfo { method, path, access }, handler);
    vec![
        r("GET", route::HOME, Public, get(home::show)),
        r("GET", route::HEALTH, Public, get(|| async { "ok" })),
        r("GET", route::STYLE, Public, get(style)),
        r("GET", route::SCHOOLS, Public, get(schools::list::show)),
        r("GET", route::SCHOOLS_CSV, Public, get(schools::export::csv)),
        r("GET", route::SCHOOL, Public, get(schools::show::show)),
        r("GET", route::IMPORTS, Public, get(imports::list)),
        r("GET", route::CHECKER, Public, get(eligibility::checker::search)),
        r("GET", route::ANSWER, Public, get(eligibility::checker::answer)),
        r("GET", route::JOIN, Public, get(join::list)),
        r("GET", route::ENQUIRY, Public, get(join::form)),
        r("POST", route::ENQUIRY, Public, post(join::submit)),
        r("GET", route::THANKS, Public, get(join::thanks)),
        r("GET", route::PRIVACY, Public, get(home::privacy)),
        r("GET", route::SPEAK, Public, get(join::speak::form)),
        // A calendar feed: its unguessable token is its key, for calendar programs.
        r("GET", route::CALENDAR_FEED, Public, get(calendar::feed)),
        r("POST", route::SPEAK, Public, post(join::speak::submit)),
        r("GET", route::VOLUNTEER, SignedIn, get(volunteer::show)),
        r("POST", route::VOLUNTEER, SignedIn, post(volunteer::set)),
        // Accounts
        r("GET", route::SIGN_IN, Public, get(account::sign_in_form)),
        r("POST", route::SIGN_IN, Public, post(account::sign_in)),
        r("POST", route::SIGN_OUT, SignedIn, post(account::sign_out)),
        r("GET", route::ACCOUNT, SignedIn, get(account::show)),
        r("POST", route::OFFER, SignedIn, post(account::answer_offer)),
        r("POST", route::FEEDS, SignedIn, post(feeds::create)),
        r("POST", route::REVOKE_FEED, SignedIn, post(feeds::revoke)),
        r("GET", route::INVITATION, Public, get(account::link_form)),
        r("POST", route::INVITATION, Public, post(account::link_submit)),
        r("GET", route::RESET_REQUEST, Public, get(account::reset_request_form)),
        r("POST", route::RESET_REQUEST, Public, post(account::reset_request)),
        r("GET", route::RESET, Public, get(account::link_form)),
        r("POST", route::RESET, Public, post(account::link_submit)),
        // Programmes
        r("GET", route::PROGRAMMES, May(View, Programme), get(programmes::list)),
        r("POST", route::PROGRAMMES, May(Change, Programme), post(programmes::create)),
        r("GET", route::PROGRAMME, At(View, Programme, Locate::Programme), get(programmes::show)),
        r("POST", route::AREAS, At(Change, Programme, Locate::Programme), post(programmes::set_areas)),
        r("POST", route::CONTACT, At(Change, Programme, Locate::Programme), post(programmes::set_contact)),
        r("GET", route::RECRUITMENT, At(View, Recruitment, Locate::Programme), get(recruitment::board)),
        r("GET", route::RECRUITMENT_CSV, At(View, Recruitment, Locate::Programme), get(recruitment::csv)),
        r("POST", route::STAGE, At(Change, Recruitment, Locate::Programme), post(recruitment::move_stage)),
        r(
            "POST",
            route::RECRUITMENT_CHECK,
            At(Change, Recruitment, Locate::Programme),
            post(recruitment::check_eligibility),
        ),
        r(
            "POST",
            route::ENQUIRY_HANDLED,
            At(Change, Recruitment, Locate::Programme),
            post(recruitment::enquiry_handled),
        ),
        r("POST", route::NETWORKS, At(Change, Network, Locate::Programme), post(programmes::create_network)),
        r("GET", route::NETWORKS, At(Change, Network, Locate::Programme), get(networks::show)),
        r("POST", route::FORM_NETWORKS, At(Change, Network, Locate::Programme), post(networks::form)),
        r("POST", route::PUBLISH, At(Change, Network, Locate::Programme), post(networks::publish)),
        r("POST", route::ADVISERS, At(Change, Network, Locate::Programme), post(networks::assign)),
        r("POST", route::LOCK, At(Change, Network, Locate::Network), post(networks::lock)),
        r("GET", route::NETWORK, At(View, Network, Locate::Network), get(networks::page_of)),
        r("POST", route::RENAME_NETWORK, At(Change, Network, Locate::Network), post(networks::rename)),
        r("POST", route::UNPUBLISH_NETWORK, At(Change, Network, Locate::Network), post(networks::unpublish)),
        // The programme year
        r("GET", route::YEAR, At(View, Programme, Locate::Programme), get(year::show)),
        r("POST", route::PLAN_YEAR, At(Change, Network, Locate::Programme), post(year::plan)),
        r("POST", route::ADD_DAY, At(Change, Network, Locate::Programme), post(year::add_day)),
        r("GET", route::DOSES_CSV, At(View, Evaluation, Locate::Programme), get(year::doses_csv)),
        r("GET", route::FIGURES, At(View, Programme, Locate::Programme), get(figures::show)),
        r("POST", route::TERM_DATES, At(Change, Network, Locate::Programme), post(year::term_dates)),
        r("POST", route::MOVE_DAY, At(Change, Network, Locate::Programme), post(year::move_day)),
        r("POST", route::CANCEL_DAY, At(Change, Network, Locate::Programme), post(year::cancel_day)),
        r("GET", route::ROLL, At(Change, Enrolment, Locate::Day), get(school_year::roll)),
        r("POST", route::ROLL, At(Change, Enrolment, Locate::Day), post(school_year::take_roll)),
        r("POST", route::DAY_HELD, At(Change, Enrolment, Locate::Day), post(school_year::record_held)),
        // A day's page: whoever sees its network; the team sets its places; the team and the
        // network's adviser add and remove its resources (as for its roll).
        r("GET", route::DAY, At(View, Network, Locate::Day), get(day::show)),
        r("POST", route::DAY_PLACES, At(Change, Network, Locate::Programme), post(day::set_places)),
        r("POST", route::DAY_RESOURCES, At(Change, Enrolment, Locate::Day), post(day::add_resource)),
        r("GET", route::DAY_RESOURCE, At(View, Network, Locate::Day), get(day::download)),
        r("POST", route::REMOVE_RESOURCE, At(Change, Enrolment, Locate::Day), post(day::remove_resource)),
        r("GET", route::SCHOOL_YEAR, At(View, Enrolment, Locate::Enrolment), get(school_year::show)),
        r("POST", route::NOMINATE, At(Change, Enrolment, Locate::Enrolment), post(school_year::nominate)),
        r("POST", route::WITHDRAW, At(Change, Enrolment, Locate::Enrolment), post(school_year::withdraw)),
        r("POST", route::SCHOOL_STAFF, At(Change, Enrolment, Locate::Enrolment), post(school_year::add_staff)),
        r("POST", route::STAFF_MEMBER, At(Change, Enrolment, Locate::Enrolment), post(school_year::change_staff)),
        r("POST", route::REACH, At(Change, Enrolment, Locate::Enrolment), post(school_year::reach)),
        r("GET", route::WEEK, SignedIn, get(school_year::week)),
        r("POST", route::ENROL, At(Change, Enrolment, Locate::Programme), post(programmes::enrol)),
        r("GET", route::ENROLMENT, At(View, Enrolment, Locate::Enrolment), get(programmes::enrolment)),
        r("POST", route::SET_NETWORK, At(Change, Network, Locate::Programme), post(programmes::set_network)),
        // Joining (the checklist) and local authorities' pages
        r("GET", route::JOINING_SUMMARY, At(Change, Enrolment, Locate::Programme), get(joining::summary)),
        r("GET", route::JOINING, At(View, Enrolment, Locate::Enrolment), get(joining::school)),
        r("POST", route::JOINING, At(Change, Enrolment, Locate::Enrolment), post(joining::tick)),
        r("GET", route::LOCAL_AUTHORITY, At(View, Programme, Locate::Programme), get(joining::local_authority)),
        // People
        r("GET", route::PEOPLE, May(View, Person), get(people::list)),
        r("POST", route::PEOPLE, May(Change, Person), post(people::invite)),
        r("POST", route::STAFF_IMPORT, May(Change, Person), post(people::import)),
        r("GET", route::PERSON, May(View, Person), get(people::show)),
        r("POST", route::ROLES, May(Change, Person), post(people::add_role)),
        r("POST", route::REMOVE_ROLE, May(Change, Person), post(people::remove_role)),
        r("POST", route::WITHDRAW_OFFER, May(Change, Person), post(people::withdraw_offer)),
        r("POST", route::RESEND, May(Change, Person), post(people::resend)),
        r("POST", route::DISABLED, May(Change, Person), post(people::set_disabled)),
        r("POST", route::PERSON_FEED_REVOKE, May(Change, Person), post(feeds::revoke_for)),
        r("GET", route::AUDIT, May(View, Audit), get(audit::list)),
        r("GET", route::AUDIT_CSV, May(View, Audit), get(audit::csv)),
        r("GET", route::OUTBOX, May(View, Outbox), get(audit::outbox)),
        // The programme team's analyses of public data
        r("GET", route::ELIGIBILITY_LIST, May(View, EligibilityList), get(eligibility::programme::show)),
        r("GET", route::ELIGIBILITY_CSV, May(View, EligibilityList), get(eligibility::programme::csv)),
        r("POST", route::ELIGIBILITY_ADD, May(View, EligibilityList), post(eligibility::add::add)),
        r("GET", route::ELIGIBILITY_XLSX, May(View, EligibilityList), get(eligibility::programme::xlsx)),
        r("GET", route::EVALUATION, May(View, Evaluation), get(evaluation::report::list)),
        r("GET", route::COHORT, May(View, Evaluation), get(evaluation::report::show)),
        r("GET", route::COHORT_CSV, May(View, Evaluation), get(evaluation::report::csv)),
        r("GET", route::COHORT_XLSX, May(View, Evaluation), get(evaluation::report::xlsx)),
        r("GET", route::COHORT_JSON, May(View, Evaluation), get(evaluation::report::json)),
    ]
}

/// The largest ordinary form (a message, a list of URNs or areas): 64 KB.
pub const FORM_LIMIT: usize = 64 * 1024;
/// The largest upload (a staff list or a file of term dates, CSV or XLSX, or a day's file of at
/// most `aspire_core::resources::MAX_FILE_BYTES` with the form around it): 5 MB.
pub const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;
// A day's largest file fits with its form's other fields.
const _: () = assert!(aspire_core::resources::MAX_FILE_BYTES + FORM_LIMIT <= UPLOAD_LIMIT);

/// The routes that take an upload. Every other state-changing request is an ordinary form.
const UPLOADS: &[&str] = &[route::STAFF_IMPORT, route::TERM_DATES, route::DAY_RESOURCES];

/// How large a request's body may be at `path`. Checked before anything reads the body.
pub fn body_limit(path: &str) -> usize {
    if UPLOADS.iter().any(|pattern| matches_pattern(pattern, path)) { UPLOAD_LIMIT } else { FORM_LIMIT }
}

/// Whether `path` is an address of the route `pattern` ("/programmes/{id}/year/terms"): the
/// same segments, each `{placeholder}` standing for one non-empty segment.
fn matches_pattern(pattern: &str, path: &str) -> bool {
    let (mut a, mut b) = (pattern.split('/'), path.split('/'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') && !s.is_empty() => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
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
/// Writing a download failed: a fault here, not in the request. The library's words go to the
/// log, not to the person.
pub(crate) fn export_failed(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("writing an export: {e}"))
}

/// A file to download, named `file`.
pub(crate) fn download(content_type: &'static str, file: &str, body: Vec<u8>) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response()
}

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
    fn uploads_are_known_by_their_route_pattern() {
        assert_eq!(super::body_limit("/programmes/12/year/terms"), super::UPLOAD_LIMIT);
        assert_eq!(super::body_limit("/people/import"), super::UPLOAD_LIMIT);
        assert_eq!(super::body_limit("/programmes/12/year/terms/x"), super::FORM_LIMIT);
        assert_eq!(super::body_limit("/programmes//year/terms"), super::FORM_LIMIT);
        assert_eq!(super::body_limit("/programmes/12/year"), super::FORM_LIMIT);
    }

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(super::defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::defuse("-1"), "'-1");
        assert_eq!(super::defuse("St Mary's"), "St Mary's");
    }
}
