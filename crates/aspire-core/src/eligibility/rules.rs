//! Rule sets: who a programme is for, as versioned data (TOML files under `programmes/`).
//!
//! A rule set names the schools that count (phases, groups, types), the Ofsted judgements that
//! count and how to treat a school without an inspection of its own, and the area sets a school
//! must lie in, each with the dates it is in force. Code reads it; it never hard-codes a policy.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A rule set as written in its TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Short stable name used on the command line, e.g. "tlif-2017".
    pub id: String,
    /// Incremented whenever the rules change; decisions record it.
    pub version: u32,
    pub name: String,
    /// The policy in one or two sentences, as its publisher stated it.
    pub summary: String,
    /// Where the policy is published.
    #[serde(default)]
    pub sources: Vec<String>,
    /// First and last dates the rule set answers for (inclusive); `valid_to` absent: open-ended.
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    pub schools: SchoolRule,
    pub ofsted: OfstedRule,
    /// Area sets a school must lie in (any one of them). Empty: schools anywhere in England.
    #[serde(default)]
    pub areas: Vec<AreaRule>,
    /// Districts that were reorganised after the area lists were drawn up, so that a school
    /// recorded under the new district is not wrongly placed outside an area.
    #[serde(default)]
    pub district_changes: Vec<DistrictChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolRule {
    /// Register phases that count, e.g. "Primary", "Middle deemed primary".
    pub phases: Vec<String>,
    /// Groups that count: DfE performance-tables groups ("Maintained School", "Academy") and GIAS
    /// establishment groups ("Local authority maintained schools", "Academies", "Free Schools").
    pub groups: Vec<String>,
    /// Types of establishment that never count even in a listed group (special schools, PRUs).
    #[serde(default)]
    pub exclude_types: Vec<String>,
    /// The school must be open on the as-of date.
    #[serde(default = "yes")]
    pub must_be_open: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfstedRule {
    /// Overall grades that count (1 Outstanding to 4 Inadequate).
    pub grades: Vec<u8>,
    /// Grades the inspection before the latest one must have (e.g. "stuck" schools).
    #[serde(default)]
    pub previous_grades: Option<Vec<u8>>,
    /// How old the judgement may be on the as-of date, in years.
    #[serde(default)]
    pub max_age_years: Option<u32>,
    pub without_own_inspection: NoInspection,
    /// How report cards (from 10 November 2025) are treated.
    pub report_cards: ReportCards,
}

/// What to do when a school has no graded inspection of its own on or before the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoInspection {
    /// Use the judgement of the nearest predecessor URN (a new academy inherits its old school's),
    /// and say so.
    InheritPredecessor,
    /// Answer "cannot tell".
    CannotTell,
    /// Not eligible.
    NotEligible,
}

/// How report-card inspections (from 10 November 2025) are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportCards {
    /// Report cards cannot be mapped to grades 1 to 4 (Ofsted says they are not comparable): for
    /// dates from 10 November 2025 the answer is "cannot tell".
    CannotMap,
    /// The last graded judgement stands, whatever report cards followed it.
    LastGradedStands,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaRule {
    /// The area set's name: bundled members and members imported with `--area-set NAME`.
    pub set: String,
    /// What a member is called in sentences, e.g. "Opportunity Area".
    pub label: String,
    /// An area-list CSV next to the rule set holding the members.
    #[serde(default)]
    pub file: Option<String>,
    /// When the areas come into force. Absent: the rule set's `valid_from`.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Each area counts from its own "announced" month instead (areas announced in waves).
    #[serde(default)]
    pub from_announcement: bool,
    /// When the areas stop counting. Absent: the rule set's `valid_to`.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// For a list published in alphabetical order and known only in part: the last district
    /// name known. A school whose district sorts after it (or whose district is unknown) may be
    /// on the missing part, so its answer is "cannot tell", never "not eligible". Members
    /// imported later extend the known part to the last name they hold.
    #[serde(default)]
    pub alphabetical_through: Option<String>,
}

/// A district abolished or merged after an area list was drawn up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictChange {
    /// The district as the area list names it.
    pub old_code: String,
    pub old_name: String,
    /// The district (or unitary authority) that took it over.
    pub new_code: String,
    pub new_name: String,
    pub from: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleSetError {
    #[error("the rule set cannot be read: {0}")]
    Syntax(String),
    #[error("the rule set is not valid: {0}")]
    Invalid(String),
}

impl RuleSet {
    /// Reads and checks a rule set.
    pub fn parse(text: &str) -> Result<RuleSet, RuleSetError> {
        let rules: RuleSet = toml::from_str(text).map_err(|e| RuleSetError::Syntax(e.to_string().trim().to_owned()))?;
        rules.check()?;
        Ok(rules)
    }

    fn check(&self) -> Result<(), RuleSetError> {
        let bad = |m: String| Err(RuleSetError::Invalid(m));
        if !crate::text::is_data_id(&self.id) {
            return bad(format!("id '{}' must be letters, digits, '-' or '_'", self.id));
        }
        if let Some(to) = self.valid_to
            && to < self.valid_from
        {
            return bad(format!("valid_to {to} is before valid_from {}", self.valid_from));
        }
        if self.schools.phases.is_empty() || self.schools.groups.is_empty() {
            return bad("[schools] needs at least one phase and one group".into());
        }
        let grades_ok = |g: &[u8]| !g.is_empty() && g.iter().all(|g| (1..=4).contains(g));
        if !grades_ok(&self.ofsted.grades) {
            return bad("[ofsted] grades must be a non-empty list of grades 1 to 4".into());
        }
        if let Some(p) = &self.ofsted.previous_grades
            && !grades_ok(p)
        {
            return bad("[ofsted] previous_grades must be a non-empty list of grades 1 to 4".into());
        }
        for a in &self.areas {
            if a.set.trim().is_empty() {
                return bad("every [[areas]] needs a set name".into());
            }
            if let (Some(from), Some(to)) = (a.valid_from, a.valid_to.or(self.valid_to))
                && to < from
            {
                return bad(format!("area set '{}' ends ({to}) before it starts ({from})", a.set));
            }
        }
        Ok(())
    }

    /// Whether the rule set answers for `as_of`, and if not, a sentence saying why.
    pub fn covers(&self, as_of: NaiveDate) -> Result<(), String> {
        let until = match self.valid_to {
            Some(to) => format!("to {to}"),
            None => "onwards".to_owned(),
        };
        if as_of < self.valid_from || self.valid_to.is_some_and(|to| as_of > to) {
            return Err(format!(
                "the rule set {} answers for dates from {} {until}; {as_of} is outside that period",
                self.id, self.valid_from
            ));
        }
        Ok(())
    }

    /// The period an area rule is in force.
    pub fn area_period(&self, a: &AreaRule) -> (NaiveDate, Option<NaiveDate>) {
        (a.valid_from.unwrap_or(self.valid_from), a.valid_to.or(self.valid_to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "example"
version = 1
name = "Example"
summary = "Schools judged 3 or 4."
valid_from = "2017-01-01"
valid_to = "2018-12-31"

[schools]
phases = ["Primary"]
groups = ["Academy"]

[ofsted]
grades = [3, 4]
without_own_inspection = "inherit-predecessor"
report_cards = "cannot-map"
"#;

    #[test]
    fn reads_a_rule_set() {
        let r = RuleSet::parse(MINIMAL).expect("valid");
        assert_eq!(r.id, "example");
        assert!(r.schools.must_be_open, "open by default");
        assert_eq!(r.ofsted.without_own_inspection, NoInspection::InheritPredecessor);
        assert!(r.covers(NaiveDate::from_ymd_opt(2017, 9, 1).expect("date")).is_ok());
        let e = r.covers(NaiveDate::from_ymd_opt(2019, 1, 1).expect("date")).expect_err("outside");
        assert!(e.contains("from 2017-01-01 to 2018-12-31"), "{e}");
    }

    #[test]
    fn refuses_what_it_cannot_apply() {
        let e = RuleSet::parse(&MINIMAL.replace("grades = [3, 4]", "grades = [3, 5]")).expect_err("bad grade");
        assert!(e.to_string().contains("grades 1 to 4"), "{e}");
        let e = RuleSet::parse(&MINIMAL.replace("report_cards = \"cannot-map\"", "report_cards = \"guess\""))
            .expect_err("bad value");
        assert!(e.to_string().contains("guess"), "{e}");
        let e = RuleSet::parse(&format!("{MINIMAL}\nsurprise = 1\n")).expect_err("unknown key");
        assert!(e.to_string().contains("surprise"), "{e}");
        let e = RuleSet::parse(&MINIMAL.replace("valid_to = \"2018-12-31\"", "valid_to = \"2016-12-31\""))
            .expect_err("backwards period");
        assert!(e.to_string().contains("before valid_from"), "{e}");
        let e = RuleSet::parse("id = ").expect_err("syntax");
        assert!(matches!(e, RuleSetError::Syntax(_)), "{e}");
    }
}
