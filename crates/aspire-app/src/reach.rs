//! Whole-school reach as the school records it and as the days' rolls show it: a member of the
//! staff list linked to the person with an account they are is reached in a term when a day's
//! roll marks them present or late (at a Network Day, or in a Development Day session by the
//! day's kind); the school ticks the rest (colleagues coached, staff at a session without an
//! account). The school's figure, and its network's and the programme's sums, count both.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use aspire_core::access::Visible;
use aspire_core::people::{NetworkId, PersonId, ProgrammeId};
use aspire_core::reach::{ReachTotal, ReachedBy, StaffMember, TermReach, reach, same_name, staff_role_of};
use aspire_core::schedule;
use aspire_core::template::{Template, Term, Venue};
use aspire_core::urn::Urn;
use aspire_store::{Actor, Db, StaffOf, StaffRecord};

use crate::programme_year::{PlanError, template_of, term_months};
use crate::school_year::YearError;

/// How a day's kind reaches those who came: a day held in one school is a Development Day
/// session; every other day is training off site.
fn reached_at(template: &Template, kind: &str) -> ReachedBy {
    match template.events.iter().find(|k| k.key == kind).map(|k| k.venue) {
        Some(Venue::School) => ReachedBy::DevelopmentDay,
        _ => ReachedBy::NetworkDay,
    }
}

/// A member of staff reached in a term because a day's roll marks them present or late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromRoll {
    pub staff: i64,
    pub urn: Urn,
    pub term: Term,
    pub how: ReachedBy,
    /// The first such day of the term, as the reach form names it.
    pub day: String,
    pub held_on: NaiveDate,
}

/// Who the days' rolls say was reached (staff linked to an account), once per member, term and
/// way, with the first day that says so.
pub async fn from_rolls(db: &Db, programme: ProgrammeId, of: StaffOf) -> Result<Vec<FromRoll>, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in db.roll_reach(programme, of).await? {
        let how = reached_at(&template, &r.kind);
        if seen.insert((r.staff, r.term, how)) {
            let day = template.events.iter().find(|k| k.key == r.kind).map_or(r.kind.clone(), |k| k.name.clone());
            out.push(FromRoll { staff: r.staff, urn: r.urn, term: r.term, how, day, held_on: r.held_on });
        }
    }
    Ok(out)
}

/// The terms of a network's year (the programme's start date when the network has none), with
/// the months each covers.
fn year_terms(template: &Template, starts: Option<NaiveDate>) -> BTreeMap<Term, (NaiveDate, NaiveDate)> {
    let Some(starts) = starts else { return BTreeMap::new() };
    let terms = schedule::network_terms(starts, 3 * usize::try_from(template.years).unwrap_or(1));
    terms.into_iter().map(|t| (t, term_months(t))).collect()
}

/// The school's own record of reach as it counts: for a member of staff linked to their account,
/// training at a Network Day is the rolls' to say (a Network Day has a roll of who had a place),
/// so a tick of it by hand does not count; coaching and Development Day sessions (which staff
/// may join without a place) stay the school's to record.
fn own_records(staff: &[StaffRecord], records: Vec<(i64, Term, ReachedBy)>) -> Vec<(i64, Term, ReachedBy)> {
    let linked: BTreeSet<i64> = staff.iter().filter(|s| s.person.is_some()).map(|s| s.id).collect();
    records.into_iter().filter(|(id, _, how)| !(*how == ReachedBy::NetworkDay && linked.contains(id))).collect()
}

fn members(staff: &[StaffRecord]) -> Vec<StaffMember> {
    staff.iter().map(|s| StaffMember { id: s.id, role: s.role, left_on: s.left_on, joined_on: s.joined_on }).collect()
}

/// A school's whole-school reach per term of its network's year: the share of its staff
/// reached, and how, from its record and the days' rolls.
pub async fn school_reach(db: &Db, programme: ProgrammeId, urn: Urn) -> Result<BTreeMap<Term, TermReach>, PlanError> {
    Ok(school_reach_in_full(db, programme, urn).await?.terms)
}

/// A school's reach with what it was counted from, read once: its staff list, the school's own
/// record (as stored) and what the days' rolls say, for the page that shows and edits them.
#[derive(Debug, Clone)]
pub struct SchoolReach {
    pub terms: BTreeMap<Term, TermReach>,
    pub staff: Vec<StaffRecord>,
    pub recorded: Vec<(i64, Term, ReachedBy)>,
    pub rolls: Vec<FromRoll>,
}

pub async fn school_reach_in_full(db: &Db, programme: ProgrammeId, urn: Urn) -> Result<SchoolReach, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let network = db.enrolment(programme, urn).await?.and_then(|e| e.network);
    let starts = match network {
        Some(n) => db.network_starts(programme).await?.get(&n).copied().or(p.starts_on),
        None => p.starts_on,
    };
    let terms = year_terms(&template, starts);
    let staff = db.staff_members(urn).await?;
    let recorded = db.reach_records(programme, urn).await?;
    let rolls = from_rolls(db, programme, StaffOf::School(urn)).await?;
    let mut reached = own_records(&staff, recorded.clone());
    reached.extend(rolls.iter().map(|r| (r.staff, r.term, r.how)));
    Ok(SchoolReach { terms: reach(&members(&staff), &reached, &terms), staff, recorded, rolls })
}

/// Reach across a programme's schools in networks that the reader sees: each school's, and
/// their sums per network and for the programme, term by term.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeReach {
    pub schools: BTreeMap<Urn, (NetworkId, BTreeMap<Term, TermReach>)>,
    pub networks: BTreeMap<NetworkId, BTreeMap<Term, ReachTotal>>,
    pub programme: BTreeMap<Term, ReachTotal>,
}

/// Reach of every school of the programme in a network, within `visible`, read in four
/// queries whatever the programme's size.
pub async fn programme_reach(db: &Db, programme: ProgrammeId, visible: &Visible) -> Result<ProgrammeReach, PlanError> {
    let p = db.programme(programme).await?.ok_or(PlanError::NoSuchProgramme(programme))?;
    let template = template_of(&p)?;
    let schools: BTreeMap<Urn, NetworkId> =
        db.enrolments(programme, visible).await?.into_iter().filter_map(|e| e.network.map(|n| (e.urn, n))).collect();
    let starts = db.network_starts(programme).await?;
    let mut staff: BTreeMap<Urn, Vec<StaffRecord>> = BTreeMap::new();
    for s in db.staff_of(StaffOf::Programme(programme)).await? {
        staff.entry(s.urn).or_default().push(s);
    }
    let mut reached: BTreeMap<Urn, Vec<(i64, Term, ReachedBy)>> = BTreeMap::new();
    for (u, id, t, how) in db.reach_records_of(programme, StaffOf::Programme(programme)).await? {
        reached.entry(u).or_default().push((id, t, how));
    }
    for (u, records) in reached.iter_mut() {
        *records = own_records(staff.get(u).map_or(&[][..], |s| s.as_slice()), std::mem::take(records));
    }
    for r in from_rolls(db, programme, StaffOf::Programme(programme)).await? {
        reached.entry(r.urn).or_default().push((r.staff, r.term, r.how));
    }
    let mut out = ProgrammeReach::default();
    let mut terms_of: BTreeMap<NetworkId, BTreeMap<Term, (NaiveDate, NaiveDate)>> = BTreeMap::new();
    for (urn, network) in schools {
        let terms = terms_of
            .entry(network)
            .or_insert_with(|| year_terms(&template, starts.get(&network).copied().or(p.starts_on)));
        let of_school = reach(
            &members(staff.get(&urn).map_or(&[][..], |s| s.as_slice())),
            reached.get(&urn).map_or(&[][..], |r| r.as_slice()),
            terms,
        );
        for (t, r) in &of_school {
            out.networks.entry(network).or_default().entry(*t).or_default().add(r);
            out.programme.entry(*t).or_default().add(r);
        }
        out.schools.insert(urn, (network, of_school));
    }
    Ok(out)
}

/// The school's people with an account, for linking to the staff list: those who may hold a
/// seat (not governors), by name.
async fn account_holders(
    db: &Db,
    urn: Urn,
) -> Result<Vec<(PersonId, String, Vec<aspire_core::people::Role>)>, YearError> {
    Ok(db
        .school_people(urn)
        .await?
        .into_iter()
        .filter(|p| !p.disabled)
        .map(|p| {
            let roles: Vec<aspire_core::people::Role> = p
                .grants
                .iter()
                .filter(|g| g.grant.scope == aspire_core::people::Scope::School(urn))
                .map(|g| g.grant.role)
                .collect();
            (p.id, p.name, roles)
        })
        .filter(|(_, _, roles)| staff_role_of(roles).is_some())
        .collect())
}

/// The school's people with an account who are not on its staff list, by name: the roll of a
/// day they go to cannot count them until they are.
pub async fn not_on_the_list(db: &Db, urn: Urn) -> Result<Vec<(PersonId, String)>, YearError> {
    let linked: BTreeSet<PersonId> = db.staff_members(urn).await?.iter().filter_map(|s| s.person).collect();
    Ok(account_holders(db, urn)
        .await?
        .into_iter()
        .filter(|(p, _, _)| !linked.contains(p))
        .map(|(p, n, _)| (p, n))
        .collect())
}

/// Puts the school's people with an account on its staff list, linked to their accounts: one
/// already listed by the same name (and not linked) is linked; the rest are added, leaders as
/// leaders and everyone else as a teacher. Returns (linked, added).
pub async fn list_account_holders(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
) -> Result<(usize, usize), YearError> {
    db.enrolment(programme, urn).await?.ok_or(YearError::NotInProgramme(urn))?;
    let staff = db.staff_members(urn).await?;
    let linked: BTreeSet<PersonId> = staff.iter().filter_map(|s| s.person).collect();
    let mut unlinked: BTreeMap<String, Vec<(i64, Option<PersonId>)>> = BTreeMap::new();
    for s in staff.iter().filter(|s| s.person.is_none() && s.left_on.is_none()) {
        unlinked.entry(same_name(&s.name)).or_default().push((s.id, s.not_person));
    }
    let mut to_add = Vec::new();
    let mut links = Vec::new();
    for (person, name, roles) in account_holders(db, urn).await? {
        if linked.contains(&person) {
            continue;
        }
        // Rows of that name the school has not said are someone else.
        let rows: Vec<i64> = unlinked
            .get(&same_name(&name))
            .into_iter()
            .flatten()
            .filter(|(_, not)| *not != Some(person))
            .map(|(id, _)| *id)
            .collect();
        match rows.as_slice() {
            // One row of that name: it is them. Two: the school tells them apart by hand.
            [one] => links.push((*one, person)),
            [] => to_add.extend(staff_role_of(&roles).map(|r| (name, r, Some(person)))),
            _ => {}
        }
    }
    for (staff, person) in &links {
        db.link_staff_person(actor, urn, *staff, Some(*person)).await?;
    }
    if !to_add.is_empty() {
        db.add_staff_members(actor, urn, &to_add, None).await?;
    }
    Ok((links.len(), to_add.len()))
}

/// Links a member of the staff list to one of the school's people with an account (or takes the
/// link away, `None`): their marks on the days' rolls then count for reach.
pub async fn link_staff(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    staff: i64,
    person: Option<PersonId>,
) -> Result<(), YearError> {
    db.enrolment(programme, urn).await?.ok_or(YearError::NotInProgramme(urn))?;
    db.staff_members(urn).await?.iter().find(|s| s.id == staff).ok_or(YearError::NoSuchStaff(staff))?;
    if let Some(p) = person
        && !account_holders(db, urn).await?.iter().any(|(id, _, _)| *id == p)
    {
        return Err(YearError::NotOfTheSchool);
    }
    Ok(db.link_staff_person(actor, urn, staff, person).await?)
}

/// Sets the school's record of who was reached in a term and how. What the days' rolls say is
/// theirs, not the school's: it is counted whatever the form holds, and not stored again, so
/// that correcting a roll corrects reach; nor is a Network Day ticked for staff linked to their
/// accounts (`own_records`).
pub async fn set_term_reach(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    urn: Urn,
    term: Term,
    reached: &[(i64, ReachedBy)],
) -> Result<usize, YearError> {
    db.enrolment(programme, urn).await?.ok_or(YearError::NotInProgramme(urn))?;
    let rolls: BTreeSet<(i64, ReachedBy)> = from_rolls(db, programme, StaffOf::School(urn))
        .await?
        .into_iter()
        .filter(|r| r.term == term)
        .map(|r| (r.staff, r.how))
        .collect();
    let listed = db.staff_members(urn).await?;
    let linked: BTreeSet<i64> = listed.iter().filter(|s| s.person.is_some()).map(|s| s.id).collect();
    let own: Vec<(i64, ReachedBy)> = reached
        .iter()
        .copied()
        .filter(|r| !(rolls.contains(r) || r.1 == ReachedBy::NetworkDay && linked.contains(&r.0)))
        .collect();
    Ok(db.set_term_reach(actor, programme, urn, term, &own).await?)
}
