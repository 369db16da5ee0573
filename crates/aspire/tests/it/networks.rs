//! `aspire networks form` and `score` on the 200-school fixture and on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::text;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/networks").join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aspire"))
        .args(args)
        .env_remove("ASPIRE_DATABASE_URL")
        .output()
        .expect("run aspire")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The objective printed by `score`.
fn objective(o: &Output) -> f64 {
    let out = text(o);
    let line = out.lines().find(|l| l.starts_with("objective")).unwrap_or_else(|| panic!("no objective: {out}"));
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{line}"))
}

#[test]
fn score_reproduces_the_peers_totals() {
    let input = fixture("ri_inad_first200.csv");
    for (file, expect) in [
        ("ri_inad_first200__cpsat_setpart.csv", 1579.8363945417693),
        ("ri_inad_first200__kmeans_constrained.csv", 1672.2972198679154),
    ] {
        let o = run(&["networks", "score", "--input", s(&input), s(&fixture(file))]);
        assert!(o.status.success(), "{}", text(&o));
        assert!((objective(&o) - expect).abs() < 1e-6, "{file}: {}", text(&o));
        assert!(text(&o).contains("lower bound"), "{}", text(&o));
    }
}

#[test]
fn form_writes_a_partition_better_than_k_means() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("networks.csv");
    let input = fixture("ri_inad_first200.csv");
    let o = run(&["networks", "form", "--input", s(&input), "--size", "4", "--time-limit", "0.3", "--out", s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    let summary = text(&o);
    assert!(summary.contains("200 schools in 50 networks") && summary.contains("lower bound"), "{summary}");
    let written = std::fs::read_to_string(&out).expect("written");
    assert!(written.starts_with("URN,network\n"));
    let mut count = std::collections::HashMap::new();
    for line in written.lines().skip(1) {
        let (_, net) = line.split_once(',').expect("two columns");
        *count.entry(net.to_owned()).or_insert(0) += 1;
    }
    assert_eq!(count.len(), 50);
    assert!(count.values().all(|&c| c == 4));
    let scored = run(&["networks", "score", "--input", s(&input), s(&out)]);
    assert!(scored.status.success(), "{}", text(&scored));
    assert!(objective(&scored) <= 1672.2972198679154, "{}", text(&scored));
}

#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("networks.csv");
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p
    };
    let good: String = std::fs::read_to_string(fixture("ri_inad_first200.csv")).expect("fixture");
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[16] = "100999,abc,-0.1".to_owned();
    let bad_lat = write("bad_lat.csv", &lines.join("\n"));
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[3] = format!("{},,", lines[3].split(',').next().expect("urn"));
    lines[5] = format!("{},51.5,", lines[5].split(',').next().expect("urn"));
    let blank = write("blank.csv", &lines.join("\n"));
    let blank_urns: Vec<String> =
        good.lines().skip(3).step_by(2).take(2).map(|l| l.split(',').next().expect("urn").to_owned()).collect();
    let dup = write("dup.csv", &format!("{good}{}\n", good.lines().nth(1).expect("row")));
    let ten = write("ten.csv", &good.lines().take(3).collect::<Vec<_>>().join("\n"));
    let input = fixture("ri_inad_first200.csv");
    let first: Vec<String> =
        good.lines().skip(1).take(3).map(|l| l.split(',').next().expect("urn").to_owned()).collect();
    let conflict_ml = write("ml.csv", &format!("a,b\n{},{}\n", first[0], first[1]));
    let conflict_cl = write("cl.csv", &format!("a,b\n{},{}\n", first[1], first[0]));
    let too_far = write("far.csv", &format!("{},{}\n", first[0], "100152"));
    let fixed_bad = write("fixed.csv", &format!("URN,network\n{},1\n{},1\n", first[0], first[1]));
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--input", s(&bad_lat)], "line 17: latitude \"abc\" is not a number".to_owned()),
        (vec!["--input", s(&blank)], format!("2 school(s) have no coordinates: {}, {}", blank_urns[0], blank_urns[1])),
        (vec!["--input", s(&dup)], "appears more than once".to_owned()),
        (vec!["--input", s(&ten)], "2 school(s) cannot be divided into networks of 3 to 5".to_owned()),
        (vec!["--input", "/no/such/file.csv"], "/no/such/file.csv".to_owned()),
        (vec!["--input", s(&input), "--within", "region"], "no column called region".to_owned()),
        (
            vec!["--input", s(&input), "--must-link", s(&conflict_ml), "--cannot-link", s(&conflict_cl)],
            format!("must-link {}–{} conflicts with cannot-link {}–{}", first[0], first[1], first[1], first[0]),
        ),
        (
            vec!["--input", s(&input), "--must-link", s(&too_far), "--max-distance", "1"],
            "beyond the maximum distance".to_owned(),
        ),
        (vec!["--input", s(&input), "--fixed", s(&fixed_bad)], "fixed network 1 has 2 schools".to_owned()),
        (vec!["--input", s(&input), "--size", "1"], "at least 2".to_owned()),
    ];
    for (args, expect) in cases {
        let mut a = vec!["networks", "form"];
        a.extend(args.iter().copied());
        a.extend(["--time-limit", "0.1", "--out", s(&out)]);
        let o = run(&a);
        assert!(!o.status.success(), "{a:?}");
        assert!(text(&o).contains(&expect), "{a:?}: expected {expect:?} in {}", text(&o));
        assert!(!out.exists(), "{a:?}: nothing written");
        assert_eq!(
            std::fs::read_dir(dir.path())
                .expect("dir")
                .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp")))
                .count(),
            0
        );
    }

    // Score: a school missing from the partition, a URN not in the schools.
    let partial = write(
        "partial.csv",
        &std::fs::read_to_string(fixture("ri_inad_first200__cpsat_setpart.csv"))
            .expect("sol")
            .lines()
            .take(200)
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let o = run(&["networks", "score", "--input", s(&input), s(&partial)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("1 school(s) are in no network"), "{}", text(&o));
    let extra = write(
        "extra.csv",
        &format!(
            "{}\n999999,7\n",
            std::fs::read_to_string(fixture("ri_inad_first200__cpsat_setpart.csv")).expect("sol").trim_end()
        ),
    );
    let o = run(&["networks", "score", "--input", s(&input), s(&extra)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("999999"), "{}", text(&o));
}

/// `aspire` against a database.
fn with_db(url: &str, args: &[&str]) -> Output {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn form_reads_a_programme_and_saves_its_networks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = super::TestDb::new(dir.path());
    let url = db.url.clone();
    let gias = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    assert!(with_db(&url, &["import", s(&gias)]).status.success());
    let o = with_db(&url, &["programme", "create", "--template", "tlif-2017", "--starts", "2017-11-01", "Guildford"]);
    assert!(o.status.success(), "{}", text(&o));
    // Eight Guildford schools with coordinates.
    let guildford = ["125004", "125009", "125025", "125067", "125079", "125160", "125167", "125189"];
    let mut enrol = vec!["programme", "enrol", "1"];
    enrol.extend_from_slice(&guildford);
    assert!(with_db(&url, &enrol).status.success());
    let out = dir.path().join("n.csv");
    let o = with_db(&url, &["networks", "form", "--programme", "1", "--within", "county", "--out", s(&out)]);
    assert!(!o.status.success() && text(&o).contains("choose none, la or region"), "{}", text(&o));
    let o = with_db(&url, &["networks", "form", "--programme", "1", "--within", "la", "--save", "--out", s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("8 schools in 2 networks") && text(&o).contains("saved as the networks of programme 1"));
    let o = with_db(&url, &["programme", "list"]);
    assert!(text(&o).contains("8 schools, 2 networks"), "{}", text(&o));
    // A school without coordinates is named and left out; the others are grouped.
    let spine = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/schools_england_2018_waiky8/england_spine_2017-2018.csv");
    assert!(with_db(&url, &["import", s(&spine)]).status.success());
    assert!(with_db(&url, &["programme", "enrol", "1", "105626"]).status.success());
    let o = with_db(&url, &["networks", "form", "--programme", "1", "--save", "--out", s(&out)]);
    assert!(o.status.success() && text(&o).contains("not placed: 105626"), "{}", text(&o));
    assert!(text(&o).contains("8 schools in 2 networks"), "{}", text(&o));
    assert!(text(&with_db(&url, &["programme", "list"])).contains("9 schools, 2 networks"));
}

#[test]
fn help_is_there() {
    for args in [
        &["networks", "--help"][..],
        &["networks", "form", "--help"],
        &["networks", "score", "--help"],
        &["networks", "advisers", "--help"],
    ] {
        let o = run(args);
        assert!(o.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn form_keeps_boundaries_links_and_agreed_networks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = std::fs::read_to_string(fixture("ri_inad_first200.csv")).expect("fixture");
    // Two boundaries: north and south of 52°N.
    let mut body = String::from("urn,Latitude,Longitude,la\n");
    let mut side = std::collections::HashMap::new();
    let mut urns = Vec::new();
    for line in good.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let la = if f[1].parse::<f64>().expect("lat") > 52.0 { "north" } else { "south" };
        side.insert(f[0].to_owned(), la);
        urns.push(f[0].to_owned());
        body.push_str(&format!("{},{},{},{la}\n", f[0], f[1], f[2]));
    }
    let input = dir.path().join("schools.csv");
    std::fs::write(&input, body).expect("write");
    let same = |a: &str| urns.iter().find(|u| *u != a && side[*u] == side[a]).expect("partner").clone();
    let (m1, m2) = (urns[0].clone(), same(&urns[0]));
    let (c1, c2) = (urns[10].clone(), same(&urns[10]));
    let must = dir.path().join("must.csv");
    std::fs::write(&must, format!("{m1},{m2}\n")).expect("write");
    let cannot = dir.path().join("cannot.csv");
    std::fs::write(&cannot, format!("{c1},{c2}\n")).expect("write");
    let fixed_members: Vec<String> =
        urns.iter().filter(|u| side[*u] == side[&urns[50]]).skip(5).take(4).cloned().collect();
    let fixed = dir.path().join("fixed.csv");
    std::fs::write(
        &fixed,
        format!("URN,network\n{}", fixed_members.iter().map(|u| format!("{u},A\n")).collect::<String>()),
    )
    .expect("write");
    let advisers = dir.path().join("advisers.csv");
    std::fs::write(&advisers, "name,lat,lon,capacity\nAda,51.5,-0.1,30\nBen,53.5,-2.2,30\n").expect("write");
    let out = dir.path().join("networks.csv");
    let o = run(&[
        "networks",
        "form",
        "--input",
        s(&input),
        "--within",
        "LA",
        "--must-link",
        s(&must),
        "--cannot-link",
        s(&cannot),
        "--fixed",
        s(&fixed),
        "--advisers",
        s(&advisers),
        "--time-limit",
        "0.3",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("advisers:"), "{}", text(&o));
    let mut net_of = std::collections::HashMap::new();
    let mut members: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for line in std::fs::read_to_string(&out).expect("out").lines().skip(1) {
        let (u, n) = line.split_once(',').expect("row");
        net_of.insert(u.to_owned(), n.to_owned());
        members.entry(n.to_owned()).or_default().push(u.to_owned());
    }
    assert_eq!(net_of.len(), 200);
    for m in members.values() {
        assert!((3..=5).contains(&m.len()));
        assert!(m.iter().all(|u| side[u] == side[&m[0]]), "one boundary per network: {m:?}");
    }
    assert_eq!(net_of[&m1], net_of[&m2]);
    assert_ne!(net_of[&c1], net_of[&c2]);
    let mut kept = members[&net_of[&fixed_members[0]]].clone();
    kept.sort();
    let mut want = fixed_members.clone();
    want.sort();
    assert_eq!(kept, want, "the agreed network is kept");
}

#[test]
fn advisers_are_placed_by_postcode_district_and_assigned_as_far_as_capacity_allows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = super::TestDb::new(dir.path());
    let url = db.url.clone();
    let gias = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    assert!(with_db(&url, &["import", s(&gias)]).status.success());
    assert!(
        with_db(&url, &["programme", "create", "--template", "tlif-2017", "--starts", "2017-11-01", "G"])
            .status
            .success()
    );
    let mut enrol = vec!["programme", "enrol", "1"];
    enrol.extend_from_slice(&["125004", "125009", "125025", "125067", "125079", "125160", "125167", "125189"]);
    assert!(with_db(&url, &enrol).status.success());
    let out = dir.path().join("n.csv");
    assert!(with_db(&url, &["networks", "form", "--programme", "1", "--save", "--out", s(&out)]).status.success());
    let add = with_db(&url, &["user", "add", "--role", "admin", "--name", "Alex Adviser", "alex@provider.example"]);
    assert!(add.status.success(), "{}", text(&add));
    // Every problem at once, nothing changed.
    let o = with_db(
        &url,
        &[
            "networks",
            "advisers",
            "--programme",
            "1",
            "--adviser",
            "alex@provider.example,two,53.8 -1.7",
            "--adviser",
            "nobody@provider.example,1,GU1",
        ],
    );
    assert!(!o.status.success());
    let said = text(&o);
    assert!(
        said.contains("Adviser 1: the networks they can take")
            && said.contains("Adviser 1: '53.8 -1.7' is not a postcode district"),
        "{said}"
    );
    assert!(
        said.contains("Adviser 2: no one has the address nobody@provider.example")
            && said.contains("nothing was changed"),
        "{said}"
    );
    // One network's worth of capacity, placed at GU1: one network assigned, the other not.
    let o = with_db(&url, &["networks", "advisers", "--programme", "1", "--adviser", "alex@provider.example, 1, GU1"]);
    assert!(o.status.success(), "{}", text(&o));
    let said = text(&o);
    assert!(said.contains("adviser 1: placed at GU1: the mean position of the"), "{said}");
    assert_eq!(said.matches(": adviser 1").count(), 1, "{said}");
    assert_eq!(said.matches("no adviser (the advisers' capacity ran short)").count(), 1, "{said}");
    // Room for both: the network without an adviser gets one, and none loses theirs.
    let both = ["networks", "advisers", "--programme", "1", "--adviser", "alex@provider.example,2,GU1"];
    let o = with_db(&url, &both);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(text(&o).matches(": adviser 1").count(), 2, "{}", text(&o));
    // Taking a network from the adviser it has is listed, and done only when asked to.
    let one = ["networks", "advisers", "--programme", "1", "--adviser", "alex@provider.example,1,GU1"];
    let asked = with_db(&url, &one);
    assert!(!asked.status.success());
    let said = text(&asked);
    assert!(said.contains("loses Alex Adviser and has no adviser") && said.contains("again with --replace"), "{said}");
    let mut replace = one.to_vec();
    replace.push("--replace");
    let o = with_db(&url, &replace);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(text(&o).matches(": adviser 1").count(), 1, "{}", text(&o));
    // A network renamed, a name refused, and one not published is not unpublished.
    let rename =
        |name: &str| with_db(&url, &["networks", "rename", "--programme", "1", "--network", "1", "--name", name]);
    let o = rename("Guildford Central");
    assert!(o.status.success() && text(&o).contains("now named Guildford Central"), "{}", text(&o));
    let o = rename("   ");
    assert!(!o.status.success() && text(&o).contains("nothing was changed"), "{}", text(&o));
    let o = with_db(&url, &["networks", "unpublish", "--programme", "1", "--network", "1"]);
    assert!(!o.status.success() && text(&o).contains("is not published"), "{}", text(&o));
    let o = with_db(&url, &["programme", "contact", "1", "not an address"]);
    assert!(!o.status.success() && text(&o).contains("is not an email address"), "{}", text(&o));
    let o = with_db(&url, &["programme", "contact", "1", "team@provider.example"]);
    assert!(o.status.success() && text(&o).contains("is now team@provider.example"), "{}", text(&o));
}
