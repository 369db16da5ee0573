//! Eligibility for every school in the register: loads what the decisions need in a few bulk
//! queries (`inputs`) and hands it to `aspire_core::eligibility`, for the whole register in
//! batches on all cores (`register`).

mod inputs;
mod register;

pub(crate) use inputs::{LinkRow, SchoolRow, iso_date, school_columns};

use std::collections::BTreeSet;

use chrono::NaiveDate;

use aspire_core::eligibility::{Areas, Decision, Facts, InspectionRecord, decide};
use aspire_core::links::Lineage;
use aspire_core::school::School;
use aspire_core::urn::Urn;
use aspire_import::LoadedRuleSet;

use crate::{Db, Result};
use register::Register;

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
pub(crate) const IN_CHUNK: usize = 5_000;

impl Db {
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

impl EligibilityRow {
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
