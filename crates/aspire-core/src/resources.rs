//! The strategies and resources a planned day introduced: files (within a size and a list of
//! types, each file's content checked against its name) and links, and who they are shared
//! with. The programme team and the network's Achievement Adviser add them and see them at any
//! time; the people of the network's schools see them once the day has been held, on the day's
//! and the network's pages.

use chrono::NaiveDate;

use crate::access::{Action, Place, Principal, Record};
use crate::people::{NetworkId, ProgrammeId, Role, Scope};
use crate::urn::Urn;

/// The largest file a day may carry: 4 MB (the upload's form fits inside the site's 5 MB).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// The most resources one day carries.
pub const MAX_PER_DAY: usize = 30;
/// The longest title.
pub const MAX_TITLE: usize = 200;
/// The longest link.
pub const MAX_LINK: usize = 2000;

/// The kinds of file a day may carry: documents, slides, spreadsheets, pictures and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Word,
    PowerPoint,
    Excel,
    Png,
    Jpeg,
    Text,
    Csv,
}

impl FileType {
    pub const ALL: [FileType; 8] = [
        FileType::Pdf,
        FileType::Word,
        FileType::PowerPoint,
        FileType::Excel,
        FileType::Png,
        FileType::Jpeg,
        FileType::Text,
        FileType::Csv,
    ];

    /// The file name endings of the type.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Word => &["docx"],
            FileType::PowerPoint => &["pptx"],
            FileType::Excel => &["xlsx"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Text => &["txt"],
            FileType::Csv => &["csv"],
        }
    }

    /// The media type a download is sent with.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Word => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::PowerPoint => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileType::Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Text => "text/plain; charset=utf-8",
            FileType::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The type a stored media type names.
    pub fn from_media_type(media: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.media_type() == media)
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Word => "Word document",
            FileType::PowerPoint => "PowerPoint slides",
            FileType::Excel => "Excel workbook",
            FileType::Png => "PNG picture",
            FileType::Jpeg => "JPEG picture",
            FileType::Text => "text",
            FileType::Csv => "CSV",
        }
    }

    /// Whether the content is what the name says: the format's signature at its start (Office
    /// files are ZIP archives), or text that is UTF-8.
    fn matches(self, bytes: &[u8]) -> bool {
        match self {
            FileType::Pdf => bytes.starts_with(b"%PDF-"),
            FileType::Word | FileType::PowerPoint | FileType::Excel => bytes.starts_with(b"PK\x03\x04"),
            FileType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            FileType::Jpeg => bytes.starts_with(b"\xff\xd8\xff"),
            FileType::Text | FileType::Csv => std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
        }
    }
}

/// The endings accepted, for forms and messages: ".pdf, .docx, …".
pub fn accepted() -> String {
    FileType::ALL.iter().flat_map(|t| t.extensions()).map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")
}

/// Why a resource cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    #[error("give the resource a title")]
    NoTitle,
    #[error("the title is {0} characters long: at most {MAX_TITLE}")]
    LongTitle(usize),
    #[error("choose a file, or give a link")]
    Nothing,
    #[error("the file {0} is empty")]
    Empty(String),
    #[error("the file {name} is {size}: a file may be at most 4 MB")]
    TooLarge { name: String, size: String },
    #[error("the file {name} is not a type a day may carry: use {accepted}")]
    NotAllowed { name: String, accepted: String },
    #[error("the file {name} does not hold what its name says (a {label} file): save it again as that type")]
    NotWhatItSays { name: String, label: &'static str },
    #[error("the link '{0}' is not a web address: give one starting https:// (or http://)")]
    NotALink(String),
    #[error("the link is {0} characters long: at most {MAX_LINK}")]
    LongLink(usize),
    #[error("the day already carries {MAX_PER_DAY} resources: remove one first")]
    Full,
}

fn size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// A title, trimmed, present and not too long.
pub fn check_title(title: &str) -> Result<String, ResourceError> {
    let t = title.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(ResourceError::NoTitle);
    }
    if n > MAX_TITLE {
        return Err(ResourceError::LongTitle(n));
    }
    Ok(t.chars().filter(|c| !c.is_control()).collect())
}

/// A file's type from its name, checked against its content and its size.
pub fn check_file(name: &str, bytes: &[u8]) -> Result<FileType, ResourceError> {
    let shown = file_name(name);
    if bytes.is_empty() {
        return Err(ResourceError::Empty(shown));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ResourceError::TooLarge { name: shown, size: size(bytes.len()) });
    }
    let ext = shown.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let t = FileType::ALL
        .into_iter()
        .find(|t| t.extensions().contains(&ext.as_str()))
        .ok_or_else(|| ResourceError::NotAllowed { name: shown.clone(), accepted: accepted() })?;
    if !t.matches(bytes) {
        return Err(ResourceError::NotWhatItSays { name: shown, label: t.label() });
    }
    Ok(t)
}

/// The last part of an uploaded file's name (browsers may send a path), without characters
/// that would break a download's header, at most 120 characters.
pub fn file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String =
        last.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';')).take(120).collect::<String>();
    let clean = clean.trim().to_owned();
    if clean.is_empty() { "file".to_owned() } else { clean }
}

/// A link, trimmed: an http or https address with a host, without spaces.
pub fn check_link(link: &str) -> Result<String, ResourceError> {
    let l = link.trim();
    if l.len() > MAX_LINK {
        return Err(ResourceError::LongLink(l.len()));
    }
    let lower = l.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = host.is_some_and(|h| !h.is_empty() && h.contains('.') && !h.starts_with('.') && !h.contains('@'))
        && !l.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>'));
    if !ok {
        return Err(ResourceError::NotALink(l.chars().take(80).collect()));
    }
    Ok(l.to_owned())
}

/// Whom a day's resources are for: a day of `network` (whose schools are `schools`), held on
/// `held_on`, seen on `today`.
pub fn shared_with(
    p: &Principal,
    programme: ProgrammeId,
    network: NetworkId,
    schools: &[Urn],
    held_on: NaiveDate,
    today: NaiveDate,
) -> bool {
    may_add(p, programme, network)
        || (held_on <= today
            && p.grants
                .iter()
                .any(|g| g.role.is_school_role() && matches!(g.scope, Scope::School(u) if schools.contains(&u))))
}

/// Who adds and removes a day's resources: the programme team and the network's adviser.
pub fn may_add(p: &Principal, programme: ProgrammeId, network: NetworkId) -> bool {
    p.may(Action::Change, Record::Network, &Place::network(programme, network))
        || p.grants
            .iter()
            .any(|g| g.role == Role::AchievementAdviser && g.scope == Scope::Network { programme, network })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::{Grant, PersonId};

    fn who(grants: &[(Role, Scope)]) -> Principal {
        Principal {
            person: PersonId::new(1),
            grants: grants.iter().map(|(r, s)| Grant::new(*r, *s, false).expect("grant")).collect(),
            memberships: Vec::new(),
            la_schools: Vec::new(),
        }
    }

    #[test]
    fn a_file_is_checked_by_its_name_its_content_and_its_size() {
        assert_eq!(check_file("slides.PPTX", b"PK\x03\x04rest"), Ok(FileType::PowerPoint));
        assert_eq!(check_file("C:\\Users\\me\\plan.pdf", b"%PDF-1.7"), Ok(FileType::Pdf));
        assert_eq!(check_file("notes.txt", "Reading: phonics first".as_bytes()), Ok(FileType::Text));
        assert!(matches!(check_file("tool.exe", b"MZ"), Err(ResourceError::NotAllowed { .. })));
        assert!(matches!(check_file("noending", b"x"), Err(ResourceError::NotAllowed { .. })));
        let e = check_file("fake.pdf", b"<html>").expect_err("not a PDF");
        assert_eq!(
            e.to_string(),
            "the file fake.pdf does not hold what its name says (a PDF file): save it again as that type"
        );
        assert!(matches!(check_file("empty.csv", b""), Err(ResourceError::Empty(_))));
        assert!(matches!(check_file("bin.txt", b"a\0b"), Err(ResourceError::NotWhatItSays { .. })));
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        let e = check_file("big.txt", &big).expect_err("too large");
        assert_eq!(e.to_string(), "the file big.txt is 4.0 MB: a file may be at most 4 MB");
        assert!(check_file("just.txt", &big[..MAX_FILE_BYTES]).is_ok());
        assert_eq!(file_name("../a/b\"c;.pdf"), "bc.pdf");
    }

    #[test]
    fn a_link_is_a_web_address_and_a_title_is_short() {
        assert_eq!(
            check_link(" https://educationendowmentfoundation.org.uk/x?y=1 "),
            Ok("https://educationendowmentfoundation.org.uk/x?y=1".into())
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://a.b/c",
            "https://",
            "https://localhost/",
            "http://a b.com",
            "www.x.org",
            "https://u@evil.com",
        ] {
            assert!(matches!(check_link(bad), Err(ResourceError::NotALink(_))), "{bad}");
        }
        assert!(matches!(
            check_link(&format!("https://a.org/{}", "x".repeat(MAX_LINK))),
            Err(ResourceError::LongLink(_))
        ));
        assert_eq!(check_title("  Questioning  "), Ok("Questioning".into()));
        assert_eq!(check_title(" "), Err(ResourceError::NoTitle));
        assert!(matches!(check_title(&"x".repeat(MAX_TITLE + 1)), Err(ResourceError::LongTitle(_))));
    }

    #[test]
    fn the_team_and_the_adviser_see_a_days_resources_at_once_the_networks_schools_after_the_day() {
        let (p, n) = (ProgrammeId::new(3), NetworkId::new(9));
        let member = Urn::parse("100001").expect("urn");
        let outsider = Urn::parse("100002").expect("urn");
        let day = NaiveDate::from_ymd_opt(2018, 1, 16).expect("date");
        let before = day.pred_opt().expect("date");
        let sees = |g: &[(Role, Scope)], today| shared_with(&who(g), p, n, &[member], day, today);
        for g in [
            (Role::Admin, Scope::Platform),
            (Role::ProgrammeAdmin, Scope::Programme(p)),
            (Role::AchievementAdviser, Scope::Network { programme: p, network: n }),
        ] {
            assert!(sees(&[g], before), "{g:?} before the day");
            assert!(may_add(&who(&[g]), p, n), "{g:?} adds");
        }
        for r in [Role::HeadTeacher, Role::Teacher, Role::Governor] {
            assert!(!sees(&[(r, Scope::School(member))], before), "{r:?} not before the day");
            assert!(sees(&[(r, Scope::School(member))], day), "{r:?} on the day");
            assert!(!may_add(&who(&[(r, Scope::School(member))]), p, n), "{r:?} does not add");
        }
        assert!(!sees(&[(Role::HeadTeacher, Scope::School(outsider))], day), "another network's head");
        assert!(!sees(&[(Role::AchievementAdviser, Scope::Network { programme: p, network: NetworkId::new(8) })], day));
        assert!(!sees(&[(Role::Evaluator, Scope::Programme(p))], day), "the evaluator");
        assert!(!sees(&[(Role::ProgrammeAdmin, Scope::Programme(ProgrammeId::new(4)))], day), "another programme");
    }
}
