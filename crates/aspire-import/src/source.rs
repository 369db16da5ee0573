//! Reading a file into rows of text: encoding detection for CSV, and XLSX spreadsheets.
//!
//! Public school data arrives as UTF-8, UTF-8 with a byte-order mark, or Windows-1252 (GIAS
//! links, some derived files), with LF or CRLF line ends, and as XLSX (the DfE spine). Every
//! reader yields the same thing: a header and rows of strings with the line each row starts on.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader as _};
use csv::StringRecord;
use sha2::{Digest, Sha256};

use crate::FileError;
use crate::report::RowIssue;

/// The text encoding a CSV file was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8WithBom,
    Windows1252,
    Xlsx,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8WithBom => "UTF-8 with BOM",
            Encoding::Windows1252 => "Windows-1252",
            Encoding::Xlsx => "XLSX",
        }
    }
}

/// How much a file may hold once read, so that a small file cannot expand into gigabytes (a
/// spreadsheet is a zip archive, and a zip entry can unpack to a thousand times its size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes a spreadsheet's entries may hold once unpacked, all together.
    pub expanded: u64,
    /// Entries (files) a spreadsheet may hold.
    pub entries: usize,
    /// Data rows a file may hold.
    pub rows: usize,
    /// Columns a spreadsheet's sheet may span.
    pub columns: usize,
    /// Cells a spreadsheet's rows hold once each row is as wide as the sheet (what reading it
    /// costs, whatever the cells hold).
    pub cells: usize,
}

/// For the public data files an administrator imports (the national spine as XLSX unpacks to
/// about 60 MB).
/// DfE's widest results files have about 330 columns.
pub const IMPORT_LIMITS: Limits =
    Limits { expanded: 1024 * 1024 * 1024, entries: 10_000, rows: 10_000_000, columns: 2_000, cells: 30_000_000 };

/// For staff lists uploaded through the web: a programme's staff, with room to spare.
pub const STAFF_LIMITS: Limits =
    Limits { expanded: 20 * 1024 * 1024, entries: 1_000, rows: 20_000, columns: 100, cells: 1_000_000 };

/// A file's bytes, decoded.
pub struct Source {
    pub sha256: String,
    pub encoding: Encoding,
    pub headers: StringRecord,
    /// What reading the bytes noticed (stray bytes in a UTF-8 file).
    pub warnings: Vec<RowIssue>,
    body: Body,
}

enum Body {
    Csv(String),
    /// Rows, each with what makes it unreadable (cells holding spreadsheet errors).
    Sheet(Vec<(StringRecord, Option<String>)>),
}

impl Source {
    /// Decodes `bytes`; `name` is used only to tell XLSX from CSV when the content is ambiguous.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Source, FileError> {
        Self::from_bytes_within(name, bytes, IMPORT_LIMITS)
    }

    /// As [`Source::from_bytes`], refusing a spreadsheet that would unpack beyond `limits`.
    pub fn from_bytes_within(name: &str, bytes: &[u8], limits: Limits) -> Result<Source, FileError> {
        let sha256 = hex(&Sha256::digest(bytes));
        if bytes.starts_with(b"PK\x03\x04") || name.to_ascii_lowercase().ends_with(".xlsx") {
            check_workbook(bytes, limits)?;
            return Self::xlsx(sha256, bytes, limits);
        }
        let (text, encoding, strays) = decode(bytes);
        let mut reader = csv_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| FileError::Unreadable(e.to_string()))?.clone();
        if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
            return Err(FileError::Empty);
        }
        let warnings = strays.iter().map(StrayByte::issue).collect();
        Ok(Source { sha256, encoding, headers, warnings, body: Body::Csv(text.into_owned()) })
    }

    /// Reads the first sheet cell by cell, so that its size is known before any row is built:
    /// a sheet with two cells at A1 and XFD1048576 would otherwise become a grid of 17 billion.
    fn xlsx(sha256: String, bytes: &[u8], limits: Limits) -> Result<Source, FileError> {
        let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(not_a_workbook)?;
        let sheet = book.sheet_names().first().cloned().ok_or(FileError::Empty)?;
        let unreadable =
            |e: calamine::XlsxError| FileError::Unreadable(format!("sheet '{sheet}' cannot be read ({e})"));
        let mut reader = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
        // (row, column, value), 0-based, empty cells left out as the sheet's used range does.
        let mut cells: Vec<(u32, u32, Data)> = Vec::new();
        while let Some(cell) = reader.next_cell().map_err(unreadable)? {
            if matches!(cell.get_value(), calamine::DataRef::Empty) {
                continue;
            }
            let (r, c) = cell.get_position();
            if c as usize >= limits.columns {
                return Err(FileError::TooLarge(format!(
                    "the sheet has a value in column {} (row {}); a sheet read here spans at most {} columns: remove what lies beside the table, or save it as CSV",
                    c as u64 + 1,
                    r as u64 + 1,
                    limits.columns
                )));
            }
            if r as usize > limits.rows {
                return Err(FileError::TooLarge(format!(
                    "the sheet has a value in row {}; a file read here holds at most {} rows: remove what lies below the table, or split the file",
                    r as u64 + 1,
                    aspire_core::text::thousands(limits.rows as u64)
                )));
            }
            if cells.len() >= limits.cells {
                return Err(too_many_cells(limits));
            }
            cells.push((r, c, cell.get_value().clone().into()));
        }
        drop(reader);
        cells.sort_by_key(|&(r, c, _)| (r, c));
        if cells.is_empty() {
            return Err(FileError::Empty);
        }
        let start_col = cells.iter().map(|&(_, c, _)| c).min().unwrap_or(0);
        let width = cells.iter().map(|&(_, c, _)| c - start_col + 1).max().unwrap_or(0) as usize;
        let rows_used = cells.chunk_by(|a, b| a.0 == b.0).count();
        if rows_used.saturating_mul(width) > limits.cells {
            return Err(too_many_cells(limits));
        }
        let mut rows = cells.chunk_by(|a, b| a.0 == b.0).map(|row| {
            let mut full = vec![Data::Empty; width];
            for (_, c, d) in row {
                full[(c - start_col) as usize] = d.clone();
            }
            (row[0].0, full)
        });
        let (_, header_row) = rows.next().ok_or(FileError::Empty)?;
        let headers: StringRecord = header_row.iter().map(cell_text).collect();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(FileError::Empty);
        }
        let mut body = Vec::new();
        for (r, row) in rows {
            let mut rec: StringRecord = row.iter().map(cell_text).collect();
            // Spreadsheet row numbers, as a user would see them.
            let mut pos = csv::Position::new();
            pos.set_line(u64::from(r) + 1);
            rec.set_position(Some(pos));
            // A cell holding a spreadsheet error (#DIV/0!, #REF!) has no value to import.
            let broken: Vec<String> = row
                .iter()
                .enumerate()
                .filter_map(|(c, d)| match d {
                    Data::Error(e) => Some(format!(
                        "column {} holds the spreadsheet error {}",
                        headers.get(c).filter(|h| !h.trim().is_empty()).unwrap_or("(unnamed)"),
                        spreadsheet_error(e)
                    )),
                    _ => None,
                })
                .collect();
            body.push((rec, (!broken.is_empty()).then(|| broken.join("; "))));
        }
        Ok(Source { sha256, encoding: Encoding::Xlsx, headers, warnings: Vec::new(), body: Body::Sheet(body) })
    }

    /// Calls `f` for each data row with its 1-based starting line. A row the CSV reader cannot
    /// read at all (e.g. an unterminated quote) is passed as an error.
    pub fn for_each_row(&self, mut f: impl FnMut(u64, Result<&StringRecord, String>)) {
        self.for_each_row_ended(|line, rec, _| f(line, rec));
    }

    /// As [`Source::for_each_row`], also saying whether the row ends with a line end. Only the
    /// last row of a file can lack one: public files often do (GIAS, DfE), but a last row that
    /// lacks one and is also shorter than the header is where a cut-short file stops.
    pub fn for_each_row_ended(&self, mut f: impl FnMut(u64, Result<&StringRecord, String>, bool)) {
        match &self.body {
            Body::Csv(text) => {
                let mut reader = csv_reader(text.as_bytes());
                let _ = reader.headers();
                let mut rec = StringRecord::new();
                let mut lines = LineCounter::new(text.as_bytes());
                loop {
                    let at = reader.position().byte();
                    match reader.read_record(&mut rec) {
                        Ok(true) => {
                            let start = rec.position().map_or(at, |p| p.byte());
                            // A blank line in the middle of a file is not a row.
                            if rec.len() == 1 && rec.get(0).is_some_and(|s| s.trim().is_empty()) {
                                continue;
                            }
                            let ended =
                                (reader.position().byte() as usize) < text.len() || text.ends_with(['\n', '\r']);
                            f(lines.line_at(start), Ok(&rec), ended);
                        }
                        Ok(false) => break,
                        Err(e) => {
                            let start = e.position().map_or(at, |p| p.byte());
                            f(lines.line_at(start), Err(e.to_string()), true);
                            // The reader cannot resynchronise after a broken quote: stop here.
                            if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                                break;
                            }
                        }
                    }
                }
            }
            Body::Sheet(rows) => {
                for (r, broken) in rows {
                    let line = r.position().map(|p| p.line()).unwrap_or(0);
                    match broken {
                        None => f(line, Ok(r), true),
                        Some(why) => f(line, Err(why.clone()), true),
                    }
                }
            }
        }
    }
}

/// Checks a spreadsheet's zip archive before it is unpacked: how many entries it has, and how
/// many bytes they unpack to, counted while unpacking them into nothing (the sizes an archive
/// declares can lie), stopping as soon as the limit is passed.
fn check_workbook(bytes: &[u8], limits: Limits) -> Result<(), FileError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_workbook)?;
    if zip.len() > limits.entries {
        return Err(FileError::TooLarge(format!(
            "the workbook holds {} files; a spreadsheet read here holds at most {}",
            zip.len(),
            limits.entries
        )));
    }
    let too_big = || {
        FileError::TooLarge(format!(
            "the workbook unpacks to more than {} MB, the most read here: save it as CSV, or split it",
            limits.expanded / (1024 * 1024)
        ))
    };
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(not_a_workbook)?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.expanded {
        return Err(too_big());
    }
    check_shared_strings(&mut zip, limits)?;
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(not_a_workbook)?;
        let room = limits.expanded - unpacked;
        let n = std::io::copy(&mut std::io::Read::take(&mut entry, room + 1), &mut std::io::sink())
            .map_err(not_a_workbook)?;
        unpacked += n;
        if unpacked > limits.expanded {
            return Err(too_big());
        }
    }
    Ok(())
}

fn too_many_cells(limits: Limits) -> FileError {
    FileError::TooLarge(format!(
        "the sheet holds more than {} cells once each row is as wide as the sheet: save it as CSV, or remove \
         what lies beside the table",
        aspire_core::text::thousands(limits.cells as u64)
    ))
}

/// The count of shared strings a workbook declares, which the spreadsheet reader reserves room
/// for before reading any: a lie there would ask for terabytes. Each string takes at least 16
/// bytes of XML (`<si><t></t></si>`), so more than the unpacked limit allows is refused.
fn check_shared_strings(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, limits: Limits) -> Result<(), FileError> {
    use quick_xml::events::Event;
    let names: Vec<String> =
        zip.file_names().flatten().filter(|n| n.ends_with("sharedStrings.xml")).map(|n| n.into_owned()).collect();
    for name in names {
        let entry = zip.by_name(&name).map_err(not_a_workbook)?;
        let mut xml =
            quick_xml::Reader::from_reader(std::io::BufReader::new(std::io::Read::take(entry, limits.expanded)));
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                    for attr in e.attributes().flatten() {
                        if attr.key.local_name().as_ref() != "uniqueCount" {
                            continue;
                        }
                        let n = attr.value.trim().parse::<u64>().ok();
                        if n.is_none_or(|n| n > limits.expanded / 16) {
                            return Err(FileError::TooLarge(format!(
                                "the workbook declares {} shared strings, more than it could hold",
                                attr.value
                            )));
                        }
                    }
                    break;
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Line numbers from byte offsets. The CSV reader's own line count lags by one after CRLF line
/// ends, and users open the file in an editor that counts lines the usual way.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter { text, offset: 0, line: 1 }
    }

    /// The 1-based line of the first character of a record starting at `byte`, skipping the
    /// line end the reader may report as the record's start. Offsets only move forward.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut target = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while target < self.text.len() && matches!(self.text[target], b'\r' | b'\n') {
            target += 1;
        }
        if target > self.offset {
            self.line += self.text[self.offset..target].iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = target;
        }
        self.line
    }
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes)
}

/// A byte that is not UTF-8 in a file that otherwise is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayByte {
    pub line: u64,
    pub byte: u8,
    /// The character it was read as (Windows-1252).
    pub read_as: char,
    /// The decoded text around it, for the user to find it.
    pub context: String,
}

/// How many stray bytes are listed one by one; the rest are counted.
const STRAY_BYTES_LISTED: usize = 20;

/// Decides a file's encoding, once for the whole file:
/// - valid UTF-8 (with or without BOM): UTF-8;
/// - otherwise, if it has a BOM or any multi-byte UTF-8 character, it is UTF-8 with stray bytes
///   (a value pasted from another file, a byte damaged in transit): each stray byte is read as
///   Windows-1252 and reported with its line, so that one bad byte does not turn every other
///   accented letter into two ("St Thomas Ã  Becket");
/// - otherwise Windows-1252, which decodes any byte (GIAS publishes its links file in it).
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Encoding, Vec<StrayByte>) {
    let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let utf8 = if bom { Encoding::Utf8WithBom } else { Encoding::Utf8 };
    if let Ok(s) = std::str::from_utf8(body) {
        return (Cow::Borrowed(s), utf8, Vec::new());
    }
    // A valid stretch that is not all ASCII holds a multi-byte character.
    let looks_utf8 = bom || body.utf8_chunks().any(|c| !c.valid().is_ascii());
    if !looks_utf8 {
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
        return (text, Encoding::Windows1252, Vec::new());
    }
    let mut text = String::with_capacity(body.len() + 16);
    // (offset in `text`, byte) of each stray byte; lines are counted afterwards in one pass.
    let mut strays: Vec<(usize, u8, char)> = Vec::new();
    for chunk in body.utf8_chunks() {
        text.push_str(chunk.valid());
        for &b in chunk.invalid() {
            let (ch, _, _) = encoding_rs::WINDOWS_1252.decode(std::slice::from_ref(&b));
            let ch = ch.chars().next().unwrap_or('\u{fffd}');
            strays.push((text.len(), b, ch));
            text.push(ch);
        }
    }
    let mut out = Vec::with_capacity(strays.len().min(STRAY_BYTES_LISTED));
    let mut line = 1u64;
    let mut counted = 0usize;
    for &(at, byte, read_as) in strays.iter().take(STRAY_BYTES_LISTED) {
        line += text.as_bytes()[counted..at].iter().filter(|&&b| b == b'\n').count() as u64;
        counted = at;
        out.push(StrayByte { line, byte, read_as, context: around(&text, at) });
    }
    if strays.len() > STRAY_BYTES_LISTED {
        // The rest are summarised by the caller from the count.
        out.push(StrayByte {
            line: 0,
            byte: 0,
            read_as: '\0',
            context: (strays.len() - STRAY_BYTES_LISTED).to_string(),
        });
    }
    (Cow::Owned(text), utf8, out)
}

/// Up to 20 characters either side of byte `at`, on its line.
fn around(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
    let before: String = text[line_start..at].chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    let after: String = text[at..line_end].chars().take(21).collect();
    format!("{before}{after}")
}

impl StrayByte {
    /// The warning a user reads.
    pub fn issue(&self) -> RowIssue {
        if self.line == 0 {
            return RowIssue::row(
                0,
                format!("and {} more bytes that are not UTF-8, read as Windows-1252 in the same way", self.context),
            );
        }
        RowIssue::cell(
            self.line,
            "(text)",
            &self.context,
            format!(
                "byte 0x{:02X} is not UTF-8, though the rest of the file is: it was read as the Windows-1252 character '{}'; check this value, and save the file as UTF-8",
                self.byte, self.read_as
            ),
        )
    }
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
        Data::Float(x) => x.to_string(),
        Data::Int(n) => n.to_string(),
        // Written out, so that a TRUE in a date or number column is refused rather than read as
        // day 1 (1899-12-31) or the number 1; flag columns accept "true" and "false".
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        // Dates become ISO text, which every date column accepts.
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => d.date().format("%Y-%m-%d").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => spreadsheet_error(e).to_owned(),
    }
}

/// A spreadsheet error as the spreadsheet shows it.
fn spreadsheet_error(e: &calamine::CellErrorType) -> &'static str {
    use calamine::CellErrorType as E;
    match e {
        E::Div0 => "#DIV/0!",
        E::NA => "#N/A",
        E::Name => "#NAME?",
        E::Null => "#NULL!",
        E::Num => "#NUM!",
        E::Ref => "#REF!",
        E::Value => "#VALUE!",
        E::GettingData => "#GETTING_DATA",
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A file named .xlsx that is no workbook this program can open, said plainly, with what went
/// wrong last (for whoever supports the user).
fn not_a_workbook(e: impl std::fmt::Display) -> FileError {
    FileError::Unreadable(format!(
        "it is named .xlsx but is not an Excel workbook that can be opened: it may be damaged, protected by a \
         password, or another kind of file given that name. Open it in Excel and save it again as .xlsx, or save it \
         as CSV, then upload it again (detail: {e})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        assert_eq!(decode(b"URN,Name\n").1, Encoding::Utf8);
        assert_eq!(decode(b"\xEF\xBB\xBFURN,Name\n").1, Encoding::Utf8WithBom);
        let (text, enc, strays) = decode(b"URN,Name\n1,St Thomas \xE0 Becket\n");
        assert_eq!(enc, Encoding::Windows1252);
        assert!(text.contains("St Thomas à Becket"));
        assert!(strays.is_empty(), "a Windows-1252 file is not a UTF-8 file with stray bytes");
    }

    #[test]
    fn one_stray_byte_in_a_utf8_file_is_located_and_the_rest_stays_utf8() {
        let mut raw = "URN,Name\n1,St Thomas à Becket\n2,Saint-Étienne".as_bytes().to_vec();
        raw.push(0xFF);
        raw.extend_from_slice(b" School\n");
        let (text, enc, strays) = decode(&raw);
        assert_eq!(enc, Encoding::Utf8);
        assert!(text.contains("St Thomas à Becket"), "{text}");
        assert!(text.contains("Saint-Étienneÿ School"), "{text}");
        assert_eq!(strays.len(), 1);
        assert_eq!((strays[0].line, strays[0].byte, strays[0].read_as), (3, 0xFF, 'ÿ'));
        let said = strays[0].issue().to_string();
        assert!(
            said.starts_with("line 3") && said.contains("0xFF") && said.contains("Saint-Étienneÿ School"),
            "{said}"
        );
    }

    #[test]
    fn reads_rows_with_line_numbers_across_crlf_and_quoted_newlines() {
        let src = Source::from_bytes("x.csv", b"URN,Name\r\n100000,\"A\r\nB\"\r\n100001,C\r\n").expect("readable");
        let mut seen = Vec::new();
        src.for_each_row(|line, rec| {
            let rec = rec.expect("row");
            seen.push((line, rec.get(0).unwrap_or_default().to_owned()));
        });
        assert_eq!(seen, vec![(2, "100000".to_owned()), (4, "100001".to_owned())]);
    }

    #[test]
    fn empty_files_are_refused() {
        assert!(matches!(Source::from_bytes("x.csv", b""), Err(FileError::Empty)));
        assert!(matches!(Source::from_bytes("x.csv", b"\n"), Err(FileError::Empty)));
    }
}
