//! Joining, as the public does it: the programmes still recruiting, the networks starting near a
//! school, and an enquiry from the public form (kept with its school's eligibility,
//! acknowledged to the sender without repeating what they typed, and told to the team).
//!
//! Where a programme recruits is public by design, so these read programmes and their areas
//! whole; an enquiry's contact details are read only by the team (through `Db::enquiries`).

use chrono::{DateTime, Months, NaiveDate, Utc};

use aspire_core::eligibility::Outcome;
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{ACKNOWLEDGEMENT_SUBJECT, CONTACT_KEPT_DAYS, EnquiryContact};
use aspire_core::urn::Urn;
use aspire_store::{
    Actor, Db, DirectoryIndex, DirectoryQuery, EligibilityCheck, Mail, NewEnquiry, Programme, ProgrammeArea,
    ProgrammeError, SITE_PLACEHOLDER, StoreError,
};

use crate::recruitment::{OpenProgramme, eligibility_checks, open_programmes};

/// The last day a programme takes schools: its end, or the end of its template's years from its
/// start (a year when it names no template), whichever is first. `None`: no date says.
pub fn recruiting_until(p: &Programme) -> Option<NaiveDate> {
    let years = p.template.as_deref().and_then(|t| aspire_import::load_template(t).ok()).map_or(1, |t| t.years.max(1));
    let by_years = p.starts_on.and_then(|s| s.checked_add_months(Months::new(12 * years)));
    match (p.ends_on, by_years) {
        (Some(e), Some(y)) => Some(e.min(y)),
        (e, y) => e.or(y),
    }
}

/// Whether a programme still takes schools on `today` (networks may start through its years).
pub fn still_recruiting(p: &Programme, today: NaiveDate) -> bool {
    recruiting_until(p).is_none_or(|last| today <= last)
}

/// The programmes still recruiting that name their areas: what `/join` offers.
pub async fn recruiting_programmes(db: &Db, today: NaiveDate) -> Result<Vec<OpenProgramme>, StoreError> {
    Ok(open_programmes(db).await?.into_iter().filter(|o| still_recruiting(&o.programme, today)).collect())
}

/// Where a school is, as the matching of areas needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolPlace {
    pub urn: Urn,
    pub name: String,
    pub town: Option<String>,
    pub la_name: Option<String>,
    pub district_name: Option<String>,
    /// "Open", "Closed", ... as the register says.
    pub status: Option<String>,
}

/// Whether a programme's area covers a school: the one rule, so that it can move to area codes.
/// Today an area is a name: the school's local authority or district, compared ignoring case.
pub fn area_covers(area: &ProgrammeArea, school: &SchoolPlace) -> bool {
    let same = |n: &Option<String>| n.as_deref().is_some_and(|n| n.trim().eq_ignore_ascii_case(area.area.trim()));
    same(&school.la_name) || same(&school.district_name)
}

/// A programme recruiting near what was searched for: the areas that matched, and the schools
/// found in them.
#[derive(Debug, Clone)]
pub struct NearOffer {
    pub offer: OpenProgramme,
    /// Names of the schools found that lie in its areas.
    pub schools: Vec<String>,
}

/// What "networks starting near you" found.
#[derive(Debug, Clone, Default)]
pub struct Nearby {
    /// Schools in the register matching the search (at most [`NEAR_SCHOOLS`]).
    pub schools: Vec<SchoolPlace>,
    /// Whether more schools matched than were looked at.
    pub more: bool,
    /// Whether the search named a place (a town, local authority or postcode district) rather
    /// than a school: then the answer is the programmes near it, not a list of schools.
    pub place: bool,
    pub offers: Vec<NearOffer>,
}

/// Whether a search names the place a school is in: its town, its local authority, or its
/// postcode district (the part before the space, e.g. "BD21").
fn names_place(text: &str, s: &aspire_store::SchoolSummary) -> bool {
    let same = |v: &Option<String>| v.as_deref().is_some_and(|v| v.trim().eq_ignore_ascii_case(text));
    let district = s.postcode.as_deref().and_then(|p| p.split_whitespace().next());
    same(&s.town) || same(&s.la_name) || district.is_some_and(|d| d.eq_ignore_ascii_case(text))
}

/// Open, and not an independent school, as the register says.
fn open_state_school(s: &aspire_store::SchoolSummary) -> bool {
    let closed = s.status.as_deref().is_some_and(|st| st.eq_ignore_ascii_case("closed"));
    let independent = s.type_name.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("independent"));
    !closed && !independent
}

/// How many matching schools are looked at.
pub const NEAR_SCHOOLS: usize = 20;

/// Finds the schools a search names (name, town, LA or postcode district, through the
/// register's directory), then the recruiting programmes whose areas cover one of them or whose
/// area names contain the search.
pub async fn near(db: &Db, index: &DirectoryIndex, text: &str, today: NaiveDate) -> Result<Nearby, StoreError> {
    let text = text.trim();
    let mut out = Nearby::default();
    if text.is_empty() {
        return Ok(out);
    }
    let found = index.search(&DirectoryQuery {
        text: Some(text.to_owned()),
        page: 1,
        per_page: 0,
        ..DirectoryQuery::default()
    });
    out.place = found.rows.iter().any(|s| names_place(text, s));
    // Only open state schools are looked at: for a place, those in it; else those named.
    let rows: Vec<_> =
        found.rows.into_iter().filter(|s| open_state_school(s) && (!out.place || names_place(text, s))).collect();
    out.more = rows.len() > NEAR_SCHOOLS;
    for s in rows.into_iter().take(NEAR_SCHOOLS) {
        let district_name = db.school_where(s.urn).await?.and_then(|w| w.district_name);
        out.schools.push(SchoolPlace {
            urn: s.urn,
            name: s.name.unwrap_or_else(|| format!("URN {}", s.urn)),
            town: s.town,
            la_name: s.la_name,
            district_name,
            status: s.status,
        });
    }
    let needle = text.to_lowercase();
    for mut offer in recruiting_programmes(db, today).await? {
        let mut schools = Vec::new();
        offer.areas.retain(|a| {
            let covering: Vec<&SchoolPlace> = out.schools.iter().filter(|s| area_covers(a, s)).collect();
            for s in &covering {
                if !schools.contains(&s.name) {
                    schools.push(s.name.clone());
                }
            }
            !covering.is_empty() || a.area.to_lowercase().contains(&needle)
        });
        if !offer.areas.is_empty() {
            out.offers.push(NearOffer { offer, schools });
        }
    }
    Ok(out)
}

/// A school's place from the register, for the enquiry's answer.
pub async fn school_place(db: &Db, urn: Urn) -> Result<Option<SchoolPlace>, StoreError> {
    Ok(db.school_where(urn).await?.map(|s| SchoolPlace {
        urn,
        name: s.name.unwrap_or_else(|| format!("URN {urn}")),
        town: s.town,
        la_name: s.la_name,
        district_name: s.district_name,
        status: s.status,
    }))
}

/// The address the public writes to about a programme: the team's, or the service's default.
pub async fn contact(db: &Db, programme: ProgrammeId, default: &str) -> Result<String, StoreError> {
    Ok(db.programme_contact(programme).await?.unwrap_or_else(|| default.to_owned()))
}

/// How the enquiry form is limited and where it writes.
#[derive(Debug, Clone)]
pub struct EnquirySettings {
    /// The service's contact address, for programmes that have none of their own.
    pub default_contact: String,
    /// Enquiries kept about one school in a day (any programme, any address).
    pub per_school_per_day: u64,
    /// The team's board, as a path on this site (for the team's notice).
    pub board_path: String,
    /// The privacy notice, as a path on this site (for the acknowledgement).
    pub privacy_path: String,
}

/// Why an enquiry was not kept. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EnquiryError {
    #[error("this programme is not taking enquiries")]
    NotRecruiting,
    #[error("URN {0} is not in the register")]
    UnknownSchool(Urn),
    /// The school has sent as many enquiries as a day allows; write to the contact instead.
    #[error("{count} enquiries about this school have been sent today: write to {contact} instead")]
    SchoolLimit { count: u64, contact: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Save(ProgrammeError),
}

/// What keeping an enquiry did, and what to tell the sender honestly.
#[derive(Debug, Clone)]
pub struct EnquirySent {
    pub id: i64,
    /// Whether an acknowledgement was queued (at most one a day to one address).
    pub acknowledged: bool,
    pub check: Option<EligibilityCheck>,
}

/// Keeps an enquiry from the public form with its school's eligibility, queueing in the same
/// transaction an acknowledgement to the sender (unless one went to that address in the last
/// day; it never repeats what was typed, so the form cannot carry anyone's words to an
/// address) and a notice to the programme's contact address.
pub async fn send_enquiry(
    db: &Db,
    actor: &Actor,
    programme: &Programme,
    urn: Urn,
    contact: EnquiryContact,
    settings: &EnquirySettings,
    now: DateTime<Utc>,
) -> Result<EnquirySent, EnquiryError> {
    let today = now.date_naive();
    if !still_recruiting(programme, today) {
        return Err(EnquiryError::NotRecruiting);
    }
    let Some(place) = school_place(db, urn).await? else { return Err(EnquiryError::UnknownSchool(urn)) };
    let to_team = crate::join::contact(db, programme.id, &settings.default_contact).await?;
    let count = db.enquiries_about_since(urn, now - chrono::Duration::days(1)).await?;
    if count >= settings.per_school_per_day {
        return Err(EnquiryError::SchoolLimit { count, contact: to_team });
    }
    let check = eligibility_checks(db, programme, &[urn], today).await?.into_iter().next().map(|(_, c)| c);
    let address = contact.email().as_str().to_owned();
    let acknowledged = !db.mailed_since(&address, ACKNOWLEDGEMENT_SUBJECT, now - chrono::Duration::days(1)).await?;
    let mut mail = Vec::new();
    if acknowledged {
        mail.push(Mail {
            recipient: address,
            subject: ACKNOWLEDGEMENT_SUBJECT.to_owned(),
            body: format!(
                "Thank you for asking about joining {name}. Your enquiry has reached the programme team, who \
                 will reply from {to_team}.\n\nIf you did not send an enquiry, someone may have typed your address \
                 by mistake: you need do nothing, and this service will not write to you again about it.\n\n\
                 How the enquiry form keeps your details, and for how long ({years} years): {SITE_PLACEHOLDER}{privacy}\n",
                name = programme.name,
                years = CONTACT_KEPT_DAYS / 365,
                privacy = settings.privacy_path,
            ), calendar: None });
    }
    let outcome = check.as_ref().map_or("not checked (the programme names no rule set)", |c| match c.outcome {
        Outcome::Eligible => "eligible",
        Outcome::NotEligible => "not eligible",
        Outcome::CannotTell => "eligibility cannot be told from public data",
    });
    mail.push(Mail {
        recipient: to_team,
        subject: format!("New enquiry about {}: {} (URN {urn})", programme.name, place.name),
        body: format!(
            "An enquiry about {} has come from {} (URN {urn}, {}): {outcome}.\n\nRead it and reply on the \
             recruitment board: {SITE_PLACEHOLDER}{}\n",
            programme.name,
            place.name,
            place.la_name.as_deref().unwrap_or("local authority not recorded"),
            settings.board_path,
        ),
        calendar: None,
    });
    let enquiry = NewEnquiry { urn, contact };
    let id =
        db.record_enquiry_with_mail(actor, programme.id, &enquiry, check.as_ref(), &mail).await.map_err(
            |e| match e {
                ProgrammeError::UnknownSchool(u) => EnquiryError::UnknownSchool(u),
                ProgrammeError::Store(s) => EnquiryError::Store(s),
                e => EnquiryError::Save(e),
            },
        )?;
    Ok(EnquirySent { id, acknowledged, check })
}

/// Removes the contact details of enquiries older than the period the privacy notice states
/// (and the addresses of their acknowledgements): run by the server every hour.
pub async fn remove_expired_contacts(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let before = now - chrono::Duration::days(i64::try_from(CONTACT_KEPT_DAYS).unwrap_or(730));
    db.remove_enquiry_contacts(&Actor::system(None), before, ACKNOWLEDGEMENT_SUBJECT).await
}

/// The heads who offered to be asked whose school took part in this programme (enrolled, or
/// completed it): a request says "a school that took part in" it, so it reaches only one of them.
pub async fn volunteers_for(
    db: &Db,
    programme: ProgrammeId,
) -> Result<Vec<(aspire_core::people::PersonId, String, Urn)>, StoreError> {
    use aspire_core::recruitment::Stage;
    let took_part: std::collections::HashSet<Urn> = db
        .enrolments(programme, &aspire_core::access::Visible::everything())
        .await?
        .into_iter()
        .filter(|e| matches!(e.status, Stage::Enrolled | Stage::Completed))
        .map(|e| e.urn)
        .collect();
    let mut all = db.head_volunteers().await?;
    all.retain(|(_, _, urn)| took_part.contains(urn));
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programme(template: Option<&str>, starts: Option<&str>, ends: Option<&str>) -> Programme {
        Programme {
            id: ProgrammeId::new(1),
            name: "P".into(),
            template: template.map(Into::into),
            rule_set: None,
            starts_on: starts.map(|d| d.parse().expect("date")),
            ends_on: ends.map(|d| d.parse().expect("date")),
            created_at: Utc::now(),
            schools: 0,
            networks: 0,
        }
    }

    #[test]
    fn a_programme_recruits_until_its_end_or_its_years_are_over() {
        let day = |s: &str| s.parse::<NaiveDate>().expect("date");
        let ended = programme(Some("tlif-2017"), Some("2017-11-01"), Some("2018-07-31"));
        assert!(still_recruiting(&ended, day("2018-07-31")) && !still_recruiting(&ended, day("2018-08-01")));
        // No end date: a three-year template runs three years from its start.
        let three = programme(Some("partnership-3-year"), Some("2020-09-01"), None);
        assert_eq!(recruiting_until(&three), Some(day("2023-09-01")));
        assert!(!still_recruiting(&three, day("2026-01-01")));
        // No template: a year.
        assert_eq!(recruiting_until(&programme(None, Some("2020-09-01"), None)), Some(day("2021-09-01")));
        assert!(still_recruiting(&programme(None, None, None), day("2030-01-01")));
    }

    #[test]
    fn an_area_covers_the_schools_of_its_la_or_district() {
        let school = SchoolPlace {
            urn: Urn::parse("100000").expect("urn"),
            name: "A school".into(),
            town: Some("Keighley".into()),
            la_name: Some("Bradford".into()),
            district_name: Some("Bradford".into()),
            status: None,
        };
        let area = |n: &str| ProgrammeArea { area: n.into(), planned_networks: 1 };
        assert!(area_covers(&area(" bradford "), &school));
        assert!(!area_covers(&area("Keighley"), &school), "a town is not an area");
        assert!(!area_covers(&area("Leeds"), &school));
    }
}
