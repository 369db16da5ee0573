//! A staff list: people to invite and the roles to give them, one role per row.
//!
//! Columns (headers in any case and order; others are ignored): `email`, `name`, `role`, and
//! where the role is held: `urn` for school roles, `programme` (its name or number) for
//! programme roles, `network` (its name, with `programme`) for Achievement Advisers.

use aspire_core::people::{Email, Role, ScopeKind};
use aspire_core::urn::Urn;

use crate::report::RowIssue;
use crate::source::Source;
use crate::{FileError, one_line};

/// One row, read and checked on its own (the places it names are checked against the database
/// and the reader's permissions by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub line: u64,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub urn: Option<Urn>,
    pub programme: Option<String>,
    pub network: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffList {
    pub rows: Vec<StaffRow>,
    pub errors: Vec<RowIssue>,
}

/// Reads a staff list (CSV or XLSX). Every bad cell is reported; rows with one are left out.
pub fn read_staff_list(name: &str, bytes: &[u8]) -> Result<StaffList, FileError> {
    let source = Source::from_bytes_within(name, bytes, crate::STAFF_LIMITS)?;
    let find = |want: &str| {
        source.headers.iter().position(|h| {
            let k: String = h
                .trim_start_matches('\u{feff}')
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            k == want
        })
    };
    let missing: Vec<&str> = ["email", "name", "role"].into_iter().filter(|c| find(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(FileError::Header {
            format: "a staff list",
            problem: format!(
                "it has no {} column (its columns are: {}); a staff list needs email, name and role, and urn, programme or network for where the role is held",
                missing.join(", "),
                one_line(&source.headers.iter().take(8).collect::<Vec<_>>().join(", "))
            ),
        });
    }
    let (email_c, name_c, role_c) = (find("email"), find("name"), find("role"));
    let (urn_c, programme_c, network_c) = (find("urn"), find("programme"), find("network"));
    let mut out = StaffList { rows: Vec::new(), errors: Vec::new() };
    let mut seen = std::collections::HashMap::new();
    let mut rows = 0usize;
    let mut too_many = false;
    source.for_each_row(|line, rec| {
        rows += 1;
        if rows > crate::STAFF_LIMITS.rows {
            too_many = true;
            return;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowIssue::row(line, format!("the row cannot be read as CSV: {e}")));
                return;
            }
        };
        let cell = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("").to_owned();
        if rec.iter().all(|v| v.trim().is_empty()) {
            return;
        }
        let before = out.errors.len();
        let raw_email = cell(email_c);
        let email = Email::parse(&raw_email)
            .map_err(|e| out.errors.push(RowIssue::cell(line, "email", &raw_email, e.to_string())))
            .ok();
        let name = cell(name_c);
        if name.is_empty() {
            out.errors.push(RowIssue::cell(line, "name", "", "a name is required"));
        } else if name.chars().any(aspire_core::text::is_unwanted) {
            out.errors.push(RowIssue::cell(
                line,
                "name",
                &name,
                "a name cannot hold control characters (such as NUL or terminal escape codes)",
            ));
        }
        let raw_role = cell(role_c);
        let role = Role::parse(&raw_role)
            .map_err(|e| out.errors.push(RowIssue::cell(line, "role", &raw_role, e.to_string())))
            .ok();
        let raw_urn = cell(urn_c);
        let urn = if raw_urn.is_empty() {
            None
        } else {
            Urn::parse(&raw_urn).map_err(|e| out.errors.push(RowIssue::cell(line, "urn", &raw_urn, e.to_string()))).ok()
        };
        let programme = Some(cell(programme_c)).filter(|s| !s.is_empty());
        let network = Some(cell(network_c)).filter(|s| !s.is_empty());
        if let Some(role) = role {
            let need = match role.scope_kind() {
                ScopeKind::School if urn.is_none() && raw_urn.is_empty() => {
                    Some(("urn", "a school role needs the school's URN"))
                }
                ScopeKind::Programme if programme.is_none() => {
                    Some(("programme", "a programme role needs the programme's name or number"))
                }
                ScopeKind::Network if network.is_none() || programme.is_none() => {
                    Some(("network", "an Achievement Adviser needs the programme and the network's name"))
                }
                _ => None,
            };
            if let Some((col, why)) = need {
                out.errors.push(RowIssue::cell(line, col, "", format!("{why} ({})", role.label())));
            }
        }
        if let (Some(e), Some(r)) = (&email, role) {
            let key = (e.clone(), r, urn, programme.clone(), network.clone());
            if let Some(first) = seen.insert(key, line) {
                out.errors.push(RowIssue::row(line, format!("the same person and role as line {first}")));
            }
        }
        if out.errors.len() == before
            && let (Some(email), Some(role)) = (email, role)
        {
            out.rows.push(StaffRow { line, email, name, role, urn, programme, network });
        }
    });
    if too_many {
        return Err(FileError::TooLarge(format!(
            "a staff list holds at most {} rows; this one has {}: split it and add each part",
            crate::STAFF_LIMITS.rows,
            rows
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_every_bad_cell_reported() {
        let text = "Email,Name,Role,URN,Programme,Network\n\
                    head@school.example,Ann Head,Head teacher,105626,,\n\
                    adviser@provider.example,Bob Adviser,achievement-adviser,,North 2026,North A\n\
                    bad-address,Carl,teacher,105626,,\n\
                    dee@school.example,,caretaker,10562X,,\n\
                    pa@provider.example,Pat Admin,programme-admin,,,\n\
                    head@school.example,Ann Head,Head teacher,105626,,\n\
                    esc@school.example,Eve\u{1b}[2J,teacher,105626,,\n";
        let list = read_staff_list("staff.csv", text.as_bytes()).expect("read");
        assert_eq!(list.rows.len(), 2);
        assert_eq!(list.rows[1].network.as_deref(), Some("North A"));
        let errors: Vec<String> = list.errors.iter().map(ToString::to_string).collect();
        assert!(errors[0].starts_with("line 4, column email, value 'bad-address'"), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("line 5, column name")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("line 5, column role, value 'caretaker'")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("line 5, column urn, value '10562X'")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("line 6, column programme")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("line 7") && e.contains("as line 2")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("line 8, column name") && e.contains("control characters")));
        let e = read_staff_list("staff.csv", b"email,name\na@b.uk,A\n").expect_err("no role column");
        assert!(e.to_string().contains("no role column"), "{e}");
    }
}
