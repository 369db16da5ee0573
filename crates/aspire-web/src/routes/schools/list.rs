//! GET /schools: search and filter the register.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;

use aspire_store::{FilterOptions, SchoolSummary};

use super::{PER_PAGE, parse_query, query_params};
use crate::filters;
use crate::routes::{page, url_with};
use crate::urls;
use crate::{AppState, WebError};

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
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
    first_shown: u64,
    last_shown: u64,
    prev_url: Option<String>,
    next_url: Option<String>,
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
    let pages = result.total.div_ceil(PER_PAGE).max(1);
    let filters = query_params(&q);
    let page_url = |n: u64| {
        let mut p = filters.clone();
        p.push(("page", n.to_string()));
        url_with(urls::route::SCHOOLS, &p)
    };
    let ofsted_selected = filters.iter().find(|(k, _)| *k == "ofsted").map(|(_, v)| v.clone()).unwrap_or_default();
    let ofsted = [
        ("1", "Outstanding"),
        ("2", "Good"),
        ("3", "Requires improvement / Satisfactory"),
        ("4", "Inadequate"),
        ("none", "No graded inspection"),
    ]
    .into_iter()
    .map(|(v, l)| Choice { value: v.into(), label: l.into(), selected: ofsted_selected == v })
    .collect();
    let la_sel = q.la_code;
    let first_shown = if result.total == 0 { 0 } else { (q.page - 1) * PER_PAGE + 1 };
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
        first_shown,
        last_shown: (first_shown + result.rows.len() as u64).saturating_sub(1),
        rows: result.rows,
        page: q.page,
        pages,
        prev_url: (q.page > 1).then(|| page_url(q.page - 1)),
        next_url: (q.page < pages).then(|| page_url(q.page + 1)),
        csv_url: url_with(urls::route::SCHOOLS_CSV, &filters),
        filtered: filters.iter().any(|(_, v)| !v.is_empty()),
    })
}
