//! People and the roles they hold: school staff (head teacher, strand lead, governor...) and the
//! provider's staff (programme admin, Achievement Adviser, evaluator). A person may hold several
//! roles in several places; each role is held at a scope (the whole platform, a programme, a
//! network or a school).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::LaCode;
use crate::urn::Urn;

pub use crate::ids::{NetworkId, PersonId, ProgrammeId};

macro_rules! roles {
    ($( $variant:ident, $code:literal, $label:literal, $scope:ident; )*) => {
        /// A role a person holds somewhere.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum Role { $( $variant ),* }

        impl Role {
            pub const ALL: &'static [Role] = &[ $( Role::$variant ),* ];

            /// Stable code, as stored and as typed in staff lists: "head-teacher".
            pub fn code(self) -> &'static str {
                match self { $( Role::$variant => $code ),* }
            }

            /// For people: "Head teacher".
            pub fn label(self) -> &'static str {
                match self { $( Role::$variant => $label ),* }
            }

            /// The kind of place this role is held at.
            pub fn scope_kind(self) -> ScopeKind {
                match self { $( Role::$variant => ScopeKind::$scope ),* }
            }
        }
    };
}

roles! {
    Admin, "admin", "Administrator", Platform;
    ProgrammeAdmin, "programme-admin", "Programme admin", Programme;
    AchievementAdviser, "achievement-adviser", "Achievement Adviser", Network;
    Evaluator, "evaluator", "Evaluator", Programme;
    HeadTeacher, "head-teacher", "Head teacher", School;
    SeniorLeader, "senior-leader", "Senior leader", School;
    StrandLead, "strand-lead", "Strand lead", School;
    TeachingLearningLead, "teaching-learning-lead", "Teaching and learning lead", School;
    AflLead, "afl-lead", "Assessment for learning lead", School;
    AchievementTeamLeader, "achievement-team-leader", "Achievement Team leader", School;
    Teacher, "teacher", "Teacher", School;
    Governor, "governor", "Governor", School;
    LaOfficer, "la-officer", "Local authority officer", LocalAuthority;
}

impl Role {
    /// Reads a role from its code or its label, ignoring case, spaces, hyphens and underscores
    /// ("Head Teacher", "head_teacher" and "head-teacher" all work).
    pub fn parse(text: &str) -> Result<Role, RoleError> {
        let key = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
        let k = key(text);
        Role::ALL
            .iter()
            .copied()
            .find(|r| key(r.code()) == k || key(r.label()) == k)
            .or(match k.as_str() {
                "headteacher" | "head" => Some(Role::HeadTeacher),
                "adviser" | "advisor" | "achievementadvisor" => Some(Role::AchievementAdviser),
                "tllead" => Some(Role::TeachingLearningLead),
                "atleader" => Some(Role::AchievementTeamLeader),
                "la" | "laofficer" | "localauthority" => Some(Role::LaOfficer),
                _ => None,
            })
            .ok_or_else(|| RoleError(text.trim().to_owned()))
    }

    /// School staff (and governors), as opposed to the provider's staff.
    pub fn is_school_role(self) -> bool {
        self.scope_kind() == ScopeKind::School
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<Role> for &'static str {
    fn from(r: Role) -> &'static str {
        r.code()
    }
}

impl TryFrom<String> for Role {
    type Error = RoleError;
    fn try_from(s: String) -> Result<Role, RoleError> {
        Role::parse(&s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a role; the roles are: {roles}", roles = Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>().join(", "))]
pub struct RoleError(pub String);

/// The kind of place a role is held at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ScopeKind {
    Platform,
    Programme,
    Network,
    School,
    /// A local authority's schools in one programme.
    LocalAuthority,
}

/// Where a role is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Everything (administrators).
    Platform,
    Programme(ProgrammeId),
    Network {
        programme: ProgrammeId,
        network: NetworkId,
    },
    /// A school, whichever programmes it takes part in.
    School(Urn),
    /// The schools of one local authority taking part in one programme (read only).
    LocalAuthority {
        programme: ProgrammeId,
        la: LaCode,
    },
}

impl Scope {
    pub fn kind(self) -> ScopeKind {
        match self {
            Scope::Platform => ScopeKind::Platform,
            Scope::Programme(_) => ScopeKind::Programme,
            Scope::Network { .. } => ScopeKind::Network,
            Scope::School(_) => ScopeKind::School,
            Scope::LocalAuthority { .. } => ScopeKind::LocalAuthority,
        }
    }
}

/// A role held at a scope. `pupil_data` is the separate permission to read pupil-level data:
/// off unless someone entitled to grant it turned it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
    pub pupil_data: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("{role} is held at {expected}, not at {given}", role = .role.label())]
    WrongScope { role: Role, expected: &'static str, given: &'static str },
    #[error("governors never see pupil-level data")]
    GovernorPupilData,
    #[error("local authority officers never see pupil-level data")]
    OfficerPupilData,
}

impl Grant {
    /// A role at a scope of the kind the role is held at.
    pub fn new(role: Role, scope: Scope, pupil_data: bool) -> Result<Grant, GrantError> {
        if role.scope_kind() != scope.kind() {
            return Err(GrantError::WrongScope {
                role,
                expected: scope_kind_words(role.scope_kind()),
                given: scope_kind_words(scope.kind()),
            });
        }
        if role == Role::Governor && pupil_data {
            return Err(GrantError::GovernorPupilData);
        }
        if role == Role::LaOfficer && pupil_data {
            return Err(GrantError::OfficerPupilData);
        }
        Ok(Grant { role, scope, pupil_data })
    }
}

fn scope_kind_words(k: ScopeKind) -> &'static str {
    match k {
        ScopeKind::Platform => "the whole platform",
        ScopeKind::Programme => "a programme",
        ScopeKind::Network => "a network",
        ScopeKind::School => "a school",
        ScopeKind::LocalAuthority => "a local authority in a programme",
    }
}

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an email address is required")]
    Empty,
    #[error(
        "'{0}' is not an email address: it needs one @ with a name before it and a domain such as school.org.uk after it"
    )]
    Invalid(String),
}

impl Email {
    /// Deliberately permissive (the invitation email is the real test), but it refuses what
    /// cannot be an address or could smuggle a header: spaces, control characters, two @s.
    pub fn parse(text: &str) -> Result<Email, EmailError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(EmailError::Empty);
        }
        let bad = || EmailError::Invalid(t.to_owned());
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let ok_chars = t.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"".contains(c));
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || !ok_chars
            || t.len() > 254
        {
            return Err(bad());
        }
        Ok(Email(t.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain of a personal mailbox provider, for an address that looks like one person's
    /// own (gmail.com, outlook.com and the like) rather than an organisation's: a public contact
    /// should be a shared team address that outlasts whoever set it.
    pub fn personal_provider(&self) -> Option<&str> {
        const PERSONAL: &[&str] = &[
            "gmail.com",
            "googlemail.com",
            "hotmail.com",
            "hotmail.co.uk",
            "outlook.com",
            "live.com",
            "live.co.uk",
            "msn.com",
            "yahoo.com",
            "yahoo.co.uk",
            "icloud.com",
            "me.com",
            "aol.com",
            "btinternet.com",
            "sky.com",
            "virginmedia.com",
            "protonmail.com",
            "proton.me",
        ];
        let domain = self.0.rsplit('@').next()?;
        PERSONAL.iter().find(|p| **p == domain).copied()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Email, EmailError> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// The shortest password accepted. Length is what makes a password strong (NCSC guidance is
/// against composition rules); 12 characters allows three random words.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters long (three random words make a good one)")]
    TooShort,
    #[error("the password must be at most 256 characters long")]
    TooLong,
    #[error("the password must not contain your email address")]
    ContainsEmail,
    #[error("the password is one of the most commonly used passwords; choose another")]
    Common,
}

/// Checks a new password: long enough, not the email address, not a well-known password.
pub fn check_new_password(password: &str, email: &Email) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > 256 {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    let local = email.as_str().split('@').next().unwrap_or_default();
    if lower.contains(email.as_str()) || (local.len() >= 4 && lower.contains(local)) {
        return Err(PasswordError::ContainsEmail);
    }
    // Long passwords that still top the breach lists.
    const COMMON: &[&str] = &[
        "123456789012",
        "1234567890123",
        "qwertyuiopas",
        "passwordpassword",
        "password1234",
        "password12345",
        "iloveyou1234",
        "aaaaaaaaaaaa",
        "111111111111",
        "qwerty123456",
        "changeme1234",
        "letmein12345",
        "welcome12345",
    ];
    if COMMON.contains(&lower.as_str()) || lower.chars().all(|c| lower.starts_with(c)) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_personal_mailbox_is_told_from_a_shared_address() {
        let e = |s| Email::parse(s).expect("email");
        assert_eq!(e("Jo.Bloggs@Gmail.com").personal_provider(), Some("gmail.com"));
        assert_eq!(e("team@hotmail.co.uk").personal_provider(), Some("hotmail.co.uk"));
        assert_eq!(e("programmes@provider.org.uk").personal_provider(), None);
        assert_eq!(e("me@notgmail.com").personal_provider(), None);
    }

    #[test]
    fn roles_parse_from_codes_labels_and_common_spellings() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(*r));
            assert_eq!(Role::parse(r.label()), Ok(*r));
        }
        assert_eq!(Role::parse(" Head Teacher "), Ok(Role::HeadTeacher));
        assert_eq!(Role::parse("headteacher"), Ok(Role::HeadTeacher));
        assert_eq!(Role::parse("Achievement Advisor"), Ok(Role::AchievementAdviser));
        assert_eq!(Role::parse("AfL lead"), Ok(Role::AflLead));
        let e = Role::parse("caretaker").expect_err("not a role");
        assert!(e.to_string().contains("'caretaker' is not a role") && e.to_string().contains("governor"));
    }

    #[test]
    fn grants_are_held_at_the_right_kind_of_place() {
        let u = Urn::parse("100000").expect("urn");
        assert!(Grant::new(Role::HeadTeacher, Scope::School(u), false).is_ok());
        let e = Grant::new(Role::HeadTeacher, Scope::Programme(crate::ids::ProgrammeId::new(1)), false)
            .expect_err("wrong scope");
        assert_eq!(e.to_string(), "Head teacher is held at a school, not at a programme");
        assert!(
            Grant::new(
                Role::AchievementAdviser,
                Scope::Network { programme: crate::ids::ProgrammeId::new(1), network: crate::ids::NetworkId::new(2) },
                false
            )
            .is_ok()
        );
        assert_eq!(Grant::new(Role::Governor, Scope::School(u), true), Err(GrantError::GovernorPupilData));
        let la =
            Scope::LocalAuthority { programme: crate::ids::ProgrammeId::new(1), la: LaCode::parse("353").expect("la") };
        assert!(Grant::new(Role::LaOfficer, la, false).is_ok());
        assert_eq!(Grant::new(Role::LaOfficer, la, true), Err(GrantError::OfficerPupilData));
        assert!(Grant::new(Role::LaOfficer, Scope::School(u), false).is_err());
        assert_eq!(Role::parse("LA officer"), Ok(Role::LaOfficer));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Head@School.Org.UK ").expect("ok").as_str(), "head@school.org.uk");
        for bad in
            ["", "head", "@school.org.uk", "head@school", "a@b@c.uk", "head teacher@school.uk", "x@y.uk\r\nBcc: z"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_passwords_are_long_and_not_obvious() {
        let e = Email::parse("jo.bloggs@school.org.uk").expect("email");
        assert_eq!(check_new_password("short", &e), Err(PasswordError::TooShort));
        assert_eq!(check_new_password("password1234", &e), Err(PasswordError::Common));
        assert_eq!(check_new_password("zzzzzzzzzzzzzz", &e), Err(PasswordError::Common));
        assert_eq!(check_new_password("jo.bloggs-secret-99", &e), Err(PasswordError::ContainsEmail));
        assert_eq!(check_new_password("correct horse battery", &e), Ok(()));
    }
}
