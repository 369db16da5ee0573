//! The web application driven in-process (no port): pages, exports, errors and headers.

// The tests read the database as the operator does, to check what the pages wrote.
#![allow(clippy::disallowed_methods)]

mod access;
mod board;
mod calendar;
mod day;
mod directory;
mod eligibility;
mod evaluation;
mod forms;
mod joining;
mod limits;
mod networks;
mod pages;
mod people;
mod public;
mod recruitment;
mod school_year;
mod security;
mod year;

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use aspire_core::people::{Email, Grant, Role, Scope};
use aspire_import::ImportOptions;
use aspire_store::{Actor, Db, SignInPolicy, WriteOptions, write_import};

pub struct App {
    pub router: Router,
    pub db: Db,
    /// SQLite, or PostgreSQL when ASPIRE_TEST_BACKEND=postgres (see aspire-testkit).
    _test_db: std::sync::Arc<aspire_testkit::TestDb>,
    /// The session cookie and CSRF token requests carry, once signed in.
    pub session: Option<(String, String)>,
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
    let test_db = aspire_testkit::TestDb::chosen().await;
    let db = test_db.db.clone();
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
    App { router: aspire_web::router(db.clone()), db, _test_db: std::sync::Arc::new(test_db), session: None }
}

pub async fn app() -> App {
    app_with(&[]).await
}

static PEOPLE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl App {
    /// The same site, seen by someone not signed in.
    pub fn signed_out(&self) -> App {
        App { router: self.router.clone(), db: self.db.clone(), _test_db: self._test_db.clone(), session: None }
    }

    /// Signs in as a new person holding these roles (a session made directly in the database).
    pub async fn signed_in(mut self, grants: &[Grant]) -> App {
        self.session = Some(self.session_for(grants).await);
        self
    }

    /// An administrator, for the pages of the programme team.
    pub async fn as_admin(self) -> App {
        self.signed_in(&[Grant::new(Role::Admin, Scope::Platform, false).expect("grant")]).await
    }

    /// A (cookie, csrf) for a new person with these roles.
    pub async fn session_for(&self, grants: &[Grant]) -> (String, String) {
        let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // Not the test kit's person{n}@test.example: both count from 0 in one database.
        let email = Email::parse(&format!("signed.in{n}@test.example")).expect("email");
        let id =
            self.db.add_person(&Actor::command_line(), &email, &format!("Person {n}"), grants).await.expect("person");
        let s = self.db.start_session(id, &SignInPolicy::default()).await.expect("session");
        (format!("aspire_session={}", s.token), s.csrf)
    }

    pub async fn get(&self, uri: &str) -> Page {
        self.send(Request::builder().uri(uri), Body::empty()).await
    }

    /// Posts a form as the page would: with the session cookie (or an anonymous CSRF cookie)
    /// and the CSRF field.
    pub async fn post(&self, uri: &str, form: &[(&str, &str)]) -> Page {
        let (cookie, csrf) = match &self.session {
            Some(s) => s.clone(),
            None => {
                let t = "ab".repeat(32);
                (format!("aspire_csrf={t}"), t)
            }
        };
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf", &csrf));
        let body = serde_urlencoded::to_string(&fields).expect("form");
        self.send_raw(
            Request::builder()
                .method("POST")
                .uri(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie),
            Body::from(body),
        )
        .await
    }

    /// Uploads a file as the page's form does: the CSRF token first, then the file.
    pub async fn upload(&self, uri: &str, file_name: &str, content: &str) -> Page {
        let (cookie, csrf) = self.session.clone().expect("signed in");
        let b = "XUPLOADX";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{b}--\r\n"
        );
        self.send_raw(
            Request::builder()
                .method("POST")
                .uri(uri)
                .header("content-type", format!("multipart/form-data; boundary={b}"))
                .header("cookie", cookie),
            Body::from(body),
        )
        .await
    }

    /// Posts a multipart form as the page does: the CSRF token first, then the text fields,
    /// then a file if one is chosen (`name`, `content`).
    pub async fn post_multipart(&self, uri: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Page {
        let (cookie, csrf) = self.session.clone().expect("signed in");
        let b = "XFORMX";
        let mut body: Vec<u8> =
            format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
        for (k, v) in fields {
            body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").into_bytes());
        }
        if let Some((name, content)) = file {
            body.extend(
                format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .into_bytes(),
            );
            body.extend_from_slice(content);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{b}--\r\n").into_bytes());
        self.send_raw(
            Request::builder()
                .method("POST")
                .uri(uri)
                .header("content-type", format!("multipart/form-data; boundary={b}"))
                .header("cookie", cookie),
            Body::from(body),
        )
        .await
    }

    pub async fn send(&self, req: axum::http::request::Builder, body: Body) -> Page {
        let req = match &self.session {
            Some((cookie, _)) => req.header("cookie", cookie.clone()),
            None => req,
        };
        self.send_raw(req, body).await
    }

    /// Sends a request as if it came over a connection from 127.0.0.1 (tests that need other
    /// clients name 127.0.0.1 as their proxy and set X-Forwarded-For).
    pub async fn send_raw(&self, req: axum::http::request::Builder, body: Body) -> Page {
        let mut req = req.body(body).expect("request");
        if req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().is_none() {
            let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().expect("address");
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        }
        let res = self.router.clone().oneshot(req).await.expect("response");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}
