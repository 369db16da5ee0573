//! Domain types and pure logic of Aspire. No I/O, no async, no SQL, no HTTP.
//!
//! Modules by domain area: identifiers ([`urn`], [`codes`], [`year`]), the school register
//! ([`school`]), Ofsted judgements ([`ofsted`]), KS2 results ([`ks2`]), URN chains ([`links`]),
//! dates as public files write them ([`dates`]), term dates, bank holidays and the days a school is
//! open ([`calendar`]) and coordinates ([`geo`]); people, roles and
//! the authorisation policy ([`people`], [`access`]); networks of nearby schools ([`networks`]).
pub mod access;
pub mod areas;
pub mod attendance;
pub mod audit;
pub mod calendar;
pub mod codes;
pub mod dates;
pub mod eligibility;
pub mod establishment;
pub mod evaluation;
pub mod geo;
pub mod ics;
pub mod ids;
pub mod joining;
pub mod ks2;
pub mod links;
pub mod map;
pub mod networks;
pub mod ofsted;
pub mod people;
pub mod reach;
pub mod recruitment;
pub mod release;
pub mod resources;
pub mod schedule;
pub mod school;
pub mod template;
pub mod text;
pub mod urn;
pub mod value;
pub mod year;

pub use urn::Urn;
