//! Writing a checked file into the database: all of it in one transaction, or nothing.

use chrono::Utc;

use aspire_core::ks2::{Ks2Subject, Ks2Value, Measure};
use aspire_core::value::Kind;
use aspire_core::year::AcademicYear;
use aspire_import::{Parsed, Precedence};

use crate::sql::{Arg, Sql, Tx};
use crate::upsert::{Column, Rule, Upsert};
use crate::{Db, Result};

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
            |r| Ok(r.int("id")?.unwrap_or(0)),
        )
        .await?
        .into_iter()
        .next()
        .unwrap_or(0);

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
        crate::audit::Event::new("import.write", "import", import_id).after(serde_json::json!({
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
async fn apply(tx: &mut Tx, up: &Upsert, rows: Vec<Vec<Arg>>, out: &mut Vec<TableCount>) -> Result<()> {
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

fn simple_rule(p: Precedence) -> Rule {
    match p {
        Precedence::Replace => Rule::Replace,
        Precedence::FillOnly | Precedence::Ranked(_) => Rule::Fill,
    }
}

fn meta_col() -> Column {
    Column::new("last_import_id", Kind::Int, Rule::Meta)
}

async fn write_records(
    tx: &mut Tx,
    parsed: &Parsed,
    import_id: i64,
    conflicts: &mut Vec<Conflict>,
) -> Result<Vec<TableCount>> {
    let rec = &parsed.records;
    let id = Arg::Int(Some(import_id));
    let mut out = Vec::new();

    if let Some(b) = &rec.local_authorities {
        let rule = simple_rule(b.precedence);
        let mut cols = vec![Column::new("name", Kind::Text, rule.clone())];
        if b.has_region {
            cols.push(Column::new("region_code", Kind::Text, rule.clone()));
            cols.push(Column::new("region_name", Kind::Text, rule));
        }
        cols.push(meta_col());
        let up = Upsert { table: "local_authorities", keys: vec!["la_code"], cols };
        let rows = b
            .rows
            .iter()
            .map(|la| {
                let mut r = vec![Arg::Int(Some(i64::from(la.code.get()))), Arg::Text(la.name.clone())];
                if b.has_region {
                    r.push(Arg::Text(la.region_code.clone()));
                    r.push(Arg::Text(la.region_name.clone()));
                }
                r.push(id.clone());
                r
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if let Some(b) = &rec.schools {
        let ranked = matches!(b.precedence, Precedence::Ranked(_));
        let mut cols: Vec<Column> = Vec::with_capacity(b.fields.len() * 2 + 2);
        for &f in &b.fields {
            let rule = match b.precedence {
                Precedence::Replace => Rule::Replace,
                Precedence::FillOnly => Rule::Fill,
                Precedence::Ranked(_) => Rule::Ranked,
            };
            cols.push(Column::new(f.column(), f.kind(), rule));
            if ranked {
                let value_col = f.column().to_owned();
                cols.push(Column::new(format!("{value_col}_rank"), Kind::Int, Rule::RankOf { value_col }));
            }
        }
        let source_rank = match b.precedence {
            Precedence::Ranked(r) => Some(r.key()),
            _ => None,
        };
        cols.push(Column::new("source_rank", Kind::Int, Rule::SourceRank));
        cols.push(meta_col());
        let up = Upsert { table: "schools", keys: vec!["urn"], cols };
        let rows = b
            .rows
            .iter()
            .map(|s| {
                let mut r = Vec::with_capacity(b.fields.len() + 3);
                r.push(Arg::Int(Some(i64::from(s.urn))));
                for (f, v) in b.fields.iter().zip(&s.values) {
                    r.push(Arg::of(f.kind(), v.as_ref()));
                    if ranked {
                        r.push(Arg::Int(v.as_ref().and(source_rank)));
                    }
                }
                r.push(Arg::Int(source_rank));
                r.push(id.clone());
                r
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if !rec.inspections.is_empty() {
        let up = Upsert {
            table: "ofsted_inspections",
            keys: vec!["urn", "inspection_date"],
            cols: vec![
                Column::new("grade", Kind::Int, Rule::Replace),
                Column::new("concern", Kind::Text, Rule::KeepUnlessGiven),
                meta_col(),
            ],
        };
        let rows = rec
            .inspections
            .iter()
            .map(|i| {
                vec![
                    Arg::Int(Some(i64::from(i.urn))),
                    Arg::Date(Some(i.date)),
                    Arg::Int(Some(i64::from(i.judgement.grade.number()))),
                    Arg::Text(i.judgement.concern.map(|c| c.code().to_owned())),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if let Some(b) = &rec.ks2 {
        conflicts.extend(ks2_conflicts(tx, b).await?);
        let rank = b.rank.key();
        let mut cols = Vec::with_capacity(b.measures.len() * 3 + 2);
        for m in &b.measures {
            let c = m.column();
            cols.push(Column::new(c.clone(), Kind::Real, Rule::Ranked));
            cols.push(Column::fixed(format!("{c}_rank"), rank, Rule::FileRankOf { value_col: c.clone() }));
            cols.push(Column::new(format!("{c}_missing"), Kind::Text, Rule::Reason { value_col: c }));
        }
        cols.push(Column::fixed("source_rank", rank, Rule::SourceRank));
        cols.push(meta_col());
        let measure_args = |values: &[Option<Ks2Value>]| -> Vec<Arg> {
            values
                .iter()
                .flat_map(|v| match v {
                    Some(Ks2Value::Value(x)) => [Arg::Real(Some(*x)), Arg::Text(None)],
                    Some(Ks2Value::Missing(r)) => [Arg::Real(None), Arg::Text(Some(r.code().to_owned()))],
                    None => [Arg::Real(None), Arg::Text(None)],
                })
                .collect()
        };
        let mut school_rows = Vec::new();
        let mut area_rows = Vec::new();
        for row in &b.rows {
            let year = Arg::Int(Some(i64::from(row.year.start_year())));
            let mut args = match row.subject {
                Ks2Subject::School(urn) => vec![Arg::Int(Some(i64::from(urn))), year],
                other => {
                    let (level, code) = other.area_key().unwrap_or(("england_all", String::new()));
                    vec![Arg::Text(Some(level.to_owned())), Arg::Text(Some(code)), year]
                }
            };
            args.extend(measure_args(&row.values));
            args.push(id.clone());
            match row.subject {
                Ks2Subject::School(_) => school_rows.push(args),
                _ => area_rows.push(args),
            }
        }
        let school_cols = cols
            .iter()
            .map(|c| Column { name: c.name.clone(), kind: c.kind, rule: c.rule.clone(), literal: c.literal })
            .collect();
        let up = Upsert { table: "ks2_school_results", keys: vec!["urn", "academic_year"], cols: school_cols };
        apply(tx, &up, school_rows, &mut out).await?;
        let up = Upsert { table: "ks2_area_results", keys: vec!["area_level", "area_code", "academic_year"], cols };
        apply(tx, &up, area_rows, &mut out).await?;
    }

    if !rec.links.is_empty() {
        let up = Upsert {
            table: "establishment_links",
            keys: vec!["urn", "link_urn"],
            cols: vec![
                Column::new("link_name", Kind::Text, Rule::Replace),
                Column::new("link_type", Kind::Text, Rule::Replace),
                Column::new("established", Kind::Date, Rule::Replace),
                meta_col(),
            ],
        };
        let rows = rec
            .links
            .iter()
            .map(|l| {
                vec![
                    Arg::Int(Some(i64::from(l.urn))),
                    Arg::Int(Some(i64::from(l.link_urn))),
                    Arg::Text(l.link_name.clone()),
                    Arg::Text(Some(l.link_type.clone())),
                    Arg::Date(l.established),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if let Some(b) = &rec.lads {
        let mut cols = vec![Column::new("name", Kind::Text, Rule::Replace)];
        for (has, a, n) in [(b.has_region, "region_code", "region_name"), (b.has_county, "county_code", "county_name")]
        {
            if has {
                cols.push(Column::new(a, Kind::Text, Rule::Replace));
                cols.push(Column::new(n, Kind::Text, Rule::Replace));
            }
        }
        cols.push(meta_col());
        let up = Upsert { table: "lads", keys: vec!["lad_code"], cols };
        let rows = b
            .rows
            .iter()
            .map(|l| {
                let mut r = vec![Arg::Text(Some(l.code.to_string())), Arg::Text(Some(l.name.clone()))];
                if b.has_region {
                    r.extend([Arg::Text(l.region_code.clone()), Arg::Text(l.region_name.clone())]);
                }
                if b.has_county {
                    r.extend([Arg::Text(l.county_code.clone()), Arg::Text(l.county_name.clone())]);
                }
                r.push(id.clone());
                r
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if !rec.areas.is_empty() {
        let cols = ["wave", "announced", "lad_code", "lad_name", "la_code", "la_name"]
            .into_iter()
            .map(|c| {
                Column::new(c, if matches!(c, "wave" | "la_code") { Kind::Int } else { Kind::Text }, Rule::Replace)
            })
            .chain(std::iter::once(meta_col()))
            .collect();
        let up = Upsert { table: "area_members", keys: vec!["area_set", "area", "member_key"], cols };
        let rows = rec
            .areas
            .iter()
            .map(|a| {
                vec![
                    Arg::Text(Some(a.area_set.clone())),
                    Arg::Text(Some(a.area.clone())),
                    Arg::Text(Some(a.member_key())),
                    Arg::Int(a.wave),
                    Arg::Text(a.announced.clone()),
                    Arg::Text(a.lad_code.as_ref().map(|c| c.to_string())),
                    Arg::Text(a.lad_name.clone()),
                    Arg::Int(a.la_code.map(|c| i64::from(c.get()))),
                    Arg::Text(a.la_name.clone()),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }

    if !rec.ks2_fields.is_empty() {
        let up = Upsert {
            table: "ks2_field_labels",
            keys: vec!["academic_year", "field"],
            cols: vec![
                Column::new("position", Kind::Int, Rule::Replace),
                Column::new("label", Kind::Text, Rule::Replace),
                meta_col(),
            ],
        };
        let rows = rec
            .ks2_fields
            .iter()
            .map(|f| {
                vec![
                    Arg::Int(Some(i64::from(f.year.start_year()))),
                    Arg::Text(Some(f.field.clone())),
                    Arg::Int(Some(f.position)),
                    Arg::Text(Some(f.label.clone())),
                    id.clone(),
                ]
            })
            .collect();
        apply(tx, &up, rows, &mut out).await?;
    }
    Ok(out)
}

/// A KS2 figure on which the file and the database disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub subject: Ks2Subject,
    pub year: AcademicYear,
    pub measure: Measure,
    /// The figure stored before this import.
    pub stored: f64,
    /// The figure in this file.
    pub incoming: f64,
    /// Which of the two the merge rule keeps.
    pub kept_incoming: bool,
    /// Why: the file ranks higher, lower, or the same (then the greater figure is kept).
    pub why: &'static str,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = match self.subject {
            Ks2Subject::School(urn) => format!("URN {urn}"),
            Ks2Subject::LocalAuthority(la) => format!("LA {la:03}"),
            Ks2Subject::EnglandAll => "England (all schools)".to_owned(),
            Ks2Subject::EnglandStateFunded => "England (state-funded)".to_owned(),
        };
        let kept = if self.kept_incoming { self.incoming } else { self.stored };
        write!(
            f,
            "{who}, {}, {}: this file gives {}, the database holds {} from an earlier file; {kept} is kept ({})",
            self.year,
            self.measure.dfe_code(),
            self.incoming,
            self.stored,
            self.why
        )
    }
}

/// The stored figures this KS2 batch disagrees with, and which one the merge keeps (the same
/// rule as the upsert: higher rank, then the greater figure).
async fn ks2_conflicts(tx: &mut Tx, b: &aspire_import::Ks2Batch) -> Result<Vec<Conflict>> {
    use std::collections::{BTreeSet, HashMap};
    if b.rows.is_empty() || b.measures.is_empty() {
        return Ok(Vec::new());
    }
    let years: BTreeSet<i64> = b.rows.iter().map(|r| i64::from(r.year.start_year())).collect();
    let year_list = years.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let cols: Vec<String> = b.measures.iter().flat_map(|m| [m.column(), format!("{}_rank", m.column())]).collect();
    type Stored = Vec<(Option<f64>, Option<i64>)>;
    let read = |r: &dyn crate::sql::RowGet| -> Result<Stored> {
        b.measures.iter().map(|m| Ok((r.real(&m.column())?, r.int(&format!("{}_rank", m.column()))?))).collect()
    };
    let mut stored: HashMap<(Ks2Subject, i64), Stored> = HashMap::new();
    let school_sql = Sql::new(format!(
        "SELECT urn, academic_year, {} FROM ks2_school_results WHERE academic_year IN ({year_list})",
        cols.join(", ")
    ));
    for (urn, year, values) in tx
        .fetch(&school_sql, "reading stored KS2 results", |r| {
            let urn = r.int("urn")?.and_then(|u| aspire_core::Urn::try_from(u).ok());
            Ok((urn, r.int("academic_year")?, read(r)?))
        })
        .await?
    {
        if let (Some(urn), Some(year)) = (urn, year) {
            stored.insert((Ks2Subject::School(urn), year), values);
        }
    }
    let area_sql = Sql::new(format!(
        "SELECT area_level, area_code, academic_year, {} FROM ks2_area_results WHERE academic_year IN ({year_list})",
        cols.join(", ")
    ));
    for (level, code, year, values) in tx
        .fetch(&area_sql, "reading stored KS2 results", |r| {
            Ok((r.text("area_level")?, r.text("area_code")?, r.int("academic_year")?, read(r)?))
        })
        .await?
    {
        let subject = Ks2Subject::from_area_key(level.as_deref().unwrap_or(""), code.as_deref().unwrap_or(""));
        if let (Some(subject), Some(year)) = (subject, year) {
            stored.insert((subject, year), values);
        }
    }
    let rank = b.rank.key();
    let mut out = Vec::new();
    for row in &b.rows {
        let Some(old) = stored.get(&(row.subject, i64::from(row.year.start_year()))) else { continue };
        for ((m, v), (old_value, old_rank)) in b.measures.iter().zip(&row.values).zip(old) {
            let (Some(Ks2Value::Value(x)), Some(y)) = (v, old_value) else { continue };
            if x == y {
                continue;
            }
            let old_rank = old_rank.unwrap_or(-1);
            let (kept_incoming, why) = match rank.cmp(&old_rank) {
                std::cmp::Ordering::Greater => (true, "this file ranks above the earlier one"),
                std::cmp::Ordering::Less => (false, "the earlier file ranks above this one"),
                std::cmp::Ordering::Equal => (x > y, "files of equal rank: the greater figure is kept"),
            };
            out.push(Conflict {
                subject: row.subject,
                year: row.year,
                measure: *m,
                stored: *y,
                incoming: *x,
                kept_incoming,
                why,
            });
        }
    }
    Ok(out)
}
