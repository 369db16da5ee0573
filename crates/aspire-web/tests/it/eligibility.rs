//! The eligibility checker and the programme team's list.

use axum::http::StatusCode;

use crate::app;

#[tokio::test]
async fn the_checker_finds_a_school_and_answers_with_the_reason() {
    let app = app().await.as_admin().await;
    let form = app.get("/eligibility").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Is my school eligible?"));
    assert!(form.body.contains("<option value=\"tlif-2017\" selected>"));

    let hits = app.get("/eligibility?q=blackpool+gateway&rules=tlif-2017&as_of=2018-09-01").await;
    assert!(hits.body.contains("href=\"/eligibility/142175?rules=tlif-2017&#38;as_of=2018-09-01\""), "{}", hits.body);

    let yes = app.get("/eligibility/142175?rules=tlif-2017&as_of=2018-09-01").await;
    assert_eq!(yes.status, StatusCode::OK);
    assert!(yes.body.contains("Yes: Blackpool Gateway Academy is eligible"), "{}", yes.body);
    assert!(yes.body.contains("Requires improvement (grade 3)"));

    let no = app.get("/eligibility/142175?rules=tlif-2017&as_of=2017-09-01").await;
    assert!(no.body.contains("No: Blackpool Gateway Academy is not eligible"));
    assert!(no.body.contains("predecessor Westcliff Primary Academy"), "inherited judgement explained");

    // A Hampshire school in a district after Luton in the alphabet.
    let unsure =
        app.get("/programme/eligibility.csv?rules=tlif-2017&as_of=2017-09-01&decision=cannot_tell&la=850").await;
    let mut r = csv::Reader::from_reader(unsure.body.as_bytes());
    let first = r.records().next().expect("a cannot-tell school in Hampshire").expect("row");
    let page = app.get(&format!("/eligibility/{}?rules=tlif-2017&as_of=2017-09-01", &first[0])).await;
    assert!(page.body.contains("We cannot tell yet whether"), "{}", page.body);
}

#[tokio::test]
async fn bad_choices_get_a_400_dates_outside_the_rules_the_nearest_and_unknown_schools_a_404() {
    let app = app().await.as_admin().await;
    for (uri, expect) in [
        ("/eligibility?rules=tlif-2016", "no rule set called"),
        ("/eligibility?rules=../../etc/passwd", "no rule set called"),
        ("/eligibility/142175?as_of=2017-02-30", "is not a date"),
        ("/programme/eligibility?decision=perhaps", "is not a decision"),
        ("/programme/eligibility?grade=7", "not an Ofsted grade"),
        ("/programme/eligibility?la=x", "not a local authority code"),
    ] {
        let p = app.get(uri).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(p.body.contains(expect), "{uri}: {}", p.body);
    }
    for uri in ["/eligibility/999998?as_of=2017-09-01", "/eligibility/14217X"] {
        assert_eq!(app.get(uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    // The team's list likewise: the date on its field, the other filters kept.
    let p = app.get("/programme/eligibility?as_of=2017-02-30&decision=all&la=380").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("<title>Error: Eligible schools"), "{}", p.body);
    assert!(p.body.contains("<a href=\"#as_of\">&#39;2017-02-30&#39; is not a date"), "{}", p.body);
    assert!(p.body.contains("name=\"la\" value=\"380\""), "kept: {}", p.body);
    // A date outside the rule set's period is answered for the nearest date it covers, on the
    // form, saying so, with the search kept (never a 400 page).
    let p = app.get("/eligibility?q=Alexandra&rules=tlif-2017&as_of=2030-01-01").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("1 January 2030 is outside that"), "{}", p.body);
    assert!(p.body.contains("value=\"Alexandra\"") && p.body.contains("value=\"2022-08-31\""), "kept: {}", p.body);
    assert!(p.body.contains("<option value=\"tlif-2017\" selected>"), "{}", p.body);
    let p = app.get("/eligibility/142175?as_of=2030-01-01").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("the nearest date they answer for"), "{}", p.body);
}

#[tokio::test]
async fn the_programme_list_counts_filters_maps_and_exports() {
    let app = app().await.as_admin().await;
    let p = app.get("/programme/eligibility?rules=tlif-2017&as_of=2017-09-01").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Eligible schools by area"));
    assert!(p.body.contains("<svg") && p.body.contains("class=\"dot--yes\""), "a map with eligible schools");
    assert!(p.body.contains(">Blackpool</a>"), "Blackpool in the counts by area");

    let csv_text = app.get("/programme/eligibility.csv?rules=tlif-2017&as_of=2017-09-01&decision=eligible").await.body;
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().expect("header").clone();
    assert_eq!(&headers[0], "urn");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| &r[5] == "eligible"));

    let area = app.get("/programme/eligibility.csv?rules=tlif-2017&as_of=2017-09-01&area=Blackpool").await.body;
    let n = csv::Reader::from_reader(area.as_bytes()).records().count();
    assert!(n > 0 && n < rows.len());

    let xlsx = app.get("/programme/eligibility.xlsx?rules=tlif-2017&as_of=2017-09-01").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.headers["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    assert!(xlsx.body.starts_with("PK"), "an XLSX (zip) file");

    // The schools of the selection with no location (some in this register) are listed, not
    // drawn, and the map says how many of each.
    let said = p.body.split("data-testid=\"map-unmapped\">").nth(1).and_then(|x| x.split('<').next());
    let said = said.expect("the map says what it does not draw");
    let drawn = p.body.matches("<circle class=\"dot--").count();
    assert!(said.starts_with(&format!("{drawn} drawn, ")) && said.ends_with(" of the selection with no location"));
}
