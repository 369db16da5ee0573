//! The programme team's recruitment board: which schools it shows and in what order (by stage,
//! local authority and eligibility, sorted by school, stage, authority, eligibility or the date
//! their stage last changed), the same for the page and its CSV; checking the eligibility of
//! the schools that have no decision yet; and marking an enquiry handled, with a reply.

use chrono::NaiveDate;

use aspire_core::access::Visible;
use aspire_core::eligibility::Outcome;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::Stage;
use aspire_store::{Actor, Db, EnquiryReply, Enrolment, HandleError, ProgrammeError, StoreError};

/// What the board's eligibility filter can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityFilter {
    Is(Outcome),
    /// No decision kept yet.
    NotChecked,
}

impl EligibilityFilter {
    pub const ALL: [EligibilityFilter; 4] = [
        EligibilityFilter::Is(Outcome::Eligible),
        EligibilityFilter::Is(Outcome::NotEligible),
        EligibilityFilter::Is(Outcome::CannotTell),
        EligibilityFilter::NotChecked,
    ];

    /// As the address writes it: "eligible", "not_eligible", "cannot_tell", "not_checked".
    pub fn code(self) -> &'static str {
        match self {
            EligibilityFilter::Is(o) => o.code(),
            EligibilityFilter::NotChecked => "not_checked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EligibilityFilter::Is(o) => o.label(),
            EligibilityFilter::NotChecked => "Not checked",
        }
    }

    fn admits(self, e: Option<Outcome>) -> bool {
        match self {
            EligibilityFilter::Is(o) => e == Some(o),
            EligibilityFilter::NotChecked => e.is_none(),
        }
    }
}

/// The board's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoardSort {
    /// By school name (the default).
    #[default]
    School,
    /// Along the pipeline, then by name.
    Stage,
    /// By local authority, then by name.
    La,
    /// Eligible first, then cannot tell, not eligible, not checked.
    Eligibility,
    /// The most recent change of stage first.
    Changed,
}

impl BoardSort {
    pub const ALL: [BoardSort; 5] =
        [BoardSort::School, BoardSort::Stage, BoardSort::La, BoardSort::Eligibility, BoardSort::Changed];

    pub fn code(self) -> &'static str {
        match self {
            BoardSort::School => "school",
            BoardSort::Stage => "stage",
            BoardSort::La => "la",
            BoardSort::Eligibility => "eligibility",
            BoardSort::Changed => "changed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BoardSort::School => "School name",
            BoardSort::Stage => "Stage",
            BoardSort::La => "Local authority",
            BoardSort::Eligibility => "Eligibility",
            BoardSort::Changed => "Stage last changed, newest first",
        }
    }
}

/// The board's filters and order, as the address carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardQuery {
    pub stage: String,
    pub la: String,
    pub eligibility: String,
    pub sort: String,
}

/// Which query field a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardField {
    Stage,
    Eligibility,
    Sort,
}

/// The board's filters, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub stage: Option<Stage>,
    /// A local authority's name, as the board lists it.
    pub la: Option<String>,
    pub eligibility: Option<EligibilityFilter>,
    pub sort: BoardSort,
}

impl BoardQuery {
    /// Reads the query; every value that is not one of the choices is named at once (an
    /// address typed or kept from an older page), and the filter works without it.
    pub fn check(&self) -> (BoardFilter, Vec<(BoardField, String)>) {
        let mut problems = Vec::new();
        let mut f = BoardFilter::default();
        match self.stage.trim() {
            "" => {}
            s => match Stage::parse(s) {
                Ok(s) => f.stage = Some(s),
                Err(e) => problems.push((BoardField::Stage, capitalised(&e.to_string()))),
            },
        }
        f.la = Some(self.la.trim()).filter(|l| !l.is_empty()).map(str::to_owned);
        match self.eligibility.trim() {
            "" => {}
            s => match EligibilityFilter::ALL.into_iter().find(|c| c.code() == s) {
                Some(c) => f.eligibility = Some(c),
                None => problems.push((
                    BoardField::Eligibility,
                    format!("'{s}' is not an eligibility: choose eligible, not eligible, cannot tell or not checked"),
                )),
            },
        }
        match self.sort.trim() {
            "" => {}
            s => match BoardSort::ALL.into_iter().find(|c| c.code() == s) {
                Some(c) => f.sort = c,
                None => problems.push((
                    BoardField::Sort,
                    format!("'{s}' is not an order of the board: choose school, stage, la, eligibility or changed"),
                )),
            },
        }
        (f, problems)
    }
}

fn capitalised(s: &str) -> String {
    aspire_core::text::capitalise(s)
}

impl BoardFilter {
    /// Whether it filters anything out.
    pub fn narrows(&self) -> bool {
        self.stage.is_some() || self.la.is_some() || self.eligibility.is_some()
    }

    /// The schools it keeps, in its order.
    pub fn apply(&self, schools: Vec<Enrolment>) -> Vec<Enrolment> {
        let mut kept: Vec<Enrolment> = schools
            .into_iter()
            .filter(|e| self.stage.is_none_or(|s| e.status == s))
            .filter(|e| self.la.as_deref().is_none_or(|l| e.la_name.as_deref().unwrap_or(NO_LA) == l))
            .filter(|e| self.eligibility.is_none_or(|c| c.admits(e.eligibility)))
            .collect();
        let name = |e: &Enrolment| e.school_name.as_deref().unwrap_or("").to_lowercase();
        let rank = |e: &Enrolment| match e.eligibility {
            Some(Outcome::Eligible) => 0,
            Some(Outcome::CannotTell) => 1,
            Some(Outcome::NotEligible) => 2,
            None => 3,
        };
        match self.sort {
            BoardSort::School => kept.sort_by_key(|e| (name(e), e.urn)),
            BoardSort::Stage => kept.sort_by_key(|e| (e.status, name(e), e.urn)),
            BoardSort::La => kept.sort_by_key(|e| (e.la_name.is_none(), e.la_name.clone(), name(e), e.urn)),
            BoardSort::Eligibility => kept.sort_by_key(|e| (rank(e), name(e), e.urn)),
            BoardSort::Changed => {
                kept.sort_by_key(|e| (std::cmp::Reverse(e.stage_changed_at), name(e), e.urn));
            }
        }
        kept
    }
}

/// How the board names a school whose local authority is not known (its filter's choice too).
pub const NO_LA: &str = "Local authority not known";

/// The programme's schools in `visible` that the filter keeps, in its order: the board's rows
/// and its CSV's.
pub async fn schools(
    db: &Db,
    programme: ProgrammeId,
    visible: &Visible,
    filter: &BoardFilter,
) -> Result<Vec<Enrolment>, StoreError> {
    Ok(filter.apply(db.enrolments(programme, visible).await?))
}

/// What checking the undecided schools did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Schools that now have a decision.
    pub decided: usize,
    /// Schools still without one (the rule set could not decide them, or there is none).
    pub left: usize,
}

/// Why the undecided schools cannot be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("there is no programme {0}")]
    NoProgramme(ProgrammeId),
    #[error(
        "programme {0} names no eligibility rule set this program knows: choose one on the programme's page, then check again"
    )]
    NoRuleSet(ProgrammeId),
    #[error("{0}")]
    Save(ProgrammeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Decides, under the programme's rule set, every school in it that has no decision yet, and
/// keeps each decision (audited one by one, as an enrolment's decision always is). Schools
/// with a decision keep theirs.
pub async fn check_undecided(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    today: NaiveDate,
) -> Result<Checked, CheckError> {
    let found = db.programme(programme).await?.ok_or(CheckError::NoProgramme(programme))?;
    let known = found
        .rule_set
        .as_deref()
        .is_some_and(|r| aspire_import::load_rule_set(r, &aspire_import::ImportOptions::new(today)).is_ok());
    if !known {
        return Err(CheckError::NoRuleSet(programme));
    }
    let undecided: Vec<_> = db
        .enrolments(programme, &Visible::everything())
        .await?
        .into_iter()
        .filter(|e| e.eligibility.is_none())
        .map(|e| e.urn)
        .collect();
    let mut decided = 0;
    for (urn, check) in crate::recruitment::eligibility_checks(db, &found, &undecided, today).await? {
        db.set_eligibility(actor, programme, urn, &check).await.map_err(CheckError::Save)?;
        decided += 1;
    }
    Ok(Checked { decided, left: undecided.len() - decided })
}

/// The longest reply the board sends.
pub const REPLY_LIMIT: usize = 4000;

/// Why an enquiry cannot be marked handled. Nothing is written or sent when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum HandleEnquiryError {
    #[error("there is no programme {0}")]
    NoProgramme(ProgrammeId),
    #[error("there is no enquiry {0} in this programme")]
    NoEnquiry(i64),
    #[error("this enquiry was marked handled already, perhaps by someone else: reload the board")]
    Handled(i64),
    #[error("shorten the reply to at most {REPLY_LIMIT} characters (it has {0})")]
    ReplyTooLong(usize),
    #[error(
        "the enquirer's details were removed after two years, as the privacy notice says, so no reply can be sent: mark it handled without one"
    )]
    DetailsRemoved,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The reply's text as it is kept and sent: trimmed, with control characters other than line
/// breaks and tabs removed; `None` when nothing is left (the enquiry is marked handled only).
pub fn reply_text(typed: &str) -> Option<String> {
    let text: String =
        typed.replace("\r\n", "\n").chars().filter(|c| matches!(c, '\n' | '\t') || !c.is_control()).collect();
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Marks an enquiry handled; with a reply typed, sends it to the enquirer (the outbox), in the
/// team's words and naming the school and programme from the register, never what the
/// enquirer typed. Returns whether a reply was sent.
pub async fn handle_enquiry(
    db: &Db,
    actor: &Actor,
    programme: ProgrammeId,
    enquiry: i64,
    reply: &str,
) -> Result<bool, HandleEnquiryError> {
    let found = db.programme(programme).await?.ok_or(HandleEnquiryError::NoProgramme(programme))?;
    let text = reply_text(reply);
    if let Some(t) = &text {
        let n = t.chars().count();
        if n > REPLY_LIMIT {
            return Err(HandleEnquiryError::ReplyTooLong(n));
        }
    }
    let enquiries = db.enquiries(programme, &Visible::everything()).await?;
    let q = enquiries.iter().find(|q| q.id == enquiry).ok_or(HandleEnquiryError::NoEnquiry(enquiry))?;
    if text.is_some() && q.contact_email.is_empty() {
        return Err(HandleEnquiryError::DetailsRemoved);
    }
    let school = q.school_name.clone().unwrap_or_else(|| format!("URN {}", q.urn));
    let reply = text.map(|text| EnquiryReply {
        subject: format!("Your enquiry about {}", found.name),
        body: format!(
            "{text}\n\nThe {} team\n\n(This answers the enquiry sent on {} about {school}.)\n",
            found.name,
            q.created_at.format("%-d %B %Y"),
        ),
        text,
    });
    let sent = reply.is_some();
    db.handle_enquiry(actor, programme, enquiry, reply.as_ref()).await.map_err(|e| match e {
        HandleError::NoEnquiry(id) => HandleEnquiryError::NoEnquiry(id),
        HandleError::Handled(id) => HandleEnquiryError::Handled(id),
        HandleError::Store(e) => HandleEnquiryError::Store(e),
    })?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_value_of_the_query_is_named_and_the_rest_still_filters() {
        let q =
            BoardQuery { stage: "done".into(), la: " Oldham ".into(), eligibility: "maybe".into(), sort: "x".into() };
        let (f, problems) = q.check();
        assert_eq!(f.la.as_deref(), Some("Oldham"));
        assert_eq!((f.stage, f.eligibility, f.sort), (None, None, BoardSort::School));
        let fields: Vec<BoardField> = problems.iter().map(|p| p.0).collect();
        assert_eq!(fields, [BoardField::Stage, BoardField::Eligibility, BoardField::Sort]);
        assert!(problems[0].1.starts_with("'done' is not a stage"), "{}", problems[0].1);
        let ok = BoardQuery {
            stage: "enrolled".into(),
            la: String::new(),
            eligibility: "not_checked".into(),
            sort: "changed".into(),
        };
        let (f, problems) = ok.check();
        assert!(problems.is_empty());
        assert_eq!(f.stage, Some(Stage::Enrolled));
        assert_eq!(f.eligibility, Some(EligibilityFilter::NotChecked));
        assert_eq!(f.sort, BoardSort::Changed);
        assert!(f.narrows() && !BoardFilter::default().narrows());
    }

    #[test]
    fn a_reply_keeps_its_lines_and_loses_control_characters() {
        assert_eq!(reply_text("  \r\n "), None);
        assert_eq!(
            reply_text(" Thank you.\r\nWe will call.\u{1b}[2J ").as_deref(),
            Some("Thank you.\nWe will call.[2J")
        );
    }
}
