//! One cohort's evaluation: KS2 attainment and progress against the comparison groups asked for,
//! and Ofsted outcomes over a window.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use aspire_core::evaluation::attainment::{ComparisonGroup, Measurement, evaluate_measure};
use aspire_core::evaluation::matching::{Covariates, Matching, nearest_neighbours};
use aspire_core::evaluation::ofsted::{OfstedOutcomes, ofsted_outcomes};
use aspire_core::ks2::Measure;
use aspire_core::links::LinkGraph;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use super::panel::Facts;
use super::{AttainmentReport, AttainmentRequest, Comparison, MissingCount, UrnChange};
use crate::sql::Sql;
use crate::{Db, Result};

impl Db {
    /// Evaluates KS2 attainment and progress of a cohort.
    pub async fn evaluate_attainment(&self, req: &AttainmentRequest) -> Result<AttainmentReport> {
        let s = &req.settings;
        let years: Vec<AcademicYear> = s.baseline.iter().chain(s.followup.iter()).copied().collect();
        let sponsored = if req.comparisons.contains(&Comparison::Sponsored) {
            Some(self.sponsored_academies().await?)
        } else {
            None
        };
        let first_day = s.baseline.iter().min().map(|y| y.first_day()).unwrap_or(NaiveDate::MIN);
        let covariates = if req.comparisons.contains(&Comparison::Matched) {
            Some(self.covariate_facts(first_day).await?)
        } else {
            None
        };

        // Cohort schools that moved to a new URN with results inside the window.
        let graph = LinkGraph::new(&self.all_links().await?);
        let mut urn_changes = Vec::new();
        let mut remap: HashMap<Urn, Urn> = HashMap::new();
        let mut successor_results: BTreeMap<Urn, Vec<String>> = BTreeMap::new();
        {
            let first = self.ks2_panel(Measure::ReadingProgress, &years).await?;
            for (u, y, _, _) in first {
                if let (Ok(u), Ok(y)) = (Urn::try_from(u), u16::try_from(y))
                    && let Ok(y) = AcademicYear::starting(y)
                {
                    successor_results.entry(u).or_default().push(y.to_string());
                }
            }
        }
        for u in &req.cohort {
            for succ in graph.lineage(*u).successors.iter().filter(|l| l.steps == 1) {
                if req.cohort.contains(&succ.urn) {
                    continue;
                }
                if let Some(ys) = successor_results.get(&succ.urn) {
                    urn_changes.push(UrnChange {
                        urn: *u,
                        successor: succ.urn,
                        successor_years: ys.clone(),
                        followed: req.follow_urn_changes,
                    });
                    if req.follow_urn_changes {
                        remap.insert(succ.urn, *u);
                    }
                }
            }
        }

        let mut measures = Vec::new();
        let mut without = Vec::new();
        let mut missing = Vec::new();
        let mut matching = None;
        for &m in &req.measures {
            let rows = self.ks2_panel(m, &years).await?;
            let mut values = Vec::with_capacity(rows.len());
            let mut seen: BTreeSet<(Urn, AcademicYear)> = BTreeSet::new();
            let mut absent: BTreeMap<(String, String), usize> = BTreeMap::new();
            for (u, y, v, why) in rows {
                let (Ok(u), Some(y)) =
                    (Urn::try_from(u), u16::try_from(y).ok().and_then(|y| AcademicYear::starting(y).ok()))
                else {
                    continue;
                };
                let u = remap.get(&u).copied().unwrap_or(u);
                match v {
                    // A school and its followed successor both reporting a year: the school's own wins.
                    Some(v) if seen.insert((u, y)) => values.push(Measurement { urn: u, year: y, value: v }),
                    Some(_) => {}
                    None if req.cohort.contains(&u) => {
                        *absent.entry((y.to_string(), why.unwrap_or_else(|| "blank".into()))).or_default() += 1;
                    }
                    None => {}
                }
            }
            if values.is_empty() {
                without.push(m.dfe_code());
                continue;
            }
            missing.extend(absent.into_iter().map(|((year, reason), n)| MissingCount {
                measure: m.dfe_code(),
                year,
                reason,
                cohort_schools: n,
            }));
            let mut groups = Vec::new();
            for c in &req.comparisons {
                match c {
                    Comparison::National => groups.push(ComparisonGroup {
                        key: "national".into(),
                        label: "schools nationally".into(),
                        members: None,
                    }),
                    Comparison::Sponsored => groups.push(ComparisonGroup {
                        key: "sponsored".into(),
                        label: "sponsored academies".into(),
                        members: sponsored.clone(),
                    }),
                    Comparison::Matched => {
                        let (group, m) = matched_group(m, &values, &req.cohort, &s.baseline, covariates.as_ref());
                        if matching.is_none() {
                            matching = Some(m);
                        }
                        groups.push(group);
                    }
                    Comparison::Eligible => groups.push(ComparisonGroup {
                        key: "eligible".into(),
                        label: "eligible schools that did not take part".into(),
                        members: Some(req.eligible.clone().unwrap_or_default()),
                    }),
                }
            }
            let published = self.ks2_published(m, &years).await?;
            measures.push(evaluate_measure(m, &values, &req.cohort, &groups, &published, s));
        }
        Ok(AttainmentReport {
            cohort_size: req.cohort.len(),
            baseline: s.baseline.iter().map(ToString::to_string).collect(),
            followup: s.followup.iter().map(ToString::to_string).collect(),
            measures,
            measures_without_data: without,
            missing,
            matching,
            urn_changes,
            replicates: s.replicates,
            seed: s.seed,
        })
    }

    /// Ofsted outcomes of a cohort over a window, against every other school.
    pub async fn evaluate_ofsted(
        &self,
        cohort: &BTreeSet<Urn>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<OfstedOutcomes> {
        let (links, records) = tokio::try_join!(self.all_links(), self.all_inspection_records())?;
        let graph = LinkGraph::new(&links);
        let urns: Vec<(i64,)> = self.fetch_json("urn", "FROM schools", Vec::new(), "reading schools").await?;
        let reference: Vec<Urn> =
            urns.into_iter().filter_map(|(u,)| Urn::try_from(u).ok()).filter(|u| !cohort.contains(u)).collect();
        let cohort: Vec<Urn> = cohort.iter().copied().collect();
        Ok(ofsted_outcomes(&cohort, &reference, &records, &graph, from, to))
    }

    /// The first and last inspection dates held.
    pub async fn inspection_period(&self) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let sql = Sql::new("SELECT MIN(inspection_date) AS a, MAX(inspection_date) AS b FROM ofsted_inspections");
        Ok(self
            .fetch_one(&sql, "reading the inspection period", |r| Ok(r.date("a")?.zip(r.date("b")?)))
            .await?
            .flatten())
    }
}

/// The matched comparison group for one measure (baseline attainment is that measure's).
fn matched_group(
    measure: Measure,
    values: &[Measurement],
    cohort: &BTreeSet<Urn>,
    baseline: &[AcademicYear],
    facts: Option<&HashMap<Urn, Facts>>,
) -> (ComparisonGroup, Matching) {
    let mut base: HashMap<Urn, (f64, usize)> = HashMap::new();
    for v in values.iter().filter(|v| baseline.contains(&v.year)) {
        let e = base.entry(v.urn).or_default();
        e.0 += v.value;
        e.1 += 1;
    }
    let cov = |u: &Urn| -> Option<Covariates> {
        let (sum, n) = base.get(u)?;
        let (fsm, size, grade) = facts.and_then(|f| f.get(u)).copied().unwrap_or_default();
        Some(Covariates { baseline: Some(sum / *n as f64), fsm, size, prior_grade: grade })
    };
    let cohort_cov: Vec<(Urn, Covariates)> = cohort.iter().filter_map(|u| cov(u).map(|c| (*u, c))).collect();
    let pool: Vec<(Urn, Covariates)> =
        base.keys().filter(|u| !cohort.contains(u)).filter_map(|u| cov(u).map(|c| (*u, c))).collect();
    let m = nearest_neighbours(&cohort_cov, &pool, 3, 0.25);
    (
        ComparisonGroup {
            key: "matched".into(),
            label: format!(
                "matched schools (3 nearest on baseline {}, % FSM, size, prior Ofsted grade)",
                measure.dfe_code()
            ),
            members: Some(m.matched.clone()),
        },
        m,
    )
}
