//! Limits: bodies refused before they are read, uploads that unpack too far, connections held
//! open, and the headers that pin HTTPS.

use std::io::{Read, Write};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use aspire_core::people::{Grant, Role, Scope};
use aspire_core::urn::Urn;

use crate::app;

/// A body of `len` bytes, made as it is read.
fn lazy_body(len: usize) -> Body {
    const CHUNK: usize = 64 * 1024;
    let chunks = len.div_ceil(CHUNK);
    let stream = futures_stream(chunks, CHUNK, len);
    Body::from_stream(stream)
}

fn futures_stream(
    chunks: usize,
    chunk: usize,
    len: usize,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    struct Chunks {
        left: usize,
        chunk: usize,
        remaining: usize,
    }
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.left == 0 {
                return std::task::Poll::Ready(None);
            }
            self.left -= 1;
            let n = self.chunk.min(self.remaining);
            self.remaining -= n;
            std::task::Poll::Ready(Some(Ok(vec![b'a'; n])))
        }
    }
    Chunks { left: chunks, chunk, remaining: len }
}

#[tokio::test]
async fn a_large_body_is_refused_with_a_page_before_it_is_read() {
    let app = app().await.as_admin().await;
    let (cookie, _) = app.session.clone().expect("session");
    // 16 MB to a page that does not exist, declared up front.
    let big = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri("/no-such-page")
                .header("cookie", cookie.clone())
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", (16 * 1024 * 1024).to_string()),
            lazy_body(16 * 1024 * 1024),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(big.body.contains("Too large") && big.body.contains("64 KB"), "{}", big.body);
    // The same without a length: stopped once past the limit.
    let chunked = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri("/programmes")
                .header("cookie", cookie.clone())
                .header("content-type", "application/x-www-form-urlencoded"),
            lazy_body(1024 * 1024),
        )
        .await;
    assert_eq!(chunked.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", chunked.body);
    // A 50 MB upload gets the page too (the body is read and thrown away, so that a browser still
    // sending sees the page).
    let upload = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri("/people/import")
                .header("cookie", cookie.clone())
                .header("content-type", "multipart/form-data; boundary=B")
                .header("content-length", (50 * 1024 * 1024).to_string()),
            lazy_body(50 * 1024 * 1024),
        )
        .await;
    assert_eq!(upload.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(upload.body.contains("5 MB"), "{}", upload.body);
    // The form says so before anyone tries.
    let people = app.get("/people").await;
    assert!(people.body.contains("at most 5 MB") && people.body.contains("20 MB once unpacked"), "{}", people.body);
}

/// An upload as the page's form sends it: the CSRF token first, then the file.
fn multipart(csrf: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--B--\r\n");
    body
}

#[tokio::test]
async fn a_form_body_sent_to_an_upload_address_is_never_buffered_past_a_form_s_size() {
    // Not signed in, 1 MB as an ordinary form to the upload address (which accepts 5 MB as a
    // file): refused once past 64 KB, not held in memory until the CSRF check fails.
    let app = app().await;
    let res = app
        .send_raw(
            Request::builder()
                .method("POST")
                .uri("/people/import")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("content-length", (1024 * 1024).to_string()),
            lazy_body(1024 * 1024),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(res.body.contains("64 KB"), "{}", res.body);
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off_with_a_page() {
    // A form body that sends its first bytes and then nothing more.
    struct Trickle(bool);
    impl futures_core::Stream for Trickle {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.0 {
                return std::task::Poll::Pending;
            }
            self.0 = true;
            std::task::Poll::Ready(Some(Ok(b"email=a%40b.example&pass".to_vec())))
        }
    }
    let t = app().await;
    let config = aspire_web::WebConfig {
        connections: aspire_web::ConnectionLimits {
            form_body_within: Duration::from_millis(300),
            ..aspire_web::ConnectionLimits::default()
        },
        ..aspire_web::WebConfig::default()
    };
    let router = aspire_web::router_with(t.db.clone(), config);
    let req = Request::builder()
        .method("POST")
        .uri("/sign-in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "60000")
        .body(Body::from_stream(Trickle(false)))
        .expect("request");
    let res = tokio::time::timeout(Duration::from_secs(10), tower::ServiceExt::oneshot(router, req))
        .await
        .expect("answered, not held open")
        .expect("response");
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
}

#[tokio::test]
async fn a_staff_list_of_a_few_megabytes_is_read_and_a_spreadsheet_bomb_is_refused() {
    let urn = Urn::parse("105626").expect("urn");
    let app = app().await.signed_in(&[Grant::new(Role::HeadTeacher, Scope::School(urn), false).expect("g")]).await;
    let (cookie, csrf) = app.session.clone().expect("session");
    let post = |body: Vec<u8>| {
        app.send_raw(
            Request::builder()
                .method("POST")
                .uri("/people/import")
                .header("cookie", cookie.clone())
                .header("content-type", "multipart/form-data; boundary=B")
                .header("content-length", body.len().to_string()),
            Body::from(body),
        )
    };
    // 3 MB: a hundred staff with long notes in a column the list does not use.
    let mut csv = String::from("email,name,role,urn,notes\n");
    let notes = "n".repeat(30_000);
    for i in 0..100 {
        csv.push_str(&format!("t{i}@school.example,Teacher {i},teacher,105626,{notes}\n"));
    }
    assert!(csv.len() > 3_000_000);
    let ok = post(multipart(&csrf, "staff.csv", csv.as_bytes())).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", &ok.body[..ok.body.len().min(2000)]);
    assert!(ok.body.contains("Teacher 99"), "every row added");

    // A small spreadsheet that unpacks to tens of megabytes.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["email", "name", "role", "urn"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for r in 1..800u32 {
        sheet.write_string(r, 0, format!("b{r}@school.example")).expect("email");
        sheet.write_string(r, 1, format!("{r}{}", "x".repeat(32_000))).expect("name");
    }
    let bytes = book.save_to_buffer().expect("workbook");
    assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
    let bomb = post(multipart(&csrf, "staff.xlsx", &bytes)).await;
    assert_eq!(bomb.status, StatusCode::BAD_REQUEST);
    assert!(bomb.body.contains("unpacks to more than 20 MB"), "{}", &bomb.body[..bomb.body.len().min(2000)]);
}

#[tokio::test]
async fn https_deployments_pin_https() {
    let app = app().await;
    let https = aspire_web::router_with(app.db.clone(), aspire_web::WebConfig::for_url("https://aspire.example.org"));
    let res = tower::ServiceExt::oneshot(https, Request::builder().uri("/").body(Body::empty()).expect("request"))
        .await
        .expect("response");
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    let plain = app.get("/").await;
    assert!(!plain.headers.contains_key("strict-transport-security"), "not over plain HTTP");
}

#[test]
fn idle_and_slow_connections_are_closed_and_one_address_cannot_hold_them_all() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (addr, stop) = rt.block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let db = aspire_store::Db::open(&format!("sqlite:{}", dir.path().join("a.db").display())).await.expect("db");
        std::mem::forget(dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = aspire_web::WebConfig {
            connections: aspire_web::ConnectionLimits {
                per_client: 3,
                header_timeout: Duration::from_millis(800),
                ..aspire_web::ConnectionLimits::default()
            },
            ..aspire_web::WebConfig::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(aspire_web::serve(listener, db, config, async {
            let _ = rx.await;
        }));
        (addr, tx)
    });
    let closed = |s: &mut std::net::TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut buf = [0u8; 64];
        matches!(s.read(&mut buf), Ok(0) | Err(_))
    };
    // Three connections that send half a request and then nothing.
    let mut slow: Vec<std::net::TcpStream> = (0..3)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(addr).expect("connect");
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").expect("write");
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // A fourth from the same address is closed at once, without an answer.
    let mut fourth = std::net::TcpStream::connect(addr).expect("connect");
    let _ = fourth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(closed(&mut fourth), "a fourth connection from one address is refused");
    // The slow ones are closed once the header time is up, and the address may connect again.
    for s in &mut slow {
        assert!(closed(s), "a request that never finishes its headers is closed");
    }
    let mut again = std::net::TcpStream::connect(addr).expect("connect");
    again.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut answer = String::new();
    again.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let _ = again.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = stop.send(());
}
