//! What deciding eligibility reads: schools as compact rows, links, inspections with the file
//! each came from, area members and district names, and the lineages of a few schools.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;

use aspire_core::areas::AreaMember;
use aspire_core::codes::{LaCode, LadCode};
use aspire_core::eligibility::InspectionRecord;
use aspire_core::links::{EstablishmentLink, Lineage, LinkGraph, LinkRelation};
use aspire_core::ofsted::{Concern, Grade, Inspection, Judgement};
use aspire_core::school::School;
use aspire_core::urn::Urn;

use super::{IN_CHUNK, Scope};
use crate::sql::{Arg, Sql, present};
use crate::{Db, Result};

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
    pub(super) fn into_school(self) -> Option<School> {
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
                        area_set: present(r.text("area_set")?, "area_set")?,
                        area: present(r.text("area")?, "area")?,
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

    pub(super) async fn school_rows(&self, scope: Scope<'_>) -> Result<Vec<SchoolRow>> {
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
}
