//! Reference lists: ONS district lookups, area lists, DfE LA codes and DfE field metadata.

use aspire_core::codes::{LaCode, LadCode};
use aspire_core::year::AcademicYear;

use super::{Format, Meta, RowOut, RowParser, header_error, require};
use crate::cells::{Col, Header, Row, normalise};
use crate::records::{AreaMember, Ks2FieldLabel, Lad, LocalAuthority, Precedence};
use crate::{FileError, ImportOptions, year_in_name};

/// The first column named PREFIX + two digits + SUFFIX (e.g. LAD17CD), whatever the vintage.
fn find_coded(header: &Header, prefix: &str, suffix: &str) -> Option<Col> {
    header
        .names()
        .iter()
        .position(|n| {
            let n = n.to_ascii_uppercase();
            n.len() == prefix.len() + 2 + suffix.len()
                && n.starts_with(prefix)
                && n.ends_with(suffix)
                && n[prefix.len()..prefix.len() + 2].bytes().all(|b| b.is_ascii_digit())
        })
        .map(Col)
}

/// ONS "LAD to region" or "LAD to county" lookups (LAD16CD, LAD16NM, RGN16CD, RGN16NM, FID).
pub(crate) struct LadParser {
    code: Col,
    name: Col,
    region: Option<(Col, Col)>,
    county: Option<(Col, Col)>,
}

impl LadParser {
    pub fn new(header: &Header) -> Result<LadParser, FileError> {
        let f = Format::LadLookup;
        let code = find_coded(header, "LAD", "CD").ok_or_else(|| header_error(f, "it has no LADxxCD column"))?;
        let name = find_coded(header, "LAD", "NM").ok_or_else(|| header_error(f, "it has no LADxxNM column"))?;
        let pair = |p: &str| Some((find_coded(header, p, "CD")?, find_coded(header, p, "NM")?));
        Ok(LadParser { code, name, region: pair("RGN"), county: pair("CTY") })
    }
}

impl RowParser for LadParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let code = match LadCode::parse(row.raw(self.code)) {
            Ok(c) => Some(c),
            Err(e) => {
                row.fail(self.code, e.to_string());
                None
            }
        };
        let name = row.text(self.name);
        if name.is_none() {
            row.fail(self.name, "a district needs a name");
        }
        let pair = |row: &mut Row<'_>, p: Option<(Col, Col)>| match p {
            Some((c, n)) => (row.text(c), row.text(n)),
            None => (None, None),
        };
        let (region_code, region_name) = pair(row, self.region);
        let (county_code, county_name) = pair(row, self.county);
        let mut out = RowOut::default();
        if let (Some(code), Some(name)) = (code, name) {
            out.lad = Some(Lad { code, name, region_code, region_name, county_code, county_name });
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta { lad: Some((self.region.is_some(), self.county.is_some())), ..Meta::default() }
    }

    fn used(&self) -> Vec<Col> {
        let mut cols = vec![self.code, self.name];
        for (a, b) in self.region.iter().chain(self.county.iter()) {
            cols.extend([*a, *b]);
        }
        cols
    }
}

/// An area list: one row per member district (or whole LA) of a named area.
/// Columns: an area name (`area`, `*_area` or `area_name`), optionally `wave` and `announced`,
/// and `ladNNcd`/`lad_code` and/or `dfe_la_code`/`la_code` with their names.
pub(crate) struct AreaParser {
    set: String,
    known_lads: Option<std::collections::HashSet<String>>,
    warned_unchecked: bool,
    area: Col,
    wave: Option<Col>,
    announced: Option<Col>,
    lad_code: Option<Col>,
    lad_name: Option<Col>,
    la_code: Option<Col>,
    la_name: Option<Col>,
}

impl AreaParser {
    pub fn new(header: &Header, file_name: &str, opts: &ImportOptions) -> Result<AreaParser, FileError> {
        let f = Format::AreaList;
        let area = header
            .names()
            .iter()
            .position(|n| {
                let n = normalise(n);
                n == "area" || n == "areaname" || n.ends_with("area")
            })
            .map(Col)
            .ok_or_else(|| header_error(f, "it has no area column (area, area_name or ..._area)"))?;
        let lad_code = find_coded(header, "LAD", "CD").or_else(|| header.find("lad_code"));
        let lad_name = find_coded(header, "LAD", "NM").or_else(|| header.find("lad_name"));
        let la_code = header.find("dfe_la_code").or_else(|| header.find("la_code"));
        let la_name = header.find("dfe_la_name").or_else(|| header.find("la_name"));
        if lad_code.is_none() && la_code.is_none() {
            return Err(header_error(
                f,
                "it has neither a district code column (ladNNcd) nor an LA code column (dfe_la_code)",
            ));
        }
        let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
        let set = opts.area_set.clone().unwrap_or_else(|| stem.to_owned());
        if set.trim().is_empty() {
            return Err(header_error(f, "the area set has no name: pass --area-set NAME"));
        }
        Ok(AreaParser {
            set,
            known_lads: opts.known_lads.clone(),
            warned_unchecked: false,
            area,
            wave: header.find("wave"),
            announced: header.find("announced"),
            lad_code,
            lad_name,
            la_code,
            la_name,
        })
    }
}

impl RowParser for AreaParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let area = row.text(self.area);
        if area.is_none() {
            row.fail(self.area, "each row needs the area's name");
        }
        let lad_code = self.lad_code.and_then(|c| {
            let raw = row.raw(c);
            if raw.trim().is_empty() {
                return None;
            }
            LadCode::parse(raw).map_err(|e| row.fail(c, e.to_string())).ok()
        });
        if let Some(code) = &lad_code {
            match (&self.known_lads, self.lad_code) {
                (Some(known), Some(c)) if !known.contains(code.as_str()) => row.fail(
                    c,
                    "not a district in the ONS lookups imported; check the code (ONS LAD codes of the year the list was drawn up)",
                ),
                (None, Some(c)) if !self.warned_unchecked => {
                    self.warned_unchecked = true;
                    row.warn(c, "district codes were not checked: no ONS district lookup has been imported yet");
                }
                _ => {}
            }
        }
        let la_code = self.la_code.and_then(|c| {
            let raw = row.raw(c);
            if raw.trim().is_empty() {
                return None;
            }
            LaCode::parse(raw).map_err(|e| row.fail(c, e.to_string())).ok()
        });
        if lad_code.is_none() && la_code.is_none() && row.is_ok() {
            row.issues.push(crate::RowIssue::row(row.line, "each row needs a district code or an LA code"));
        }
        let wave = self.wave.and_then(|c| row.int(c));
        let mut out = RowOut::default();
        if let Some(area) = area {
            out.area = Some(AreaMember {
                area_set: self.set.clone(),
                area,
                wave,
                announced: self.announced.and_then(|c| row.text(c)),
                lad_code,
                lad_name: self.lad_name.and_then(|c| row.text(c)),
                la_code,
                la_name: self.la_name.and_then(|c| row.text(c)),
            });
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta::default()
    }

    fn used(&self) -> Vec<Col> {
        [Some(self.area), self.wave, self.announced, self.lad_code, self.lad_name, self.la_code, self.la_name]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// DfE LA codes: `LEA, LA Name, REGION, REGION NAME`.
pub(crate) struct LaParser {
    code: Col,
    name: Col,
    region: Option<Col>,
    region_name: Option<Col>,
}

impl LaParser {
    pub fn new(header: &Header) -> Result<LaParser, FileError> {
        let f = Format::LaCodes;
        Ok(LaParser {
            code: require(header, f, "LEA")?,
            name: require(header, f, "LA Name")?,
            region: header.find("REGION"),
            region_name: header.find("REGION NAME"),
        })
    }
}

impl RowParser for LaParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let code = LaCode::parse(row.raw(self.code)).map_err(|e| row.fail(self.code, e.to_string())).ok();
        let name = row.text(self.name);
        if name.is_none() {
            row.fail(self.name, "an LA needs a name");
        }
        let mut out = RowOut::default();
        if let Some(code) = code {
            out.la = Some(LocalAuthority {
                code,
                name,
                region_code: self.region.and_then(|c| row.text(c)),
                region_name: self.region_name.and_then(|c| row.text(c)),
            });
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta { la: Some((Precedence::Replace, self.region.is_some() || self.region_name.is_some())), ..Meta::default() }
    }

    fn used(&self) -> Vec<Col> {
        [Some(self.code), Some(self.name), self.region, self.region_name].into_iter().flatten().collect()
    }
}

/// DfE field metadata: `Column, Field Name, Label/Description`, one file per academic year.
pub(crate) struct MetadataParser {
    year: AcademicYear,
    position: Col,
    field: Col,
    label: Col,
}

impl MetadataParser {
    pub fn new(header: &Header, file_name: &str, opts: &ImportOptions) -> Result<MetadataParser, FileError> {
        let f = Format::Ks2Metadata;
        let year =
            opts.year.or_else(|| year_in_name(file_name)).ok_or(FileError::UnknownYear { format: f.describe() })?;
        let label = header
            .find("Label/Description")
            .or_else(|| header.find("Label"))
            .or_else(|| header.find("Description"))
            .ok_or_else(|| header_error(f, "it has no 'Label/Description' column"))?;
        Ok(MetadataParser {
            year,
            position: require(header, f, "Column")?,
            field: require(header, f, "Field Name")?,
            label,
        })
    }
}

impl RowParser for MetadataParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut {
        let position = row.int(self.position);
        let field = row.text(self.field);
        if field.is_none() {
            row.fail(self.field, "each row needs a field name");
        }
        let mut out = RowOut::default();
        if let (Some(position), Some(field)) = (position, field) {
            out.field = Some(Ks2FieldLabel {
                year: self.year,
                position,
                field,
                label: row.text(self.label).unwrap_or_default(),
            });
        }
        out
    }

    fn meta(&self) -> Meta {
        Meta::default()
    }

    fn used(&self) -> Vec<Col> {
        vec![self.position, self.field, self.label]
    }
}
