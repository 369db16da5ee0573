//! Reading the school register: one school, the directory, a school's chain of URNs, its
//! inspections and results, and import provenance.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use aspire_core::ks2::{Ks2Subject, Ks2Value, Measure, MissingReason};
use aspire_core::links::{EstablishmentLink, Lineage};
use aspire_core::ofsted::{Concern, Grade, Inspection, Judgement};
use aspire_core::school::{School, SchoolField};
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::sql::{Arg, RowGet, Sql, present};
use crate::{Db, Result, StoreError};

/// KS2 results of one subject in one year.
#[derive(Debug, Clone, PartialEq)]
pub struct Ks2Record {
    pub subject: Ks2Subject,
    pub year: AcademicYear,
    pub values: BTreeMap<Measure, Ks2Value>,
}

/// A national figure computed from school rows because no DfE national row was imported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComputedFigure {
    pub value: f64,
    /// Schools with both the measure and a pupil count.
    pub schools: u64,
}

/// One imported file, for provenance pages.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub encoding: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub warnings: i64,
    pub imported_by: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Row counts of the register, for the home page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryCounts {
    pub schools: u64,
    pub inspections: u64,
    pub ks2_results: u64,
    pub links: u64,
    pub imports: u64,
}

pub(crate) fn urn_of(r: &dyn RowGet, col: &str) -> Result<Option<Urn>> {
    Ok(r.int(col)?.and_then(|n| Urn::try_from(n).ok()))
}

pub(crate) fn inspection_of(r: &dyn RowGet, urn_col: &str, date_col: &str) -> Result<Option<Inspection>> {
    let (Some(urn), Some(date), Some(grade)) =
        (urn_of(r, urn_col)?, r.date(date_col)?, r.int("grade")?.and_then(Grade::from_number))
    else {
        return Ok(None);
    };
    let concern = r.text("concern")?.as_deref().and_then(Concern::from_code);
    Ok(Some(Inspection { urn, date, judgement: Judgement { grade, concern } }))
}

fn urn_list(urns: &[Urn]) -> (String, Vec<Arg>) {
    let marks = vec!["?"; urns.len()].join(", ");
    (marks, urns.iter().map(|u| Arg::Int(Some(i64::from(*u)))).collect())
}

impl Db {
    /// One school from the register.
    pub async fn school(&self, urn: Urn) -> Result<Option<School>> {
        let cols: Vec<&str> = SchoolField::ALL.iter().map(|f| f.column()).collect();
        let sql = Sql::new(format!("SELECT {} FROM schools WHERE urn = ?", cols.join(", ")))
            .arg(Arg::Int(Some(i64::from(urn))));
        self.fetch_one(&sql, "reading a school", |r| {
            let mut s = School::new(urn);
            for f in SchoolField::ALL {
                s.set(*f, r.value(f.column(), f.kind())?);
            }
            Ok(s)
        })
        .await
    }

    /// Names for URNs, from the register or else from the links file's LinkName.
    pub async fn school_names(&self, urns: &[Urn]) -> Result<HashMap<Urn, String>> {
        let mut out = HashMap::new();
        if urns.is_empty() {
            return Ok(out);
        }
        let (marks, args) = urn_list(urns);
        let sql = Sql {
            text: format!("SELECT urn, link_urn, link_name FROM establishment_links WHERE link_urn IN ({marks})"),
            args: args.clone(),
        };
        for (u, n) in
            self.fetch(&sql, "reading school names", |r| Ok((urn_of(r, "link_urn")?, r.text("link_name")?))).await?
        {
            if let (Some(u), Some(n)) = (u, n) {
                out.insert(u, n);
            }
        }
        let sql = Sql { text: format!("SELECT urn, name FROM schools WHERE urn IN ({marks})"), args };
        for (u, n) in self.fetch(&sql, "reading school names", |r| Ok((urn_of(r, "urn")?, r.text("name")?))).await? {
            if let (Some(u), Some(n)) = (u, n) {
                out.insert(u, n);
            }
        }
        Ok(out)
    }

    /// The links touching any of `urns`, from either side.
    pub async fn links_touching(&self, urns: &[Urn]) -> Result<Vec<EstablishmentLink>> {
        if urns.is_empty() {
            return Ok(Vec::new());
        }
        let (marks, args) = urn_list(urns);
        let sql = Sql {
            text: format!(
                "SELECT urn, link_urn, link_name, link_type, established FROM establishment_links \
                 WHERE urn IN ({marks}) OR link_urn IN ({marks}) ORDER BY urn, link_urn"
            ),
            args: args.iter().chain(args.iter()).cloned().collect(),
        };
        Ok(self
            .fetch(&sql, "reading establishment links", |r| {
                Ok(match (urn_of(r, "urn")?, urn_of(r, "link_urn")?) {
                    (Some(urn), Some(link_urn)) => Some(EstablishmentLink {
                        urn,
                        link_urn,
                        link_name: r.text("link_name")?,
                        link_type: r.text("link_type")?.unwrap_or_default(),
                        established: r.date("established")?,
                    }),
                    _ => None,
                })
            })
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Follows GIAS links from `urn` in both directions until the chain is complete.
    /// Returns the lineage and every link read on the way (for display).
    pub async fn lineage(&self, urn: Urn) -> Result<(Lineage, Vec<EstablishmentLink>)> {
        let mut seen: BTreeSet<Urn> = BTreeSet::from([urn]);
        let mut frontier = vec![urn];
        let mut links: Vec<EstablishmentLink> = Vec::new();
        // Real chains are a few steps long; the cap guards against a pathological file.
        for _ in 0..50 {
            if frontier.is_empty() {
                break;
            }
            let found = self.links_touching(&frontier).await?;
            frontier.clear();
            for l in found {
                for u in [l.urn, l.link_urn] {
                    if seen.insert(u) {
                        frontier.push(u);
                    }
                }
                if !links.contains(&l) {
                    links.push(l);
                }
            }
            // Only URNs reached through predecessor/successor links extend the chain.
            let lineage = Lineage::walk(urn, &links);
            let chain: BTreeSet<Urn> = lineage.all_urns(urn).into_iter().collect();
            frontier.retain(|u| chain.contains(u));
        }
        Ok((Lineage::walk(urn, &links), links))
    }

    /// Graded inspections of these URNs, oldest first.
    pub async fn inspections(&self, urns: &[Urn]) -> Result<Vec<Inspection>> {
        if urns.is_empty() {
            return Ok(Vec::new());
        }
        let (marks, args) = urn_list(urns);
        let sql = Sql {
            text: format!(
                "SELECT urn, inspection_date, grade, concern FROM ofsted_inspections WHERE urn IN ({marks}) ORDER BY inspection_date, urn"
            ),
            args,
        };
        Ok(self
            .fetch(&sql, "reading inspections", |r| inspection_of(r, "urn", "inspection_date"))
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// KS2 results of these URNs, by year.
    pub async fn ks2_for_schools(&self, urns: &[Urn]) -> Result<Vec<Ks2Record>> {
        if urns.is_empty() {
            return Ok(Vec::new());
        }
        let (marks, args) = urn_list(urns);
        let sql = Sql {
            text: format!("SELECT * FROM ks2_school_results WHERE urn IN ({marks}) ORDER BY academic_year, urn"),
            args,
        };
        Ok(self
            .fetch(&sql, "reading KS2 results", |r| {
                let Some(urn) = urn_of(r, "urn")? else { return Ok(None) };
                ks2_record(r, Ks2Subject::School(urn))
            })
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// KS2 results of an area level ('la', 'england_all', 'england_state_funded') and code.
    pub async fn ks2_for_area(&self, level: &str, code: &str) -> Result<Vec<Ks2Record>> {
        let sql =
            Sql::new("SELECT * FROM ks2_area_results WHERE area_level = ? AND area_code = ? ORDER BY academic_year")
                .arg(Arg::Text(Some(level.to_owned())))
                .arg(Arg::Text(Some(code.to_owned())));
        let subject = match level {
            "la" => Ks2Subject::LocalAuthority(code.parse().map_err(|_| StoreError::Decode {
                doing: "reading area KS2 results".into(),
                problem: format!("'{code}' is not an LA code"),
            })?),
            "england_state_funded" => Ks2Subject::EnglandStateFunded,
            _ => Ks2Subject::EnglandAll,
        };
        Ok(self
            .fetch(&sql, "reading area KS2 results", |r| ks2_record(r, subject))
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// A pupil-weighted mean of school figures for a year: a stand-in for a national figure when
    /// no DfE national row has been imported. Weighted by pupils at the end of KS2 (TELIG).
    pub async fn ks2_computed_mean(&self, year: AcademicYear, measure: Measure) -> Result<Option<ComputedFigure>> {
        let c = measure.column();
        let sql = Sql::new(format!(
            "SELECT SUM({c} * telig) AS total, SUM(telig) AS pupils, COUNT(*) AS n FROM ks2_school_results \
             WHERE academic_year = ? AND {c} IS NOT NULL AND telig IS NOT NULL AND telig > 0"
        ))
        .arg(Arg::Int(Some(i64::from(year.start_year()))));
        let row = self
            .fetch_one(&sql, "computing a national figure", |r| Ok((r.real("total")?, r.real("pupils")?, r.int("n")?)))
            .await?;
        Ok(match row {
            Some((Some(total), Some(pupils), Some(n))) if pupils > 0.0 && n > 0 => {
                Some(ComputedFigure { value: total / pupils, schools: n as u64 })
            }
            _ => None,
        })
    }

    /// Imports, newest first.
    pub async fn imports(&self, limit: u64) -> Result<Vec<ImportRecord>> {
        let sql = Sql::new("SELECT * FROM imports ORDER BY id DESC LIMIT ?").arg(Arg::Int(Some(limit as i64)));
        self.fetch(&sql, "reading imports", |r| {
            Ok(ImportRecord {
                id: present(r.int("id")?, "id")?,
                file_name: present(r.text("file_name")?, "file_name")?,
                sha256: present(r.text("file_sha256")?, "file_sha256")?,
                format: present(r.text("format")?, "format")?,
                encoding: present(r.text("encoding")?, "encoding")?,
                rows_read: present(r.int("rows_read")?, "rows_read")?,
                rows_accepted: present(r.int("rows_accepted")?, "rows_accepted")?,
                rows_rejected: present(r.int("rows_rejected")?, "rows_rejected")?,
                rows_inserted: present(r.int("rows_inserted")?, "rows_inserted")?,
                rows_updated: present(r.int("rows_updated")?, "rows_updated")?,
                rows_unchanged: present(r.int("rows_unchanged")?, "rows_unchanged")?,
                warnings: present(r.int("warnings")?, "warnings")?,
                imported_by: r.text("imported_by")?,
                started_at: r.instant("started_at")?,
                finished_at: r.instant("finished_at")?,
            })
        })
        .await
    }

    /// Whether the register holds no school at all (cheaper than counting).
    pub async fn register_is_empty(&self) -> Result<bool> {
        let sql = Sql::new("SELECT COUNT(*) AS n FROM (SELECT 1 FROM schools LIMIT 1) AS one");
        Ok(self.fetch_one(&sql, "looking for schools", |r| r.int("n")).await?.flatten().unwrap_or(0) == 0)
    }

    pub async fn counts(&self) -> Result<RegistryCounts> {
        let sql = Sql::new(
            "SELECT (SELECT COUNT(*) FROM schools) AS schools, (SELECT COUNT(*) FROM ofsted_inspections) AS inspections, \
             (SELECT COUNT(*) FROM ks2_school_results) AS ks2, (SELECT COUNT(*) FROM establishment_links) AS links, \
             (SELECT COUNT(*) FROM imports) AS imports",
        );
        let n = |r: &dyn RowGet, c: &str| -> Result<u64> { Ok(u64::try_from(r.int(c)?.unwrap_or(0)).unwrap_or(0)) };
        Ok(self
            .fetch_one(&sql, "counting the register", |r| {
                Ok(RegistryCounts {
                    schools: n(r, "schools")?,
                    inspections: n(r, "inspections")?,
                    ks2_results: n(r, "ks2")?,
                    links: n(r, "links")?,
                    imports: n(r, "imports")?,
                })
            })
            .await?
            .unwrap_or_default())
    }
}

fn ks2_record(r: &dyn RowGet, subject: Ks2Subject) -> Result<Option<Ks2Record>> {
    let Some(year) =
        r.int("academic_year")?.and_then(|y| u16::try_from(y).ok()).and_then(|y| AcademicYear::starting(y).ok())
    else {
        return Ok(None);
    };
    let mut values = BTreeMap::new();
    for m in Measure::ALL {
        let c = m.column();
        if let Some(x) = r.real(&c)? {
            values.insert(*m, Ks2Value::Value(x));
        } else if let Some(reason) = r.text(&format!("{c}_missing"))?.as_deref().and_then(MissingReason::from_code) {
            values.insert(*m, Ks2Value::Missing(reason));
        }
    }
    Ok(Some(Ks2Record { subject, year, values }))
}
