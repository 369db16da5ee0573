//! The policy's rules, role by role.

use super::*;
use crate::people::{NetworkId, PersonId, ProgrammeId};

fn urn(s: &str) -> Urn {
    Urn::parse(s).expect("urn")
}

fn person(grants: &[(Role, Scope, bool)], memberships: &[Membership]) -> Principal {
    Principal {
        person: PersonId::new(1),
        grants: grants.iter().map(|&(r, s, p)| Grant::new(r, s, p).expect("grant")).collect(),
        memberships: memberships.to_vec(),
        la_schools: Vec::new(),
    }
}

// Programme 1: network 10 holds 100001, network 11 holds 100005. Programme 2: network 20.
fn head_of_100001() -> Principal {
    person(
        &[(Role::HeadTeacher, Scope::School(urn("100001")), false)],
        &[Membership { urn: urn("100001"), programme: ProgrammeId::new(1), network: Some(NetworkId::new(10)) }],
    )
}

#[test]
fn a_head_teacher_sees_their_school_and_the_containers_it_is_in() {
    let h = head_of_100001();
    assert!(h.may(
        Action::View,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"))
    ));
    assert!(h.may(
        Action::Change,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"))
    ));
    assert!(!h.may(
        Action::View,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100002"))
    ));
    assert!(h.may(Action::View, Record::Programme, &Place::programme(ProgrammeId::new(1))));
    assert!(h.may(Action::View, Record::Network, &Place::network(ProgrammeId::new(1), NetworkId::new(10))));
    assert!(!h.may(Action::View, Record::Network, &Place::network(ProgrammeId::new(1), NetworkId::new(11))));
    assert!(!h.may(Action::View, Record::Programme, &Place::programme(ProgrammeId::new(2))));
    assert!(!h.may(Action::Change, Record::Programme, &Place::programme(ProgrammeId::new(1))));
    assert!(!h.may(Action::View, Record::Audit, &Place::programme(ProgrammeId::new(1))));
    assert!(!h.may(Action::View, Record::EligibilityList, &Place::NOWHERE));
    let v = h.visible(Action::View, Record::Enrolment);
    assert!(v.contains(&Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"))));
    assert!(!v.contains(&Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100002"))));
    let v = h.visible(Action::View, Record::Programme);
    assert!(v.contains(&Place::programme(ProgrammeId::new(1))) && !v.contains(&Place::programme(ProgrammeId::new(2))));
}

#[test]
fn an_adviser_sees_their_networks_only() {
    let a = person(
        &[(
            Role::AchievementAdviser,
            Scope::Network { programme: ProgrammeId::new(1), network: NetworkId::new(10) },
            false,
        )],
        &[],
    );
    assert!(a.may(
        Action::Change,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"))
    ));
    assert!(!a.may(
        Action::View,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(11)), urn("100005"))
    ));
    assert!(!a.may(Action::View, Record::Enrolment, &Place::enrolment(ProgrammeId::new(1), None, urn("100009"))));
    assert!(a.may(Action::View, Record::Programme, &Place::programme(ProgrammeId::new(1))));
    assert!(!a.may(Action::Change, Record::Network, &Place::network(ProgrammeId::new(1), NetworkId::new(10))));
    assert!(a.may(Action::View, Record::EligibilityList, &Place::NOWHERE));
    assert!(!a.may(Action::View, Record::Evaluation, &Place::NOWHERE));
}

#[test]
fn an_adviser_keeps_the_days_they_led_after_their_network_passes_on() {
    // Person 1 advises network 10 of programme 1; they led a day of network 11 before it passed on.
    let (p1, n10, n11) = (ProgrammeId::new(1), NetworkId::new(10), NetworkId::new(11));
    let a = person(&[(Role::AchievementAdviser, Scope::Network { programme: p1, network: n10 }, false)], &[]);
    let led = Place::day(p1, n11, Some(PersonId::new(1)));
    assert!(a.may(Action::Change, Record::Enrolment, &led), "the roll of a day they led");
    assert!(a.may(Action::View, Record::Network, &led), "the page of a day they led");
    assert!(!a.may(Action::Change, Record::Network, &led), "but not the plan of it");
    assert!(!a.may(Action::Change, Record::Enrolment, &Place::day(p1, n11, Some(PersonId::new(2)))));
    assert!(!a.may(Action::Change, Record::Enrolment, &Place::day(p1, n11, None)));
    // Not in a programme they no longer advise in.
    assert!(!a.may(
        Action::Change,
        Record::Enrolment,
        &Place::day(ProgrammeId::new(2), NetworkId::new(20), Some(PersonId::new(1)))
    ));
    // Only an adviser's role carries a day they led: not a head teacher's, whoever is named.
    let h = person(
        &[(Role::HeadTeacher, Scope::School(urn("100001")), false)],
        &[Membership { urn: urn("100001"), programme: p1, network: Some(n10) }],
    );
    assert!(!h.may(Action::Change, Record::Enrolment, &Place::day(p1, n11, Some(PersonId::new(1)))));
}

#[test]
fn programme_admins_run_their_programme_only() {
    let pa = person(&[(Role::ProgrammeAdmin, Scope::Programme(ProgrammeId::new(1)), false)], &[]);
    assert!(pa.may(Action::Change, Record::Network, &Place::network(ProgrammeId::new(1), NetworkId::new(11))));
    assert!(pa.may(Action::Change, Record::Enrolment, &Place::enrolment(ProgrammeId::new(1), None, urn("100009"))));
    assert!(!pa.may(Action::View, Record::Network, &Place::network(ProgrammeId::new(2), NetworkId::new(20))));
    assert!(pa.may(Action::View, Record::Audit, &Place::programme(ProgrammeId::new(1))));
    // The outbox: read, as the emails to their programmes' people (the page filters them).
    assert!(pa.may(Action::View, Record::Outbox, &Place::NOWHERE));
    assert!(!pa.may(Action::Change, Record::Outbox, &Place::NOWHERE));
    assert!(!pa.visible(Action::View, Record::Person).is_everything());
    // Creating a programme is for administrators.
    assert!(!pa.may(Action::Change, Record::Programme, &Place::NOWHERE));
    let admin = person(&[(Role::Admin, Scope::Platform, false)], &[]);
    assert!(admin.may(Action::Change, Record::Programme, &Place::NOWHERE));
    assert!(admin.visible(Action::View, Record::Enrolment).all);
}

#[test]
fn pupil_data_needs_its_own_permission_and_governors_never_have_it() {
    let place = Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"));
    let without = person(&[(Role::Admin, Scope::Platform, false)], &[]);
    assert_eq!(
        without.decide(Action::View, Record::PupilData, &place),
        Decision::Deny("pupil-level data needs its own permission, which you have not been given")
    );
    assert!(!without.may_somewhere(Action::View, Record::PupilData));
    let with = person(&[(Role::AchievementTeamLeader, Scope::School(urn("100001")), true)], &[]);
    assert!(with.may(Action::View, Record::PupilData, &place));
    assert!(!with.may(
        Action::View,
        Record::PupilData,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100002"))
    ));
    let governor = person(&[(Role::Governor, Scope::School(urn("100001")), false)], &[]);
    assert!(!governor.may(Action::View, Record::PupilData, &place));
    assert!(!governor.may(Action::Change, Record::Enrolment, &place));
    assert!(governor.may(Action::View, Record::Enrolment, &place));
}

#[test]
fn evaluators_read_but_never_change_programme_records() {
    let e = person(&[(Role::Evaluator, Scope::Programme(ProgrammeId::new(1)), false)], &[]);
    assert!(e.may(
        Action::View,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"))
    ));
    assert!(!e.may(
        Action::Change,
        Record::Enrolment,
        &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001"))
    ));
    assert!(
        !e.may(Action::View, Record::Person, &Place::programme(ProgrammeId::new(1))),
        "staff names are not theirs to read"
    );
    assert!(e.may(Action::Change, Record::Evaluation, &Place::NOWHERE));
}

#[test]
fn who_may_give_which_role() {
    let school = Place::school(urn("100001"));
    let head = head_of_100001();
    let teacher = Grant::new(Role::Teacher, Scope::School(urn("100001")), false).expect("grant");
    assert_eq!(head.may_grant(&teacher, &school), Decision::Allow);
    let with_pupils = Grant { pupil_data: true, ..teacher };
    assert!(!head.may_grant(&with_pupils, &school).allowed());
    let elsewhere = Grant::new(Role::Teacher, Scope::School(urn("100002")), false).expect("grant");
    assert!(!head.may_grant(&elsewhere, &Place::school(urn("100002"))).allowed());
    let adviser = Grant::new(
        Role::AchievementAdviser,
        Scope::Network { programme: ProgrammeId::new(1), network: NetworkId::new(10) },
        false,
    )
    .expect("grant");
    assert!(!head.may_grant(&adviser, &Place::network(ProgrammeId::new(1), NetworkId::new(10))).allowed());
    let pa = person(&[(Role::ProgrammeAdmin, Scope::Programme(ProgrammeId::new(1)), false)], &[]);
    assert!(pa.may_grant(&adviser, &Place::network(ProgrammeId::new(1), NetworkId::new(10))).allowed());
    assert!(
        pa.may_grant(&with_pupils, &Place::enrolment(ProgrammeId::new(1), Some(NetworkId::new(10)), urn("100001")))
            .allowed()
    );
    let admin = Grant::new(Role::Admin, Scope::Platform, false).expect("grant");
    assert!(!pa.may_grant(&admin, &Place::NOWHERE).allowed());
}

#[test]
fn a_local_authority_officer_reads_their_authoritys_schools_in_their_programme_only() {
    let (p1, p2) = (ProgrammeId::new(1), ProgrammeId::new(2));
    let oldham = LaCode::parse("353").expect("la");
    let bradford = LaCode::parse("380").expect("la");
    let mut o = person(&[(Role::LaOfficer, Scope::LocalAuthority { programme: p1, la: oldham }, false)], &[]);
    let school = |u: &str, p, n| LaSchool {
        la: oldham,
        school: Membership { urn: urn(u), programme: p, network: Some(NetworkId::new(n)) },
    };
    // 100001 is an Oldham school in programmes 1 and 2; 100002 is in Bradford.
    o.la_schools = vec![school("100001", p1, 10)];
    let mine = Place::enrolment(p1, Some(NetworkId::new(10)), urn("100001"));
    assert!(o.may(Action::View, Record::Enrolment, &mine));
    assert!(!o.may(Action::Change, Record::Enrolment, &mine), "read only");
    assert!(!o.may(Action::View, Record::Enrolment, &Place::enrolment(p1, Some(NetworkId::new(10)), urn("100002"))));
    assert!(!o.may(Action::View, Record::Enrolment, &Place::enrolment(p2, None, urn("100001"))), "another programme");
    assert!(o.may(Action::View, Record::Enrolment, &Place::local_authority(p1, oldham)));
    assert!(!o.may(Action::View, Record::Enrolment, &Place::local_authority(p1, bradford)));
    assert!(!o.may(Action::View, Record::Enrolment, &Place::local_authority(p2, oldham)));
    assert!(o.may(Action::View, Record::Programme, &Place::programme(p1)));
    assert!(!o.may(Action::View, Record::Programme, &Place::programme(p2)));
    assert!(!o.may(Action::View, Record::Network, &Place::network(p1, NetworkId::new(10))));
    for record in [Record::Person, Record::Recruitment, Record::PupilData, Record::Audit, Record::EligibilityList] {
        assert!(!o.may_somewhere(Action::View, record), "{record:?}");
    }
    let v = o.visible(Action::View, Record::Enrolment);
    assert!(v.contains(&mine));
    assert!(!v.contains(&Place::enrolment(p2, None, urn("100001"))));
    assert!(!v.contains(&Place::enrolment(p1, None, urn("100002"))));
    assert!(o.visible(Action::View, Record::Programme).contains(&Place::programme(p1)));
    // Given by the programme team, not by schools.
    let g = Grant::new(Role::LaOfficer, Scope::LocalAuthority { programme: p1, la: bradford }, false).expect("grant");
    let pa = person(&[(Role::ProgrammeAdmin, Scope::Programme(p1), false)], &[]);
    assert!(pa.may_grant(&g, &Place::programme(p1)).allowed());
    assert!(!pa.may_grant(&g, &Place::programme(p2)).allowed());
    assert!(!head_of_100001().may_grant(&g, &Place::programme(p1)).allowed());
    assert!(pa.may(Action::View, Record::Enrolment, &Place::local_authority(p1, bradford)));
}
