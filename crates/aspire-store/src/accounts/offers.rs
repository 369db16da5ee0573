//! Roles offered to people who already have an account.

use super::*;

/// A role offered to a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Offer {
    pub id: i64,
}
