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

/// What the figures are rolled up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Programme,
    Network,
    School,
    Person,
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
    /// Attendance on the rolls and whole-school reach per term: for the programme, per
    /// network, per school, or (attendance only) per person over the year.
    Figures {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long, value_enum, default_value_t = By::Programme)]
        by: By,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
        AttendanceCommand::Figures { programme, by, format } => figures(db, *programme, *by, *format).await,
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

/// One row of figures as printed: what it is of, then attendance and reach (reach is empty for
/// a person).
fn figure_row(
    of: Vec<String>,
    t: Option<&aspire_core::attendance::Tally>,
    r: Option<&aspire_core::reach::ReachTotal>,
) -> Vec<String> {
    let t = t.cloned().unwrap_or_default();
    let share = |part: u32, whole: u32| match whole {
        0 => String::new(),
        _ => format!("{:.3}", f64::from(part) / f64::from(whole)),
    };
    let mut out = of;
    out.extend([
        t.marked().to_string(),
        t.present.to_string(),
        t.late.to_string(),
        t.absent.to_string(),
        t.apologies.to_string(),
        share(t.present + t.late, t.marked()),
    ]);
    match r {
        Some(r) => out.extend([
            r.schools.to_string(),
            r.with_list.to_string(),
            r.staff.to_string(),
            r.reached.to_string(),
            share(r.reached, r.staff),
        ]),
        None => out.extend(std::iter::repeat_n(String::new(), 5)),
    }
    out
}

/// A printed cell as JSON: empty is null (no figure), a count or a share is a number.
fn json_value(v: &str) -> serde_json::Value {
    if v.is_empty() {
        serde_json::Value::Null
    } else if let Ok(n) = v.parse::<u64>() {
        n.into()
    } else if let Ok(x) = v.parse::<f64>() {
        x.into()
    } else {
        v.into()
    }
}

async fn figures(db: &Db, programme: ProgrammeId, by: By, format: Format) -> anyhow::Result<ExitCode> {
    use aspire_core::reach::ReachTotal;
    let all = aspire_core::access::Visible::everything();
    let f = aspire_app::figures::year_figures(db, programme, &all, by == By::Person).await?;
    let network_names: std::collections::BTreeMap<_, _> =
        db.networks(programme, &all).await?.into_iter().map(|n| (n.id, n.name)).collect();
    let network = |n: &aspire_core::people::NetworkId| network_names.get(n).cloned().unwrap_or_else(|| n.to_string());
    let mut head: Vec<&str> = match by {
        By::Programme => vec!["term"],
        By::Network => vec!["network_id", "network", "term"],
        By::School => vec!["urn", "network", "term"],
        By::Person => vec!["person_id", "person", "urn"],
    };
    head.extend([
        "marks",
        "present",
        "late",
        "absent",
        "apologies",
        "attendance",
        "schools",
        "schools_with_staff_list",
        "staff",
        "reached",
        "reach",
    ]);
    let mut rows: Vec<Vec<String>> = Vec::new();
    match by {
        By::Programme => {
            for t in &f.terms {
                rows.push(figure_row(vec![t.label()], f.attendance.get(t), f.reach.programme.get(t)));
            }
        }
        By::Network => {
            for (n, terms) in &f.reach.networks {
                for (t, r) in terms {
                    let of = vec![n.to_string(), network(n), t.label()];
                    rows.push(figure_row(of, f.network_attendance.get(&(*n, *t)), Some(r)));
                }
            }
        }
        By::School => {
            for (u, (n, terms)) in &f.reach.schools {
                for (t, r) in terms {
                    let mut one = ReachTotal::default();
                    one.add(r);
                    let of = vec![u.to_string(), network(n), t.label()];
                    rows.push(figure_row(of, f.school_attendance.get(&(*u, *t)), Some(&one)));
                }
            }
        }
        By::Person => {
            let names: std::collections::BTreeMap<_, _> =
                db.people(&all, None).await?.into_iter().map(|p| (p.id, p.name)).collect();
            for ((p, urn), t) in &f.person_attendance {
                let of = vec![p.to_string(), names.get(p).cloned().unwrap_or_default(), urn.to_string()];
                rows.push(figure_row(of, Some(t), None));
            }
        }
    }
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            w.write_record(&head)?;
            for r in &rows {
                w.write_record(r)?;
            }
            w.flush()?;
        }
        Format::Json => {
            let out: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|r| head.iter().zip(r).map(|(k, v)| ((*k).to_owned(), json_value(v))).collect())
                .collect();
            crate::say!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => {
            if rows.is_empty() {
                crate::say!("no figures yet for programme {programme}: no networks with days, or no roll taken");
            }
            for r in &rows {
                let cells: Vec<String> =
                    head.iter().zip(r).filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k} {v}")).collect();
                crate::say!("{}", cells.join("  "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
