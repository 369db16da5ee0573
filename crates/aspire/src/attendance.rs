//! `aspire attendance import|held|show`: a sign-in sheet recorded on the rolls of a programme's
//! days (`aspire_app::programme_year::import_sign_in_sheet`), a day recorded as held with nobody
//! on its roll, and each school's dose per term
//! (Network Days attended, Development Days held) for the evaluation.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use aspire_app::programme_year::{self, RollImportError};
use aspire_app::school_year;
use aspire_core::people::ProgrammeId;
use aspire_store::{Actor, Db};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AttendanceCommand {
    /// Record a sign-in sheet (CSV or XLSX, at most 5 MB and 20,000 rows) on the rolls.
    ///
    /// Columns: email, mark (present, late, absent or apologies; P, L, A, X), and the day's
    /// number (day) or its date and network; urn when a person belongs to several schools. If
    /// any row cannot be used, every such row is listed and nothing is recorded.
    Import {
        #[arg(long)]
        programme: ProgrammeId,
        file: PathBuf,
    },
    /// Record that a day was held although nobody is marked on its roll (a Development Day the
    /// school's staff came to without registering); --not takes that record back.
    Held {
        #[arg(long)]
        programme: ProgrammeId,
        /// The day's number (as `aspire calendar days` lists them).
        #[arg(long)]
        day: i64,
        #[arg(long)]
        not: bool,
    },
    /// Each school's Network Days attended and Development Days held, per term.
    Show {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// The largest sign-in sheet read, as for the web's uploads.
const MAX_BYTES: u64 = 5 * 1024 * 1024;

pub async fn run(db: &Db, cmd: &AttendanceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AttendanceCommand::Import { programme, file } => {
            let size = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?.len();
            if size > MAX_BYTES {
                anyhow::bail!("{} is {size} bytes; a sign-in sheet may be at most 5 MB: split it", file.display());
            }
            let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let today = crate::today();
            match programme_year::import_sign_in_sheet(db, &Actor::command_line(), *programme, &name, &bytes, today)
                .await
            {
                Ok(done) => {
                    crate::say!(
                        "recorded {} mark{} on the rolls of {} day{}",
                        done.marks,
                        if done.marks == 1 { "" } else { "s" },
                        done.days,
                        if done.days == 1 { "" } else { "s" }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(RollImportError::Rows(rows)) => {
                    crate::report_rows(file, &rows, "nothing was recorded", "sheet");
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AttendanceCommand::Held { programme, day, not } => {
            let today = crate::today();
            match school_year::record_held(db, &Actor::command_line(), *programme, *day, !*not, today).await {
                Ok(()) => {
                    crate::say!("day {day} is {}recorded as held", if *not { "no longer " } else { "" });
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("day {day}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AttendanceCommand::Show { programme, format } => {
            let doses = programme_year::programme_doses(db, *programme).await?;
            match format {
                Format::Json => {
                    let rows: Vec<serde_json::Value> = doses
                        .iter()
                        .map(|((urn, term), d)| serde_json::json!({ "urn": urn, "term": term.label(), "dose": d }))
                        .collect();
                    crate::say!("{}", serde_json::to_string_pretty(&rows)?);
                }
                Format::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record([
                        "urn",
                        "term",
                        "network_days",
                        "network_days_attended",
                        "network_days_not_recorded",
                        "development_days",
                        "development_days_held",
                        "development_days_not_recorded",
                    ])?;
                    for ((urn, term), d) in &doses {
                        w.write_record([
                            urn.to_string(),
                            term.label(),
                            d.network_days.to_string(),
                            d.network_days_attended.to_string(),
                            d.network_days_unrecorded.to_string(),
                            d.development_days.to_string(),
                            d.development_days_held.to_string(),
                            d.development_days_unrecorded.to_string(),
                        ])?;
                    }
                    w.flush()?;
                }
                Format::Text => {
                    if doses.is_empty() {
                        crate::say!("no days are planned for programme {programme} yet");
                    }
                    for ((urn, term), d) in &doses {
                        crate::say!(
                            "{urn}  {:<12} Network Days {} of {} attended ({} not recorded); Development Days {} of {} held ({} not recorded)",
                            term.label(),
                            d.network_days_attended,
                            d.network_days,
                            d.network_days_unrecorded,
                            d.development_days_held,
                            d.development_days,
                            d.development_days_unrecorded
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
