//! GIAS establishment types and the type group each belongs to.
//!
//! GIAS files every `TypeOfEstablishment` under one `EstablishmentTypeGroup` ("Community school"
//! is a "Local authority maintained schools" type), so an extract that has the type but not
//! the group still says what kind of school each is. The table is GIAS's own, as bundled in
//! `reference/gias_establishment_types.csv` in this crate (a test checks the two agree). Other
//! publishers spell some types their own way (the DfE spine's "Academy - Converter
//! mainstream"); [`EstablishmentType::find`] knows those spellings too, so that a type is
//! shown under one label whichever file it came from.

/// One GIAS establishment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EstablishmentType {
    /// GIAS `TypeOfEstablishment (code)`.
    pub code: u16,
    /// GIAS `TypeOfEstablishment (name)`: the label shown for the type.
    pub name: &'static str,
    /// GIAS `EstablishmentTypeGroup (name)`.
    pub group: &'static str,
}

const LA_MAINTAINED: &str = "Local authority maintained schools";
const ACADEMIES: &str = "Academies";
const FREE_SCHOOLS: &str = "Free Schools";
const INDEPENDENT: &str = "Independent schools";
const SPECIAL: &str = "Special schools";
const COLLEGES: &str = "Colleges";
const OTHER: &str = "Other types";

const fn t(code: u16, name: &'static str, group: &'static str) -> EstablishmentType {
    EstablishmentType { code, name, group }
}

/// Every GIAS establishment type, by code.
pub const TYPES: &[EstablishmentType] = &[
    t(1, "Community school", LA_MAINTAINED),
    t(2, "Voluntary aided school", LA_MAINTAINED),
    t(3, "Voluntary controlled school", LA_MAINTAINED),
    t(5, "Foundation school", LA_MAINTAINED),
    t(6, "City technology college", INDEPENDENT),
    t(7, "Community special school", SPECIAL),
    t(8, "Non-maintained special school", SPECIAL),
    t(10, "Other independent special school", SPECIAL),
    t(11, "Other independent school", INDEPENDENT),
    t(12, "Foundation special school", SPECIAL),
    t(14, "Pupil referral unit", LA_MAINTAINED),
    t(15, "Local authority nursery school", LA_MAINTAINED),
    t(18, "Further education", COLLEGES),
    t(24, "Secure units", OTHER),
    t(25, "Offshore schools", OTHER),
    t(26, "Service children's education", OTHER),
    t(27, "Miscellaneous", OTHER),
    t(28, "Academy sponsor led", ACADEMIES),
    t(29, "Higher education institutions", "Universities"),
    t(30, "Welsh establishment", "Welsh schools"),
    t(31, "Sixth form centres", COLLEGES),
    t(32, "Special post 16 institution", OTHER),
    t(33, "Academy special sponsor led", ACADEMIES),
    t(34, "Academy converter", ACADEMIES),
    t(35, "Free schools", FREE_SCHOOLS),
    t(36, "Free schools special", FREE_SCHOOLS),
    t(37, "British schools overseas", OTHER),
    t(38, "Free schools alternative provision", FREE_SCHOOLS),
    t(39, "Free schools 16 to 19", FREE_SCHOOLS),
    t(40, "University technical college", FREE_SCHOOLS),
    t(41, "Studio schools", FREE_SCHOOLS),
    t(42, "Academy alternative provision converter", ACADEMIES),
    t(43, "Academy alternative provision sponsor led", ACADEMIES),
    t(44, "Academy special converter", ACADEMIES),
    t(45, "Academy 16-19 converter", ACADEMIES),
    t(46, "Academy 16 to 19 sponsor led", ACADEMIES),
    t(49, "Online provider", "Online provider"),
    t(56, "Institution funded by other government department", OTHER),
    t(57, "Academy secure 16 to 19", ACADEMIES),
];

/// Other spellings of GIAS types, as the DfE performance tables (the spine's NFTYPE) write
/// them, with the GIAS code they stand for. Compared as [`key`] gives them.
const SPELLINGS: &[(&str, u16)] = &[
    ("Academy - Converter mainstream", 34),
    ("Academy converter mainstream", 34),
    ("Academy sponsor led mainstream", 28),
    ("Academy - Sponsor led mainstream", 28),
    ("Academy - Converter special school", 44),
    ("Academy - Sponsor led special school", 33),
    ("Academy - Alternative provision converter", 42),
    ("Academy - Alternative provision sponsor led", 43),
    ("Academy 16-19 sponsor led", 46),
    ("Academy 16 to 19 converter", 45),
    ("Free school - Mainstream", 35),
    ("Free school", 35),
    ("Free school - Special", 36),
    ("Free school - Alternative provision", 38),
    ("Free school 16-19", 39),
    ("Free schools 16-19", 39),
    ("Studio school", 41),
    ("University technical colleges", 40),
    ("Sixth form centre/consortia", 31),
    ("Sixth form centre", 31),
    ("General further education college", 18),
    ("Sixth form college", 18),
    ("Agriculture and horticulture college", 18),
];

/// A type's name as compared: lower case, each run of anything but letters and digits one
/// space ("Free school  16-19" is "free school 16 19").
fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

impl EstablishmentType {
    /// The type with this GIAS code.
    pub fn by_code(code: i64) -> Option<&'static EstablishmentType> {
        TYPES.iter().find(|t| i64::from(t.code) == code)
    }

    /// The type a name stands for: GIAS's name, or another publisher's spelling of it (case,
    /// spacing and punctuation aside).
    pub fn find(name: &str) -> Option<&'static EstablishmentType> {
        let k = key(name);
        if k.is_empty() {
            return None;
        }
        TYPES
            .iter()
            .find(|t| key(t.name) == k)
            .or_else(|| SPELLINGS.iter().find(|(s, _)| key(s) == k).and_then(|(_, c)| Self::by_code(i64::from(*c))))
    }
}

/// The label a type is shown and filtered under: GIAS's name for it, or the name as given
/// when it is not a type GIAS lists.
pub fn type_label(name: &str) -> String {
    EstablishmentType::find(name).map_or_else(|| name.trim().to_owned(), |t| t.name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_bundled_gias_reference() {
        let csv = include_str!("../reference/gias_establishment_types.csv");
        let mut rows = csv.lines().skip(1).filter(|l| !l.trim().is_empty());
        for t in TYPES {
            let line = rows.next().expect("a row for every type");
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0].parse::<u16>().ok(), Some(t.code), "{line}");
            assert_eq!((cells[1], cells[3]), (t.name, t.group), "{line}");
        }
        assert!(rows.next().is_none(), "every row of the reference is in the table");
    }

    #[test]
    fn other_spellings_find_the_gias_type() {
        let group = |n: &str| EstablishmentType::find(n).map(|t| t.group);
        assert_eq!(group("Community school"), Some(LA_MAINTAINED));
        assert_eq!(group("COMMUNITY SCHOOL"), Some(LA_MAINTAINED));
        assert_eq!(group("Academy - Converter mainstream"), Some(ACADEMIES));
        assert_eq!(type_label("Academy - Converter mainstream"), "Academy converter");
        assert_eq!(type_label("Free school  16-19"), "Free schools 16 to 19");
        assert_eq!(type_label("Studio school"), "Studio schools");
        assert_eq!(type_label(" Something new "), "Something new", "an unknown type keeps its name");
        assert_eq!(EstablishmentType::by_code(34).map(|t| t.name), Some("Academy converter"));
        assert!(EstablishmentType::by_code(9).is_none() && EstablishmentType::find("").is_none());
        for (s, c) in SPELLINGS {
            assert!(EstablishmentType::by_code(i64::from(*c)).is_some(), "{s}");
        }
    }
}
