//! The evaluation report of a stored cohort and its downloads.

use std::collections::BTreeSet;

use axum::http::StatusCode;

use aspire_core::urn::Urn;

use crate::app_from;

const FILES: &[&str] = &[
    "schools_england_2018_waiky8/england_spine_2017-2018.csv",
    "gias_links_england_2025/links_edubasealldata20250422.csv",
    "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
    "schools_england_2018_waiky8/ks2_perf_2015-2016.csv",
    "schools_england_2018_waiky8/ks2_perf_2016-2017.csv",
    "schools_england_2018_waiky8/ks2_perf_2017-2018.csv",
    "ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la850.csv",
];

#[tokio::test]
async fn a_cohort_report_with_sentences_charts_methods_and_downloads() {
    let app = app_from(FILES, &[]).await.as_admin().await;
    let none = app.get("/evaluation").await;
    assert!(none.body.contains("No cohorts yet"));

    let bradford = app
        .db
        .search_schools(&aspire_store::DirectoryQuery {
            la_code: Some(380),
            page: 1,
            per_page: 0,
            ..Default::default()
        })
        .await
        .expect("search");
    let mut urns: BTreeSet<Urn> = bradford.rows.iter().map(|s| s.urn).collect();
    urns.insert(Urn::parse("999997").expect("urn")); // not in the database
    let id = app
        .db
        .save_cohort(
            &aspire_store::Actor::command_line(),
            "Bradford schools",
            Some("every Bradford school"),
            None,
            &urns,
        )
        .await
        .expect("save");

    let list = app.get("/evaluation").await;
    assert!(list.body.contains(&format!("href=\"/evaluation/{id}\"")));

    let p = app
        .get(&format!("/evaluation/{id}?baseline=2015/16,2016/17&followup=2017/18,2018/19&national=on&sponsored=on"))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    // Full-width letters where a year belongs: a plain 400 page, not a dropped connection.
    let bad = app.get(&format!("/evaluation/{id}?baseline=%EF%BC%AF%EF%BC%B2")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("is not an academic year"), "{}", bad.body);
    assert!(
        p.body.contains("Cohort schools improved by") || p.body.contains("Cohort schools fell by"),
        "a headline sentence"
    );
    assert!(p.body.contains("95% CI"));
    assert!(p.body.contains("<svg") && p.body.contains("polyline"), "a chart");
    assert!(p.body.contains("Methods") && p.body.contains("clustered by school"));
    assert!(p.body.contains("1 URN not in the database was left out"), "unknown URNs said");
    assert!(p.body.contains("Ofsted outcomes"));

    let csv_text = app
        .get(&format!("/evaluation/{id}/report.csv?baseline=2015/16,2016/17&followup=2017/18,2018/19&national=on"))
        .await;
    assert_eq!(csv_text.status, StatusCode::OK);
    let mut r = csv::Reader::from_reader(csv_text.body.as_bytes());
    assert_eq!(&r.headers().expect("header")[0], "measure");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert!(rows.iter().any(|r| &r[0] == "READPROG" && &r[1] == "national" && !r[7].is_empty()));

    let json = app.get(&format!("/evaluation/{id}/report.json")).await;
    let v: serde_json::Value = serde_json::from_str(&json.body).expect("json");
    assert!(v["attainment"]["measures"].as_array().is_some_and(|m| !m.is_empty()));
    let xlsx = app.get(&format!("/evaluation/{id}/report.xlsx")).await;
    assert!(xlsx.body.starts_with("PK"));
}

#[tokio::test]
async fn bad_report_parameters_are_explained() {
    let app = app_from(FILES, &[]).await.as_admin().await;
    let urns: BTreeSet<Urn> = [Urn::parse("142175").expect("urn")].into();
    let id =
        app.db.save_cohort(&aspire_store::Actor::command_line(), "One school", None, None, &urns).await.expect("save");
    for (q, expect) in [
        ("baseline=2018/19&followup=2015/16", "must all come before"),
        ("baseline=2019/20&followup=2020/21", "no KS2 results for 2019/20"),
        ("baseline=2015&followup=2018/19", "not an academic year"),
        ("from=2019-01-01&to=2018-01-01", "starts after it ends"),
    ] {
        let p = app.get(&format!("/evaluation/{id}?{q}")).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(p.body.contains(expect), "{q}: {}", p.body);
    }
    // Every mistake at once, on the form, with what was typed kept and no report.
    let p = app.get(&format!("/evaluation/{id}?baseline=2015&followup=2018/19&from=2019-13-01&national=on")).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("<title>Error: One school: evaluation"), "{}", p.body);
    assert!(p.body.contains("<a href=\"#baseline\">") && p.body.contains("<a href=\"#from\">"), "{}", p.body);
    assert!(p.body.contains("value=\"2015\"") && p.body.contains("value=\"2019-13-01\""), "kept: {}", p.body);
    assert!(p.body.contains("id=\"national\" name=\"national\" checked"), "the groups kept");
    assert!(!p.body.contains("<h2>Findings</h2>"), "no report from wrong parameters");
    let eligible = app.get(&format!("/evaluation/{id}?eligible=on")).await;
    assert_eq!(eligible.status, StatusCode::BAD_REQUEST);
    assert!(eligible.body.contains("<a href=\"#national\">This cohort is not a programme"), "{}", eligible.body);
    assert_eq!(app.get("/evaluation/9999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/evaluation/abc").await.status, StatusCode::NOT_FOUND, "no such cohort either");
    // A two-school cohort gets its report, with a warning instead of false precision.
    let urns: BTreeSet<Urn> = ["105631", "105632"].iter().map(|u| Urn::parse(u).expect("urn")).collect();
    let id =
        app.db.save_cohort(&aspire_store::Actor::command_line(), "Two schools", None, None, &urns).await.expect("save");
    let p = app.get(&format!("/evaluation/{id}?baseline=2015/16,2016/17&followup=2017/18,2018/19")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("too few for an interval"), "changes without intervals: {}", p.body);
    assert!(p.body.contains("No interval for READPROG: only 1 cohort school has"), "small cohort warned: {}", p.body);
    assert!(!p.body.contains("Difference-in-differences 0") && !p.body.contains("(SE "), "no standard error shown");
}

#[tokio::test]
async fn a_programme_report_compares_with_eligible_schools_that_did_not_take_part() {
    let app = app_from(FILES, &[]).await.as_admin().await;
    let cli = aspire_store::Actor::command_line();
    let p = aspire_testkit::ProgrammeBuilder::new("TLIF 2017")
        .rule_set("tlif-2017")
        .starts(chrono::NaiveDate::from_ymd_opt(2017, 9, 1))
        .create(&app.db)
        .await;
    let eligible =
        aspire_app::evaluation::programme_eligible(&app.db, p).await.expect("eligibility").expect("eligible schools");
    let some: Vec<Urn> = eligible.iter().copied().take(15).collect();
    app.db.enrol(&cli, p, &some, aspire_core::recruitment::Stage::Enrolled).await.expect("enrol");
    let (id, _) = app
        .db
        .save_programme_cohort(&aspire_store::Actor::command_line(), "TLIF 2017 schools", p)
        .await
        .expect("save")
        .expect("cohort");
    let page = app.get(&format!("/evaluation/{id}?baseline=2015/16,2016/17&followup=2017/18,2018/19")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("name=\"eligible\" checked"), "on by default for a programme");
    assert!(page.body.contains("<th scope=\"row\">eligible schools that did not take part</th>"), "a comparison row");
    assert!(page.body.contains("the rule set tlif-2017 finds eligible on the programme"), "methods say how");
    // A cohort that is not a programme's has no such comparison.
    let other = app
        .db
        .save_cohort(&aspire_store::Actor::command_line(), "Just a list", None, None, &some.iter().copied().collect())
        .await
        .expect("save");
    let bad = app.get(&format!("/evaluation/{other}?eligible=on")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("not a programme"), "{}", bad.body);
}
