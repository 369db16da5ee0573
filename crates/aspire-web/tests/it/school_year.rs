//! A school's year on the web: the head nominates their staff and a substitute, and every
//! refusal is said on the page with nothing saved; the staff list and the term's reach are
//! entered; the adviser finds the day in their week and takes its roll; an evaluator reads the
//! seats without the names of who holds them.

use axum::http::StatusCode;

use aspire_core::access::Visible;
use aspire_core::people::{Grant, Role, Scope};
use aspire_store::SignInPolicy;
use aspire_testkit::{ProgrammeBuilder, network_with_adviser, person_with, urn};

use crate::{App, app};

const GUILDFORD: [&str; 4] = ["125004", "125009", "125025", "125067"];

#[tokio::test]
async fn a_head_nominates_staff_and_a_substitute_the_adviser_takes_the_roll_and_reach_is_entered() {
    let site = app().await;
    let db = site.db.clone();
    let p = ProgrammeBuilder::new("Guildford seats").enrol(&GUILDFORD).create(&db).await;
    let (_, adviser) = network_with_adviser(&db, p, "Guildford North", &GUILDFORD).await;
    let team = site.signed_out().as_admin().await;
    let planned = team.post(&format!("/programmes/{p}/year/plan"), &[("save", "yes")]).await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let school = urn(GUILDFORD[0]);
    let at = |role| Grant::new(role, Scope::School(school), false).expect("grant");
    let (senior, _) = person_with(&db, &[at(Role::SeniorLeader)]).await;
    let (teacher, _) = person_with(&db, &[at(Role::Teacher)]).await;
    let elsewhere = Grant::new(Role::Teacher, Scope::School(urn(GUILDFORD[1])), false).expect("grant");
    let (stranger, _) = person_with(&db, &[elsewhere]).await;
    let senior_name = db.person(senior).await.expect("read").expect("person").name;
    let teacher_name = db.person(teacher).await.expect("read").expect("person").name;

    let head = site.signed_out().signed_in(&[at(Role::HeadTeacher)]).await;
    let url = format!("/programmes/{p}/schools/{school}/year");
    let page = head.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("What your school does next"), "{}", page.body);
    assert!(page.body.contains("Add your staff list"), "{}", page.body);
    assert!(page.body.contains("data-testid=\"school-terms\"") && page.body.contains("a typical pattern (default)"));
    let days = db.programme_events(p, &Visible::everything()).await.expect("days");
    let nd = days.iter().find(|e| e.kind == "senior-leaders-network-day").expect("a Network Day");
    let day = nd.id.to_string();

    let (s, t, x) = (senior.to_string(), teacher.to_string(), stranger.to_string());
    let form = |person: &str, substitute: &str| {
        vec![
            ("day", day.clone()),
            ("seat", "senior-leader".to_owned()),
            ("person", person.to_owned()),
            ("substitute", substitute.to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let head = &head;
        let url = format!("{url}/nominate");
        async move {
            let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            head.post(&url, &fields).await
        }
    };
    let refused = post(form(&x, "")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("does not hold a role at this school"), "{}", refused.body);
    let stranger_name = db.person(stranger).await.expect("read").expect("person").name;
    assert!(!refused.body.contains(&stranger_name), "an id sent by hand does not tell who holds it");
    assert!(refused.body.contains("<title>Error: "), "the title says so");
    let same = post(form(&s, &s)).await;
    assert!(same.body.contains("The substitute must be someone other"), "{}", same.body);
    let chosen = format!("<option value=\"{s}\" selected>");
    assert_eq!(same.body.matches(&chosen).count(), 2, "the person and substitute chosen are kept: {}", same.body);
    let none = post(form("", "")).await;
    assert!(none.body.contains("Choose who takes the seat"), "{}", none.body);
    assert!(db.registrations(p, nd.id).await.expect("regs").is_empty(), "refusals save nothing");
    let done = post(form(&s, &t)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = head.get(&url).await;
    assert!(page.body.contains(&senior_name) && page.body.contains(&teacher_name), "{}", page.body);
    assert!(page.body.contains("Withdraw"), "{}", page.body);
    // Withdrawing asks first, offering the seat to the substitute; nothing changes until then.
    let reg = db.registrations(p, nd.id).await.expect("regs").into_iter().find(|r| r.person == senior).expect("reg");
    let reg = reg.id.to_string();
    let asked = head.post(&format!("{url}/withdraw"), &[("day", day.as_str()), ("registration", reg.as_str())]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains(&format!("Withdraw {senior_name}'s place?")), "{}", asked.body);
    assert!(asked.body.contains(&format!("It passes to {teacher_name}, the substitute")), "{}", asked.body);
    let odd = [("day", day.as_str()), ("registration", reg.as_str()), ("confirmed", "yes"), ("then", "maybe")];
    assert_eq!(head.post(&format!("{url}/withdraw"), &odd).await.status, StatusCode::BAD_REQUEST);
    let regs = db.registrations(p, nd.id).await.expect("regs");
    assert!(regs.iter().all(|r| r.status == aspire_store::RegistrationStatus::Registered), "nothing withdrawn yet");

    // The staff list: a bad line saves nothing and is named; then the list and the term's reach.
    let bad = head.post(&format!("{url}/staff"), &[("staff", "Ann Able, teacher\nBob Brown, wizard")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Line 2: &#39;wizard&#39; is not a staff role"), "{}", bad.body);
    assert!(db.staff_members(school).await.expect("staff").is_empty());
    assert!(
        bad.body.contains("Ann Able, teacher\nBob Brown, wizard</textarea>"),
        "what was typed is kept: {}",
        bad.body
    );
    let good = head
        .post(
            &format!("{url}/staff"),
            &[("staff", "Ann Able, teacher\nBob Brown, teaching assistant\n\nCy Cole, support staff")],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let staff = db.staff_members(school).await.expect("staff");
    assert_eq!(staff.len(), 3);
    let again = head.post(&format!("{url}/staff"), &[("staff", "ann able, teacher")]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("ann able is already on the staff list"), "{}", again.body);
    assert_eq!(db.staff_members(school).await.expect("staff").len(), 3, "a name given again is not added");
    let term = nd.term.code();
    let (first, second) = (format!("reached-{}", staff[0].id), format!("reached-{}", staff[1].id));
    let fields = [("term", term.as_str()), (first.as_str(), "network-day"), (second.as_str(), "coached")];
    let reach = head.post(&format!("{url}/reach"), &fields).await;
    assert_eq!(reach.status, StatusCode::SEE_OTHER, "{}", reach.body);
    let page = head.get(&format!("{url}?term={term}")).await;
    assert!(page.body.contains("67%"), "two of three reached: {}", page.body);
    // Who joined in February counts from the spring term: autumn's share stays two of three.
    let typo = head.post(&format!("{url}/staff"), &[("staff", "Di Dee, teacher"), ("joined", "26/02/2018")]).await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    assert!(typo.body.contains("&#39;26/02/2018&#39; is not a date"), "{}", typo.body);
    assert!(typo.body.contains("Di Dee, teacher</textarea>") && typo.body.contains("value=\"26/02/2018\""));
    let joined = head.post(&format!("{url}/staff"), &[("staff", "Di Dee, teacher"), ("joined", "2018-02-26")]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    let page = head.get(&format!("{url}?term={term}")).await;
    assert!(page.body.contains("67%") && page.body.contains("from Mon 26 February 2018"), "{}", page.body);
    assert!(!page.body.contains("name=\"reached-4\""), "not ticked for autumn, before they joined");
    // Leaving needs a day; one added in error is taken off; another school's is not found.
    let di = db.staff_members(school).await.expect("staff").into_iter().find(|x| x.name == "Di Dee").expect("Di");
    let member = format!("{url}/staff/{}", di.id);
    let no_day = head.post(&member, &[("change", "left"), ("left_on", "")]).await;
    assert!(no_day.status == StatusCode::BAD_REQUEST && no_day.body.contains("Give the day they left"));
    let left = head.post(&member, &[("change", "left"), ("left_on", "2018-07-20")]).await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);
    let di = db.staff_members(school).await.expect("staff").into_iter().find(|x| x.name == "Di Dee").expect("Di");
    assert_eq!(di.left_on, chrono::NaiveDate::from_ymd_opt(2018, 7, 20));
    assert_eq!(head.post(&member, &[("change", "remove")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(db.staff_members(school).await.expect("staff").len(), 3, "taken off the list");
    let gone = head.post(&member, &[("change", "remove")]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // The adviser: the day is in their week, with its roll; the head cannot open the roll.
    let s = db.start_session(adviser, &SignInPolicy::default()).await.expect("session");
    let adviser_site = App { session: Some((format!("aspire_session={}", s.token), s.csrf)), ..site.signed_out() };
    let week = adviser_site.get(&format!("/week?from={}", nd.held_on)).await;
    assert_eq!(week.status, StatusCode::OK, "{}", week.body);
    assert!(week.body.contains("Take the roll") && week.body.contains("Guildford North"), "{}", week.body);
    let roll_url = format!("/programmes/{p}/year/{}/roll", nd.id);
    assert_eq!(head.get(&roll_url).await.status, StatusCode::NOT_FOUND);
    let roll = adviser_site.get(&roll_url).await;
    assert!(roll.body.contains(&senior_name) && roll.body.contains("substitute for"), "{}", roll.body);
    let marks = [(format!("mark-{senior}"), "absent"), (format!("mark-{teacher}"), "present")];
    let fields: Vec<(&str, &str)> = marks.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let saved = adviser_site.post(&roll_url, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = adviser_site.get(&format!("{roll_url}?saved=yes")).await;
    assert!(after.body.contains("The roll is saved: 2 of 2 marked"), "{}", after.body);
    let field = format!("mark-{stranger}");
    let wrong = adviser_site.post(&roll_url, &[(field.as_str(), "present")]).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("is not on this day&#39;s roll"), "{}", wrong.body);
    assert!(!wrong.body.contains(&format!("{stranger_name} is not")), "an id sent by hand names nobody");

    // Reach follows the roll: the school's people with an account are put on the staff list,
    // and the teacher who came is then reached from the roll, a tick the form cannot take away.
    let page = head.get(&format!("{url}?term={term}")).await;
    assert!(page.body.contains("data-testid=\"staff-unlisted\"") && page.body.contains(&teacher_name), "{}", page.body);
    assert!(!page.body.contains("data-testid=\"from-roll\""), "nobody linked yet");
    let listed = head.post(&format!("{url}/staff"), &[("from", "accounts"), ("term", term.as_str())]).await;
    assert_eq!(listed.status, StatusCode::SEE_OTHER, "{}", listed.body);
    let to = listed.headers.get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(to.contains(&format!("term={term}")) && to.contains("done=staff-listed"), "the term is kept: {to}");
    let said = head.get(&to).await;
    assert!(said.body.contains("0 rows linked to their accounts by name, and 3 added"), "{}", said.body);
    let linked = db.staff_members(school).await.expect("staff");
    assert!(linked.iter().any(|s| s.person == Some(teacher)) && linked.iter().any(|s| s.person == Some(senior)));
    let page = head.get(&format!("{url}?term={term}")).await;
    assert!(!page.body.contains("data-testid=\"staff-unlisted\""), "{}", page.body);
    let from_roll = page.body.split("data-testid=\"from-roll\"").count() - 1;
    assert_eq!(from_roll, 1, "the teacher, present; the senior leader was absent: {}", page.body);
    assert!(page.body.contains("(from the roll of the Senior Leaders Network Day on "), "{}", page.body);
    let ann = linked.iter().find(|s| s.name == "Ann Able").expect("Ann").id;
    let to_stranger = [("change", "link"), ("person", x.as_str())];
    let refused = head.post(&format!("{url}/staff/{ann}"), &to_stranger).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("does not hold a role at this school"), "{}", refused.body);
    assert!(db.staff_members(school).await.expect("staff").iter().all(|s| s.person != Some(stranger)));

    // A Development Day nobody registered for: the adviser records it as held, from its roll.
    let dev = days.iter().find(|e| e.urn == Some(urn(GUILDFORD[1]))).expect("a Development Day");
    let dev_roll = format!("/programmes/{p}/year/{}/roll", dev.id);
    let empty = adviser_site.get(&dev_roll).await;
    assert!(empty.body.contains("Nobody was registered for this day") && empty.body.contains("Record the day as held"));
    assert!(empty.body.contains(&format!("/programmes/{p}/year/{}\"", dev.id)), "a link to the day's page");
    let held_url = format!("/programmes/{p}/year/{}/held", dev.id);
    assert_eq!(head.post(&held_url, &[("held", "yes")]).await.status, StatusCode::NOT_FOUND, "not the head's");
    let held = adviser_site.post(&held_url, &[("held", "yes")]).await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let after = adviser_site.get(&format!("{dev_roll}?saved=held")).await;
    assert!(
        after.body.contains("The day is recorded as held.") && after.body.contains("take this back"),
        "{}",
        after.body
    );
    assert_eq!(adviser_site.post(&held_url, &[("held", "maybe")]).await.status, StatusCode::BAD_REQUEST);

    // The network passes to another adviser after the Network Day; the first adviser, now
    // advising another network, still keeps that day's roll, and not the days handed on.
    let cli = aspire_store::Actor::command_line();
    let north = nd.network;
    let south = db.create_network(&cli, p, "Guildford South").await.expect("network");
    let advisers =
        [Grant::new(Role::AchievementAdviser, Scope::Network { programme: p, network: north }, false).expect("grant")];
    let (next, _) = person_with(&db, &advisers).await;
    let kinds: Vec<String> = days.iter().map(|e| e.kind.clone()).collect();
    let after_day = nd.held_on.succ_opt().expect("date");
    db.assign_advisers(&cli, p, &[(north, next), (south, adviser)], &kinds, after_day, &[]).await.expect("hand over");
    let kept = adviser_site.get(&roll_url).await;
    assert_eq!(kept.status, StatusCode::OK, "the roll of a day they led: {}", kept.body);
    let later = db
        .programme_events(p, &Visible::everything())
        .await
        .expect("days")
        .into_iter()
        .find(|e| e.network == north && e.held_on > nd.held_on && e.adviser == Some(next))
        .expect("a day handed on");
    let handed = adviser_site.get(&format!("/programmes/{p}/year/{}/roll", later.id)).await;
    assert_eq!(handed.status, StatusCode::NOT_FOUND, "not a day handed on");

    // Surrey's officer reads its schools' days on the year page, with no link to the network or
    // day pages they may not open.
    let surrey = aspire_core::codes::LaCode::parse("936").expect("la");
    let officer = site
        .signed_out()
        .signed_in(&[
            Grant::new(Role::LaOfficer, Scope::LocalAuthority { programme: p, la: surrey }, false).expect("grant")
        ])
        .await;
    let year = officer.get(&format!("/programmes/{p}/year")).await;
    assert_eq!(year.status, StatusCode::OK, "{}", year.body);
    assert!(!year.body.contains("No days are planned yet") && year.body.contains("Guildford North"), "{}", year.body);
    assert!(!year.body.contains(&format!("/programmes/{p}/networks/")), "no network link: {}", year.body);
    let theirs = officer.get(&url).await;
    assert!(theirs.body.contains("Guildford North") && !theirs.body.contains(&format!("/programmes/{p}/networks/")));

    // The year in figures: the roll's two marks, one came; reach 3 of the 6 listed (two ticked,
    // the teacher from the roll), in the one school of four with a staff list.
    let figures = team.get(&format!("/programmes/{p}/figures")).await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    let autumn = format!("<td>{}</td>", nd.term.label());
    let counts = "<td class=\"num\">2</td><td class=\"num\">1</td><td>50%</td><td>1 of 4</td><td class=\"num\">6</td><td class=\"num\">3</td><td>50%</td>";
    assert!(figures.body.contains(&format!("{autumn}{counts}")), "the programme's term: {}", figures.body);
    assert!(figures.body.contains(&format!("<td>Guildford North</td>{autumn}{counts}")), "the network's term");
    assert!(figures.body.contains("data-testid=\"figures-people\"") && figures.body.contains(&teacher_name));
    let filtered = team.get(&format!("/programmes/{p}/figures?network=nine")).await;
    assert!(filtered.body.contains("There is no network &#39;nine&#39; here"), "{}", filtered.body);
    let twice = team.get(&format!("/programmes/{p}/figures?network=1&network=2")).await;
    assert_eq!(twice.status, StatusCode::OK, "an edited address is answered as a page: {}", twice.body);

    // An evaluator reads the seats, not who holds them, nor the staff list.
    let evaluator =
        site.signed_out().signed_in(&[Grant::new(Role::Evaluator, Scope::Programme(p), false).expect("grant")]).await;
    let read = evaluator.get(&url).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(read.body.contains("Nominated") && !read.body.contains(&senior_name), "{}", read.body);
    assert!(read.body.contains("Named"), "a substitute is named: {}", read.body);
    assert!(!read.body.contains(&format!("<td>{teacher_name}</td>")), "not who: {}", read.body);
    assert!(!read.body.contains("Ann Able") && !read.body.contains("Nominate</button>"), "{}", read.body);
    let figures = evaluator.get(&format!("/programmes/{p}/figures")).await;
    assert!(figures.body.contains("data-testid=\"figures-networks\""), "{}", figures.body);
    assert!(!figures.body.contains("figures-people") && !figures.body.contains(&teacher_name), "nobody named");
}
