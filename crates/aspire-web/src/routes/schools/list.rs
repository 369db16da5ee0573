//! GET /schools: search and filter the register.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;

use aspire_store::{DirectoryQuery, FilterOptions, SchoolSummary, SortKey};

use super::{PER_PAGE, parse_query, query_params, sort_params};
use crate::filters;
use crate::routes::{page, url_with};
use crate::urls;
use crate::{AppState, WebError};

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A link to a numbered page, the current page (no link), or a gap ("…").
pub struct PageLink {
    pub number: u64,
    pub url: Option<String>,
    pub gap: bool,
}

pub struct Heading {
    pub label: &'static str,
    pub numeric: bool,
    pub sort: Option<SortHeading>,
}

/// What a column heading that sorts the directory links to.
pub struct SortHeading {
    pub url: String,
    /// The `aria-sort` value: "ascending", "descending" or "none".
    pub aria_sort: &'static str,
    /// What following the link does, for screen readers and tooltips.
    pub action: String,
}

/// Page asked for that does not exist.
pub struct MissingPage {
    pub asked: u64,
    pub pages: u64,
}

/// The first, the last, and the pages near the current one, with gaps between.
fn page_links(page: u64, pages: u64, url: impl Fn(u64) -> String) -> Vec<PageLink> {
    let mut out = Vec::new();
    let mut last = 0;
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(page) <= 2 {
            if n > last + 1 {
                out.push(PageLink { number: 0, url: None, gap: true });
            }
            out.push(PageLink { number: n, url: (n != page).then(|| url(n)), gap: false });
            last = n;
        }
    }
    out
}

/// The table's column headings; those of the columns the directory sorts by are links.
fn headings(q: &DirectoryQuery, filters: &[(&'static str, String)]) -> Vec<Heading> {
    [
        ("School", Some(SortKey::Name)),
        ("URN", None),
        ("Local authority", Some(SortKey::La)),
        ("Phase", None),
        ("Type", Some(SortKey::Type)),
        ("Status", None),
        ("Latest Ofsted", Some(SortKey::Ofsted)),
        ("Pupils", Some(SortKey::Pupils)),
    ]
    .into_iter()
    .map(|(label, key)| Heading {
        label,
        numeric: label == "Pupils",
        sort: key.map(|k| sort_heading(q, filters, k, label)),
    })
    .collect()
}

fn sort_heading(q: &DirectoryQuery, filters: &[(&'static str, String)], key: SortKey, label: &str) -> SortHeading {
    let current = q.sort == key;
    // The first click sorts A to Z (smallest first); a click on the current column turns it round.
    let descending = current && !q.descending;
    let mut p = filters.to_vec();
    p.extend(sort_params(&DirectoryQuery { sort: key, descending, ..DirectoryQuery::default() }));
    let (low, high) = match key {
        SortKey::Ofsted => ("best judgement first", "weakest judgement first"),
        SortKey::Pupils => ("fewest pupils first", "most pupils first"),
        _ => ("A to Z", "Z to A"),
    };
    SortHeading {
        url: url_with(urls::route::SCHOOLS, &p),
        aria_sort: match (current, q.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        },
        action: format!("sort by {}, {}", label.to_lowercase(), if descending { high } else { low }),
    }
}

#[derive(Template)]
#[template(path = "schools.html")]
struct Directory {
    q: String,
    phases: Vec<Choice>,
    types: Vec<Choice>,
    statuses: Vec<Choice>,
    las: Vec<Choice>,
    ofsted: Vec<Choice>,
    rows: Vec<SchoolSummary>,
    total: String,
    total_n: u64,
    page: u64,
    pages: u64,
    first_shown: String,
    last_shown: String,
    prev_url: Option<String>,
    next_url: Option<String>,
    page_links: Vec<PageLink>,
    headings: Vec<Heading>,
    missing_page: Option<MissingPage>,
    last_page_url: String,
    csv_url: String,
    filtered: bool,
}

fn choices(values: &[String], selected: Option<&str>) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice { value: v.clone(), label: v.clone(), selected: selected == Some(v.as_str()) })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let q = parse_query(&params)?;
    let register = state.register.current(&state.db).await?;
    let result = register.directory.search(&q);
    let FilterOptions { phases, types, statuses, las } = register.directory.options();
    let pages = result.pages;
    let filters = query_params(&q);
    let mut ordered = filters.clone();
    ordered.extend(sort_params(&q));
    let page_url = |n: u64| {
        let mut p = ordered.clone();
        p.push(("page", n.to_string()));
        url_with(urls::route::SCHOOLS, &p)
    };
    // A page after the last (an old link, a count that has shrunk) shows the last one, and says so.
    let missing_page = (q.page > pages).then_some(MissingPage { asked: q.page, pages });
    let shown_page = result.page;
    let ofsted_selected = filters.iter().find(|(k, _)| *k == "ofsted").map(|(_, v)| v.clone()).unwrap_or_default();
    let ofsted = [
        ("1", "Outstanding"),
        ("2", "Good"),
        ("3", "Requires improvement / Satisfactory"),
        ("4", "Inadequate"),
        ("none", "No graded inspection, own or predecessor's"),
    ]
    .into_iter()
    .map(|(v, l)| Choice { value: v.into(), label: l.into(), selected: ofsted_selected == v })
    .collect();
    let la_sel = q.la_code;
    let first_shown = if result.total == 0 { 0 } else { (shown_page - 1) * PER_PAGE + 1 };
    page(Directory {
        q: q.text.clone().unwrap_or_default(),
        phases: choices(phases, q.phase.as_deref()),
        types: choices(types, q.type_name.as_deref()),
        statuses: choices(statuses, q.status.as_deref()),
        las: las
            .iter()
            .map(|(code, name)| Choice {
                value: code.to_string(),
                label: format!("{name} ({code})"),
                selected: la_sel == Some(*code),
            })
            .collect(),
        ofsted,
        total: filters::thousands(result.total),
        total_n: result.total,
        first_shown: filters::thousands(first_shown),
        last_shown: filters::thousands((first_shown + result.rows.len() as u64).saturating_sub(1)),
        rows: result.rows,
        page: shown_page,
        pages,
        prev_url: (shown_page > 1).then(|| page_url(shown_page - 1)),
        next_url: (shown_page < pages).then(|| page_url(shown_page + 1)),
        page_links: page_links(shown_page, pages, page_url),
        headings: headings(&q, &filters),
        missing_page,
        last_page_url: page_url(pages),
        csv_url: url_with(urls::route::SCHOOLS_CSV, &filters),
        filtered: filters.iter().any(|(_, v)| !v.is_empty()),
    })
}
