//! Accounts end to end with the real binary: `aspire user add` for the first administrator, the
//! invitation link, signing in over HTTP, a session that survives a restart, and two server
//! processes on one PostgreSQL database sharing a session.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A running `aspire serve`, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aspire"))
            .args(["--database-url", url, "serve", "--addr", "127.0.0.1:0"])
            .env_remove("ASPIRE_DATABASE_URL")
            .env_remove("ASPIRE_PUBLIC_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aspire serve");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        out.read_line(&mut line).expect("first line");
        // Keep reading what the server prints, as a terminal would.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).expect("address printed").to_owned();
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// One HTTP/1.1 request on its own connection.
fn http(addr: &str, method: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> Response {
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!("{k}={}", v.replace('%', "%25").replace('@', "%40").replace(' ', "+").replace('&', "%26"))
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status");
    let headers = lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    Response { status, headers, body: body.to_owned() }
}

fn aspire(url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_aspire"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("ASPIRE_DATABASE_URL")
        .env_remove("ASPIRE_PUBLIC_URL")
        .output()
        .expect("run aspire");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "aspire {args:?}: {text}");
    text
}

/// Adds the first administrator from the command line, accepts the invitation over HTTP, and
/// signs in: returns the session cookie.
fn first_admin_signs_in(url: &str, server: &Server) -> String {
    let out = aspire(url, &["user", "add", "--role", "admin", "--name", "Ada Admin", "ada@example.org"]);
    let link = out.lines().find(|l| l.contains("/invitation/")).expect("invitation link printed").trim().to_owned();
    let path = format!("/invitation/{}", link.rsplit('/').next().expect("token"));
    let form = http(&server.addr, "GET", &path, "", &[]);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Ada Admin (ada@example.org)"));
    let anon = form.cookie("aspire_csrf").expect("anonymous CSRF cookie");
    let csrf = anon.trim_start_matches("aspire_csrf=").to_owned();
    let set = http(
        &server.addr,
        "POST",
        &path,
        &anon,
        &[("password", "correct horse battery"), ("confirm", "correct horse battery"), ("csrf", &csrf)],
    );
    assert_eq!(set.status, 303, "{}", set.body);
    let signed = http(
        &server.addr,
        "POST",
        "/sign-in",
        &anon,
        &[("email", "ada@example.org"), ("password", "correct horse battery"), ("csrf", &csrf)],
    );
    assert_eq!(signed.status, 303, "{}", signed.body);
    signed.cookie("aspire_session").expect("session cookie")
}

fn account_page(server: &Server, cookie: &str) -> Response {
    http(&server.addr, "GET", "/account", cookie, &[])
}

#[test]
fn a_session_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("a.db").display());
    let first = Server::start(&url);
    let cookie = first_admin_signs_in(&url, &first);
    let page = account_page(&first, &cookie);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Administrator") && page.body.contains("ada@example.org"));
    drop(first);

    let second = Server::start(&url);
    let page = account_page(&second, &cookie);
    assert_eq!(page.status, 200, "the session lives in the database, not in the process");
    assert!(page.body.contains("Ada Admin"));
    // Without the cookie: off to sign in.
    let anon = account_page(&second, "");
    assert_eq!(anon.status, 303);
    assert!(anon.header("location").is_some_and(|l| l.starts_with("/sign-in")));
    // The audit log names the command line for the first administrator.
    let log = http(&second.addr, "GET", "/audit", &cookie, &[]);
    assert!(log.body.contains("command line ("), "{}", log.body);
}

#[test]
fn two_processes_on_one_postgresql_share_a_session() {
    let Some(base) = std::env::var("ASPIRE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("ASPIRE_TEST_POSTGRES_URL is not set: the PostgreSQL session test did not run");
        return;
    };
    let name = format!("aspire_sessions_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let admin = rt.block_on(aspire_store::Db::connect(&base)).expect("connect");
    let _ = rt.block_on(admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name}")));
    rt.block_on(admin.execute_admin(&format!("CREATE DATABASE {name}"))).expect("create database");
    let (prefix, _) = base.rsplit_once('/').expect("database in the URL");
    let url = format!("{prefix}/{name}");
    {
        let one = Server::start(&url);
        let two = Server::start(&url);
        let cookie = first_admin_signs_in(&url, &one);
        let page = account_page(&two, &cookie);
        assert_eq!(page.status, 200, "the other process knows the session");
        assert!(page.body.contains("Ada Admin"));
        // Signing out on one ends the session on both.
        let csrf = page.body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.get(..64)).expect("csrf").to_owned();
        let out = http(&two.addr, "POST", "/sign-out", &cookie, &[("csrf", &csrf)]);
        assert_eq!(out.status, 303);
        assert_eq!(account_page(&one, &cookie).status, 303);
    }
    rt.block_on(admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name}"))).expect("drop database");
    rt.block_on(admin.close());
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[test]
fn invitations_go_out_through_a_real_smtp_server() {
    // Python's standard smtpd (until Python 3.12) is a real SMTP server that prints what it
    // receives; without it this test cannot run.
    let check = Command::new("python3").args(["-c", "import smtpd"]).stderr(Stdio::null()).status();
    if !check.is_ok_and(|s| s.success()) {
        eprintln!("python3 with the smtpd module is not available: the SMTP test did not run");
        return;
    }
    let port = free_port();
    let mut smtp = Command::new("python3")
        .args(["-u", "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start smtpd");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("a.db").display());
    // Without --name, the name is the part of the address before the @.
    let out = aspire(&url, &["user", "add", "--role", "admin", "ada@example.org"]);
    assert!(out.contains("Added ada (ada@example.org)"), "{out}");
    let link = out.lines().find(|l| l.contains("/invitation/")).expect("link").trim().to_owned();
    // A message that carries a day (as a confirmation of a place does), queued with a plan's
    // emails: it goes out as a multipart message with the day as invitation.ics.
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Aspire//Programme year//EN\r\nBEGIN:VEVENT\r\nUID:smtp-test@aspire\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let db = aspire_store::Db::open(&url).await.expect("db");
        let programme = aspire_testkit::ProgrammeBuilder::new("Mail").bare().create(&db).await;
        let mail = aspire_store::Mail {
            recipient: "head@example.org".into(),
            subject: "Your place: a Network Day".into(),
            body: "Your place is confirmed.".into(),
            calendar: Some(ics.into()),
        };
        db.save_plan_and_tell(&aspire_store::Actor::command_line(), programme, &[], &[mail]).await.expect("queued");
        db.close().await;
    });
    let server = Command::new(env!("CARGO_BIN_EXE_aspire"))
        .args([
            "--database-url",
            &url,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--smtp-url",
            &format!("smtp://127.0.0.1:{port}"),
        ])
        .args(["--mail-from", "Aspire <aspire@example.org>"])
        .env_remove("ASPIRE_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut server = Server { child: server, addr: String::new() };
    // The outbox is sent every few seconds; wait for the message to be marked sent.
    let mut sent = false;
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let unsent = rt.block_on(async {
            let db = aspire_store::Db::open(&url).await.expect("db");
            let n = db.unsent_messages().await.expect("outbox").len();
            db.close().await;
            n
        });
        if unsent == 0 {
            sent = true;
            break;
        }
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    let _ = smtp.kill();
    let mut received = String::new();
    smtp.stdout.take().expect("stdout").read_to_string(&mut received).expect("read");
    let _ = smtp.wait();
    assert!(sent, "the invitation was not sent; the SMTP server received:\n{received}");
    // The server prints each line as a Python bytes literal; the body is quoted-printable, whose
    // soft line breaks ("=" at a line's end) join lines.
    let received: String = received
        .lines()
        .map(|l| l.strip_prefix("b'").and_then(|l| l.strip_suffix('\'')).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("=\n", "");
    assert!(received.contains("Subject: You are invited to Aspire"), "{received}");
    let place = received.split("Subject: Your place: a Network Day").nth(1).expect("the place's email sent");
    assert!(place.contains("Content-Type: multipart/mixed"), "{place}");
    assert!(place.contains("Content-Type: text/calendar; charset=utf-8; method=PUBLISH"), "{place}");
    assert!(place.contains("filename=\"invitation.ics\""), "{place}");
    assert!(received.contains("To: ada@example.org"));
    // The email has a link of its own, made as it was sent; the one printed still works too.
    let emailed = received
        .split(|c: char| c.is_whitespace())
        .find(|w| w.contains("/invitation/"))
        .expect("a link in the email")
        .to_owned();
    assert_ne!(emailed, link);
    let token = |l: &str| l.rsplit('/').next().expect("token").trim().to_owned();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = aspire_store::Db::open(&url).await.expect("db");
        for t in [token(&emailed), token(&link)] {
            db.link_person(&t, aspire_store::TokenPurpose::Invitation).await.expect("a working link");
        }
        // What the outbox keeps can be read by anyone who reads the database: no link.
        let out = db.outbox(10).await.expect("outbox");
        assert!(out.iter().all(|m| !m.body.contains(&token(&emailed)) && !m.body.contains("/invitation/")));
        db.close().await;
    });
}
