//! KS2 results files.
//!
//! [`DfeParser`] reads files that keep the DfE performance-tables column names (RECTYPE, URN,
//! LEA, READPROG, PTRWM_EXP, ...): the full-width "ks2final" files, whose rows for schools
//! without results stop early (trailing columns are "not given"), and cut-down national copies
//! that may add latitude/longitude and an Ofsted rating. RECTYPE 1 and 2 are schools, 3 an LA,
//! 4 and 5 England. The academic year comes from the file name or the user.
//!
//! [`PerUrnParser`] reads per-URN extracts with readable names ("Reading Progress",
//! "Overall Meet Std", ...) and an "Academic Year" column holding the year the summer falls in.

use aspire_core::codes::LaCode;
use aspire_core::ks2::{Ks2Row, Ks2Subject, Ks2Value, Measure};
use aspire_core::ofsted::{Inspection, Rating};
use aspire_core::school::SchoolField;
use aspire_core::value::Value;
use aspire_core::year::AcademicYear;

use super::{Format, Meta, RowOut, RowParser, header_error, require};
use crate::cells::{Col, Header, Row};
use crate::records::{Ks2Rank, LocalAuthority, Precedence, SchoolRow, SourceRank};
use crate::{FileError, ImportOptions, year_in_name};

/// School fields a results file may carry. They only fill blanks in the register.
const SCHOOL_COLUMNS: &[(&str, SchoolField)] = &[
    ("SCHNAME", SchoolField::Name),
    ("ADDRESS1", SchoolField::Street),
    ("ADDRESS2", SchoolField::Locality),
    ("ADDRESS3", SchoolField::Address3),
    ("TOWN", SchoolField::Town),
    ("PCODE", SchoolField::Postcode),
    ("TELNUM", SchoolField::Telephone),
    ("WEB", SchoolField::Website),
    ("GENDER", SchoolField::Gender),
    ("RELIGION", SchoolField::ReligiousCharacter),
    ("PHASE", SchoolField::Phase),
];

pub(crate) struct DfeParser {
    year: AcademicYear,
    rectype: Col,
    urn: Col,
    lea: Option<Col>,
    name: Option<Col>,
    measures: Vec<(Measure, Col)>,
    school: Vec<(SchoolField, Col)>,
    latlon: Option<(Col, Col)>,
    ofsted: Option<(Col, Col)>,
}

impl DfeParser {
    pub fn new(header: &Header, file_name: &str, opts: &ImportOptions) -> Result<DfeParser, FileError> {
        let f = Format::Ks2Results;
        let year =
            opts.year.or_else(|| year_in_name(file_name)).ok_or(FileError::UnknownYear { format: f.describe() })?;
        let measures: Vec<(Measure, Col)> =
            Measure::ALL.iter().filter_map(|&m| header.find(m.dfe_code()).map(|c| (m, c))).collect();
        let mut school: Vec<(SchoolField, Col)> =
            SCHOOL_COLUMNS.iter().filter_map(|&(h, f)| header.find(h).map(|c| (f, c))).collect();
        let lea = header.find("LEA");
        if let Some(c) = lea {
            school.push((SchoolField::LaCode, c));
        }
        let latlon = match (header.find("LATITUDE"), header.find("LONGITUDE")) {
            (Some(a), Some(b)) => {
                for f in [SchoolField::Latitude, SchoolField::Longitude, SchoolField::LocationSource] {
                    school.push((f, a));
                }
                Some((a, b))
            }
            (None, None) => None,
            _ => return Err(header_error(f, "it has only one of LATITUDE and LONGITUDE")),
        };
        let ofsted = match (header.find("OFSTEDRATING"), header.find("INSPECTIONDT")) {
            (Some(r), Some(d)) => Some((r, d)),
            _ => None,
        };
        Ok(DfeParser {
            year,
            rectype: require(header, f, "RECTYPE")?,
            urn: require(header, f, "URN")?,
            lea,
            name: header.find("SCHNAME"),
            measures,
            school,
            latlon,
            ofsted,
        })
    }

    fn la(&self, row: &mut Row<'_>) -> Option<LaCode> {
        let Some(c) = self.lea else {
            row.issues.push(crate::RowIssue::row(row.line, "an LA row (RECTYPE 3) needs an LEA column"));
            return None;
        };
        match LaCode::parse(row.raw(c)) {
            Ok(la) => Some(la),
            Err(e) => {
                row.fail(c, e.to_string());
                None
            }
        }
    }
}

impl RowParser for DfeParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let mut out = RowOut::default();
        let subject = match row.raw(self.rectype).trim() {
            "1" | "2" => row.urn(self.urn).map(Ks2Subject::School),
            "3" => self.la(row).map(|la| Ks2Subject::LocalAuthority(la.get())),
            "4" => Some(Ks2Subject::EnglandAll),
            "5" => Some(Ks2Subject::EnglandStateFunded),
            _ => {
                row.fail(
                    self.rectype,
                    "expected a DfE record type: 1 (mainstream school), 2 (special school), 3 (LA), 4 or 5 (England)",
                );
                None
            }
        };
        let values: Vec<Option<Ks2Value>> = self.measures.iter().map(|&(m, c)| row.ks2(c, m)).collect();
        let Some(subject) = subject else { return out };
        match subject {
            Ks2Subject::School(urn) => {
                let location = self.latlon.and_then(|(a, b)| match (row.real(a), row.real(b)) {
                    (Some(lat), Some(lon)) if (49.0..=61.5).contains(&lat) && (-9.0..=2.5).contains(&lon) => {
                        Some((lat, lon))
                    }
                    (Some(_), Some(_)) => {
                        row.fail(a, "latitude/longitude are outside Great Britain");
                        None
                    }
                    (None, None) => None,
                    _ => {
                        row.fail(a, "a location needs both LATITUDE and LONGITUDE");
                        None
                    }
                });
                let mut school_values = Vec::with_capacity(self.school.len());
                for &(f, c) in &self.school {
                    let v = match f {
                        SchoolField::Latitude => location.map(|l| Value::Real(l.0)),
                        SchoolField::Longitude => location.map(|l| Value::Real(l.1)),
                        SchoolField::LocationSource => location.map(|_| Value::Text("postcode".into())),
                        SchoolField::LaCode => LaCode::parse(row.raw(c)).ok().map(|la| Value::Int(i64::from(la.get()))),
                        _ => row.text(c).map(Value::Text),
                    };
                    school_values.push(v);
                }
                out.school = Some(SchoolRow { urn, values: school_values });
                if let Some((r, d)) = self.ofsted {
                    let date = row.any_date(d).and_then(|x| row.inspection_date(d, x));
                    if let (Some(text), Some(date)) = (row.text(r), date) {
                        match Rating::parse(&text) {
                            Ok(rating) => {
                                if let Some(why) = rating.anachronism(date) {
                                    row.warn(r, why);
                                }
                                out.inspection = Some((Inspection { urn, date, judgement: rating.judgement }, rating));
                            }
                            Err(e) => row.fail(r, e.to_string()),
                        }
                    }
                }
            }
            Ks2Subject::LocalAuthority(code) => {
                if let Ok(code) = LaCode::try_from(i64::from(code)) {
                    out.la = Some(LocalAuthority {
                        code,
                        name: self.name.and_then(|c| row.text(c)),
                        region_code: None,
                        region_name: None,
                    });
                }
            }
            _ => {}
        }
        out.ks2 = Some(Ks2Row { subject, year: self.year, values });
        out
    }

    fn meta(&self) -> Meta {
        Meta {
            school_fields: Some((
                self.school.iter().map(|&(f, _)| f).collect(),
                Precedence::Ranked(SourceRank::results(self.year.last_day())),
            )),
            ks2_measures: Some((self.measures.iter().map(|&(m, _)| m).collect(), Ks2Rank::DfeResults)),
            la: self.lea.map(|_| (Precedence::FillOnly, false)),
            ..Meta::default()
        }
    }

    fn used(&self) -> Vec<Col> {
        let mut cols = vec![self.rectype, self.urn];
        cols.extend(self.lea);
        cols.extend(self.measures.iter().map(|&(_, c)| c));
        cols.extend(self.school.iter().map(|&(_, c)| c));
        if let Some((a, b)) = self.latlon {
            cols.extend([a, b]);
        }
        if let Some((a, b)) = self.ofsted {
            cols.extend([a, b]);
        }
        cols
    }
}

/// Readable column names of per-URN extracts and the DfE measure each one is (checked against
/// the full DfE files for the same schools and years: "Writing Score/Meet/Exceed" are the
/// grammar, punctuation and spelling test figures).
const PER_URN: &[(&str, Measure)] = &[
    ("KS2 Pupils", Measure::EligiblePupils),
    ("KS2 Boys", Measure::EligibleBoys),
    ("KS2 Girls", Measure::EligibleGirls),
    ("Reading Progress", Measure::ReadingProgress),
    ("Reading Score", Measure::ReadingAverage),
    ("Reading Meet Std", Measure::ReadingExpected),
    ("Reading Exceed Std", Measure::ReadingHigher),
    ("Reading Progress Band", Measure::ReadingProgressBand),
    ("Writing Progress", Measure::WritingProgress),
    ("Writing Score", Measure::GpsAverage),
    ("Writing Meet Std", Measure::GpsExpected),
    ("Writing Exceed Std", Measure::GpsHigher),
    ("Writing Progress Band", Measure::WritingProgressBand),
    ("Maths Progress", Measure::MathsProgress),
    ("Maths Score", Measure::MathsAverage),
    ("Maths Meet Std", Measure::MathsExpected),
    ("Maths Exceed Std", Measure::MathsHigher),
    ("Maths Progress Band", Measure::MathsProgressBand),
    ("Overall Meet Std", Measure::RwmExpected),
    ("Overall Exceed Std", Measure::RwmHigher),
];

pub(crate) struct PerUrnParser {
    urn: Col,
    year: Col,
    measures: Vec<(Measure, Col)>,
}

impl PerUrnParser {
    pub fn new(header: &Header) -> Result<PerUrnParser, FileError> {
        let f = Format::Ks2PerUrn;
        Ok(PerUrnParser {
            urn: require(header, f, "URN")?,
            year: require(header, f, "Academic Year")?,
            measures: PER_URN.iter().filter_map(|&(h, m)| header.find(h).map(|c| (m, c))).collect(),
        })
    }
}

impl RowParser for PerUrnParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let urn = row.urn(self.urn);
        let raw_year = row.raw(self.year).trim();
        // "2017" means the year whose summer is 2017, i.e. 2016/17; "2016/17" is also accepted.
        let year = match raw_year.parse::<u16>() {
            Ok(y) => AcademicYear::ending(y).ok(),
            Err(_) => AcademicYear::parse(raw_year).ok(),
        };
        if year.is_none() {
            row.fail(self.year, "expected the year the summer falls in (e.g. 2017 for 2016/17) or 2016/17");
        }
        let values: Vec<Option<Ks2Value>> = self.measures.iter().map(|&(m, c)| row.ks2(c, m)).collect();
        let mut out = RowOut::default();
        if let (Some(urn), Some(year)) = (urn, year) {
            out.ks2 = Some(Ks2Row { subject: Ks2Subject::School(urn), year, values });
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta {
            ks2_measures: Some((self.measures.iter().map(|&(m, _)| m).collect(), Ks2Rank::PerUrnExtract)),
            ..Meta::default()
        }
    }

    fn used(&self) -> Vec<Col> {
        let mut cols = vec![self.urn, self.year];
        cols.extend(self.measures.iter().map(|&(_, c)| c));
        cols
    }
}
