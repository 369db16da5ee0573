//! The DfE performance-tables school information file ("spine") and the school-details
//! derivation of it that adds the latest Ofsted rating.
//!
//! The spine is published as XLSX; a CSV copy made by a spreadsheet keeps OPENDATE/CLOSEDATE as
//! Excel day numbers, which are read as dates. Phase is derived from ISPRIMARY/ISSECONDARY/
//! ISPOST16 (the spine has no phase column): a GIAS extract of the same date or newer replaces it.

use aspire_core::dates::DateStyle;
use aspire_core::ofsted::{Inspection, Rating};
use aspire_core::school::SchoolField;
use aspire_core::value::Value;

use super::{Format, Meta, RowOut, RowParser, require};
use crate::cells::{Col, Header, Row};
use crate::records::{Precedence, SchoolRow, SourceRank};
use crate::{FileError, ImportOptions, date_in_name};

#[derive(Clone, Copy)]
enum Read {
    Text,
    /// Text where DfE placeholders ("n/a", "Not recorded", and "nan" left by a dataframe) mean blank.
    TextOrBlank,
    Int,
    La,
    Date(DateStyle),
    Flag,
    /// ICLOSE / Status: 1 open, 2 closed, 3 open but proposed to close.
    CloseFlag,
}

const SPINE: &[(&str, SchoolField, Read)] = &[
    ("LA", SchoolField::LaCode, Read::La),
    ("ESTAB", SchoolField::EstablishmentNumber, Read::Int),
    ("SCHNAME", SchoolField::Name, Read::Text),
    ("STREET", SchoolField::Street, Read::Text),
    ("LOCALITY", SchoolField::Locality, Read::Text),
    ("ADDRESS3", SchoolField::Address3, Read::Text),
    ("TOWN", SchoolField::Town, Read::Text),
    ("POSTCODE", SchoolField::Postcode, Read::Text),
    ("TELNUM", SchoolField::Telephone, Read::Text),
    ("ICLOSE", SchoolField::Status, Read::CloseFlag),
    ("OPENDATE", SchoolField::OpenDate, Read::Date(DateStyle::ExcelSerial)),
    ("CLOSEDATE", SchoolField::CloseDate, Read::Date(DateStyle::ExcelSerial)),
    ("MINORGROUP", SchoolField::MinorGroup, Read::TextOrBlank),
    ("NFTYPE", SchoolField::TypeName, Read::Text),
    ("ISPRIMARY", SchoolField::IsPrimary, Read::Flag),
    ("ISSECONDARY", SchoolField::IsSecondary, Read::Flag),
    ("ISPOST16", SchoolField::IsPost16, Read::Flag),
    ("AGEL", SchoolField::LowAge, Read::Int),
    ("AGEH", SchoolField::HighAge, Read::Int),
    ("GENDER", SchoolField::Gender, Read::Text),
    ("RELDENOM", SchoolField::ReligiousCharacter, Read::Text),
    ("ADMPOL", SchoolField::AdmissionsPolicy, Read::TextOrBlank),
];

const DETAILS: &[(&str, SchoolField, Read)] = &[
    ("Name", SchoolField::Name, Read::Text),
    ("Street", SchoolField::Street, Read::Text),
    ("City", SchoolField::Town, Read::Text),
    ("Postcode", SchoolField::Postcode, Read::Text),
    ("Status", SchoolField::Status, Read::CloseFlag),
    ("Date Opened", SchoolField::OpenDate, Read::Date(DateStyle::Compact)),
    ("Date Closed", SchoolField::CloseDate, Read::Date(DateStyle::Compact)),
    ("Type", SchoolField::MinorGroup, Read::TextOrBlank),
    ("Primary", SchoolField::IsPrimary, Read::Flag),
    ("Secondary", SchoolField::IsSecondary, Read::Flag),
    ("Post 16", SchoolField::IsPost16, Read::Flag),
    ("Age From", SchoolField::LowAge, Read::Int),
    ("Age To", SchoolField::HighAge, Read::Int),
    ("Gender", SchoolField::Gender, Read::Text),
    ("Religion", SchoolField::ReligiousCharacter, Read::Text),
    ("Local Authority", SchoolField::LaCode, Read::La),
];

pub(crate) struct Parser {
    urn: Col,
    columns: Vec<(Col, SchoolField, Read)>,
    /// (primary, secondary, post16) flag columns, when the phase can be derived.
    phase: Option<(Col, Col, Option<Col>)>,
    ofsted: Option<(Col, Col)>,
    precedence: Precedence,
    /// The school-details file was written by a dataframe that wrote blanks as "nan".
    nan_is_blank: bool,
}

impl Parser {
    pub fn spine(header: &Header, file_name: &str, opts: &ImportOptions) -> Result<Parser, FileError> {
        Self::new(header, Format::DfeSpine, SPINE, ("ISPRIMARY", "ISSECONDARY", "ISPOST16"), None, file_name, opts)
    }

    pub fn details(header: &Header, file_name: &str, opts: &ImportOptions) -> Result<Parser, FileError> {
        Self::new(
            header,
            Format::SchoolDetails,
            DETAILS,
            ("Primary", "Secondary", "Post 16"),
            Some(("Rating", "Inspect Date")),
            file_name,
            opts,
        )
    }

    fn new(
        header: &Header,
        format: Format,
        table: &[(&str, SchoolField, Read)],
        flags: (&str, &str, &str),
        ofsted: Option<(&str, &str)>,
        file_name: &str,
        opts: &ImportOptions,
    ) -> Result<Parser, FileError> {
        let urn = require(header, format, "URN")?;
        let columns: Vec<_> = table.iter().filter_map(|&(h, f, r)| header.find(h).map(|c| (c, f, r))).collect();
        let phase = match (header.find(flags.0), header.find(flags.1)) {
            (Some(p), Some(s)) => Some((p, s, header.find(flags.2))),
            _ => None,
        };
        let ofsted = ofsted.and_then(|(r, d)| Some((header.find(r)?, header.find(d)?)));
        let as_of = date_in_name(file_name).unwrap_or(opts.today);
        let nan_is_blank = format == Format::SchoolDetails;
        let rank =
            if format == Format::SchoolDetails { SourceRank::derived(as_of) } else { SourceRank::register(as_of) };
        Ok(Parser { urn, columns, phase, ofsted, precedence: Precedence::Ranked(rank), nan_is_blank })
    }
}

fn derived_phase(primary: bool, secondary: bool, post16: bool) -> &'static str {
    match (primary, secondary, post16) {
        (true, false, _) => "Primary",
        (false, true, _) => "Secondary",
        (true, true, _) => "All-through",
        (false, false, true) => "16 plus",
        (false, false, false) => "Not applicable",
    }
}

impl RowParser for Parser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let mut out = RowOut::default();
        let urn = row.urn(self.urn);
        let mut values = Vec::with_capacity(self.columns.len() + 1);
        for &(col, field, read) in &self.columns {
            let v = match read {
                Read::Text => row.text(col).filter(|t| !(self.nan_is_blank && t == "nan")).map(Value::Text),
                Read::TextOrBlank => row
                    .text(col)
                    .filter(|t| !matches!(t.to_ascii_lowercase().as_str(), "n/a" | "nan" | "not recorded"))
                    .map(Value::Text),
                Read::Int => row.int(col).map(Value::Int),
                Read::La => row.la_code(col),
                Read::Date(style) => row.date(col, style).map(Value::Date),
                Read::Flag => row.flag(col).map(Value::Bool),
                Read::CloseFlag => match row.int(col) {
                    None => None,
                    Some(1) => Some(Value::Text("Open".into())),
                    Some(2) => Some(Value::Text("Closed".into())),
                    Some(3) => Some(Value::Text("Open, but proposed to close".into())),
                    Some(_) => {
                        row.fail(col, "expected 1 (open), 2 (closed) or 3 (proposed to close)");
                        None
                    }
                },
            };
            values.push(row.checked(col, field, v));
        }
        if self.phase.is_some() {
            // Derived from the flags just read, so a bad flag is reported once.
            let flag = |f: SchoolField| {
                self.columns.iter().position(|&(_, x, _)| x == f).and_then(|i| values[i].as_ref()?.as_bool())
            };
            let post16 = if self.columns.iter().any(|&(_, x, _)| x == SchoolField::IsPost16) {
                flag(SchoolField::IsPost16)
            } else {
                Some(false)
            };
            let phase = match (flag(SchoolField::IsPrimary), flag(SchoolField::IsSecondary), post16) {
                (Some(p), Some(s), Some(p16)) => Some(Value::Text(derived_phase(p, s, p16).into())),
                _ => None,
            };
            values.push(phase);
        }
        let Some(urn) = urn else { return out };
        if let Some((rating_col, date_col)) = self.ofsted {
            let date = row.date(date_col, DateStyle::Compact).and_then(|d| row.inspection_date(date_col, d));
            if let (Some(text), Some(date)) = (row.text(rating_col).filter(|t| t != "nan"), date) {
                match Rating::parse(&text) {
                    Ok(r) => {
                        if let Some(why) = r.anachronism(date) {
                            row.warn(rating_col, why);
                        }
                        out.inspection = Some((Inspection { urn, date, judgement: r.judgement }, r));
                    }
                    Err(e) => row.fail(rating_col, e.to_string()),
                }
            }
        }
        out.school = Some(SchoolRow { urn, values });
        out
    }

    fn meta(&self) -> Meta {
        let mut fields: Vec<SchoolField> = self.columns.iter().map(|&(_, f, _)| f).collect();
        if self.phase.is_some() {
            fields.push(SchoolField::Phase);
        }
        Meta { school_fields: Some((fields, self.precedence)), ..Meta::default() }
    }

    fn used(&self) -> Vec<Col> {
        let mut cols = vec![self.urn];
        cols.extend(self.columns.iter().map(|&(c, _, _)| c));
        if let Some((p, s, p16)) = self.phase {
            cols.extend([Some(p), Some(s), p16].into_iter().flatten());
        }
        if let Some((r, d)) = self.ofsted {
            cols.extend([r, d]);
        }
        cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_from_flags() {
        assert_eq!(derived_phase(true, false, false), "Primary");
        assert_eq!(derived_phase(true, true, true), "All-through");
        assert_eq!(derived_phase(false, true, true), "Secondary");
        assert_eq!(derived_phase(false, false, true), "16 plus");
    }
}
