//! The school directory as a person pages, sorts and filters it.

use axum::http::StatusCode;

use crate::{app, app_from};

/// The URNs of the rows of a directory page, in order.
fn urns(body: &str) -> Vec<String> {
    body.split("<tr>")
        .skip(2)
        .filter_map(|row| row.split("<td>").nth(2)?.split("</td>").next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_page_after_the_last_says_so_and_shows_the_last() {
    let app = app().await;
    let last = app.get("/schools?la=850&page=999").await;
    assert_eq!(last.status, StatusCode::OK);
    let b = &last.body;
    assert!(b.contains("There is no page 999"), "{b}");
    let pages: u64 = b
        .split("these schools fill ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("the number of pages");
    assert!(b.contains(&format!("aria-label=\"Page {pages}, this page\"")), "the last page is shown");
    let from: u64 = b
        .split("role=\"status\">Showing ")
        .nth(1)
        .and_then(|s| s.split(' ').next()?.replace(',', "").parse().ok())
        .expect("first shown");
    assert_eq!(from, (pages - 1) * 50 + 1, "never 'Showing 2401 to 2400'");
    // Every number of the sentence is written the same way.
    let first = aspire_core::text::thousands(from);
    assert!(from < 1000 || first.contains(','), "{first}");
    assert!(b.contains(&format!("Showing {first} to ")), "{b}");
    assert!(!b.contains("rel=\"next\""));
}

#[tokio::test]
async fn pages_are_numbered_and_keep_the_filters_and_order() {
    let app = app().await;
    let p = app.get("/schools?la=850&sort=pupils&order=desc&page=3").await;
    assert_eq!(p.status, StatusCode::OK);
    let b = &p.body;
    assert!(b.contains("aria-label=\"Page 3, this page\""), "{b}");
    for n in [1, 2, 4, 5] {
        assert!(
            b.contains(&format!(
                "href=\"/schools?la=850&#38;sort=pupils&#38;order=desc&#38;page={n}\" aria-label=\"Page {n}\""
            )),
            "page {n} linked with the filters and order: {}",
            &b[b.find("pagination__pages").unwrap_or(0)..]
        );
    }
    assert!(b.contains("rel=\"prev\"") && b.contains("rel=\"next\""));
    // The heading of the current column turns the order round; the others sort A to Z.
    assert!(b.contains("aria-sort=\"descending\""));
    assert!(b.contains("href=\"/schools?la=850&#38;sort=pupils\""), "pupils, fewest first next");
    assert!(b.contains("href=\"/schools?la=850&#38;sort=la\""));
}

#[tokio::test]
async fn sorting_by_pupils_and_by_judgement() {
    let app = app().await;
    let most = app.get("/schools?la=850&sort=pupils&order=desc").await;
    let fewest = app.get("/schools?la=850&sort=pupils").await;
    let (m, f) = (urns(&most.body), urns(&fewest.body));
    assert_eq!(m.len(), 50);
    assert_ne!(m[0], f[0]);
    let pupils = |body: &str| -> Vec<u64> {
        body.split("<td class=\"num\">")
            .skip(1)
            .filter_map(|c| c.split("</td>").next()?.replace(',', "").parse().ok())
            .collect()
    };
    let shown = pupils(&most.body);
    assert!(shown.len() > 10 && shown.windows(2).all(|w| w[0] >= w[1]), "largest first: {shown:?}");
    let shown = pupils(&fewest.body);
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "smallest first: {shown:?}");

    let best = app.get("/schools?la=850&sort=ofsted").await;
    assert!(best.body.contains("aria-sort=\"ascending\""));
    let first = best.body.split("<tbody>").nth(1).expect("rows");
    assert!(first.find("Outstanding").is_some_and(|o| first.find("Good").is_none_or(|g| o < g)));

    let bad = app.get("/schools?sort=colour").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("name, la, type, ofsted or pupils"), "{}", bad.body);
}

#[tokio::test]
async fn a_new_academy_shows_its_predecessors_judgement_labelled() {
    let app = app().await;
    // Bransgore CofE Primary (137693) has no inspection of its own in the data; its
    // predecessor has.
    let p = app.get("/schools?q=137693").await;
    assert!(p.body.contains("predecessor's: <a href=\"/schools/"), "{}", p.body);
    assert!(!p.body.contains("none recorded"));
}

#[tokio::test]
async fn one_label_per_type_and_punctuation_ignored() {
    let app = app().await;
    let all = app.get("/schools").await;
    assert!(all.body.contains("<option value=\"Academy converter\""));
    assert!(!all.body.contains("Academy - Converter mainstream"), "the spine's spelling is merged");
    let count = |b: &str| b.split("Showing ").nth(1).and_then(|s| s.split(" schools").next()).map(str::to_owned);
    let a = app.get("/schools?q=St+Mary%27s").await;
    let b = app.get("/schools?q=St+Marys").await;
    let c = app.get("/schools?q=st.+mary%E2%80%99s").await;
    assert!(count(&a.body).is_some());
    assert_eq!(count(&a.body), count(&b.body));
    assert_eq!(count(&a.body), count(&c.body));
}

#[tokio::test]
async fn ks2_is_a_trend_per_measure_with_a_chart_beside_england() {
    let app = app_from(
        &[
            "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv",
            "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv",
            "ks2_hampshire_surrey_2017_2019/ks2final_2016-2017_la850.csv",
            "ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la850.csv",
            "ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv",
        ],
        &[],
    )
    .await;
    let p = app.get("/schools/115851").await;
    assert_eq!(p.status, StatusCode::OK);
    let b = &p.body;
    let section = &b[b.find("id=\"ks2-PTRWM_EXP\"").expect("the reading, writing and maths trend")..];
    let section = &section[..section.find("<h3").unwrap_or(section.len())];
    let years: Vec<usize> =
        ["2016/17", "2017/18", "2018/19"].iter().filter_map(|y| section.find(&format!("class=\"num\">{y}"))).collect();
    assert_eq!(years.len(), 3, "three years across: {section}");
    assert!(years.windows(2).all(|w| w[0] < w[1]), "oldest first");
    for row in ["This school", "Local authority", "England"] {
        assert!(section.contains(&format!("<th scope=\"row\">{row}</th>")), "{row}");
    }
    // The chart: an image with a title, its figures in words, axis titles and both lines.
    assert!(section.contains("role=\"img\"") && section.contains("aria-labelledby=\"t-PTRWM_EXP d-PTRWM_EXP\""));
    assert!(section.contains(">Academic year</text>") && section.contains(">Percentage of pupils</text>"));
    assert!(section.contains("<desc id=\"d-PTRWM_EXP\">This school: 2016/17 "), "{section}");
    assert_eq!(section.matches("<circle class=\"line--cohort\"").count(), 3, "a point a year");
    assert!(section.contains("<polyline class=\"line--national\""));
    assert!(section.contains("England&#39;s figure: ") || section.contains("England's figure: "));
}

/// Without the LA's figures loaded, the trend says so instead of a row of dashes, and the
/// percentage chart's axis starts at zero.
#[tokio::test]
async fn a_trend_without_the_las_figures_says_so_and_percentages_start_at_zero() {
    let app = crate::app_from(
        &[
            "schools_england_2018_waiky8/england_spine_2017-2018.csv",
            "schools_england_2018_waiky8/ks2_perf_2016-2017.csv",
            "schools_england_2018_waiky8/ks2_perf_2017-2018.csv",
        ],
        &[],
    )
    .await;
    let p = app.get("/schools/105626").await;
    assert_eq!(p.status, StatusCode::OK);
    let b = &p.body;
    let Some(at) = b.find("id=\"ks2-PTRWM_EXP\"") else { panic!("a reading, writing and maths trend: {b}") };
    let section = &b[at..];
    let section = &section[..section.find("<h3").unwrap_or(section.len())];
    assert!(!section.contains("<th scope=\"row\">Local authority</th>"), "{section}");
    assert!(section.contains("figures for this measure are not in the data loaded"), "{section}");
    assert!(section.contains(">0%</text>") || section.contains(">0</text>"), "the axis starts at zero: {section}");
}
