//! Ofsted judgements across inspection frameworks.
//!
//! | period | scheme |
//! |---|---|
//! | to 31 Aug 2012 | 1 Outstanding, 2 Good, 3 Satisfactory, 4 Inadequate |
//! | 1 Sep 2012 to 1 Sep 2024 | 1 Outstanding, 2 Good, 3 Requires improvement, 4 Inadequate (serious weaknesses or special measures) |
//! | from 2 Sep 2024 | no overall grade; the last graded judgement stands until the next one |
//!
//! Grade 3 is one grade whose name changed; [`Judgement::label`] names it by the inspection date.
//! Report cards (from 10 Nov 2025) are not single grades and are not represented here.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::urn::Urn;

/// First day on which grade 3 was called "Requires improvement" (the September 2012 framework).
pub fn requires_improvement_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2012, 9, 1).unwrap_or(NaiveDate::MIN)
}

/// First day without single-word overall judgements for state schools.
pub fn single_word_judgements_ended() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 9, 2).unwrap_or(NaiveDate::MAX)
}

/// Overall effectiveness grade, 1 (best) to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    Outstanding = 1,
    Good = 2,
    /// "Satisfactory" before September 2012, "Requires improvement" from then on.
    RequiresImprovement = 3,
    Inadequate = 4,
}

impl Grade {
    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: i64) -> Option<Grade> {
        match n {
            1 => Some(Grade::Outstanding),
            2 => Some(Grade::Good),
            3 => Some(Grade::RequiresImprovement),
            4 => Some(Grade::Inadequate),
            _ => None,
        }
    }
}

/// The two categories of concern within Inadequate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Concern {
    SeriousWeaknesses,
    SpecialMeasures,
}

impl Concern {
    /// Stable text used in storage and exports.
    pub fn code(self) -> &'static str {
        match self {
            Concern::SeriousWeaknesses => "serious_weaknesses",
            Concern::SpecialMeasures => "special_measures",
        }
    }

    pub fn from_code(code: &str) -> Option<Concern> {
        match code {
            "serious_weaknesses" => Some(Concern::SeriousWeaknesses),
            "special_measures" => Some(Concern::SpecialMeasures),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Concern::SeriousWeaknesses => "serious weaknesses",
            Concern::SpecialMeasures => "special measures",
        }
    }
}

/// A graded overall-effectiveness judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Judgement {
    pub grade: Grade,
    /// Only ever set for [`Grade::Inadequate`].
    pub concern: Option<Concern>,
}

impl Judgement {
    pub fn new(grade: Grade) -> Self {
        Judgement { grade, concern: None }
    }

    /// The judgement's name as Ofsted used it on `date`.
    pub fn label(self, date: NaiveDate) -> &'static str {
        match (self.grade, self.concern) {
            (Grade::Outstanding, _) => "Outstanding",
            (Grade::Good, _) => "Good",
            (Grade::RequiresImprovement, _) if date < requires_improvement_from() => "Satisfactory",
            (Grade::RequiresImprovement, _) => "Requires improvement",
            (Grade::Inadequate, None) => "Inadequate",
            (Grade::Inadequate, Some(Concern::SeriousWeaknesses)) => "Inadequate (serious weaknesses)",
            (Grade::Inadequate, Some(Concern::SpecialMeasures)) => "Inadequate (special measures)",
        }
    }
}

/// The word a source file used, kept so that an anachronism can be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingWord {
    Outstanding,
    Good,
    Satisfactory,
    RequiresImprovement,
    Inadequate,
    SeriousWeaknesses,
    SpecialMeasures,
    /// A bare number 1 to 4.
    Number,
}

/// A rating read from a file: the judgement and the word that was used for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    pub judgement: Judgement,
    pub word: RatingWord,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an Ofsted judgement: expected Outstanding, Good, Requires improvement, Satisfactory, Inadequate, Serious Weaknesses, Special Measures or a grade 1 to 4"
)]
pub struct RatingError(pub String);

impl Rating {
    /// Parses the spellings found in GIAS, Ofsted and DfE files (case and spacing do not matter).
    /// An empty cell is not a rating; callers handle it before calling this.
    pub fn parse(text: &str) -> Result<Rating, RatingError> {
        let norm: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        let (grade, concern, word) = match norm.as_str() {
            "outstanding" => (Grade::Outstanding, None, RatingWord::Outstanding),
            "good" => (Grade::Good, None, RatingWord::Good),
            "satisfactory" => (Grade::RequiresImprovement, None, RatingWord::Satisfactory),
            "requiresimprovement" => (Grade::RequiresImprovement, None, RatingWord::RequiresImprovement),
            "inadequate" => (Grade::Inadequate, None, RatingWord::Inadequate),
            "seriousweaknesses" => (Grade::Inadequate, Some(Concern::SeriousWeaknesses), RatingWord::SeriousWeaknesses),
            "specialmeasures" => (Grade::Inadequate, Some(Concern::SpecialMeasures), RatingWord::SpecialMeasures),
            "1" => (Grade::Outstanding, None, RatingWord::Number),
            "2" => (Grade::Good, None, RatingWord::Number),
            "3" => (Grade::RequiresImprovement, None, RatingWord::Number),
            "4" => (Grade::Inadequate, None, RatingWord::Number),
            _ => return Err(RatingError(text.trim().to_owned())),
        };
        Ok(Rating { judgement: Judgement { grade, concern }, word })
    }

    /// Why this word does not fit the inspection date, if it does not. The judgement is still
    /// usable (the grade is the same), but the source is odd and the user should hear about it.
    pub fn anachronism(self, date: NaiveDate) -> Option<String> {
        let ri_from = requires_improvement_from();
        match self.word {
            RatingWord::Satisfactory if date >= ri_from => Some(format!(
                "'Satisfactory' on {date}: Ofsted renamed grade 3 'Requires improvement' from 1 September 2012; recorded as grade 3"
            )),
            RatingWord::RequiresImprovement if date < ri_from => Some(format!(
                "'Requires improvement' on {date}: before 1 September 2012 grade 3 was 'Satisfactory'; recorded as grade 3"
            )),
            _ if date >= single_word_judgements_ended() => Some(format!(
                "an overall grade on {date}: Ofsted gave no overall grades to state schools from 2 September 2024"
            )),
            _ => None,
        }
    }
}

/// One graded inspection of one establishment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub urn: Urn,
    pub date: NaiveDate,
    pub judgement: Judgement,
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test date")
    }

    #[test]
    fn parses_every_spelling_in_the_public_files() {
        let cases = [
            ("Outstanding", Grade::Outstanding, None),
            ("Good", Grade::Good, None),
            ("Requires Improvement", Grade::RequiresImprovement, None),
            ("Requires improvement", Grade::RequiresImprovement, None),
            ("Satisfactory", Grade::RequiresImprovement, None),
            ("Inadequate", Grade::Inadequate, None),
            ("Serious Weaknesses", Grade::Inadequate, Some(Concern::SeriousWeaknesses)),
            ("Special Measures", Grade::Inadequate, Some(Concern::SpecialMeasures)),
            (" 3 ", Grade::RequiresImprovement, None),
        ];
        for (text, grade, concern) in cases {
            let r = Rating::parse(text).expect(text);
            assert_eq!(r.judgement, Judgement { grade, concern }, "{text}");
        }
        assert!(Rating::parse("Very good").is_err());
        assert!(Rating::parse("5").is_err());
        assert!(Rating::parse("").is_err());
    }

    #[test]
    fn grade_three_is_named_by_date() {
        let j = Judgement::new(Grade::RequiresImprovement);
        assert_eq!(j.label(d(2012, 8, 31)), "Satisfactory");
        assert_eq!(j.label(d(2012, 9, 1)), "Requires improvement");
        let sm = Judgement { grade: Grade::Inadequate, concern: Some(Concern::SpecialMeasures) };
        assert_eq!(sm.label(d(2015, 1, 1)), "Inadequate (special measures)");
    }

    #[test]
    fn anachronisms_are_noticed() {
        let sat = Rating::parse("Satisfactory").expect("valid");
        assert!(sat.anachronism(d(2011, 5, 1)).is_none());
        assert!(sat.anachronism(d(2013, 12, 4)).is_some());
        let ri = Rating::parse("Requires Improvement").expect("valid");
        assert!(ri.anachronism(d(2013, 12, 4)).is_none());
        assert!(ri.anachronism(d(2010, 1, 1)).is_some());
        let good = Rating::parse("Good").expect("valid");
        assert!(good.anachronism(d(2024, 9, 1)).is_none());
        assert!(good.anachronism(d(2024, 9, 2)).is_some());
    }
}
