//! The `aspire` binary as a user runs it: exit codes, messages, and what ends up in the database.

mod calendar;
mod joining;
mod networks;
mod sessions;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data").join(rel)
}

/// A test's database: a SQLite file, or with `ASPIRE_TEST_BACKEND=postgres` (and
/// `ASPIRE_TEST_POSTGRES_URL`) a PostgreSQL database of its own, dropped when the test ends.
struct TestDb {
    url: String,
    file: Option<PathBuf>,
    /// (server URL, database name) to drop.
    pg: Option<(String, String)>,
}

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

impl TestDb {
    fn new(dir: &Path) -> TestDb {
        if aspire_testkit::backend_is_postgres() {
            let base = std::env::var("ASPIRE_TEST_POSTGRES_URL").expect("ASPIRE_TEST_POSTGRES_URL");
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let name = format!("aspire_cli_{}_{n}", std::process::id());
            block_on(async {
                let admin = aspire_store::Db::connect(&base).await.expect("connect");
                let _ = admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
                admin.execute_admin(&format!("CREATE DATABASE {name}")).await.expect("create database");
                admin.close().await;
            });
            let (prefix, _) = base.rsplit_once('/').expect("a database in the URL");
            TestDb { url: format!("{prefix}/{name}"), file: None, pg: Some((base, name)) }
        } else {
            let file = dir.join("a.db");
            TestDb { url: format!("sqlite:{}", file.display()), file: Some(file), pg: None }
        }
    }

    /// What the database holds: the SQLite file's bytes (a refused import must leave them
    /// exactly as they were), or every PostgreSQL table's rows.
    fn state(&self) -> String {
        match &self.file {
            Some(f) => Sha256::digest(std::fs::read(f).expect("db file")).iter().map(|b| format!("{b:02x}")).collect(),
            None => block_on(async {
                let db = aspire_store::Db::connect(&self.url).await.expect("connect");
                let mut all = String::new();
                for table in db.schema_info().await.expect("schema").keys() {
                    all.push_str(table);
                    all.push_str(&db.table_fingerprint(table).await.expect("rows").join("\n"));
                }
                db.close().await;
                all
            }),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg.take() {
            block_on(async {
                if let Ok(admin) = aspire_store::Db::connect(&base).await {
                    let _ = admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                    admin.close().await;
                }
            });
        }
    }
}

fn aspire(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aspire"))
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .env_remove("ASPIRE_DATABASE_URL")
        .output()
        .expect("run aspire")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn import_twice_then_show_a_school_across_its_urns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let files: Vec<String> = [
        "schools_england_2018_waiky8/england_spine_2017-2018.csv",
        "gias_links_england_2025/links_edubasealldata20250422.csv",
        "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
        "schools_england_2018_waiky8/ks2_perf_2017-2018.csv",
    ]
    .iter()
    .map(|f| data(f).display().to_string())
    .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let first = aspire(&db, &args);
    assert!(first.status.success(), "{}", text(&first));
    let out = text(&first);
    assert_eq!(out.matches("✓ ").count(), 4, "one summary line per file: {out}");
    assert!(out.contains("schools 2,063 new"), "{out}");

    let second = aspire(&db, &args);
    assert!(second.status.success());
    let out = text(&second);
    assert!(!out.contains(" new") && !out.contains(" changed"), "a second import changes nothing: {out}");

    let show = aspire(&db, &["schools", "show", "142175"]);
    assert!(show.status.success(), "{}", text(&show));
    let out = text(&show);
    assert!(out.contains("Blackpool Gateway Academy (URN 142175)"));
    assert!(out.contains("predecessor  137359"), "{out}");
    assert!(out.contains("predecessor  119256") && out.contains("2 steps"), "{out}");
    assert!(out.contains("2013-05-22  grade 2  Good  [predecessor URN 137359"), "{out}");

    let json = aspire(&db, &["schools", "show", "142175", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["urn"], 142175);
    assert!(v["inspections"].as_array().is_some_and(|a| a.iter().any(|i| i["urn"] == 137359)));

    let missing = aspire(&db, &["schools", "show", "999998"]);
    assert!(!missing.status.success());
    assert!(text(&missing).contains("No school with URN 999998"));
    let bad = aspire(&db, &["schools", "show", "12345"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("six-digit"));
}

#[test]
fn a_bad_file_is_refused_whole_and_the_database_file_is_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let spine = data("schools_england_2018_waiky8/england_spine_2017-2018.csv");
    assert!(aspire(&db, &["import", spine.to_str().expect("path")]).status.success());
    let before = db.state();

    let gias =
        std::fs::read_to_string(data("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv"))
            .expect("gias");
    let corrupt = gias
        .replacen("\n115851,", "\n11585X,", 1)
        .replacen("\"23-01-2019\"", "\"31-02-2019\"", 1)
        .trim_end()
        .to_owned()
        + "\n115999,\"850\"\n";
    let bad = dir.path().join("edubase_20220420.csv");
    std::fs::write(&bad, corrupt).expect("write");
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["import", bad.to_str().expect("path")];
        args.extend_from_slice(extra);
        let o = aspire(&db, &args);
        let out = text(&o);
        if extra.is_empty() {
            assert!(!o.status.success(), "exit code says it failed");
            assert!(out.contains("nothing was written"), "{out}");
            assert!(out.contains("--skip-invalid"), "{out}");
        }
        assert!(out.contains("line 3, column URN, value '11585X'"), "{out}");
        assert!(out.contains("value '31-02-2019'") && out.contains("not a real date"), "{out}");
        assert!(out.contains("2 columns but the header has 111"), "{out}");
        assert_eq!(before, db.state(), "database file unchanged");
    }

    let o = aspire(&db, &["import", "--skip-invalid", bad.to_str().expect("path")]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3 bad rows skipped"), "{}", text(&o));
    assert_ne!(before, db.state());
}

#[test]
fn a_bad_year_is_an_error_exit_and_the_next_file_is_still_imported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let ks2 = std::fs::read_to_string(data("schools_england_2018_waiky8/ks2_perf_2017-2018.csv")).expect("ks2");
    let (header, rest) = ks2.split_once('\n').expect("header");
    let year_col = header.split(',').position(|h| h.trim() == "Academic Year").expect("year column");
    let (first, others) = rest.split_once('\n').expect("rows");
    let mut cells: Vec<&str> = first.split(',').collect();
    cells[year_col] = "201é8";
    let bad = dir.path().join("ks2_perf_2017-2018.csv");
    std::fs::write(&bad, format!("{header}\n{}\n{others}", cells.join(","))).expect("write");
    let lookup = data("ons_lad_lookups/LAD17_to_RGN17_England.csv");
    let o = aspire(&db, &["import", bad.to_str().expect("path"), lookup.to_str().expect("path")]);
    let out = text(&o);
    assert!(!o.status.success(), "an error exit: {out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(out.contains("line 2, column Academic Year, value '201é8'"), "{out}");
    assert!(out.contains("✓ ") && out.contains("LAD17_to_RGN17_England.csv"), "the second file is imported: {out}");
}

#[test]
fn unreadable_and_unknown_files_are_explained() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let unknown = dir.path().join("colours.csv");
    std::fs::write(&unknown, "Colour,Size\nred,3\n").expect("write");
    let o = aspire(&db, &["import", "/no/such/file.csv", unknown.to_str().expect("path")]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("/no/such/file.csv: cannot import"), "{out}");
    assert!(out.contains("do not match any format"), "{out}");

    let o = Command::new(env!("CARGO_BIN_EXE_aspire"))
        .args(["--database-url", "mysql://x", "schools", "show", "100000"])
        .output()
        .expect("run");
    assert!(!o.status.success());
    assert!(text(&o).contains("not a database URL"), "{}", text(&o));
}

#[test]
fn help_is_there_for_every_command() {
    for args in [
        &["--help"][..],
        &["import", "--help"],
        &["serve", "--help"],
        &["demo", "--help"],
        &["schools", "show", "--help"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_aspire")).args(args).output().expect("run");
        assert!(o.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn eligibility_lists_explains_and_refuses_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let empty = aspire(&db, &["eligibility", "--rules", "tlif-2017", "--as-of", "2017-09-01"]);
    assert!(!empty.status.success());
    // A SQLite file that is not there is not made; a database without schools says so.
    let said = text(&empty);
    assert!(said.contains("the register is empty") || said.contains("there is no database at"), "{said}");
    if let Some(f) = &db.file {
        assert!(!f.exists(), "no empty database file is left behind");
        let o = aspire(&db, &["user", "link", "someone@school.example"]);
        assert!(
            !o.status.success() && text(&o).contains("Run `aspire demo` or `aspire import FILE...` first"),
            "{}",
            text(&o)
        );
        assert!(!f.exists());
    }

    let files: Vec<String> = [
        "schools_england_2018_waiky8/england_spine_2017-2018.csv",
        "gias_links_england_2025/links_edubasealldata20250422.csv",
        "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
    ]
    .iter()
    .map(|f| data(f).display().to_string())
    .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    assert!(aspire(&db, &args).status.success());

    let csv_out = aspire(&db, &["eligibility", "--rules", "tlif-2017", "--as-of", "2017-09-01", "--format", "csv"]);
    assert!(csv_out.status.success(), "{}", text(&csv_out));
    let mut r = csv::Reader::from_reader(&csv_out.stdout[..]);
    let headers = r.headers().expect("header").clone();
    for h in ["urn", "name", "decision", "reason"] {
        assert!(headers.iter().any(|x| x == h), "{h} column");
    }
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert!(rows.len() > 2000);
    let decision = headers.iter().position(|h| h == "decision").expect("decision");
    assert!(rows.iter().all(|r| ["eligible", "not_eligible", "cannot_tell"].contains(&r.get(decision).unwrap_or(""))));
    assert!(rows.iter().any(|r| r.get(decision) == Some("eligible")));

    // Read as `| head -1` would: the reader goes away after one line, which is not an error.
    let mut child = Command::new(env!("CARGO_BIN_EXE_aspire"))
        .arg("--database-url")
        .arg(&db.url)
        .args(["eligibility", "--rules", "tlif-2017", "--as-of", "2017-09-01", "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut first)
        .expect("first line");
    assert!(first.starts_with("urn,"), "{first}");
    let closed = child.wait_with_output().expect("wait");
    assert!(closed.status.success(), "{}", String::from_utf8_lossy(&closed.stderr));
    assert!(closed.stderr.is_empty(), "{}", String::from_utf8_lossy(&closed.stderr));

    let only = aspire(
        &db,
        &["eligibility", "--rules", "tlif-2017", "--as-of", "2017-09-01", "--format", "json", "--only", "eligible"],
    );
    let v: serde_json::Value = serde_json::from_slice(&only.stdout).expect("json");
    let schools = v["schools"].as_array().expect("schools");
    assert!(!schools.is_empty() && schools.iter().all(|s| s["decision"] == "eligible"));
    assert_eq!(v["rules"], "tlif-2017");

    let explain = aspire(&db, &["eligibility", "--rules", "tlif-2017", "--as-of", "2017-09-01", "--explain", "142175"]);
    let out = text(&explain);
    assert!(explain.status.success(), "{out}");
    assert!(out.contains("NOT ELIGIBLE") && out.contains("✗ Ofsted") && out.contains("predecessor"), "{out}");

    for (args, expect) in [
        (vec!["--rules", "tlif-2016", "--as-of", "2017-09-01"], "no rule set called 'tlif-2016'"),
        (vec!["--rules", "tlif-2017", "--as-of", "2017-13-01"], "YYYY-MM-DD"),
        (vec!["--rules", "tlif-2017", "--as-of", "2023-01-01"], "outside that period"),
        (vec!["--rules", "tlif-2017", "--as-of", "2017-09-01", "--explain", "999998"], "No school with URN 999998"),
        (vec!["--rules", "tlif-2017", "--as-of", "2017-09-01", "--explain", "12ab"], "not a URN"),
        (
            vec!["--rules", "tlif-2017", "--as-of", "2017-09-01", "--only", "maybe"],
            "eligible, not_eligible or cannot_tell",
        ),
    ] {
        let mut a = vec!["eligibility"];
        a.extend(args.iter());
        let o = aspire(&db, &a);
        assert!(!o.status.success(), "{a:?}");
        assert!(text(&o).contains(expect), "{a:?}: {}", text(&o));
    }
}

#[test]
fn an_area_list_with_an_unknown_district_code_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let lookup = data("ons_lad_lookups/LAD17_to_RGN17_England.csv");
    assert!(aspire(&db, &["import", lookup.to_str().expect("path")]).status.success());
    let before = db.state();
    let list = dir.path().join("category5.csv");
    std::fs::write(
        &list,
        "achieving_excellence_area,lad17cd,lad17nm\nMansfield,E07000174,Mansfield\nNowhere,E07009999,Nowhere\n",
    )
    .expect("write");
    let o = aspire(&db, &["import", "--area-set", "achieving-excellence-5", list.to_str().expect("path")]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(out.contains("line 3, column lad17cd, value 'E07009999'") && out.contains("ONS"), "{out}");
    assert_eq!(before, db.state(), "nothing written");
    std::fs::write(&list, "achieving_excellence_area,lad17cd,lad17nm\nMansfield,E07000174,Mansfield\n").expect("write");
    let o = aspire(&db, &["import", "--area-set", "achieving-excellence-5", list.to_str().expect("path")]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("area members 1 new"), "{}", text(&o));
}

#[test]
fn an_area_list_imported_with_its_lookup_is_checked_against_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(dir.path());
    let lookup = data("ons_lad_lookups/LAD17_to_RGN17_England.csv");
    let list = dir.path().join("category5.csv");
    std::fs::write(&list, "achieving_excellence_area,lad17cd,lad17nm\nMansfield,E07000174,Mansfield\n").expect("write");
    let o = aspire(
        &db,
        &[
            "import",
            "--area-set",
            "achieving-excellence-5",
            lookup.to_str().expect("path"),
            list.to_str().expect("path"),
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("area members 1 new"), "{out}");
    assert!(!out.contains("not checked") && !out.contains("no ONS district lookup"), "{out}");

    // A code the lookup imported just before does not have is refused, as it would be later.
    let fresh = tempfile::tempdir().expect("temp dir");
    let db = TestDb::new(fresh.path());
    std::fs::write(&list, "achieving_excellence_area,lad17cd,lad17nm\nNowhere,E07009999,Nowhere\n").expect("write");
    let o = aspire(
        &db,
        &[
            "import",
            "--area-set",
            "achieving-excellence-5",
            lookup.to_str().expect("path"),
            list.to_str().expect("path"),
        ],
    );
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("value 'E07009999'") && out.contains("not a district in the ONS lookups"), "{out}");
}
