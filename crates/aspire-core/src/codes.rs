//! Area codes: DfE local-authority numbers and ONS (GSS) district codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A DfE local-authority number ("LA code"), e.g. 380 for Bradford, 850 for Hampshire.
///
/// These three-digit numbers predate the ONS GSS codes and are what DfE and GIAS files use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LaCode(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("'{0}' is not a DfE local authority code: expected a three-digit number such as 380")]
    La(String),
    #[error("'{0}' is not an ONS local authority district code: expected a letter and eight digits such as E08000032")]
    Lad(String),
}

impl LaCode {
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let t = text.trim();
        if t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit()) {
            let n: u16 = t.parse().map_err(|_| CodeError::La(t.to_owned()))?;
            if n >= 100 {
                return Ok(LaCode(n));
            }
        }
        Err(CodeError::La(t.to_owned()))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for LaCode {
    type Error = CodeError;
    fn try_from(n: i64) -> Result<Self, CodeError> {
        Self::parse(&n.to_string())
    }
}

impl fmt::Display for LaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An ONS GSS code for a local authority district (LAD), e.g. E08000032 (Bradford) or
/// E07000084 (Basingstoke and Deane). The first letter is the country (E, W, S, N).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LadCode(String);

impl LadCode {
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let t = text.trim();
        let b = t.as_bytes();
        if b.len() == 9 && matches!(b[0], b'E' | b'W' | b'S' | b'N') && b[1..].iter().all(u8::is_ascii_digit) {
            Ok(LadCode(t.to_owned()))
        } else {
            Err(CodeError::Lad(t.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LadCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn la_codes() {
        assert_eq!(LaCode::parse("380").map(LaCode::get), Ok(380));
        assert!(LaCode::parse("38").is_err());
        assert!(LaCode::parse("038").is_err());
        assert!(LaCode::parse("3800").is_err());
        assert!(LaCode::parse("E08").is_err());
    }

    #[test]
    fn lad_codes() {
        assert_eq!(LadCode::parse(" E08000032").map(|c| c.to_string()), Ok("E08000032".into()));
        assert!(LadCode::parse("E0800003").is_err());
        assert!(LadCode::parse("X08000032").is_err());
        assert!(LadCode::parse("E0800003A").is_err());
    }
}
