//! Evaluating a cohort: loads KS2 panels, comparison groups, covariates and inspection histories
//! in bulk and hands them to `aspire_core::evaluation`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use aspire_core::evaluation::attainment::{ComparisonGroup, MeasureResult, Measurement, Settings, evaluate_measure};
use aspire_core::evaluation::matching::{Covariates, Matching, nearest_neighbours};
use aspire_core::evaluation::ofsted::{OfstedOutcomes, ofsted_outcomes};
use aspire_core::ks2::Measure;
use aspire_core::links::LinkGraph;
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;

use crate::sql::{Arg, Sql};
use crate::{Db, Result};

/// The measures evaluated by default: progress in reading, writing and maths, and attainment in
/// RWM at the expected and higher standards and in maths at the higher standard.
pub const DEFAULT_MEASURES: &[Measure] = &[
    Measure::ReadingProgress,
    Measure::WritingProgress,
    Measure::MathsProgress,
    Measure::RwmExpected,
    Measure::RwmHigher,
    Measure::MathsHigher,
];

/// The comparison groups Aspire can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    /// Every other school with results.
    National,
    /// Sponsored academies (GIAS / DfE type "sponsor led").
    Sponsored,
    /// Nearest neighbours on baseline attainment, % FSM, size and prior Ofsted grade.
    Matched,
    /// Schools eligible for the programme (its rule set, on its start date) that did not take
    /// part: for a programme's cohort.
    Eligible,
}

impl Comparison {
    pub fn parse(s: &str) -> Option<Comparison> {
        match s.trim().to_ascii_lowercase().as_str() {
            "national" => Some(Comparison::National),
            "sponsored" => Some(Comparison::Sponsored),
            "matched" => Some(Comparison::Matched),
            "eligible" => Some(Comparison::Eligible),
            _ => None,
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct AttainmentRequest {
    pub cohort: BTreeSet<Urn>,
    pub measures: Vec<Measure>,
    pub comparisons: Vec<Comparison>,
    pub settings: Settings,
    /// Count a cohort school's results under the URN it moved to (an academy conversion) within
    /// the window. Off by default, so results are by URN as published.
    pub follow_urn_changes: bool,
    /// The schools eligible for the programme, for [`Comparison::Eligible`] (the cohort is
    /// taken out of them).
    pub eligible: Option<BTreeSet<Urn>>,
}

/// A cohort school that changed URN during the window, and what was done with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UrnChange {
    pub urn: Urn,
    pub successor: Urn,
    pub successor_years: Vec<String>,
    pub followed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingCount {
    pub measure: &'static str,
    pub year: String,
    /// DfE reason (SUPP, LOWCOV, ...) or "blank".
    pub reason: String,
    pub cohort_schools: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttainmentReport {
    pub cohort_size: usize,
    pub baseline: Vec<String>,
    pub followup: Vec<String>,
    pub measures: Vec<MeasureResult>,
    /// Measures with no figures in the years asked for.
    pub measures_without_data: Vec<&'static str>,
    /// Cohort figures left out, by reason: never counted as zero.
    pub missing: Vec<MissingCount>,
    pub matching: Option<Matching>,
    pub urn_changes: Vec<UrnChange>,
    pub replicates: usize,
    pub seed: u64,
}

/// A school's % FSM, size and prior Ofsted grade, each when known (for matching).
type Facts = (Option<f64>, Option<f64>, Option<f64>);

/// One KS2 figure or the reason it is absent, as the bulk read returns it.
type PanelJson = (i64, i64, Option<f64>, Option<String>);

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
    async fn ks2_panel(&self, measure: Measure, years: &[AcademicYear]) -> Result<Vec<PanelJson>> {
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
    async fn ks2_published(&self, measure: Measure, years: &[AcademicYear]) -> Result<BTreeMap<AcademicYear, f64>> {
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
    async fn sponsored_academies(&self) -> Result<BTreeSet<Urn>> {
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
    async fn covariate_facts(&self, before: NaiveDate) -> Result<HashMap<Urn, Facts>> {
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

/// A stored cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub source_file: Option<String>,
    pub members: usize,
    /// The programme whose schools these are, if the cohort was made from one.
    pub programme: Option<aspire_core::people::ProgrammeId>,
}

impl Db {
    /// Stores a cohort under a name, replacing the members of a cohort of that name.
    pub async fn save_cohort(
        &self,
        actor: &crate::Actor,
        name: &str,
        description: Option<&str>,
        source: Option<(&str, &str)>,
        urns: &BTreeSet<Urn>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let existing = tx
            .fetch(
                &Sql::new("SELECT id FROM cohorts WHERE name = ?").arg(Arg::Text(Some(name.to_owned()))),
                "finding a cohort",
                |r| r.int("id"),
            )
            .await?
            .into_iter()
            .flatten()
            .next();
        let id = match existing {
            Some(id) => {
                tx.execute(
                    &Sql::new("UPDATE cohorts SET description = ?, source_file = ?, source_sha256 = ? WHERE id = ?")
                        .arg(Arg::Text(description.map(str::to_owned)))
                        .arg(Arg::Text(source.map(|s| s.0.to_owned())))
                        .arg(Arg::Text(source.map(|s| s.1.to_owned())))
                        .arg(Arg::Int(Some(id))),
                    "updating a cohort",
                )
                .await?;
                tx.execute(&Sql::new("DELETE FROM cohort_members WHERE cohort_id = ?").arg(Arg::Int(Some(id))), "replacing members")
                    .await?;
                id
            }
            None => tx
                .fetch(
                    &Sql::new(
                        "INSERT INTO cohorts (name, description, source_file, source_sha256, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    )
                    .arg(Arg::Text(Some(name.to_owned())))
                    .arg(Arg::Text(description.map(str::to_owned)))
                    .arg(Arg::Text(source.map(|s| s.0.to_owned())))
                    .arg(Arg::Text(source.map(|s| s.1.to_owned())))
                    .arg(Arg::Instant(Some(chrono::Utc::now()))),
                    "creating a cohort",
                    |r| r.int("id"),
                )
                .await?
                .into_iter()
                .flatten()
                .next()
                .unwrap_or(0),
        };
        crate::audit::record(
            &mut tx,
            actor,
            crate::audit::Event::new(if existing.is_some() { "cohort.replace" } else { "cohort.save" }, "cohort", id)
                .after(serde_json::json!({ "name": name, "description": description, "schools": urns.len() })),
        )
        .await?;
        let urns: Vec<Urn> = urns.iter().copied().collect();
        for chunk in urns.chunks(1000) {
            let marks = vec!["(?, ?)"; chunk.len()].join(", ");
            let args = chunk.iter().flat_map(|u| [Arg::Int(Some(id)), Arg::Int(Some(i64::from(*u)))]).collect();
            tx.execute(
                &Sql { text: format!("INSERT INTO cohort_members (cohort_id, urn) VALUES {marks}"), args },
                "adding members",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a programme's schools as a cohort: those that reached enrolment (enrolled or
    /// completed; schools that withdrew are left out, and counted in the description). Returns
    /// the cohort's id, or `None` when the programme has no such school.
    pub async fn save_programme_cohort(
        &self,
        actor: &crate::Actor,
        name: &str,
        programme: aspire_core::people::ProgrammeId,
    ) -> Result<Option<(i64, usize)>> {
        let rows = self
            .fetch(
                &Sql::new("SELECT urn, status FROM enrolments WHERE programme_id = ?").int(programme),
                "reading a programme's schools",
                |r| Ok((r.int("urn")?.and_then(|u| Urn::try_from(u).ok()), r.text("status")?.unwrap_or_default())),
            )
            .await?;
        let urns: BTreeSet<Urn> =
            rows.iter().filter(|(_, st)| st == "enrolled" || st == "completed").filter_map(|(u, _)| *u).collect();
        if urns.is_empty() {
            return Ok(None);
        }
        let withdrawn = rows.iter().filter(|(_, st)| st == "withdrawn").count();
        let description = format!(
            "The {} schools of programme {programme} that enrolled (enrolled or completed){}.",
            urns.len(),
            if withdrawn > 0 { format!("; {withdrawn} that withdrew are not included") } else { String::new() }
        );
        let id = self.save_cohort(actor, name, Some(&description), None, &urns).await?;
        self.execute(
            &Sql::new("UPDATE cohorts SET programme_id = ? WHERE id = ?").int(programme).int(id),
            "linking a cohort to its programme",
        )
        .await?;
        Ok(Some((id, urns.len())))
    }

    /// The schools eligible for a programme: its rule set, on its start date. `None` when the
    /// programme names no rule set or start date, or the rule set cannot answer for that date.
    pub async fn programme_eligible(
        &self,
        programme: aspire_core::people::ProgrammeId,
    ) -> Result<Option<BTreeSet<Urn>>> {
        let Some(p) = self.programme(programme).await? else { return Ok(None) };
        let (Some(rule_set), Some(starts)) = (p.rule_set, p.starts_on) else { return Ok(None) };
        let opts = aspire_import::ImportOptions::new(chrono::Utc::now().date_naive());
        let Ok(rules) = aspire_import::load_rule_set(&rule_set, &opts) else { return Ok(None) };
        if rules.rules.covers(starts).is_err() {
            return Ok(None);
        }
        Ok(Some(
            self.eligibility(&rules, starts, crate::Scope::All)
                .await?
                .into_iter()
                .filter(|r| r.decision.outcome == aspire_core::eligibility::Outcome::Eligible)
                .map(|r| r.decision.urn)
                .collect(),
        ))
    }

    /// The cohorts `visible` allows: a programme's cohort inside the programmes it covers, and
    /// cohorts made from public data alone (no programme) for anyone who may see evaluations.
    pub async fn cohorts(&self, visible: &aspire_core::access::Visible) -> Result<Vec<Cohort>> {
        let scope = crate::audit::scope_condition(visible, Some("c.programme_id"), None, None);
        self.cohorts_where(&format!("c.programme_id IS NULL OR {scope}"), None).await
    }

    async fn cohorts_where(&self, condition: &str, id: Option<i64>) -> Result<Vec<Cohort>> {
        let mut sql = Sql::new(format!(
            "SELECT c.id, c.name, c.description, c.source_file, c.programme_id, (SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS n \
             FROM cohorts c WHERE ({condition}) {} ORDER BY c.name",
            if id.is_some() { "AND c.id = ?" } else { "" }
        ));
        if let Some(id) = id {
            sql = sql.int(id);
        }
        self.fetch(&sql, "listing cohorts", |r| {
            Ok(Cohort {
                id: r.int("id")?.unwrap_or(0),
                name: r.text("name")?.unwrap_or_default(),
                description: r.text("description")?,
                source_file: r.text("source_file")?,
                members: usize::try_from(r.int("n")?.unwrap_or(0)).unwrap_or(0),
                programme: r.programme_id("programme_id")?,
            })
        })
        .await
    }

    /// A cohort and its members (the caller decides whether the reader may see it: its place is
    /// its programme, if it has one).
    pub async fn cohort(&self, id: i64) -> Result<Option<(Cohort, BTreeSet<Urn>)>> {
        let Some(c) = self.cohorts_where("1 = 1", Some(id)).await?.into_iter().next() else { return Ok(None) };
        let urns = self
            .fetch(
                &Sql::new("SELECT urn FROM cohort_members WHERE cohort_id = ?").arg(Arg::Int(Some(id))),
                "reading members",
                |r| Ok(r.int("urn")?.and_then(|u| Urn::try_from(u).ok())),
            )
            .await?
            .into_iter()
            .flatten()
            .collect();
        Ok(Some((c, urns)))
    }
}

impl AttainmentReport {
    /// The report as one row per measure and comparison group, for CSV and spreadsheet exports.
    pub fn table(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        use aspire_core::evaluation::attainment::Ratio;
        let headers = vec![
            "measure",
            "comparison",
            "cohort_change",
            "cohort_change_ci_low",
            "cohort_change_ci_high",
            "cohort_schools_with_change",
            "comparison_change",
            "did_estimate",
            "did_se",
            "did_ci_low",
            "did_ci_high",
            "n_obs",
            "n_schools",
            "n_cohort_schools",
            "bootstrap_difference",
            "bootstrap_se",
            "bootstrap_ci_low",
            "bootstrap_ci_high",
            "ratio",
            "ratio_ci_low",
            "ratio_ci_high",
        ];
        let f = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x}"));
        let mut rows = Vec::new();
        for m in &self.measures {
            for c in &m.comparisons {
                let (ratio, rlo, rhi) = match &c.ratio {
                    Some(Ratio::Given { value, ci_low, ci_high }) => (Some(*value), Some(*ci_low), Some(*ci_high)),
                    _ => (None, None, None),
                };
                let d = c.did.as_ref();
                let b = c.bootstrap.as_ref();
                rows.push(vec![
                    m.code.to_owned(),
                    c.key.clone(),
                    f(m.cohort_change),
                    f(m.cohort_change_ci.map(|c| c.0)),
                    f(m.cohort_change_ci.map(|c| c.1)),
                    m.cohort_schools_with_change.to_string(),
                    f(c.change),
                    f(d.map(|d| d.estimate)),
                    f(d.map(|d| d.se)),
                    f(d.map(|d| d.ci_low)),
                    f(d.map(|d| d.ci_high)),
                    d.map_or(String::new(), |d| d.n_obs.to_string()),
                    d.map_or(String::new(), |d| d.n_schools.to_string()),
                    d.map_or(String::new(), |d| d.n_treated_schools.to_string()),
                    f(b.map(|b| b.estimate)),
                    f(b.map(|b| b.se)),
                    f(b.map(|b| b.ci_low)),
                    f(b.map(|b| b.ci_high)),
                    f(ratio),
                    f(rlo),
                    f(rhi),
                ]);
            }
        }
        (headers, rows)
    }
}
