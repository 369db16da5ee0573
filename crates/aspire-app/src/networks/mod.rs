//! Forming a programme's networks: the schools taking part (enrolled or completed) are put into
//! networks of the template's size, as close together as possible, keeping the networks that
//! are locked, published or have days planned; the new networks are named after their venue's local authority and
//! saved in place of the old unlocked ones. And giving the networks their Achievement Advisers.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use aspire_core::access::Visible;
use aspire_core::networks::{self as core, Adviser, Formation, NetworkError, Options, School};
use aspire_core::people::{NetworkId, ProgrammeId};
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, FormedNetwork, PlacedSchool, Programme, ProgrammeError, StoreError};

mod advisers;
pub use advisers::*;

/// What networks may not cross.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Boundary {
    /// Nothing: the nearest schools, wherever they are.
    #[default]
    None,
    /// The local authority: a network's schools share one LA.
    La,
    /// The region.
    Region,
}

impl Boundary {
    /// "none" (or nothing), "la" or "region", in any case.
    pub fn parse(text: &str) -> Result<Boundary, FormError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(Boundary::None),
            "la" => Ok(Boundary::La),
            "region" => Ok(Boundary::Region),
            _ => Err(FormError::Boundary(text.trim().to_owned())),
        }
    }

    /// The boundary key of a school: a school without an LA (or region) in the register is
    /// kept apart with the others that lack one, never merged into a neighbour's.
    fn key(self, s: &PlacedSchool) -> Option<String> {
        match self {
            Boundary::None => None,
            Boundary::La => Some(s.la_name.clone().unwrap_or_default()),
            Boundary::Region => Some(s.region.clone().unwrap_or_default()),
        }
    }
}

/// How to form a programme's networks. `Default` is what the programme team's "Form networks"
/// asks for: the template's size, no boundary, the default search.
#[derive(Debug, Clone, Default)]
pub struct FormRequest {
    pub within: Boundary,
    /// Target size; `None` takes the programme template's (4 without a template).
    pub size: Option<usize>,
    pub seed: Option<u64>,
    pub time_limit: Option<Duration>,
    pub must_link: Vec<(Urn, Urn)>,
    pub cannot_link: Vec<(Urn, Urn)>,
    pub max_distance_km: Option<f64>,
    /// Networks agreed outside Aspire, kept as they are (beside the locked, published and planned ones).
    pub fixed: Vec<Vec<Urn>>,
    /// Achievement Advisers to give each network to (the command line's `--advisers`).
    pub advisers: Vec<Adviser>,
}

/// Networks formed for a programme, not yet saved.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub programme: Programme,
    /// The target size used.
    pub size: usize,
    /// The schools given to the optimiser (those with coordinates).
    pub schools: Vec<School>,
    /// Every network, the kept ones marked `fixed`, in the optimiser's order.
    pub formation: Formation,
    /// The new networks with their names, as they would be saved.
    pub formed: Vec<FormedNetwork>,
    /// How many locked, published or planned networks are kept.
    pub kept: usize,
    /// Schools taking part that cannot be placed: no coordinates in the register.
    pub not_placed: Vec<Urn>,
}

/// Why networks cannot be formed. Nothing has been changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("there is no programme {0}")]
    NoProgramme(ProgrammeId),
    #[error("no school is enrolled in the programme yet: enrol schools before forming networks")]
    NoSchools,
    #[error(
        "none of the schools to group has coordinates in the register ({}): import a GIAS extract with their location",
        list(.0)
    )]
    NoCoordinates(Vec<Urn>),
    #[error("'{0}' is not a boundary: choose none, la or region")]
    Boundary(String),
    #[error("networks cannot be formed: {0}")]
    Formation(#[from] NetworkError),
    #[error("the networks cannot be saved: {0}")]
    Save(ProgrammeError),
    #[error(
        "the schools taking part or the networks kept have changed since these networks were proposed: form the networks again to see the new proposal"
    )]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(urns: &[Urn]) -> String {
    urns.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The network size a programme's template asks for (4 without one).
pub fn template_size(programme: &Programme) -> usize {
    programme.template.as_deref().and_then(|t| aspire_import::load_template(t).ok()).map_or(4, |t| t.networks.size)
}

/// Forms networks for the schools taking part in `programme` outside its locked, published and planned
/// networks, and names the new ones; saves nothing.
pub async fn propose(db: &Db, programme: ProgrammeId, req: &FormRequest) -> Result<Proposal, FormError> {
    let found = db.programme(programme).await?.ok_or(FormError::NoProgramme(programme))?;
    let size = req.size.unwrap_or_else(|| template_size(&found));
    let networks = db.networks(programme, &Visible::everything()).await?;
    let kept: Vec<&aspire_store::Network> = networks.iter().filter(|n| n.kept()).collect();
    let kept_ids: BTreeSet<NetworkId> = kept.iter().map(|n| n.id).collect();
    // The team forms the whole programme: every school taking part is grouped.
    let placed = db.taking_part(programme, &Visible::everything()).await?;
    if placed.is_empty() {
        return Err(FormError::NoSchools);
    }
    let in_kept = |s: &PlacedSchool| s.network.is_some_and(|n| kept_ids.contains(&n));
    // Schools of kept networks stay where they are, with or without coordinates; the others
    // without coordinates are left out and named, so that no one is dropped silently.
    let to_place: Vec<&PlacedSchool> = placed.iter().filter(|s| !in_kept(s)).collect();
    let not_placed: Vec<Urn> = to_place.iter().filter(|s| s.location().is_none()).map(|s| s.urn).collect();
    if !to_place.is_empty() && not_placed.len() == to_place.len() {
        return Err(FormError::NoCoordinates(not_placed));
    }
    let schools: Vec<School> = placed
        .iter()
        .filter(|s| s.location().is_some())
        .map(|s| School { urn: s.urn, location: s.location(), boundary: req.within.key(s) })
        .collect();
    let mut fixed: Vec<Vec<Urn>> = kept
        .iter()
        .map(|k| placed.iter().filter(|s| s.network == Some(k.id) && s.location().is_some()).map(|s| s.urn).collect())
        .filter(|m: &Vec<Urn>| !m.is_empty())
        .collect();
    fixed.extend(req.fixed.iter().cloned());
    let options = Options {
        size,
        within: req.within != Boundary::None,
        must_link: req.must_link.clone(),
        cannot_link: req.cannot_link.clone(),
        max_distance_km: req.max_distance_km,
        fixed,
        seed: req.seed.unwrap_or(Options::default().seed),
        time_limit: req.time_limit,
        advisers: req.advisers.clone(),
    };
    let input = schools.clone();
    // The search takes up to tens of seconds of every core: off the async threads.
    let formation = tokio::task::spawn_blocking(move || core::form(&input, &options))
        .await
        .map_err(|e| FormError::Formation(NetworkError::Conflict(format!("the optimiser stopped: {e}"))))??;
    let la: HashMap<Urn, String> = placed.iter().filter_map(|s| Some((s.urn, s.la_name.clone()?))).collect();
    let new: Vec<&core::Network> = formation.networks.iter().filter(|n| !n.fixed).collect();
    let bases: Vec<String> =
        new.iter().map(|n| la.get(&n.venue).cloned().unwrap_or_else(|| "Network".into())).collect();
    let kept_names: Vec<String> = kept.iter().map(|k| k.name.clone()).collect();
    let formed = new
        .iter()
        .zip(core::network_names(&bases, &kept_names))
        .map(|(n, name)| FormedNetwork { name, venue: Some(n.venue), members: n.members.clone() })
        .collect();
    Ok(Proposal { programme: found, size, schools, formation, formed, kept: kept.len(), not_placed })
}

/// Saves a proposal as the programme's networks (see [`Db::save_formation`]: unchanged networks
/// keep their number, roles in networks whose members change end).
pub async fn save(db: &Db, actor: &Actor, proposal: &Proposal) -> Result<Vec<NetworkId>, FormError> {
    db.save_formation(actor, proposal.programme.id, &proposal.formed).await.map_err(FormError::Save)
}

/// Saves networks exactly as they were proposed and shown (the search is timed, so running it
/// again could give others than the team confirmed). Refused, changing nothing, when the
/// programme has changed since: they must still group exactly the schools to place, around
/// the same locked, published and planned networks.
pub async fn save_confirmed(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    formed: &[FormedNetwork],
) -> Result<Vec<NetworkId>, FormError> {
    db.programme(programme).await?.ok_or(FormError::NoProgramme(programme))?;
    let networks = db.networks(programme, &Visible::everything()).await?;
    let kept: BTreeSet<NetworkId> = networks.iter().filter(|n| n.kept()).map(|n| n.id).collect();
    let kept_names: BTreeSet<&str> =
        networks.iter().filter(|n| kept.contains(&n.id)).map(|n| n.name.as_str()).collect();
    let placed = db.taking_part(programme, &Visible::everything()).await?;
    let to_place: BTreeSet<Urn> = placed
        .iter()
        .filter(|s| !s.network.is_some_and(|n| kept.contains(&n)) && s.location().is_some())
        .map(|s| s.urn)
        .collect();
    let mut given = BTreeSet::new();
    let whole = formed.iter().flat_map(|n| &n.members).all(|u| given.insert(*u));
    let venues_inside = formed.iter().all(|n| n.venue.is_none_or(|v| n.members.contains(&v)));
    // The names came back through a form: each one, once, of a sensible length, not a kept one's.
    let mut names = BTreeSet::new();
    let names_fine = formed.iter().all(|n| {
        let name = n.name.trim();
        !name.is_empty() && name.chars().count() <= 200 && !kept_names.contains(name) && names.insert(name)
    });
    if !whole || given != to_place || !venues_inside || !names_fine {
        return Err(FormError::Changed);
    }
    db.save_formation(actor, programme, formed).await.map_err(FormError::Save)
}

/// Forms and saves in one step: what "Form networks" on the programme's networks page does.
pub async fn form(db: &Db, actor: &Actor, programme: ProgrammeId, req: &FormRequest) -> Result<Proposal, FormError> {
    let proposal = propose(db, programme, req).await?;
    save(db, actor, &proposal).await?;
    Ok(proposal)
}

/// What saving a proposal would do to a network the programme has now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkChange {
    pub id: NetworkId,
    pub name: String,
    /// Its name afterwards; `None` when it would be removed.
    pub new_name: Option<String>,
    /// Whether its schools would change (a role held there then ends).
    pub schools_change: bool,
    /// The people whose role in it would end.
    pub roles_ending: Vec<String>,
}

impl NetworkChange {
    /// Whether saving leaves this network exactly as it is.
    pub fn unchanged(&self) -> bool {
        self.new_name.as_deref() == Some(self.name.as_str()) && !self.schools_change
    }
}

/// Every network that is neither locked nor published, and what saving `proposal` would do to
/// it (the same matching [`Db::save_formation`] applies), so that the team can see it first
/// and lock the ones to keep.
pub async fn changes(db: &Db, proposal: &Proposal) -> Result<Vec<NetworkChange>, FormError> {
    let programme = proposal.programme.id;
    let reusable: Vec<aspire_store::Network> =
        db.networks(programme, &Visible::everything()).await?.into_iter().filter(|n| !n.kept()).collect();
    if reusable.is_empty() {
        return Ok(Vec::new());
    }
    let placed = db.taking_part(programme, &Visible::everything()).await?;
    let old: Vec<BTreeSet<Urn>> =
        reusable.iter().map(|n| placed.iter().filter(|s| s.network == Some(n.id)).map(|s| s.urn).collect()).collect();
    let members: Vec<Vec<Urn>> = proposal.formed.iter().map(|f| f.members.clone()).collect();
    let place = core::replacement(&old, &members);
    // Who holds a role in each network.
    let mut holders: HashMap<NetworkId, Vec<String>> = HashMap::new();
    for person in db.people(&Visible::everything(), None).await? {
        for g in &person.grants {
            if let aspire_core::people::Scope::Network { network, .. } = g.grant.scope {
                holders.entry(network).or_default().push(format!("{} ({})", person.name, g.grant.role.label()));
            }
        }
    }
    Ok(reusable
        .iter()
        .enumerate()
        .map(|(j, n)| {
            let formed = place.iter().position(|p| *p == Some(j)).map(|i| &proposal.formed[i]);
            let schools_change = formed.is_none_or(|f| f.members.iter().copied().collect::<BTreeSet<_>>() != old[j]);
            NetworkChange {
                id: n.id,
                name: n.name.clone(),
                new_name: formed.map(|f| f.name.clone()),
                schools_change,
                roles_ending: if schools_change { holders.remove(&n.id).unwrap_or_default() } else { Vec::new() },
            }
        })
        .collect())
}
