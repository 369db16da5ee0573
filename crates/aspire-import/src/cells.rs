//! Reading typed values out of a row, recording a [`RowIssue`] for every cell that is wrong.

use std::collections::HashMap;

use chrono::NaiveDate;
use csv::StringRecord;

use aspire_core::codes::LaCode;
use aspire_core::dates::DateStyle;
use aspire_core::ks2::{Ks2Value, Measure};
use aspire_core::school::{RegisterDates, SchoolField};
use aspire_core::urn::Urn;
use aspire_core::value::{Kind, Value};

use crate::report::RowIssue;

/// A column position in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Col(pub usize);

/// How header names are compared: case, spaces and underscores do not matter ("Field Name",
/// "FieldName" and "field_name" are one column), because publishers vary them between years.
pub(crate) fn normalise(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A file's header row, looked up by [`normalise`]d name.
pub(crate) struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    /// Fails on a repeated column name, which would make every lookup ambiguous.
    pub fn new(rec: &StringRecord) -> Result<Header, String> {
        let names: Vec<String> = rec.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_owned()).collect();
        let mut index = HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                continue;
            }
            if index.insert(normalise(n), i).is_some() {
                return Err(format!("the column '{n}' appears twice in the header"));
            }
        }
        Ok(Header { names, index })
    }

    pub fn find(&self, name: &str) -> Option<Col> {
        self.index.get(&normalise(name)).copied().map(Col)
    }

    pub fn name(&self, col: Col) -> &str {
        &self.names[col.0]
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// One row being read. Getters return `None` for a blank cell or a bad one; a bad one also
/// records an issue, so the caller checks [`Row::is_ok`] before using what it read.
pub(crate) struct Row<'a> {
    pub line: u64,
    rec: &'a StringRecord,
    header: &'a Header,
    /// The dates a value can hold (worked out once per file).
    dates: &'a RegisterDates,
    pub issues: Vec<RowIssue>,
    pub warnings: Vec<RowIssue>,
}

impl<'a> Row<'a> {
    pub fn new(line: u64, rec: &'a StringRecord, header: &'a Header, dates: &'a RegisterDates) -> Self {
        Row { line, rec, header, dates, issues: Vec::new(), warnings: Vec::new() }
    }

    pub fn is_ok(&self) -> bool {
        self.issues.is_empty()
    }

    /// The cell as written; "" when the row is shorter than the header.
    pub fn raw(&self, col: Col) -> &'a str {
        self.rec.get(col.0).unwrap_or("")
    }

    pub fn fail(&mut self, col: Col, reason: impl Into<String>) {
        let value = self.raw(col).to_owned();
        self.issues.push(RowIssue::cell(self.line, self.header.name(col), &value, reason));
    }

    pub fn warn(&mut self, col: Col, reason: impl Into<String>) {
        let value = self.raw(col).to_owned();
        self.warnings.push(RowIssue::cell(self.line, self.header.name(col), &value, reason));
    }

    /// Trimmed text; `None` when blank. Control characters (NUL, terminal escapes, the marks
    /// that reorder text) are removed, and the row gets a warning saying so.
    pub fn text(&mut self, col: Col) -> Option<String> {
        let t = self.raw(col).trim();
        if t.is_empty() {
            return None;
        }
        let cleaned = match aspire_core::text::without_controls(t) {
            None => return (!t.is_empty()).then(|| t.to_owned()),
            Some(c) => c,
        };
        self.warn(col, "control characters (such as NUL or terminal escape codes) were removed from this value");
        let c = cleaned.trim();
        (!c.is_empty()).then(|| c.to_owned())
    }

    /// A value for a register field, refused (with the reason) when the field cannot hold it.
    pub fn checked(&mut self, col: Col, field: SchoolField, value: Option<Value>) -> Option<Value> {
        let v = value?;
        match field.check(&v, self.dates) {
            Ok(()) => Some(v),
            Err(why) => {
                self.fail(col, why);
                None
            }
        }
    }

    /// An inspection date: Ofsted began inspecting schools in September 1992, and an inspection
    /// cannot be later than today.
    pub fn inspection_date(&mut self, col: Col, d: NaiveDate) -> Option<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(1992, 9, 1).unwrap_or(NaiveDate::MIN);
        if d < first || d > self.dates.today {
            self.fail(
                col,
                format!(
                    "an inspection date must be between 01-09-1992 (when Ofsted began) and today ({})",
                    self.dates.today.format("%d-%m-%Y")
                ),
            );
            return None;
        }
        Some(d)
    }

    /// A date the register can hold (see [`SchoolField::check`]); `None` and an issue otherwise.
    fn plausible(&mut self, col: Col, d: NaiveDate) -> Option<NaiveDate> {
        if !self.dates.holds(d) {
            self.fail(col, self.dates.refusal());
            return None;
        }
        Some(d)
    }

    /// A required URN.
    pub fn urn(&mut self, col: Col) -> Option<Urn> {
        match Urn::parse(self.raw(col)) {
            Ok(u) => Some(u),
            Err(e) => {
                self.fail(col, e.to_string());
                None
            }
        }
    }

    pub fn int(&mut self, col: Col) -> Option<i64> {
        let t = self.raw(col).trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.fail(col, "expected a whole number");
                None
            }
        }
    }

    pub fn real(&mut self, col: Col) -> Option<f64> {
        let t = self.raw(col).trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                self.fail(col, "expected a number");
                None
            }
        }
    }

    /// A date in the given style (ISO yyyy-mm-dd is always accepted too).
    pub fn date(&mut self, col: Col, style: DateStyle) -> Option<NaiveDate> {
        let t = self.raw(col).trim();
        if t.is_empty() {
            return None;
        }
        match style.parse(t) {
            Ok(d) => self.plausible(col, d),
            Err(e) => {
                self.fail(col, e.to_string());
                None
            }
        }
    }

    /// A date written yyyymmdd, dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd: the forms are unambiguous.
    pub fn any_date(&mut self, col: Col) -> Option<NaiveDate> {
        let t = self.raw(col).trim();
        let style = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            DateStyle::Compact
        } else {
            DateStyle::DayMonthYear
        };
        if t.is_empty() {
            return None;
        }
        match style.parse(t) {
            Ok(d) => self.plausible(col, d),
            Err(_) => {
                self.fail(col, format!("'{t}' is not a date: expected yyyymmdd, dd-mm-yyyy or yyyy-mm-dd"));
                None
            }
        }
    }

    /// An optional DfE LA code, as the register stores it (an integer).
    pub fn la_code(&mut self, col: Col) -> Option<Value> {
        let raw = self.raw(col);
        if raw.trim().is_empty() {
            return None;
        }
        match LaCode::parse(raw) {
            Ok(la) => Some(Value::Int(i64::from(la.get()))),
            Err(e) => {
                self.fail(col, e.to_string());
                None
            }
        }
    }

    /// A KS2 measure per DfE conventions (a figure, a DfE absence code, or blank).
    pub fn ks2(&mut self, col: Col, measure: Measure) -> Option<Ks2Value> {
        match Ks2Value::parse(measure, self.raw(col)) {
            Ok(v) => v,
            Err(e) => {
                self.fail(col, e.to_string());
                None
            }
        }
    }

    /// A 0/1 (or yes/no, true/false) flag.
    pub fn flag(&mut self, col: Col) -> Option<bool> {
        let t = self.raw(col).trim();
        match t.to_ascii_lowercase().as_str() {
            "" => None,
            "1" | "yes" | "y" | "true" => Some(true),
            "0" | "no" | "n" | "false" => Some(false),
            _ => {
                self.fail(col, "expected 1 or 0");
                None
            }
        }
    }

    /// A value of a given kind, for generic field mappings.
    pub fn value(&mut self, col: Col, kind: Kind, dates: DateStyle) -> Option<Value> {
        match kind {
            Kind::Text => self.text(col).map(Value::Text),
            Kind::Int => self.int(col).map(Value::Int),
            Kind::Real => self.real(col).map(Value::Real),
            Kind::Date => self.date(col, dates).map(Value::Date),
            Kind::Bool => self.flag(col).map(Value::Bool),
        }
    }
}
