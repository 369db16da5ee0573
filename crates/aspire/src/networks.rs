//! `aspire networks`: form networks of nearby schools from a CSV of locations, or score a
//! partition made elsewhere.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};

use aspire_core::geo::LatLon;
use aspire_core::networks::{self as core, Adviser, Options, School};
use aspire_core::urn::Urn;

#[derive(Debug, clap::Subcommand)]
pub enum NetworksCommand {
    /// Put schools into networks of a target size, as close together as possible (least total
    /// distance between members), and write `URN,network`.
    Form(FormArgs),
    /// Measure a partition (`URN,network`): total distance between members and the lower bound.
    Score(ScoreArgs),
    /// Give a programme's networks their Achievement Advisers, as the networks page does: as
    /// many networks as the advisers can take, at least total distance to the venues.
    Advisers(AdvisersArgs),
    /// Rename one of a programme's networks, as its page does (a name another network of the
    /// programme has is refused).
    Rename(RenameArgs),
    /// Take a published network off the public join pages; its schools and roles stay.
    Unpublish(NetworkArgs),
}

#[derive(Debug, clap::Args)]
pub struct NetworkArgs {
    /// The programme the network belongs to.
    #[arg(long, value_name = "ID")]
    programme: aspire_core::people::ProgrammeId,
    /// The network's number (as in its page's address, /programmes/P/networks/N).
    #[arg(long, value_name = "ID")]
    network: aspire_core::people::NetworkId,
}

#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    #[command(flatten)]
    at: NetworkArgs,
    /// Its new name (at most 100 characters).
    #[arg(long)]
    name: String,
}

#[derive(Debug, clap::Args)]
pub struct AdvisersArgs {
    /// The programme whose networks (those with schools) get advisers.
    #[arg(long, value_name = "ID")]
    programme: aspire_core::people::ProgrammeId,
    /// One adviser: "email,networks they can take,where" (where: a postcode district such as
    /// BD21, or a school's URN). Repeat for each adviser.
    #[arg(long = "adviser", value_name = "EMAIL,N,PLACE", required = true)]
    advisers: Vec<String>,
    /// Change networks that have an adviser already (without it, those changes are listed and
    /// nothing is changed).
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, clap::Args)]
pub struct FormArgs {
    /// CSV with a URN column and lat/lon (or latitude/longitude) columns in degrees.
    #[arg(long, value_name = "FILE", required_unless_present = "programme", conflicts_with = "programme")]
    input: Option<PathBuf>,
    /// Instead of a file: the schools taking part in this programme (enrolled or completed),
    /// with their coordinates from the register; its locked and published networks are kept.
    #[arg(long, value_name = "ID")]
    programme: Option<aspire_core::people::ProgrammeId>,
    /// With --programme: also save the networks as the programme's (as "Form networks" does
    /// on the web).
    #[arg(long, requires = "programme")]
    save: bool,
    /// Target network size; networks one smaller or larger only as the count requires
    /// [default: 4, or the programme template's size].
    #[arg(long)]
    size: Option<usize>,
    /// A column of the input (e.g. la, region): networks never mix its values. With
    /// --programme: la or region.
    #[arg(long, value_name = "COLUMN")]
    within: Option<String>,
    /// Seed of the search's random choices.
    #[arg(long, default_value_t = Options::default().seed)]
    seed: u64,
    /// Search time in seconds [default: 0.25 + 0.0012 × schools, at most 45].
    #[arg(long, value_name = "SECS")]
    time_limit: Option<f64>,
    /// CSV of pairs of URNs (two columns) that must share a network.
    #[arg(long, value_name = "FILE")]
    must_link: Option<PathBuf>,
    /// CSV of pairs of URNs (two columns) that must not share a network.
    #[arg(long, value_name = "FILE")]
    cannot_link: Option<PathBuf>,
    /// No two members of a network farther apart than this many km.
    #[arg(long, value_name = "KM")]
    max_distance: Option<f64>,
    /// Networks already agreed (`URN,network`): kept as they are.
    #[arg(long, value_name = "FILE")]
    fixed: Option<PathBuf>,
    /// Achievement Advisers (`name,lat,lon,capacity`): each network is given to one, within
    /// capacity, at least total distance from home to venue.
    #[arg(long, value_name = "FILE")]
    advisers: Option<PathBuf>,
    /// Where to write `URN,network` (written only when the whole run succeeds).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// CSV with a URN column and lat/lon columns.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The partition: `URN,network`.
    networks: PathBuf,
}

impl NetworksCommand {
    /// The programme whose schools are read from the database, if any.
    pub fn programme(&self) -> Option<aspire_core::people::ProgrammeId> {
        match self {
            NetworksCommand::Form(a) => a.programme,
            NetworksCommand::Score(_) => None,
            NetworksCommand::Advisers(a) => Some(a.programme),
            NetworksCommand::Rename(a) => Some(a.at.programme),
            NetworksCommand::Unpublish(a) => Some(a.programme),
        }
    }
}

/// Runs the command; `db` is needed only for `--programme`.
pub async fn run(cmd: &NetworksCommand, db: Option<&aspire_store::Db>) -> anyhow::Result<ExitCode> {
    match cmd {
        NetworksCommand::Form(a) => {
            let time_limit = match a.time_limit {
                Some(t) if t.is_finite() && t >= 0.0 => Some(Duration::from_secs_f64(t)),
                Some(t) => bail!("--time-limit {t}: give a number of seconds"),
                None => None,
            };
            match (a.programme, db) {
                (Some(id), Some(db)) => form_programme(a, db, id, time_limit).await,
                (Some(_), None) => bail!("--programme needs the database"),
                (None, _) => {
                    let input = a.input.as_deref().context("give --input FILE or --programme ID")?;
                    let schools = read_schools(input, a.within.as_deref())?;
                    let options = Options {
                        size: a.size.unwrap_or(4),
                        within: a.within.is_some(),
                        must_link: pairs(a.must_link.as_deref())?,
                        cannot_link: pairs(a.cannot_link.as_deref())?,
                        max_distance_km: a.max_distance,
                        fixed: a.fixed.as_deref().map(read_partition).transpose()?.unwrap_or_default(),
                        seed: a.seed,
                        time_limit,
                        advisers: a.advisers.as_deref().map(read_advisers).transpose()?.unwrap_or_default(),
                    };
                    let f = core::form(&schools, &options)?;
                    write_and_report(a, schools.len(), &f, &options.advisers)?;
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        NetworksCommand::Score(a) => score(a),
        NetworksCommand::Advisers(a) => match db {
            Some(db) => advisers(a, db).await,
            None => bail!("advisers needs the database"),
        },
        NetworksCommand::Rename(a) => {
            let db = db.context("rename needs the database")?;
            let cli = aspire_store::Actor::command_line();
            match db.rename_network(&cli, a.at.programme, a.at.network, &a.name).await {
                Ok(()) => {
                    println!("network {} is now named {}", a.at.network, aspire_core::text::printable(a.name.trim()));
                    Ok(ExitCode::SUCCESS)
                }
                Err(aspire_store::ProgrammeError::Store(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("network {}: {e}; nothing was changed", a.at.network);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        NetworksCommand::Unpublish(a) => {
            let db = db.context("unpublish needs the database")?;
            let cli = aspire_store::Actor::command_line();
            match db.unpublish_network(&cli, a.programme, a.network).await {
                Ok(true) => {
                    println!("network {} is off the public join pages; its schools and roles stay", a.network);
                    Ok(ExitCode::SUCCESS)
                }
                Ok(false) => {
                    eprintln!("network {} is not published, so there is nothing to unpublish", a.network);
                    Ok(ExitCode::FAILURE)
                }
                Err(aspire_store::ProgrammeError::Store(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("network {}: {e}; nothing was changed", a.network);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

fn pairs(path: Option<&Path>) -> anyhow::Result<Vec<(Urn, Urn)>> {
    Ok(path.map(read_pairs).transpose()?.unwrap_or_default())
}

/// `--programme`: the programme's schools taking part, through the same use case as "Form
/// networks" on the web; saved as the programme's networks with `--save`.
async fn form_programme(
    a: &FormArgs,
    db: &aspire_store::Db,
    id: aspire_core::people::ProgrammeId,
    time_limit: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    use aspire_app::networks as app;
    let within = match a.within.as_deref() {
        None => app::Boundary::None,
        Some(w) => app::Boundary::parse(w).map_err(|e| anyhow::anyhow!("--within {w}: {e}"))?,
    };
    let advisers = a.advisers.as_deref().map(read_advisers).transpose()?.unwrap_or_default();
    let request = app::FormRequest {
        within,
        size: a.size,
        seed: Some(a.seed),
        time_limit,
        must_link: pairs(a.must_link.as_deref())?,
        cannot_link: pairs(a.cannot_link.as_deref())?,
        max_distance_km: a.max_distance,
        fixed: a.fixed.as_deref().map(read_partition).transpose()?.unwrap_or_default(),
        advisers: advisers.clone(),
    };
    let proposal = app::propose(db, id, &request).await?;
    if !proposal.not_placed.is_empty() {
        // Left out of this run and named, so that no one is dropped silently.
        let list: Vec<String> = proposal.not_placed.iter().map(ToString::to_string).collect();
        eprintln!(
            "warning: {} school(s) of programme {id} have no coordinates in the register and are not placed: {}. Import a GIAS extract with their location.",
            list.len(),
            list.join(", ")
        );
    }
    write_and_report(a, proposal.schools.len(), &proposal.formation, &advisers)?;
    if a.save {
        app::save(db, &aspire_store::Actor::command_line(), &proposal).await?;
        println!("saved as the networks of programme {id} ({} formed, {} kept)", proposal.formed.len(), proposal.kept);
    }
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> anyhow::Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(file))
}

/// Position of the first header among `names` (case and surrounding spaces ignored).
fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| names.iter().any(|n| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(n)))
}

fn line_of(r: &csv::StringRecord) -> u64 {
    r.position().map_or(0, csv::Position::line)
}

fn parse_urn(text: &str, line: u64, what: &str) -> anyhow::Result<Urn> {
    Urn::parse(text).map_err(|e| anyhow::anyhow!("line {line}: {what} \"{text}\" is not a URN ({e})"))
}

/// Reads schools; every bad cell is reported with its line, schools without coordinates by URN.
fn read_schools(path: &Path, within: Option<&str>) -> anyhow::Result<Vec<School>> {
    let ctx = || format!("reading {}", path.display());
    let mut r = read(path).with_context(ctx)?;
    let headers = r.headers().with_context(ctx)?.clone();
    let urn_col = column(&headers, &["urn"]).with_context(|| format!("{}: no URN column", path.display()))?;
    let lat_col = column(&headers, &["lat", "latitude"])
        .with_context(|| format!("{}: no lat or latitude column", path.display()))?;
    let lon_col = column(&headers, &["lon", "lng", "long", "longitude"])
        .with_context(|| format!("{}: no lon or longitude column", path.display()))?;
    let within_col = match within {
        Some(w) => Some(column(&headers, &[w]).with_context(|| {
            format!(
                "{}: no column called {w} for --within (columns: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })?),
        None => None,
    };
    let mut schools = Vec::new();
    let mut problems = Vec::new();
    let mut blank = Vec::new();
    for rec in r.records() {
        let rec = rec.with_context(ctx)?;
        let line = line_of(&rec);
        let cell = |c: usize| rec.get(c).unwrap_or("");
        let urn = match parse_urn(cell(urn_col), line, "URN") {
            Ok(u) => u,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let coord = |c: usize, name: &str, range: f64| -> Result<Option<f64>, String> {
            let t = cell(c);
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= range => Ok(Some(v)),
                Ok(_) => Err(format!("line {line}: {name} \"{t}\" is out of range")),
                Err(_) => Err(format!("line {line}: {name} \"{t}\" is not a number")),
            }
        };
        let (lat, lon) = (coord(lat_col, "latitude", 90.0), coord(lon_col, "longitude", 180.0));
        let location = match (lat, lon) {
            (Ok(Some(lat)), Ok(Some(lon))) => Some(LatLon { lat, lon }),
            (Ok(None), Ok(_)) | (Ok(_), Ok(None)) => {
                blank.push(urn);
                None
            }
            (a, b) => {
                problems.extend(a.err());
                problems.extend(b.err());
                continue;
            }
        };
        let boundary = within_col.map(|c| cell(c).to_owned());
        schools.push(School { urn, location, boundary });
    }
    if !blank.is_empty() {
        let list: Vec<String> = blank.iter().map(ToString::to_string).collect();
        problems.push(format!("{} school(s) have no coordinates: {}", blank.len(), list.join(", ")));
    }
    if !problems.is_empty() {
        bail!("{}: {}", path.display(), problems.join("\n  "));
    }
    if schools.is_empty() {
        bail!("{}: no schools", path.display());
    }
    Ok(schools)
}

/// Pairs of URNs, one a line, in the first two columns; a header line is optional.
fn read_pairs(path: &Path) -> anyhow::Result<Vec<(Urn, Urn)>> {
    let ctx = || format!("reading {}", path.display());
    let file = std::fs::File::open(path).with_context(ctx)?;
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(file);
    let mut out = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let rec = rec.with_context(ctx)?;
        let line = line_of(&rec);
        let (a, b) = (rec.get(0).unwrap_or(""), rec.get(1).unwrap_or(""));
        if k == 0 && Urn::parse(a).is_err() {
            continue;
        }
        out.push((parse_urn(a, line, "URN").with_context(ctx)?, parse_urn(b, line, "URN").with_context(ctx)?));
    }
    Ok(out)
}

/// `URN,network` as networks: members grouped by label, in order of first appearance.
fn read_partition(path: &Path) -> anyhow::Result<Vec<Vec<Urn>>> {
    let ctx = || format!("reading {}", path.display());
    let mut r = read(path).with_context(ctx)?;
    let headers = r.headers().with_context(ctx)?.clone();
    let urn_col = column(&headers, &["urn"]).with_context(|| format!("{}: no URN column", path.display()))?;
    let net_col = column(&headers, &["network"]).with_context(|| format!("{}: no network column", path.display()))?;
    let mut order: Vec<String> = Vec::new();
    let mut nets: HashMap<String, Vec<Urn>> = HashMap::new();
    for rec in r.records() {
        let rec = rec.with_context(ctx)?;
        let line = line_of(&rec);
        let urn = parse_urn(rec.get(urn_col).unwrap_or(""), line, "URN").with_context(ctx)?;
        let label = rec.get(net_col).unwrap_or("").to_owned();
        if label.is_empty() {
            bail!("{}: line {line}: URN {urn} has no network", path.display());
        }
        nets.entry(label.clone())
            .or_insert_with(|| {
                order.push(label);
                Vec::new()
            })
            .push(urn);
    }
    Ok(order.into_iter().filter_map(|l| nets.remove(&l)).collect())
}

fn read_advisers(path: &Path) -> anyhow::Result<Vec<Adviser>> {
    let ctx = || format!("reading {}", path.display());
    let mut r = read(path).with_context(ctx)?;
    let h = r.headers().with_context(ctx)?.clone();
    let need =
        |names: &[&str]| column(&h, names).with_context(|| format!("{}: no {} column", path.display(), names[0]));
    let (name, lat, lon, cap) =
        (need(&["name"])?, need(&["lat", "latitude"])?, need(&["lon", "longitude"])?, need(&["capacity"])?);
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.with_context(ctx)?;
        let line = line_of(&rec);
        let num = |c: usize, what: &str| -> anyhow::Result<f64> {
            let t = rec.get(c).unwrap_or("");
            t.parse::<f64>()
                .map_err(|_| anyhow::anyhow!("{}: line {line}: {what} \"{t}\" is not a number", path.display()))
        };
        let capacity = rec.get(cap).unwrap_or("").parse::<usize>().map_err(|_| {
            anyhow::anyhow!(
                "{}: line {line}: capacity \"{}\" is not a whole number",
                path.display(),
                rec.get(cap).unwrap_or("")
            )
        })?;
        out.push(Adviser {
            name: rec.get(name).unwrap_or("").to_owned(),
            home: LatLon { lat: num(lat, "latitude")?, lon: num(lon, "longitude")? },
            capacity,
        });
    }
    Ok(out)
}

/// Writes `URN,network` to `--out` and prints the measures of the formation.
fn write_and_report(a: &FormArgs, schools: usize, f: &core::Formation, advisers: &[Adviser]) -> anyhow::Result<()> {
    // Written beside the target and renamed, so a failed run leaves nothing behind.
    let dir = a.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir)?;
    {
        let mut w = csv::Writer::from_writer(&mut tmp.1);
        w.write_record(["URN", "network"])?;
        for (k, n) in f.networks.iter().enumerate() {
            for u in &n.members {
                w.write_record([u.to_string(), (k + 1).to_string()])?;
            }
        }
        w.flush()?;
    }
    tmp.1.sync_all().ok();
    std::fs::rename(&tmp.0, &a.out).with_context(|| format!("writing {}", a.out.display()))?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "{schools} schools in {} networks → {}", f.networks.len(), a.out.display())?;
    writeln!(out, "objective   {:.3} km (sum of distances between members)", f.objective_km)?;
    writeln!(out, "lower bound {:.3} km (gap {:.1} %)", f.lower_bound_km, f.gap * 100.0)?;
    writeln!(out, "time        {:.2} s", f.elapsed.as_secs_f64())?;
    let mut widest: Vec<(usize, &core::Network)> = f.networks.iter().enumerate().collect();
    widest.sort_by(|x, y| y.1.spread_km.total_cmp(&x.1.spread_km));
    writeln!(out, "widest networks (largest distance between two members):")?;
    for (k, n) in widest.iter().take(5) {
        let members: Vec<String> = n.members.iter().map(ToString::to_string).collect();
        writeln!(out, "  {:>5}  {:7.1} km  {}  venue {}", k + 1, n.spread_km, members.join(" "), n.venue)?;
    }
    if let Some(total) = f.adviser_km {
        let mut by: BTreeMap<usize, (usize, f64)> = BTreeMap::new();
        for n in &f.networks {
            if let Some((ad, km)) = n.adviser {
                let e = by.entry(ad).or_default();
                e.0 += 1;
                e.1 += km;
            }
        }
        writeln!(out, "advisers: {total:.1} km in all from home to venues")?;
        for (ad, (count, km)) in by {
            writeln!(out, "  {}: {count} network(s), {km:.1} km", advisers[ad].name)?;
        }
    }
    Ok(())
}

/// A new file in `dir` with a unique name (removed again if the run fails before renaming).
fn tempfile_in(dir: &Path) -> anyhow::Result<(TempPath, std::fs::File)> {
    for k in 0..1000u32 {
        let p = dir.join(format!(".aspire-networks-{}-{k}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((TempPath(p), f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("cannot write in {}", dir.display())),
        }
    }
    bail!("cannot create a temporary file in {}", dir.display())
}

/// Removes the file when dropped unless it has been renamed away.
struct TempPath(PathBuf);

impl std::ops::Deref for TempPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn score(a: &ScoreArgs) -> anyhow::Result<ExitCode> {
    let schools = read_schools(&a.input, None)?;
    let partition = read_partition(&a.networks)?;
    let s = core::score(&schools, &partition).with_context(|| format!("scoring {}", a.networks.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} schools in {} networks", schools.len(), s.networks.len())?;
    writeln!(out, "objective   {:.6} km", s.objective_km)?;
    let gap = if s.objective_km > 0.0 { (s.objective_km - s.lower_bound_km) / s.objective_km * 100.0 } else { 0.0 };
    writeln!(out, "lower bound {:.3} km (gap {gap:.1} %)", s.lower_bound_km)?;
    Ok(ExitCode::SUCCESS)
}

/// `networks advisers`: every problem with every adviser said at once, or each network's adviser.
async fn advisers(a: &AdvisersArgs, db: &aspire_store::Db) -> anyhow::Result<ExitCode> {
    use aspire_app::networks::{AdviserRow, AssignError, assign_advisers, networks_to_advise};
    use aspire_core::text::printable;
    let rows: Vec<AdviserRow> = a
        .advisers
        .iter()
        .map(|t| {
            let mut cells = t.splitn(3, ',').map(str::trim);
            AdviserRow::new(cells.next().unwrap_or(""), cells.next().unwrap_or(""), cells.next().unwrap_or(""))
        })
        .collect();
    let nets = networks_to_advise(db, a.programme).await?;
    match assign_advisers(db, &aspire_store::Actor::command_line(), a.programme, &rows, a.replace).await {
        Ok(done) => {
            for placed in &done.advisers {
                println!("adviser {}: placed at {}", placed.row, printable(&placed.basis));
            }
            for (network, person) in &done.pairs {
                let name =
                    nets.iter().find(|n| n.id == *network).map_or_else(|| network.to_string(), |n| n.name.clone());
                let row = done.advisers.iter().find(|p| p.person == *person).map_or(0, |p| p.row);
                println!("{}: adviser {row}", printable(&name));
            }
            for network in &done.unassigned {
                let name =
                    nets.iter().find(|n| n.id == *network).map_or_else(|| network.to_string(), |n| n.name.clone());
                println!("{}: no adviser (the advisers' capacity ran short)", printable(&name));
            }
            if done.days_handed > 0 {
                println!("{} planned day(s) from today on passed to the networks' new advisers", done.days_handed);
            }
            for c in &done.clashes {
                println!("warning: {}", printable(c));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(AssignError::Problems(problems)) => {
            for p in problems {
                eprintln!("{}", printable(&p.message));
            }
            eprintln!("nothing was changed");
            Ok(ExitCode::FAILURE)
        }
        Err(AssignError::Unconfirmed(changes)) => {
            for c in &changes {
                eprintln!("{}", printable(&c.said()));
            }
            eprintln!("nothing was changed: to change these networks' advisers, run this again with --replace");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
