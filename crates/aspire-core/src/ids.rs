//! Database ids as types of their own, so that a programme's id cannot be passed where a
//! network's is expected (`Place::network(programme, network)` with its arguments swapped does
//! not compile). Each is a positive whole number, parsed from a path or a form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An id that is not a positive whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not {what} id: ids are whole numbers from 1")]
pub struct IdError {
    pub what: &'static str,
    pub text: String,
}

macro_rules! ids {
    ($( $(#[$doc:meta])* $name:ident, $what:literal; )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id as the database holds it.
            pub const fn new(id: i64) -> $name {
                $name(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<$name, IdError> {
                match s.trim().parse::<i64>() {
                    Ok(n) if n >= 1 && s.trim().bytes().all(|b| b.is_ascii_digit()) => Ok($name(n)),
                    _ => Err(IdError { what: $what, text: s.to_owned() }),
                }
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )*};
}

ids! {
    /// A programme's database id.
    ProgrammeId, "a programme";
    /// A network's database id.
    NetworkId, "a network";
    /// A person's database id.
    PersonId, "a person";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_from_positive_whole_numbers_only() {
        assert_eq!("12".parse::<ProgrammeId>(), Ok(ProgrammeId::new(12)));
        for bad in ["0", "-1", "new", "1.5", "+3", ""] {
            let e = bad.parse::<NetworkId>().expect_err(bad);
            assert!(e.to_string().contains("is not a network id"), "{e}");
        }
        assert_eq!(PersonId::new(7).to_string(), "7");
        assert_eq!(serde_json::to_string(&ProgrammeId::new(3)).ok().as_deref(), Some("3"));
    }
}
