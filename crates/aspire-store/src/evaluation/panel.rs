//! The reads an evaluation needs: which URNs and years are known, a measure's KS2 panel, the
//! published national figures, sponsored academies and the covariates for matching.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use aspire_core::ks2::Measure;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::sql::Arg;
use crate::{Db, Result};

/// A school's % FSM, size and prior Ofsted grade, each when known (for matching).
pub(super) type Facts = (Option<f64>, Option<f64>, Option<f64>);

/// One KS2 figure or the reason it is absent, as the bulk read returns it.
pub(super) type PanelJson = (i64, i64, Option<f64>, Option<String>);

impl Db {
    /// URNs among `urns` that the database knows anything about (register, results or inspections).
    pub async fn known_urns(&self, urns: &BTreeSet<Urn>) -> Result<BTreeSet<Urn>> {
        let rows: Vec<(i64,)> = self
            .fetch_json(
                "u",
                "FROM (SELECT urn AS u FROM schools UNION SELECT urn FROM ks2_school_results \
                 UNION SELECT urn FROM ofsted_inspections) known",
                Vec::new(),
                "reading known URNs",
            )
            .await?;
        let known: BTreeSet<Urn> = rows.into_iter().filter_map(|(u,)| Urn::try_from(u).ok()).collect();
        Ok(urns.intersection(&known).copied().collect())
    }

    /// Academic years that have school KS2 results.
    pub async fn ks2_result_years(&self) -> Result<Vec<AcademicYear>> {
        let rows: Vec<(i64,)> = self
            .fetch_json(
                "y",
                "FROM (SELECT DISTINCT academic_year AS y FROM ks2_school_results) ys",
                Vec::new(),
                "reading years",
            )
            .await?;
        let mut v: Vec<AcademicYear> = rows
            .into_iter()
            .filter_map(|(y,)| u16::try_from(y).ok().and_then(|y| AcademicYear::starting(y).ok()))
            .collect();
        v.sort();
        Ok(v)
    }

    /// Every school's figures for a measure in the given years, and every absence with its reason.
    pub(super) async fn ks2_panel(&self, measure: Measure, years: &[AcademicYear]) -> Result<Vec<PanelJson>> {
        let c = measure.column();
        let marks = vec!["?"; years.len()].join(", ");
        self.fetch_json(
            &format!("urn, academic_year, {c}, {c}_missing"),
            &format!("FROM ks2_school_results WHERE academic_year IN ({marks})"),
            years.iter().map(|y| Arg::Int(Some(i64::from(y.start_year())))).collect(),
            "reading KS2 results",
        )
        .await
    }

    /// DfE national (state-funded, else all schools) figures by year.
    pub(super) async fn ks2_published(
        &self,
        measure: Measure,
        years: &[AcademicYear],
    ) -> Result<BTreeMap<AcademicYear, f64>> {
        let mut out = BTreeMap::new();
        for level in ["england_all", "england_state_funded"] {
            for r in self.ks2_for_area(level, "E92000001").await? {
                if years.contains(&r.year)
                    && let Some(v) = r.values.get(&measure).and_then(|v| v.value())
                {
                    out.insert(r.year, v); // state-funded, read second, wins
                }
            }
        }
        Ok(out)
    }

    /// Sponsored academies in the register.
    pub(super) async fn sponsored_academies(&self) -> Result<BTreeSet<Urn>> {
        let rows: Vec<(i64,)> = self
            .fetch_json(
                "urn",
                "FROM schools WHERE LOWER(type_name) LIKE '%sponsor%'",
                Vec::new(),
                "reading sponsored academies",
            )
            .await?;
        Ok(rows.into_iter().filter_map(|(u,)| Urn::try_from(u).ok()).collect())
    }

    /// Covariates for matching: % FSM (register, else KS2 disadvantaged %), size (pupils on roll,
    /// else KS2 cohort) and the latest Ofsted grade before `before`.
    pub(super) async fn covariate_facts(&self, before: NaiveDate) -> Result<HashMap<Urn, Facts>> {
        let rows: Vec<(i64, Option<f64>, Option<f64>)> = self
            .fetch_json("urn, percentage_fsm, number_of_pupils", "FROM schools", Vec::new(), "reading school sizes")
            .await?;
        let mut out: HashMap<Urn, Facts> = HashMap::new();
        for (u, fsm, size) in rows {
            if let Ok(u) = Urn::try_from(u) {
                out.insert(u, (fsm, size, None));
            }
        }
        let ks2: Vec<(i64, Option<f64>, Option<f64>)> = self
            .fetch_json(
                "urn, fsm, telig",
                "FROM (SELECT urn, AVG(ptfsm6cla1a) AS fsm, AVG(telig) AS telig FROM ks2_school_results GROUP BY urn) k",
                Vec::new(),
                "reading KS2 cohorts",
            )
            .await?;
        for (u, fsm, telig) in ks2 {
            if let Ok(u) = Urn::try_from(u) {
                let e = out.entry(u).or_default();
                e.0 = e.0.or(fsm);
                e.1 = e.1.or(telig);
            }
        }
        let prior: Vec<(i64, i64)> = self
            .fetch_json(
                "o.urn, o.grade",
                "FROM ofsted_inspections o JOIN (SELECT urn, MAX(inspection_date) AS d FROM ofsted_inspections \
                 WHERE inspection_date < ? GROUP BY urn) m ON m.urn = o.urn AND m.d = o.inspection_date",
                vec![Arg::Date(Some(before))],
                "reading prior inspections",
            )
            .await?;
        for (u, g) in prior {
            if let Ok(u) = Urn::try_from(u) {
                out.entry(u).or_default().2 = Some(g as f64);
            }
        }
        Ok(out)
    }
}
