//! A school's way through a programme: enquiry, applied, enrolled, then completed or withdrawn;
//! and the areas a programme recruits in.

use serde::Serialize;

/// A stage of recruitment and membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Enquiry,
    Applied,
    Enrolled,
    Withdrawn,
    Completed,
}

/// A change of stage the pipeline does not allow, or one missing what it needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("'{0}' is not a stage: the stages are enquiry, applied, enrolled, withdrawn and completed")]
    Unknown(String),
    #[error("a school cannot go from {from} to {to}{hint}", from = .from.code(), to = .to.code())]
    NotAllowed { from: Stage, to: Stage, hint: &'static str },
    #[error("say why the school is withdrawing")]
    ReasonMissing,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Enquiry, Stage::Applied, Stage::Enrolled, Stage::Withdrawn, Stage::Completed];

    /// As stored and typed: "enquiry".
    pub fn code(self) -> &'static str {
        match self {
            Stage::Enquiry => "enquiry",
            Stage::Applied => "applied",
            Stage::Enrolled => "enrolled",
            Stage::Withdrawn => "withdrawn",
            Stage::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Result<Stage, StageError> {
        let t = s.trim().to_ascii_lowercase();
        Stage::ALL.into_iter().find(|st| st.code() == t).ok_or_else(|| StageError::Unknown(s.trim().to_owned()))
    }

    /// Stages a school may move to from this one. A withdrawn school may come back as an
    /// enquiry or an application; a completed one has finished.
    pub fn next(self) -> &'static [Stage] {
        match self {
            Stage::Enquiry => &[Stage::Applied, Stage::Enrolled, Stage::Withdrawn],
            Stage::Applied => &[Stage::Enrolled, Stage::Withdrawn],
            Stage::Enrolled => &[Stage::Completed, Stage::Withdrawn],
            Stage::Withdrawn => &[Stage::Enquiry, Stage::Applied],
            Stage::Completed => &[],
        }
    }

    /// The stage the board offers first: the next one along the pipeline (enquiry to applied,
    /// applied to enrolled). An enrolled school has none: completing the programme or
    /// withdrawing is a choice the team makes, never a default; nor is bringing a withdrawn
    /// school back.
    pub fn default_next(self) -> Option<Stage> {
        match self {
            Stage::Enquiry => Some(Stage::Applied),
            Stage::Applied => Some(Stage::Enrolled),
            Stage::Enrolled | Stage::Withdrawn | Stage::Completed => None,
        }
    }

    /// Checks a move; a withdrawal needs its reason.
    pub fn check_move(self, to: Stage, reason: Option<&str>) -> Result<(), StageError> {
        if !self.next().contains(&to) {
            let hint = match (self, to) {
                (Stage::Completed, _) => ": it has completed the programme",
                (_, Stage::Completed) => ": only an enrolled school completes the programme",
                (a, b) if a == b => ": it is there already",
                _ => "",
            };
            return Err(StageError::NotAllowed { from: self, to, hint });
        }
        if to == Stage::Withdrawn && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(StageError::ReasonMissing);
        }
        Ok(())
    }

    /// Whether the school counts as taking part (it can be in a network).
    pub fn takes_part(self) -> bool {
        matches!(self, Stage::Enrolled | Stage::Completed)
    }
}

/// Why a programme's list of areas cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaListError {
    #[error("an area needs a name")]
    Unnamed,
    #[error("area '{0}' is listed twice")]
    Repeated(String),
}

/// Checks the names of a programme's areas: each named, none twice (compared ignoring case and
/// the spaces around them, as people type them).
pub fn check_areas<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), AreaListError> {
    let mut seen = std::collections::BTreeSet::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            return Err(AreaListError::Unnamed);
        }
        if !seen.insert(name.to_lowercase()) {
            return Err(AreaListError::Repeated(name.to_owned()));
        }
    }
    Ok(())
}

/// What a programme's area is in the register: a local authority (code: the DfE three-digit
/// number) or a district (code: the ONS code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    La,
    District,
}

impl AreaKind {
    /// As stored: "la", "district".
    pub fn code(self) -> &'static str {
        match self {
            AreaKind::La => "la",
            AreaKind::District => "district",
        }
    }

    pub fn parse(s: &str) -> Option<AreaKind> {
        match s {
            "la" => Some(AreaKind::La),
            "district" => Some(AreaKind::District),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AreaKind::La => "local authority",
            AreaKind::District => "district",
        }
    }
}

/// A local authority or district of the register that a programme can recruit in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaChoice {
    pub kind: AreaKind,
    /// "353" or "E08000004".
    pub code: String,
    /// As the register names it: "Oldham".
    pub name: String,
    /// For a district, the code of the local authority the register's schools place it in
    /// (when they all agree), so that a district is not listed beside the LA holding it.
    pub within: Option<String>,
}

/// One line of a programme's area list, read: the area and its planned networks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaLine {
    pub line: usize,
    pub area: AreaChoice,
    pub planned_networks: u32,
}

/// Reads a programme's areas, one "Area: networks" per line ("Bradford: 3"; a line without a
/// number plans one network), each a local authority or district of the register by name or
/// code. Every problem of every line is returned at once: a count that is not a whole number
/// or is zero, an area the register does not know, an area twice, and a district inside a
/// local authority also listed (both lines named).
pub fn read_area_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    choices: &[AreaChoice],
) -> Result<Vec<AreaLine>, Vec<String>> {
    let mut out: Vec<AreaLine> = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in lines.into_iter().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (name, count) = match line.rsplit_once(':') {
            Some((name, count)) => (name.trim(), count.trim()),
            None => (line, "1"),
        };
        let planned = match count.parse::<u32>() {
            Ok(0) => {
                problems
                    .push(format!("Line {n}: '{name}: 0' plans no networks: plan at least one, or leave the area out"));
                None
            }
            Ok(c) if c > 500 => {
                problems
                    .push(format!("Line {n}: {c} networks in one area is more than a programme plans (at most 500)"));
                None
            }
            Ok(c) => Some(c),
            Err(_) => {
                problems.push(format!(
                    "Line {n}: '{count}' is not a number of networks: write one area per line, e.g. 'Bradford: 3'"
                ));
                None
            }
        };
        let Some(found) = resolve_area(name, choices) else {
            problems.push(format!(
                "Line {n}: '{name}' is not a local authority or district in the register: check the spelling, or write its code (an LA number such as 353, or an ONS district code such as E08000004)"
            ));
            continue;
        };
        if let Some(first) = out.iter().find(|a| a.area.code == found.code) {
            problems.push(format!("Line {n}: {} is already on line {}", found.name, first.line));
            continue;
        }
        let holding = |d: &AreaChoice, la: &AreaChoice| {
            d.kind == AreaKind::District && la.kind == AreaKind::La && d.within.as_deref() == Some(la.code.as_str())
        };
        if let Some(other) = out.iter().find(|a| holding(found, &a.area) || holding(&a.area, found)) {
            let (district, la) =
                if found.kind == AreaKind::District { (found, &other.area) } else { (&other.area, found) };
            problems.push(format!(
                "Line {n}: {} is a district of {}, which line {} lists already: keep the whole LA or the district, not both",
                district.name, la.name, other.line
            ));
            continue;
        }
        if let Some(planned_networks) = planned {
            out.push(AreaLine { line: n, area: found.clone(), planned_networks });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// A name compared as people type it: case, spaces and punctuation ignored, "&" read as "and".
fn loose(s: &str) -> String {
    s.to_lowercase().replace('&', " and ").chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The area of the register a typed name or code means: a code exactly (any case), else a
/// name compared loosely; a local authority before a district of the same name (a
/// metropolitan borough is both). `None` when it names nothing in the register.
pub fn resolve_area<'a>(typed: &str, choices: &'a [AreaChoice]) -> Option<&'a AreaChoice> {
    let t = typed.trim();
    if t.is_empty() {
        return None;
    }
    let by_code = choices.iter().find(|c| c.code.eq_ignore_ascii_case(t));
    let key = loose(t);
    let by_name = || {
        let mut named: Vec<&AreaChoice> = choices.iter().filter(|c| loose(&c.name) == key).collect();
        named.sort_by_key(|c| c.kind);
        named.into_iter().next()
    };
    by_code.or_else(by_name)
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// How long an enquiry's contact details are kept, in days from when it was sent (two years:
/// long enough to follow a school through a programme's recruitment). The privacy notice
/// states it; the server removes them after it.
pub const CONTACT_KEPT_DAYS: u64 = 730;
/// The subject of the acknowledgement an enquirer receives (at most one a day to one address).
pub const ACKNOWLEDGEMENT_SUBJECT: &str = "We have received your enquiry";

/// How the subject of a request to speak to a head teacher begins (its body holds the sender's
/// name, role, address and message, removed with enquiries' contact details).
pub const HEAD_REQUEST_SUBJECT_START: &str = "A school thinking of joining";

/// The longest message the public enquiry form keeps.
pub const MESSAGE_LIMIT: usize = 4000;
/// The longest name or role the enquiry form keeps.
pub const CONTACT_FIELD_LIMIT: usize = 200;

/// A field of the public enquiry form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Name,
    Email,
    Role,
    Message,
}

impl ContactField {
    /// The form field's name.
    pub fn code(self) -> &'static str {
        match self {
            ContactField::Name => "name",
            ContactField::Email => "email",
            ContactField::Role => "role",
            ContactField::Message => "message",
        }
    }
}

/// Who sent an enquiry, checked: made only by [`EnquiryContact::check`], so a stored enquiry
/// always has a name, an address that can be written to and a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnquiryContact {
    name: String,
    email: crate::people::Email,
    role: String,
    message: String,
}

impl EnquiryContact {
    /// Checks every field, and gives every problem at once (field, sentence for the sender).
    pub fn check(
        name: &str,
        email: &str,
        role: &str,
        message: &str,
    ) -> Result<EnquiryContact, Vec<(ContactField, String)>> {
        let mut problems = Vec::new();
        let (name, role, message) = (name.trim(), role.trim(), message.trim());
        for (field, value, what) in [(ContactField::Name, name, "your name"), (ContactField::Role, role, "your role")] {
            if value.is_empty() {
                problems.push((field, format!("Enter {what}")));
            } else if value.chars().count() > CONTACT_FIELD_LIMIT {
                problems.push((field, format!("Shorten {what} to at most {CONTACT_FIELD_LIMIT} characters")));
            }
        }
        let email = match crate::people::Email::parse(email) {
            Ok(e) => Some(e),
            Err(crate::people::EmailError::Empty) => {
                problems.push((ContactField::Email, "Enter your email address".to_owned()));
                None
            }
            Err(_) => {
                problems.push((
                    ContactField::Email,
                    format!(
                        "'{}' is not an address we can write to: check it, for example name@school.org.uk",
                        email.trim()
                    ),
                ));
                None
            }
        };
        let length = message.chars().count();
        if length > MESSAGE_LIMIT {
            problems.push((
                ContactField::Message,
                format!("Shorten the message to at most {MESSAGE_LIMIT} characters (it has {length})"),
            ));
        }
        problems.sort_by_key(|(f, _)| *f as u8);
        match email {
            Some(email) if problems.is_empty() => {
                Ok(EnquiryContact { name: name.to_owned(), email, role: role.to_owned(), message: message.to_owned() })
            }
            _ => Err(problems),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn email(&self) -> &crate::people::Email {
        &self.email
    }

    pub fn role(&self) -> &str {
        &self.role
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enquiry_contact_gives_every_problem_at_once() {
        let ok = EnquiryContact::check(" Sam Head ", "sam@school.example", "Head teacher", " hello ").expect("fine");
        assert_eq!((ok.name(), ok.role(), ok.message()), ("Sam Head", "Head teacher", "hello"));
        let problems =
            EnquiryContact::check(" ", "sam at school", "", &"x".repeat(MESSAGE_LIMIT + 1)).expect_err("bad");
        let fields: Vec<ContactField> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [ContactField::Name, ContactField::Email, ContactField::Role, ContactField::Message]);
        assert_eq!(problems[0].1, "Enter your name");
        assert!(problems[1].1.starts_with("'sam at school' is not an address"));
        assert!(problems[3].1.contains("(it has 4001)"));
        let long = EnquiryContact::check(&"n".repeat(201), "a@b.example", "Head", "").expect_err("long");
        assert_eq!(long, [(ContactField::Name, "Shorten your name to at most 200 characters".to_owned())]);
        assert_eq!(EnquiryContact::check("Sam", "", "Head", "").expect_err("none")[0].1, "Enter your email address");
    }

    #[test]
    fn an_area_is_found_by_code_or_by_name_as_typed_and_an_la_comes_first() {
        let c = |kind, code: &str, name: &str| AreaChoice { kind, code: code.into(), name: name.into(), within: None };
        let choices = [
            c(AreaKind::District, "E08000004", "Oldham"),
            c(AreaKind::La, "353", "Oldham"),
            c(AreaKind::District, "E07000011", "Huntingdonshire"),
            c(AreaKind::La, "873", "Cambridgeshire"),
            c(AreaKind::District, "E06000046", "Isle of Wight"),
        ];
        assert_eq!(resolve_area(" oldham ", &choices).map(|a| a.code.as_str()), Some("353"));
        assert_eq!(resolve_area("e08000004", &choices).map(|a| a.kind), Some(AreaKind::District));
        assert_eq!(resolve_area("isle-of wight", &choices).map(|a| a.code.as_str()), Some("E06000046"));
        assert_eq!(resolve_area("Nowhereshire", &choices), None);
        assert_eq!(resolve_area(" ", &choices), None);
    }

    #[test]
    fn area_lines_are_read_with_every_problem_of_every_line_at_once() {
        let c = |kind, code: &str, name: &str, within: Option<&str>| AreaChoice {
            kind,
            code: code.into(),
            name: name.into(),
            within: within.map(Into::into),
        };
        let choices = [
            c(AreaKind::La, "936", "Surrey", None),
            c(AreaKind::District, "E07000217", "Woking", Some("936")),
            c(AreaKind::La, "850", "Hampshire", None),
            c(AreaKind::La, "380", "Bradford", None),
        ];
        let text = "Surrey: 2\nWoking: 1\nHampshire: 0\n\nBradford: three\nNowhereshire: 2\nsurrey\nBradford";
        let problems = read_area_lines(text.lines(), &choices).expect_err("problems");
        assert_eq!(
            problems,
            vec![
                "Line 2: Woking is a district of Surrey, which line 1 lists already: keep the whole LA or the district, not both",
                "Line 3: 'Hampshire: 0' plans no networks: plan at least one, or leave the area out",
                "Line 5: 'three' is not a number of networks: write one area per line, e.g. 'Bradford: 3'",
                "Line 6: 'Nowhereshire' is not a local authority or district in the register: check the spelling, or write its code (an LA number such as 353, or an ONS district code such as E08000004)",
                "Line 7: Surrey is already on line 1",
            ]
        );
        let ok = read_area_lines(["Woking: 2", "850"], &choices).expect("read");
        assert_eq!(
            ok.iter().map(|a| (a.area.name.as_str(), a.planned_networks)).collect::<Vec<_>>(),
            [("Woking", 2), ("Hampshire", 1)]
        );
    }

    #[test]
    fn areas_are_named_once() {
        assert_eq!(check_areas(["Oldham", "Bradford"]), Ok(()));
        assert_eq!(check_areas(["Oldham", " "]), Err(AreaListError::Unnamed));
        let e = check_areas(["Oldham", " oldham "]).expect_err("twice");
        assert_eq!(e.to_string(), "area 'oldham' is listed twice");
    }

    #[test]
    fn the_pipeline_moves_forward_and_withdrawals_need_a_reason() {
        assert!(Stage::Enquiry.check_move(Stage::Applied, None).is_ok());
        assert!(Stage::Applied.check_move(Stage::Enrolled, None).is_ok());
        assert!(Stage::Enrolled.check_move(Stage::Completed, None).is_ok());
        assert_eq!(Stage::Enrolled.check_move(Stage::Withdrawn, Some("  ")), Err(StageError::ReasonMissing));
        assert!(Stage::Enrolled.check_move(Stage::Withdrawn, Some("new head teacher")).is_ok());
        let e = Stage::Applied.check_move(Stage::Completed, None).expect_err("not enrolled");
        assert_eq!(
            e.to_string(),
            "a school cannot go from applied to completed: only an enrolled school completes the programme"
        );
        assert!(Stage::Completed.check_move(Stage::Withdrawn, Some("x")).is_err());
        assert_eq!(Stage::parse(" Enrolled "), Ok(Stage::Enrolled));
        assert!(Stage::parse("done").is_err());
        assert!(Stage::ALL.iter().all(|s| !s.next().contains(s)));
        // The default move is one the pipeline allows, and never completes a school.
        for s in Stage::ALL {
            assert!(s.default_next().is_none_or(|n| s.next().contains(&n) && n != Stage::Completed), "{s}");
        }
        assert_eq!(Stage::Enrolled.default_next(), None);
        assert_eq!(Stage::Enquiry.default_next(), Some(Stage::Applied));
    }
}
