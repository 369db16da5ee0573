//! GIAS establishment extracts ("edubasealldata" and the field-picker downloads).
//!
//! A GIAS download lets the user pick fields, so any subset of columns is accepted as long as it
//! has URN. Coded fields come as "Field (name)" and/or "Field (code)"; the name is preferred, and
//! a code is translated for the fields whose GIAS code lists are stable (status, phase, type).
//! Easting/Northing (OSGB36) are converted to WGS84 latitude/longitude.

use aspire_core::codes::LaCode;
use aspire_core::dates::DateStyle;
use aspire_core::establishment::EstablishmentType;
use aspire_core::geo::GridRef;
use aspire_core::ofsted::{Inspection, Rating};
use aspire_core::school::SchoolField;
use aspire_core::value::{Kind, Value};

use super::{Format, Meta, RowOut, RowParser, header_error, require};
use crate::cells::{Col, Header, Row};
use crate::records::{LocalAuthority, Precedence, SchoolRow, SourceRank};
use crate::{FileError, ImportOptions, date_in_name};

/// How a GIAS column maps to a register field.
enum Source {
    /// The cell's value as is.
    Value(Col),
    /// A numeric GIAS code translated through a code list.
    Code(Col, fn(i64) -> Option<&'static str>),
    /// The type group of the establishment type in this column (a name, or a code when the
    /// flag is set): for extracts without the group column.
    GroupOfType(Col, bool),
}

pub(crate) struct Parser {
    urn: Col,
    fields: Vec<(SchoolField, Source)>,
    la: Option<(Col, Option<Col>)>,
    grid: Option<(Col, Col)>,
    ofsted: Option<(Col, Col)>,
    precedence: Precedence,
}

/// (GIAS field, register field, whether GIAS writes it with a "(name)"/"(code)" suffix)
const MAPPING: &[(&str, SchoolField, bool)] = &[
    ("EstablishmentName", SchoolField::Name, false),
    ("LA", SchoolField::LaName, true),
    ("EstablishmentNumber", SchoolField::EstablishmentNumber, false),
    ("TypeOfEstablishment", SchoolField::TypeName, true),
    ("EstablishmentTypeGroup", SchoolField::TypeGroup, true),
    ("EstablishmentStatus", SchoolField::Status, true),
    ("ReasonEstablishmentOpened", SchoolField::OpenReason, true),
    ("ReasonEstablishmentClosed", SchoolField::CloseReason, true),
    ("OpenDate", SchoolField::OpenDate, false),
    ("CloseDate", SchoolField::CloseDate, false),
    ("PhaseOfEducation", SchoolField::Phase, true),
    ("StatutoryLowAge", SchoolField::LowAge, false),
    ("StatutoryHighAge", SchoolField::HighAge, false),
    ("Gender", SchoolField::Gender, true),
    ("ReligiousCharacter", SchoolField::ReligiousCharacter, true),
    ("AdmissionsPolicy", SchoolField::AdmissionsPolicy, true),
    ("SchoolCapacity", SchoolField::SchoolCapacity, false),
    ("NumberOfPupils", SchoolField::NumberOfPupils, false),
    ("PercentageFSM", SchoolField::PercentageFsm, false),
    ("Trusts", SchoolField::TrustName, true),
    ("Street", SchoolField::Street, false),
    ("Locality", SchoolField::Locality, false),
    ("Address3", SchoolField::Address3, false),
    ("Town", SchoolField::Town, false),
    ("County", SchoolField::County, true),
    ("Postcode", SchoolField::Postcode, false),
    ("SchoolWebsite", SchoolField::Website, false),
    ("TelephoneNum", SchoolField::Telephone, false),
    ("GOR", SchoolField::RegionName, true),
    ("DistrictAdministrative", SchoolField::DistrictName, true),
    ("AdministrativeWard", SchoolField::WardName, true),
    ("ParliamentaryConstituency", SchoolField::ConstituencyName, true),
    ("UrbanRural", SchoolField::UrbanRural, true),
    // GIAS labels this column "(name)" although it holds a GSS code such as E10000014.
    ("GSSLACode", SchoolField::GssLaCode, true),
];

/// GIAS EstablishmentStatus codes.
fn status_code(c: i64) -> Option<&'static str> {
    Some(match c {
        1 => "Open",
        2 => "Closed",
        3 => "Open, but proposed to close",
        4 => "Proposed to open",
        _ => return None,
    })
}

/// GIAS PhaseOfEducation codes.
fn phase_code(c: i64) -> Option<&'static str> {
    Some(match c {
        0 => "Not applicable",
        1 => "Nursery",
        2 => "Primary",
        3 => "Middle deemed primary",
        4 => "Secondary",
        5 => "Middle deemed secondary",
        6 => "16 plus",
        7 => "All-through",
        _ => return None,
    })
}

/// GIAS TypeOfEstablishment codes for schools (other establishment types are left untranslated
/// and reported).
fn type_code(c: i64) -> Option<&'static str> {
    Some(match c {
        1 => "Community school",
        2 => "Voluntary aided school",
        3 => "Voluntary controlled school",
        5 => "Foundation school",
        7 => "Community special school",
        8 => "Non-maintained special school",
        10 => "Other independent special school",
        11 => "Other independent school",
        12 => "Foundation special school",
        14 => "Pupil referral unit",
        15 => "Local authority nursery school",
        28 => "Academy sponsor led",
        33 => "Academy special sponsor led",
        34 => "Academy converter",
        35 => "Free schools",
        36 => "Free schools special",
        38 => "Free schools alternative provision",
        39 => "Free schools 16 to 19",
        40 => "University technical college",
        41 => "Studio schools",
        42 => "Academy alternative provision converter",
        43 => "Academy alternative provision sponsor led",
        44 => "Academy special converter",
        45 => "Academy 16-19 converter",
        46 => "Academy 16 to 19 sponsor led",
        _ => return None,
    })
}

fn code_list(field: SchoolField) -> Option<fn(i64) -> Option<&'static str>> {
    match field {
        SchoolField::Status => Some(status_code),
        SchoolField::Phase => Some(phase_code),
        SchoolField::TypeName => Some(type_code),
        _ => None,
    }
}

impl Parser {
    pub fn new(header: &Header, file_name: &str, opts: &ImportOptions) -> Result<Parser, FileError> {
        let format = Format::GiasEstablishments;
        let urn = require(header, format, "URN")?;
        let mut fields = Vec::new();
        for &(gias, field, coded) in MAPPING {
            if !coded {
                if let Some(c) = header.find(gias) {
                    fields.push((field, Source::Value(c)));
                }
                continue;
            }
            if let Some(c) = header.find(&format!("{gias} (name)")).or_else(|| header.find(gias)) {
                fields.push((field, Source::Value(c)));
            } else if let (Some(c), Some(list)) = (header.find(&format!("{gias} (code)")), code_list(field)) {
                fields.push((field, Source::Code(c, list)));
            }
        }
        // An extract without the type group still says it through the type (GIAS files each
        // type under one group).
        if !fields.iter().any(|(f, _)| *f == SchoolField::TypeGroup) {
            let derived = fields.iter().find_map(|(f, s)| match (f, s) {
                (SchoolField::TypeName, Source::Value(c)) => Some(Source::GroupOfType(*c, false)),
                (SchoolField::TypeName, Source::Code(c, _)) => Some(Source::GroupOfType(*c, true)),
                _ => None,
            });
            if let Some(d) = derived {
                fields.push((SchoolField::TypeGroup, d));
            }
        }
        // District: the GSS code and the name are two register fields.
        if let Some(c) = header.find("DistrictAdministrative (code)") {
            fields.push((SchoolField::DistrictCode, Source::Value(c)));
        }
        let la_code = header.find("LA (code)");
        if let Some(c) = la_code {
            fields.push((SchoolField::LaCode, Source::Value(c)));
        }
        let la = la_code.map(|c| (c, header.find("LA (name)")));
        let grid = match (header.find("Easting"), header.find("Northing")) {
            (Some(e), Some(n)) => {
                for f in [
                    SchoolField::Easting,
                    SchoolField::Northing,
                    SchoolField::Latitude,
                    SchoolField::Longitude,
                    SchoolField::LocationSource,
                ] {
                    fields.push((f, Source::Value(e)));
                }
                Some((e, n))
            }
            (None, None) => None,
            _ => return Err(header_error(format, "it has only one of Easting and Northing; a location needs both")),
        };
        let ofsted = match (header.find("OfstedLastInsp"), header.find("OfstedRating (name)")) {
            (Some(d), Some(r)) => Some((d, r)),
            _ => None,
        };
        if fields.is_empty() && ofsted.is_none() {
            return Err(header_error(
                format,
                "none of its columns is a GIAS field Aspire uses (such as EstablishmentName)",
            ));
        }
        let as_of = date_in_name(file_name).unwrap_or(opts.today);
        Ok(Parser { urn, fields, la, grid, ofsted, precedence: Precedence::Ranked(SourceRank::register(as_of)) })
    }
}

impl RowParser for Parser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let mut out = RowOut::default();
        let Some(urn) = row.urn(self.urn) else { return out };

        let location = self.grid.and_then(|(e, n)| {
            let (ex, nx) = (row.real(e), row.real(n));
            match (ex, nx, row.raw(e).trim().is_empty(), row.raw(n).trim().is_empty()) {
                (Some(ex), Some(nx), _, _) => match GridRef::new(ex, nx) {
                    Ok(g) => Some((g, g.to_wgs84())),
                    Err(err) => {
                        row.fail(e, err.to_string());
                        None
                    }
                },
                (None, Some(_), true, _) => {
                    row.fail(e, "Northing is given but Easting is blank; a location needs both");
                    None
                }
                (Some(_), None, _, true) => {
                    row.fail(n, "Easting is given but Northing is blank; a location needs both");
                    None
                }
                _ => None,
            }
        });

        let mut values = Vec::with_capacity(self.fields.len());
        for (field, source) in &self.fields {
            let v = match (*field, source) {
                (SchoolField::Easting, _) => location.map(|(g, _)| Value::Real(g.easting)),
                (SchoolField::Northing, _) => location.map(|(g, _)| Value::Real(g.northing)),
                (SchoolField::Latitude, _) => location.map(|(_, ll)| Value::Real(ll.lat)),
                (SchoolField::Longitude, _) => location.map(|(_, ll)| Value::Real(ll.lon)),
                (SchoolField::LocationSource, _) => location.map(|_| Value::Text("grid".into())),
                (SchoolField::LaCode, Source::Value(c)) => row.la_code(*c),
                (f, Source::Value(c)) => row.value(*c, f.kind(), DateStyle::DayMonthYear),
                (f, Source::Code(c, list)) => match row.int(*c) {
                    Some(code) => match list(code) {
                        Some(name) => Some(Value::Text(name.to_owned())),
                        None => {
                            row.warn(*c, format!("unknown GIAS code for {}; left blank", f.label()));
                            None
                        }
                    },
                    None => None,
                },
                (_, Source::GroupOfType(c, coded)) => {
                    // Read raw: the type's own cell reports anything wrong with it.
                    let raw = row.raw(*c);
                    let found = if *coded {
                        raw.trim().parse::<i64>().ok().and_then(EstablishmentType::by_code)
                    } else {
                        EstablishmentType::find(raw)
                    };
                    found.map(|t| Value::Text(t.group.to_owned()))
                }
            };
            debug_assert!(v.as_ref().is_none_or(|v| v.kind() == field.kind() || field.kind() == Kind::Real));
            let col = match source {
                Source::Value(c) | Source::Code(c, _) | Source::GroupOfType(c, _) => *c,
            };
            values.push(row.checked(col, *field, v));
        }

        if let Some((code_col, name_col)) = self.la
            && let Ok(code) = LaCode::parse(row.raw(code_col))
        {
            out.la = Some(LocalAuthority {
                code,
                name: name_col.and_then(|c| row.text(c)),
                region_code: None,
                region_name: None,
            });
        }

        if let Some((date_col, rating_col)) = self.ofsted {
            let date = row.date(date_col, DateStyle::DayMonthYear).and_then(|d| row.inspection_date(date_col, d));
            match (row.text(rating_col), date) {
                (Some(text), Some(date)) => match Rating::parse(&text) {
                    Ok(rating) => {
                        if let Some(why) = rating.anachronism(date) {
                            row.warn(rating_col, why);
                        }
                        out.inspection = Some((Inspection { urn, date, judgement: rating.judgement }, rating));
                    }
                    Err(e) => row.warn(rating_col, format!("{e}; the inspection is not recorded")),
                },
                (Some(_), None) if row.is_ok() => {
                    row.warn(rating_col, "an Ofsted rating without an inspection date (OfstedLastInsp); not recorded")
                }
                _ => {}
            }
        }

        out.school = Some(SchoolRow { urn, values });
        out
    }

    fn meta(&self) -> Meta {
        Meta {
            school_fields: Some((self.fields.iter().map(|(f, _)| *f).collect(), self.precedence)),
            la: self.la.map(|_| (Precedence::FillOnly, false)),
            ..Meta::default()
        }
    }

    fn used(&self) -> Vec<Col> {
        let mut cols: Vec<Col> = vec![self.urn];
        for (_, s) in &self.fields {
            cols.push(match s {
                Source::Value(c) | Source::Code(c, _) | Source::GroupOfType(c, _) => *c,
            });
        }
        if let Some((e, n)) = self.grid {
            cols.extend([e, n]);
        }
        if let Some((d, r)) = self.ofsted {
            cols.extend([d, r]);
        }
        if let Some((_, Some(n))) = self.la {
            cols.push(n);
        }
        cols
    }
}
