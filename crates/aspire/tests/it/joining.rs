//! `aspire joining remind` and giving a local authority officer's role from the command line.

use super::{TestDb, aspire, data, text};

#[test]
fn heads_are_reminded_once_a_week_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::new(dir.path());
    let gias = data("gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv");
    let o = aspire(&db, &["import", gias.to_str().expect("path")]);
    assert!(o.status.success(), "{}", text(&o));
    for args in [
        &["programme", "create", "Hampshire 2017", "--template", "tlif-2017", "--starts", "2017-11-01"][..],
        &["programme", "enrol", "1", "115850", "115851"],
        &["user", "add", "head@alton.example", "--role", "head-teacher", "--urn", "115850"],
    ] {
        let o = aspire(&db, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    let o = aspire(&db, &["joining", "remind", "--after-days", "0"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("reminded the head of 115850 in programme 1: 6 steps open"), "{out}");
    assert!(out.contains("not reminded: 115851") && out.contains("1 reminders put in the outbox"), "{out}");
    let again = text(&aspire(&db, &["joining", "remind", "--after-days", "0"]));
    assert!(again.contains("0 reminders put in the outbox"), "at most once a week: {again}");
    let later = text(&aspire(&db, &["joining", "remind"]));
    assert!(later.contains("0 reminders"), "two weeks have not passed since enrolment: {later}");

    let o = aspire(&db, &["user", "add", "officer@hants.example", "--role", "la-officer", "--programme", "1"]);
    assert!(!o.status.success() && text(&o).contains("--la CODE"), "{}", text(&o));
    let o = aspire(
        &db,
        &["user", "add", "officer@hants.example", "--role", "la-officer", "--programme", "1", "--la", "850"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let list = text(&aspire(&db, &["user", "list"]));
    assert!(list.contains("Hampshire (850) in Hampshire 2017"), "the authority named: {list}");
}
