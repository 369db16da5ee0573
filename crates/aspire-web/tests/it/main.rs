//! The web application driven in-process (no port): pages, exports, errors and headers.

mod eligibility;
mod evaluation;
mod pages;

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use aspire_import::ImportOptions;
use aspire_store::{Db, WriteOptions, write_import};

pub struct App {
    pub router: Router,
    pub db: Db,
    _dir: tempfile::TempDir,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

const FILES: &[&str] = &[
    "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv",
    "schools_england_2018_waiky8/england_spine_2017-2018.csv",
    "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv",
    "gias_links_england_2025/links_edubasealldata20250422.csv",
    "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv",
];

pub async fn app_with(extra: &[(&str, &str)]) -> App {
    app_from(FILES, extra).await
}

pub async fn app_from(files: &[&str], extra: &[(&str, &str)]) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&format!("sqlite:{}", dir.path().join("web.db").display())).await.expect("db");
    let opts = ImportOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    for f in files {
        let p = aspire_import::read_file(&data.join(f), &opts).expect("bundled file");
        write_import(&db, &p, &WriteOptions::default()).await.expect("import");
    }
    for (name, text) in extra {
        let p = aspire_import::read_bytes(name, text.as_bytes(), &opts).expect("extra file");
        assert!(p.report.is_clean(), "{:?}", p.report.errors);
        write_import(&db, &p, &WriteOptions::default()).await.expect("import");
    }
    App { router: aspire_web::router(db.clone()), db, _dir: dir }
}

pub async fn app() -> App {
    app_with(&[]).await
}

impl App {
    pub async fn get(&self, uri: &str) -> Page {
        let res = self
            .router
            .clone()
            .oneshot(Request::builder().uri(uri).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}
