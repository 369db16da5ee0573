//! Signing in and out, accepting an invitation, resetting a password, and one's own account.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use aspire_store::{AccountError, SignInError, TokenPurpose};

use crate::auth::{SESSION_COOKIE, Viewer, cookie};
use crate::extract::Path;
use crate::forms::FormState;
use crate::routes::{page, url_with};
use crate::urls;
use crate::{AppState, WebError};
use aspire_core::text::capitalise;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    form: FormState,
    next: String,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: a path on this site only (see [`crate::auth::local_path`]),
/// else the programmes page.
fn safe_next(next: Option<&str>) -> String {
    next.and_then(crate::auth::local_path).unwrap_or_else(urls::programmes)
}

pub async fn sign_in_form(viewer: Viewer, Query(q): Query<NextQuery>) -> Result<Response, WebError> {
    let next = safe_next(q.next.as_deref());
    if viewer.session.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(page(SignInPage { form: FormState::new(), next, csrf: viewer.csrf })?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    let next = safe_next(f.next.as_deref());
    let limit = state.config.form_rate_per_minute;
    if let Err(secs) = state.limiter.check("sign-in", viewer.client.as_deref(), limit, Duration::from_secs(60)) {
        return Err(WebError::TooMany(
            secs,
            format!("Too many sign-in attempts from your network. Wait {secs} seconds and try again."),
        ));
    }
    let mut form = FormState::new();
    form.keep("email", &f.email);
    let again = |status: StatusCode, form: FormState| -> Result<Response, WebError> {
        let p = SignInPage { form, next: next.clone(), csrf: viewer.csrf.clone() };
        Ok((status, Html(p.render()?)).into_response())
    };
    if f.email.trim().is_empty() {
        form.problem("email", "Enter your email address");
    }
    if f.password.is_empty() {
        form.problem("password", "Enter your password");
    }
    if form.has_errors() {
        return again(StatusCode::BAD_REQUEST, form);
    }
    match state.db.sign_in(&f.email, &f.password, viewer.client.clone(), &state.config.sign_in).await {
        Ok(s) => {
            let c = cookie(
                SESSION_COOKIE,
                &s.token,
                Some(state.config.sign_in.session_max),
                "Lax",
                state.config.secure_cookies,
            );
            Ok(([(header::SET_COOKIE, c)], Redirect::to(&next)).into_response())
        }
        Err(SignInError::Wrong) => {
            form.problem("email", "The email address or password is not right. Check them, or reset your password.");
            again(StatusCode::UNAUTHORIZED, form)
        }
        Err(SignInError::Throttled(secs)) => {
            form.problem(
                "email",
                format!("Too many failed attempts: wait {secs} seconds before trying again, or reset your password."),
            );
            let mut r = again(StatusCode::TOO_MANY_REQUESTS, form)?;
            if let Ok(v) = secs.to_string().parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(r)
        }
        Err(e @ SignInError::Locked) => {
            form.problem("email", format!("{}.", capitalise(&e.to_string())));
            again(StatusCode::LOCKED, form)
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    if let Some(token) = crate::auth::cookies(&headers).get(SESSION_COOKIE) {
        state.db.end_session(token, &viewer.actor()).await?;
    }
    let c = cookie(SESSION_COOKIE, "", Some(Duration::ZERO), "Lax", state.config.secure_cookies);
    Ok(([(header::SET_COOKIE, c)], Redirect::to(&urls::home())).into_response())
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    title: &'static str,
    intro: String,
    action: String,
    form: FormState,
    csrf: String,
}

fn purpose_of(path: &str) -> TokenPurpose {
    if path.starts_with(&urls::invitation("")) { TokenPurpose::Invitation } else { TokenPurpose::Reset }
}

/// The page behind an invitation or reset link.
pub async fn link_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let purpose = purpose_of(&viewer.path);
    let action = viewer.path.split('?').next().unwrap_or_default().to_owned();
    let (title, intro) = match purpose {
        TokenPurpose::Invitation => ("Set your password", "Welcome to Aspire"),
        TokenPurpose::Reset => ("Choose a new password", "Resetting the password of"),
    };
    match state.db.link_person(&token, purpose).await {
        Ok(p) => Ok(page(SetPasswordPage {
            title,
            intro: format!("{intro}, {} ({}).", p.name, p.email),
            action,
            form: FormState::new(),
            csrf: viewer.csrf,
        })?
        .into_response()),
        Err(e @ (AccountError::TokenUnknown | AccountError::TokenExpired | AccountError::TokenUsed)) => {
            Err(WebError::NotFound(format!("{}.", capitalise(&e.to_string()))))
        }
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => Err(WebError::BadRequest(e.to_string())),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    password: String,
    confirm: String,
}

pub async fn link_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let purpose = purpose_of(&viewer.path);
    let action = viewer.path.split('?').next().unwrap_or_default().to_owned();
    let title = if purpose == TokenPurpose::Invitation { "Set your password" } else { "Choose a new password" };
    let intro = match state.db.link_person(&token, purpose).await {
        Ok(p) if purpose == TokenPurpose::Invitation => format!("Welcome to Aspire, {} ({}).", p.name, p.email),
        Ok(p) => format!("Resetting the password of {} ({}).", p.name, p.email),
        Err(_) => String::new(),
    };
    let again = |field: &str, error: String| -> Result<Response, WebError> {
        let mut form = FormState::new();
        form.problem(field, error);
        let p =
            SetPasswordPage { title, intro: intro.clone(), action: action.clone(), form, csrf: viewer.csrf.clone() };
        Ok((StatusCode::BAD_REQUEST, Html(p.render()?)).into_response())
    };
    if f.password.is_empty() {
        return again("password", "Enter a new password".into());
    }
    if f.password != f.confirm {
        return again("confirm", "The two passwords are not the same: type the same password again".into());
    }
    match state.db.set_password_with_link(&token, purpose, &f.password, viewer.client.clone()).await {
        Ok(_) => {
            Ok(Redirect::to(&url_with(&urls::sign_in(), &[("next", urls::programmes()), ("done", "password".into())]))
                .into_response())
        }
        Err(AccountError::Password(e)) => again("password", format!("{}.", capitalise(&e.to_string()))),
        Err(e @ (AccountError::TokenUnknown | AccountError::TokenExpired | AccountError::TokenUsed)) => {
            Err(WebError::NotFound(format!("{}.", capitalise(&e.to_string()))))
        }
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!("setting a password with a link failed: {e}");
            Err(WebError::Internal("setting a password with a link".into()))
        }
    }
}

#[derive(Template)]
#[template(path = "reset_request.html")]
struct ResetRequestPage {
    sent: bool,
    form: FormState,
    csrf: String,
}

pub async fn reset_request_form(viewer: Viewer) -> Result<Html<String>, WebError> {
    page(ResetRequestPage { sent: false, form: FormState::new(), csrf: viewer.csrf })
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    email: String,
}

pub async fn reset_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<ResetForm>,
) -> Result<Response, WebError> {
    if let Err(secs) = state.limiter.check("reset", viewer.client.as_deref(), 5, Duration::from_secs(60)) {
        return Err(WebError::TooMany(
            secs,
            format!("Too many requests from your network. Wait {secs} seconds and try again."),
        ));
    }
    // A mistyped address is said at once: it can have no account, so saying so tells nothing.
    if let Err(e) = aspire_core::people::Email::parse(&f.email) {
        let mut form = FormState::new();
        form.keep("email", &f.email);
        form.problem(
            "email",
            match e {
                aspire_core::people::EmailError::Empty => "Enter the email address you sign in with".to_owned(),
                e => capitalise(&e.to_string()),
            },
        );
        let p = ResetRequestPage { sent: false, form, csrf: viewer.csrf };
        return Ok((StatusCode::BAD_REQUEST, Html(p.render()?)).into_response());
    }
    // Done after answering, so that the time taken does not say whether the email has an
    // account (one with an account writes an email to the outbox).
    let (db, client) = (state.db.clone(), viewer.client.clone());
    tokio::spawn(async move {
        if let Err(e) = db.request_password_reset(&f.email, client).await {
            tracing::error!("a password-reset request failed: {e}");
        }
    });
    // The same answer whether or not the email has an account.
    Ok(page(ResetRequestPage { sent: true, form: FormState::new(), csrf: viewer.csrf })?.into_response())
}

/// A role the person holds, as the account page lists it.
struct RoleView {
    role: &'static str,
    place: String,
    pupil_data: bool,
}

/// A role offered to the person, as the account page lists it.
struct OfferView {
    id: i64,
    role: &'static str,
    pupil_data: bool,
    place: String,
    offered_by: String,
    when: String,
    /// Why it cannot be accepted, when it cannot (it can still be declined).
    cannot: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    name: String,
    email: String,
    roles: Vec<RoleView>,
    offers: Vec<OfferView>,
    /// Pages the person's roles lead to: (address, label).
    links: Vec<(String, String)>,
    feeds: super::feeds::Feeds,
    /// What answering an offer just did, to say so.
    answered: Option<&'static str>,
    /// Whether they are a head teacher: the volunteers' page is theirs.
    head_teacher: bool,
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    /// "accepted" or "declined": the answer just given to an offered role.
    #[serde(default)]
    answered: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AccountQuery>,
) -> Result<Html<String>, WebError> {
    let answered = match q.answered.as_str() {
        "accepted" => Some("The role is yours: it is listed under your roles."),
        "declined" => Some("The role is declined: it is not yours."),
        _ => None,
    };
    render_with(&state, &viewer, None, None, answered).await
}

/// The account page, with a calendar feed's address just made (shown this once) or the
/// problem with the feed asked for.
pub(crate) async fn render(
    state: &AppState,
    viewer: &Viewer,
    made: Option<String>,
    problem: Option<super::feeds::Refused>,
) -> Result<Html<String>, WebError> {
    render_with(state, viewer, made, problem, None).await
}

async fn render_with(
    state: &AppState,
    viewer: &Viewer,
    made: Option<String>,
    problem: Option<super::feeds::Refused>,
    answered: Option<&'static str>,
) -> Result<Html<String>, WebError> {
    let s = viewer.signed_in()?;
    let person = state.db.person(s.person).await?.ok_or_else(|| WebError::SignIn(urls::account()))?;
    let mut offers = Vec::new();
    for o in state.db.offers(s.person).await? {
        let cannot = match state.db.grant_clash(s.person, &o.grant).await? {
            Some(AccountError::AdviserInside(w)) => Some(format!(
                "you are {w}, and an Achievement Adviser supports the programme's schools from outside them"
            )),
            _ => None,
        };
        offers.push(OfferView {
            id: o.id,
            role: o.grant.role.label(),
            pupil_data: o.grant.pupil_data,
            place: o.place,
            offered_by: o.offered_by,
            when: o.created_at.format("%d %B %Y").to_string(),
            cannot,
        });
    }
    let head_teacher = s.principal.grants.iter().any(|g| g.role == aspire_core::people::Role::HeadTeacher);
    page(AccountPage {
        answered,
        head_teacher,
        name: person.name,
        email: person.email,
        roles: person
            .grants
            .into_iter()
            .map(|g| RoleView { role: g.grant.role.label(), place: g.place, pupil_data: g.grant.pupil_data })
            .collect(),
        offers,
        links: super::joining::account_links(state, &s.principal).await?,
        feeds: super::feeds::section(state, &s.principal, made, problem).await?,
        csrf: viewer.csrf.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    answer: String,
}

/// Accepts or declines a role offered to the signed-in person.
pub async fn answer_offer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let s = viewer.signed_in()?;
    let missing =
        || WebError::NotFound("That offer of a role has already been answered, or was not made to you.".into());
    let Ok(id) = id.parse::<i64>() else { return Err(missing()) };
    let accept = match f.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(WebError::BadRequest("Choose Accept or Decline.".into())),
    };
    match state.db.answer_offer(s.person, id, accept, viewer.client.clone()).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}?answered={}", urls::account(), if accept { "accepted" } else { "declined" }))
                .into_response())
        }
        Err(AccountError::NoSuchOffer) => Err(missing()),
        Err(AccountError::AdviserInside(why)) => Err(WebError::BadRequest(format!(
            "This role cannot be yours: you are {why}. An Achievement Adviser supports the programme's schools from \
             outside them: decline it on your account page, or ask whoever offered it to choose someone else."
        ))),
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => Err(WebError::BadRequest(format!("{}.", capitalise(&e.to_string())))),
    }
}
