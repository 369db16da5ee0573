//! `aspire evaluate`: a cohort's KS2 results and Ofsted outcomes against comparison groups.

use aspire_core::text::printable;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;

use aspire_core::evaluation::attainment::{Ratio, Settings};
use aspire_core::ks2::{Measure, MeasureKind};
use aspire_core::urn::Urn;
use aspire_core::year::AcademicYear;
use aspire_store::{AttainmentReport, Comparison, DEFAULT_MEASURES, Db};

use crate::eligibility::parse_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum EvaluateCommand {
    /// KS2 progress and attainment: the cohort's change from baseline to follow-up against
    /// comparison groups, with a difference-in-differences estimate (school and year fixed
    /// effects, errors clustered by school) and a school-level bootstrap.
    Attainment(AttainmentArgs),
    /// Ofsted outcomes over a window: inspections, the share judged Good or better, transitions,
    /// and every other school with the same judgement before the window.
    Ofsted(OfstedArgs),
    /// The dose of each school of a programme's cohort (enrolled or completed), per term and in
    /// total: Network Days attended and Development Days held of those planned, and days whose
    /// roll is not taken yet (never counted as absences). CSV puts the columns beside the URN.
    Doses {
        #[arg(long, value_name = "ID")]
        programme: aspire_core::people::ProgrammeId,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("who").required(true).args(["cohort", "programme"]))]
pub struct AttainmentArgs {
    /// CSV (or XLSX) with a URN column; other columns are ignored.
    #[arg(long, value_name = "FILE")]
    cohort: Option<PathBuf>,
    /// A programme's schools instead of a file: those that enrolled (enrolled or completed).
    #[arg(long, value_name = "ID")]
    programme: Option<aspire_core::people::ProgrammeId>,
    /// Baseline academic year(s), comma-separated, e.g. 2015/16,2016/17.
    #[arg(long, value_name = "YEARS", value_parser = parse_years)]
    baseline: Years,
    /// Follow-up academic year(s), e.g. 2017/18,2018/19.
    #[arg(long, value_name = "YEARS", value_parser = parse_years)]
    followup: Years,
    /// Comparison groups, comma-separated: national (every other school with results),
    /// sponsored (sponsored academies), matched (nearest neighbours), eligible (schools eligible
    /// for the programme that did not take part; with --programme).
    #[arg(long, value_name = "GROUPS", default_value = "national", value_parser = parse_comparisons)]
    comparison: Comparisons,
    /// DfE measures, comma-separated [default: READPROG,WRITPROG,MATPROG,PTRWM_EXP,PTRWM_HIGH,PTMAT_HIGH].
    #[arg(long, value_name = "MEASURES", value_parser = parse_measures)]
    measures: Option<Measures>,
    /// Count a cohort school's results under the URN it moved to during the window.
    #[arg(long)]
    follow_urn_changes: bool,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 1000)]
    replicates: usize,
    /// Bootstrap seed (the same seed gives the same intervals).
    #[arg(long, default_value_t = 20170901)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct OfstedArgs {
    /// CSV (or XLSX) with a URN column; other columns are ignored.
    #[arg(long, value_name = "FILE")]
    cohort: PathBuf,
    /// First day of the window (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: NaiveDate,
    /// Last day of the window (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: NaiveDate,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone)]
pub struct Years(pub Vec<AcademicYear>);
#[derive(Debug, Clone)]
pub struct Comparisons(pub Vec<Comparison>);
#[derive(Debug, Clone)]
pub struct Measures(pub Vec<Measure>);

fn parse_years(s: &str) -> Result<Years, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        v.push(AcademicYear::parse(part).map_err(|e| e.to_string())?);
    }
    if v.is_empty() {
        return Err("give at least one academic year, e.g. 2016/17".into());
    }
    v.sort();
    v.dedup();
    Ok(Years(v))
}

fn parse_comparisons(s: &str) -> Result<Comparisons, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let c = Comparison::parse(part).ok_or_else(|| {
            format!("'{part}' is not a comparison group: use national, sponsored, matched or eligible")
        })?;
        if !v.contains(&c) {
            v.push(c);
        }
    }
    Ok(Comparisons(v))
}

fn parse_measures(s: &str) -> Result<Measures, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        v.push(Measure::from_dfe_code(part).ok_or_else(|| {
            format!(
                "'{part}' is not a KS2 measure Aspire holds; use DfE column names such as {}",
                DEFAULT_MEASURES.iter().map(|m| m.dfe_code()).collect::<Vec<_>>().join(", ")
            )
        })?);
    }
    Ok(Measures(v))
}

/// Reads a cohort file and checks its URNs against the database: unknown ones are listed.
async fn read_cohort(db: &Db, path: &PathBuf) -> anyhow::Result<BTreeSet<Urn>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading the cohort file {}", path.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let c = aspire_import::read_cohort(&name, &bytes).with_context(|| format!("the cohort file {}", path.display()))?;
    if !c.errors.is_empty() {
        for e in &c.errors {
            eprintln!("    {e}");
        }
        bail!("the cohort file {} has {} rows that are not URNs (listed above)", path.display(), c.errors.len());
    }
    if c.urns.is_empty() {
        bail!("the cohort file {} lists no schools", path.display());
    }
    let known = db.known_urns(&c.urns).await?;
    let unknown: Vec<String> = c.urns.difference(&known).map(ToString::to_string).collect();
    if !unknown.is_empty() {
        eprintln!(
            "{} of the {} URNs in the cohort are not in the database and are left out: {}",
            unknown.len(),
            c.urns.len(),
            unknown.join(", ")
        );
    }
    if known.is_empty() {
        bail!("none of the cohort's URNs is in the database: import the school data first");
    }
    Ok(known)
}

/// A programme's schools that enrolled (enrolled or completed).
async fn programme_schools(db: &Db, programme: aspire_core::people::ProgrammeId) -> anyhow::Result<BTreeSet<Urn>> {
    let p = db.programme(programme).await?.with_context(|| format!("there is no programme {programme}"))?;
    let all = aspire_core::access::Visible::everything();
    let urns: BTreeSet<Urn> =
        db.enrolments(programme, &all).await?.into_iter().filter(|e| e.status.takes_part()).map(|e| e.urn).collect();
    if urns.is_empty() {
        bail!("the programme {} has no enrolled school yet", p.name);
    }
    Ok(urns)
}

pub async fn run(db: &Db, cmd: &EvaluateCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        EvaluateCommand::Attainment(a) => attainment(db, a).await,
        EvaluateCommand::Ofsted(o) => ofsted(db, o).await,
        EvaluateCommand::Doses { programme, format } => doses(db, *programme, *format).await,
    }
}

async fn doses(db: &Db, programme: aspire_core::people::ProgrammeId, format: Format) -> anyhow::Result<ExitCode> {
    let d = match aspire_app::programme_year::cohort_doses(db, programme).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("programme {programme}: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(d.csv_header())?;
            for r in d.csv_rows() {
                w.write_record(r)?;
            }
            w.flush()?;
        }
        Format::Json => {
            let dose = |x: &aspire_core::attendance::Dose| serde_json::to_value(x).unwrap_or_default();
            let rows: Vec<serde_json::Value> = d
                .schools
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "urn": s.urn,
                        "school": s.name,
                        "network": s.network,
                        "terms": d.terms.iter().zip(&s.terms).map(|(t, x)| serde_json::json!({ "term": t.label(), "dose": dose(x) })).collect::<Vec<_>>(),
                        "total": dose(&s.total),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Table => {
            if d.schools.is_empty() {
                writeln!(out, "programme {programme} has no enrolled school yet")?;
            }
            writeln!(
                out,
                "{:<8} {:<40} {:>14} {:>14} {:>13}",
                "URN", "School", "Network Days", "Dev. Days", "Not recorded"
            )?;
            for s in &d.schools {
                let t = &s.total;
                writeln!(
                    out,
                    "{:<8} {:<40} {:>14} {:>14} {:>13}",
                    s.urn.to_string(),
                    printable(s.name.as_deref().unwrap_or("")).chars().take(40).collect::<String>(),
                    format!("{} of {}", t.network_days_attended, t.network_days),
                    format!("{} of {}", t.development_days_held, t.development_days),
                    t.network_days_unrecorded + t.development_days_unrecorded,
                )?;
            }
            writeln!(
                out,
                "{} school{}; per term with --format csv or json",
                d.schools.len(),
                if d.schools.len() == 1 { "" } else { "s" }
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn attainment(db: &Db, a: &AttainmentArgs) -> anyhow::Result<ExitCode> {
    use aspire_app::evaluation::{self as app, EvaluateError};
    // The years are checked before the cohort file is read, as the command always has.
    app::check_years(db, &a.baseline.0, &a.followup.0).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if a.replicates < 100 {
        bail!("--replicates {} is too few for an interval: use at least 100 (default 1000)", a.replicates);
    }
    if a.comparison.0.is_empty() {
        bail!("{}", EvaluateError::NoComparison);
    }
    let cohort = match (&a.cohort, a.programme) {
        (Some(file), _) => read_cohort(db, file).await?,
        (None, Some(p)) => programme_schools(db, p).await?,
        (None, None) => bail!("give --cohort FILE or --programme ID"),
    };
    let query = app::AttainmentQuery {
        cohort,
        programme: a.programme,
        measures: a.measures.as_ref().map_or_else(|| DEFAULT_MEASURES.to_vec(), |m| m.0.clone()),
        comparisons: a.comparison.0.clone(),
        settings: Settings {
            baseline: a.baseline.0.clone(),
            followup: a.followup.0.clone(),
            replicates: a.replicates,
            seed: a.seed,
            level: 0.95,
        },
        follow_urn_changes: a.follow_urn_changes,
    };
    let found = app::attainment(db, &query).await.map_err(|e| match e {
        EvaluateError::Store(e) => anyhow::Error::new(e).context("evaluating"),
        e => anyhow::anyhow!("{e}"),
    })?;
    if let Some(e) = &found.eligible {
        eprintln!(
            "{} schools were eligible on the programme's start date; those that did not take part are compared.",
            e.schools
        );
    }
    let report = found.report;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Csv => write_csv(&mut out, &report)?,
        Format::Table => {
            write_table(&mut out, &report)?;
            if let Some(p) = a.programme
                && let Ok(d) = aspire_app::programme_year::cohort_doses(db, p).await
                && !d.terms.is_empty()
            {
                let mut t = aspire_core::attendance::Dose::default();
                for s in &d.schools {
                    t += &s.total;
                }
                writeln!(
                    out,
                    "\nDose of the {} schools: Network Days attended {} of {} (a school's day counts when one of its people came); Development Days held {} of {}; {} days' rolls not taken yet (not counted as absences). Each school's: aspire evaluate doses --programme {p} --format csv",
                    d.schools.len(),
                    t.network_days_attended,
                    t.network_days,
                    t.development_days_held,
                    t.development_days,
                    t.network_days_unrecorded + t.development_days_unrecorded,
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn fmt(m: Measure, x: f64) -> String {
    match m.kind() {
        MeasureKind::Percent => format!("{x:+.1} points"),
        _ => format!("{x:+.2}"),
    }
}

fn write_table(out: &mut impl std::io::Write, r: &AttainmentReport) -> anyhow::Result<()> {
    writeln!(
        out,
        "Cohort of {}; baseline {}, follow-up {}; {} bootstrap resamples (seed {}).",
        schools(r.cohort_size),
        r.baseline.join(", "),
        r.followup.join(", "),
        r.replicates,
        r.seed
    )?;
    for m in &r.measures {
        writeln!(out, "\n{} ({})", m.label, m.code)?;
        match (m.cohort_change, m.cohort_change_ci) {
            (Some(c), Some((lo, hi))) => writeln!(
                out,
                "  Cohort schools changed by {} (95% CI {} to {}; {} schools with figures in both periods).",
                fmt(m.measure, c),
                fmt(m.measure, lo),
                fmt(m.measure, hi),
                m.cohort_schools_with_change
            )?,
            (Some(c), None) => writeln!(
                out,
                "  Cohort schools changed by {} ({} with figures in both periods; too few for an interval).",
                fmt(m.measure, c),
                schools(m.cohort_schools_with_change)
            )?,
            (None, _) => writeln!(out, "  No cohort school has figures in both periods.")?,
        }
        for c in &m.comparisons {
            let ch = c.change.map_or("unknown".to_owned(), |x| fmt(m.measure, x));
            writeln!(out, "  Against {}: their change {ch}.", c.label)?;
            if let Some(d) = &c.did {
                writeln!(
                    out,
                    "    Difference-in-differences {:.4} (SE {:.4}, 95% CI {:.3} to {:.3}; {} observations, {} schools, {} in the cohort).",
                    d.estimate, d.se, d.ci_low, d.ci_high, d.n_obs, d.n_schools, d.n_treated_schools
                )?;
            } else if let Some(p) = &c.did_problem {
                writeln!(out, "    No difference-in-differences estimate: {p}.")?;
            }
            if let Some(b) = &c.bootstrap {
                writeln!(
                    out,
                    "    Difference in school changes {:.3} (bootstrap SE {:.3}, 95% CI {:.3} to {:.3}; {} cohort, {} comparison schools).",
                    b.estimate, b.se, b.ci_low, b.ci_high, b.n_treated, b.n_control
                )?;
            }
            match &c.ratio {
                Some(Ratio::Given { value, ci_low, ci_high }) => writeln!(
                    out,
                    "    Cohort improvement ÷ national improvement: {value:.2} (95% CI {ci_low:.2} to {ci_high:.2})."
                )?,
                Some(Ratio::NotMeaningful { why }) => writeln!(out, "    No ratio of improvements: {why}")?,
                None => {}
            }
        }
        for w in &m.warnings {
            writeln!(out, "  Warning: {w}")?;
        }
    }
    if !r.measures_without_data.is_empty() {
        writeln!(out, "\nNo figures in these years for: {}.", r.measures_without_data.join(", "))?;
    }
    let left_out: usize = r.missing.iter().map(|m| m.cohort_schools).sum();
    if left_out > 0 {
        writeln!(
            out,
            "\nCohort figures left out as missing (never counted as zero): {left_out}, by measure, year and reason:"
        )?;
        for m in &r.missing {
            writeln!(out, "  {} {} {}: {}", m.measure, m.year, m.reason, m.cohort_schools)?;
        }
    }
    if !r.urn_changes.is_empty() {
        let followed = r.urn_changes.first().is_some_and(|c| c.followed);
        writeln!(
            out,
            "\n{} cohort schools changed URN with results under the new URN in the window; {}",
            r.urn_changes.len(),
            if followed {
                "their results under the new URN were counted for them."
            } else {
                "results under the new URN were not counted for them (use --follow-urn-changes)."
            }
        )?;
    }
    Ok(())
}

fn write_csv(out: &mut impl std::io::Write, r: &AttainmentReport) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let (headers, rows) = aspire_app::exports::attainment_table(r);
    w.write_record(headers)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.flush()?;
    Ok(())
}

async fn ofsted(db: &Db, o: &OfstedArgs) -> anyhow::Result<ExitCode> {
    use aspire_app::evaluation as app;
    app::inspections_cover(db, o.from, o.to).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let cohort = read_cohort(db, &o.cohort).await?;
    let r = app::ofsted(db, &cohort, o.from, o.to).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match o.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &r)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(["group", "prior_grade", "latest_grade_in_window", "schools"])?;
            for (name, g) in [("cohort", &r.cohort), ("reference", &r.reference)] {
                for (prior, row) in &g.transitions {
                    for (latest, n) in row {
                        w.write_record([name, prior, latest, &n.to_string()])?;
                    }
                }
            }
            w.flush()?;
        }
        Format::Table => {
            let c = &r.cohort;
            writeln!(out, "Ofsted outcomes from {} to {} for a cohort of {} schools.", r.from, r.to, c.schools)?;
            writeln!(out, "  Inspected in the window: {} of {}.", c.inspected, c.schools)?;
            if let Some(p) = &c.good_or_better {
                writeln!(
                    out,
                    "  Judged Good or better: {} of {} ({:.0}%, 95% CI {:.0}% to {:.0}%).",
                    p.count,
                    p.of,
                    p.share * 100.0,
                    p.ci_low * 100.0,
                    p.ci_high * 100.0
                )?;
            }
            if let (Some(e), Some(p)) = (r.expected_good_or_better, &r.reference.good_or_better) {
                writeln!(
                    out,
                    "  Other schools with the same prior judgements: {:.0}% would be expected; all {} other schools inspected: {:.0}%.",
                    e * 100.0,
                    p.of,
                    p.share * 100.0
                )?;
            }
            writeln!(out, "  Transitions (judgement before the window -> latest in it):")?;
            for (prior, row) in &c.transitions {
                let cells: Vec<String> = row.iter().map(|(l, n)| format!("{} {n}", grade_words(l, r.to))).collect();
                writeln!(out, "    from {}: {}", grade_words(prior, r.from), cells.join(", "))?;
            }
            if !r.followed.is_empty() {
                writeln!(out, "  {} schools were inspected under a new URN after converting:", r.followed.len())?;
                for f in &r.followed {
                    writeln!(out, "    {} as {} on {}", f.urn, f.inspected_as, f.date)?;
                }
            }
            for w in &r.warnings {
                writeln!(out, "  Warning: {w}")?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Subcommand)]
pub enum CohortCommand {
    /// Store a cohort under a name (replacing a cohort of that name), for the web report.
    #[command(group = clap::ArgGroup::new("from").required(true).args(["file", "programme"]))]
    Add {
        /// A name for the cohort, e.g. "TLIF networks 2017-19".
        name: String,
        /// CSV (or XLSX) with a URN column; other columns are ignored.
        file: Option<PathBuf>,
        /// A programme's schools instead (those that enrolled); its report can then compare them
        /// with the eligible schools that did not take part.
        #[arg(long, value_name = "ID")]
        programme: Option<aspire_core::people::ProgrammeId>,
        /// What the cohort is.
        #[arg(long)]
        description: Option<String>,
    },
    /// List stored cohorts.
    List,
}

pub async fn cohort(db: &Db, cmd: &CohortCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CohortCommand::Add { name, file: None, programme: Some(p), .. } => {
            if name.trim().is_empty() {
                bail!("give the cohort a name");
            }
            let prog = db.programme(*p).await?.with_context(|| format!("there is no programme {p}"))?;
            let Some((id, n)) = db.save_programme_cohort(&aspire_store::Actor::command_line(), name.trim(), *p).await?
            else {
                bail!("the programme {} has no enrolled school yet", prog.name);
            };
            println!(
                "Cohort #{id} \"{}\": the {n} schools of {}. Its report is at /evaluation/{id}.",
                name.trim(),
                prog.name
            );
        }
        CohortCommand::Add { name, file: Some(file), description, .. } => {
            if name.trim().is_empty() {
                bail!("give the cohort a name");
            }
            let urns = read_cohort(db, file).await?;
            let bytes = std::fs::read(file)?;
            let sha = aspire_import::read_cohort("", &bytes)?.sha256;
            let shown = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let id = db
                .save_cohort(
                    &aspire_store::Actor::command_line(),
                    name.trim(),
                    description.as_deref(),
                    Some((&shown, &sha)),
                    &urns,
                )
                .await?;
            println!("Cohort #{id} \"{}\": {} schools. Its report is at /evaluation/{id}.", name.trim(), urns.len());
        }
        CohortCommand::Add { .. } => bail!("give a FILE or --programme ID"),
        CohortCommand::List => {
            let cohorts = db.cohorts(&aspire_core::access::Visible::everything()).await?;
            if cohorts.is_empty() {
                println!("No cohorts yet: aspire cohort add NAME FILE");
            }
            for c in cohorts {
                println!(
                    "#{:<4} {:<40} {:>5} schools  {}",
                    c.id,
                    printable(&c.name),
                    c.members,
                    printable(c.description.as_deref().unwrap_or_default())
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn schools(n: usize) -> String {
    format!("{n} school{}", if n == 1 { "" } else { "s" })
}

/// "2" -> "Good (2)"; grade 3 is named as Ofsted named it on `date`; "none" -> "no judgement".
fn grade_words(key: &str, date: NaiveDate) -> String {
    use aspire_core::ofsted::{Grade, Judgement};
    match key.parse().ok().and_then(Grade::from_number) {
        Some(g) => format!("{} ({})", Judgement::new(g).label(date), g.number()),
        None => "no judgement".to_owned(),
    }
}
