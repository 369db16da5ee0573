//! The page chrome that depends on who is looking: the navigation and the sign-out form. Called
//! from templates (`crate::nav::bar()`), reading the [`Viewer`] of the request being handled.

use askama::Template;

use aspire_core::access::{Action, Record};

use crate::auth::Viewer;
use crate::urls::route;

#[derive(Template)]
#[template(path = "nav.html")]
struct Nav {
    name: Option<String>,
    csrf: String,
    links: Vec<(&'static str, &'static str)>,
}

/// The main navigation: public pages for everyone, and the pages the person's roles open.
pub fn bar() -> String {
    let v = Viewer::current();
    let mut links =
        vec![(route::SCHOOLS, "Schools"), (route::CHECKER, "Check eligibility"), (route::JOIN, "Join a network")];
    if let Some(s) = &v.session {
        links.push((route::PROGRAMMES, "Programmes"));
        // Advisers and school staff have days and schools of their own; an LA officer, schools.
        use aspire_core::people::Role;
        if s.principal
            .grants
            .iter()
            .any(|g| matches!(g.role, Role::AchievementAdviser | Role::LaOfficer) || g.role.is_school_role())
        {
            links.push((route::WEEK, "Your week"));
        }
    }
    for (action, record, href, label) in [
        (Action::View, Record::EligibilityList, route::ELIGIBILITY_LIST, "Eligible schools"),
        (Action::View, Record::Evaluation, route::EVALUATION, "Evaluation"),
        (Action::View, Record::Person, route::PEOPLE, "People"),
        (Action::View, Record::Audit, route::AUDIT, "Audit log"),
        (Action::View, Record::Outbox, route::OUTBOX, "Outbox"),
    ] {
        if v.may(action, record) {
            links.push((href, label));
        }
    }
    links.push((route::IMPORTS, "Data sources"));
    let nav = Nav { name: v.session.as_ref().map(|s| s.name.clone()), csrf: v.csrf.clone(), links };
    nav.render().unwrap_or_default()
}
