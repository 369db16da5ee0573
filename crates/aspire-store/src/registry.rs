//! Reading the school register: one school, the directory, a school's chain of URNs, its
//! inspections and results, and import provenance.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use aspire_core::ks2::{Ks2Subject, Ks2Value, Measure, MissingReason};
use aspire_core::links::{EstablishmentLink, Lineage};
use aspire_core::ofsted::{Concern, Grade, Inspection, Judgement};
use aspire_core::school::{School, SchoolField};
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::sql::{Arg, RowGet, Sql};
use crate::{Db, Result};

/// A line of the school directory.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolSummary {
    pub urn: Urn,
    pub name: Option<String>,
    pub la_code: Option<i64>,
    pub la_name: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub phase: Option<String>,
    pub type_name: Option<String>,
    pub status: Option<String>,
    /// The latest graded inspection under this URN.
    pub latest_inspection: Option<Inspection>,
}

/// Which inspection outcome the directory is filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfstedFilter {
    Grade(Grade),
    /// No graded inspection under this URN.
    None,
}

/// A directory search. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectoryQuery {
    /// Name, URN, postcode, town or LA name.
    pub text: Option<String>,
    pub phase: Option<String>,
    pub type_name: Option<String>,
    pub status: Option<String>,
    pub la_code: Option<i64>,
    pub ofsted: Option<OfstedFilter>,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryPage {
    pub rows: Vec<SchoolSummary>,
    pub total: u64,
}

/// Values the directory can be filtered on, from what is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterOptions {
    pub phases: Vec<String>,
    pub types: Vec<String>,
    pub statuses: Vec<String>,
    /// (LA code, name)
    pub las: Vec<(i64, String)>,
}

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

fn urn_of(r: &dyn RowGet, col: &str) -> Result<Option<Urn>> {
    Ok(r.int(col)?.and_then(|n| Urn::try_from(n).ok()))
}

fn inspection_of(r: &dyn RowGet, urn_col: &str, date_col: &str) -> Result<Option<Inspection>> {
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

/// Escapes LIKE wildcards in user text, with `!` as the escape character (a backslash would be
/// read as an escape by the statement builder).
fn like_escape(s: &str) -> String {
    s.replace('!', "!!").replace('%', "!%").replace('_', "!_")
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

    fn directory_base(&self, q: &DirectoryQuery) -> SelectStatement {
        let mut s = Query::select();
        s.from_as("schools", "s")
            .join_as(JoinType::LeftJoin, "local_authorities", "la", Expr::cust("la.la_code = s.la_code"))
            .join_as(
                JoinType::LeftJoin,
                "ofsted_inspections",
                "li",
                Expr::cust(
                    "li.urn = s.urn AND li.inspection_date = \
                     (SELECT MAX(x.inspection_date) FROM ofsted_inspections x WHERE x.urn = s.urn)",
                ),
            );
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let lower = format!("%{}%", like_escape(&text.to_lowercase()));
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
            let mut any = Expr::cust_with_values("LOWER(s.name) LIKE ? ESCAPE '!'", [lower.clone()])
                .or(Expr::cust_with_values("LOWER(s.town) LIKE ? ESCAPE '!'", [lower.clone()]))
                .or(Expr::cust_with_values("LOWER(COALESCE(la.name, s.la_name)) LIKE ? ESCAPE '!'", [lower]))
                .or(Expr::cust_with_values(
                    "REPLACE(UPPER(s.postcode), ' ', '') LIKE ? ESCAPE '!'",
                    [format!("{}%", like_escape(&compact))],
                ));
            if let Ok(urn) = Urn::parse(text) {
                any = any.or(Expr::cust_with_values("s.urn = ?", [i64::from(urn)]));
            }
            s.and_where(any);
        }
        if let Some(p) = &q.phase {
            s.and_where(Expr::cust_with_values("s.phase = ?", [p.clone()]));
        }
        if let Some(t) = &q.type_name {
            s.and_where(Expr::cust_with_values("s.type_name = ?", [t.clone()]));
        }
        if let Some(st) = &q.status {
            s.and_where(Expr::cust_with_values("s.status = ?", [st.clone()]));
        }
        if let Some(la) = q.la_code {
            s.and_where(Expr::cust_with_values("s.la_code = ?", [la]));
        }
        match q.ofsted {
            Some(OfstedFilter::Grade(g)) => {
                s.and_where(Expr::cust_with_values("li.grade = ?", [i64::from(g.number())]));
            }
            Some(OfstedFilter::None) => {
                s.and_where(Expr::cust("li.grade IS NULL"));
            }
            None => {}
        }
        s
    }

    /// The count and the page query of a directory search, rendered for the backend.
    fn directory_sql(&self, q: &DirectoryQuery) -> (Sql, Sql) {
        let mut count = self.directory_base(q);
        count.expr_as(Expr::cust("COUNT(*)"), "n");
        let mut s = self.directory_base(q);
        s.expr_as(Expr::cust("s.urn"), "urn")
            .expr_as(Expr::cust("s.name"), "name")
            .expr_as(Expr::cust("s.la_code"), "la_code")
            .expr_as(Expr::cust("COALESCE(la.name, s.la_name)"), "la_name")
            .expr_as(Expr::cust("s.town"), "town")
            .expr_as(Expr::cust("s.postcode"), "postcode")
            .expr_as(Expr::cust("s.phase"), "phase")
            .expr_as(Expr::cust("s.type_name"), "type_name")
            .expr_as(Expr::cust("s.status"), "status")
            .expr_as(Expr::cust("li.inspection_date"), "inspection_date")
            .expr_as(Expr::cust("li.grade"), "grade")
            .expr_as(Expr::cust("li.concern"), "concern")
            .order_by_expr(Expr::cust("s.name"), Order::Asc)
            .order_by_expr(Expr::cust("s.urn"), Order::Asc);
        if q.per_page > 0 {
            s.limit(q.per_page).offset(q.page.saturating_sub(1) * q.per_page);
        }
        (Sql::from_select(&count), Sql::from_select(&s))
    }

    /// A page of the directory (or every match when `per_page` is 0, for exports).
    pub async fn search_schools(&self, q: &DirectoryQuery) -> Result<DirectoryPage> {
        // sea-query statements are not Send: render them before any await.
        let (count_sql, rows_sql) = self.directory_sql(q);
        let total =
            self.fetch_one(&count_sql, "counting schools", |r| Ok(r.int("n")?.unwrap_or(0))).await?.unwrap_or(0);
        let total = u64::try_from(total).unwrap_or(0);

        let rows = self
            .fetch(&rows_sql, "searching schools", |r| {
                let Some(urn) = urn_of(r, "urn")? else { return Ok(None) };
                Ok(Some(SchoolSummary {
                    urn,
                    name: r.text("name")?,
                    la_code: r.int("la_code")?,
                    la_name: r.text("la_name")?,
                    town: r.text("town")?,
                    postcode: r.text("postcode")?,
                    phase: r.text("phase")?,
                    type_name: r.text("type_name")?,
                    status: r.text("status")?,
                    latest_inspection: inspection_of(r, "urn", "inspection_date")?,
                }))
            })
            .await?
            .into_iter()
            .flatten()
            .collect();
        Ok(DirectoryPage { rows, total })
    }

    pub async fn filter_options(&self) -> Result<FilterOptions> {
        let distinct = |col: &str| {
            Sql::new(format!("SELECT DISTINCT {col} AS v FROM schools WHERE {col} IS NOT NULL ORDER BY {col}"))
        };
        let text = |r: &dyn RowGet| Ok(r.text("v")?.unwrap_or_default());
        Ok(FilterOptions {
            phases: self.fetch(&distinct("phase"), "listing phases", text).await?,
            types: self.fetch(&distinct("type_name"), "listing types", text).await?,
            statuses: self.fetch(&distinct("status"), "listing statuses", text).await?,
            las: self
                .fetch(
                    &Sql::new(
                        "SELECT s.la_code AS code, MAX(COALESCE(la.name, s.la_name)) AS name FROM schools s \
                         LEFT JOIN local_authorities la ON la.la_code = s.la_code \
                         WHERE s.la_code IS NOT NULL GROUP BY s.la_code ORDER BY MAX(COALESCE(la.name, s.la_name)), s.la_code",
                    ),
                    "listing local authorities",
                    |r| {
                        let code = r.int("code")?.unwrap_or(0);
                        Ok((code, r.text("name")?.unwrap_or_else(|| format!("LA {code}"))))
                    },
                )
                .await?,
        })
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
            "la" => Ks2Subject::LocalAuthority(code.parse().unwrap_or(0)),
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
                id: r.int("id")?.unwrap_or(0),
                file_name: r.text("file_name")?.unwrap_or_default(),
                sha256: r.text("file_sha256")?.unwrap_or_default(),
                format: r.text("format")?.unwrap_or_default(),
                encoding: r.text("encoding")?.unwrap_or_default(),
                rows_read: r.int("rows_read")?.unwrap_or(0),
                rows_accepted: r.int("rows_accepted")?.unwrap_or(0),
                rows_rejected: r.int("rows_rejected")?.unwrap_or(0),
                rows_inserted: r.int("rows_inserted")?.unwrap_or(0),
                rows_updated: r.int("rows_updated")?.unwrap_or(0),
                rows_unchanged: r.int("rows_unchanged")?.unwrap_or(0),
                warnings: r.int("warnings")?.unwrap_or(0),
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
