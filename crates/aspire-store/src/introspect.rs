//! What a database's schema and contents look like, described the same way for both backends:
//! used to check that the two migration trees agree and that a re-import changed nothing.

use std::collections::BTreeMap;

use crate::sql::{Arg, Sql};
use crate::{Backend, Db, Result};

/// A column as both backends can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    pub name: String,
    /// int, real, text, date, timestamp or bool (or the backend's own name when unknown).
    pub family: String,
    pub not_null: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableInfo {
    pub columns: Vec<ColumnInfo>,
    pub primary_key: Vec<String>,
    /// index name -> columns
    pub indexes: BTreeMap<String, Vec<String>>,
}

pub type SchemaInfo = BTreeMap<String, TableInfo>;

fn family(declared: &str) -> String {
    match declared.trim().to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" => "int",
        "real" | "double precision" | "float8" => "real",
        "text" | "character varying" => "text",
        "date" => "date",
        "timestamp" | "timestamp with time zone" | "timestamptz" => "timestamp",
        "boolean" | "bool" => "bool",
        "blob" | "bytea" => "bytes",
        other => return other.to_owned(),
    }
    .to_owned()
}

impl Db {
    /// Runs one statement without arguments: for administration and tests (creating a schema).
    pub async fn execute_admin(&self, sql: &str) -> Result<u64> {
        self.execute(&Sql::new(sql), "running an administrative statement").await
    }

    /// Tables, columns, primary keys and indexes of the schema in use.
    pub async fn schema_info(&self) -> Result<SchemaInfo> {
        let mut out = SchemaInfo::new();
        match self.backend() {
            Backend::Sqlite => {
                let tables = self
                    .fetch(
                        &Sql::new("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
                        "listing tables",
                        |r| Ok(r.text("name")?.unwrap_or_default()),
                    )
                    .await?;
                for t in tables {
                    let cols = self
                        .fetch(&Sql::new(format!("PRAGMA table_info({t})")), "describing a table", |r| {
                            Ok((
                                r.text("name")?.unwrap_or_default(),
                                r.text("type")?.unwrap_or_default(),
                                r.int("notnull")?.unwrap_or(0) != 0,
                                r.int("pk")?.unwrap_or(0),
                            ))
                        })
                        .await?;
                    let mut info = TableInfo::default();
                    let mut pk: Vec<(i64, String)> = Vec::new();
                    for (name, ty, not_null, pk_pos) in cols {
                        if pk_pos > 0 {
                            pk.push((pk_pos, name.clone()));
                        }
                        info.columns.push(ColumnInfo { name, family: family(&ty), not_null: not_null || pk_pos > 0 });
                    }
                    pk.sort();
                    info.primary_key = pk.into_iter().map(|(_, n)| n).collect();
                    let indexes = self
                        .fetch(
                            &Sql::new("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
                                .arg(Arg::Text(Some(t.clone()))),
                            "listing indexes",
                            |r| Ok(r.text("name")?.unwrap_or_default()),
                        )
                        .await?;
                    for idx in indexes {
                        let cols = self
                            .fetch(&Sql::new(format!("PRAGMA index_info({idx})")), "describing an index", |r| {
                                Ok(r.text("name")?.unwrap_or_default())
                            })
                            .await?;
                        info.indexes.insert(idx, cols);
                    }
                    out.insert(t, info);
                }
            }
            Backend::Postgres => {
                let cols = self
                    .fetch(
                        &Sql::new(
                            "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
                             FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
                        ),
                        "describing tables",
                        |r| {
                            Ok((
                                r.text("t")?.unwrap_or_default(),
                                r.text("c")?.unwrap_or_default(),
                                r.text("ty")?.unwrap_or_default(),
                                r.text("n")?.as_deref() == Some("NO"),
                            ))
                        },
                    )
                    .await?;
                for (t, c, ty, not_null) in cols {
                    out.entry(t).or_default().columns.push(ColumnInfo { name: c, family: family(&ty), not_null });
                }
                let pks = self
                    .fetch(
                        &Sql::new(
                            "SELECT tc.table_name::text AS t, kcu.column_name::text AS c FROM information_schema.table_constraints tc \
                             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name \
                             AND kcu.table_schema = tc.table_schema \
                             WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() \
                             ORDER BY tc.table_name, kcu.ordinal_position",
                        ),
                        "describing primary keys",
                        |r| Ok((r.text("t")?.unwrap_or_default(), r.text("c")?.unwrap_or_default())),
                    )
                    .await?;
                for (t, c) in pks {
                    out.entry(t).or_default().primary_key.push(c);
                }
                let idx = self
                    .fetch(
                        &Sql::new(
                            "SELECT tablename::text AS t, indexname::text AS i, indexdef AS d FROM pg_indexes \
                             WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'",
                        ),
                        "describing indexes",
                        |r| {
                            Ok((
                                r.text("t")?.unwrap_or_default(),
                                r.text("i")?.unwrap_or_default(),
                                r.text("d")?.unwrap_or_default(),
                            ))
                        },
                    )
                    .await?;
                for (t, i, def) in idx {
                    let cols = def
                        .rsplit_once('(')
                        .map(|(_, c)| c.trim_end_matches(')').split(',').map(|s| s.trim().to_owned()).collect())
                        .unwrap_or_default();
                    out.entry(t).or_default().indexes.insert(i, cols);
                }
            }
        }
        Ok(out)
    }

    /// Every row of a table as text, in primary-key order, without the `last_import_id`
    /// bookkeeping column: two equal fingerprints mean equal contents.
    pub async fn table_fingerprint(&self, table: &str) -> Result<Vec<String>> {
        let schema = self.schema_info().await?;
        let Some(info) = schema.get(table) else { return Ok(Vec::new()) };
        let cols: Vec<&str> = info.columns.iter().map(|c| c.name.as_str()).filter(|c| *c != "last_import_id").collect();
        let select: Vec<String> = cols.iter().map(|c| format!("CAST({c} AS TEXT) AS {c}")).collect();
        let order = if info.primary_key.is_empty() { "1".to_owned() } else { info.primary_key.join(", ") };
        let sql = Sql::new(format!("SELECT {} FROM {table} ORDER BY {order}", select.join(", ")));
        self.fetch(&sql, "reading a table", |r| {
            let mut parts = Vec::with_capacity(cols.len());
            for c in &cols {
                parts.push(r.text(c)?.unwrap_or_else(|| "∅".into()));
            }
            Ok(parts.join("\u{1f}"))
        })
        .await
    }
}
