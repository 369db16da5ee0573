//! `aspire import`: read each file (the next one is read while the current one is written),
//! write it in one transaction, and print one summary line per file plus every bad row.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use aspire_core::text::thousands;
use aspire_import::{FileError, ImportOptions, Parsed, Report};
use aspire_store::{Db, ImportOutcome, WriteOptions, write_import};

use crate::ImportArgs;

/// How many warnings of a file are listed without --verbose.
const WARNINGS_SHOWN: usize = 5;

pub async fn run(db: &Db, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let mut opts = ImportOptions::new(chrono::Local::now().date_naive());
    opts.year = args.year;
    opts.area_set = args.area_set.clone();
    // Area lists are checked against the district codes of the ONS lookups already imported,
    // and of those imported earlier in this command.
    let lads = db.lad_codes().await?;
    opts.known_lads = (!lads.is_empty()).then_some(lads);

    let bar = ProgressBar::new(args.files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));

    // Reading a file is CPU work; writing is database work: overlap them. The writer answers
    // each file with the district codes it added, so that a file read after an ONS lookup is
    // checked against it; only then does the reader wait for the writer.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(PathBuf, Result<Parsed, FileError>, Duration)>(1);
    let (written_tx, written_rx) = std::sync::mpsc::channel::<Vec<String>>();
    let files = args.files.clone();
    let reader = std::thread::spawn(move || {
        let mut answered = 0usize;
        let mut last_lookup: Option<usize> = None;
        for (i, path) in files.into_iter().enumerate() {
            while last_lookup.is_some_and(|l| answered <= l) {
                match written_rx.recv() {
                    Ok(codes) => {
                        answered += 1;
                        if !codes.is_empty() {
                            opts.known_lads.get_or_insert_with(Default::default).extend(codes);
                        }
                    }
                    Err(_) => break,
                }
            }
            let t = Instant::now();
            let parsed = aspire_import::guarded(|| aspire_import::read_file(&path, &opts));
            if parsed.as_ref().is_ok_and(|p| p.records.lads.is_some()) {
                last_lookup = Some(i);
            }
            if tx.blocking_send((path, parsed, t.elapsed())).is_err() {
                break;
            }
        }
    });

    let write_opts = WriteOptions {
        skip_invalid: args.skip_invalid,
        dry_run: args.dry_run,
        imported_by: std::env::var("USER").or_else(|_| std::env::var("USERNAME")).ok(),
    };
    let mut failures = 0;
    let mut done = 0;
    while let Some((path, parsed, read_time)) = rx.recv().await {
        done += 1;
        let shown = path.display().to_string();
        bar.set_message(format!("writing {shown}"));
        let mut added_lads = Vec::new();
        let lines = match parsed {
            Err(e) => {
                failures += 1;
                vec![format!("✗ {shown}: cannot import: {e}. Nothing was written.")]
            }
            Ok(parsed) => {
                let t = Instant::now();
                let written = write_import(db, &parsed, &write_opts).await;
                tracing::debug!(file = %shown, read_ms = read_time.as_millis() as u64, write_ms = t.elapsed().as_millis() as u64, "imported");
                match written {
                    Ok(outcome) => {
                        if matches!(outcome, ImportOutcome::Rejected) {
                            failures += 1;
                        } else if let Some(lads) = &parsed.records.lads {
                            // A dry run is checked as the real run would be.
                            added_lads = lads.rows.iter().map(|l| l.code.as_str().to_owned()).collect();
                        }
                        describe(&shown, &parsed, &outcome, read_time + t.elapsed(), args)
                    }
                    Err(e) => {
                        failures += 1;
                        vec![format!("✗ {shown}: {e}. Nothing was written.")]
                    }
                }
            }
        };
        // The reader may have stopped; then nothing waits for the answer.
        let _ = written_tx.send(added_lads);
        bar.suspend(|| {
            for l in &lines {
                println!("{l}");
            }
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    drop(written_tx);
    // Every file must have been answered for: one the reader never sent is a failure too.
    if reader.join().is_err() || done < args.files.len() {
        for path in &args.files[done.min(args.files.len())..] {
            println!("✗ {}: not read (Aspire stopped before reaching it). Nothing was written.", path.display());
        }
        failures += 1;
    }
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// What an import did, table by table: "schools: 12 new, 3 changed; inspections: 40 unchanged".
fn changes(outcome: &ImportOutcome) -> String {
    let parts: Vec<String> = outcome
        .tables()
        .iter()
        .map(|t| {
            let name = match t.table {
                "schools" => "schools",
                "ofsted_inspections" => "inspections",
                "ks2_school_results" => "KS2 school results",
                "ks2_area_results" => "KS2 LA and England results",
                "establishment_links" => "links",
                "local_authorities" => "LAs",
                "lads" => "districts",
                "area_members" => "area members",
                "ks2_field_labels" => "field labels",
                other => other,
            };
            let mut counts = Vec::new();
            for (n, what) in [(t.inserted, "new"), (t.updated, "changed"), (t.unchanged, "unchanged")] {
                if n > 0 {
                    counts.push(format!("{} {what}", thousands(n)));
                }
            }
            format!("{name} {}", counts.join(", "))
        })
        .collect();
    if parts.is_empty() { "nothing to write".to_owned() } else { parts.join("; ") }
}

/// The lines printed for one file.
pub fn describe(
    shown: &str,
    parsed: &Parsed,
    outcome: &ImportOutcome,
    took: Duration,
    args: &ImportArgs,
) -> Vec<String> {
    let r: &Report = &parsed.report;
    let mut out = Vec::new();
    let what = format!("{} ({}, {})", parsed.format.code(), parsed.encoding.label(), thousands(r.rows_read) + " rows");
    let changes = changes(outcome);
    let secs = format!("{:.2} s", took.as_secs_f64());
    let mut warn = if r.warnings.is_empty() {
        String::new()
    } else {
        format!("; {} warnings", thousands(r.warnings.len() as u64))
    };
    if !outcome.conflicts().is_empty() {
        warn.push_str(&format!(
            "; {} figures disagree with earlier files",
            thousands(outcome.conflicts().len() as u64)
        ));
    }
    match outcome {
        ImportOutcome::Rejected => {
            out.push(format!(
                "✗ {shown}: {what}: {} rows have errors, so nothing was written{warn}",
                thousands(r.rows_rejected())
            ));
            out.extend(r.errors.iter().map(|e| format!("    {e}")));
            out.push(format!(
                "    Fix the file and import it again, or use --skip-invalid to write the {} good rows.",
                thousands(r.rows_accepted())
            ));
        }
        ImportOutcome::DryRun { .. } => {
            let bad = if r.is_clean() { String::new() } else { format!("; {} rows have errors", r.rows_rejected()) };
            out.push(format!("• {shown}: {what}: dry run, nothing written: would make {changes}{bad}{warn} [{secs}]"));
            out.extend(r.errors.iter().map(|e| format!("    {e}")));
        }
        ImportOutcome::Written { import_id, .. } => {
            let skipped = if r.is_clean() {
                String::new()
            } else {
                format!("; {} bad rows skipped", thousands(r.rows_rejected()))
            };
            out.push(format!("✓ {shown}: {what}: {changes}{skipped}{warn} [import #{import_id}, {secs}]"));
            out.extend(r.errors.iter().map(|e| format!("    skipped: {e}")));
        }
    }
    let limit = if args.verbose { usize::MAX } else { WARNINGS_SHOWN };
    out.extend(r.warnings.iter().take(limit).map(|w| format!("    warning: {w}")));
    if r.warnings.len() > limit {
        out.push(format!("    ... and {} more warnings (--verbose lists them all)", r.warnings.len() - limit));
    }
    let conflicts = outcome.conflicts();
    out.extend(conflicts.iter().take(limit).map(|c| format!("    conflict: {c}")));
    if conflicts.len() > limit {
        out.push(format!(
            "    ... and {} more figures on which this file and earlier ones disagree (--verbose lists them all)",
            conflicts.len() - limit
        ));
    }
    if args.verbose && !r.ignored_columns.is_empty() {
        out.push(format!("    columns not used: {}", r.ignored_columns.join(", ")));
    }
    out
}
