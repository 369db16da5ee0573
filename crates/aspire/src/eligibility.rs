//! `aspire eligibility`: every school's decision under a rule set as of a date, or one school's
//! full explanation.

use aspire_core::text::printable;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use serde_json::json;

use aspire_app::exports::{self, ExportCell};
use aspire_core::eligibility::{Check, Outcome, Verdict};
use aspire_core::text::thousands;
use aspire_core::urn::Urn;
use aspire_import::{ImportOptions, LoadedRuleSet, load_rule_set};
use aspire_store::{Db, EligibilityRow, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct EligibilityArgs {
    /// Rule set: a bundled one (tlif-2017, rise-2025) or the path of a rules.toml file.
    #[arg(long, value_name = "RULES")]
    rules: String,
    /// The date to decide for (YYYY-MM-DD): inspections after it are ignored.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: NaiveDate,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Only list schools with this decision.
    #[arg(long, value_name = "DECISION", value_parser = parse_outcome)]
    only: Option<Outcome>,
    /// Explain the decision for one school, check by check, with the data used.
    #[arg(long, value_name = "URN", value_parser = parse_urn)]
    explain: Option<Urn>,
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: write it as YYYY-MM-DD, e.g. 2017-09-01"))
}

fn parse_outcome(s: &str) -> Result<Outcome, String> {
    Outcome::parse(s).ok_or_else(|| format!("'{s}' is not a decision: use eligible, not_eligible or cannot_tell"))
}

fn parse_urn(s: &str) -> Result<Urn, String> {
    Urn::parse(s).map_err(|e| e.to_string())
}

pub async fn run(db: &Db, args: &EligibilityArgs) -> anyhow::Result<ExitCode> {
    let rules = load_rule_set(&args.rules, &ImportOptions::new(chrono::Local::now().date_naive()))?;
    if let Err(why) = rules.rules.covers(args.as_of) {
        bail!("{why}");
    }
    if db.register_is_empty().await? {
        bail!("the register is empty: import school data first (aspire import FILE..., or run aspire demo)");
    }
    if let Some(urn) = args.explain {
        return explain(db, &rules, args.as_of, urn).await;
    }
    let shown = |r: &EligibilityRow| args.only.is_none_or(|o| r.decision.outcome == o);
    // Stdout itself (not its lock) so that batches can be written while the next is decided.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    match args.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(exports::ELIGIBILITY_COLUMNS)?;
            let mut number = String::new();
            db.eligibility_each(&rules, args.as_of, Scope::All, |rows| {
                rows.iter().filter(|r| shown(r)).try_for_each(|r| write_csv_row(&mut w, &mut number, r))
            })
            .await
            .context("deciding eligibility")??;
            w.flush()?;
        }
        Format::Json => {
            let rows = db.eligibility(&rules, args.as_of, Scope::All).await.context("deciding eligibility")?;
            let v: Vec<_> = rows
                .iter()
                .filter(|r| shown(r))
                .map(|r| {
                    json!({
                        "urn": r.decision.urn,
                        "name": r.name,
                        "la_code": r.la_code,
                        "la_name": r.la_name,
                        "district": r.district,
                        "decision": r.decision.outcome.code(),
                        "area": r.decision.area,
                        "reason": r.decision.reason(),
                        "findings": r.decision.findings,
                        "inspection": r.decision.inspection,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &json!({"rules": rules.rules.id, "version": rules.rules.version, "as_of": args.as_of, "schools": v}),
            )?;
            writeln!(out)?;
        }
        Format::Table => {
            let (mut eligible, mut not_eligible, mut cannot_tell) = (0u64, 0u64, 0u64);
            db.eligibility_each(&rules, args.as_of, Scope::All, |rows| {
                for r in &rows {
                    let d = &r.decision;
                    *match d.outcome {
                        Outcome::Eligible => &mut eligible,
                        Outcome::NotEligible => &mut not_eligible,
                        Outcome::CannotTell => &mut cannot_tell,
                    } += 1;
                    if shown(r) {
                        writeln!(
                            out,
                            "{}  {:<12}  {:<22}  {}\n        {}",
                            d.urn,
                            d.outcome.code(),
                            r.la_name.as_deref().unwrap_or_default(),
                            r.name.as_deref().unwrap_or_default(),
                            d.reason()
                        )?;
                    }
                }
                Ok::<(), std::io::Error>(())
            })
            .await
            .context("deciding eligibility")??;
            writeln!(
                out,
                "\n{} under {} (version {}) as of {}: {} eligible, {} not eligible, {} cannot tell, of {} schools.",
                rules.rules.name,
                rules.rules.id,
                rules.rules.version,
                args.as_of,
                thousands(eligible),
                thousands(not_eligible),
                thousands(cannot_tell),
                thousands(eligible + not_eligible + cannot_tell)
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One decision as a CSV row (`number` is a scratch buffer for numbers).
fn write_csv_row<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    number: &mut String,
    r: &EligibilityRow,
) -> csv::Result<()> {
    for cell in exports::eligibility_cells(r) {
        match cell {
            ExportCell::Number(n) => {
                number.clear();
                let _ = write!(number, "{n}");
                w.write_field(&*number)?;
            }
            ExportCell::Text(t) => w.write_field(t.as_bytes())?,
        }
    }
    w.write_record(None::<&[u8]>)
}

async fn explain(db: &Db, rules: &LoadedRuleSet, as_of: NaiveDate, urn: Urn) -> anyhow::Result<ExitCode> {
    let rows = db.eligibility(rules, as_of, Scope::Urns(&[urn])).await?;
    let Some(r) = rows.first() else {
        eprintln!("No school with URN {urn} is in the register.");
        return Ok(ExitCode::FAILURE);
    };
    let d = &r.decision;
    println!(
        "{} (URN {urn}), {}",
        printable(r.name.as_deref().unwrap_or_default()),
        printable(r.la_name.as_deref().unwrap_or_default())
    );
    println!("Rule set: {} (version {}), {}", rules.rules.id, rules.rules.version, rules.rules.name);
    println!("  \"{}\"", rules.rules.summary);
    println!("As of {as_of}: {}\n", d.outcome.label().to_uppercase());
    for f in &d.findings {
        let mark = match f.verdict {
            Verdict::Met => "✓",
            Verdict::NotMet => "✗",
            Verdict::Unknown => "?",
        };
        let what = match f.check {
            Check::SchoolType => "school type",
            Check::Open => "open",
            Check::Phase => "phase",
            Check::Area => "area",
            Check::Ofsted => "Ofsted",
        };
        println!("  {mark} {what:<12} {}", printable(&f.text));
    }
    Ok(ExitCode::SUCCESS)
}
