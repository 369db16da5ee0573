//! One planned day as the people it concerns use it: what, when and where, its places and who
//! waits for one, and the strategies and resources it introduced. The team sets the places (more
//! places go to those waiting, who are told); the team and the network's Achievement Adviser
//! add and remove files and links; the network's schools see them once the day is held
//! (`aspire_core::resources::shared_with`), on the day's page and the network's.

use chrono::NaiveDate;

use aspire_core::access::{Principal, Visible};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::resources::{self, FileType, ResourceError};
use aspire_core::urn::Urn;
use aspire_store::{
    Actor, DayResource, Db, EventStatus, NewResource, ProgrammeError, ProgrammeEvent, Registration, RegistrationStatus,
    StoreError,
};

use crate::programme_year::PlanError;
use crate::school_year::YearError;

/// Why a day's places or resources cannot be changed.
#[derive(Debug, thiserror::Error)]
pub enum DayError {
    #[error("there is no day {0} in this programme")]
    NoSuchDay(i64),
    #[error("{0}")]
    Resource(#[from] ResourceError),
    #[error("the number of places '{0}' is not a whole number from 1 to 10,000: leave it empty for no limit")]
    Places(String),
    #[error("the day is cancelled: its places cannot change")]
    Cancelled,
    #[error("{0}")]
    Save(#[from] ProgrammeError),
    #[error("{0}")]
    Year(#[from] YearError),
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who is reading: a signed-in person, or the command line and the system's own jobs, which
/// see everything.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    Person(&'a Principal),
    Everything,
}

/// A day as its page shows it.
#[derive(Debug, Clone)]
pub struct DayView {
    pub event: ProgrammeEvent,
    /// The template's name for the kind of day.
    pub name: String,
    pub network: String,
    /// Where it is held: its school, or the network's venue.
    pub place: Option<(Urn, String)>,
    pub adviser: Option<String>,
    /// People with a place, and people waiting for one.
    pub registered: usize,
    pub waiting: usize,
    /// Those marked present or late on its roll.
    pub came: usize,
    /// The resources the reader may open (all of them for the team and the adviser).
    pub resources: Vec<DayResource>,
    /// Whether the reader adds and removes resources (the team and the network's adviser).
    pub may_add: bool,
    /// Whether the day's resources are kept from the reader until the day is held.
    pub shared_after: bool,
    /// Whether they are never the reader's (an evaluator, an LA officer): only the network's
    /// schools, its adviser and the team have them.
    pub not_shared: bool,
}

async fn network_schools(db: &Db, programme: ProgrammeId, network: NetworkId) -> Result<Vec<Urn>, StoreError> {
    Ok(db
        .enrolments(programme, &Visible::everything())
        .await?
        .into_iter()
        .filter(|e| e.network == Some(network))
        .map(|e| e.urn)
        .collect())
}

fn shared(reader: Reader<'_>, e: &ProgrammeEvent, schools: &[Urn], today: NaiveDate) -> bool {
    match reader {
        Reader::Everything => true,
        Reader::Person(p) => resources::shared_with(p, e.programme, e.network, schools, e.held_on, today),
    }
}

fn adds(reader: Reader<'_>, e: &ProgrammeEvent) -> bool {
    match reader {
        Reader::Everything => true,
        Reader::Person(p) => resources::may_add(p, e.programme, e.network),
    }
}

/// A day of the programme, with what the reader may see of its resources.
pub async fn day(
    db: &Db,
    reader: Reader<'_>,
    programme: ProgrammeId,
    day: i64,
    today: NaiveDate,
) -> Result<DayView, DayError> {
    let event = db.programme_event(programme, day).await?.ok_or(DayError::NoSuchDay(day))?;
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let name = crate::programme_year::kind_name(&p, &event.kind).unwrap_or_else(|| event.kind.clone());
    let network = db.network(event.network).await?;
    let place_urn = event.urn.or(network.as_ref().and_then(|n| n.venue));
    let place = match place_urn {
        Some(u) => Some((u, db.school_names(&[u]).await?.get(&u).cloned().unwrap_or_else(|| format!("School {u}")))),
        None => None,
    };
    let adviser = match event.adviser {
        Some(a) => db.person(a).await?.map(|x| x.name),
        None => None,
    };
    let regs = db.registrations(programme, day).await?;
    let people = |s: RegistrationStatus| {
        let mut p: Vec<_> = regs.iter().filter(|r| r.status == s).map(|r| r.person).collect();
        p.sort();
        p.dedup();
        p.len()
    };
    let schools = network_schools(db, programme, event.network).await?;
    let open = shared(reader, &event, &schools, today);
    let resources = if open { db.day_resources(programme, day).await? } else { Vec::new() };
    Ok(DayView {
        name,
        network: network.map(|n| n.name).unwrap_or_else(|| format!("Network {}", event.network)),
        place,
        adviser,
        came: db.day_marks(programme, day).await?.iter().filter(|m| m.mark.attended()).count(),
        registered: people(RegistrationStatus::Registered),
        waiting: people(RegistrationStatus::Waiting),
        resources,
        may_add: adds(reader, &event),
        shared_after: !open && shared(reader, &event, &schools, NaiveDate::MAX),
        not_shared: !open && !shared(reader, &event, &schools, NaiveDate::MAX),
        event,
    })
}

/// Sets the places at a day's venue from what was typed (empty: no limit); those waiting are
/// given the new places and told. Returns those given a place.
pub async fn set_places(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    day: i64,
    typed: &str,
) -> Result<Vec<Registration>, DayError> {
    let event = db.programme_event(programme, day).await?.ok_or(DayError::NoSuchDay(day))?;
    if event.status == EventStatus::Cancelled {
        return Err(DayError::Cancelled);
    }
    let t = typed.trim();
    let places = if t.is_empty() {
        None
    } else {
        match t.parse::<u32>() {
            Ok(n) if (1..=10_000).contains(&n) => Some(n),
            _ => return Err(DayError::Places(t.chars().take(20).collect())),
        }
    };
    let regs = db.registrations(programme, day).await?;
    let p = db.programme(programme).await?.ok_or(DayError::NoSuchDay(day))?;
    let tell = crate::school_year::place_given_letters(db, programme, &event, &p, &regs).await?;
    Ok(db.set_places(actor, programme, day, places, tell).await?)
}

/// A file or a link to add to a day.
#[derive(Debug, Clone)]
pub enum Upload {
    File { name: String, content: Vec<u8> },
    Link(String),
}

/// Adds a file or a link to a day, after checking its title, its type against its content,
/// its size, and a link's address. The reader must be the team or the network's adviser.
pub async fn add_resource(
    db: &Db,
    actor: &Actor,
    reader: Reader<'_>,
    programme: ProgrammeId,
    day: i64,
    title: &str,
    upload: Upload,
) -> Result<i64, DayError> {
    let event = db.programme_event(programme, day).await?.ok_or(DayError::NoSuchDay(day))?;
    if !adds(reader, &event) {
        return Err(DayError::NoSuchDay(day));
    }
    let title = resources::check_title(title);
    let new = match upload {
        Upload::Link(l) if l.trim().is_empty() => return Err(ResourceError::Nothing.into()),
        Upload::Link(l) => NewResource::Link { link: resources::check_link(&l)?, title: title? },
        Upload::File { name, content } => {
            let kind = resources::check_file(&name, &content)?;
            NewResource::File {
                title: title?,
                name: resources::file_name(&name),
                media_type: kind.media_type().to_owned(),
                content,
            }
        }
    };
    Ok(db.add_day_resource(actor, programme, day, &new).await?)
}

/// Removes a resource from a day; `false` when the day has no such resource.
pub async fn remove_resource(
    db: &Db,
    actor: &Actor,
    reader: Reader<'_>,
    programme: ProgrammeId,
    day: i64,
    resource: i64,
) -> Result<bool, DayError> {
    let event = db.programme_event(programme, day).await?.ok_or(DayError::NoSuchDay(day))?;
    if !adds(reader, &event) {
        return Err(DayError::NoSuchDay(day));
    }
    Ok(db.remove_day_resource(actor, programme, day, resource).await?)
}

/// A file to download.
#[derive(Debug, Clone)]
pub struct FileOut {
    pub name: String,
    pub kind: FileType,
    pub content: Vec<u8>,
}

/// A day's file, if the reader may open it; `None` for no such file and for a file the reader
/// may not see yet (the same to them).
pub async fn open_file(
    db: &Db,
    reader: Reader<'_>,
    programme: ProgrammeId,
    day: i64,
    resource: i64,
    today: NaiveDate,
) -> Result<Option<FileOut>, DayError> {
    let Some(event) = db.programme_event(programme, day).await? else { return Ok(None) };
    let schools = network_schools(db, programme, event.network).await?;
    if !shared(reader, &event, &schools, today) {
        return Ok(None);
    }
    let Some((r, content)) = db.day_resource_file(programme, day, resource).await? else { return Ok(None) };
    let aspire_store::ResourceBody::File { name, media_type, .. } = r.body else { return Ok(None) };
    let kind = FileType::from_media_type(&media_type)
        .ok_or_else(|| StoreError::Schema(format!("'{media_type}' is not a type a day may carry")))?;
    Ok(Some(FileOut { name, kind, content }))
}

/// A held day's resources as the network's page lists them.
#[derive(Debug, Clone)]
pub struct HeldResource {
    pub day: i64,
    pub date: NaiveDate,
    pub resource: DayResource,
}

/// The resources of a network's days the reader may open: the team and the adviser see every
/// day's, the network's schools those of days held by `today`.
pub async fn network_resources(
    db: &Db,
    reader: Reader<'_>,
    programme: ProgrammeId,
    network: NetworkId,
    today: NaiveDate,
) -> Result<Vec<HeldResource>, DayError> {
    let everything = match reader {
        Reader::Everything => true,
        Reader::Person(p) => resources::may_add(p, programme, network),
    };
    // The same rule as a day's page: a day held by today is shared with the network's schools.
    let schools = network_schools(db, programme, network).await?;
    let shared = match reader {
        Reader::Everything => true,
        Reader::Person(p) => resources::shared_with(p, programme, network, &schools, today, today),
    };
    if !shared {
        return Ok(Vec::new());
    }
    let until = if everything { None } else { Some(today) };
    Ok(db
        .network_resources(programme, network, until)
        .await?
        .into_iter()
        .map(|(date, resource)| HeldResource { day: resource.day, date, resource })
        .collect())
}
