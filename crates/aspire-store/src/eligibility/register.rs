//! Deciding for every school of the register at once: inspections grouped by URN, one link
//! graph, and batches decided on all cores while the previous batch is handed on.

use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use aspire_core::eligibility::{
    Areas, Facts, InspectionRecord, RuleSet, Verdict, decide_screened, screen, screened_out,
};
use aspire_core::links::LinkGraph;
use aspire_core::urn::Urn;

use super::EligibilityRow;
use super::inputs::{LinkRow, SchoolRow};

/// What deciding for every school of the register looks up: inspections grouped by URN, the
/// link graph and the names of URNs that came before others.
pub(super) struct Register {
    records: Vec<InspectionRecord>,
    graph: LinkGraph,
    names: HashMap<Urn, String>,
}

/// Schools decided at a time: small enough that the decisions of one batch are written and
/// freed while the next is decided, large enough to keep every core busy.
const BATCH: usize = 2_048;

impl Register {
    /// `schools` in URN order.
    pub(super) fn new(schools: &[SchoolRow], links: &[LinkRow], mut records: Vec<InspectionRecord>) -> Register {
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
    pub(super) fn decide_each<E: Send>(
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
