//! The `aspire` command line.

mod attendance;
mod calendar;
mod demo;
mod eligibility;
mod evaluate;
mod import;
mod joining;
mod mail;
mod networks;
mod programmes;
mod show;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use aspire_core::year::AcademicYear;
use aspire_store::Db;

/// A line for the person who started the server. Unlike `println!`, it does not stop the
/// server when nobody reads its output any more (`aspire serve | head -1`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Today as the programme year counts it: England's date (whatever the machine's zone).
pub(crate) fn today() -> chrono::NaiveDate {
    aspire_core::ics::england_date(chrono::Utc::now())
}

/// Prints every row of a file that cannot be used (line, column, value, reason) and the
/// sentence saying nothing was written, for the importers of the record commands.
pub(crate) fn report_rows(file: &std::path::Path, rows: &[aspire_import::RowIssue], nothing: &str, whole: &str) {
    for r in rows {
        let at = match (&r.column, &r.value) {
            (Some(c), Some(v)) if !v.is_empty() => format!("line {}, column {c}, value '{v}'", r.line),
            (Some(c), _) => format!("line {}, column {c}", r.line),
            _ => format!("line {}", r.line),
        };
        eprintln!("{}: {at}: {}", file.display(), r.reason);
    }
    let n = rows.len();
    eprintln!(
        "{nothing}: {n} row{} cannot be used; correct {} and import the whole {whole} again",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" }
    );
}

const DEFAULT_DATABASE: &str = "sqlite:aspire.db";
/// The file `aspire demo` makes when no --database-url is given.
const DEMO_DATABASE_FILE: &str = "aspire-demo.db";
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Aspire: run a school-improvement partnership programme from England's public school data.
///
/// Start with `aspire demo`, which builds a database from the open data bundled with Aspire and
/// serves the web application. To work with your own data, `aspire import` the files you
/// downloaded from GIAS, the DfE performance tables, Ofsted and the ONS, then `aspire serve`.
#[derive(Debug, Parser)]
#[command(name = "aspire", version, propagate_version = true)]
pub struct Cli {
    /// Database to use: sqlite:PATH (created on first use) or postgres://USER@HOST/DB.
    /// [default: sqlite:aspire.db; for `demo`, sqlite:aspire-demo.db]
    #[arg(long, global = true, env = "ASPIRE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import public data files (format recognised from each file's header).
    ///
    /// Reads GIAS establishment extracts and links, the DfE school spine (CSV or XLSX), KS2
    /// results, Ofsted inspection histories, ONS district lookups, area lists and DfE LA codes.
    /// Each file is written in one transaction: if any row is bad, nothing of that file is
    /// written and every bad row is listed (line, column, value, reason). Importing the same
    /// file again changes nothing.
    Import(ImportArgs),
    /// Serve the web application.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ASPIRE_ADDR", default_value = DEFAULT_ADDR)]
        addr: SocketAddr,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Build a demo database from the bundled open data and serve it (no network needed).
    Demo {
        /// Address to listen on (use port 0 for any free port; the address is printed).
        #[arg(long, env = "ASPIRE_ADDR", default_value = DEFAULT_ADDR)]
        addr: SocketAddr,
    },
    /// Decide which schools a programme is for, under a versioned rule set, as of a date.
    ///
    /// Every school gets eligible, not eligible or cannot tell, with the reasons (the rule, the
    /// inspection and file used, what is missing). Rule sets are in programmes/.
    Eligibility(eligibility::EligibilityArgs),
    /// Evaluate a cohort: KS2 results against national, sponsored academies or matched schools,
    /// and Ofsted outcomes over a window.
    #[command(subcommand)]
    Evaluate(evaluate::EvaluateCommand),
    /// Store and list cohorts of schools (for the evaluation report on the web).
    #[command(subcommand)]
    Cohort(evaluate::CohortCommand),
    /// Form networks of nearby schools from a CSV of locations, or score a partition.
    #[command(subcommand)]
    Networks(networks::NetworksCommand),
    /// Look up schools in the register.
    #[command(subcommand)]
    Schools(SchoolsCommand),
    /// Programmes made from the bundled templates, their areas and their schools' stages.
    #[command(subcommand)]
    Programme(programmes::ProgrammeCommand),
    /// People and their roles: the first administrator, invitation links.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Joining a programme: reminders to heads of the steps still open.
    #[command(subcommand)]
    Joining(joining::JoiningCommand),
    /// The rolls of a programme's days: sign-in sheets, and each school's dose.
    #[command(subcommand)]
    Attendance(attendance::AttendanceCommand),
    /// The school calendar and the programme year: bank holidays, term dates of LAs and schools, planned days.
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
}

/// How the web application is reached.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// The address people use to reach the service (for links in emails). Cookies are marked
    /// Secure when it starts with https://. [default: http://ADDR]
    #[arg(long, env = "ASPIRE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Behind reverse proxies: their addresses or networks, comma-separated (10.0.0.1 or
    /// 10.0.0.0/8). From them, the client's address (for rate limits and the audit log) is the
    /// rightmost X-Forwarded-For entry that is not one of them; from anyone else the header is
    /// ignored.
    #[arg(long, env = "ASPIRE_TRUST_PROXY", value_name = "ADDRESSES", value_parser = parse_proxies)]
    trust_proxy: Option<aspire_web::proxy::TrustedProxies>,
    /// Mail relay for invitations and password resets: smtp://[USER:PASSWORD@]HOST[:PORT].
    /// Without one, messages wait in the outbox for an administrator (/outbox).
    #[arg(long, env = "ASPIRE_SMTP_URL", value_name = "URL")]
    smtp_url: Option<String>,
    /// The From address of those messages.
    #[arg(long, env = "ASPIRE_MAIL_FROM", default_value = "Aspire <no-reply@aspire.invalid>")]
    mail_from: String,
    /// The address the public writes to about a programme that has none of its own (shown on
    /// the public pages, and where the team's notices of new enquiries go).
    #[arg(long, env = "ASPIRE_CONTACT_EMAIL", default_value = "programmes@aspire.invalid", value_name = "EMAIL")]
    contact_email: String,
    /// Connections served at once; more wait in the operating system's queue.
    #[arg(long, env = "ASPIRE_MAX_CONNECTIONS", default_value_t = 2048, value_name = "N")]
    max_connections: usize,
    /// Connections at once from one address (not counting the proxies named with --trust-proxy):
    /// more are closed at once. A school's staff often share one address.
    #[arg(long, env = "ASPIRE_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256, value_name = "N")]
    max_connections_per_client: usize,
}

impl WebArgs {
    pub fn config(&self, local: SocketAddr) -> aspire_web::WebConfig {
        let url = self.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
        aspire_web::WebConfig {
            trust_proxy: self.trust_proxy.clone().unwrap_or_default(),
            connections: aspire_web::ConnectionLimits {
                max_connections: self.max_connections.max(1),
                per_client: self.max_connections_per_client.max(1),
                ..aspire_web::ConnectionLimits::default()
            },
            contact_email: self.contact_email.clone(),
            ..aspire_web::WebConfig::for_url(&url)
        }
    }
}

fn parse_proxies(s: &str) -> Result<aspire_web::proxy::TrustedProxies, String> {
    aspire_web::proxy::TrustedProxies::parse(s).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files to import (CSV or XLSX).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Write the good rows of a file with bad rows (bad rows are still listed).
    #[arg(long)]
    skip_invalid: bool,
    /// Check the files and report what would change, without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Academic year of a KS2 results file whose name does not contain it (e.g. 2018/19).
    #[arg(long, value_name = "YEAR")]
    year: Option<AcademicYear>,
    /// Name of the area set an area list belongs to [default: the file name without extension].
    #[arg(long, value_name = "NAME")]
    area_set: Option<String>,
    /// List every warning, not just the first few of each file.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum SchoolsCommand {
    /// Show a school: details, links to earlier and later URNs, Ofsted history and KS2 results.
    Show {
        /// The school's URN (six digits).
        urn: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = show::Format::Text)]
        format: show::Format,
    },
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve { .. } | Command::Demo { .. });
    init_logging(serving);
    // One-off commands run on the calling thread; their heavy work has threads of its own.
    let mut builder = if serving {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // Output piped into `head` and closed early: not an error.
        Err(e) if e.chain().any(is_broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The reader of our output went away (e.g. `| head`); the csv crate wraps the io error.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    e.downcast_ref::<std::io::Error>().is_some_and(broken)
        || e.downcast_ref::<csv::Error>().is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if broken(io)))
}

fn init_logging(serving: bool) {
    use std::io::IsTerminal as _;
    let default = if serving { "warn,aspire_web=info,tower_http=info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn open(url: &str) -> anyhow::Result<Db> {
    Db::open(url).await.with_context(|| format!("opening the database {}", aspire_store::redact(url)))
}

/// Opens a database that must exist already: a command that reads or acts on records never
/// creates an empty SQLite file where the person meant another database.
async fn open_existing(url: &str) -> anyhow::Result<Db> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//").split('?').next().unwrap_or(path);
        if path != ":memory:" && !path.is_empty() && !std::path::Path::new(path).exists() {
            let demo = DEMO_DATABASE_FILE;
            let hint = if url == DEFAULT_DATABASE && std::path::Path::new(demo).exists() {
                format!(" The demo's database is {demo}: add --database-url sqlite:{demo}.")
            } else {
                " Run `aspire demo` or `aspire import FILE...` first, or pass --database-url.".to_owned()
            };
            anyhow::bail!("there is no database at {path}.{hint}");
        }
    }
    open(url).await
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let url = cli.database_url.clone();
    match cli.command {
        Command::Import(args) => {
            let db = open(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = import::run(&db, &args).await;
            db.close().await;
            code
        }
        Command::Serve { addr, web } => {
            let url = url.unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
            let db = open(&url).await?;
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
            let local = listener.local_addr()?;
            let config =
                aspire_web::WebConfig { database_url_hint: Some(aspire_store::redact(&url)), ..web.config(local) };
            let mailer = web
                .smtp_url
                .as_deref()
                .map(|u| mail::Mailer::new(u, &web.mail_from, &config.public_url))
                .transpose()?;
            crate::say!("Aspire is serving {} at http://{local}/", aspire_store::redact(&url));
            background(&db, mailer, &config);
            aspire_web::serve(listener, db.clone(), config, shutdown_signal()).await.context("serving")?;
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { addr } => demo::run(url.as_deref(), addr).await,
        Command::Calendar(cmd) if cmd.needs_database() => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = calendar::run_with(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::Calendar(cmd) => calendar::run(&cmd),
        Command::Programme(cmd) => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = programmes::run(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::Attendance(cmd) => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = attendance::run(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::Joining(cmd) => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = joining::run(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::User(cmd) => {
            // The first administrator may be added to a new database; nothing else makes one.
            let url = url.as_deref().unwrap_or(DEFAULT_DATABASE);
            let db = if cmd.may_create_database() { open(url).await? } else { open_existing(url).await? };
            let code = users::run(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::Eligibility(args) => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = eligibility::run(&db, &args).await;
            db.close().await;
            code
        }
        Command::Evaluate(cmd) => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = evaluate::run(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::Cohort(cmd) => {
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = evaluate::cohort(&db, &cmd).await;
            db.close().await;
            code
        }
        Command::Networks(cmd) => {
            if cmd.programme().is_none() {
                return networks::run(&cmd, None).await;
            }
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = networks::run(&cmd, Some(&db)).await;
            db.close().await;
            code
        }
        Command::Schools(SchoolsCommand::Show { urn, format }) => {
            let urn = aspire_core::Urn::parse(&urn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let db = open_existing(url.as_deref().unwrap_or(DEFAULT_DATABASE)).await?;
            let code = show::run(&db, urn, format).await;
            db.close().await;
            code
        }
    }
}

/// The work a server does besides answering: sending the outbox (when a mail relay is set),
/// removing expired sessions and old enquiries' contact details, and reminding heads of the
/// steps of joining still open. Several instances may run it: each message is claimed before it
/// is sent.
fn background(db: &Db, mailer: Option<mail::Mailer>, config: &aspire_web::WebConfig) {
    match mailer {
        Some(m) => {
            crate::say!("Mail goes through the relay at {}.", m.relay());
            tokio::spawn(m.run(db.clone(), std::time::Duration::from_secs(5)));
        }
        None => crate::say!(
            "No mail relay is set (--smtp-url): invitations and password resets wait in the outbox (/outbox)."
        ),
    }
    let (db, policy) = (db.clone(), config.sign_in.clone());
    tokio::spawn(async move {
        loop {
            if let Err(e) = db.purge_sessions(&policy).await {
                tracing::warn!(error = %e, "expired sessions could not be removed");
            }
            // The period the privacy notice states.
            match aspire_app::join::remove_expired_contacts(&db, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(enquiries = n, "old enquiries' contact details removed"),
                Err(e) => tracing::warn!(error = %e, "old enquiries' contact details could not be removed"),
            }
            // Each reminder of a day goes once, so running every hour is safe.
            match aspire_app::school_year::queue_reminders(&db, today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "reminders of coming days queued"),
                Err(e) => tracing::warn!(error = %e, "reminders of coming days could not be queued"),
            }
            // Each school hears at most once a week, so running every hour is safe.
            let after = aspire_core::joining::DEFAULT_REMIND_AFTER_DAYS;
            match aspire_app::joining::remind(&db, &aspire_store::Actor::system(None), after, chrono::Utc::now()).await
            {
                Ok(done) if !done.sent.is_empty() => {
                    tracing::info!(schools = done.sent.len(), "reminders of open steps of joining queued");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reminders of open steps of joining could not be queued"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
