//! Use cases: each thing a person can do, written once and called by both the web and the
//! command line. A use case reads and writes through `aspire-store`, runs the rules and
//! algorithms of `aspire-core`, and knows nothing of HTTP or of the terminal: who may do it is
//! decided before it is called (the web's access extractors; the command line acts for the
//! operator), and what it returns is plain data that each caller shows in its own way.
//!
//! A new use case goes in the module of its domain area (`networks`, and those the programme
//! year adds: `calendar`, `plans`, ...), with its own typed error whose messages are written
//! for the person who asked.

pub mod board;
pub mod calendar;
pub mod days;
pub mod evaluation;
pub mod exports;
pub mod figures;
pub mod join;
pub mod joining;
pub mod local_authority;
pub mod networks;
pub mod people;
pub mod programme_year;
pub mod reach;
pub mod recruitment;
pub mod school_year;
