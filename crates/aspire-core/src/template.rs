//! Programme templates: what a kind of programme is made of, as data (`programmes/*/template.toml`).
//!
//! A programme is created from a template with its own name, start date and areas. What the
//! template names (network sizes, strands, components, the kinds of event and how often they
//! happen, the eligibility rule set) the rest of the system reads from here, never from code.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::people::Role;

/// A template that failed to parse or is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is not valid TOML: {0}")]
    Syntax(String),
    #[error("{0}")]
    Invalid(String),
}

/// The sizes networks may take: `size` wherever the count allows, `min`..=`max` only where
/// it forces another size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSizes {
    pub size: usize,
    pub min: usize,
    pub max: usize,
    /// Achievement Advisers who work with each network.
    #[serde(default = "one")]
    pub advisers_per_network: usize,
}

fn one() -> usize {
    1
}

/// A strand of the improvement plan (the 3-year partnership's five CQA questions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strand {
    pub key: String,
    pub name: String,
    /// The question the strand answers.
    pub question: String,
}

/// A component a school must take part in (the certification checks these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub key: String,
    pub name: String,
    pub description: String,
}

/// Where an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Venue {
    /// Off site, for the whole network (at one of its schools or elsewhere).
    Network,
    /// In each school.
    School,
}

/// How often an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    /// Once, at the start of the programme.
    Start,
    /// Every term.
    Termly,
    /// Once, in the last term.
    End,
}

/// A kind of event: a Network Day, a Development Day, a Collaborative Quality Analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventKind {
    pub key: String,
    pub name: String,
    pub venue: Venue,
    pub frequency: Frequency,
    /// Role codes of the people expected to attend.
    pub audience: Vec<String>,
    /// Whether an Achievement Adviser leads it.
    #[serde(default)]
    pub with_adviser: bool,
    /// How many a term (for a school event: in each school) when it is due.
    #[serde(default = "one_a_term")]
    pub per_term: u32,
    /// The events of the same term this one follows up (their keys): it is held after them.
    #[serde(default)]
    pub follows: Vec<String>,
    #[serde(default)]
    pub description: String,
}

fn one_a_term() -> u32 {
    1
}

/// A kind of programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub id: String,
    /// Increase with every change.
    pub version: u32,
    pub name: String,
    pub summary: String,
    #[serde(default)]
    pub sources: Vec<String>,
    /// Length in school years.
    pub years: u32,
    /// The eligibility rule set schools are checked against (a bundled rule set id).
    pub rule_set: Option<String>,
    pub networks: NetworkSizes,
    #[serde(default)]
    pub strands: Vec<Strand>,
    #[serde(default)]
    pub components: Vec<Component>,
    #[serde(default)]
    pub events: Vec<EventKind>,
    /// The foundational skills Achievement Teams track (maths, reading, transcription).
    #[serde(default)]
    pub foundational_skills: Vec<String>,
}

/// One term of the school year, in calendar order (so that terms sort by date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Season {
    Spring,
    Summer,
    Autumn,
}

/// A term: autumn 2017 is September to December 2017; spring and summer 2018 follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Term {
    /// The calendar year the term falls in.
    pub year: i32,
    pub season: Season,
}

impl Term {
    /// The term a date falls in. Term dates differ between LAs and trusts; by month, August
    /// counts as the autumn term about to start.
    pub fn containing(date: NaiveDate) -> Term {
        let season = match date.month() {
            1..=3 => Season::Spring,
            4..=7 => Season::Summer,
            _ => Season::Autumn,
        };
        Term { year: date.year(), season }
    }

    pub fn next(self) -> Term {
        match self.season {
            Season::Autumn => Term { year: self.year + 1, season: Season::Spring },
            Season::Spring => Term { year: self.year, season: Season::Summer },
            Season::Summer => Term { year: self.year, season: Season::Autumn },
        }
    }

    /// "2017-autumn", as databases store it.
    pub fn code(self) -> String {
        let s = match self.season {
            Season::Autumn => "autumn",
            Season::Spring => "spring",
            Season::Summer => "summer",
        };
        format!("{}-{s}", self.year)
    }

    /// Reads [`Term::code`] back; `None` for anything else.
    pub fn parse_code(code: &str) -> Option<Term> {
        let (year, season) = code.split_once('-')?;
        let season = match season {
            "autumn" => Season::Autumn,
            "spring" => Season::Spring,
            "summer" => Season::Summer,
            _ => return None,
        };
        let year: i32 = year.parse().ok().filter(|y| (1900..=2200).contains(y))?;
        Some(Term { year, season })
    }

    /// "Autumn 2017".
    pub fn label(self) -> String {
        let s = match self.season {
            Season::Autumn => "Autumn",
            Season::Spring => "Spring",
            Season::Summer => "Summer",
        };
        format!("{s} {}", self.year)
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// An event the template plans in a term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedEvent {
    pub term: Term,
    pub kind: String,
    pub name: String,
    pub venue: Venue,
}

impl Template {
    /// Reads and checks a template.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let t: Template = toml::from_str(text).map_err(|e| TemplateError::Syntax(e.to_string().trim().to_owned()))?;
        t.check()?;
        Ok(t)
    }

    fn check(&self) -> Result<(), TemplateError> {
        let bad = |m: String| Err(TemplateError::Invalid(m));
        if !crate::text::is_data_id(&self.id) {
            return bad(format!("id '{}' must be letters, digits, '-' or '_'", self.id));
        }
        if self.name.trim().is_empty() {
            return bad("name is empty".into());
        }
        if !(1..=5).contains(&self.years) {
            return bad(format!("years = {}: a programme lasts 1 to 5 school years", self.years));
        }
        let n = &self.networks;
        if n.size < 2 || n.min < 2 || n.min > n.size || n.max < n.size {
            return bad(format!(
                "[networks] size {} must be at least 2 and lie between min {} and max {}",
                n.size, n.min, n.max
            ));
        }
        if n.advisers_per_network == 0 {
            return bad("[networks] advisers_per_network must be at least 1".into());
        }
        unique("strand", self.strands.iter().map(|s| s.key.as_str()))?;
        unique("component", self.components.iter().map(|c| c.key.as_str()))?;
        unique("event", self.events.iter().map(|e| e.key.as_str()))?;
        for e in &self.events {
            if !(1..=10).contains(&e.per_term) {
                return bad(format!("event '{}': per_term = {} must be 1 to 10", e.key, e.per_term));
            }
            for f in &e.follows {
                if f == &e.key || !self.events.iter().any(|x| &x.key == f) {
                    return bad(format!(
                        "event '{}' follows '{f}', which is not another event of this template",
                        e.key
                    ));
                }
            }
            if e.audience.is_empty() {
                return bad(format!("event '{}' has no audience", e.key));
            }
            for code in &e.audience {
                if Role::parse(code).is_err() {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                    return bad(format!("event '{}': '{code}' is not a role (roles: {})", e.key, known.join(", ")));
                }
            }
        }
        Ok(())
    }

    /// The terms of a programme that starts on `start`, up to the summer term of its last
    /// school year (a programme starting in January has two terms in its first year).
    pub fn terms(&self, start: NaiveDate) -> Vec<Term> {
        let mut t = Term::containing(start);
        let Some(last) = self.ends_on(start).map(Term::containing) else { return vec![t] };
        let mut out = Vec::new();
        while t <= last {
            out.push(t);
            t = t.next();
        }
        out
    }

    /// The events the template plans, term by term, for a programme starting on `start`.
    pub fn plan(&self, start: NaiveDate) -> Vec<PlannedEvent> {
        let terms = self.terms(start);
        let mut out = Vec::new();
        for (i, term) in terms.iter().enumerate() {
            for e in &self.events {
                let due = match e.frequency {
                    Frequency::Termly => true,
                    Frequency::Start => i == 0,
                    Frequency::End => i + 1 == terms.len(),
                };
                if due {
                    out.push(PlannedEvent { term: *term, kind: e.key.clone(), name: e.name.clone(), venue: e.venue });
                }
            }
        }
        out
    }

    /// The planned end date: the end of July of the last school year.
    pub fn ends_on(&self, start: NaiveDate) -> Option<NaiveDate> {
        let first_autumn = if start.month() >= 8 { start.year() } else { start.year() - 1 };
        NaiveDate::from_ymd_opt(first_autumn + i32::try_from(self.years).ok()?, 7, 31)
    }

    /// "Networks of 4 (3 to 5 where the count needs it)".
    pub fn network_sizes_text(&self) -> String {
        let n = &self.networks;
        if n.min == n.max {
            format!("networks of {}", n.size)
        } else {
            format!("networks of {} ({} to {} where the number of schools needs it)", n.size, n.min, n.max)
        }
    }
}

fn unique<'a>(what: &str, keys: impl Iterator<Item = &'a str>) -> Result<(), TemplateError> {
    let mut seen = std::collections::BTreeSet::new();
    for k in keys {
        if k.trim().is_empty() {
            return Err(TemplateError::Invalid(format!("a {what} has an empty key")));
        }
        if !seen.insert(k) {
            return Err(TemplateError::Invalid(format!("two {what}s have the key '{k}'")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "t"
version = 1
name = "T"
summary = "s"
years = 1
rule_set = "tlif-2017"
[networks]
size = 4
min = 3
max = 5
[[events]]
key = "nd"
name = "Network Day"
venue = "network"
frequency = "termly"
audience = ["head-teacher"]
[[events]]
key = "cqa"
name = "Collaborative Quality Analysis"
venue = "school"
frequency = "start"
audience = ["head-teacher", "governor"]
"#;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_one_year_programme_has_three_terms_and_plans_termly_events_in_each() {
        let t = Template::parse(MINIMAL).expect("parses");
        let terms: Vec<String> = t.terms(date(2017, 9, 1)).iter().map(|t| t.label()).collect();
        assert_eq!(terms, ["Autumn 2017", "Spring 2018", "Summer 2018"]);
        let plan = t.plan(date(2017, 11, 1));
        assert_eq!(plan.iter().filter(|e| e.kind == "nd").count(), 3);
        assert_eq!(plan.iter().filter(|e| e.kind == "cqa").count(), 1);
        assert_eq!(plan[0].kind, "nd");
        assert_eq!(plan[1].kind, "cqa");
        assert_eq!(t.ends_on(date(2017, 11, 1)), Some(date(2018, 7, 31)));
        // A programme starting in January belongs to the school year that began the September
        // before, so a one-year programme ends that July, after two terms; its "end" events
        // fall in the summer term.
        assert_eq!(t.ends_on(date(2018, 1, 8)), Some(date(2018, 7, 31)));
        let terms: Vec<String> = t.terms(date(2018, 1, 8)).iter().map(|t| t.label()).collect();
        assert_eq!(terms, ["Spring 2018", "Summer 2018"]);
        let three = Template::parse(&MINIMAL.replace("years = 1", "years = 3")).expect("3 years");
        let terms = three.terms(date(2017, 9, 4));
        assert_eq!((terms.len(), terms.last().map(|t| t.label())), (9, Some("Summer 2020".to_owned())));
        assert!(terms.windows(2).all(|w| w[0] < w[1]), "terms sort by date");
    }

    #[test]
    fn inconsistent_templates_are_refused_with_the_reason() {
        let e = Template::parse(&MINIMAL.replace("min = 3", "min = 5")).expect_err("min above size");
        assert!(e.to_string().contains("size 4 must"), "{e}");
        let e = Template::parse(&MINIMAL.replace("\"governor\"", "\"janitor\"")).expect_err("unknown role");
        assert!(e.to_string().contains("'janitor' is not a role"), "{e}");
        let e = Template::parse(&MINIMAL.replace("key = \"cqa\"", "key = \"nd\"")).expect_err("duplicate");
        assert!(e.to_string().contains("two events have the key 'nd'"), "{e}");
        let e = Template::parse(&MINIMAL.replace("years = 1", "years = 0")).expect_err("years");
        assert!(e.to_string().contains("1 to 5"), "{e}");
        let e = Template::parse(&MINIMAL.replace("venue = \"network\"", "venue = \"moon\"")).expect_err("venue");
        assert!(matches!(e, TemplateError::Syntax(_)), "{e}");
    }
}
