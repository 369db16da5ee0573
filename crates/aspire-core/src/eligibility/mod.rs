//! Eligibility: versioned rule sets ([`rules`]) and decisions with reasons ([`decide`]).

pub mod decide;
pub mod rules;

pub use decide::{
    Areas, Check, Decision, Facts, Finding, InspectionRecord, Outcome, UsedInspection, Verdict, decide,
    decide_screened, screen, screened_out,
};
pub use rules::{NoInspection, ReportCards, RuleSet, RuleSetError};
