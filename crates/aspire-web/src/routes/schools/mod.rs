//! The school directory, its CSV export and the school page.

pub mod export;
pub mod ks2;
pub mod list;
pub mod show;

use std::collections::HashMap;

use aspire_core::ofsted::Grade;
use aspire_store::{DirectoryQuery, OfstedFilter, SortKey};

use crate::WebError;

pub const PER_PAGE: u64 = 50;

/// Reads the directory's query string, refusing values it cannot use with a message that says
/// what would work.
pub fn parse_query(params: &HashMap<String, String>) -> Result<DirectoryQuery, WebError> {
    let get = |k: &str| params.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let la_code = match get("la") {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            WebError::BadRequest(format!("'{v}' is not a local authority code: choose a local authority from the list"))
        })?),
    };
    let ofsted = match get("ofsted").as_deref() {
        None => None,
        Some("none") => Some(OfstedFilter::None),
        Some(v) => Some(OfstedFilter::Grade(v.parse::<i64>().ok().and_then(Grade::from_number).ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{v}' is not an Ofsted judgement filter: use 1 (Outstanding) to 4 (Inadequate) or 'none'"
            ))
        })?)),
    };
    let page = match get("page") {
        None => 1,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| WebError::BadRequest(format!("'{v}' is not a page number")))?,
    };
    let sort = match get("sort") {
        None => SortKey::Name,
        Some(v) => SortKey::from_code(&v).ok_or_else(|| {
            WebError::BadRequest(format!(
                "'{v}' is not something the directory can be sorted by: use name, la, type, ofsted or pupils"
            ))
        })?,
    };
    let descending = match get("order").as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(v) => {
            return Err(WebError::BadRequest(format!("'{v}' is not an order: use asc or desc")));
        }
    };
    Ok(DirectoryQuery {
        sort,
        descending,
        text: get("q"),
        phase: get("phase"),
        type_name: get("type"),
        status: get("status"),
        la_code,
        ofsted,
        page,
        per_page: PER_PAGE,
    })
}

/// The query's order as URL parameters (empty for the default, name A to Z).
pub fn sort_params(q: &DirectoryQuery) -> Vec<(&'static str, String)> {
    let sort = if q.sort == SortKey::Name { String::new() } else { q.sort.code().to_owned() };
    vec![("sort", sort), ("order", if q.descending { "desc".into() } else { String::new() })]
}

/// The query's filters as URL parameters (page and order excluded).
pub fn query_params(q: &DirectoryQuery) -> Vec<(&'static str, String)> {
    vec![
        ("q", q.text.clone().unwrap_or_default()),
        ("phase", q.phase.clone().unwrap_or_default()),
        ("type", q.type_name.clone().unwrap_or_default()),
        ("status", q.status.clone().unwrap_or_default()),
        ("la", q.la_code.map(|c| c.to_string()).unwrap_or_default()),
        (
            "ofsted",
            match q.ofsted {
                None => String::new(),
                Some(OfstedFilter::None) => "none".into(),
                Some(OfstedFilter::Grade(g)) => g.number().to_string(),
            },
        ),
    ]
}
