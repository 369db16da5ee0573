//! `aspire calendar bank-holidays`: the list the independent check compares against.

use std::process::{Command, Output};

use super::text;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aspire"))
        .args(args)
        .env_remove("ASPIRE_DATABASE_URL")
        .output()
        .expect("run aspire")
}

#[test]
fn bank_holidays_print_as_csv_with_the_one_off_days() {
    let o = run(&["calendar", "bank-holidays", "--from", "2020", "--to", "2022", "--format", "csv"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = text(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "date,name");
    assert_eq!(lines.len(), 1 + 8 + 8 + 10);
    assert!(lines.contains(&"2020-05-08,Early May bank holiday (VE day)"));
    assert!(!out.contains("2020-05-04"));
    assert!(lines.contains(&"2020-12-28,Boxing Day"));
    assert!(out.contains("2022-09-19,"));
}

#[test]
fn bank_holidays_the_file_does_not_know_are_refused() {
    for args in [["--from", "2016", "--to", "2018"], ["--from", "2020", "--to", "2019"]] {
        let o = run(&["calendar", "bank-holidays", args[0], args[1], args[2], args[3]]);
        assert!(!o.status.success(), "{args:?}");
        assert!(o.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--from")
                || String::from_utf8_lossy(&o.stderr).contains("2017 to 2027")
        );
    }
}

#[test]
fn term_dates_are_entered_then_the_year_is_planned_listed_moved_and_cancelled() {
    use super::{TestDb, aspire, block_on, data};
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::new(dir.path());
    let gias = data("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    for args in [
        &["import", gias.to_str().expect("path")][..],
        &["programme", "create", "Hampshire 2017", "--template", "tlif-2017", "--starts", "2017-11-01"],
        &["programme", "enrol", "1", "115850", "115851", "115852", "115853"],
    ] {
        let o = aspire(&db, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    block_on(async {
        let store = aspire_store::Db::connect(&db.url).await.expect("connect");
        let p = aspire_core::people::ProgrammeId::new(1);
        aspire_testkit::network_with_adviser(&store, p, "North Hampshire", &["115850", "115851", "115852", "115853"])
            .await;
        store.close().await;
    });
    let header = "la_code,urn,academic_year,term,starts,ends,half_term_starts,half_term_ends,closed_on,reason\n";
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{header}850,,2017/18,autumn,05/09/2017,20/12/2017,06/11/2017,10/11/2017,,\n999,,2017/18,spring,03/01/2018,23/03/2018,12/02/2018,16/02/2018,,\n"),
    )
    .expect("write");
    let before = db.state();
    let o = aspire(&db, &["calendar", "import-terms", bad.to_str().expect("path")]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("line 3, column la_code, value '999'") && out.contains("nothing was saved: 1 row"), "{out}");
    assert_eq!(db.state(), before, "a refused file writes nothing");

    let good = dir.path().join("terms.csv");
    std::fs::write(
        &good,
        format!("{header}850,,2017/18,autumn,05/09/2017,20/12/2017,06/11/2017,10/11/2017,,\n,115850,,,,,,,14/11/2017,INSET day\n"),
    )
    .expect("write");
    let o = aspire(&db, &["calendar", "import-terms", good.to_str().expect("path")]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("saved 1 term and 1 closure day"), "{}", text(&o));
    let terms = text(&aspire(&db, &["calendar", "terms", "--urn", "115850", "--year", "2017/18"]));
    assert!(
        terms.contains("autumn 2017/18") && terms.contains("(LA dates)") && terms.contains("(default dates)"),
        "{terms}"
    );
    assert!(terms.contains("2017-11-14  Tue  closed: INSET day"), "{terms}");

    let dry = text(&aspire(&db, &["calendar", "plan", "--programme", "1", "--dry-run"]));
    assert!(dry.contains("would plan (dry run, nothing saved) 30 days for 1 network"), "{dry}");
    assert!(text(&aspire(&db, &["calendar", "days", "--programme", "1"])).contains("no days are planned"));
    let o = aspire(&db, &["calendar", "plan", "--programme", "1"]);
    assert!(o.status.success() && text(&o).contains("planned 30 days"), "{}", text(&o));
    let csv = text(&aspire(&db, &["calendar", "days", "--programme", "1", "--format", "csv"]));
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 31, "{csv}");
    assert!(
        rows.iter().all(|r| !r.contains(",2017-11-14,") || !(r.contains(",,planned") || r.contains(",115850,"))),
        "nothing for 115850 on its INSET day"
    );
    assert!(
        rows.iter().all(|r| !(r.contains(",2017-11-06,") || r.contains(",2017-11-10,"))),
        "none in the LA's half-term"
    );
    let first: Vec<&str> = rows[1].split(',').collect();
    let again = aspire(&db, &["calendar", "plan", "--programme", "1"]);
    assert!(!again.status.success() && text(&again).contains("planned already"), "{}", text(&again));

    let o = aspire(&db, &["calendar", "move", "--programme", "1", "--day", first[0], "--to", "2017-11-07"]);
    assert!(!o.status.success() && text(&o).contains("half-term"), "{}", text(&o));
    let o = aspire(&db, &["calendar", "cancel", "--programme", "1", "--day", first[0], "--reason", " "]);
    assert!(!o.status.success() && text(&o).contains("reason is required"), "{}", text(&o));
    let o = aspire(&db, &["calendar", "cancel", "--programme", "1", "--day", first[0], "--reason", "Snow"]);
    assert!(o.status.success(), "{}", text(&o));
    let list = text(&aspire(&db, &["calendar", "days", "--programme", "1"]));
    assert!(list.contains("CANCELLED: Snow"), "{list}");

    // The calendar: the programme's, one school's (its Network Days and its own Development
    // Days), the cancelled day marked; a school or person not there is refused.
    let all = text(&aspire(&db, &["calendar", "ics", "--programme", "1"]));
    assert!(all.starts_with("BEGIN:VCALENDAR") && all.contains("TZID:Europe/London"), "{all}");
    assert_eq!(all.matches("BEGIN:VEVENT").count(), 30, "{all}");
    assert_eq!(all.matches("STATUS:CANCELLED").count(), 1, "{all}");
    let one = text(&aspire(&db, &["calendar", "ics", "--programme", "1", "--urn", "115850"]));
    assert_eq!(one.matches("BEGIN:VEVENT").count(), 12, "6 Network Days and 6 Development Days: {one}");
    let o = aspire(&db, &["calendar", "ics", "--programme", "1", "--urn", "100000"]);
    assert!(!o.status.success() && text(&o).contains("not in programme 1"), "{}", text(&o));
    let o = aspire(&db, &["calendar", "ics", "--programme", "1", "--person", "nobody@example.org"]);
    assert!(!o.status.success() && text(&o).contains("nobody has the address"), "{}", text(&o));

    // A day added: on a Saturday refused, naming the school; in the summer of 2019 outside the
    // network's year.
    let add = |date: &str| {
        aspire(
            &db,
            &[
                "calendar",
                "add",
                "--programme",
                "1",
                "--network",
                "1",
                "--kind",
                "development-day",
                "--urn",
                "115850",
                "--date",
                date,
            ],
        )
    };
    let o = add("2017-12-16");
    assert!(!o.status.success() && text(&o).contains("is closed on Sat 16 December 2017"), "{}", text(&o));
    let o = add("2019-06-12");
    assert!(!o.status.success() && text(&o).contains("is in no term of"), "{}", text(&o));

    // A closure day entered after planning, on a day a Development Day is planned at that
    // school: saved, and the day named to move or cancel.
    let dev: Vec<&str> =
        rows.iter().find(|r| r.contains(",115850,planned,")).expect("a Development Day at 115850").split(',').collect();
    let on = chrono::NaiveDate::parse_from_str(dev[1], "%Y-%m-%d").expect("date");
    let closure = dir.path().join("closure.csv");
    std::fs::write(&closure, format!("{header},115850,,,,,,,{},Staff training\n", on.format("%d/%m/%Y")))
        .expect("write");
    let o = aspire(&db, &["calendar", "import-terms", closure.to_str().expect("path")]);
    assert!(o.status.success(), "{}", text(&o));
    let said = text(&o);
    assert!(said.contains("1 planned day now falls on a day a school is closed"), "{said}");
    assert!(said.contains(&format!("day {}: {on},", dev[0])) && said.contains("Staff training)"), "{said}");

    // The cohort's dose: every enrolled school, the cancelled day not counted, no roll taken
    // (so nothing attended and every day "not recorded", never an absence).
    let doses = text(&aspire(&db, &["evaluate", "doses", "--programme", "1", "--format", "csv"]));
    let mut lines = doses.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(&header[..4], ["urn", "school", "network", "autumn_2017_network_days"], "{doses}");
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let schools: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(schools.len(), 4, "{doses}");
    for r in &schools {
        let n = |c: &str| r[col(c)].parse::<u32>().expect("a count");
        assert_eq!(n("total_network_days") + n("total_development_days"), 11, "{doses}");
        assert_eq!((n("total_network_days_attended"), n("total_days_not_recorded")), (0, 11), "{doses}");
    }
    let table = text(&aspire(&db, &["evaluate", "doses", "--programme", "1"]));
    assert!(table.contains("0 of 6") && table.ends_with("4 schools; per term with --format csv or json\n"), "{table}");

    // A Development Day nobody registered for, recorded as held: it counts for its school.
    let o = aspire(&db, &["attendance", "held", "--programme", "1", "--day", dev[0]]);
    assert!(o.status.success() && text(&o).contains("is recorded as held"), "{}", text(&o));
    let doses = text(&aspire(&db, &["evaluate", "doses", "--programme", "1", "--format", "csv"]));
    let held = doses.lines().find(|l| l.starts_with("115850,")).expect("the school").split(',').collect::<Vec<_>>();
    assert_eq!(held[col("total_development_days_held")], "1", "{doses}");
    assert_eq!(held[col("total_days_not_recorded")], "10", "{doses}");

    // The year in figures: every school's terms, with no roll taken and no staff list, so no
    // attendance or reach figure (empty, never a zero share).
    let figures = aspire(&db, &["attendance", "figures", "--programme", "1", "--by", "school", "--format", "csv"]);
    let figures = text(&figures);
    let lines: Vec<&str> = figures.lines().collect();
    assert_eq!(
        lines[0],
        "urn,network,term,marks,present,late,absent,apologies,attendance,schools,schools_with_staff_list,staff,reached,reach"
    );
    assert_eq!(lines.len(), 1 + 4 * 3, "{figures}");
    assert!(lines[1..].iter().all(|l| l.ends_with(",0,0,0,0,0,,1,0,0,0,")), "{figures}");
    let by_term = text(&aspire(&db, &["attendance", "figures", "--programme", "1"]));
    assert!(by_term.starts_with("term Autumn 2017  marks 0") && by_term.lines().count() == 3, "{by_term}");

    // A day's places and resources: a bad number and a file that is not what its name says are
    // refused with nothing saved; a link and a file are listed.
    let second: Vec<&str> = rows[2].split(',').collect();
    let day = second[0];
    let o = aspire(&db, &["calendar", "places", "--programme", "1", "--day", day, "--places", "none"]);
    assert!(!o.status.success() && text(&o).contains("not a whole number"), "{}", text(&o));
    let o = aspire(&db, &["calendar", "places", "--programme", "1", "--day", day, "--places", "30"]);
    assert!(o.status.success() && text(&o).contains("places 30; 0 given a place"), "{}", text(&o));
    let dir = tempfile::tempdir().expect("dir");
    let fake = dir.path().join("slides.pptx");
    std::fs::write(&fake, "not a zip").expect("write");
    let f = fake.to_str().expect("path");
    let o =
        aspire(&db, &["calendar", "add-resource", "--programme", "1", "--day", day, "--title", "Slides", "--file", f]);
    assert!(!o.status.success() && text(&o).contains("does not hold what its name says"), "{}", text(&o));
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "Questioning: wait time, no hands up").expect("write");
    let n = notes.to_str().expect("path");
    let o =
        aspire(&db, &["calendar", "add-resource", "--programme", "1", "--day", day, "--title", "Notes", "--file", n]);
    assert!(o.status.success(), "{}", text(&o));
    let link = ["--link", "https://example.org/questioning"];
    let o = aspire(
        &db,
        &[&["calendar", "add-resource", "--programme", "1", "--day", day, "--title", "Guide"][..], &link].concat(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let listed = text(&aspire(&db, &["calendar", "resources", "--programme", "1", "--day", day, "--format", "csv"]));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 3, "{listed}");
    assert!(lines[1].ends_with(",Notes,text/plain; charset=utf-8,notes.txt,35"), "{listed}");
    assert!(lines[2].ends_with(",Guide,link,https://example.org/questioning,"), "{listed}");
}
