//! Importer tests on real public data (the bundled subset under data/) and on small files that
//! break one rule each.

mod bad_input;
mod formats;
mod fuzz;
mod xlsx;

use std::path::PathBuf;

use aspire_import::{FileError, ImportOptions, Parsed};
use chrono::NaiveDate;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

pub fn opts() -> ImportOptions {
    ImportOptions::new(NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"))
}

pub fn read(rel: &str) -> Parsed {
    aspire_import::read_file(&data_dir().join(rel), &opts()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn read_str(name: &str, text: &str) -> Result<Parsed, FileError> {
    aspire_import::read_bytes(name, text.as_bytes(), &opts())
}
