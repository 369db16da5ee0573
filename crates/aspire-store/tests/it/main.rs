//! Storage tests against real databases: a SQLite file per test, and a fresh PostgreSQL schema
//! per test when ASPIRE_TEST_POSTGRES_URL is set.

mod accounts;
mod eligibility;
mod enquiries;
mod evaluation;
mod import;
mod profile;
mod programme_year;
mod recruitment;
mod schema;
mod search;

pub use aspire_testkit::{BUNDLED, TestDb, data_dir, import, opts, parse};
