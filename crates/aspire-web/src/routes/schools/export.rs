//! GET /schools.csv: the directory's current result, every page of it.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;

use super::parse_query;
use crate::routes::defuse as cell;
use crate::{AppState, WebError};

pub async fn csv(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, WebError> {
    let mut q = parse_query(&params)?;
    q.per_page = 0;
    let result = state.register.current(&state.db).await?.directory.search(&q);
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| crate::routes::export_failed(e);
    w.write_record([
        "urn",
        "name",
        "la_code",
        "la_name",
        "town",
        "postcode",
        "phase",
        "type",
        "status",
        "latest_inspection_date",
        "latest_ofsted_grade",
        "latest_ofsted_judgement",
        "judgement_of_predecessor_urn",
        "pupils",
    ])
    .map_err(io)?;
    for s in &result.rows {
        let (date, grade, label) = match &s.latest_inspection {
            Some(i) => {
                (i.date.to_string(), i.judgement.grade.number().to_string(), i.judgement.label(i.date).to_owned())
            }
            None => Default::default(),
        };
        let opt = |v: &Option<String>| cell(v.as_deref().unwrap_or(""));
        w.write_record([
            s.urn.to_string(),
            opt(&s.name),
            s.la_code.map(|c| c.to_string()).unwrap_or_default(),
            opt(&s.la_name),
            opt(&s.town),
            opt(&s.postcode),
            opt(&s.phase),
            opt(&s.type_name),
            opt(&s.status),
            date,
            grade,
            label,
            s.judgement_of_predecessor().map(|u| u.to_string()).unwrap_or_default(),
            s.pupils.map(|n| n.to_string()).unwrap_or_default(),
        ])
        .map_err(io)?;
    }
    let body = w.into_inner().map_err(crate::routes::export_failed)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"schools.csv\""),
        ],
        body,
    ))
}
