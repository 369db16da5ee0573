//! What a file becomes: batches of domain records, each with the rule for merging it into what
//! is already stored.

use chrono::NaiveDate;

use aspire_core::codes::{LaCode, LadCode};
use aspire_core::ks2::{Ks2Row, Measure};
use aspire_core::links::EstablishmentLink;
use aspire_core::ofsted::Inspection;
use aspire_core::school::SchoolField;
use aspire_core::urn::Urn;
use aspire_core::value::Value;
use aspire_core::year::AcademicYear;

/// How a file's values merge with values already stored from other files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// The file is the authority for what it carries: its values replace stored ones.
    Replace,
    /// The file only fills blanks (a results file's school names never overwrite the register).
    FillOnly,
    /// Each field keeps the value from the highest-ranked file that gives one: a file replaces
    /// values that came from lower- or equal-ranked files, only fills blanks left by higher-ranked
    /// ones, and a blank never erases a value. The result does not depend on import order.
    Ranked(SourceRank),
}

/// How authoritative a file is for the register: its tier, then how recent its data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceRank {
    pub tier: SourceTier,
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceTier {
    /// Results files that also name and locate schools: below any register file.
    Results = 0,
    /// Files derived from a register file by someone else (the school-details file).
    Derived = 1,
    /// GIAS extracts and the DfE spine.
    Register = 2,
}

impl SourceRank {
    pub fn register(as_of: NaiveDate) -> Self {
        SourceRank { tier: SourceTier::Register, as_of }
    }

    pub fn derived(as_of: NaiveDate) -> Self {
        SourceRank { tier: SourceTier::Derived, as_of }
    }

    pub fn results(as_of: NaiveDate) -> Self {
        SourceRank { tier: SourceTier::Results, as_of }
    }

    /// A number whose order is the rank's order: tier, then yyyymmdd (220220420 is a register
    /// file as of 2022-04-20; 20190831 a results file as of 2019-08-31).
    pub fn key(&self) -> i64 {
        use chrono::Datelike;
        let d = self.as_of;
        i64::from(self.tier as u8) * 100_000_000
            + i64::from(d.year()) * 10_000
            + i64::from(d.month()) * 100
            + i64::from(d.day())
    }
}

/// Register fields for many schools; every row has a value (maybe `None`) for each field.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolBatch {
    pub fields: Vec<SchoolField>,
    pub precedence: Precedence,
    pub rows: Vec<SchoolRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRow {
    pub urn: Urn,
    /// Aligned with [`SchoolBatch::fields`].
    pub values: Vec<Option<Value>>,
}

/// KS2 results; every row has a value (maybe `None`) for each measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Ks2Batch {
    pub measures: Vec<Measure>,
    pub rank: Ks2Rank,
    pub rows: Vec<Ks2Row>,
}

/// How authoritative a results file is for its KS2 figures. Two files can disagree about a
/// figure (a revised release, a copy made by someone else): each figure keeps the value of the
/// highest-ranked file that gives one, and on equal ranks the greater figure, so the result never
/// depends on the order files are imported in; the disagreement is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ks2Rank {
    /// Extracts per URN with readable column names, made from DfE data by others.
    PerUrnExtract = 0,
    /// Files with the DfE's own column names (the performance tables' "ks2final" and copies of it).
    DfeResults = 1,
}

impl Ks2Rank {
    pub fn key(self) -> i64 {
        self as i64
    }
}

/// A DfE local authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAuthority {
    pub code: LaCode,
    pub name: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LaBatch {
    /// Replace for the DfE LA list, FillOnly where a name comes along with other data.
    pub precedence: Precedence,
    /// Whether the file carries regions (otherwise stored regions are left alone).
    pub has_region: bool,
    pub rows: Vec<LocalAuthority>,
}

/// An ONS local authority district with its region and/or county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lad {
    pub code: LadCode,
    pub name: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub county_code: Option<String>,
    pub county_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadBatch {
    pub has_region: bool,
    pub has_county: bool,
    pub rows: Vec<Lad>,
}

pub use aspire_core::areas::AreaMember;

/// A DfE field label from a performance-tables metadata file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ks2FieldLabel {
    pub year: AcademicYear,
    pub position: i64,
    pub field: String,
    pub label: String,
}

/// Everything a file yields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    pub schools: Option<SchoolBatch>,
    pub local_authorities: Option<LaBatch>,
    pub inspections: Vec<Inspection>,
    pub ks2: Option<Ks2Batch>,
    pub links: Vec<EstablishmentLink>,
    pub lads: Option<LadBatch>,
    pub areas: Vec<AreaMember>,
    pub ks2_fields: Vec<Ks2FieldLabel>,
}

impl Records {
    /// Number of records of all kinds.
    pub fn len(&self) -> usize {
        self.schools.as_ref().map_or(0, |b| b.rows.len())
            + self.local_authorities.as_ref().map_or(0, |b| b.rows.len())
            + self.inspections.len()
            + self.ks2.as_ref().map_or(0, |b| b.rows.len())
            + self.links.len()
            + self.lads.as_ref().map_or(0, |b| b.rows.len())
            + self.areas.len()
            + self.ks2_fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
