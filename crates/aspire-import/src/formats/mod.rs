//! The formats Aspire reads, how each is recognised, and the row-by-row driver they share.

mod gias;
mod ks2;
mod links;
mod ofsted;
mod reference;
mod spine;

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use aspire_core::ks2::{Ks2Row, Measure};
use aspire_core::links::EstablishmentLink;
use aspire_core::ofsted::{Inspection, Rating};
use aspire_core::school::SchoolField;

use crate::cells::{Col, Header, Row, normalise};
use crate::records::*;
use crate::report::{Report, RowIssue};
use crate::source::Source;
use crate::{FileError, ImportOptions};

/// A kind of file Aspire can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GIAS "establishment fields" download: any subset of its columns, "(name)"/"(code)" headers.
    GiasEstablishments,
    /// GIAS "establishment links": predecessor and successor URNs.
    GiasLinks,
    /// DfE performance-tables school information ("spine"), CSV or XLSX.
    DfeSpine,
    /// School details with the latest Ofsted rating (a derivation of the spine).
    SchoolDetails,
    /// Ofsted inspection history: URN, Rating, Inspection Date; several rows per school.
    OfstedHistory,
    /// DfE KS2 results with performance-tables column names and RECTYPE rows (the full-width
    /// "ks2final" files, and cut-down copies that keep the DfE names).
    Ks2Results,
    /// KS2 results per URN with readable column names and an "Academic Year" column.
    Ks2PerUrn,
    /// ONS lookup of local authority districts to regions or counties.
    LadLookup,
    /// A list of areas (e.g. Opportunity Areas) and their districts or LAs.
    AreaList,
    /// DfE local authority codes, names and regions.
    LaCodes,
    /// DfE performance-tables field metadata (column names and their descriptions).
    Ks2Metadata,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::GiasEstablishments,
        Format::GiasLinks,
        Format::DfeSpine,
        Format::SchoolDetails,
        Format::OfstedHistory,
        Format::Ks2Results,
        Format::Ks2PerUrn,
        Format::LadLookup,
        Format::AreaList,
        Format::LaCodes,
        Format::Ks2Metadata,
    ];

    /// A phrase for messages: "a GIAS establishment extract".
    pub fn describe(self) -> &'static str {
        match self {
            Format::GiasEstablishments => "a GIAS establishment extract (URN plus GIAS fields)",
            Format::GiasLinks => "GIAS establishment links (URN, LinkURN, LinkType)",
            Format::DfeSpine => "the DfE school information spine (URN, LA, ESTAB, LAESTAB, SCHNAME, ...)",
            Format::SchoolDetails => {
                "school details with latest Ofsted rating (URN, Name, ..., Rating, Inspect Date, ...)"
            }
            Format::OfstedHistory => "an Ofsted inspection history (URN, Rating, Inspection Date)",
            Format::Ks2Results => "DfE KS2 results (RECTYPE, URN and DfE measure columns such as READPROG)",
            Format::Ks2PerUrn => "KS2 results per URN (URN, KS2 Pupils, Reading Progress, ..., Academic Year)",
            Format::LadLookup => "an ONS district lookup (LAD17CD, LAD17NM, RGN17CD/CTY17CD, ...)",
            Format::AreaList => "an area list (an area column and lad..cd or dfe_la_code columns)",
            Format::LaCodes => "DfE local authority codes (LEA, LA Name, REGION, REGION NAME)",
            Format::Ks2Metadata => "DfE field metadata (Column, Field Name, Label/Description)",
        }
    }

    /// A short name for summaries and provenance.
    pub fn code(self) -> &'static str {
        match self {
            Format::GiasEstablishments => "gias-establishments",
            Format::GiasLinks => "gias-links",
            Format::DfeSpine => "dfe-spine",
            Format::SchoolDetails => "school-details",
            Format::OfstedHistory => "ofsted-history",
            Format::Ks2Results => "ks2-results",
            Format::Ks2PerUrn => "ks2-per-urn",
            Format::LadLookup => "ons-lad-lookup",
            Format::AreaList => "area-list",
            Format::LaCodes => "dfe-la-codes",
            Format::Ks2Metadata => "dfe-ks2-metadata",
        }
    }

    /// Recognises a format from the header row alone.
    pub fn detect(headers: &csv::StringRecord) -> Option<Format> {
        let Ok(h) = Header::new(headers) else {
            // A duplicated column: let detection work on the first occurrences; parse will refuse it.
            return Self::detect_names(&headers.iter().map(str::to_owned).collect::<Vec<_>>());
        };
        Self::detect_names(h.names())
    }

    fn detect_names(names: &[String]) -> Option<Format> {
        let lower: HashSet<String> = names.iter().map(|n| normalise(n)).collect();
        let has = |n: &str| lower.contains(&normalise(n));
        let any = |f: &dyn Fn(&str) -> bool| lower.iter().any(|n| f(n));
        let is_code = |n: &str, prefix: &str| {
            n.len() == prefix.len() + 4
                && n.starts_with(prefix)
                // Bytes, not a str slice: a header may hold any character, never a boundary to cut at.
                && n.as_bytes()[prefix.len()..prefix.len() + 2].iter().all(|b| b.is_ascii_digit())
                && n.ends_with("cd")
        };
        if has("urn") && has("linkurn") && has("linktype") {
            return Some(Format::GiasLinks);
        }
        if has("column") && has("field name") {
            return Some(Format::Ks2Metadata);
        }
        if has("lea") && has("la name") && !has("urn") {
            return Some(Format::LaCodes);
        }
        if any(&|n| is_code(n, "lad")) && any(&|n| is_code(n, "rgn") || is_code(n, "cty")) && !has("urn") {
            return Some(Format::LadLookup);
        }
        if !has("urn")
            && any(&|n| n.ends_with("area") || n == "areaname")
            && any(&|n| is_code(n, "lad") || n == "ladcode" || n == "dfelacode" || n == "lacode")
        {
            return Some(Format::AreaList);
        }
        if !has("urn") {
            return None;
        }
        if has("rectype") && Measure::ALL.iter().any(|m| has(&m.dfe_code().to_ascii_lowercase())) {
            return Some(Format::Ks2Results);
        }
        if has("academic year") && (has("reading progress") || has("overall meet std")) {
            return Some(Format::Ks2PerUrn);
        }
        if has("laestab") && has("schname") {
            return Some(Format::DfeSpine);
        }
        if has("inspect date") && has("local authority") {
            return Some(Format::SchoolDetails);
        }
        if has("rating") && has("inspection date") {
            return Some(Format::OfstedHistory);
        }
        if any(&|n| n.ends_with("(name)") || n.ends_with("(code)"))
            || has("establishmentname")
            || has("ofstedlastinsp")
            || (has("easting") && has("northing"))
        {
            return Some(Format::GiasEstablishments);
        }
        None
    }

    /// DfE results files leave off trailing empty columns for schools without results (a row
    /// like that still ends with a line end; one that does not is a cut-short file).
    fn allows_short_rows(self) -> bool {
        matches!(self, Format::Ks2Results)
    }
}

/// The records one row yields. The driver keeps them only if the row has no issue.
#[derive(Default)]
pub(crate) struct RowOut {
    pub school: Option<SchoolRow>,
    pub la: Option<LocalAuthority>,
    pub inspection: Option<(Inspection, Rating)>,
    pub ks2: Option<Ks2Row>,
    pub link: Option<EstablishmentLink>,
    pub lad: Option<Lad>,
    pub area: Option<AreaMember>,
    pub field: Option<Ks2FieldLabel>,
}

/// What stays the same for every row of a file: which fields it carries and how they merge.
#[derive(Default)]
pub(crate) struct Meta {
    pub school_fields: Option<(Vec<SchoolField>, Precedence)>,
    pub ks2_measures: Option<(Vec<Measure>, Ks2Rank)>,
    pub la: Option<(Precedence, bool)>,
    pub lad: Option<(bool, bool)>,
}

pub(crate) trait RowParser {
    fn row(&mut self, row: &mut Row<'_>) -> RowOut;
    fn meta(&self) -> Meta;
    /// Columns the parser reads; the rest are reported as ignored.
    fn used(&self) -> Vec<Col>;
}

pub(crate) fn header_error(format: Format, problem: impl Into<String>) -> FileError {
    FileError::Header { format: format.describe(), problem: problem.into() }
}

/// Finds a column the format cannot do without.
pub(crate) fn require(header: &Header, format: Format, name: &str) -> Result<Col, FileError> {
    header.find(name).ok_or_else(|| header_error(format, format!("it has no '{name}' column")))
}

pub(crate) fn parse(
    format: Format,
    file_name: &str,
    source: &Source,
    opts: &ImportOptions,
) -> Result<(Records, Report), FileError> {
    let header = Header::new(&source.headers).map_err(|p| header_error(format, p))?;
    let mut parser: Box<dyn RowParser> = match format {
        Format::GiasEstablishments => Box::new(gias::Parser::new(&header, file_name, opts)?),
        Format::GiasLinks => Box::new(links::Parser::new(&header)?),
        Format::DfeSpine => Box::new(spine::Parser::spine(&header, file_name, opts)?),
        Format::SchoolDetails => Box::new(spine::Parser::details(&header, file_name, opts)?),
        Format::OfstedHistory => Box::new(ofsted::Parser::new(&header)?),
        Format::Ks2Results => Box::new(ks2::DfeParser::new(&header, file_name, opts)?),
        Format::Ks2PerUrn => Box::new(ks2::PerUrnParser::new(&header)?),
        Format::LadLookup => Box::new(reference::LadParser::new(&header)?),
        Format::AreaList => Box::new(reference::AreaParser::new(&header, file_name, opts)?),
        Format::LaCodes => Box::new(reference::LaParser::new(&header)?),
        Format::Ks2Metadata => Box::new(reference::MetadataParser::new(&header, file_name, opts)?),
    };

    let mut report = Report::default();
    report.warnings.extend(source.warnings.iter().cloned());
    let used: HashSet<usize> = parser.used().into_iter().map(|c| c.0).collect();
    report.ignored_columns = header
        .names()
        .iter()
        .enumerate()
        .filter(|(i, n)| !used.contains(i) && !n.is_empty())
        .map(|(_, n)| n.clone())
        .collect();

    // GIAS writes one cell per linked establishment after its last column, "Linked
    // establishments", so rows with several links are longer than the header.
    let spills = header.names().last().is_some_and(|n| n.eq_ignore_ascii_case("Linked establishments"));
    let mut staged = Staged::default();
    let dates = aspire_core::school::RegisterDates::as_of(opts.today);
    source.for_each_row_ended(|line, rec, ended| {
        report.rows_read += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(msg) => {
                report.errors.push(RowIssue::row(line, format!("the row cannot be read as CSV: {msg}")));
                return;
            }
        };
        let too_long = rec.len() > header.len() && !(format == Format::GiasEstablishments && spills);
        if rec.len() < header.len() && !ended {
            report.errors.push(RowIssue::row(
                line,
                format!(
                    "the file ends in the middle of this row: it has {} of the header's {} columns and no line end, so the file looks cut short (download or export it again)",
                    rec.len(),
                    header.len()
                ),
            ));
            return;
        }
        if too_long || (rec.len() < header.len() && !format.allows_short_rows()) {
            report.errors.push(RowIssue::row(
                line,
                format!("the row has {} columns but the header has {}", rec.len(), header.len()),
            ));
            return;
        }
        let mut row = Row::new(line, rec, &header, &dates);
        let out = parser.row(&mut row);
        report.warnings.append(&mut row.warnings);
        if row.issues.is_empty() {
            staged.add(line, out);
        } else {
            report.errors.append(&mut row.issues);
        }
    });
    let records = staged.finish(parser.meta(), &mut report);
    report.errors.sort_by_key(|e| e.line);
    report.warnings.sort_by_key(|e| e.line);
    Ok((records, report))
}

/// Records of accepted rows, with their lines, until duplicates have been checked.
#[derive(Default)]
struct Staged {
    schools: Vec<(u64, SchoolRow)>,
    las: Vec<(u64, LocalAuthority)>,
    inspections: Vec<(u64, (Inspection, Rating))>,
    ks2: Vec<(u64, Ks2Row)>,
    links: Vec<(u64, EstablishmentLink)>,
    lads: Vec<(u64, Lad)>,
    areas: Vec<(u64, AreaMember)>,
    fields: Vec<(u64, Ks2FieldLabel)>,
}

impl Staged {
    fn add(&mut self, line: u64, out: RowOut) {
        if let Some(x) = out.school {
            self.schools.push((line, x));
        }
        if let Some(x) = out.la {
            self.las.push((line, x));
        }
        if let Some(x) = out.inspection {
            self.inspections.push((line, x));
        }
        if let Some(x) = out.ks2 {
            self.ks2.push((line, x));
        }
        if let Some(x) = out.link {
            self.links.push((line, x));
        }
        if let Some(x) = out.lad {
            self.lads.push((line, x));
        }
        if let Some(x) = out.area {
            self.areas.push((line, x));
        }
        if let Some(x) = out.field {
            self.fields.push((line, x));
        }
    }

    fn finish(self, meta: Meta, report: &mut Report) -> Records {
        let mut bad: HashSet<u64> = HashSet::new();
        let schools = dedupe(self.schools, |s| s.urn, "school (URN)", report, &mut bad);
        let inspections = dedupe_inspections(self.inspections, report, &mut bad);
        let ks2 = dedupe(self.ks2, |r| (r.subject, r.year), "results row (URN or area, and year)", report, &mut bad);
        let links = dedupe(self.links, |l| (l.urn, l.link_urn), "link (URN and LinkURN)", report, &mut bad);
        let lads = dedupe(self.lads, |l| l.code.clone(), "district code", report, &mut bad);
        let areas = dedupe(self.areas, |a| (a.area.clone(), a.member_key()), "area member", report, &mut bad);
        let fields = dedupe(self.fields, |f| f.field.to_ascii_uppercase(), "field name", report, &mut bad);
        // LA names arrive with every school row: repeats are expected, not worth a warning each.
        let las = first_per_key(keep(self.las, &bad), |l| l.code, report);
        // A line in conflict loses everything it would have written, not just the conflicting record.
        let keep_las: Vec<LocalAuthority> = las.into_iter().map(|(_, x)| x).collect();
        Records {
            schools: meta.school_fields.map(|(fields, precedence)| SchoolBatch {
                fields,
                precedence,
                rows: unline(keep(schools, &bad)),
            }),
            local_authorities: meta.la.map(|(precedence, has_region)| LaBatch {
                precedence,
                has_region,
                rows: keep_las,
            }),
            inspections: unline(keep(inspections, &bad)),
            ks2: meta.ks2_measures.map(|(measures, rank)| Ks2Batch { measures, rank, rows: unline(keep(ks2, &bad)) }),
            links: unline(keep(links, &bad)),
            lads: meta.lad.map(|(has_region, has_county)| LadBatch {
                has_region,
                has_county,
                rows: unline(keep(lads, &bad)),
            }),
            areas: unline(keep(areas, &bad)),
            ks2_fields: unline(keep(fields, &bad)),
        }
    }
}

/// Drops every record of a line that is in conflict.
fn keep<T>(items: Vec<(u64, T)>, bad: &HashSet<u64>) -> Vec<(u64, T)> {
    if bad.is_empty() {
        return items;
    }
    items.into_iter().filter(|(l, _)| !bad.contains(l)).collect()
}

fn unline<T>(items: Vec<(u64, T)>) -> Vec<T> {
    items.into_iter().map(|(_, x)| x).collect()
}

/// Groups records by key. Exact repeats are written once (with a warning); records that share a
/// key but differ are errors on every line involved, because the file cannot say which is right.
fn dedupe<T: PartialEq, K: Hash + Eq>(
    items: Vec<(u64, T)>,
    key: impl Fn(&T) -> K,
    what: &str,
    report: &mut Report,
    bad: &mut HashSet<u64>,
) -> Vec<(u64, T)> {
    let mut first: HashMap<K, usize> = HashMap::with_capacity(items.len());
    let mut dup_of: Vec<Option<usize>> = vec![None; items.len()];
    for (i, (_, item)) in items.iter().enumerate() {
        let k = key(item);
        if let Some(&j) = first.get(&k) {
            dup_of[i] = Some(j);
        } else {
            first.insert(k, i);
        }
    }
    if dup_of.iter().all(Option::is_none) {
        return items;
    }
    let mut conflicted: HashSet<usize> = HashSet::new();
    for (i, d) in dup_of.iter().enumerate() {
        if let Some(j) = *d {
            if items[i].1 == items[j].1 {
                report.warnings.push(RowIssue::row(
                    items[i].0,
                    format!("repeats line {} exactly (same {what}); written once", items[j].0),
                ));
            } else {
                conflicted.insert(i);
                conflicted.insert(j);
                report.errors.push(RowIssue::row(
                    items[i].0,
                    format!(
                        "same {what} as line {} but different values; the file does not say which is right, so neither is written",
                        items[j].0
                    ),
                ));
            }
        }
    }
    // The first of a conflicting group also gets an error, so both lines are reported.
    for &i in &conflicted {
        if dup_of[i].is_none() {
            report.errors.push(RowIssue::row(
                items[i].0,
                format!("same {what} appears again later in the file with different values; neither is written"),
            ));
        }
        bad.insert(items[i].0);
    }
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| dup_of[*i].is_none() && !conflicted.contains(i))
        .map(|(_, x)| x)
        .collect()
}

/// Inspections on the same date for the same URN. Identical: written once. Same grade in
/// different words (Ofsted's own history has "Requires Improvement" and "Satisfactory" for one
/// 2013 inspection): one grade-3 record, and a warning naming both lines. Different grades: errors.
fn dedupe_inspections(
    items: Vec<(u64, (Inspection, Rating))>,
    report: &mut Report,
    bad: &mut HashSet<u64>,
) -> Vec<(u64, Inspection)> {
    let mut groups: HashMap<(aspire_core::Urn, chrono::NaiveDate), Vec<usize>> = HashMap::with_capacity(items.len());
    for (i, (_, (insp, _))) in items.iter().enumerate() {
        groups.entry((insp.urn, insp.date)).or_default().push(i);
    }
    let mut drop: HashSet<usize> = HashSet::new();
    let mut merged_concern: HashMap<usize, Inspection> = HashMap::new();
    for idx in groups.values().filter(|g| g.len() > 1) {
        let first = idx[0];
        let (l0, (i0, r0)) = &items[first];
        let grades_agree = idx.iter().all(|&i| items[i].1.0.judgement.grade == i0.judgement.grade);
        if !grades_agree {
            let lines: Vec<String> = idx.iter().map(|&i| items[i].0.to_string()).collect();
            for &i in idx {
                let (line, (insp, _)) = &items[i];
                report.errors.push(RowIssue::row(
                    *line,
                    format!(
                        "URN {} has different grades for the inspection on {} (lines {}); the file does not say which is right, so none is written",
                        insp.urn,
                        insp.date,
                        lines.join(", ")
                    ),
                ));
                bad.insert(*line);
                drop.insert(i);
            }
            continue;
        }
        // Same grade: keep the first, taking a category of concern from any row that has one.
        let mut kept = *i0;
        for &i in &idx[1..] {
            let (line, (insp, rating)) = &items[i];
            if kept.judgement.concern.is_none() {
                kept.judgement.concern = insp.judgement.concern;
            }
            let msg = if rating.word == r0.word && insp.judgement == i0.judgement {
                format!("repeats line {l0} exactly (same URN and inspection date); written once")
            } else {
                format!(
                    "URN {} has two ratings for the inspection on {}: '{}' (line {l0}) and '{}' here; both are grade {}, recorded once as {}",
                    insp.urn,
                    insp.date,
                    word(r0),
                    word(rating),
                    insp.judgement.grade.number(),
                    kept.judgement.label(insp.date)
                )
            };
            report.warnings.push(RowIssue::row(*line, msg));
            drop.insert(i);
        }
        merged_concern.insert(first, kept);
    }
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(i, (line, (insp, _)))| (line, merged_concern.remove(&i).unwrap_or(insp)))
        .collect()
}

fn word(r: &Rating) -> &'static str {
    use aspire_core::ofsted::RatingWord::*;
    match r.word {
        Outstanding => "Outstanding",
        Good => "Good",
        Satisfactory => "Satisfactory",
        RequiresImprovement => "Requires Improvement",
        Inadequate => "Inadequate",
        SeriousWeaknesses => "Serious Weaknesses",
        SpecialMeasures => "Special Measures",
        Number => "a number",
    }
}

/// The first record per key; a later one that differs gets one warning.
fn first_per_key<T: PartialEq, K: Hash + Eq + std::fmt::Display>(
    items: Vec<(u64, T)>,
    key: impl Fn(&T) -> K,
    report: &mut Report,
) -> Vec<(u64, T)> {
    let mut seen: HashMap<K, usize> = HashMap::new();
    let mut out: Vec<(u64, T)> = Vec::new();
    let mut warned: HashSet<K> = HashSet::new();
    for (line, item) in items {
        let k = key(&item);
        match seen.get(&k) {
            Some(&j) => {
                if out[j].1 != item && !warned.contains(&k) {
                    report.warnings.push(RowIssue::row(
                        line,
                        format!(
                            "local authority {k} is named differently from line {}; the first name is kept",
                            out[j].0
                        ),
                    ));
                    warned.insert(k);
                }
            }
            None => {
                seen.insert(k, out.len());
                out.push((line, item));
            }
        }
    }
    out
}

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn a_header_with_a_character_of_two_bytes_where_a_code_has_digits_is_no_panic() {
        let headers = csv::StringRecord::from(vec!["rgn1ëc", "urn"]);
        assert_eq!(Format::detect(&headers), None);
    }
}
