//! School identifiers: the URN (Unique Reference Number) that GIAS gives every establishment.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A GIAS Unique Reference Number: six digits, 100000 to 999999.
///
/// A school keeps its URN for life, but a new establishment (an academy conversion, an
/// amalgamation) gets a new one; see [`crate::links`] for following a school across them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Urn(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrnError {
    #[error("a URN is required")]
    Empty,
    #[error("'{0}' is not a URN: a URN is a six-digit number such as 100000")]
    NotANumber(String),
    #[error("{0} is not a URN: URNs are six-digit numbers from 100000 to 999999")]
    OutOfRange(u64),
}

impl Urn {
    pub const MIN: u32 = 100_000;
    pub const MAX: u32 = 999_999;

    /// Parses a URN as written in public data files. Surrounding spaces are allowed;
    /// anything else that is not six digits is an error.
    pub fn parse(text: &str) -> Result<Self, UrnError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(UrnError::Empty);
        }
        if !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 9 {
            return Err(UrnError::NotANumber(t.to_owned()));
        }
        let n: u64 = t.parse().map_err(|_| UrnError::NotANumber(t.to_owned()))?;
        Self::try_from(n)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u64> for Urn {
    type Error = UrnError;
    fn try_from(n: u64) -> Result<Self, UrnError> {
        if (u64::from(Self::MIN)..=u64::from(Self::MAX)).contains(&n) {
            Ok(Urn(n as u32))
        } else {
            Err(UrnError::OutOfRange(n))
        }
    }
}

impl TryFrom<u32> for Urn {
    type Error = UrnError;
    fn try_from(n: u32) -> Result<Self, UrnError> {
        Self::try_from(u64::from(n))
    }
}

impl TryFrom<i64> for Urn {
    type Error = UrnError;
    fn try_from(n: i64) -> Result<Self, UrnError> {
        u64::try_from(n).map_err(|_| UrnError::NotANumber(n.to_string())).and_then(Self::try_from)
    }
}

impl From<Urn> for u32 {
    fn from(u: Urn) -> u32 {
        u.0
    }
}

impl From<Urn> for i64 {
    fn from(u: Urn) -> i64 {
        i64::from(u.0)
    }
}

impl FromStr for Urn {
    type Err = UrnError;
    fn from_str(s: &str) -> Result<Self, UrnError> {
        Self::parse(s)
    }
}

impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_six_digit_urns() {
        assert_eq!(Urn::parse("143966").map(Urn::get), Ok(143966));
        assert_eq!(Urn::parse(" 100000 ").map(Urn::get), Ok(100000));
    }

    #[test]
    fn rejects_what_is_not_a_urn() {
        assert_eq!(Urn::parse(""), Err(UrnError::Empty));
        assert!(matches!(Urn::parse("12A456"), Err(UrnError::NotANumber(_))));
        assert!(matches!(Urn::parse("-143966"), Err(UrnError::NotANumber(_))));
        assert!(matches!(Urn::parse("145210.0"), Err(UrnError::NotANumber(_))));
        assert_eq!(Urn::parse("99999"), Err(UrnError::OutOfRange(99999)));
        assert_eq!(Urn::parse("1000000"), Err(UrnError::OutOfRange(1_000_000)));
        assert!(matches!(Urn::parse("99999999999999999999"), Err(UrnError::NotANumber(_))));
    }

    #[test]
    fn error_messages_say_what_a_urn_is() {
        let msg = Urn::parse("abc").expect_err("an error").to_string();
        assert!(msg.contains("six-digit"), "{msg}");
    }
}
