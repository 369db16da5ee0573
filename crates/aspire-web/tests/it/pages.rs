use axum::http::StatusCode;

use crate::{app, app_with};

#[tokio::test]
async fn home_directory_and_filters() {
    let app = app().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Find a school"));

    let all = app.get("/schools").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("Showing 1 to 50 of"), "{}", &all.body[..all.body.len().min(3000)]);
    assert!(all.body.contains("rel=\"next\""));

    let alton = app.get("/schools?q=alton+infant").await;
    assert!(alton.body.contains("href=\"/schools/115850\""));
    assert!(alton.body.contains("Alton Infant School"));

    let la = app.get("/schools?la=850&ofsted=2&phase=Primary").await;
    assert_eq!(la.status, StatusCode::OK);
    assert!(la.body.contains("<option value=\"850\" selected>Hampshire (850)</option>"), "selected LA kept");
    assert!(!la.body.contains(">Surrey</td>"));

    let none = app.get("/schools?q=no+such+school+anywhere").await;
    assert!(none.body.contains("No schools match."));
}

#[tokio::test]
async fn bad_filters_get_a_400_that_says_what_is_wrong() {
    let app = app().await;
    for (uri, expect) in [
        ("/schools?la=abc", "not a local authority code"),
        ("/schools?ofsted=9", "not an Ofsted judgement filter"),
        ("/schools?page=0", "not a page number"),
        ("/schools/12AB", "not a URN"),
    ] {
        let p = app.get(uri).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(p.body.contains(expect), "{uri}: {}", p.body);
    }
    let p = app.get("/schools/999999").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("No school with URN 999999"));
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn csv_export_is_the_whole_current_result() {
    let app = app().await;
    let page = app.get("/schools?la=850").await;
    let total: u64 = page
        .body
        .split("of ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .map(|s| s.replace(',', ""))
        .and_then(|s| s.parse().ok())
        .expect("total in page");
    let csv = app.get("/schools.csv?la=850").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let mut r = csv::Reader::from_reader(csv.body.as_bytes());
    assert_eq!(r.headers().expect("header").get(0), Some("urn"));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len() as u64, total);
    assert!(rows.iter().all(|r| r.get(2) == Some("850")));
}

#[tokio::test]
async fn school_page_follows_the_chain_and_shows_ks2_beside_england() {
    let app = app().await;
    let p = app.get("/schools/142175").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Blackpool Gateway Academy"));
    assert!(p.body.contains("href=\"/schools/137359\""), "predecessor linked");
    assert!(p.body.contains("predecessor: Westcliff Primary Academy"), "its inspection labelled");
    assert!(p.body.contains("22 May 2013"));

    let p = app.get("/schools/115851").await;
    assert!(p.body.contains("Key stage 2 results"));
    assert!(p.body.contains("by academic year</caption>") && p.body.contains("class=\"num\">2018/19"));
    assert!(p.body.contains("DfE&#39;s published England figure") || p.body.contains("DfE's published England figure"));
    assert!(p.body.contains("Latitude"), "GIAS grid reference converted");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = app().await;
    for uri in ["/", "/schools", "/schools/115850", "/nope"] {
        let p = app.get(uri).await;
        let csp = p.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(csp.contains("default-src 'self'"), "{uri}");
        assert_eq!(p.headers["x-content-type-options"], "nosniff");
        assert_eq!(p.headers["x-frame-options"], "DENY");
    }
}

#[tokio::test]
async fn stored_markup_is_shown_as_text() {
    let evil = "URN,EstablishmentName,Town,Postcode\n199999,<script>alert(1)</script> School,\"<img src=x onerror=alert(2)>\",\"\"\"><b>\"\n";
    let app = app_with(&[("edubase_20990101.csv", evil)]).await;
    for uri in ["/schools/199999", "/schools?q=script", "/"] {
        let p = app.get(uri).await;
        assert!(!p.body.contains("<script>alert(1)"), "{uri}");
        assert!(!p.body.contains("<img src=x"), "{uri}");
    }
    let p = app.get("/schools/199999").await;
    let h1 = p.body.split("<h1>").nth(1).and_then(|s| s.split("</h1>").next()).unwrap_or("");
    assert!((h1.contains("&lt;script&gt;") || h1.contains("&#60;script&#62;")) && h1.contains("School"), "{h1}");
    // And in the CSV export, a cell starting with '=' would be defused; text stays text.
    let csv = app.get("/schools.csv?q=199999").await;
    assert!(csv.body.contains("<script>alert(1)</script> School"));
    drop(app.db);
}

#[tokio::test]
async fn an_import_shows_at_once_on_the_directory_and_school_pages() {
    let app = crate::app().await;
    let before = app.get("/schools?q=105626").await;
    assert!(before.body.contains("Alexandra Park Junior School"), "{}", before.body);
    assert!(app.get("/schools/105626").await.body.contains("Alexandra Park Junior School"));
    // A newer register file renames the school: the next pages show the new name.
    let opts = aspire_import::ImportOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
    let p = aspire_import::read_bytes(
        "edubase_20250101.csv",
        b"URN,EstablishmentName\n105626,Alexandra Park Renamed Academy\n",
        &opts,
    )
    .expect("readable");
    aspire_store::write_import(&app.db, &p, &aspire_store::WriteOptions::default()).await.expect("import");
    let after = app.get("/schools?q=105626").await;
    assert!(after.body.contains("Alexandra Park Renamed Academy"), "{}", after.body);
    assert!(app.get("/schools/105626").await.body.contains("Alexandra Park Renamed Academy"));
    assert!(app.get("/schools?q=renamed").await.body.contains("105626"));
}
