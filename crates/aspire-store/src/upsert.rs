//! Merging imported rows into stored ones, counting only real changes.
//!
//! Every write is `INSERT ... ON CONFLICT (key) DO UPDATE SET col = <merge rule> WHERE <some
//! merged value differs from the stored one>`, so re-importing a file changes (and counts)
//! nothing, and the merge rules make the result independent of the order files are imported in.
//! The same text runs on SQLite (3.39+) and PostgreSQL: both have `IS DISTINCT FROM`.

use aspire_core::value::Kind;

use crate::Result;
use crate::sql::{Arg, Sql, Tx};

/// When a ranked incoming value replaces the stored one.
fn take(t: &str, v: &str) -> String {
    format!(
        "(excluded.{v} IS NOT NULL AND ({t}.{v} IS NULL OR excluded.source_rank > COALESCE({t}.{v}_rank, -1) \
         OR (excluded.source_rank = {t}.{v}_rank AND excluded.{v} > {t}.{v})))"
    )
}

/// How an incoming value merges with the stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The incoming value, blank or not.
    Replace,
    /// The stored value unless it is blank.
    Fill,
    /// The incoming value unless it is blank.
    KeepUnlessGiven,
    /// Highest-ranked file wins (see `Precedence::Ranked`), field by field: the incoming value
    /// replaces the stored one when it is given and its rank (`excluded.source_rank`) is higher
    /// than the stored value's (`<col>_rank`); on equal ranks the greater value wins, so the
    /// result never depends on import order. A blank never erases a value.
    Ranked,
    /// The rank column paired with a [`Rule::Ranked`] value column: follows its value.
    RankOf { value_col: String },
    /// As [`Rule::RankOf`], for a rank written as the file's rank whether or not the file gives
    /// the value (so that it need not be bound per row): the rank of a value the merge keeps, or,
    /// while there is no value, the highest rank of the files that had the column. Either way
    /// the result does not depend on import order.
    FileRankOf { value_col: String },
    /// The higher of the stored and incoming `source_rank`; not counted as a change on its own.
    SourceRank,
    /// A DfE missing-reason column: cleared when the paired value column has a figure; else, of
    /// the stored and incoming reasons, the one given (the greater code when both are, so that
    /// the order of imports does not matter).
    Reason { value_col: String },
    /// Bookkeeping (`last_import_id`): written with real changes, never a change on its own.
    Meta,
}

pub(crate) struct Column {
    pub name: String,
    pub kind: Kind,
    pub rule: Rule,
    /// The same value for every row, written into the statement instead of bound per row
    /// (binding costs more than the writing for the wide KS2 rows).
    pub literal: Option<i64>,
}

impl Column {
    pub fn new(name: impl Into<String>, kind: Kind, rule: Rule) -> Column {
        Column { name: name.into(), kind, rule, literal: None }
    }

    /// A column whose value is `value` in every row: callers pass no argument for it.
    pub fn fixed(name: impl Into<String>, value: i64, rule: Rule) -> Column {
        Column { name: name.into(), kind: Kind::Int, rule, literal: Some(value) }
    }
}

pub(crate) struct Upsert {
    pub table: &'static str,
    pub keys: Vec<&'static str>,
    pub cols: Vec<Column>,
}

impl Upsert {
    fn merged(&self, c: &Column) -> String {
        let (t, n) = (self.table, &c.name);
        match &c.rule {
            Rule::Replace | Rule::Meta => format!("excluded.{n}"),
            Rule::Fill => format!("COALESCE({t}.{n}, excluded.{n})"),
            Rule::KeepUnlessGiven => format!("COALESCE(excluded.{n}, {t}.{n})"),
            Rule::Ranked => format!("CASE WHEN {} THEN excluded.{n} ELSE {t}.{n} END", take(t, n)),
            Rule::RankOf { value_col: v } => {
                format!("CASE WHEN {} THEN excluded.source_rank ELSE {t}.{n} END", take(t, v))
            }
            Rule::FileRankOf { value_col: v } => format!(
                "CASE WHEN {} THEN excluded.source_rank WHEN COALESCE(excluded.{v}, {t}.{v}) IS NULL \
                 THEN CASE WHEN excluded.{n} > COALESCE({t}.{n}, -1) THEN excluded.{n} ELSE {t}.{n} END ELSE {t}.{n} END",
                take(t, v)
            ),
            Rule::SourceRank => format!(
                "CASE WHEN excluded.source_rank > COALESCE({t}.source_rank, -1) THEN excluded.source_rank ELSE {t}.source_rank END"
            ),
            Rule::Reason { value_col: v } => format!(
                "CASE WHEN COALESCE(excluded.{v}, {t}.{v}) IS NOT NULL THEN NULL \
                 WHEN excluded.{n} IS NULL THEN {t}.{n} WHEN {t}.{n} IS NULL OR excluded.{n} > {t}.{n} THEN excluded.{n} \
                 ELSE {t}.{n} END"
            ),
        }
    }

    /// The statement for `rows` rows, with `?` placeholders (keys first, then columns).
    pub fn statement(&self, rows: usize) -> String {
        let names: Vec<&str> = self.keys.iter().copied().chain(self.cols.iter().map(|c| c.name.as_str())).collect();
        let cells: Vec<String> = self
            .keys
            .iter()
            .map(|_| "?".to_owned())
            .chain(self.cols.iter().map(|c| c.literal.map_or_else(|| "?".to_owned(), |v| v.to_string())))
            .collect();
        let one = format!("({})", cells.join(", "));
        let mut s = format!("INSERT INTO {} ({}) VALUES ", self.table, names.join(", "));
        s.push_str(&vec![one; rows].join(", "));
        s.push_str(&format!(" ON CONFLICT ({}) ", self.keys.join(", ")));
        let compared: Vec<&Column> =
            self.cols.iter().filter(|c| !matches!(c.rule, Rule::Meta | Rule::SourceRank)).collect();
        if compared.is_empty() {
            s.push_str("DO NOTHING");
            return s;
        }
        let sets: Vec<String> = self.cols.iter().map(|c| format!("{} = {}", c.name, self.merged(c))).collect();
        let changed: Vec<String> = compared
            .iter()
            .map(|c| format!("({}) IS DISTINCT FROM {}.{}", self.merged(c), self.table, c.name))
            .collect();
        s.push_str(&format!("DO UPDATE SET {} WHERE {}", sets.join(", "), changed.join(" OR ")));
        s
    }

    /// Rows per statement: SQLite allows 32,766 bound values, PostgreSQL 65,535.
    fn batch_rows(&self) -> usize {
        let per_row = self.keys.len() + self.cols.iter().filter(|c| c.literal.is_none()).count();
        (30_000 / per_row.max(1)).clamp(1, 500)
    }

    /// Writes `rows` (each: key args then column args); returns rows inserted or changed.
    pub async fn run(&self, tx: &mut Tx, rows: Vec<Vec<Arg>>) -> Result<u64> {
        let batch = self.batch_rows();
        let mut affected = 0;
        let full = self.statement(batch);
        let doing = format!("writing {}", self.table);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Arg>> = rows.by_ref().take(batch).collect();
            let text = if chunk.len() == batch { full.clone() } else { self.statement(chunk.len()) };
            let sql = Sql { text, args: chunk.into_iter().flatten().collect() };
            affected += tx.execute_owned(sql, &doing).await?;
        }
        Ok(affected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_change_detecting_upsert() {
        let u = Upsert {
            table: "t",
            keys: vec!["k"],
            cols: vec![
                Column::new("a", Kind::Text, Rule::Replace),
                Column::new("last_import_id", Kind::Int, Rule::Meta),
            ],
        };
        assert_eq!(
            u.statement(2),
            "INSERT INTO t (k, a, last_import_id) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (k) DO UPDATE SET \
             a = excluded.a, last_import_id = excluded.last_import_id WHERE (excluded.a) IS DISTINCT FROM t.a"
        );
    }
}
