//! A programme's public page and its enquiry form: the school chosen by name (or URN), every
//! problem said at once, and only kept enquiries counted towards the limits (per address,
//! generous, and per school).

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_app::join::{EnquiryError, EnquirySettings};
use aspire_core::people::ProgrammeId;
use aspire_core::recruitment::{CONTACT_KEPT_DAYS, EnquiryContact, MESSAGE_LIMIT};
use aspire_core::text::capitalise;
use aspire_core::urn::Urn;
use aspire_store::{DirectoryQuery, Programme, ProgrammeArea};

use super::{About, about, start_label};
use crate::auth::Viewer;
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::page;
use crate::routes::programmes::bad;
use crate::urls;
use crate::{AppState, WebError};

/// A programme still recruiting that names its areas (404 otherwise, naming nothing).
pub(super) async fn recruiting(state: &AppState, id: ProgrammeId) -> Result<(Programme, Vec<ProgrammeArea>), WebError> {
    aspire_app::recruitment::recruiting(&state.db, id)
        .await?
        .filter(|(p, _)| aspire_app::join::still_recruiting(p, state.today()))
        .ok_or_else(|| WebError::NotFound("There is no programme recruiting at this address.".into()))
}

#[derive(Template)]
#[template(path = "join_form.html")]
struct JoinForm {
    programme: Programme,
    start: String,
    started: bool,
    areas: Vec<ProgrammeArea>,
    about: About,
    contact: String,
    /// The school chosen (name, URN), when it is known.
    school: Option<(String, Urn)>,
    /// Schools matching what was typed, to choose from (URN, description).
    choices: Vec<(String, String)>,
    /// What was typed, shown again with every problem when something was wrong.
    form: FormState,
    /// The longest message kept, said on the form.
    message_limit: String,
    kept_years: u64,
    csrf: String,
}

impl JoinForm {
    async fn new(
        state: &AppState,
        viewer: &Viewer,
        programme: Programme,
        areas: Vec<ProgrammeArea>,
    ) -> Result<JoinForm, WebError> {
        let contact = aspire_app::join::contact(&state.db, programme.id, &state.config.contact_email).await?;
        Ok(JoinForm {
            start: start_label(&programme),
            started: programme.starts_on.is_some_and(|d| d <= state.today()),
            about: about(&programme, state.today()),
            programme,
            areas,
            contact,
            school: None,
            choices: Vec::new(),
            form: FormState::new(),
            message_limit: aspire_core::text::thousands(MESSAGE_LIMIT as u64),
            kept_years: CONTACT_KEPT_DAYS / 365,
            csrf: viewer.csrf.clone(),
        })
    }
}

/// "Open" or "closed" after a school's name, as the register says.
pub(crate) fn open_or_closed(status: Option<&str>) -> &'static str {
    match status {
        Some(s) if s.eq_ignore_ascii_case("closed") => "closed",
        Some(s) if s.to_ascii_lowercase().starts_with("open") => "open",
        _ => "open or closed: not recorded",
    }
}

/// A programme's public page: what it is, who it is for, who takes part, the cost, when it
/// starts, and the enquiry form (with the school filled in from `?urn=`).
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let (programme, areas) = recruiting(&state, id).await?;
    let mut page_ = JoinForm::new(&state, &viewer, programme, areas).await?;
    let urn = params.get("urn").map(|s| s.trim().to_owned()).unwrap_or_default();
    if let Ok(u) = Urn::parse(&urn)
        && let Some(s) = state.db.school(u).await?
        && !closed(&s, state.today())
    {
        page_.school = Some((s.name.unwrap_or_else(|| format!("URN {u}")), u));
        page_.form.keep("urn", &urn);
    } else {
        page_.form.keep("school", params.get("school").map_or("", |s| s.trim()));
    }
    page(page_)
}

#[derive(Debug, Deserialize)]
pub struct EnquiryForm {
    /// The school chosen (from the link, or from the list of matches).
    #[serde(default)]
    urn: String,
    /// The school as typed: its name, town or URN.
    #[serde(default)]
    school: String,
    name: String,
    email: String,
    role: String,
    #[serde(default)]
    message: String,
    /// Hidden from people; a form-filling robot fills it in.
    #[serde(default)]
    website: String,
}

/// What a public form about a school sends: the URN chosen, what was typed for the school, and
/// who is writing.
pub(super) struct SenderFields<'a> {
    pub urn: &'a str,
    pub school: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub message: &'a str,
}

/// The school and sender a public form names, once each is known; every problem is put on
/// `form` (in the form's order), with what was typed kept and the schools to choose from.
pub(super) async fn check_sender(
    state: &AppState,
    f: SenderFields<'_>,
    form: &mut FormState,
    choices: &mut Vec<(String, String)>,
) -> Result<(Option<(String, Urn)>, Option<EnquiryContact>), WebError> {
    form.keep("school", f.school).keep("name", f.name).keep("email", f.email).keep("role", f.role);
    form.keep("message", f.message);
    let school = find_school(state, (f.urn, f.school), form, choices).await?;
    if let Some((_, u)) = &school {
        form.keep("urn", &u.to_string());
    }
    let contact = match EnquiryContact::check(f.name, f.email, f.role, f.message) {
        Ok(c) => Some(c),
        Err(problems) => {
            for (field, message) in problems {
                form.problem(field.code(), message);
            }
            None
        }
    };
    form.order(&["school", "urn", "name", "email", "role", "message"]);
    Ok((school, contact))
}

/// The school the form names: the URN chosen, else what was typed (a URN, or a name, town or
/// postcode matching exactly one school). A problem otherwise, with the matches to choose from.
/// Closed by `today`, as the register says (its close date, else its status).
pub(super) fn closed(school: &aspire_core::school::School, today: chrono::NaiveDate) -> bool {
    match school.close_date {
        Some(d) => d <= today,
        None => school.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("closed")),
    }
}

/// What to say about a closed school: when it closed, and the school that replaced it when the
/// register links one.
async fn closed_problem(state: &AppState, school: &aspire_core::school::School, urn: Urn) -> Result<String, WebError> {
    let name = school.name.clone().unwrap_or_else(|| format!("URN {urn}"));
    let when = school.close_date.map(|d| format!(" on {}", d.format("%-d %B %Y"))).unwrap_or_default();
    let (lineage, _) = state.db.lineage(urn).await?;
    let mut successor = None;
    for next in &lineage.successors {
        if let Some(s) = state.db.school(next.urn).await?
            && !closed(&s, state.today())
        {
            successor = Some((s.name.unwrap_or_else(|| format!("URN {}", next.urn)), next.urn));
            break;
        }
    }
    Ok(match successor {
        Some((next, u)) => {
            format!("{name} (URN {urn}) closed{when}: choose the school that replaced it, {next} (URN {u})")
        }
        None => format!("{name} (URN {urn}) closed{when}: choose the school that replaced it (type its name or URN)"),
    })
}

pub(super) async fn find_school(
    state: &AppState,
    (chosen, typed): (&str, &str),
    form: &mut FormState,
    choices: &mut Vec<(String, String)>,
) -> Result<Option<(String, Urn)>, WebError> {
    let (chosen, typed) = (chosen.trim(), typed.trim());
    let by_urn = |text: &str| Urn::parse(text).ok();
    let urn = match (by_urn(chosen), chosen.is_empty(), by_urn(typed)) {
        (Some(u), _, _) => Some(u),
        (None, false, _) => {
            form.problem(
                "school",
                format!("'{chosen}' is not a school we know: type your school's name and choose it"),
            );
            return Ok(None);
        }
        (None, true, Some(u)) => Some(u),
        (None, true, None) => None,
    };
    if let Some(u) = urn {
        return match state.db.school(u).await? {
            Some(s) if closed(&s, state.today()) => {
                form.problem("school", closed_problem(state, &s, u).await?);
                Ok(None)
            }
            Some(s) => Ok(Some((s.name.unwrap_or_else(|| format!("URN {u}")), u))),
            None => {
                form.problem(
                    "school",
                    format!(
                        "There is no school with URN {u} in the register: check the number, or type your school's name"
                    ),
                );
                Ok(None)
            }
        };
    }
    if typed.is_empty() {
        form.problem("school", "Enter your school's name, town or URN");
        return Ok(None);
    }
    let register = state.register.current(&state.db).await?;
    let found = register.directory.search(&DirectoryQuery {
        text: Some(typed.to_owned()),
        page: 1,
        per_page: 0,
        ..DirectoryQuery::default()
    });
    // Closed schools are neither offered nor taken: only the open ones are counted and listed.
    let open: Vec<_> = found.rows.iter().filter(|s| open_or_closed(s.status.as_deref()) != "closed").collect();
    let total = open.len();
    let open: Vec<_> = open.into_iter().take(20).cloned().collect();
    match open.as_slice() {
        [] if !found.rows.is_empty() => form.problem(
            "school",
            format!(
                "Every school matching '{typed}' has closed: type the name of the school that replaced yours, or its URN"
            ),
        ),
        [] => form.problem(
            "school",
            format!("No school in the register matches '{typed}': try part of its name, its town or its six-digit URN"),
        ),
        [one] => return Ok(Some((one.name.clone().unwrap_or_else(|| format!("URN {}", one.urn)), one.urn))),
        many => {
            let shown = if total > many.len() { " (the first 20: add to the name to narrow it)" } else { "" };
            form.problem("school", format!("{total} open schools match '{typed}': choose yours from the list{shown}"));
            // Nothing chosen until someone chooses: typing another name searches again.
            choices.push((String::new(), "Choose your school from the list".to_owned()));
            choices.extend(many.iter().map(|s| {
                let place =
                    [s.town.as_deref(), s.postcode.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
                (
                    s.urn.to_string(),
                    format!(
                        "{}, {place} (URN {}, {})",
                        s.name.as_deref().unwrap_or("Unnamed school"),
                        s.urn,
                        open_or_closed(s.status.as_deref())
                    ),
                )
            }));
        }
    }
    Ok(None)
}

/// What an enquiry's receipt is for.
pub(super) fn enquiry_receipt(id: ProgrammeId, urn: Urn) -> String {
    format!("enquiry/{id}/{urn}")
}

/// The thanks page's address for an enquiry just sent, with the token that opens it.
fn receipt(state: &AppState, id: ProgrammeId, urn: Urn) -> String {
    let token = state.receipts.issue(&enquiry_receipt(id, urn));
    format!("{}?sent={token}", urls::thanks(id, urn))
}

pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<ProgrammeId>,
    Form(f): Form<EnquiryForm>,
) -> Result<Response, WebError> {
    let (programme, areas) = recruiting(&state, id).await?;
    // A filled-in hidden field: answer as if it worked, keep nothing.
    if !f.website.trim().is_empty() {
        tracing::info!(programme = id.get(), "enquiry with the hidden field filled in: not kept");
        let to = Urn::parse(&f.urn).map_or_else(|_| urls::join(), |u| receipt(&state, id, u));
        return Ok(Redirect::to(&to).into_response());
    }
    let mut again = JoinForm::new(&state, &viewer, programme.clone(), areas).await?;
    // Every field is checked, and every problem said at once.
    let mut choices = Vec::new();
    let sent = SenderFields {
        urn: &f.urn,
        school: &f.school,
        name: &f.name,
        email: &f.email,
        role: &f.role,
        message: &f.message,
    };
    let (school, contact) = check_sender(&state, sent, &mut again.form, &mut choices).await?;
    let (Some((name, urn)), Some(contact), false) = (school.clone(), contact, again.form.has_errors()) else {
        again.school = school;
        again.choices = choices;
        return Ok((StatusCode::BAD_REQUEST, page(again)?).into_response());
    };
    // Only kept enquiries count towards the address's limit (counted below, once kept).
    let hour = Duration::from_secs(3600);
    if let Err(secs) = state.limiter.peek("enquiry", viewer.client.as_deref(), state.config.enquiries_per_hour, hour) {
        return Err(WebError::TooMany(
            secs,
            format!(
                "Many enquiries have been sent from your connection in the last hour. Try again in {} minutes, or write to {}.",
                secs.div_ceil(60),
                again.contact
            ),
        ));
    }
    let settings = EnquirySettings {
        default_contact: state.config.contact_email.clone(),
        per_school_per_day: state.config.enquiries_per_school_per_day,
        board_path: urls::recruitment(id),
        privacy_path: urls::privacy(),
    };
    let now = match state.config.today {
        Some(d) => d.and_time(chrono::Utc::now().time()).and_utc(),
        None => chrono::Utc::now(),
    };
    match aspire_app::join::send_enquiry(&state.db, &viewer.actor(), &programme, urn, contact, &settings, now).await {
        Ok(_) => {
            state.limiter.count("enquiry", viewer.client.as_deref(), hour);
            Ok(Redirect::to(&receipt(&state, id, urn)).into_response())
        }
        Err(EnquiryError::SchoolLimit { count, contact }) => Err(WebError::TooMany(
            3600,
            format!(
                "{count} enquiries about {name} have been sent today, and the programme team will answer them. To add something, write to {contact}."
            ),
        )),
        Err(EnquiryError::NotRecruiting) => {
            Err(WebError::NotFound("There is no programme recruiting at this address.".into()))
        }
        Err(EnquiryError::UnknownSchool(u)) => Err(WebError::BadRequest(format!(
            "{}.",
            capitalise(&format!("URN {u} is no longer in the register: choose your school again"))
        ))),
        Err(EnquiryError::Store(e)) => Err(e.into()),
        Err(EnquiryError::Save(e)) => Err(bad(e)),
    }
}
