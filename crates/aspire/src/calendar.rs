//! `aspire calendar`: bank holidays in England and Wales, term dates entered for LAs and
//! schools, and the programme year planned on them (`aspire_app::calendar`,
//! `aspire_app::programme_year`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;

use aspire_app::calendar::{TermDatesError, import_term_dates, school_calendars};
use aspire_app::programme_year;
use aspire_core::access::Visible;
use aspire_core::calendar::bank_holidays::{FIRST_YEAR, LAST_YEAR, bank_holidays_between};
use aspire_core::calendar::{DatesFor, TermSource};
use aspire_core::codes::LaCode;
use aspire_core::people::ProgrammeId;
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, EventStatus};

#[derive(Debug, clap::Subcommand)]
pub enum CalendarCommand {
    /// List the bank holidays in England and Wales, one a line (date and name).
    BankHolidays {
        /// First year.
        #[arg(long, default_value_t = FIRST_YEAR)]
        from: i32,
        /// Last year.
        #[arg(long, default_value_t = LAST_YEAR)]
        to: i32,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Enter term dates and closure days for LAs or schools from a CSV or XLSX file (at most
    /// 5 MB and 20,000 rows), replacing those stored for the academic years it names.
    ///
    /// Columns: la_code or urn (one of them), then a term (academic_year such as 2018/19; term:
    /// autumn, spring or summer; starts, ends, half_term_starts, half_term_ends) or a closure
    /// day (closed_on, reason). Dates are dd/mm/yyyy or yyyy-mm-dd. If any row cannot be used,
    /// every such row is listed and nothing is saved.
    ImportTerms { file: PathBuf },
    /// A school's terms and closure days, each term saying where its dates came from (the
    /// school's own, its LA's, or the bundled default); or what was entered for an LA.
    Terms {
        #[arg(long, conflicts_with = "la", required_unless_present = "la")]
        urn: Option<Urn>,
        #[arg(long)]
        la: Option<String>,
        /// Only this academic year (2018/19).
        #[arg(long)]
        year: Option<String>,
    },
    /// Plan the programme year of every network of a programme that has no days yet, on days
    /// all its schools are open. Nothing is saved with --dry-run, or when any constraint
    /// cannot be met (every one is listed).
    Plan {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long)]
        dry_run: bool,
    },
    /// A programme's planned days (cancelled ones too), in date order.
    Days {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Move a planned day to another date in its term, on which every school it is for is open.
    Move {
        #[arg(long)]
        programme: ProgrammeId,
        /// The day's number, as `aspire calendar days` shows it.
        #[arg(long)]
        day: i64,
        /// The new date (yyyy-mm-dd).
        #[arg(long)]
        to: NaiveDate,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Print a programme's calendar (iCalendar, RFC 5545, times in Europe/London): everyone's
    /// days, or one school's, one network's or one person's (the days they lead or have a seat
    /// at). Calendar apps subscribe to the same through a feed made on the account page.
    Ics {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long, conflicts_with_all = ["network", "person"])]
        urn: Option<Urn>,
        #[arg(long, conflicts_with = "person")]
        network: Option<aspire_core::people::NetworkId>,
        /// A person's email address.
        #[arg(long)]
        person: Option<String>,
    },
    /// Make a calendar feed for a person (their own days) and print its address, to give them
    /// for their calendar program. They can revoke it on their account page. The address is
    /// shown once: only its hash is kept.
    Feed {
        #[arg(long)]
        programme: ProgrammeId,
        /// The person's email address.
        #[arg(long)]
        person: String,
    },
    /// Cancel a planned day; the reason (required) goes to those invited.
    Cancel {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long)]
        day: i64,
        #[arg(long)]
        reason: String,
    },
    /// Add a day to a network whose year is planned: a Network Day, or a day in one of its
    /// schools (--urn). It must fall on a day every school it is for is open, in the network's
    /// year, without breaking the plan; those it is for are emailed with the day attached.
    Add {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long)]
        network: aspire_core::people::NetworkId,
        /// The template's kind of day, such as development-day.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        urn: Option<Urn>,
        /// yyyy-mm-dd.
        #[arg(long)]
        date: NaiveDate,
        #[arg(long, default_value = "09:00", value_parser = parse_time)]
        starts: chrono::NaiveTime,
        #[arg(long, default_value = "15:30", value_parser = parse_time)]
        ends: chrono::NaiveTime,
        /// Places at the venue; none for no limit.
        #[arg(long)]
        places: Option<u32>,
    },
    /// Set the places at a day's venue ("" for no limit): never fewer than those with a
    /// place; more places go to those waiting, first come first served, who are emailed.
    Places {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long)]
        day: i64,
        #[arg(long)]
        places: String,
    },
    /// Add a file (PDF, Word, PowerPoint, Excel, PNG, JPEG, text or CSV; at most 4 MB) or a
    /// link to a day's strategies and resources. The network's schools see them once the day
    /// has been held.
    AddResource {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long)]
        day: i64,
        #[arg(long)]
        title: String,
        #[arg(long, conflicts_with = "link", required_unless_present = "link")]
        file: Option<PathBuf>,
        #[arg(long)]
        link: Option<String>,
    },
    /// A day's strategies and resources.
    Resources {
        #[arg(long)]
        programme: ProgrammeId,
        #[arg(long)]
        day: i64,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

impl CalendarCommand {
    /// Whether the command reads or writes the database (bank holidays need none).
    pub fn needs_database(&self) -> bool {
        !matches!(self, CalendarCommand::BankHolidays { .. })
    }
}

fn parse_time(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| format!("'{s}' is not a time: write it as 09:00"))
}

/// The largest file of term dates read, as for the web's uploads.
const MAX_BYTES: u64 = 5 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Csv,
}

pub fn run(cmd: &CalendarCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CalendarCommand::BankHolidays { from, to, format } => {
            if from > to {
                eprintln!("--from ({from}) is after --to ({to}): give the earlier year first.");
                return Ok(ExitCode::FAILURE);
            }
            if *from < FIRST_YEAR || *to > LAST_YEAR {
                eprintln!(
                    "Bank holidays are known for {FIRST_YEAR} to {LAST_YEAR} only (later changes are \
                     made by proclamation): choose years in that range."
                );
                return Ok(ExitCode::FAILURE);
            }
            let mut out = std::io::stdout().lock();
            if *format == ListFormat::Csv {
                writeln!(out, "date,name")?;
            }
            for h in bank_holidays_between(*from, *to) {
                match format {
                    ListFormat::Csv => writeln!(out, "{},{}", h.date, h.name)?,
                    ListFormat::Text => writeln!(out, "{}  {}  {}", h.date, h.date.format("%a"), h.name)?,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => anyhow::bail!("this calendar command needs a database"),
    }
}

/// The person a `--person` address names, or `None` with what is wrong said on stderr.
async fn person_named(db: &Db, email: &str) -> anyhow::Result<Option<aspire_core::people::PersonId>> {
    let e = match aspire_core::people::Email::parse(email) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("--person: {e}");
            return Ok(None);
        }
    };
    let found = db.person_by_email(&e).await?.map(|p| p.id);
    if found.is_none() {
        eprintln!("nobody has the address {email}: `aspire user list` shows who does");
    }
    Ok(found)
}

/// The calendar commands that read or write the database.
pub async fn run_with(db: &Db, cmd: &CalendarCommand) -> anyhow::Result<ExitCode> {
    let cli = Actor::command_line();
    match cmd {
        CalendarCommand::BankHolidays { .. } => run(cmd),
        CalendarCommand::ImportTerms { file } => {
            let size = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?.len();
            if size > MAX_BYTES {
                anyhow::bail!("{} is {size} bytes; a file of term dates may be at most 5 MB: split it", file.display());
            }
            let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match import_term_dates(db, &cli, &name, &bytes).await {
                Ok(saved) => {
                    crate::say!(
                        "saved {} term{} and {} closure day{} for {} LA{} or school{}",
                        saved.terms(),
                        plural(saved.terms()),
                        saved.closures(),
                        plural(saved.closures()),
                        saved.per_scope.len(),
                        plural(saved.per_scope.len()),
                        plural(saved.per_scope.len()),
                    );
                    // Days planned before these dates were known that they now close.
                    let clashes = aspire_app::calendar::planned_days_on_closed_days(db).await?;
                    if !clashes.is_empty() {
                        eprintln!(
                            "{} planned day{} now fall{} on a day a school is closed: move or cancel {} (aspire calendar move|cancel):",
                            clashes.len(),
                            plural(clashes.len()),
                            if clashes.len() == 1 { "s" } else { "" },
                            if clashes.len() == 1 { "it" } else { "them" },
                        );
                        for c in &clashes {
                            eprintln!(
                                "  programme {}, day {}: {}, {} is closed ({})",
                                c.programme, c.day, c.date, c.school, c.reason
                            );
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(TermDatesError::Rows(rows)) => {
                    crate::report_rows(file, &rows, "nothing was saved", "file");
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Terms { urn, la, year } => {
            let year = match year {
                Some(y) => match aspire_core::year::AcademicYear::parse(y) {
                    Ok(y) => Some(y),
                    Err(_) => {
                        eprintln!("--year '{y}' is not an academic year: write it as 2018/19");
                        return Ok(ExitCode::FAILURE);
                    }
                },
                None => None,
            };
            let in_year = |t: &aspire_core::calendar::DatedTerm| year.is_none_or(|y| t.academic_year == y);
            let mut out = std::io::stdout().lock();
            if let Some(la) = la {
                let code = match LaCode::parse(la) {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("--la: {e}");
                        return Ok(ExitCode::FAILURE);
                    }
                };
                let (terms, closures) = db.term_dates_of(DatesFor::La(code)).await?;
                if terms.is_empty() && closures.is_empty() {
                    writeln!(out, "nothing is entered for LA {code}: its schools use the default pattern")?;
                }
                for t in terms.iter().filter(|t| in_year(t)) {
                    write_term(&mut out, t, TermSource::La)?;
                }
                for c in closures
                    .iter()
                    .filter(|c| year.is_none_or(|y| aspire_core::year::AcademicYear::containing(c.date) == y))
                {
                    writeln!(out, "{}  {}  closed: {}", c.date, c.date.format("%a"), c.reason)?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let Some(urn) = urn else { anyhow::bail!("give --urn or --la") };
            if db.school(*urn).await?.is_none() {
                eprintln!("there is no school with URN {urn} in the register");
                return Ok(ExitCode::FAILURE);
            }
            let calendars = school_calendars(db, &[*urn]).await?;
            let Some(c) = calendars.get(urn) else { anyhow::bail!("no calendar for {urn}") };
            for (t, source) in c.terms().filter(|(t, _)| in_year(t)) {
                write_term(&mut out, t, *source)?;
                for c in c.closures().iter().filter(|k| t.contains(k.date)) {
                    writeln!(out, "    {}  {}  closed: {}", c.date, c.date.format("%a"), c.reason)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CalendarCommand::Plan { programme, dry_run } => {
            match programme_year::plan_programme_year(db, &cli, *programme, *dry_run).await {
                Ok(year) => {
                    let span =
                        programme_year::span(&year.plan).map(|(a, b)| format!(", from {a} to {b}")).unwrap_or_default();
                    crate::say!(
                        "{} {} day{} for {} network{}{span}",
                        if year.saved { "planned" } else { "would plan (dry run, nothing saved)" },
                        year.plan.days.len(),
                        plural(year.plan.days.len()),
                        year.networks.len(),
                        plural(year.networks.len()),
                    );
                    for n in &year.networks {
                        let days = year.plan.days.iter().filter(|d| d.network == n.id).count();
                        crate::say!("  {}: {days} days from {}", n.name, n.starts);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Ics { programme, urn, network, person } => {
            use aspire_store::FeedScope;
            if db.programme(*programme).await?.is_none() {
                eprintln!("there is no programme {programme}: `aspire programme list` shows them");
                return Ok(ExitCode::FAILURE);
            }
            let mut who = None;
            let scope = match (urn, network, person) {
                (Some(u), _, _) => {
                    if db.enrolment(*programme, *u).await?.is_none() {
                        eprintln!("school {u} is not in programme {programme}");
                        return Ok(ExitCode::FAILURE);
                    }
                    FeedScope::School(*u)
                }
                (_, Some(n), _) => {
                    if db.network(*n).await?.is_none_or(|x| x.programme != *programme) {
                        eprintln!(
                            "there is no network {n} in programme {programme}: `aspire calendar days --programme {programme}` names its networks"
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    FeedScope::Network(*n)
                }
                (_, _, Some(email)) => {
                    let Some(p) = person_named(db, email).await? else { return Ok(ExitCode::FAILURE) };
                    who = Some(p);
                    FeedScope::Person
                }
                _ => FeedScope::Programme,
            };
            let ics = programme_year::calendar(db, *programme, scope, who, chrono::Utc::now()).await?;
            std::io::stdout().lock().write_all(ics.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        CalendarCommand::Feed { programme, person } => {
            if db.programme(*programme).await?.is_none() {
                eprintln!("there is no programme {programme}: `aspire programme list` shows them");
                return Ok(ExitCode::FAILURE);
            }
            let Some(p) = person_named(db, person).await? else { return Ok(ExitCode::FAILURE) };
            let token = db.create_feed(&cli, p, *programme, aspire_store::FeedScope::Person, None).await?;
            crate::say!("/calendar/{token}.ics");
            Ok(ExitCode::SUCCESS)
        }
        CalendarCommand::Days { programme, format } => {
            if db.programme(*programme).await?.is_none() {
                eprintln!("there is no programme {programme}: `aspire programme list` shows them");
                return Ok(ExitCode::FAILURE);
            }
            let days = db.programme_events(*programme, &Visible::everything()).await?;
            let networks: std::collections::BTreeMap<_, _> =
                db.networks(*programme, &Visible::everything()).await?.into_iter().map(|n| (n.id, n.name)).collect();
            // The template's names for the kinds of day, and the schools' names.
            let kinds: std::collections::BTreeMap<String, String> = db
                .programme(*programme)
                .await?
                .and_then(|p| p.template)
                .and_then(|t| aspire_import::load_template(&t).ok())
                .map(|t| t.events.into_iter().map(|e| (e.key, e.name)).collect())
                .unwrap_or_default();
            let kind = |k: &str| kinds.get(k).cloned().unwrap_or_else(|| k.to_owned());
            let urns: Vec<Urn> = days.iter().filter_map(|e| e.urn).collect();
            let schools = db.school_names(&urns).await?;
            let mut out = std::io::stdout().lock();
            match format {
                ListFormat::Csv => {
                    let mut w = csv::Writer::from_writer(out);
                    w.write_record([
                        "day", "date", "term", "network", "kind", "number", "urn", "status", "reason", "name", "school",
                    ])?;
                    for e in &days {
                        w.write_record([
                            e.id.to_string(),
                            e.held_on.to_string(),
                            e.term.label(),
                            networks.get(&e.network).cloned().unwrap_or_default(),
                            e.kind.clone(),
                            e.number.to_string(),
                            e.urn.map(|u| u.to_string()).unwrap_or_default(),
                            match e.status {
                                EventStatus::Planned => "planned".to_owned(),
                                EventStatus::Cancelled => "cancelled".to_owned(),
                            },
                            e.cancel_reason.clone().unwrap_or_default(),
                            kind(&e.kind),
                            e.urn.and_then(|u| schools.get(&u).cloned()).unwrap_or_default(),
                        ])?;
                    }
                    w.flush()?;
                }
                ListFormat::Text => {
                    if days.is_empty() {
                        writeln!(
                            out,
                            "no days are planned for programme {programme} yet: `aspire calendar plan --programme {programme}`"
                        )?;
                    }
                    for e in &days {
                        let at = e
                            .urn
                            .map(|u| format!(" at {} ({u})", schools.get(&u).map(String::as_str).unwrap_or("school")))
                            .unwrap_or_default();
                        let status = match e.status {
                            EventStatus::Planned => String::new(),
                            EventStatus::Cancelled => {
                                format!("  CANCELLED: {}", e.cancel_reason.as_deref().unwrap_or(""))
                            }
                        };
                        writeln!(
                            out,
                            "{:>6}  {}  {}  {:<12} {}  {} {}{at}{status}",
                            e.id,
                            e.held_on,
                            e.held_on.format("%a"),
                            e.term.label(),
                            networks.get(&e.network).map(String::as_str).unwrap_or("?"),
                            kind(&e.kind),
                            e.number,
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CalendarCommand::Move { programme, day, to, reason } => {
            match programme_year::move_day(db, &cli, *programme, *day, *to, reason, crate::today()).await {
                Ok(e) => {
                    crate::say!(
                        "day {} moved to {} ({}); calendars are told (sequence {})",
                        e.id,
                        e.held_on,
                        e.term.label(),
                        e.sequence
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Cancel { programme, day, reason } => {
            match programme_year::cancel_day(db, &cli, *programme, *day, reason, crate::today()).await {
                Ok(e) => {
                    crate::say!("day {} on {} cancelled; calendars are told", e.id, e.held_on);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("day {day}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Add { programme, network, kind, urn, date, starts, ends, places } => {
            let new = programme_year::NewDay {
                network: *network,
                kind: kind.clone(),
                school: *urn,
                date: *date,
                starts: *starts,
                ends: *ends,
                places: *places,
            };
            match programme_year::add_day(db, &cli, *programme, &new).await {
                Ok(e) => {
                    crate::say!("day {} added on {} ({}); those it is for are told", e.id, e.held_on, e.term.label());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Places { programme, day, places } => {
            match aspire_app::days::set_places(db, &cli, *programme, *day, places).await {
                Ok(given) => {
                    let shown = if places.trim().is_empty() { "no limit".to_owned() } else { places.trim().to_owned() };
                    crate::say!(
                        "day {day}: places {shown}; {} given a place from the waiting list{}",
                        given.len(),
                        if given.is_empty() { "" } else { " and emailed" }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("day {day}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::AddResource { programme, day, title, file, link } => {
            use aspire_app::days::{Reader, Upload};
            let upload = match (file, link) {
                (Some(path), _) => {
                    let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
                    if size > aspire_core::resources::MAX_FILE_BYTES as u64 {
                        eprintln!("{}: the file is larger than 4 MB: nothing was added", path.display());
                        return Ok(ExitCode::FAILURE);
                    }
                    let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    Upload::File { name, content }
                }
                (None, Some(l)) => Upload::Link(l.clone()),
                (None, None) => bail!("give --file FILE or --link URL"),
            };
            match aspire_app::days::add_resource(db, &cli, Reader::Everything, *programme, *day, title, upload).await {
                Ok(id) => {
                    crate::say!("day {day}: resource {id} added");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("day {day}: {e}: nothing was added");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Resources { programme, day, format } => {
            use aspire_store::ResourceBody;
            let today = crate::today();
            let v = match aspire_app::days::day(db, aspire_app::days::Reader::Everything, *programme, *day, today).await
            {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("day {day}: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let rows: Vec<[String; 5]> = v
                .resources
                .iter()
                .map(|r| match &r.body {
                    ResourceBody::Link { link } => {
                        [r.id.to_string(), r.title.clone(), "link".into(), link.clone(), String::new()]
                    }
                    ResourceBody::File { name, media_type, size } => {
                        [r.id.to_string(), r.title.clone(), media_type.clone(), name.clone(), size.to_string()]
                    }
                })
                .collect();
            match format {
                ListFormat::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record(["id", "title", "type", "file_or_link", "bytes"])?;
                    for r in &rows {
                        w.write_record(r)?;
                    }
                    w.flush()?;
                }
                ListFormat::Text => {
                    crate::say!(
                        "{}, {} ({}): {} resource{}",
                        v.name,
                        v.event.held_on,
                        v.network,
                        rows.len(),
                        plural(rows.len())
                    );
                    for [id, title, kind, what, bytes] in &rows {
                        let size = if bytes.is_empty() { String::new() } else { format!(", {bytes} bytes") };
                        crate::say!("{id:>6}  {title}: {what} ({kind}{size})");
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_term(
    out: &mut impl std::io::Write,
    t: &aspire_core::calendar::DatedTerm,
    source: TermSource,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<20} {} to {}, half-term {} to {}  ({} dates)",
        t.label(),
        t.starts,
        t.ends,
        t.half_term_starts,
        t.half_term_ends,
        source
    )
}
