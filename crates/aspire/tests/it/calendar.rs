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
