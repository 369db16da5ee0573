//! A school's year (its days and seats, nominations with a substitute, staff release, its staff
//! list and whole-school reach, and what it does next), a day's roll on a phone, and a person's
//! week (an adviser's days and schools; a head's schools). The checks are the use cases'
//! (`aspire_app::school_year`); the guard has asked the policy about the school or the day.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use aspire_app::school_year::{self, Nomination, YearError};
use aspire_core::access::{Action, Place, Record};
use aspire_core::attendance::Mark;
use aspire_core::people::{PersonId, ProgrammeId, Role};
use aspire_core::reach::{ReachedBy, StaffRole};
use aspire_core::template::{Term, Venue};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;
use aspire_store::{EventStatus, Programme, ProgrammeError, RegistrationStatus};

use crate::auth::Viewer;
use crate::extract::Path;
use crate::routes::page;
use crate::routes::programmes::find_programme;
use crate::urls;
use crate::{AppState, WebError};

use aspire_core::dates::long;

fn parse_urn(urn: &str) -> Result<Urn, WebError> {
    Urn::parse(urn).map_err(|e| WebError::BadRequest(format!("{}.", capitalise(&e.to_string()))))
}

/// A use case's refusal as the page says it; faults of the store are not the user's to fix.
fn refusal(e: YearError) -> Result<String, WebError> {
    match e {
        YearError::Store(e) | YearError::Save(ProgrammeError::Store(e)) => Err(e.into()),
        YearError::NoSuchDay(d) => Err(WebError::NotFound(format!("There is no day {d} in this programme."))),
        YearError::Save(ProgrammeError::Field { field, problem }) => Ok(format!("The {field} {problem}.")),
        other => Ok(format!("{}.", capitalise(other.to_string().trim_end_matches('.')))),
    }
}

struct SeatRow {
    role: String,
    code: String,
    person: Option<String>,
    substitute: Option<String>,
    waiting: bool,
    registration: Option<i64>,
    /// The person holding it is marked on the day's roll.
    marked: bool,
}

struct DayRow {
    id: i64,
    date: String,
    /// yyyy-mm-dd, for links to the week of the day.
    iso: String,
    term: String,
    name: String,
    place: String,
    cancelled: Option<String>,
    /// Recorded as held: a place there is no longer withdrawn (its roll says who came).
    held: bool,
    seats: Vec<SeatRow>,
}

struct ReleaseRow {
    term: String,
    role: String,
    asked_off: u32,
    asked_in: u32,
    used: u32,
}

struct ReachRow {
    term: String,
    code: String,
    staff: u32,
    reached: u32,
    share: String,
    by: String,
}

struct StaffRow {
    id: i64,
    name: String,
    role: &'static str,
    left: Option<String>,
    left_on: String,
    joined: Option<String>,
    /// On the staff in the term the reach form is for.
    in_term: bool,
    /// How they were reached in the term the form is for: code, label, ticked by the school,
    /// and what the days' rolls say (a day's name and date), which the school does not untick.
    how: Vec<(&'static str, &'static str, bool, Option<String>)>,
    /// The person with an account they are, by name: the days' rolls count for their reach.
    account: Option<String>,
}

struct CalendarRow {
    term: String,
    dates: String,
    half_term: String,
    source: &'static str,
    closures: Vec<String>,
}

#[derive(Template)]
#[template(path = "school_year.html")]
struct SchoolYearPage {
    /// A `?term=` the year does not have, said rather than silently replaced.
    term_set_aside: Option<String>,
    programme: Programme,
    urn: Urn,
    school: String,
    can_change: bool,
    see_people: bool,
    network: Option<(i64, String)>,
    /// Whether the viewer may open the network's page and its days' (not an LA officer).
    network_open: bool,
    next: Vec<(Option<i64>, String)>,
    days: Vec<DayRow>,
    people: Vec<(i64, String)>,
    /// The school's terms: name, dates, half-term, where the dates came from, closure days.
    calendar: Vec<CalendarRow>,
    release_from_plan: bool,
    release: Vec<ReleaseRow>,
    release_total: (u32, u32),
    reach: Vec<ReachRow>,
    staff: Vec<StaffRow>,
    /// The school's people with an account not on its staff list (id, name): linked to a row,
    /// or added, their days' rolls count for reach.
    unlisted: Vec<(i64, String)>,
    terms: Vec<(String, String, bool)>,
    reach_term: String,
    reach_term_code: String,
    problem: Option<(Option<i64>, String)>,
    /// What a refused form had in it, to show it again.
    kept: Kept,
    done: Option<String>,
    staff_roles: Vec<(&'static str, &'static str)>,
    csrf: String,
}

/// A refused form's input, shown again so nothing typed is lost.
#[derive(Debug, Default, Clone)]
struct Kept {
    staff: String,
    /// The day typed as when the staff added joined the school.
    joined: String,
    /// A nomination: its day, seat, person and substitute as sent.
    nomination: Option<(i64, String, String, String)>,
}

impl Kept {
    /// Was this person chosen as `who` ("person" or "substitute") for the seat at the day?
    fn chose(&self, day: &i64, seat: &str, who: &str, person: &i64) -> bool {
        self.nomination.as_ref().is_some_and(|(d, s, p, sub)| {
            d == day && s == seat && (if who == "person" { p } else { sub }) == &person.to_string()
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    /// The term the reach form is for (its code).
    #[serde(default)]
    term: String,
    /// What the last change did, to say so.
    #[serde(default)]
    done: String,
    /// Staff added who were linked to accounts by their names (a count; anything else is none).
    #[serde(default)]
    linked: String,
    /// Staff added from the school's accounts (a count).
    #[serde(default)]
    added: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    urn: Urn,
    q: &YearQuery,
    problem: Option<(Option<i64>, String)>,
    kept: Kept,
) -> Result<Html<String>, WebError> {
    let e = state
        .db
        .enrolment(id, urn)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("URN {urn} is not in programme {id}.")))?;
    let p = viewer.require(Action::View, Record::Enrolment, &e.place())?;
    let can_change = p.may(Action::Change, Record::Enrolment, &e.place());
    // A local authority's officer reads the school's days, not who its staff are.
    let see_people = p.may(Action::View, Record::Person, &e.place());
    let programme = find_programme(state, id).await?;
    let today = state.today();
    let year = match school_year::school_year(&state.db, id, urn, today).await {
        Ok(y) => y,
        Err(e) => return Err(WebError::BadRequest(refusal(e)?)),
    };
    let mut places: Vec<Urn> = year.days.iter().filter_map(|d| d.place).collect();
    places.push(urn);
    let names = state.db.school_names(&places).await?;
    let school = names.get(&urn).cloned().unwrap_or_else(|| format!("School {urn}"));
    let network = match year.network {
        Some(n) => state.db.network(n).await?.map(|x| (i64::from(n), x.name)),
        None => None,
    };
    let network_open = year.network.is_some_and(|n| p.may(Action::View, Record::Network, &Place::network(id, n)));
    let days = year
        .days
        .iter()
        .map(|d| DayRow {
            id: d.event.id,
            date: long(d.event.held_on),
            iso: d.event.held_on.to_string(),
            term: d.event.term.label(),
            name: d.name.clone(),
            place: match (d.venue, d.place) {
                (Venue::School, _) => "In school".to_owned(),
                (Venue::Network, Some(u)) => names.get(&u).cloned().unwrap_or_else(|| format!("School {u}")),
                (Venue::Network, None) => "Venue to be set".to_owned(),
            },
            cancelled: (d.event.status == EventStatus::Cancelled)
                .then(|| d.event.cancel_reason.clone().unwrap_or_else(|| "no reason given".into())),
            held: d.event.held_recorded,
            seats: d
                .seats
                .iter()
                .map(|s| SeatRow {
                    role: s.role.label().to_owned(),
                    code: s.role.code().to_owned(),
                    person: if see_people { s.person.clone() } else { s.person.as_ref().map(|_| "Nominated".into()) },
                    substitute: if see_people {
                        s.substitute.clone()
                    } else {
                        s.substitute.as_ref().map(|_| "Named".into())
                    },
                    waiting: s.registration.as_ref().is_some_and(|r| r.status == RegistrationStatus::Waiting),
                    registration: s.registration.as_ref().map(|r| r.id),
                    marked: s.marked,
                })
                .collect(),
        })
        .collect();
    let release = aspire_app::programme_year::school_release(&state.db, id, urn)
        .await
        .map_err(|e| WebError::BadRequest(capitalise(&e.to_string())))?;
    let mut rows: BTreeMap<(Term, Role), ReleaseRow> = BTreeMap::new();
    for ((t, r), a) in &release.asked {
        rows.insert(
            (*t, *r),
            ReleaseRow {
                term: t.label(),
                role: r.label().to_owned(),
                asked_off: a.off_site,
                asked_in: a.in_school,
                used: 0,
            },
        );
    }
    for ((t, r), u) in &release.used {
        let row = rows.entry((*t, *r)).or_insert_with(|| ReleaseRow {
            term: t.label(),
            role: r.label().to_owned(),
            asked_off: 0,
            asked_in: 0,
            used: 0,
        });
        row.used += u.total();
    }
    let release_total = release.asked.values().fold((0, 0), |(o, i), a| (o + a.off_site, i + a.in_school));
    let full = aspire_app::reach::school_reach_in_full(&state.db, id, urn)
        .await
        .map_err(|e| WebError::BadRequest(capitalise(&e.to_string())))?;
    let reach = &full.terms;
    let terms: Vec<Term> = reach.keys().copied().collect();
    // A term asked for that the year does not have (an old or edited address) is said.
    let term_set_aside = (!q.term.is_empty() && !terms.iter().any(|t| t.code() == q.term))
        .then(|| format!("The year has no term '{}', so the reach shown is for the current term.", q.term));
    let reach_term = terms
        .iter()
        .find(|t| t.code() == q.term)
        .or_else(|| terms.iter().rev().find(|t| crate::routes::school_year::term_begun(**t, today)))
        .or(terms.first())
        .copied();
    // Who is on the staff list and how each was reached, for those who see the school's people.
    let records = &full.recorded;
    let rolls = &full.rolls;
    let listed = if see_people { full.staff.clone() } else { Vec::new() };
    let unlisted: Vec<(i64, String)> = match see_people {
        true => aspire_app::reach::not_on_the_list(&state.db, urn)
            .await
            .map_err(|e| WebError::BadRequest(refusal(e).unwrap_or_default()))?
            .into_iter()
            .map(|(p, n)| (i64::from(p), n))
            .collect(),
        false => Vec::new(),
    };
    let account_names: BTreeMap<PersonId, String> =
        if see_people { year.people.iter().cloned().collect() } else { BTreeMap::new() };
    let staff = listed
        .into_iter()
        .map(|s| StaffRow {
            in_term: reach_term.is_none_or(|t| {
                let (starts, ends) = aspire_app::programme_year::term_months(t);
                aspire_core::reach::StaffMember { id: s.id, role: s.role, left_on: s.left_on, joined_on: s.joined_on }
                    .on_staff(starts, ends)
            }),
            how: ReachedBy::ALL
                .iter()
                .map(|h| {
                    let ticked = records.iter().any(|(sid, t, by)| *sid == s.id && Some(*t) == reach_term && by == h);
                    let roll = rolls
                        .iter()
                        .find(|r| r.staff == s.id && Some(r.term) == reach_term && r.how == *h)
                        .map(|r| format!("the {} on {}", r.day, long(r.held_on)));
                    (h.code(), h.label(), ticked, roll)
                })
                .collect(),
            account: s.person.map(|p| account_names.get(&p).cloned().unwrap_or_else(|| "an account".to_owned())),
            id: s.id,
            name: s.name,
            role: s.role.label(),
            left: s.left_on.map(long),
            left_on: s.left_on.map(|d| d.to_string()).unwrap_or_default(),
            joined: s.joined_on.map(long),
        })
        .collect();
    let reach_rows = reach
        .iter()
        .map(|(t, r)| ReachRow {
            term: t.label(),
            code: t.code(),
            staff: r.staff,
            reached: r.reached,
            share: r.share().map_or_else(|| "no staff list".to_owned(), |s| format!("{:.0}%", s * 100.0)),
            by: r.by.iter().map(|(h, n)| format!("{}: {n}", h.label())).collect::<Vec<_>>().join("; "),
        })
        .collect();
    let linked: usize = q.linked.parse().unwrap_or(0);
    let added: usize = q.added.parse().unwrap_or(0);
    let done = match q.done.as_str() {
        "nominated" => Some("The nomination is saved: they are registered for the day and told by email.".to_owned()),
        "nominated-past" => Some(
            "The nomination is saved: the day has passed, so it records who went, and nobody is emailed.".to_owned(),
        ),
        "nominated-waiting" => Some(
            "The nomination is saved, on the waiting list: the venue is full. They are told by email, and again when a \
             place comes free."
                .to_owned(),
        ),
        "withdrawn" => Some("The registration is withdrawn, and the person is told by email.".to_owned()),
        "passed" => Some(
            "The registration is withdrawn and the seat passed to the substitute: both are told by email.".to_owned(),
        ),
        "passed-waiting" => Some(
            "The registration is withdrawn and the seat passed to the substitute, who is on the waiting list: the \
             venue is full and the person withdrawn still holds a place through another seat. Both are told by email."
                .to_owned(),
        ),
        "withdrawn-given" => Some(
            "The registration is withdrawn, and the place it freed went to the first on the waiting list, who is told by email."
                .to_owned(),
        ),
        "staff" if linked > 0 => Some(format!(
            "The staff list is saved. {} of those added {} the name of one of the school's people with an account, so \
             {} linked to it: the days' rolls count for their reach (\"Not their account\" takes a link away).",
            linked,
            if linked == 1 { "has" } else { "have" },
            if linked == 1 { "is" } else { "each is" },
        )),
        "staff" => Some("The staff list is saved.".to_owned()),
        "staff-changed" => Some("The staff list is saved: reach counts each person in the terms they were on the staff.".to_owned()),
        "staff-removed" => Some("Taken off the staff list, with their reach records.".to_owned()),
        "staff-listed" => Some(format!(
            "The staff list is saved: {linked} row{} linked to {} account{} by name, and {added} added as a row of \
             {} own. The days' rolls count for their reach, term by term.",
            if linked == 1 { "" } else { "s" },
            if linked == 1 { "its" } else { "their" },
            if linked == 1 { "" } else { "s" },
            if added == 1 { "its" } else { "their" },
        )),
        "staff-linked" => Some(
            "The staff list is saved: the days' rolls count for their reach, term by term.".to_owned(),
        ),
        "staff-unlinked" => Some(
            "The staff list is saved: that row is no longer linked to an account, and is never matched to it by name \
             again; the days' rolls no longer count for it, so tick its reach by hand."
                .to_owned(),
        ),
        "reach" => Some("Reach for the term is saved.".to_owned()),
        _ => None,
    };
    page(SchoolYearPage {
        term_set_aside,
        programme,
        urn,
        school,
        can_change,
        network,
        network_open,
        next: year.next.into_iter().map(|n| (n.day, n.text)).collect(),
        calendar: year
            .terms
            .iter()
            .map(|t| {
                let d = |x: NaiveDate| x.format("%-d %B %Y").to_string();
                CalendarRow {
                    term: t.term.term().label(),
                    dates: format!("{} to {}", d(t.term.starts), d(t.term.ends)),
                    half_term: format!("{} to {}", d(t.term.half_term_starts), d(t.term.half_term_ends)),
                    source: match t.source {
                        aspire_core::calendar::TermSource::School => "the school's own",
                        aspire_core::calendar::TermSource::La => "its local authority's",
                        aspire_core::calendar::TermSource::Default => "a typical pattern (default)",
                    },
                    closures: t.closures.iter().map(|c| format!("{}: {}", long(c.date), c.reason)).collect(),
                }
            })
            .collect(),
        days,
        people: year.people.into_iter().filter(|_| see_people).map(|(p, n)| (i64::from(p), n)).collect(),
        see_people,
        release_from_plan: release.from_plan,
        release: rows.into_values().collect(),
        release_total,
        reach: reach_rows,
        staff,
        unlisted,
        terms: terms.iter().map(|t| (t.code(), t.label(), Some(*t) == reach_term)).collect(),
        reach_term: reach_term.map(|t| t.label()).unwrap_or_default(),
        reach_term_code: reach_term.map(|t| t.code()).unwrap_or_default(),
        problem,
        kept,
        done,
        staff_roles: StaffRole::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        csrf: viewer.csrf.clone(),
    })
}

/// Whether a term has begun by `today` (its months, as reach counts them).
pub(crate) fn term_begun(t: Term, today: NaiveDate) -> bool {
    aspire_app::programme_year::term_months_start(t) <= today
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, WebError> {
    let urn = parse_urn(&urn)?;
    render(&state, &viewer, id, urn, &q, None, Kept::default()).await
}

async fn refused(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    urn: Urn,
    day: Option<i64>,
    message: String,
    kept: Kept,
) -> Result<Response, WebError> {
    let body = render(state, viewer, id, urn, &YearQuery::default(), Some((day, message)), kept).await?;
    Ok((StatusCode::BAD_REQUEST, body).into_response())
}

fn back(id: ProgrammeId, urn: Urn, done: &str, anchor: &str) -> Response {
    Redirect::to(&format!("{}?done={done}{anchor}", urls::school_year(id, urn))).into_response()
}

/// Back to the staff list, keeping the term the reach form was showing (a term the page did not
/// offer is dropped).
fn back_to_staff(id: ProgrammeId, urn: Urn, done: &[(&str, String)], term: &str) -> Response {
    let mut q: Vec<(&str, String)> = done.to_vec();
    if let Some(t) = Term::parse_code(term.trim()) {
        q.push(("term", t.code()));
    }
    let url = crate::routes::url_with(urls::school_year(id, urn).as_str(), &q);
    Redirect::to(&format!("{url}#staff")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct NominateForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    seat: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    substitute: String,
}

fn person_field(v: &str, what: &str) -> Result<Option<PersonId>, String> {
    match v.trim() {
        "" => Ok(None),
        t => t.parse::<PersonId>().map(Some).map_err(|_| format!("The {what} '{t}' is not one of the school's staff.")),
    }
}

/// Nominates one of the school's people (and a substitute) for a seat at a day.
pub async fn nominate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(f): Form<NominateForm>,
) -> Result<Response, WebError> {
    let urn = parse_urn(&urn)?;
    let day: i64 = f.day.trim().parse().map_err(|_| WebError::BadRequest(format!("'{}' is not a day.", f.day)))?;
    let seat = Role::parse(&f.seat).map_err(|_| WebError::BadRequest(format!("'{}' is not a seat.", f.seat)))?;
    let people = person_field(&f.person, "person").and_then(|p| Ok((p, person_field(&f.substitute, "substitute")?)));
    let kept = Kept {
        nomination: Some((day, seat.code().to_owned(), f.person.trim().to_owned(), f.substitute.trim().to_owned())),
        ..Kept::default()
    };
    let (person, substitute) = match people {
        Ok(x) => x,
        Err(m) => return refused(&state, &viewer, id, urn, Some(day), m, kept).await,
    };
    let n = Nomination { day, seat, person, substitute };
    match school_year::nominate(&state.db, &viewer.actor(), id, urn, &n, state.today()).await {
        Ok(r) if r.status == RegistrationStatus::Waiting => {
            Ok(back(id, urn, "nominated-waiting", &format!("#day-{day}")))
        }
        Ok(_) if state.db.programme_event(id, day).await?.is_some_and(|e| e.held_on < state.today()) => {
            Ok(back(id, urn, "nominated-past", &format!("#day-{day}")))
        }
        Ok(_) => Ok(back(id, urn, "nominated", &format!("#day-{day}"))),
        Err(e) => {
            let m = refusal(e)?;
            refused(&state, &viewer, id, urn, Some(day), m, kept).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    registration: String,
    /// "yes" once the page saying what the withdrawal does has been seen.
    #[serde(default)]
    confirmed: String,
    /// "substitute": the seat passes to the substitute; "free": the place is given up.
    #[serde(default)]
    then: String,
}

#[derive(Template)]
#[template(path = "confirm_withdraw.html")]
struct ConfirmWithdrawPage {
    programme: Programme,
    urn: Urn,
    school: String,
    day: i64,
    preview: school_year::WithdrawalPreview,
    csrf: String,
}

/// Withdraws a registration, once the page saying what it does (and offering the seat to the
/// substitute) has been seen.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let urn = parse_urn(&urn)?;
    let (Ok(day), Ok(registration)) = (f.day.trim().parse::<i64>(), f.registration.trim().parse::<i64>()) else {
        return Err(WebError::BadRequest(
            "The form names no registration: send it again from the school's year.".into(),
        ));
    };
    if f.confirmed != "yes" {
        let preview = match school_year::preview_withdrawal(&state.db, id, urn, day, registration).await {
            Ok(p) => p,
            Err(e) => {
                let m = refusal(e)?;
                return refused(&state, &viewer, id, urn, Some(day), m, Kept::default()).await;
            }
        };
        let programme = find_programme(&state, id).await?;
        let school = state.db.school_names(&[urn]).await?.get(&urn).cloned().unwrap_or_else(|| format!("URN {urn}"));
        let csrf = viewer.csrf.clone();
        return Ok(page(ConfirmWithdrawPage { programme, urn, school, day, preview, csrf })?.into_response());
    }
    let to_substitute = match f.then.as_str() {
        "substitute" => true,
        "free" | "" => false,
        _ => {
            return Err(WebError::BadRequest(
                "The form asks for something this page did not offer: send it again from the school's year.".into(),
            ));
        }
    };
    match school_year::withdraw(&state.db, &viewer.actor(), id, urn, day, registration, to_substitute).await {
        Ok(w) if w.successor.as_ref().is_some_and(|r| r.status == RegistrationStatus::Waiting) => {
            Ok(back(id, urn, "passed-waiting", &format!("#day-{day}")))
        }
        Ok(w) if w.successor.is_some() => Ok(back(id, urn, "passed", &format!("#day-{day}"))),
        Ok(w) if w.given.is_empty() => Ok(back(id, urn, "withdrawn", &format!("#day-{day}"))),
        Ok(_) => Ok(back(id, urn, "withdrawn-given", &format!("#day-{day}"))),
        Err(e) => {
            let m = refusal(e)?;
            refused(&state, &viewer, id, urn, Some(day), m, Kept::default()).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct StaffForm {
    /// "accounts": the school's people with an account are put on the list (no lines typed).
    #[serde(default)]
    from: String,
    /// The term the reach form was showing, kept.
    #[serde(default)]
    term: String,
    #[serde(default)]
    staff: String,
    /// For staff who joined during the year: the day they joined (blank: on the staff all year).
    #[serde(default)]
    joined: String,
}

/// A date typed in a form: blank is none; anything else must be a date.
fn date_field(v: &str, what: &str) -> Result<Option<NaiveDate>, String> {
    match v.trim() {
        "" => Ok(None),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| {
            format!("{what} '{t}' is not a date: choose it from the calendar, or write it as 2018-02-26.")
        }),
    }
}

#[derive(Debug, Deserialize)]
pub struct StaffChangeForm {
    /// "left" (with `left_on`), "stayed" (takes the day they left back), "remove", "link"
    /// (with `person`: the account they are) or "unlink".
    #[serde(default)]
    change: String,
    #[serde(default)]
    left_on: String,
    #[serde(default)]
    person: String,
    /// The term the reach form was showing, kept.
    #[serde(default)]
    term: String,
}

/// Changes one member of the staff list: the day they left, or taken off the list.
pub async fn change_staff(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn, staff)): Path<(ProgrammeId, String, i64)>,
    Form(f): Form<StaffChangeForm>,
) -> Result<Response, WebError> {
    let urn = parse_urn(&urn)?;
    if matches!(f.change.as_str(), "link" | "unlink") {
        let person = match (f.change.as_str(), person_field(&f.person, "account")) {
            ("unlink", _) => None,
            (_, Ok(Some(p))) => Some(p),
            (_, Ok(None)) => {
                let m = "Choose which account is theirs, then link.".to_owned();
                return refused(&state, &viewer, id, urn, None, m, Kept::default()).await;
            }
            (_, Err(m)) => return refused(&state, &viewer, id, urn, None, m, Kept::default()).await,
        };
        return match aspire_app::reach::link_staff(&state.db, &viewer.actor(), id, urn, staff, person).await {
            Ok(()) if person.is_some() => Ok(back_to_staff(id, urn, &[("done", "staff-linked".into())], &f.term)),
            Ok(()) => Ok(back_to_staff(id, urn, &[("done", "staff-unlinked".into())], &f.term)),
            Err(YearError::NoSuchStaff(_)) => {
                Err(WebError::NotFound("That member of staff is not on this school's list.".into()))
            }
            Err(e) => {
                let m = refusal(e)?;
                refused(&state, &viewer, id, urn, None, m, Kept::default()).await
            }
        };
    }
    let change = match f.change.as_str() {
        "left" => match date_field(&f.left_on, "The day they left") {
            Ok(Some(d)) => school_year::StaffChange::Left(Some(d)),
            Ok(None) => {
                let m = "Give the day they left the school, then save.".to_owned();
                return refused(&state, &viewer, id, urn, None, m, Kept::default()).await;
            }
            Err(m) => return refused(&state, &viewer, id, urn, None, m, Kept::default()).await,
        },
        "stayed" => school_year::StaffChange::Left(None),
        "remove" => school_year::StaffChange::Remove,
        _ => {
            return Err(WebError::BadRequest(
                "The form asks for a change this page did not offer: send it again from the school's year.".into(),
            ));
        }
    };
    match school_year::change_staff(&state.db, &viewer.actor(), id, urn, staff, change).await {
        Ok(()) if change == school_year::StaffChange::Remove => {
            Ok(back_to_staff(id, urn, &[("done", "staff-removed".into())], &f.term))
        }
        Ok(()) => Ok(back_to_staff(id, urn, &[("done", "staff-changed".into())], &f.term)),
        Err(YearError::NoSuchStaff(_)) => {
            Err(WebError::NotFound("That member of staff is not on this school's list.".into()))
        }
        Err(e) => {
            let m = refusal(e)?;
            refused(&state, &viewer, id, urn, None, m, Kept::default()).await
        }
    }
}

/// Adds members of the school's staff, one a line as "name, role" (`school_year::add_staff`):
/// every bad line is named and nothing is saved until all are right; what was typed is kept.
pub async fn add_staff(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(f): Form<StaffForm>,
) -> Result<Response, WebError> {
    let urn = parse_urn(&urn)?;
    if f.from == "accounts" {
        return match aspire_app::reach::list_account_holders(&state.db, &viewer.actor(), id, urn).await {
            Ok((linked, added)) => Ok(back_to_staff(
                id,
                urn,
                &[("done", "staff-listed".into()), ("linked", linked.to_string()), ("added", added.to_string())],
                &f.term,
            )),
            Err(e) => {
                let m = refusal(e)?;
                refused(&state, &viewer, id, urn, None, m, Kept::default()).await
            }
        };
    }
    let kept = || Kept { staff: f.staff.clone(), joined: f.joined.clone(), ..Kept::default() };
    let joined = match date_field(&f.joined, "The day they joined") {
        Ok(d) => d,
        Err(m) => return refused(&state, &viewer, id, urn, None, m, kept()).await,
    };
    match school_year::add_staff(&state.db, &viewer.actor(), id, urn, &f.staff, joined).await {
        Ok((_, 0)) => Ok(back_to_staff(id, urn, &[("done", "staff".into())], &f.term)),
        Ok((_, linked)) => {
            Ok(back_to_staff(id, urn, &[("done", "staff".into()), ("linked", linked.to_string())], &f.term))
        }
        Err(e) => {
            let m = refusal(e)?;
            refused(&state, &viewer, id, urn, None, m, kept()).await
        }
    }
}

/// Who of the staff was reached in a term and how: the form's ticks replace the term's record.
pub async fn reach(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, urn)): Path<(ProgrammeId, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let urn = parse_urn(&urn)?;
    let term_code = fields.iter().find(|(k, _)| k == "term").map(|(_, v)| v.as_str()).unwrap_or("");
    let Some(term) = Term::parse_code(term_code) else {
        return refused(&state, &viewer, id, urn, None, "Choose the term the reach is for.".into(), Kept::default())
            .await;
    };
    let mut reached = Vec::new();
    for (k, v) in &fields {
        let Some(staff) = k.strip_prefix("reached-") else { continue };
        let (Ok(staff), Ok(how)) = (staff.parse::<i64>(), v.parse::<ReachedBy>()) else {
            return Err(WebError::BadRequest("The form holds a tick this page did not make: send it again.".into()));
        };
        reached.push((staff, how));
    }
    match aspire_app::reach::set_term_reach(&state.db, &viewer.actor(), id, urn, term, &reached).await {
        Ok(_) => Ok(Redirect::to(&format!("{}?done=reach&term={}#reach", urls::school_year(id, urn), term.code()))
            .into_response()),
        Err(e) => {
            let m = refusal(e)?;
            refused(&state, &viewer, id, urn, None, m, Kept::default()).await
        }
    }
}

struct RollRow {
    person: i64,
    name: String,
    school: String,
    seats: String,
    substitute_for: Option<String>,
    marks: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "roll.html")]
struct RollPage {
    programme: Programme,
    day: i64,
    name: String,
    date: String,
    place: String,
    cancelled: Option<String>,
    early: bool,
    /// Recorded as held by whoever led it (with or without marks).
    held: bool,
    /// Whether the viewer cancels days (the team), and whether this day is in one school.
    team: bool,
    school_day: bool,
    rows: Vec<RollRow>,
    waiting: usize,
    marked: usize,
    problem: Option<String>,
    /// What was saved, said after a save.
    saved: Option<String>,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RollQuery {
    #[serde(default)]
    saved: String,
}

async fn render_roll(
    state: &AppState,
    viewer: &Viewer,
    id: ProgrammeId,
    day: i64,
    problem: Option<String>,
    saved: &str,
) -> Result<Html<String>, WebError> {
    let programme = find_programme(state, id).await?;
    let roll = match school_year::roll(&state.db, id, day).await {
        Ok(r) => r,
        Err(e) => return Err(WebError::BadRequest(refusal(e)?)),
    };
    let place = match roll.place {
        Some(u) => state.db.school_names(&[u]).await?.get(&u).cloned().unwrap_or_else(|| format!("School {u}")),
        None => "Venue to be set".to_owned(),
    };
    let marked = roll.lines.iter().filter(|l| l.mark.is_some()).count();
    let saved = match saved {
        "yes" => Some(format!("The roll is saved: {marked} of {} marked.", roll.lines.len())),
        "held" if roll.event.held_recorded => Some("The day is recorded as held.".to_owned()),
        "held" => Some("The day is no longer recorded as held.".to_owned()),
        _ => None,
    };
    page(RollPage {
        programme,
        day,
        name: roll.name,
        date: long(roll.event.held_on),
        place,
        cancelled: (roll.event.status == EventStatus::Cancelled)
            .then(|| roll.event.cancel_reason.clone().unwrap_or_else(|| "no reason given".into())),
        early: roll.event.held_on > state.today(),
        held: roll.event.held_recorded,
        team: viewer.signed_in()?.principal.may(Action::Change, Record::Network, &Place::programme(id)),
        school_day: roll.event.urn.is_some(),
        marked,
        rows: roll
            .lines
            .iter()
            .map(|l| RollRow {
                person: i64::from(l.person),
                name: l.name.clone(),
                school: l.school.clone(),
                seats: l.seats.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                substitute_for: l.substitute_for.clone(),
                marks: Mark::ALL.iter().map(|m| (m.code(), m.label(), l.mark == Some(*m))).collect(),
            })
            .collect(),
        waiting: roll.waiting,
        problem,
        saved,
        csrf: viewer.csrf.clone(),
    })
}

pub async fn roll(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Query(q): Query<RollQuery>,
) -> Result<Html<String>, WebError> {
    render_roll(&state, &viewer, id, day, None, q.saved.as_str()).await
}

/// Saves the marks chosen on the roll (`mark-{person}`); people left unmarked keep theirs.
pub async fn take_roll(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut marks = Vec::new();
    for (k, v) in &fields {
        let Some(person) = k.strip_prefix("mark-") else { continue };
        let (Ok(person), Ok(mark)) = (person.parse::<PersonId>(), v.parse::<Mark>()) else {
            return Err(WebError::BadRequest("The roll holds a mark this page did not make: send it again.".into()));
        };
        marks.push((person, mark));
    }
    match school_year::take_roll(&state.db, &viewer.actor(), id, day, &marks, state.today()).await {
        Ok(_) => Ok(Redirect::to(&format!("{}?saved=yes", urls::roll(id, day))).into_response()),
        Err(e) => {
            let m = refusal(e)?;
            let body = render_roll(&state, &viewer, id, day, Some(m), "").await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HeldForm {
    #[serde(default)]
    held: String,
}

/// Records the day as held (`held=yes`) or takes that back (`held=no`).
pub async fn record_held(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, day)): Path<(ProgrammeId, i64)>,
    Form(f): Form<HeldForm>,
) -> Result<Response, WebError> {
    let held = match f.held.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(WebError::BadRequest("Choose whether the day was held, then send the form again.".into())),
    };
    match school_year::record_held(&state.db, &viewer.actor(), id, day, held, state.today()).await {
        Ok(()) => Ok(Redirect::to(&format!("{}?saved=held", urls::roll(id, day))).into_response()),
        Err(e) => {
            let m = refusal(e)?;
            let body = render_roll(&state, &viewer, id, day, Some(m), "").await?;
            Ok((StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}

struct WeekRow {
    programme: i64,
    day: i64,
    date: String,
    time: String,
    name: String,
    network: String,
    place: String,
    cancelled: bool,
    /// Recorded as held, or someone is marked present or late.
    held: bool,
    /// The roll's state, for a day the person leads; `None` for a day they go to.
    roll: Option<String>,
    /// Whether they may still take its roll.
    may_roll: bool,
}

#[derive(Template)]
#[template(path = "week.html")]
struct WeekPage {
    adviser: bool,
    heading: String,
    days: Vec<WeekRow>,
    earlier: String,
    later: String,
    last_before: Option<(String, String)>,
    next_after: Option<(String, String)>,
    /// (programme, urn, school, network or programme) for each school the person serves.
    schools: Vec<(i64, Urn, String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    #[serde(default)]
    from: String,
}

/// The signed-in person's week: the days they lead as an adviser, with their rolls; and the
/// schools they serve (an adviser's networks' schools, a head's own).
pub async fn week(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<WeekQuery>,
) -> Result<Html<String>, WebError> {
    let session = viewer.signed_in()?;
    let p = &session.principal;
    let today = state.today();
    let from = NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d").unwrap_or(today);
    let adviser = p.grants.iter().any(|g| g.role == Role::AchievementAdviser);
    let w = match school_year::person_week(&state.db, p.person, from).await {
        Ok(w) => w,
        Err(e) => return Err(WebError::BadRequest(refusal(e)?)),
    };
    let sunday = w.monday + chrono::Days::new(6);
    let week_link = |d: NaiveDate| crate::routes::url_with(&urls::week(), &[("from", d.to_string())]);
    let days = w
        .days
        .iter()
        .map(|d| WeekRow {
            programme: i64::from(d.event.programme),
            day: d.event.id,
            date: long(d.event.held_on),
            time: format!("{}–{}", d.event.starts_at.format("%H:%M"), d.event.ends_at.format("%H:%M")),
            name: d.name.clone(),
            network: format!("{}, {}", d.network, d.programme),
            place: d.place_name.clone(),
            cancelled: d.event.status == EventStatus::Cancelled,
            // A day led before the network passed to another adviser stays in the week, without
            // its roll, which is now the network's new adviser's.
            may_roll: p.may(
                Action::Change,
                Record::Enrolment,
                &Place::day(d.event.programme, d.event.network, d.event.adviser),
            ),
            roll: d.leads.then(|| match (d.on_roll, d.event.held_recorded) {
                (0, true) => "recorded as held".to_owned(),
                (0, false) if d.event.held_on < today => "nobody registered".to_owned(),
                (0, false) => "nobody registered yet".to_owned(),
                // Substitutes are on the roll in case they go: "2 of 3" would read as one missing.
                (n, _) => match d.substitutes {
                    0 => format!("{} of {n} on the roll marked", d.marked),
                    s => format!(
                        "{} marked; on the roll {} with a place and {s} substitute{}{}",
                        d.marked,
                        n - s,
                        if s == 1 { "" } else { "s" },
                        if d.event.held_on < today {
                            ""
                        } else if s == 1 {
                            " in case one cannot go"
                        } else {
                            " in case they cannot go"
                        }
                    ),
                },
            }),
            held: d.event.status == EventStatus::Planned && (d.event.held_recorded || d.came > 0),
        })
        .collect();
    let schools: Vec<(i64, Urn, String, String)> = school_year::schools_served(&state.db, p)
        .await?
        .into_iter()
        .map(|s| (i64::from(s.programme), s.urn, s.name, s.under))
        .collect();
    page(WeekPage {
        adviser,
        heading: format!("{} to {}", w.monday.format("%a %-d %B"), sunday.format("%a %-d %B %Y")),
        days,
        earlier: week_link(w.monday - chrono::Days::new(7)),
        later: week_link(w.monday + chrono::Days::new(7)),
        last_before: w.last_before.map(|d| (long(d), week_link(d))),
        next_after: w.next_after.map(|d| (long(d), week_link(d))),
        schools,
    })
}
