//! The page chrome that depends on who is looking: the navigation and the sign-out form. Called
//! from templates (`crate::nav::bar()`), reading the [`Viewer`] of the request being handled.

use askama::Template;

use aspire_core::access::{Action, Record};

use crate::auth::Viewer;

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
    let mut links = vec![("/schools", "Schools"), ("/eligibility", "Check eligibility"), ("/join", "Join a network")];
    if v.session.is_some() {
        links.push(("/programmes", "Programmes"));
    }
    for (action, record, href, label) in [
        (Action::View, Record::EligibilityList, "/programme/eligibility", "Eligible schools"),
        (Action::View, Record::Evaluation, "/evaluation", "Evaluation"),
        (Action::View, Record::Person, "/people", "People"),
        (Action::View, Record::Audit, "/audit", "Audit log"),
        (Action::View, Record::Outbox, "/outbox", "Outbox"),
    ] {
        if v.may(action, record) {
            links.push((href, label));
        }
    }
    links.push(("/imports", "Data sources"));
    let nav = Nav { name: v.session.as_ref().map(|s| s.name.clone()), csrf: v.csrf.clone(), links };
    nav.render().unwrap_or_default()
}
