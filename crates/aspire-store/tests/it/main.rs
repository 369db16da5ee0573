//! Storage tests against real databases: a SQLite file per test, and a fresh PostgreSQL schema
//! per test when ASPIRE_TEST_POSTGRES_URL is set.

mod accounts;
mod eligibility;
mod evaluation;
mod import;
mod profile;
mod recruitment;
mod schema;
mod search;

pub use aspire_testkit::{TestDb, data_dir, import, opts, parse};

/// The bundled files in a sensible order.
pub const BUNDLED: &[&str] = &[
    "ks2_hampshire_surrey_2017_2019/la_and_region_codes_meta_2018-2019.csv",
    "ons_lad_lookups/LAD17_to_RGN17_England.csv",
    "ons_lad_lookups/LAD17_to_CTY17_England.csv",
    "reference/opportunity_areas_2017_transcribed.csv",
    "schools_england_2018_waiky8/england_spine_2017-2018.csv",
    "schools_england_2018_waiky8/school_details_2017-2018.csv",
    "gias_hampshire_surrey_2022/edubase_hampshire_surrey_primary_20220420.csv",
    "gias_links_england_2025/links_edubasealldata20250422.csv",
    "schools_england_2018_waiky8/ofsted_inspection_history_scraped_c2020.csv",
    "schools_england_2018_waiky8/ks2_perf_2015-2016.csv",
    "schools_england_2018_waiky8/ks2_perf_2016-2017.csv",
    "schools_england_2018_waiky8/ks2_perf_2017-2018.csv",
    "ks2_england_2019_waiky8/england_ks2_2018-2019_with_ofsted_latlong.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2016-2017_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2017-2018_la936.csv",
    "ks2_hampshire_surrey_2017_2019/ks2final_2018-2019_la850.csv",
    "ks2_hampshire_surrey_2017_2019/ks2_meta_2018-2019.csv",
];
