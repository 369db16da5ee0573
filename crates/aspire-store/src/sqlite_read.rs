//! Whole-table reads on SQLite for decisions over the whole register.
//!
//! sqlx's SQLite driver runs each statement on a worker thread and sends every row across as
//! owned values, which costs more than the reading itself when a run wants every school, link
//! and inspection. These reads step the statements directly (rusqlite), each on a read-only,
//! memory-mapped connection and a blocking thread of its own, so they run side by side (the
//! schools, the largest table, in two halves).
//! PostgreSQL, and SQLite held in memory, use the JSON bulk reads of `eligibility.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};

use aspire_core::eligibility::InspectionRecord;
use aspire_core::links::LinkRelation;
use aspire_core::ofsted::{Concern, Grade, Inspection, Judgement};
use aspire_core::urn::Urn;

use crate::eligibility::{LinkRow, SchoolRow, iso_date, school_columns};
use crate::{Db, Result, StoreError};

impl Db {
    /// The file of a SQLite database (none for PostgreSQL or a database held in memory).
    pub(crate) fn sqlite_file(&self) -> Option<PathBuf> {
        let Db::Sqlite(pool) = self else { return None };
        let options = pool.connect_options();
        let path = options.get_filename();
        // In-memory databases are named "file:..." (shared cache) or ":memory:".
        let name = path.to_str()?;
        (!name.is_empty() && !name.starts_with("file:") && name != ":memory:").then(|| path.to_path_buf())
    }
}

fn failed(doing: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Read { doing: doing.to_owned(), problem: e.to_string() }
}

fn open(path: &Path, doing: &str) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(failed(doing))?;
    // Pages are read in place from the file's mapping instead of copied in one by one.
    conn.pragma_update(None, "mmap_size", 1i64 << 30).map_err(failed(doing))?;
    Ok(conn)
}

/// Runs a read on a blocking thread with a connection of its own.
async fn on_thread<T: Send + 'static>(
    path: &Path,
    doing: &'static str,
    read: impl FnOnce(&Connection, &str) -> Result<T> + Send + 'static,
) -> Result<T> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let t = std::time::Instant::now();
        let r = read(&open(&path, doing)?, doing);
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "{doing}");
        r
    })
    .await
    .map_err(|e| StoreError::Read { doing: doing.to_owned(), problem: e.to_string() })?
}

/// Every school (in URN order), every link and every graded inspection, read side by side. The schools, the
/// largest part, are read in two halves (by URN) so that every core has a share.
pub(crate) async fn whole_register(path: &Path) -> Result<(Vec<SchoolRow>, Vec<LinkRow>, Vec<InspectionRecord>)> {
    let (mut schools, later, links, records) = tokio::try_join!(
        on_thread(path, "reading schools", |c, doing| schools(c, doing, Half::Lower)),
        on_thread(path, "reading schools", |c, doing| schools(c, doing, Half::Upper)),
        on_thread(path, "reading links", links),
        on_thread(path, "reading inspections", inspection_records),
    )?;
    schools.extend(later);
    Ok((schools, links, records))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    Lower,
    Upper,
}

/// Rows in a table, to size a list up front: growing one copies it all.
fn rows_in(conn: &Connection, table: &str, doing: &str) -> Result<usize> {
    let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).map_err(failed(doing))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn text<'r>(row: &'r Row<'_>, i: usize) -> Option<&'r str> {
    match row.get_ref(i) {
        Ok(ValueRef::Text(t)) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

fn owned(row: &Row<'_>, i: usize) -> Option<String> {
    text(row, i).map(str::to_owned)
}

fn int(row: &Row<'_>, i: usize) -> Option<i64> {
    match row.get_ref(i) {
        Ok(ValueRef::Integer(n)) => Some(n),
        _ => None,
    }
}

fn real(row: &Row<'_>, i: usize) -> Option<f64> {
    match row.get_ref(i) {
        Ok(ValueRef::Real(x)) => Some(x),
        Ok(ValueRef::Integer(n)) => Some(n as f64),
        _ => None,
    }
}

/// One half of the schools, in URN order: those up to the middle URN, or those after it.
fn schools(conn: &Connection, doing: &str, half: Half) -> Result<Vec<SchoolRow>> {
    // LA names from the DfE list where imported, looked up here rather than joined row by row.
    let mut la_names: HashMap<i64, String> = HashMap::new();
    let mut stmt = conn.prepare("SELECT la_code, name FROM local_authorities").map_err(failed(doing))?;
    let mut rows = stmt.query([]).map_err(failed(doing))?;
    while let Some(r) = rows.next().map_err(failed(doing))? {
        if let (Some(code), Some(name)) = (int(r, 0), owned(r, 1)) {
            la_names.insert(code, name);
        }
    }
    drop(rows);
    let sql = format!(
        "SELECT {} FROM schools s WHERE s.urn {} (SELECT (MIN(urn) + MAX(urn)) / 2 FROM schools) ORDER BY s.urn",
        school_columns("s.la_name"),
        if half == Half::Lower { "<=" } else { ">" }
    );
    let mut stmt = conn.prepare(&sql).map_err(failed(doing))?;
    // Room for all (untouched memory costs nothing), so the lower half takes the upper in place.
    let mut out = Vec::with_capacity(rows_in(conn, "schools", doing)?);
    let mut rows = stmt.query([]).map_err(failed(doing))?;
    while let Some(r) = rows.next().map_err(failed(doing))? {
        let Some(urn) = int(r, 0) else { continue };
        let la_code = int(r, 2);
        out.push(SchoolRow(
            urn,
            owned(r, 1),
            la_code,
            la_code.and_then(|c| la_names.get(&c).cloned()).or_else(|| owned(r, 3)),
            owned(r, 4),
            owned(r, 5),
            owned(r, 6),
            owned(r, 7),
            owned(r, 8),
            owned(r, 9),
            owned(r, 10),
            text(r, 11).and_then(iso_date),
            text(r, 12).and_then(iso_date),
            owned(r, 13),
            owned(r, 14),
            real(r, 15),
            real(r, 16),
        ));
    }
    Ok(out)
}

fn links(conn: &Connection, doing: &str) -> Result<Vec<LinkRow>> {
    let mut stmt =
        conn.prepare("SELECT urn, link_urn, link_name, link_type FROM establishment_links").map_err(failed(doing))?;
    let mut out = Vec::with_capacity(rows_in(conn, "establishment_links", doing)?);
    let mut rows = stmt.query([]).map_err(failed(doing))?;
    while let Some(r) = rows.next().map_err(failed(doing))? {
        let (Some(urn), Some(link_urn)) =
            (int(r, 0).and_then(|n| Urn::try_from(n).ok()), int(r, 1).and_then(|n| Urn::try_from(n).ok()))
        else {
            continue;
        };
        let relation = LinkRelation::of_link_type(text(r, 3).unwrap_or_default());
        out.push(LinkRow { urn, link_urn, link_name: owned(r, 2), relation });
    }
    Ok(out)
}

fn inspection_records(conn: &Connection, doing: &str) -> Result<Vec<InspectionRecord>> {
    // File names by import, looked up here rather than joined row by row.
    let mut files: HashMap<i64, Arc<str>> = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, file_name FROM imports").map_err(failed(doing))?;
    let mut rows = stmt.query([]).map_err(failed(doing))?;
    while let Some(r) = rows.next().map_err(failed(doing))? {
        if let (Some(id), Some(name)) = (int(r, 0), text(r, 1)) {
            files.insert(id, Arc::from(name));
        }
    }
    let mut stmt = conn
        .prepare("SELECT urn, inspection_date, grade, concern, last_import_id FROM ofsted_inspections")
        .map_err(failed(doing))?;
    let mut out = Vec::with_capacity(rows_in(conn, "ofsted_inspections", doing)?);
    let mut rows = stmt.query([]).map_err(failed(doing))?;
    while let Some(r) = rows.next().map_err(failed(doing))? {
        let (Some(urn), Some(date), Some(grade)) = (
            int(r, 0).and_then(|n| Urn::try_from(n).ok()),
            text(r, 1).and_then(iso_date),
            int(r, 2).and_then(Grade::from_number),
        ) else {
            continue;
        };
        out.push(InspectionRecord {
            inspection: Inspection {
                urn,
                date,
                judgement: Judgement { grade, concern: text(r, 3).and_then(Concern::from_code) },
            },
            source: int(r, 4).and_then(|id| files.get(&id).cloned()),
        });
    }
    Ok(out)
}
