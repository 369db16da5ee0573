//! Eligibility for every school in the register: loads what the decisions need in a few bulk
//! queries and hands it to `aspire_core::eligibility`.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;

use aspire_core::areas::AreaMember;
use aspire_core::codes::{LaCode, LadCode};
use aspire_core::eligibility::{
    Areas, Decision, Facts, InspectionRecord, RuleSet, Verdict, decide, decide_screened, screen, screened_out,
};
use aspire_core::links::{EstablishmentLink, Lineage, LinkGraph, LinkRelation};
use aspire_core::ofsted::{Concern, Grade, Inspection, Judgement};
use aspire_core::school::School;
use aspire_core::urn::Urn;
use aspire_import::LoadedRuleSet;

use crate::sql::{Arg, Sql};
use crate::{Db, Result};

/// A decision with what a list or a map shows of the school.
#[derive(Debug, Clone, PartialEq)]
pub struct EligibilityRow {
    pub decision: Decision,
    pub name: Option<String>,
    pub la_code: Option<i64>,
    pub la_name: Option<String>,
    pub district: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub phase: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Which schools to decide for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    All,
    Urns(&'a [Urn]),
}

/// SQLite accepts 32,766 bound values and PostgreSQL 65,535; stay well below both.
const IN_CHUNK: usize = 5_000;

/// The columns of a `SchoolRow` from `schools s`, with `la_name` as the expression for the LA's
/// name (the DfE list's where it was joined, else the register's).
pub(crate) fn school_columns(la_name: &str) -> String {
    format!(
        "s.urn, s.name, s.la_code, {la_name}, s.district_code, s.district_name, s.phase, s.minor_group, \
         s.type_group, s.type_name, s.status, s.open_date, s.close_date, s.town, s.postcode, s.latitude, s.longitude"
    )
}

/// What a decision and its list read of a school, in `school_columns` order: a third of the
/// size of a whole `School`, which matters when there is one for every school in England.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct SchoolRow(
    pub i64,
    pub Option<String>,
    pub Option<i64>,
    pub Option<String>,
    pub Option<String>,
    pub Option<String>,
    pub Option<String>,
    pub Option<String>,
    pub Option<String>,
    pub Option<String>,
    pub Option<String>,
    pub Option<NaiveDate>,
    pub Option<NaiveDate>,
    pub Option<String>,
    pub Option<String>,
    pub Option<f64>,
    pub Option<f64>,
);

impl SchoolRow {
    fn into_school(self) -> Option<School> {
        let mut s = School::new(Urn::try_from(self.0).ok()?);
        s.name = self.1;
        s.la_code = self.2;
        s.la_name = self.3;
        s.district_code = self.4;
        s.district_name = self.5;
        s.phase = self.6;
        s.minor_group = self.7;
        s.type_group = self.8;
        s.type_name = self.9;
        s.status = self.10;
        s.open_date = self.11;
        s.close_date = self.12;
        s.town = self.13;
        s.postcode = self.14;
        s.latitude = self.15;
        s.longitude = self.16;
        Some(s)
    }
}

/// What deciding for the whole register reads of a link.
pub(crate) struct LinkRow {
    pub urn: Urn,
    pub link_urn: Urn,
    pub link_name: Option<String>,
    pub relation: LinkRelation,
}

impl From<EstablishmentLink> for LinkRow {
    fn from(l: EstablishmentLink) -> LinkRow {
        let relation = l.relation();
        LinkRow { urn: l.urn, link_urn: l.link_urn, link_name: l.link_name, relation }
    }
}

/// A link as the JSON bulk read returns it: urn, link_urn, link_name, link_type, established.
type LinkJson = (i64, i64, Option<String>, Option<String>, Option<String>);
/// An inspection: urn, date, grade, concern, file name.
type InspectionJson = (i64, String, i64, Option<String>, Option<String>);

/// "2018-12-31" (dates stored by this crate), read without a format string.
pub(crate) fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(5..7)?, n(8..10)?)
}

impl Db {
    /// District codes of the ONS lookups imported (empty when none has been).
    pub async fn lad_codes(&self) -> Result<HashSet<String>> {
        Ok(self
            .fetch(&Sql::new("SELECT lad_code FROM lads"), "reading district codes", |r| r.text("lad_code"))
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Members of the named area sets imported by the programme team.
    pub async fn area_members(&self, sets: &[&str]) -> Result<Vec<AreaMember>> {
        let mut out = Vec::new();
        for set in sets {
            let sql = Sql::new(
                "SELECT area_set, area, wave, announced, lad_code, lad_name, la_code, la_name FROM area_members WHERE area_set = ?",
            )
            .arg(Arg::Text(Some((*set).to_owned())));
            out.extend(
                self.fetch(&sql, "reading area members", |r| {
                    Ok(AreaMember {
                        area_set: r.text("area_set")?.unwrap_or_default(),
                        area: r.text("area")?.unwrap_or_default(),
                        wave: r.int("wave")?,
                        announced: r.text("announced")?,
                        lad_code: r.text("lad_code")?.and_then(|c| LadCode::parse(&c).ok()),
                        lad_name: r.text("lad_name")?,
                        la_code: r.int("la_code")?.and_then(|c| LaCode::try_from(c).ok()),
                        la_name: r.text("la_name")?,
                    })
                })
                .await?,
            );
        }
        Ok(out)
    }

    /// Names of LAs that are a single district (ONS codes E06, E08, E09) among the lookups imported.
    pub async fn single_district_la_names(&self) -> Result<Vec<String>> {
        Ok(self
            .fetch(&Sql::new("SELECT name FROM lads WHERE lad_code NOT LIKE 'E07%'"), "reading district names", |r| {
                r.text("name")
            })
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    async fn school_rows(&self, scope: Scope<'_>) -> Result<Vec<SchoolRow>> {
        let from = "FROM schools s LEFT JOIN local_authorities la ON la.la_code = s.la_code";
        let columns = school_columns("COALESCE(la.name, s.la_name)");
        let mut rows: Vec<SchoolRow> = match scope {
            Scope::All => self.fetch_json(&columns, from, Vec::new(), "reading schools").await?,
            Scope::Urns(urns) => {
                let mut v = Vec::new();
                for chunk in urns.chunks(IN_CHUNK) {
                    let marks = vec!["?"; chunk.len()].join(", ");
                    let args = chunk.iter().map(|u| Arg::Int(Some(i64::from(*u)))).collect();
                    v.extend(
                        self.fetch_json::<SchoolRow>(
                            &columns,
                            &format!("{from} WHERE s.urn IN ({marks})"),
                            args,
                            "reading schools",
                        )
                        .await?,
                    );
                }
                v
            }
        };
        rows.sort_unstable_by_key(|r| r.0);
        Ok(rows)
    }

    /// Every establishment link, in one read.
    pub(crate) async fn all_links(&self) -> Result<Vec<EstablishmentLink>> {
        let rows: Vec<LinkJson> = self
            .fetch_json(
                "urn, link_urn, link_name, link_type, established",
                "FROM establishment_links",
                Vec::new(),
                "reading links",
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(u, l, name, kind, date)| {
                Some(EstablishmentLink {
                    urn: Urn::try_from(u).ok()?,
                    link_urn: Urn::try_from(l).ok()?,
                    link_name: name,
                    link_type: kind.unwrap_or_default(),
                    established: date.as_deref().and_then(iso_date),
                })
            })
            .collect())
    }

    /// Every graded inspection with the file it was last written from, in one read.
    pub(crate) async fn all_inspection_records(&self) -> Result<Vec<InspectionRecord>> {
        let rows: Vec<InspectionJson> = self
            .fetch_json(
                "o.urn, o.inspection_date, o.grade, o.concern, i.file_name",
                "FROM ofsted_inspections o LEFT JOIN imports i ON i.id = o.last_import_id",
                Vec::new(),
                "reading inspections",
            )
            .await?;
        let mut files: HashMap<String, Arc<str>> = HashMap::new();
        Ok(rows
            .into_iter()
            .filter_map(|(u, date, grade, concern, file)| {
                let source = file.map(|f| files.entry(f.clone()).or_insert_with(|| Arc::from(f.as_str())).clone());
                Some(InspectionRecord {
                    inspection: Inspection {
                        urn: Urn::try_from(u).ok()?,
                        date: iso_date(&date)?,
                        judgement: Judgement {
                            grade: Grade::from_number(grade)?,
                            concern: concern.as_deref().and_then(Concern::from_code),
                        },
                    },
                    source,
                })
            })
            .collect())
    }

    /// Lineages of many schools at once: follows links outward from all of them together.
    pub async fn lineages(&self, urns: &[Urn]) -> Result<(LinkGraph, HashMap<Urn, Lineage>)> {
        let mut seen: BTreeSet<Urn> = urns.iter().copied().collect();
        let mut frontier: Vec<Urn> = urns.to_vec();
        let mut links = Vec::new();
        let mut link_keys = HashSet::new();
        for _ in 0..50 {
            if frontier.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for chunk in frontier.chunks(IN_CHUNK / 2) {
                for l in self.links_touching(chunk).await? {
                    for u in [l.urn, l.link_urn] {
                        if seen.insert(u) {
                            next.push(u);
                        }
                    }
                    if link_keys.insert((l.urn, l.link_urn)) {
                        links.push(l);
                    }
                }
            }
            frontier = next;
        }
        let graph = LinkGraph::new(&links);
        let map = urns.iter().map(|u| (*u, graph.lineage(*u))).collect();
        Ok((graph, map))
    }

    /// Graded inspections of these URNs, with the file each was last written from.
    pub async fn inspection_records(&self, urns: &[Urn]) -> Result<Vec<InspectionRecord>> {
        let mut out = Vec::new();
        for chunk in urns.chunks(IN_CHUNK) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = Sql {
                text: format!(
                    "SELECT o.urn, o.inspection_date, o.grade, o.concern, i.file_name FROM ofsted_inspections o \
                     LEFT JOIN imports i ON i.id = o.last_import_id WHERE o.urn IN ({marks})"
                ),
                args: chunk.iter().map(|u| Arg::Int(Some(i64::from(*u)))).collect(),
            };
            out.extend(
                self.fetch(&sql, "reading inspections", |r| {
                    let (Some(urn), Some(date), Some(grade)) = (
                        r.int("urn")?.and_then(|n| Urn::try_from(n).ok()),
                        r.date("inspection_date")?,
                        r.int("grade")?.and_then(Grade::from_number),
                    ) else {
                        return Ok(None);
                    };
                    let concern = r.text("concern")?.as_deref().and_then(Concern::from_code);
                    Ok(Some(InspectionRecord {
                        inspection: Inspection { urn, date, judgement: Judgement { grade, concern } },
                        source: r.text("file_name")?.map(Arc::from),
                    }))
                })
                .await?
                .into_iter()
                .flatten(),
            );
        }
        Ok(out)
    }

    /// Decides eligibility for the schools in scope under a rule set as of a date. The caller
    /// checks that the rule set covers the date. Rows are in URN order.
    pub async fn eligibility(
        &self,
        rules: &LoadedRuleSet,
        as_of: NaiveDate,
        scope: Scope<'_>,
    ) -> Result<Vec<EligibilityRow>> {
        let mut all = Vec::new();
        self.eligibility_each(rules, as_of, scope, |rows| {
            all.extend(rows);
            Ok::<(), std::convert::Infallible>(())
        })
        .await?
        .unwrap_or_else(|never| match never {});
        Ok(all)
    }

    /// As [`Db::eligibility`], handing the rows to `sink` in URN order a few thousand at a time,
    /// while the next ones are decided: a caller that writes them out never holds a decision
    /// for every school. The outer error is the store's, the inner one the sink's (which stops
    /// the run).
    pub async fn eligibility_each<E: Send>(
        &self,
        rules: &LoadedRuleSet,
        as_of: NaiveDate,
        scope: Scope<'_>,
        mut sink: impl FnMut(Vec<EligibilityRow>) -> std::result::Result<(), E> + Send,
    ) -> Result<std::result::Result<(), E>> {
        let started = std::time::Instant::now();
        let sets: Vec<&str> = rules.rules.areas.iter().map(|a| a.set.as_str()).collect();
        let mut members = rules.members.clone();
        members.extend(self.area_members(&sets).await?);
        let areas = Areas::new(&rules.rules, members).with_single_district_las(self.single_district_la_names().await?);
        match scope {
            Scope::All => {
                // Every link and inspection at once, alongside the schools: cheaper than asking
                // for the thousands of URNs that pass the first checks afterwards.
                let (schools, links, records) = match self.sqlite_file() {
                    Some(path) => crate::sqlite_read::whole_register(&path).await?,
                    None => {
                        let (schools, links, records) =
                            tokio::try_join!(self.school_rows(scope), self.all_links(), self.all_inspection_records())?;
                        (schools, links.into_iter().map(LinkRow::from).collect(), records)
                    }
                };
                tracing::debug!(
                    schools = schools.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "eligibility: read"
                );
                // Both reads give the schools in URN order.
                let register = Register::new(&schools, &links, records);
                let result = register.decide_each(&rules.rules, &areas, as_of, schools, sink);
                tracing::debug!(ms = started.elapsed().as_millis() as u64, "eligibility: decided");
                // Freeing what was read takes a while; nothing waits for it.
                std::thread::spawn(move || drop((register, links)));
                Ok(result)
            }
            Scope::Urns(_) => {
                // One school's explanation (or a few) asks for its own chain only.
                let schools: Vec<School> =
                    self.school_rows(scope).await?.into_iter().filter_map(SchoolRow::into_school).collect();
                let urns: Vec<Urn> = schools.iter().filter_map(|s| s.urn).collect();
                let (_, lineages) = self.lineages(&urns).await?;
                let mut chain: BTreeSet<Urn> = urns.iter().copied().collect();
                chain.extend(lineages.values().flat_map(|l| l.predecessors.iter().map(|p| p.urn)));
                let chain: Vec<Urn> = chain.into_iter().collect();
                let records = self.inspection_records(&chain).await?;
                let names = self.school_names(&chain).await?;
                let empty = Lineage::default();
                let rows = schools
                    .into_iter()
                    .filter_map(|s| {
                        let urn = s.urn?;
                        let lineage = lineages.get(&urn).unwrap_or(&empty);
                        let inspections: Vec<InspectionRecord> = records
                            .iter()
                            .filter(|r| {
                                r.inspection.urn == urn
                                    || lineage.predecessors.iter().any(|p| p.urn == r.inspection.urn)
                            })
                            .cloned()
                            .collect();
                        let facts = Facts { urn, school: &s, lineage, inspections: &inspections, names: &names };
                        let decision = decide(&rules.rules, &areas, as_of, facts);
                        Some(EligibilityRow::new(decision, s))
                    })
                    .collect();
                Ok(sink(rows))
            }
        }
    }
}

/// One cell of an eligibility export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportCell<'a> {
    Number(i64),
    /// Empty when the value is missing.
    Text(Cow<'a, str>),
}

impl EligibilityRow {
    /// Columns of every eligibility export: the command line's CSV and the programme team's
    /// CSV and XLSX.
    pub const EXPORT_COLUMNS: [&'static str; 12] = [
        "urn",
        "name",
        "la_code",
        "la_name",
        "district",
        "decision",
        "area",
        "ofsted_grade",
        "ofsted_date",
        "ofsted_urn",
        "inherited",
        "reason",
    ];

    /// The row's cells in [`EligibilityRow::EXPORT_COLUMNS`] order, borrowing what it can: an
    /// export can have a row for every school in England.
    pub fn export_cells(&self) -> [ExportCell<'_>; 12] {
        fn text(t: Option<&str>) -> ExportCell<'_> {
            ExportCell::Text(Cow::Borrowed(t.unwrap_or_default()))
        }
        let number = |n: Option<i64>| n.map_or(ExportCell::Text(Cow::Borrowed("")), ExportCell::Number);
        let d = &self.decision;
        let i = d.inspection.as_ref().map(|i| (&i.record.inspection, i.inherited));
        [
            ExportCell::Number(i64::from(d.urn)),
            text(self.name.as_deref()),
            number(self.la_code),
            text(self.la_name.as_deref()),
            text(self.district.as_deref()),
            text(Some(d.outcome.code())),
            text(d.area.as_deref()),
            number(i.map(|(i, _)| i64::from(i.judgement.grade.number()))),
            i.map_or(text(None), |(i, _)| ExportCell::Text(Cow::Owned(i.date.to_string()))),
            number(i.map(|(i, _)| i64::from(i.urn))),
            text(i.map(|(_, inherited)| if inherited { "yes" } else { "no" })),
            ExportCell::Text(Cow::Owned(d.reason())),
        ]
    }

    fn new(decision: Decision, s: School) -> EligibilityRow {
        EligibilityRow {
            decision,
            district: s.district_name.or(s.district_code),
            name: s.name,
            la_code: s.la_code,
            la_name: s.la_name,
            town: s.town,
            postcode: s.postcode,
            phase: s.phase,
            latitude: s.latitude,
            longitude: s.longitude,
        }
    }
}

/// What deciding for every school of the register looks up: inspections grouped by URN, the
/// link graph and the names of URNs that came before others.
struct Register {
    records: Vec<InspectionRecord>,
    graph: LinkGraph,
    names: HashMap<Urn, String>,
}

/// Schools decided at a time: small enough that the decisions of one batch are written and
/// freed while the next is decided, large enough to keep every core busy.
const BATCH: usize = 2_048;

impl Register {
    /// `schools` in URN order.
    fn new(schools: &[SchoolRow], links: &[LinkRow], mut records: Vec<InspectionRecord>) -> Register {
        records.sort_unstable_by_key(|r| r.inspection.urn);
        let graph = LinkGraph::from_relations(links.iter().map(|l| (l.urn, l.link_urn, l.relation)));
        // For sentences about inherited judgements: the register's name, else the link's.
        let row_at = |u: Urn| schools.binary_search_by_key(&i64::from(u), |r| r.0).ok().map(|i| &schools[i]);
        let mut names: HashMap<Urn, String> = HashMap::new();
        for u in graph.earlier_urns() {
            if let Some(n) = row_at(u).and_then(|r| r.1.clone()) {
                names.insert(u, n);
            }
        }
        for l in links {
            if let Some(n) = &l.link_name
                && graph.is_earlier(l.link_urn)
            {
                names.entry(l.link_urn).or_insert_with(|| n.clone());
            }
        }
        Register { records, graph, names }
    }

    fn inspections_of(&self, urn: Urn) -> &[InspectionRecord] {
        let from = self.records.partition_point(|r| r.inspection.urn < urn);
        let to = from + self.records[from..].partition_point(|r| r.inspection.urn == urn);
        &self.records[from..to]
    }

    /// One school: the checks that need no history first, which most schools fail, then the
    /// Ofsted check for the rest.
    fn decide_one(
        &self,
        rules: &RuleSet,
        areas: &Areas<'_>,
        as_of: NaiveDate,
        row: SchoolRow,
    ) -> Option<EligibilityRow> {
        let s = row.into_school()?;
        let urn = s.urn?;
        let (findings, area) = screen(rules, areas, as_of, &s);
        let decision = if findings.iter().any(|f| f.verdict == Verdict::NotMet) {
            screened_out(urn, findings, area)
        } else {
            let lineage = self.graph.lineage(urn);
            let mut inspections: Vec<InspectionRecord> = self.inspections_of(urn).to_vec();
            for p in &lineage.predecessors {
                inspections.extend_from_slice(self.inspections_of(p.urn));
            }
            let facts = Facts { urn, school: &s, lineage: &lineage, inspections: &inspections, names: &self.names };
            decide_screened(rules, as_of, facts, findings, area)
        };
        Some(EligibilityRow::new(decision, s))
    }

    /// Decides for `schools` batch after batch on all cores, handing each batch to `sink` while
    /// the next one is decided.
    fn decide_each<E: Send>(
        &self,
        rules: &RuleSet,
        areas: &Areas<'_>,
        as_of: NaiveDate,
        schools: Vec<SchoolRow>,
        mut sink: impl FnMut(Vec<EligibilityRow>) -> std::result::Result<(), E> + Send,
    ) -> std::result::Result<(), E> {
        let decide_batch = |batch: Vec<SchoolRow>| -> Vec<EligibilityRow> {
            batch.into_par_iter().filter_map(|row| self.decide_one(rules, areas, as_of, row)).collect()
        };
        let mut schools = schools.into_iter();
        let mut ready: Option<Vec<EligibilityRow>> = None;
        loop {
            let batch: Vec<SchoolRow> = schools.by_ref().take(BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let (decided, sunk) = rayon::join(|| decide_batch(batch), || ready.take().map_or(Ok(()), &mut sink));
            sunk?;
            ready = Some(decided);
        }
        ready.map_or(Ok(()), sink)
    }
}
