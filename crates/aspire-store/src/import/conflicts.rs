//! KS2 figures on which a file and the database disagree, found before the upsert decides.

use aspire_core::ks2::{Ks2Subject, Ks2Value, Measure};
use aspire_core::year::AcademicYear;

use crate::Result;
use crate::sql::{Sql, Tx};

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
pub(super) async fn ks2_conflicts(tx: &mut Tx, b: &aspire_import::Ks2Batch) -> Result<Vec<Conflict>> {
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
