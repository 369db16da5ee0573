//! Who may do what, where: the one authorisation policy. Every route and every query that lists
//! records asks it; nothing else decides access.
//!
//! A decision combines two things: what a role may do to a kind of record (the capability table
//! in [`capability`]) and whether the place the role is held covers the record's place (a
//! programme admin's programme covers its networks and schools; an Achievement Adviser's network
//! covers its schools; a head teacher's school covers that school's records in every programme).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::codes::LaCode;
use crate::people::{Grant, NetworkId, PersonId, ProgrammeId, Role, Scope};
use crate::urn::Urn;

/// The kinds of record the platform holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Record {
    /// A programme: its name, dates, template.
    Programme,
    /// A network of schools within a programme.
    Network,
    /// A school's place in a programme: its enrolment, network and (later) its plan and events.
    Enrolment,
    /// Recruitment: enquiries (with their contact details), stages and the board.
    Recruitment,
    /// People and the roles they hold.
    Person,
    /// The audit log.
    Audit,
    /// Messages waiting to be sent (they hold sign-in links).
    Outbox,
    /// The programme team's eligibility list (derived from public data).
    EligibilityList,
    /// Cohorts and evaluation reports (derived from public data).
    Evaluation,
    /// Pupil-level assessment data: pseudonymous, and a permission of its own.
    PupilData,
}

/// What is done to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Action {
    View,
    /// Create, edit or remove.
    Change,
}

/// Where a record lives. `None` fields are "not inside one": a programme record has no network;
/// a record derived from public data (the eligibility list) has no place at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Place {
    pub programme: Option<ProgrammeId>,
    pub network: Option<NetworkId>,
    pub urn: Option<Urn>,
    /// A local authority's part of a programme (its officers' page).
    pub la: Option<LaCode>,
    /// A day of the programme year: the Achievement Adviser who leads it, who keeps its roll
    /// and resources after their network passes to another adviser.
    pub led_by: Option<PersonId>,
}

impl Place {
    /// Records derived from public data, or new top-level records (a programme not yet created).
    pub const NOWHERE: Place = Place { programme: None, network: None, urn: None, la: None, led_by: None };

    pub fn programme(p: ProgrammeId) -> Place {
        Place { programme: Some(p), ..Place::NOWHERE }
    }

    pub fn network(p: ProgrammeId, n: NetworkId) -> Place {
        Place { programme: Some(p), network: Some(n), ..Place::NOWHERE }
    }

    /// A school's record in a programme, in a network or not yet.
    pub fn enrolment(p: ProgrammeId, n: Option<NetworkId>, urn: Urn) -> Place {
        Place { programme: Some(p), network: n, urn: Some(urn), ..Place::NOWHERE }
    }

    /// A day of a network's year, led by `led_by` (its adviser when it was planned or handed on).
    pub fn day(p: ProgrammeId, n: NetworkId, led_by: Option<PersonId>) -> Place {
        Place { programme: Some(p), network: Some(n), led_by, ..Place::NOWHERE }
    }

    /// A local authority's schools in a programme, taken together (counts, the LA's page).
    pub fn local_authority(p: ProgrammeId, la: LaCode) -> Place {
        Place { programme: Some(p), la: Some(la), ..Place::NOWHERE }
    }

    /// A school's own records, outside any programme (its staff list, say).
    pub fn school(urn: Urn) -> Place {
        Place { urn: Some(urn), ..Place::NOWHERE }
    }
}

/// A school's membership of a programme (and of a network in it), needed to know what a role
/// held at a school reaches: the programme and network pages it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Membership {
    pub urn: Urn,
    pub programme: ProgrammeId,
    pub network: Option<NetworkId>,
}

/// A school of a local authority taking part in a programme, for that authority's officers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LaSchool {
    pub la: LaCode,
    pub school: Membership,
}

/// The signed-in person as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub person: PersonId,
    pub grants: Vec<Grant>,
    /// Memberships of the schools where the person holds a role.
    pub memberships: Vec<Membership>,
    /// The schools taking part in programmes where the person is a local authority officer
    /// for the school's authority.
    pub la_schools: Vec<LaSchool>,
}

/// A decision with its reason, for the log and the 403 page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(&'static str),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// What a role may do to a kind of record, wherever it is held. `PupilData` also needs the
/// grant's own pupil-data permission (see [`Principal::decide`]).
pub fn capability(role: Role, action: Action, record: Record) -> bool {
    use Action::View;
    use Record::*;
    use Role::*;
    match (role, record) {
        (Admin, _) => true,
        // The emails to the people of their programmes (the page filters them).
        (ProgrammeAdmin, Outbox) => action == View,
        (ProgrammeAdmin, Audit) => action == View,
        (ProgrammeAdmin, _) => true,
        (AchievementAdviser, Programme | Network | Person | EligibilityList) => action == View,
        (AchievementAdviser, Enrolment | PupilData) => true,
        (Evaluator, Programme | Network | Enrolment | EligibilityList | PupilData) => action == View,
        (Evaluator, Evaluation) => true,
        (HeadTeacher | SeniorLeader, Programme | Network) => action == View,
        (HeadTeacher | SeniorLeader, Enrolment | Person | PupilData) => true,
        (AchievementTeamLeader | Teacher, Programme | Network | Enrolment | Person) => action == View,
        (AchievementTeamLeader | Teacher, PupilData) => true,
        (StrandLead | TeachingLearningLead | AflLead, Programme | Network | Enrolment | Person) => action == View,
        (Governor, Programme | Network | Enrolment | Person) => action == View,
        // Read only, and nothing about people or pupils: the LA's schools, stages and networks.
        (LaOfficer, Programme | Enrolment) => action == View,
        _ => false,
    }
}

impl Principal {
    /// True when the grant's scope covers the place: it contains the record.
    fn covers(&self, g: &Grant, place: &Place) -> bool {
        match g.scope {
            Scope::Platform => true,
            Scope::Programme(p) => place.programme == Some(p),
            Scope::Network { programme, network } => {
                place.network == Some(network)
                    // The adviser a day was led by, while still an adviser in its programme.
                    || (g.role == Role::AchievementAdviser
                        && place.programme == Some(programme)
                        && place.led_by.is_some_and(|p| p == self.person))
            }
            Scope::School(u) => place.urn == Some(u),
            Scope::LocalAuthority { programme, la } => {
                place.programme == Some(programme)
                    && (place.la == Some(la) || place.urn.is_some_and(|u| self.la_school(programme, la, u)))
            }
        }
    }

    /// Is this school one of the authority's schools in the programme?
    fn la_school(&self, programme: ProgrammeId, la: LaCode, urn: Urn) -> bool {
        self.la_schools.iter().any(|s| s.la == la && s.school.programme == programme && s.school.urn == urn)
    }

    /// True when the grant's scope lies inside the place: a network inside its programme, a
    /// school inside the programmes and networks it belongs to. Viewing a container (the
    /// programme page) is allowed from inside it; the lists on it are then filtered.
    fn reaches(&self, g: &Grant, place: &Place) -> bool {
        if place.urn.is_some() {
            return false;
        }
        match g.scope {
            Scope::Network { programme, network } => {
                place.programme == Some(programme) && place.network.is_none_or(|n| n == network)
            }
            Scope::School(u) => self.memberships.iter().any(|m| {
                m.urn == u && place.programme == Some(m.programme) && place.network.is_none_or(|n| m.network == Some(n))
            }),
            Scope::LocalAuthority { programme, .. } => {
                place.programme == Some(programme) && place.network.is_none() && place.la.is_none()
            }
            _ => false,
        }
    }

    /// May this person do `action` to the `record` at `place`?
    pub fn decide(&self, action: Action, record: Record, place: &Place) -> Decision {
        let capable: Vec<&Grant> = self.grants.iter().filter(|g| capability(g.role, action, record)).collect();
        if capable.is_empty() {
            return Decision::Deny("no role you hold allows this");
        }
        if record == Record::PupilData && !capable.iter().any(|g| g.pupil_data) {
            return Decision::Deny("pupil-level data needs its own permission, which you have not been given");
        }
        let capable = capable.into_iter().filter(|g| record != Record::PupilData || g.pupil_data);
        // Records derived from public data, and new top-level records, have no place: a
        // capable role anywhere is enough for the first, only the platform for the second. The
        // outbox has no place either: its page shows each reader the emails to people they see.
        let container_view = action == Action::View && matches!(record, Record::Programme | Record::Network);
        for g in capable {
            if *place == Place::NOWHERE {
                if matches!(record, Record::EligibilityList | Record::Evaluation | Record::Outbox)
                    || g.scope == Scope::Platform
                {
                    return Decision::Allow;
                }
                continue;
            }
            if self.covers(g, place) || (container_view && self.reaches(g, place)) {
                return Decision::Allow;
            }
        }
        Decision::Deny("this is outside the programmes, networks and schools where you hold a role")
    }

    pub fn may(&self, action: Action, record: Record, place: &Place) -> bool {
        self.decide(action, record, place).allowed()
    }

    /// May this person do `action` to some `record` somewhere? Decides whether a page is
    /// offered at all; the records on it are then filtered with [`Principal::visible`].
    pub fn may_somewhere(&self, action: Action, record: Record) -> bool {
        self.grants.iter().any(|g| capability(g.role, action, record) && (record != Record::PupilData || g.pupil_data))
    }

    /// The places whose `record`s this person may `action`, for filtering lists in queries.
    pub fn visible(&self, action: Action, record: Record) -> Visible {
        let mut v = Visible::default();
        let container = action == Action::View && matches!(record, Record::Programme | Record::Network);
        for g in &self.grants {
            if !capability(g.role, action, record) || (record == Record::PupilData && !g.pupil_data) {
                continue;
            }
            match g.scope {
                Scope::Platform => v.all = true,
                Scope::Programme(p) => {
                    v.programmes.insert(p);
                }
                Scope::Network { programme, network } => {
                    v.networks.insert(network);
                    if container {
                        v.programmes_reached.insert(programme);
                    }
                }
                Scope::LocalAuthority { programme, la } => {
                    let schools = self.la_schools.iter().filter(|s| s.la == la && s.school.programme == programme);
                    v.enrolments.extend(schools.map(|s| (programme, s.school.urn)));
                    if container {
                        v.programmes_reached.insert(programme);
                    }
                }
                Scope::School(u) => {
                    v.urns.insert(u);
                    if container {
                        for m in self.memberships.iter().filter(|m| m.urn == u) {
                            v.programmes_reached.insert(m.programme);
                            v.networks.extend(m.network);
                        }
                    }
                }
            }
        }
        v
    }

    /// May this person give (or take away) this role at this place? They must be able to change
    /// people there, and: only administrators make administrators; provider roles are given by
    /// administrators and the programme's admins; school leaders give school roles in their own
    /// school; the pupil-data permission is given only by administrators and programme admins.
    pub fn may_grant(&self, grant: &Grant, place: &Place) -> Decision {
        if !self.may(Action::Change, Record::Person, place) {
            return Decision::Deny("you cannot change people here");
        }
        let holds = |roles: &[Role]| {
            self.grants.iter().any(|g| roles.contains(&g.role) && (g.scope == Scope::Platform || self.covers(g, place)))
        };
        if grant.role == Role::Admin && !holds(&[Role::Admin]) {
            return Decision::Deny("only an administrator can make an administrator");
        }
        if !grant.role.is_school_role() && !holds(&[Role::Admin, Role::ProgrammeAdmin]) {
            return Decision::Deny("only administrators and programme admins give the provider's roles");
        }
        if grant.pupil_data && !holds(&[Role::Admin, Role::ProgrammeAdmin]) {
            return Decision::Deny("only administrators and programme admins give the pupil-data permission");
        }
        Decision::Allow
    }
}

/// The places whose records a person may see, as sets a query can filter on. A record is
/// visible when `all`, or its programme is in `programmes`, or its network in `networks`, or its
/// school in `urns`; containers (programme and network pages) also when reached from inside.
///
/// Made only by [`Principal::visible`] (what a person may see), [`Visible::everything`] (the
/// command line and the system's own jobs) and `Default` (nothing), so that a list can only be
/// as wide as someone's rights. The web may not call `everything` (a lint refuses it there).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Visible {
    all: bool,
    programmes: BTreeSet<ProgrammeId>,
    networks: BTreeSet<NetworkId>,
    urns: BTreeSet<Urn>,
    /// Programmes whose page is reached from a network or school inside them.
    programmes_reached: BTreeSet<ProgrammeId>,
    /// Schools' records in one programme only (a local authority's schools for its officers).
    enrolments: BTreeSet<(ProgrammeId, Urn)>,
}

impl Visible {
    /// Everything: for the command line and the system's own jobs, which act for the operator.
    pub fn everything() -> Visible {
        Visible { all: true, ..Visible::default() }
    }

    /// Whether every record is visible (no filter applies).
    pub fn is_everything(&self) -> bool {
        self.all
    }

    /// Programmes whose records are visible.
    pub fn programmes(&self) -> &BTreeSet<ProgrammeId> {
        &self.programmes
    }

    /// Networks whose records are visible.
    pub fn networks(&self) -> &BTreeSet<NetworkId> {
        &self.networks
    }

    /// Schools whose records are visible.
    pub fn urns(&self) -> &BTreeSet<Urn> {
        &self.urns
    }

    /// Schools whose records are visible in one programme only.
    pub fn enrolments(&self) -> &BTreeSet<(ProgrammeId, Urn)> {
        &self.enrolments
    }

    /// Programmes whose page (only) is visible, reached from a network or school inside them.
    pub fn programmes_reached(&self) -> &BTreeSet<ProgrammeId> {
        &self.programmes_reached
    }

    pub fn nothing(&self) -> bool {
        !self.all
            && self.programmes.is_empty()
            && self.networks.is_empty()
            && self.urns.is_empty()
            && self.programmes_reached.is_empty()
            && self.enrolments.is_empty()
    }

    /// Is a record at `place` in the list? The same rule the queries apply.
    pub fn contains(&self, place: &Place) -> bool {
        self.all
            || place.programme.is_some_and(|p| self.programmes.contains(&p))
            || place.network.is_some_and(|n| self.networks.contains(&n))
            || place.urn.is_some_and(|u| self.urns.contains(&u))
            || place.programme.zip(place.urn).is_some_and(|pu| self.enrolments.contains(&pu))
            || (place.urn.is_none()
                && place.network.is_none()
                && place.programme.is_some_and(|p| self.programmes_reached.contains(&p)))
    }
}

#[cfg(test)]
mod tests;
