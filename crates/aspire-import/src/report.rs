//! What an import tells its user: every bad row, every oddity, and the counts.

use std::fmt;

/// A problem with one cell or row. Rows with problems are not written (unless the user asked to
/// skip them, in which case they are skipped and still reported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// 1-based line in the file where the row starts (for spreadsheets: the row number).
    pub line: u64,
    /// The column header, when the problem is in one cell.
    pub column: Option<String>,
    /// The offending value as it appears in the file.
    pub value: Option<String>,
    pub reason: String,
}

impl RowIssue {
    pub fn row(line: u64, reason: impl Into<String>) -> Self {
        RowIssue { line, column: None, value: None, reason: reason.into() }
    }

    pub fn cell(line: u64, column: &str, value: &str, reason: impl Into<String>) -> Self {
        RowIssue { line, column: Some(column.to_owned()), value: Some(value.to_owned()), reason: reason.into() }
    }
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ", value '{}'", one_line(v))?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The outcome of reading one file, before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Data rows read (the header is not counted).
    pub rows_read: u64,
    /// Rows that cannot be written, with every reason.
    pub errors: Vec<RowIssue>,
    /// Rows that are written but deserve a look (an anachronistic rating, a duplicate row ignored).
    pub warnings: Vec<RowIssue>,
    /// Columns the file has that no part of the product uses.
    pub ignored_columns: Vec<String>,
}

impl Report {
    /// Distinct rows with at least one error.
    pub fn rows_rejected(&self) -> u64 {
        let mut lines: Vec<u64> = self.errors.iter().map(|e| e.line).collect();
        lines.sort_unstable();
        lines.dedup();
        lines.len() as u64
    }

    pub fn rows_accepted(&self) -> u64 {
        self.rows_read - self.rows_rejected()
    }

    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Shows a value on one line of a terminal: control characters replaced, long values cut.
pub fn one_line(s: &str) -> String {
    let mut out: String = s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}
