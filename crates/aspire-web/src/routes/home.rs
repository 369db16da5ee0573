//! The start page, for schools first: what the programme is, who it is for, who takes part,
//! whether it works, what it costs, when networks start and how to join; and the privacy notice
//! of the enquiry form.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use aspire_core::recruitment::CONTACT_KEPT_DAYS;

use crate::routes::join::start_label;
use crate::routes::page;
use crate::{AppState, WebError};

/// A programme recruiting now, as the start page lists it.
struct Recruiting {
    id: aspire_core::people::ProgrammeId,
    name: String,
    start: String,
    started: bool,
    areas: String,
    years: u32,
    network_size: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    recruiting: Vec<Recruiting>,
    contact: String,
}

pub async fn show(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    let today = state.today();
    let mut recruiting = Vec::new();
    for o in aspire_app::join::recruiting_programmes(&state.db, today).await? {
        let about = crate::routes::join::about(&o.programme, today);
        recruiting.push(Recruiting {
            id: o.programme.id,
            start: start_label(&o.programme),
            started: o.programme.starts_on.is_some_and(|d| d <= today),
            areas: list(o.areas.iter().map(|a| a.area.as_str())),
            name: o.programme.name,
            years: about.years,
            network_size: about.network_size,
        });
    }
    page(Home { recruiting, contact: state.config.contact_email.clone() })
}

/// "a, b and c".
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct Privacy {
    kept_years: u64,
    contact: String,
}

/// What the enquiry form keeps, why, who reads it and for how long (the period the server
/// enforces: `aspire_app::join::remove_expired_contacts`).
pub async fn privacy(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    page(Privacy { kept_years: CONTACT_KEPT_DAYS / 365, contact: state.config.contact_email.clone() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_listed_as_a_sentence_says_them() {
        assert_eq!(super::list(["Oldham"].into_iter()), "Oldham");
        assert_eq!(super::list(["Oldham", "Bradford", "Derby"].into_iter()), "Oldham, Bradford and Derby");
        assert_eq!(super::list(std::iter::empty()), "");
    }
}
