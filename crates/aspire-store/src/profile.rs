//! Everything known about one school, across its chain of URNs: what the school page and
//! `aspire schools show` display.

use std::collections::{BTreeMap, HashMap};

use aspire_core::ks2::{Ks2Subject, Ks2Value, Measure, MeasureKind};
use aspire_core::links::{EstablishmentLink, Lineage, LinkRelation};
use aspire_core::ofsted::Inspection;
use aspire_core::school::School;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::registry::Ks2Record;
use crate::sql::{Arg, Sql};
use crate::{Db, Result};

/// The KS2 measures shown for a school, in order.
pub const HEADLINE_MEASURES: &[Measure] = &[
    Measure::EligiblePupils,
    Measure::RwmExpected,
    Measure::RwmHigher,
    Measure::ReadingProgress,
    Measure::WritingProgress,
    Measure::MathsProgress,
    Measure::ReadingAverage,
    Measure::MathsAverage,
    Measure::MathsHigher,
];

/// Where a URN sits relative to the school: its own, or a predecessor/successor n steps away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainPosition {
    Own,
    Linked(LinkRelation, u32),
}

/// The national figure shown beside a school's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NationalFigure {
    /// From the DfE national row (state-funded schools, or all schools when that is all there is).
    Published(f64),
    /// Progress scores are centred on 0 nationally by construction.
    ZeroByDefinition,
    /// No national row imported: a pupil-weighted mean of the school rows held.
    Computed { value: f64, schools: u64 },
    /// Not available.
    Unknown,
}

/// One year of a school's KS2 results.
#[derive(Debug, Clone, PartialEq)]
pub struct Ks2Year {
    pub year: AcademicYear,
    pub urn: Urn,
    pub position: ChainPosition,
    pub values: BTreeMap<Measure, Ks2Value>,
    pub national: BTreeMap<Measure, NationalFigure>,
    pub la: BTreeMap<Measure, Ks2Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub inspection: Inspection,
    pub position: ChainPosition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchoolProfile {
    pub urn: Urn,
    /// `None` when the register has no record of this URN but other data mention it.
    pub school: Option<School>,
    pub la_name: Option<String>,
    pub lineage: Lineage,
    /// Links of the school itself (including "related" ones not followed).
    pub own_links: Vec<EstablishmentLink>,
    pub names: HashMap<Urn, String>,
    /// Inspections of the whole chain, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Newest first.
    pub ks2: Vec<Ks2Year>,
}

impl SchoolProfile {
    pub fn name(&self) -> String {
        self.school
            .as_ref()
            .and_then(|s| s.name.clone())
            .or_else(|| self.names.get(&self.urn).cloned())
            .unwrap_or_else(|| format!("URN {}", self.urn))
    }

    pub fn name_of(&self, urn: Urn) -> String {
        self.names.get(&urn).cloned().unwrap_or_else(|| format!("URN {urn}"))
    }

    /// The latest graded inspection of the school, else its nearest predecessor's (a new
    /// academy is reported with its old school's judgement, labelled): the rule eligibility
    /// and the directory follow ([`Lineage::own_or_inherited`]).
    pub fn latest_inspection(&self) -> Option<&TimelineEntry> {
        // The timeline is oldest first: the last entry of a URN is its latest.
        let latest_of = |u: Urn| self.timeline.iter().rev().find(|t| t.inspection.urn == u);
        self.lineage.own_or_inherited(self.urn, latest_of).map(|(t, _)| t)
    }
}

/// The national figure of every headline measure in every year results are held for: the
/// DfE national row where one was imported, else a pupil-weighted mean of the school rows. It
/// depends on the register alone, so a server computes it once per register generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NationalTable {
    figures: BTreeMap<AcademicYear, BTreeMap<Measure, NationalFigure>>,
}

impl NationalTable {
    /// The figures of a year (every headline measure; `Unknown` where there is none).
    pub fn year(&self, y: AcademicYear) -> BTreeMap<Measure, NationalFigure> {
        self.figures
            .get(&y)
            .cloned()
            .unwrap_or_else(|| HEADLINE_MEASURES.iter().map(|&m| (m, NationalFigure::Unknown)).collect())
    }
}

impl Db {
    /// The national figures beside every school's results (see [`NationalTable`]): the two DfE
    /// England rows read once, and the computed means in one query per year.
    pub async fn national_table(&self) -> Result<NationalTable> {
        let state = self.ks2_for_area("england_state_funded", "E92000001").await?;
        let all = self.ks2_for_area("england_all", "E92000001").await?;
        let computed: Vec<Measure> = HEADLINE_MEASURES
            .iter()
            .copied()
            .filter(|m| *m != Measure::EligiblePupils && m.kind() != MeasureKind::Progress)
            .collect();
        let sums: Vec<String> = computed
            .iter()
            .map(|m| {
                let c = m.column();
                format!(
                    "SUM(CASE WHEN {c} IS NOT NULL AND telig > 0 THEN {c} * telig END) AS {c}_total, \
                     SUM(CASE WHEN {c} IS NOT NULL AND telig > 0 THEN telig END) AS {c}_pupils, \
                     COUNT(CASE WHEN {c} IS NOT NULL AND telig > 0 THEN 1 END) AS {c}_n"
                )
            })
            .collect();
        let sql = Sql::new(format!(
            "SELECT academic_year, {} FROM ks2_school_results GROUP BY academic_year",
            sums.join(", ")
        ));
        let rows = self
            .fetch(&sql, "computing national figures", |r| {
                let year = r
                    .int("academic_year")?
                    .and_then(|y| u16::try_from(y).ok())
                    .and_then(|y| AcademicYear::starting(y).ok());
                let mut means = BTreeMap::new();
                for m in &computed {
                    let c = m.column();
                    if let (Some(total), Some(pupils), Some(n)) =
                        (r.real(&format!("{c}_total"))?, r.real(&format!("{c}_pupils"))?, r.int(&format!("{c}_n"))?)
                        && pupils > 0.0
                        && n > 0
                    {
                        means.insert(*m, NationalFigure::Computed { value: total / pupils, schools: n as u64 });
                    }
                }
                Ok(year.map(|y| (y, means)))
            })
            .await?;
        let in_year = |rows: &[Ks2Record], y: AcademicYear| rows.iter().find(|r| r.year == y).map(|r| r.values.clone());
        let mut figures = BTreeMap::new();
        for (year, means) in rows.into_iter().flatten() {
            let published = in_year(&state, year).or_else(|| in_year(&all, year)).unwrap_or_default();
            let mut national = BTreeMap::new();
            for &m in HEADLINE_MEASURES {
                let figure = if m == Measure::EligiblePupils {
                    NationalFigure::Unknown
                } else if m.kind() == MeasureKind::Progress {
                    NationalFigure::ZeroByDefinition
                } else if let Some(x) = published.get(&m).and_then(|v| v.value()) {
                    NationalFigure::Published(x)
                } else {
                    means.get(&m).copied().unwrap_or(NationalFigure::Unknown)
                };
                national.insert(m, figure);
            }
            figures.insert(year, national);
        }
        Ok(NationalTable { figures })
    }

    /// Assembles a school's profile; `None` when nothing at all is known of the URN.
    pub async fn school_profile(&self, urn: Urn) -> Result<Option<SchoolProfile>> {
        let national = self.national_table().await?;
        self.school_profile_with(urn, &national).await
    }

    /// As [`Db::school_profile`], with national figures already worked out.
    pub async fn school_profile_with(&self, urn: Urn, national: &NationalTable) -> Result<Option<SchoolProfile>> {
        let school = self.school(urn).await?;
        let (lineage, links) = self.lineage(urn).await?;
        let chain = lineage.all_urns(urn);
        let inspections = self.inspections(&chain).await?;
        let results = self.ks2_for_schools(&chain).await?;
        if school.is_none() && links.is_empty() && inspections.is_empty() && results.is_empty() {
            return Ok(None);
        }
        let mut name_urns: Vec<Urn> = chain.clone();
        name_urns.extend(links.iter().flat_map(|l| [l.urn, l.link_urn]));
        name_urns.sort_unstable();
        name_urns.dedup();
        let names = self.school_names(&name_urns).await?;
        let position = |u: Urn| match lineage.relation_of(u) {
            None => ChainPosition::Own,
            Some((rel, steps)) => ChainPosition::Linked(rel, steps),
        };
        let timeline =
            inspections.into_iter().map(|i| TimelineEntry { position: position(i.urn), inspection: i }).collect();

        let la_code = school.as_ref().and_then(|s| s.la_code);
        let la_name = match la_code {
            Some(code) => self
                .fetch_one(
                    &Sql::new("SELECT name FROM local_authorities WHERE la_code = ?").arg(Arg::Int(Some(code))),
                    "reading an LA name",
                    |r| r.text("name"),
                )
                .await?
                .flatten()
                .or_else(|| school.as_ref().and_then(|s| s.la_name.clone())),
            None => None,
        };
        let la = match la_code {
            Some(c) if !results.is_empty() => self.ks2_for_area("la", &c.to_string()).await?,
            _ => Vec::new(),
        };
        let mut ks2: Vec<Ks2Year> = results
            .into_iter()
            .filter_map(|rec| {
                let Ks2Subject::School(u) = rec.subject else { return None };
                Some(Ks2Year {
                    year: rec.year,
                    urn: u,
                    position: position(u),
                    national: national.year(rec.year),
                    la: la.iter().find(|r| r.year == rec.year).map(|r| r.values.clone()).unwrap_or_default(),
                    values: rec.values,
                })
            })
            .collect();
        // Newest year first; within a year, the school's own results before its chain's.
        ks2.sort_by_key(|y| (std::cmp::Reverse(y.year), y.position != ChainPosition::Own, y.urn));
        let own_links = links.iter().filter(|l| l.urn == urn).cloned().collect();
        Ok(Some(SchoolProfile { urn, school, la_name, lineage, own_links, names, timeline, ks2 }))
    }
}
