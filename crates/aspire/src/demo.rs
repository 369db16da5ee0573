//! `aspire demo`: a database built from the open data bundled in the binary, then served.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;

use aspire_import::ImportOptions;
use aspire_store::{Db, ImportOutcome, WriteOptions, write_import};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

const DEMO_DATABASE: &str = "sqlite:aspire-demo.db";

/// Imports every bundled file the database does not already have (same SHA-256), in an order
/// that puts reference lists first. Returns how many files were imported.
pub async fn load(db: &Db) -> anyhow::Result<usize> {
    let today = chrono::Local::now().date_naive();
    let opts = ImportOptions::new(today);
    let done: Vec<String> = db.imports(10_000).await?.into_iter().map(|i| i.sha256).collect();
    let mut files: Vec<&(&str, &[u8])> = DEMO_FILES.iter().collect();
    // Reference lists, then the register, then histories and results.
    let rank = |p: &str| {
        let p = p.to_ascii_lowercase();
        ["la_and_region", "lad", "opportunity", "spine", "details", "edubase", "links", "ofsted", "ks2"]
            .iter()
            .position(|k| p.contains(k))
            .unwrap_or(99)
    };
    files.sort_by_key(|(p, _)| (rank(p), *p));
    let mut imported = 0;
    for (path, bytes) in files {
        let name = path.rsplit('/').next().unwrap_or(path);
        let parsed =
            aspire_import::read_bytes(name, bytes, &opts).with_context(|| format!("reading bundled {path}"))?;
        if done.contains(&parsed.sha256) {
            continue;
        }
        let outcome = write_import(
            db,
            &parsed,
            &WriteOptions { skip_invalid: false, dry_run: false, imported_by: Some("aspire demo".into()) },
        )
        .await?;
        if outcome == ImportOutcome::Rejected {
            anyhow::bail!(
                "bundled file {path} has errors: {}",
                parsed.report.errors.first().map(ToString::to_string).unwrap_or_default()
            );
        }
        imported += 1;
    }
    Ok(imported)
}

/// A cohort to show the evaluation report with: the schools of the bundled data that the
/// tlif-2017 rules find eligible on 1 September 2017 (an illustration, not the programme's
/// actual participants).
pub async fn demo_cohort(db: &Db) -> anyhow::Result<()> {
    const NAME: &str = "Eligible for TLIF on 1 September 2017 (illustration)";
    if db.cohorts().await?.iter().any(|c| c.name == NAME) {
        return Ok(());
    }
    let rules = aspire_import::load_rule_set("tlif-2017", &ImportOptions::new(chrono::Local::now().date_naive()))?;
    let as_of = chrono::NaiveDate::from_ymd_opt(2017, 9, 1).unwrap_or_default();
    let rows = db.eligibility(&rules, as_of, aspire_store::Scope::All).await?;
    let urns = rows
        .iter()
        .filter(|r| r.decision.outcome == aspire_core::eligibility::Outcome::Eligible)
        .map(|r| r.decision.urn)
        .collect();
    db.save_cohort(
        NAME,
        Some("The schools of the demo data that the tlif-2017 rules find eligible on 1 September 2017: an illustration of the report, not a programme's participants."),
        None,
        &urns,
    )
    .await?;
    Ok(())
}

pub async fn run(url: Option<&str>, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    let url = url.unwrap_or(DEMO_DATABASE);
    let db = Db::open(url).await.with_context(|| format!("opening the demo database {}", aspire_store::redact(url)))?;
    eprintln!("Preparing the demo database {} from the bundled open data...", aspire_store::redact(url));
    let n = load(&db).await?;
    demo_cohort(&db).await?;
    let counts = db.counts().await?;
    eprintln!(
        "{} files imported now; the database holds {} schools, {} inspections and {} KS2 results.",
        n, counts.schools, counts.inspections, counts.ks2_results
    );
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    println!("Aspire demo is running at http://{local}/  (press Ctrl-C to stop)");
    aspire_web::serve(listener, db.clone(), crate::shutdown_signal()).await.context("serving")?;
    db.close().await;
    Ok(ExitCode::SUCCESS)
}
