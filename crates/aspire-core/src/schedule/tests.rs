use super::*;
use crate::template::Season;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn urn(n: u32) -> Urn {
    Urn::parse(&format!("{n:06}")).expect("urn")
}

/// Weekdays from `starts` to `ends` outside the half-term week that begins `half_term` weeks
/// after the usual one.
fn open_days(starts: NaiveDate, ends: NaiveDate, half_term: NaiveDate, shift_weeks: i64) -> Vec<NaiveDate> {
    let ht_start = half_term + chrono::Duration::weeks(shift_weeks);
    let ht_end = ht_start + chrono::Duration::days(4);
    starts
        .iter_days()
        .take_while(|x| *x <= ends)
        .filter(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|x| *x < ht_start || *x > ht_end)
        .collect()
}

/// A school with a typical year from autumn `year`, its half-terms `shift` weeks from the usual.
fn school_years(u: Urn, first_autumn: i32, years: i32, shift: i64) -> SchoolDays {
    let mut terms = Vec::new();
    for y in first_autumn..first_autumn + years {
        terms.push(OpenTerm {
            term: Term { year: y, season: Season::Autumn },
            open: open_days(d(y, 9, 4), d(y, 12, 20), d(y, 10, 22), shift),
        });
        terms.push(OpenTerm {
            term: Term { year: y + 1, season: Season::Spring },
            open: open_days(d(y + 1, 1, 7), d(y + 1, 3, 29), d(y + 1, 2, 11), shift),
        });
        terms.push(OpenTerm {
            term: Term { year: y + 1, season: Season::Summer },
            open: open_days(d(y + 1, 4, 15), d(y + 1, 7, 19), d(y + 1, 5, 27), shift),
        });
    }
    SchoolDays { urn: u, terms }
}

fn tlif_events() -> Vec<EventRule> {
    let t = crate::template::Template::parse(include_str!("../../../../programmes/tlif-2017/template.toml"))
        .expect("tlif template");
    t.events.iter().map(EventRule::from).collect()
}

fn network(id: i64, starts: NaiveDate, schools: &[Urn], adviser: Option<i64>) -> NetworkYear {
    NetworkYear {
        id: NetworkId::new(id),
        name: format!("Network {id}"),
        starts,
        schools: schools.to_vec(),
        adviser: adviser.map(PersonId::new),
    }
}

fn calendars(days: impl IntoIterator<Item = SchoolDays>) -> BTreeMap<Urn, SchoolDays> {
    days.into_iter().map(|c| (c.urn, c)).collect()
}

fn four(from: u32) -> Vec<Urn> {
    (from..from + 4).map(urn).collect()
}

#[test]
fn a_network_of_four_gets_two_network_days_and_two_development_days_per_school_each_term() {
    let schools = four(100_001);
    let cals = calendars(schools.iter().map(|u| school_years(*u, 2017, 2, 0)));
    let nets = [network(1, d(2017, 11, 1), &schools, Some(7))];
    let events = tlif_events();
    let rules = Rules::default();
    let plan = plan(&nets, &cals, &events, &rules).expect("a plan");
    assert_eq!(check(&plan, &nets, &cals, &events, &rules), vec![]);
    // Three terms, each: two Network Days and 4 schools x 2 Development Days.
    assert_eq!(plan.days.len(), 3 * (2 + 8));
    let terms: Vec<Term> = network_terms(d(2017, 11, 1), 3);
    assert_eq!(terms.iter().map(|t| t.label()).collect::<Vec<_>>(), ["Autumn 2017", "Spring 2018", "Summer 2018"]);
    for t in &terms {
        let nd = plan.days.iter().filter(|x| x.term == *t && x.school.is_none()).count();
        assert_eq!(nd, 2, "{t}");
    }
    assert!(plan.days.iter().all(|x| x.date >= d(2017, 11, 1)));
    assert!(plan.days.iter().all(|x| x.adviser == Some(PersonId::new(7))));
}

#[test]
fn a_network_starting_in_march_runs_into_the_next_academic_year() {
    let schools = four(100_001);
    let cals = calendars(schools.iter().map(|u| school_years(*u, 2017, 2, 0)));
    let nets = [network(1, d(2018, 3, 1), &schools, Some(7))];
    let events = tlif_events();
    let plan = plan(&nets, &cals, &events, &Rules::default()).expect("a plan");
    let terms: std::collections::BTreeSet<String> = plan.days.iter().map(|x| x.term.label()).collect();
    assert_eq!(terms.into_iter().collect::<Vec<_>>(), ["Autumn 2018", "Spring 2018", "Summer 2018"]);
    assert!(plan.days.iter().any(|x| x.date > d(2018, 9, 1)));
}

#[test]
fn a_network_starting_in_the_holiday_after_a_term_starts_with_the_next_term() {
    let schools = four(100_001);
    let cals = calendars(schools.iter().map(|u| school_years(*u, 2017, 2, 0)));
    // The summer term ends on 19 July 2018 and the autumn one starts in September.
    let late_july = network(1, d(2018, 7, 25), &schools, Some(7));
    assert_eq!(effective_start(&late_july, &cals), d(2018, 9, 1));
    let christmas = network(1, d(2017, 12, 22), &schools, Some(7));
    assert_eq!(effective_start(&christmas, &cals), d(2018, 1, 1));
    // Open on or after the start in its term: unchanged; a school without dates: unchanged.
    let in_term = network(1, d(2018, 7, 19), &schools, Some(7));
    assert_eq!(effective_start(&in_term, &cals), d(2018, 7, 19));
    let unknown = network(1, d(2018, 7, 25), &[urn(999_999)], Some(7));
    assert_eq!(effective_start(&unknown, &cals), d(2018, 7, 25));
    let started = NetworkYear { starts: effective_start(&late_july, &cals), ..late_july };
    let plan = plan(&[started], &cals, &tlif_events(), &Rules::default()).expect("a plan");
    let terms: std::collections::BTreeSet<String> = plan.days.iter().map(|x| x.term.label()).collect();
    assert_eq!(terms.into_iter().collect::<Vec<_>>(), ["Autumn 2018", "Spring 2019", "Summer 2019"]);
}

#[test]
fn a_network_whose_schools_have_different_half_terms_never_meets_in_any_of_them() {
    let schools = four(100_001);
    // Each school's half-terms a week later than the one before.
    let cals = calendars(schools.iter().enumerate().map(|(i, u)| school_years(*u, 2017, 2, i as i64)));
    let nets = [network(1, d(2017, 9, 4), &schools, Some(7))];
    let events = tlif_events();
    let rules = Rules::default();
    let plan = plan(&nets, &cals, &events, &rules).expect("a plan");
    assert_eq!(check(&plan, &nets, &cals, &events, &rules), vec![]);
    for day in plan.days.iter().filter(|x| x.school.is_none()) {
        for u in &schools {
            assert!(cals[u].is_open(day.term, day.date), "{} is closed on {}", u, day.date);
        }
    }
    // Development Days are held only where their school is open, which the others' closure does not stop.
    for day in plan.days.iter().filter(|x| x.school.is_some()) {
        assert!(cals[&day.school.expect("school")].is_open(day.term, day.date));
    }
}

#[test]
fn no_development_day_comes_before_the_network_days_it_follows_up() {
    let schools = four(100_001);
    let cals = calendars(schools.iter().enumerate().map(|(i, u)| school_years(*u, 2017, 2, i as i64 % 2)));
    let nets = [network(1, d(2017, 9, 4), &schools, Some(7))];
    let plan = plan(&nets, &cals, &tlif_events(), &Rules::default()).expect("a plan");
    for dd in plan.days.iter().filter(|x| x.school.is_some()) {
        let last_nd = plan.days.iter().filter(|x| x.term == dd.term && x.school.is_none()).map(|x| x.date).max();
        assert!(dd.date > last_nd.expect("network days"), "{dd:?}");
    }
}

#[test]
fn an_adviser_with_four_networks_is_never_in_two_places_and_keeps_to_the_weekly_limit() {
    let nets: Vec<NetworkYear> =
        (0..4).map(|i| network(i + 1, d(2017, 9, 4), &four(100_001 + 4 * i as u32), Some(7))).collect();
    let cals = calendars(
        nets.iter().flat_map(|n| n.schools.clone()).map(|u| school_years(u, 2017, 2, i64::from(u.get() % 3))),
    );
    let events = tlif_events();
    let rules = Rules::default();
    let plan = plan(&nets, &cals, &events, &rules).expect("a plan");
    assert_eq!(check(&plan, &nets, &cals, &events, &rules), vec![]);
    let mut seen = std::collections::HashSet::new();
    for x in &plan.days {
        assert!(seen.insert(x.date), "the adviser has two events on {}", x.date);
    }
    assert_eq!(plan.days.len(), 4 * 3 * 10);
}

#[test]
fn mondays_and_fridays_are_avoided_when_asked_and_there_is_room() {
    let schools = four(100_001);
    let cals = calendars(schools.iter().map(|u| school_years(*u, 2017, 2, 0)));
    let nets = [network(1, d(2017, 9, 4), &schools, Some(7))];
    let rules = Rules { avoid_mondays_and_fridays: true, ..Rules::default() };
    let plan = plan(&nets, &cals, &tlif_events(), &rules).expect("a plan");
    assert!(plan.days.iter().all(|x| !matches!(x.date.weekday(), Weekday::Mon | Weekday::Fri)), "{:?}", plan.days);
}

#[test]
fn a_plan_that_cannot_be_made_names_every_broken_constraint_and_returns_nothing_else() {
    let schools = four(100_001);
    // Two schools whose Autumn terms share no day: one closes when the other opens.
    let mut cals = calendars(schools.iter().map(|u| school_years(*u, 2017, 2, 0)));
    let autumn = Term { year: 2017, season: Season::Autumn };
    for (u, keep_first_half) in [(schools[0], true), (schools[1], false)] {
        let c = cals.get_mut(&u).expect("school");
        let t = c.terms.iter_mut().find(|t| t.term == autumn).expect("autumn");
        t.open.retain(|x| (*x < d(2017, 10, 22)) == keep_first_half);
    }
    let nets = [network(1, d(2017, 9, 4), &schools, Some(7)), network(2, d(2017, 9, 4), &four(100_011), None)];
    let err = plan(&nets, &cals, &tlif_events(), &Rules::default()).expect_err("no plan");
    // The network without an adviser is named for each event an adviser leads, and the missing
    // term dates of the second network's schools too.
    assert!(err.iter().any(|b| matches!(b, Broken::NoAdviser { network, .. } if network == "Network 2")), "{err:?}");
    assert!(err.iter().any(|b| matches!(b, Broken::NoTermDates { network, .. } if network == "Network 2")), "{err:?}");
    let cals2 = {
        let mut c = cals.clone();
        c.extend(four(100_011).into_iter().map(|u| (u, school_years(u, 2017, 2, 0))));
        c
    };
    let err = plan(&nets[..1], &cals2, &tlif_events(), &Rules::default()).expect_err("no plan");
    assert!(
        err.iter().any(
            |b| matches!(b, Broken::NoCommonDay { network, term, .. } if network == "Network 1" && *term == autumn)
        ),
        "{err:?}"
    );
    let text = err[0].to_string();
    assert!(text.contains("Network 1, Autumn 2017") && text.contains("every school of the network is open"), "{text}");
}

#[test]
fn an_adviser_with_too_many_networks_for_the_weekly_limit_is_named() {
    let nets: Vec<NetworkYear> =
        (0..12).map(|i| network(i + 1, d(2017, 11, 20), &four(100_001 + 4 * i as u32), Some(7))).collect();
    let cals = calendars(nets.iter().flat_map(|n| n.schools.clone()).map(|u| school_years(u, 2017, 2, 0)));
    let rules = Rules { adviser_days_per_week: 2, ..Rules::default() };
    let err = plan(&nets, &cals, &tlif_events(), &rules).expect_err("too much for one adviser");
    assert!(
        err.iter().all(|b| matches!(b, Broken::AdviserFull { adviser, .. } if *adviser == PersonId::new(7))),
        "{err:?}"
    );
    assert!(err[0].to_string().contains("Share their networks with another adviser"));
}

#[test]
fn a_school_whose_days_left_are_all_taken_is_named_not_its_adviser() {
    // One school, its year starting three days before the autumn term ends: its two Network
    // Days and first Development Day take those days, and nothing is left for the second.
    let school = [urn(100_001)];
    let cals = calendars([school_years(school[0], 2017, 2, 0)]);
    let nets = [network(1, d(2017, 12, 18), &school, Some(7))];
    let err = plan(&nets, &cals, &tlif_events(), &Rules::default()).expect_err("no room");
    assert!(err.iter().any(|b| matches!(b, Broken::SchoolFull { school: u, .. } if *u == school[0])), "{err:?}");
    assert!(!err.iter().any(|b| matches!(b, Broken::AdviserFull { .. })), "the adviser is free: {err:?}");
}

#[test]
fn the_check_finds_every_kind_of_broken_constraint_in_an_edited_plan() {
    let schools = four(100_001);
    let cals = calendars(schools.iter().map(|u| school_years(*u, 2017, 2, 0)));
    let nets = [network(1, d(2017, 9, 4), &schools, Some(7))];
    let events = tlif_events();
    let rules = Rules::default();
    let good = plan(&nets, &cals, &events, &rules).expect("a plan");
    let first_nd = good.days.iter().find(|x| x.school.is_none()).expect("a network day").clone();
    let dd_index = good.days.iter().position(|x| x.school.is_some() && x.term == first_nd.term).expect("dd");

    // A Development Day moved to before its Network Day.
    let mut p = good.clone();
    p.days[dd_index].date = first_nd.date - chrono::Days::new(1);
    let v = check(&p, &nets, &cals, &events, &rules);
    assert!(v.iter().any(|x| matches!(x, Violation::BeforeItsNetworkDay { .. })), "{v:?}");

    // A Network Day moved into half-term.
    let mut p = good.clone();
    let i = p.days.iter().position(|x| *x == first_nd).expect("nd");
    p.days[i].date = d(2017, 10, 24);
    let v = check(&p, &nets, &cals, &events, &rules);
    assert!(v.iter().any(|x| matches!(x, Violation::SchoolClosed { school, .. } if *school == schools[0])), "{v:?}");

    // The adviser in two places: a Development Day on the Network Day's date.
    let mut p = good.clone();
    p.days[dd_index].date = first_nd.date;
    let v = check(&p, &nets, &cals, &events, &rules);
    assert!(v.iter().any(|x| matches!(x, Violation::AdviserTwice { .. })), "{v:?}");
    assert!(v.iter().any(|x| matches!(x, Violation::SchoolTwice { .. })), "{v:?}");

    // A Development Day dropped.
    let mut p = good.clone();
    p.days.remove(dd_index);
    let v = check(&p, &nets, &cals, &events, &rules);
    assert!(v.iter().any(|x| matches!(x, Violation::WrongCount { planned: 1, wanted: 2, .. })), "{v:?}");

    // Too many days in one week for the limit.
    let strict = Rules { adviser_days_per_week: 1, ..Rules::default() };
    assert!(check(&good, &nets, &cals, &events, &strict).iter().any(|x| matches!(x, Violation::AdviserWeek { .. })));
}

/// A national programme: 400 networks of four, 100 advisers with four networks each, term dates
/// in 25 patterns (as if by LA), networks starting from September to October.
#[test]
fn a_national_programme_is_planned_without_breaking_a_hard_constraint() {
    let nets: Vec<NetworkYear> = (0..400)
        .map(|i| {
            // Each adviser's four networks start two weeks apart.
            let starts = d(2017, 9, 4) + chrono::Days::new(14 * (i as u64 / 100));
            network(i + 1, starts, &four(100_001 + 4 * i as u32), Some(1 + i % 100))
        })
        .collect();
    let cals = calendars(nets.iter().enumerate().flat_map(|(i, n)| {
        let la = (i / 16) as i64 % 25;
        n.schools.iter().map(move |u| school_years(*u, 2017, 2, la % 3 - 1))
    }));
    let events = tlif_events();
    let rules = Rules { avoid_mondays_and_fridays: true, ..Rules::default() };
    let plan = plan(&nets, &cals, &events, &rules).expect("a national plan");
    assert_eq!(plan.days.len(), 400 * 3 * 10);
    assert_eq!(check(&plan, &nets, &cals, &events, &rules), vec![]);
}

#[test]
fn a_template_event_follows_only_another_event_of_its_template() {
    let text = include_str!("../../../../programmes/tlif-2017/template.toml")
        .replace(r#"follows = ["senior-leaders-network-day", "tl-afl-network-day"]"#, r#"follows = ["network-day"]"#);
    let err = crate::template::Template::parse(&text).expect_err("unknown key");
    assert!(err.to_string().contains("follows 'network-day'"), "{err}");
}

#[test]
fn a_network_planned_later_keeps_clear_of_the_days_its_adviser_already_has() {
    let first = four(100_001);
    let second = four(200_001);
    let cals = calendars(first.iter().chain(&second).map(|u| school_years(*u, 2017, 2, 0)));
    let events = tlif_events();
    let rules = Rules::default();
    let earlier = plan(&[network(1, d(2017, 9, 4), &first, Some(7))], &cals, &events, &rules).expect("a plan");
    let taken: Vec<(PlannedDay, Vec<Urn>)> =
        earlier.days.iter().map(|x| (x.clone(), x.school.map(|u| vec![u]).unwrap_or_else(|| first.clone()))).collect();
    let nets = [network(2, d(2017, 9, 4), &second, Some(7))];
    let later = plan_around(&nets, &cals, &events, &rules, &taken).expect("a plan");
    let busy: HashSet<NaiveDate> = earlier.days.iter().map(|x| x.date).collect();
    assert!(later.days.iter().all(|x| !busy.contains(&x.date)), "the adviser is never in two places");
    let both = Plan { days: earlier.days.iter().chain(&later.days).cloned().collect() };
    let all = [network(1, d(2017, 9, 4), &first, Some(7)), network(2, d(2017, 9, 4), &second, Some(7))];
    assert_eq!(check(&both, &all, &cals, &events, &rules), vec![], "the two plans together are sound");
    // Without the days already taken, the second plan lands on the same days as the first.
    let blind = plan(&nets, &cals, &events, &rules).expect("a plan");
    assert!(blind.days.iter().any(|x| busy.contains(&x.date)));
}
