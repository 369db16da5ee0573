//! Evaluation statistics: difference-in-differences with clustered errors, a school-level
//! bootstrap, and the small algebra they share. Pure functions over plain data.

pub mod attainment;
pub mod bootstrap;
pub mod did;
mod linalg;
pub mod matching;
pub mod ofsted;

pub use bootstrap::{BootstrapEstimate, bootstrap_difference, school_changes};
pub use did::{DidError, DidEstimate, Obs, Spec, did};
