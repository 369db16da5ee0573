//! Writing a checked file into the database: all of it in one transaction, or nothing. Which
//! table each batch goes to, with which merge rule per column, is `tables`; the KS2 figures a file
//! disagrees with are found by `conflicts`.

mod conflicts;
mod tables;

pub use conflicts::Conflict;

use chrono::Utc;

use aspire_core::audit::{AuditAction, AuditRecord};
use aspire_import::Parsed;

use crate::sql::{Arg, Sql, Tx, present};
use crate::upsert::Upsert;
use crate::{Db, Result};
use tables::write_records;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Write the good rows of a file that has bad ones (the bad ones are still reported).
    pub skip_invalid: bool,
    /// Work out what would change, then undo it: nothing is written.
    pub dry_run: bool,
    /// Who ran the import, for provenance.
    pub imported_by: Option<String>,
}

/// What an import did to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    /// The file has bad rows and the user did not ask to skip them: nothing was written.
    Rejected,
    /// Nothing was written; these are the changes the import would make.
    DryRun { tables: Vec<TableCount>, conflicts: Vec<Conflict> },
    Written {
        import_id: i64,
        tables: Vec<TableCount>,
        /// KS2 figures on which this file and earlier ones disagree (the merge rule chose one).
        conflicts: Vec<Conflict>,
    },
}

impl ImportOutcome {
    pub fn tables(&self) -> &[TableCount] {
        match self {
            ImportOutcome::Rejected => &[],
            ImportOutcome::DryRun { tables, .. } | ImportOutcome::Written { tables, .. } => tables,
        }
    }

    pub fn conflicts(&self) -> &[Conflict] {
        match self {
            ImportOutcome::Rejected => &[],
            ImportOutcome::DryRun { conflicts, .. } | ImportOutcome::Written { conflicts, .. } => conflicts,
        }
    }

    /// (inserted, updated, unchanged) over all tables.
    pub fn totals(&self) -> (u64, u64, u64) {
        self.tables().iter().fold((0, 0, 0), |(i, u, n), t| (i + t.inserted, u + t.updated, n + t.unchanged))
    }
}

/// Writes a parsed file. A file with errors is refused unless `skip_invalid` is set.
pub async fn write_import(db: &Db, parsed: &Parsed, opts: &WriteOptions) -> Result<ImportOutcome> {
    if !parsed.report.is_clean() && !opts.skip_invalid {
        return Ok(ImportOutcome::Rejected);
    }
    let started = Utc::now();
    let mut tx = db.begin().await?;
    let import_id = tx
        .fetch(
            &Sql::new(
                "INSERT INTO imports (file_name, file_sha256, format, encoding, rows_read, rows_accepted, rows_rejected, \
                 rows_inserted, rows_updated, rows_unchanged, warnings, skip_invalid, imported_by, started_at, finished_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, ?) RETURNING id",
            )
            .arg(Arg::Text(Some(parsed.file_name.clone())))
            .arg(Arg::Text(Some(parsed.sha256.clone())))
            .arg(Arg::Text(Some(parsed.format.code().to_owned())))
            .arg(Arg::Text(Some(parsed.encoding.label().to_owned())))
            .arg(Arg::Int(Some(parsed.report.rows_read as i64)))
            .arg(Arg::Int(Some(parsed.report.rows_accepted() as i64)))
            .arg(Arg::Int(Some(parsed.report.rows_rejected() as i64)))
            .arg(Arg::Int(Some(parsed.report.warnings.len() as i64)))
            .arg(Arg::Bool(Some(opts.skip_invalid)))
            .arg(Arg::Text(opts.imported_by.clone()))
            .arg(Arg::Instant(Some(started)))
            .arg(Arg::Instant(Some(started))),
            "recording the import",
            |r| r.int("id"),
        )
        .await?
        .into_iter()
        .flatten()
        .next();
    let import_id = present(import_id, "imports.id")?;

    let mut conflicts = Vec::new();
    let tables = match write_records(&mut tx, parsed, import_id, &mut conflicts).await {
        Ok(t) => t,
        Err(e) => {
            // Dropping the transaction rolls it back; say so explicitly for clarity.
            let _ = tx.rollback().await;
            return Err(e);
        }
    };

    if opts.dry_run {
        tx.rollback().await?;
        return Ok(ImportOutcome::DryRun { tables, conflicts });
    }
    let (ins, upd, same) =
        tables.iter().fold((0u64, 0u64, 0u64), |(i, u, n), t| (i + t.inserted, u + t.updated, n + t.unchanged));
    tx.execute(
        &Sql::new(
            "UPDATE imports SET rows_inserted = ?, rows_updated = ?, rows_unchanged = ?, warnings = warnings + ?, \
             finished_at = ? WHERE id = ?",
        )
        .arg(Arg::Int(Some(ins as i64)))
        .arg(Arg::Int(Some(upd as i64)))
        .arg(Arg::Int(Some(same as i64)))
        .arg(Arg::Int(Some(conflicts.len() as i64)))
        .arg(Arg::Instant(Some(Utc::now())))
        .arg(Arg::Int(Some(import_id))),
        "recording the import's counts",
    )
    .await?;
    for t in &tables {
        tx.execute(
            &Sql::new("INSERT INTO import_tables (import_id, table_name, inserted, updated, unchanged) VALUES (?, ?, ?, ?, ?)")
                .arg(Arg::Int(Some(import_id)))
                .arg(Arg::Text(Some(t.table.to_owned())))
                .arg(Arg::Int(Some(t.inserted as i64)))
                .arg(Arg::Int(Some(t.updated as i64)))
                .arg(Arg::Int(Some(t.unchanged as i64))),
            "recording the import's counts",
        )
        .await?;
    }
    let actor = crate::Actor {
        person: None,
        label: opts.imported_by.clone().unwrap_or_else(|| crate::Actor::command_line().label),
        client: None,
    };
    crate::audit::record(
        &mut tx,
        &actor,
        crate::audit::Event::new(AuditAction::ImportWrite, AuditRecord::Import, import_id).after(serde_json::json!({
            "file": parsed.file_name,
            "sha256": parsed.sha256,
            "format": parsed.format.code(),
            "inserted": ins,
            "updated": upd,
            "unchanged": same,
            "rejected": parsed.report.rows_rejected(),
            "conflicts": conflicts.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(ImportOutcome::Written { import_id, tables, conflicts })
}

async fn count(tx: &mut Tx, table: &str) -> Result<u64> {
    let n = tx
        .fetch(&Sql::new(format!("SELECT COUNT(*) AS n FROM {table}")), &format!("counting {table}"), |r| {
            Ok(r.int("n")?.unwrap_or(0))
        })
        .await?;
    Ok(n.first().copied().unwrap_or(0).max(0) as u64)
}

/// Runs one upsert and works out inserted / updated / unchanged from row counts.
pub(super) async fn apply(tx: &mut Tx, up: &Upsert, rows: Vec<Vec<Arg>>, out: &mut Vec<TableCount>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let before = count(tx, up.table).await?;
    let sent = rows.len() as u64;
    let affected = up.run(tx, rows).await?;
    let after = count(tx, up.table).await?;
    let inserted = after.saturating_sub(before);
    out.push(TableCount {
        table: up.table,
        inserted,
        updated: affected.saturating_sub(inserted),
        unchanged: sent.saturating_sub(affected),
    });
    Ok(())
}
