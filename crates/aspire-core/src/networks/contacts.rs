//! Who may see the contacts of a network's people (its Achievement Advisers and its schools'
//! head teachers): the programme team, who may change the network; the network's own advisers;
//! and the head teachers of its schools, who work with each other and their adviser all year.
//! No one else, however much else of the network they may see.

use crate::access::{Action, Place, Principal, Record};
use crate::people::{NetworkId, ProgrammeId, Role, Scope};
use crate::urn::Urn;

pub fn sees_contacts(p: &Principal, programme: ProgrammeId, network: NetworkId, members: &[Urn]) -> bool {
    p.may(Action::Change, Record::Network, &Place::network(programme, network))
        || p.grants.iter().any(|g| match (g.role, g.scope) {
            (Role::AchievementAdviser, Scope::Network { programme: q, network: n }) => q == programme && n == network,
            (Role::HeadTeacher, Scope::School(u)) => members.contains(&u),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Membership;
    use crate::people::{Grant, PersonId};

    fn who(grants: &[(Role, Scope)]) -> Principal {
        Principal {
            person: PersonId::new(1),
            grants: grants.iter().map(|(r, s)| Grant::new(*r, *s, false).expect("grant")).collect(),
            memberships: Vec::<Membership>::new(),
            la_schools: Vec::new(),
        }
    }

    #[test]
    fn the_team_the_adviser_and_the_heads_see_contacts_and_no_one_else() {
        let (p, n, other) = (ProgrammeId::new(3), NetworkId::new(7), NetworkId::new(8));
        let member = Urn::parse("100001").expect("urn");
        let outsider = Urn::parse("100002").expect("urn");
        let members = [member];
        let sees = |g: &[(Role, Scope)]| sees_contacts(&who(g), p, n, &members);
        assert!(sees(&[(Role::Admin, Scope::Platform)]));
        assert!(sees(&[(Role::ProgrammeAdmin, Scope::Programme(p))]));
        assert!(sees(&[(Role::AchievementAdviser, Scope::Network { programme: p, network: n })]));
        assert!(sees(&[(Role::HeadTeacher, Scope::School(member))]));
        assert!(!sees(&[(Role::ProgrammeAdmin, Scope::Programme(ProgrammeId::new(4)))]), "another programme's team");
        assert!(
            !sees(&[(Role::AchievementAdviser, Scope::Network { programme: p, network: other })]),
            "another network's adviser"
        );
        assert!(!sees(&[(Role::HeadTeacher, Scope::School(outsider))]), "a head outside the network");
        assert!(!sees(&[(Role::Teacher, Scope::School(member))]), "a teacher of a member school");
        assert!(!sees(&[(Role::Evaluator, Scope::Programme(p))]), "the evaluator");
        assert!(!sees(&[]));
    }
}
