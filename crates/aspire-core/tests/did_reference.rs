//! The difference-in-differences estimator against statsmodels' figures on a fixed panel
//! (tests/fixtures/did: panel.csv and reference.json, made by make_reference.py).

use aspire_core::evaluation::{Obs, Spec, did};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/did/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn panel() -> (Vec<Obs>, Vec<bool>) {
    let mut obs = Vec::new();
    let mut treated = vec![false; 300];
    for line in fixture("panel.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let school: u32 = f[0].parse().expect("school");
        obs.push(Obs { school, year: f[1].parse().expect("year"), y: f[2].parse().expect("y") });
        treated[school as usize] = f[3] == "1";
    }
    (obs, treated)
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} vs statsmodels {b}");
}

#[test]
fn matches_statsmodels_on_the_fixture() {
    let reference: serde_json::Value = serde_json::from_str(&fixture("reference.json")).expect("json");
    let (obs, treated) = panel();
    for (spec, key) in [(Spec::TwoWay, "two_way"), (Spec::SchoolAndPost, "school_and_post")] {
        let r = &reference[key];
        let e = did(&obs, &treated, &[2017, 2018], spec, 0.95).expect("estimate");
        close(e.estimate, r["estimate"].as_f64().expect("f64"), "estimate");
        close(e.se, r["se"].as_f64().expect("f64"), "standard error");
        close(e.ci_low, r["ci_low"].as_f64().expect("f64"), "lower limit");
        close(e.ci_high, r["ci_high"].as_f64().expect("f64"), "upper limit");
        assert_eq!(e.n_obs as u64, r["n_obs"].as_u64().expect("u64"));
        assert_eq!(e.k as u64, r["k"].as_u64().expect("u64"));
        assert_eq!(e.n_schools as u64, reference["n_schools"].as_u64().expect("u64"));
        assert_eq!(e.n_treated_schools, 40);
    }
}

#[test]
fn refuses_what_it_cannot_estimate() {
    let (obs, treated) = panel();
    assert!(did(&obs, &treated, &[2030], Spec::TwoWay, 0.95).is_err(), "no post year in the data");
    assert!(did(&obs, &[false; 300], &[2017, 2018], Spec::TwoWay, 0.95).is_err(), "nobody treated");
    assert!(did(&[], &treated, &[2017], Spec::TwoWay, 0.95).is_err());
}
