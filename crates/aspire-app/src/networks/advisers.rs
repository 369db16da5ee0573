//! Giving a programme's networks their Achievement Advisers. Each adviser is placed by a
//! postcode district ("BD21": the mean of the positions of the register's schools in it) or by a
//! school (its URN), never by typed coordinates; the networks go to the advisers at least total
//! distance from their homes to the networks' venues, within each adviser's capacity. When the
//! advisers cannot take every network between them, as many networks as they can take are
//! assigned (still at least total distance) and the rest are left without an adviser.

use aspire_core::access::Visible;
use aspire_core::geo::{LatLon, haversine_km};
use aspire_core::networks as core;
use aspire_core::people::{Email, NetworkId, PersonId, ProgrammeId};
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, PlacedSchool, ProgrammeError, StoreError};

/// An adviser's line of the form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdviserRow {
    pub email: String,
    /// How many networks they can take.
    pub capacity: String,
    /// A postcode district or a school's URN.
    pub home: String,
}

impl AdviserRow {
    pub fn new(email: &str, capacity: &str, home: &str) -> AdviserRow {
        AdviserRow { email: email.to_owned(), capacity: capacity.to_owned(), home: home.to_owned() }
    }

    fn is_blank(&self) -> bool {
        self.email.trim().is_empty() && self.capacity.trim().is_empty() && self.home.trim().is_empty()
    }
}

/// Where an adviser sets out from, as they may say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// A postcode district (the outward code: "BD21", "SW1A").
    District(String),
    /// A school in the register.
    School(Urn),
}

impl Home {
    /// Six digits are a URN; a postcode district, or a whole postcode (whose district is
    /// taken), is letters then a digit ("BD21", "bd21 1ab").
    pub fn parse(text: &str) -> Result<Home, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("Enter a postcode district (such as BD21) or a school's URN".into());
        }
        if t.chars().all(|c| c.is_ascii_digit()) {
            return Urn::parse(t).map(Home::School).map_err(|_| format!("'{t}' is not a URN: a URN has six digits"));
        }
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let outward = match t.split_whitespace().count() {
            1 if compact.len() >= 5 && compact.len() <= 7 && is_inward(&compact[compact.len() - 3..]) => {
                compact[..compact.len() - 3].to_owned()
            }
            1 => compact,
            2 => t.split_whitespace().next().unwrap_or_default().to_ascii_uppercase(),
            _ => String::new(),
        };
        if is_outward(&outward) {
            Ok(Home::District(outward))
        } else {
            Err(format!("'{t}' is not a postcode district (such as BD21) or a URN"))
        }
    }
}

/// An inward code: a digit and two letters.
fn is_inward(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
}

/// An outward code: one or two letters, a digit, then at most one letter or digit.
fn is_outward(s: &str) -> bool {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &b[letters..];
    (1..=2).contains(&letters)
        && !rest.is_empty()
        && rest.len() <= 2
        && rest[0].is_ascii_digit()
        && rest.get(1).is_none_or(|c| c.is_ascii_alphanumeric())
}

/// The field of a row a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdviserField {
    Email,
    Capacity,
    Home,
}

/// One problem: with a row's field (rows counted from 1 as the form shows them), or with the
/// list as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviserProblem {
    pub row: Option<(usize, AdviserField)>,
    pub message: String,
}

/// Why advisers cannot be assigned. Nothing has been changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// Every problem with the rows and the programme's networks, to show at once.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
    Problems(Vec<AdviserProblem>),
    /// Networks that have an adviser would lose theirs or pass to another: said, and nothing
    /// changed, until the change is confirmed.
    #[error("{} network{} would change adviser: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.iter().map(AdviserChange::said).collect::<Vec<_>>().join("; "))]
    Unconfirmed(Vec<AdviserChange>),
    #[error("{0}")]
    Save(ProgrammeError),
    #[error("{0}")]
    Plan(#[from] crate::programme_year::PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A network whose Achievement Adviser an assignment would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviserChange {
    pub network: String,
    /// The adviser it has now.
    pub from: String,
    /// The adviser it would have; `None`: none, the advisers' capacity having run short.
    pub to: Option<String>,
}

impl AdviserChange {
    /// In plain words: "Guildford North passes from Alex Adviser to Sam Smith".
    pub fn said(&self) -> String {
        match &self.to {
            Some(to) => format!("{} passes from {} to {to}", self.network, self.from),
            None => format!("{} loses {} and has no adviser", self.network, self.from),
        }
    }
}

/// Where an adviser was placed, and how that was found.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedAdviser {
    pub row: usize,
    pub person: PersonId,
    pub home: LatLon,
    /// "BD21: the mean position of 6 schools in the register" or the school's name.
    pub basis: String,
}

/// What was assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub pairs: Vec<(NetworkId, PersonId)>,
    /// The networks left without an adviser because the advisers' capacity ran short.
    pub unassigned: Vec<NetworkId>,
    pub advisers: Vec<PlacedAdviser>,
    /// Days already planned, from today on, that passed to a network's new adviser (or to none).
    pub days_handed: u64,
    /// Each date an adviser now leads two days, in plain words (see `adviser_clashes`).
    pub clashes: Vec<String>,
}

/// The networks to give advisers to: those of the programme with schools.
pub async fn networks_to_advise(db: &Db, programme: ProgrammeId) -> Result<Vec<aspire_store::Network>, StoreError> {
    Ok(db.networks(programme, &Visible::everything()).await?.into_iter().filter(|n| n.schools > 0).collect())
}

/// Gives each of the programme's networks with schools an Achievement Adviser from `rows`
/// (blank rows ignored), in place of the advisers it had: as many networks as the advisers can
/// take, at least total distance from their homes to the venues. Every problem with every row
/// is found before anything is written. Unless `confirmed`, an assignment that takes a network
/// from the adviser it has is refused with the networks it changes
/// ([`AssignError::Unconfirmed`]), so that giving one adviser never silently ends the others'.
pub async fn assign_advisers(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    rows: &[AdviserRow],
    confirmed: bool,
) -> Result<Assignment, AssignError> {
    let mut problems = Vec::new();
    let at = |row: usize, field: AdviserField, message: String| AdviserProblem { row: Some((row, field)), message };
    let mut advisers: Vec<(PlacedAdviser, usize)> = Vec::new();
    // An adviser supports the programme's schools from outside them: never a member of one's staff.
    let schools: std::collections::BTreeSet<Urn> =
        db.enrolments(programme, &Visible::everything()).await?.into_iter().map(|e| e.urn).collect();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let row = i + 1;
        let person = match Email::parse(r.email.trim()) {
            Err(_) if r.email.trim().is_empty() => {
                problems.push(at(row, AdviserField::Email, format!("Adviser {row}: enter their email address")));
                None
            }
            Err(_) => {
                problems.push(at(
                    row,
                    AdviserField::Email,
                    format!("Adviser {row}: '{}' is not an email address", r.email.trim()),
                ));
                None
            }
            Ok(email) => match db.person_by_email(&email).await? {
                Some(p) => {
                    let inside = p.grants.iter().find(|g| {
                        g.grant.role.is_school_role()
                            && matches!(g.grant.scope, aspire_core::people::Scope::School(u) if schools.contains(&u))
                    });
                    match inside {
                        Some(g) => {
                            problems.push(at(
                                row,
                                AdviserField::Email,
                                format!(
                                    "Adviser {row}: {} holds a role at a school of this programme ({}, {}): an Achievement Adviser supports the schools from outside them, so choose someone else",
                                    p.name,
                                    g.grant.role.label().to_lowercase(),
                                    g.place
                                ),
                            ));
                            None
                        }
                        None => Some(p.id),
                    }
                }
                None => {
                    problems.push(at(
                        row,
                        AdviserField::Email,
                        format!("Adviser {row}: no one has the address {email}: invite them on the People page first"),
                    ));
                    None
                }
            },
        };
        let capacity = match r.capacity.trim().parse::<usize>() {
            Ok(c) if (1..=50).contains(&c) => Some(c),
            _ => {
                problems.push(at(
                    row,
                    AdviserField::Capacity,
                    format!("Adviser {row}: the networks they can take must be a whole number from 1 to 50"),
                ));
                None
            }
        };
        let home = match Home::parse(&r.home) {
            Err(why) => {
                problems.push(at(row, AdviserField::Home, format!("Adviser {row}: {}", lower_first(&why))));
                None
            }
            Ok(Home::District(d)) => match db.postcode_district_position(&d).await? {
                Some((p, n)) => Some((
                    p,
                    format!(
                        "{d}: the mean position of the {n} school{} in the register there",
                        if n == 1 { "" } else { "s" }
                    ),
                )),
                None => {
                    problems.push(at(
                        row,
                        AdviserField::Home,
                        format!("Adviser {row}: no school in the register has a postcode in {d}: give a nearby district or a school's URN"),
                    ));
                    None
                }
            },
            Ok(Home::School(urn)) => match db.school_position(urn).await? {
                Some((name, Some(p))) => Some((p, name.unwrap_or_else(|| format!("URN {urn}")))),
                Some((_, None)) => {
                    problems.push(at(
                        row,
                        AdviserField::Home,
                        format!(
                            "Adviser {row}: school {urn} has no position in the register: give a postcode district"
                        ),
                    ));
                    None
                }
                None => {
                    problems.push(at(
                        row,
                        AdviserField::Home,
                        format!("Adviser {row}: there is no school {urn} in the register"),
                    ));
                    None
                }
            },
        };
        if let (Some(person), Some(capacity), Some((home, basis))) = (person, capacity, home) {
            advisers.push((PlacedAdviser { row, person, home, basis }, capacity));
        }
    }
    let whole = |message: String| AdviserProblem { row: None, message };
    if rows.iter().all(AdviserRow::is_blank) {
        problems.push(whole(
            "Enter at least one adviser: their email, the networks they can take and where they are".into(),
        ));
    }
    let nets = networks_to_advise(db, programme).await?;
    if nets.is_empty() {
        problems.push(whole("No network has schools yet: form the networks first".into()));
    }
    let schools = db.taking_part(programme, &Visible::everything()).await?;
    let venue = |u: Option<Urn>| u.and_then(|u| schools.iter().find(|s| s.urn == u)).and_then(PlacedSchool::location);
    let mut venues: Vec<LatLon> = Vec::new();
    for n in &nets {
        match venue(n.venue) {
            Some(v) => venues.push(v),
            None => problems.push(whole(format!("{} has no venue with coordinates: form the networks first", n.name))),
        }
    }
    if !problems.is_empty() {
        return Err(AssignError::Problems(problems));
    }
    // An adviser who can take c networks is c slots (never more than there are networks).
    let slots: Vec<usize> =
        advisers.iter().enumerate().flat_map(|(i, (_, c))| std::iter::repeat_n(i, (*c).min(nets.len()))).collect();
    let cost: Vec<f64> =
        venues.iter().flat_map(|v| slots.iter().map(|&a| haversine_km(advisers[a].0.home, *v))).collect();
    let chosen = core::partial_assignment(&cost, nets.len(), slots.len())
        .ok_or_else(|| AssignError::Problems(vec![whole("The advisers cannot be assigned".into())]))?;
    let mut pairs = Vec::new();
    let mut unassigned = Vec::new();
    for (n, slot) in nets.iter().zip(chosen) {
        match slot {
            Some(s) => pairs.push((n.id, advisers[slots[s]].0.person)),
            None => unassigned.push(n.id),
        }
    }
    if !confirmed {
        let changes = changes_of(db, programme, &nets, &pairs).await?;
        if !changes.is_empty() {
            return Err(AssignError::Unconfirmed(changes));
        }
    }
    // Days already planned pass to the new advisers from today on; earlier days keep theirs.
    let p = db.programme(programme).await?;
    let led: Vec<String> = p
        .as_ref()
        .and_then(|p| crate::programme_year::template_of(p).ok())
        .map(|t| t.events.into_iter().filter(|e| e.with_adviser).map(|e| e.key).collect())
        .unwrap_or_default();
    let today = aspire_core::ics::england_date(chrono::Utc::now());
    let letters = adviser_letters(db, programme, &nets, &pairs, &led, today).await?;
    let days_handed =
        db.assign_advisers(actor, programme, &pairs, &led, today, &letters).await.map_err(AssignError::Save)?;
    let clashes = crate::programme_year::adviser_clashes(db, programme, today).await?;
    Ok(Assignment { pairs, unassigned, advisers: advisers.into_iter().map(|(a, _)| a).collect(), days_handed, clashes })
}

/// The networks of `nets` whose adviser `pairs` would change, in the order of `nets`: each
/// adviser a network would lose (every one it has, when it has been given two).
async fn changes_of(
    db: &Db,
    programme: ProgrammeId,
    nets: &[aspire_store::Network],
    pairs: &[(NetworkId, PersonId)],
) -> Result<Vec<AdviserChange>, StoreError> {
    // Every adviser a network has: one given besides (an older role) is lost too, and said.
    let now = db.all_network_advisers(programme).await?;
    let name = |id: PersonId| async move {
        Ok::<_, StoreError>(db.person(id).await?.map(|p| p.name).unwrap_or_else(|| format!("person {id}")))
    };
    let mut changes = Vec::new();
    for n in nets {
        let to = pairs.iter().find(|(net, _)| *net == n.id).map(|(_, p)| *p);
        let to_name = match to {
            Some(t) => Some(name(t).await?),
            None => None,
        };
        for &from in now.get(&n.id).into_iter().flatten() {
            if to != Some(from) {
                changes.push(AdviserChange { network: n.name.clone(), from: name(from).await?, to: to_name.clone() });
            }
        }
    }
    Ok(changes)
}

/// A letter to each adviser whose networks change: those they now advise and those they no
/// longer do (with who takes each on), from `from`; an adviser whose networks stay the same is
/// not written to.
async fn adviser_letters(
    db: &Db,
    programme: ProgrammeId,
    nets: &[aspire_store::Network],
    pairs: &[(NetworkId, PersonId)],
    led: &[String],
    from: chrono::NaiveDate,
) -> Result<Vec<aspire_store::Mail>, StoreError> {
    use std::collections::{BTreeMap, BTreeSet};
    let now = db.all_network_advisers(programme).await?;
    // The days of each network that pass with it: planned, from `from` on, of a kind an adviser leads.
    let mut passing: BTreeMap<NetworkId, usize> = BTreeMap::new();
    for e in db.programme_events(programme, &Visible::everything()).await? {
        if e.status == aspire_store::EventStatus::Planned && e.held_on >= from && led.contains(&e.kind) {
            *passing.entry(e.network).or_insert(0) += 1;
        }
    }
    let days = |n: NetworkId| match passing.get(&n).copied().unwrap_or(0) {
        0 => None,
        k => Some(format!("{k} day{}", if k == 1 { "" } else { "s" })),
    };
    let name_of =
        |n: NetworkId| nets.iter().find(|x| x.id == n).map_or_else(|| format!("network {n}"), |x| x.name.clone());
    let mut before: BTreeMap<PersonId, BTreeSet<NetworkId>> = BTreeMap::new();
    for (n, people) in &now {
        for p in people {
            before.entry(*p).or_default().insert(*n);
        }
    }
    let mut after: BTreeMap<PersonId, BTreeSet<NetworkId>> = BTreeMap::new();
    for (n, p) in pairs {
        after.entry(*p).or_default().insert(*n);
    }
    let programme_name = db.programme(programme).await?.map(|p| p.name).unwrap_or_default();
    let everyone: BTreeSet<PersonId> = before.keys().chain(after.keys()).copied().collect();
    let mut out = Vec::new();
    for person in everyone {
        let (had, has) =
            (before.get(&person).cloned().unwrap_or_default(), after.get(&person).cloned().unwrap_or_default());
        let gained: Vec<NetworkId> = has.difference(&had).copied().collect();
        let lost: Vec<NetworkId> = had.difference(&has).copied().collect();
        if gained.is_empty() && lost.is_empty() {
            continue;
        }
        let Some(p) = db.person(person).await? else { continue };
        if p.disabled {
            continue;
        }
        let mut said = Vec::new();
        for n in &gained {
            said.push(match days(*n) {
                Some(k) => format!(
                    "You are now the Achievement Adviser of {}. Its {k} from {} on are yours to lead: they are in \
                     your week, and on your calendar feed.",
                    name_of(*n),
                    aspire_core::dates::long(from)
                ),
                None => format!(
                    "You are now the Achievement Adviser of {}. It has no days planned from {} on yet.",
                    name_of(*n),
                    aspire_core::dates::long(from)
                ),
            });
        }
        for n in &lost {
            let to = pairs.iter().find(|(net, _)| net == n).map(|(_, p)| *p);
            let to = match to {
                Some(t) => db.person(t).await?.map_or_else(|| "another adviser".to_owned(), |x| x.name),
                None => "no adviser yet".to_owned(),
            };
            said.push(match days(*n) {
                Some(k) => format!(
                    "You are no longer the Achievement Adviser of {}: its {k} from {} on pass to {to}. The days you \
                     led before then stay yours, with their rolls.",
                    name_of(*n),
                    aspire_core::dates::long(from)
                ),
                None => format!(
                    "You are no longer the Achievement Adviser of {}, which passes to {to}. It has no days planned \
                     from {} on; the days you led stay yours, with their rolls.",
                    name_of(*n),
                    aspire_core::dates::long(from)
                ),
            });
        }
        out.push(aspire_store::Mail::text(
            p.email.to_string(),
            format!("Your networks in {programme_name} have changed"),
            format!(
                "Dear {},\n\n{}\n\nSign in at {} to see your week.\n",
                p.name,
                said.join("\n\n"),
                aspire_store::SITE_PLACEHOLDER
            ),
        ));
    }
    Ok(out)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_is_a_postcode_district_or_a_urn() {
        assert_eq!(Home::parse("BD21"), Ok(Home::District("BD21".into())));
        assert_eq!(Home::parse(" bd21 1ab "), Ok(Home::District("BD21".into())));
        assert_eq!(Home::parse("SW1A1AA"), Ok(Home::District("SW1A".into())));
        assert_eq!(Home::parse("M1"), Ok(Home::District("M1".into())));
        assert_eq!(Home::parse("107336"), Ok(Home::School(Urn::parse("107336").expect("urn"))));
        for bad in ["", "53.79, -1.75", "12345", "Keighley", "BDX1", "B"] {
            assert!(Home::parse(bad).is_err(), "{bad}");
        }
    }
}
