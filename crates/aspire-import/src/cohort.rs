//! A cohort file: a CSV with a URN column (any other columns are ignored).

use std::collections::BTreeSet;

use aspire_core::urn::Urn;

use crate::report::RowIssue;
use crate::source::Source;
use crate::{FileError, one_line};

#[derive(Debug, Clone, PartialEq)]
pub struct CohortFile {
    pub urns: BTreeSet<Urn>,
    /// Rows whose URN cannot be read.
    pub errors: Vec<RowIssue>,
    /// Repeated URNs (counted once).
    pub repeats: usize,
    pub sha256: String,
}

/// Reads the URN column of a CSV or XLSX file.
pub fn read_cohort(name: &str, bytes: &[u8]) -> Result<CohortFile, FileError> {
    let source = Source::from_bytes(name, bytes)?;
    let col = source
        .headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim().eq_ignore_ascii_case("urn"))
        .ok_or_else(|| FileError::Header {
        format: "a cohort file",
        problem: format!(
            "it has no URN column (its columns are: {})",
            one_line(&source.headers.iter().take(8).collect::<Vec<_>>().join(", "))
        ),
    })?;
    let mut out = CohortFile { urns: BTreeSet::new(), errors: Vec::new(), repeats: 0, sha256: source.sha256.clone() };
    source.for_each_row(|line, rec| match rec {
        Err(e) => out.errors.push(RowIssue::row(line, format!("the row cannot be read as CSV: {e}"))),
        Ok(rec) => {
            let raw = rec.get(col).unwrap_or("");
            match Urn::parse(raw) {
                Ok(u) => {
                    if !out.urns.insert(u) {
                        out.repeats += 1;
                    }
                }
                Err(e) => out.errors.push(RowIssue::cell(line, "URN", raw, e.to_string())),
            }
        }
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_urn_column_and_reports_bad_rows() {
        let c = read_cohort("c.csv", b"LA,urn,name\n890,100001,A\n890,10000X,B\n890,100001,A again\n").expect("read");
        assert_eq!(c.urns.len(), 1);
        assert_eq!(c.repeats, 1);
        assert_eq!(c.errors.len(), 1);
        assert!(c.errors[0].to_string().starts_with("line 3, column URN, value '10000X'"));
        let e = read_cohort("c.csv", b"school,name\n1,A\n").expect_err("no URN column");
        assert!(e.to_string().contains("no URN column"), "{e}");
    }
}
