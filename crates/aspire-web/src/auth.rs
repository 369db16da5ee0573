//! Who is asking: the session cookie read once per request, the CSRF check on every
//! state-changing request, the per-route access guard, and rate limits.
//!
//! The [`Viewer`] is put in the request's extensions (handlers extract it) and in a task-local
//! for the duration of the request, so that the page chrome (the navigation, the CSRF field of
//! the sign-out form) and error pages can be rendered without every handler passing it along.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use aspire_core::access::{Action, Place, Principal, Record};
use aspire_store::{Actor, Session, random_token};

use crate::urls;
use crate::{AppState, WebError};

pub const SESSION_COOKIE: &str = "aspire_session";
const CSRF_COOKIE: &str = "aspire_csrf";

tokio::task_local! {
    static CURRENT: Viewer;
}

/// The person behind a request (or nobody), with the CSRF token their forms must carry.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub session: Option<Arc<Session>>,
    pub csrf: String,
    /// The client's address, for rate limits and the audit log.
    pub client: Option<String>,
    /// The path asked for (to come back to after signing in).
    pub path: String,
}

impl Viewer {
    /// The viewer of the request being handled (outside a request: nobody).
    pub fn current() -> Viewer {
        CURRENT.try_with(Clone::clone).unwrap_or_default()
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|s| &s.principal)
    }

    /// Who is acting, for the audit log.
    pub fn actor(&self) -> Actor {
        match &self.session {
            Some(s) => Actor::person(s.person, &s.email, self.client.clone()),
            None => Actor::system(self.client.clone()),
        }
    }

    /// The signed-in person's policy view, or a request to sign in.
    pub fn signed_in(&self) -> Result<&Session, WebError> {
        self.session.as_deref().ok_or_else(|| WebError::SignIn(self.path.clone()))
    }

    /// Asks the policy about one record; refuses with a plain reason.
    pub fn require(&self, action: Action, record: Record, place: &Place) -> Result<&Principal, WebError> {
        let p = &self.signed_in()?.principal;
        match p.decide(action, record, place) {
            aspire_core::access::Decision::Allow => Ok(p),
            aspire_core::access::Decision::Deny(why) => Err(refusal(p, record, place, why)),
        }
    }

    pub fn may(&self, action: Action, record: Record) -> bool {
        self.principal().is_some_and(|p| p.may_somewhere(action, record))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Viewer>().cloned().unwrap_or_default())
    }
}

/// Cookie values by name.
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A `Set-Cookie` value. HttpOnly always; Secure when the service is reached over HTTPS.
pub fn cookie(name: &str, value: &str, max_age: Option<Duration>, same_site: &str, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// A refusal as the viewer may know it: a record they cannot even see is answered as if it did
/// not exist (the same 404 page as a missing record, so that ids reveal nothing); what they see
/// but may not do this to, and the site's own pages (which are no secret), get the 403 page
/// with the reason.
fn refusal(p: &Principal, record: Record, place: &Place, why: &str) -> WebError {
    let site_page = place.programme.is_none() && place.network.is_none() && place.urn.is_none();
    if site_page || p.may(Action::View, record, place) { WebError::Forbidden(why.into()) } else { not_found() }
}

/// The 404 page for a record the viewer may not see, worded as for one that does not exist.
pub(crate) fn not_found() -> WebError {
    WebError::NotFound("There is no such page. Check the address, or start from the home page.".into())
}

/// The client's address: the connection's peer, or behind trusted proxies the rightmost
/// X-Forwarded-For entry that is not one of them (see [`crate::proxy`]).
fn client_address(req: &Request, proxies: &crate::proxy::TrustedProxies) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip())?;
    if proxies.is_empty() {
        return Some(peer.to_string());
    }
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    Some(proxies.client(peer, &forwarded).to_string())
}

/// Reads the session, checks CSRF on state-changing requests, and runs the rest of the request
/// with the [`Viewer`] in place.
pub async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/static/") || path == "/healthz" {
        return next.run(req).await;
    }
    let jar = cookies(req.headers());
    let mut clear_session_cookie = false;
    let session = match jar.get(SESSION_COOKIE).filter(|t| is_token(t)) {
        Some(token) => match state.db.session(token, &state.config.sign_in).await {
            Ok(Some(s)) => Some(Arc::new(s)),
            Ok(None) => {
                clear_session_cookie = true;
                None
            }
            Err(e) => return WebError::from(e).into_response(),
        },
        None => None,
    };
    let mut new_csrf_cookie = None;
    let csrf = match (&session, jar.get(CSRF_COOKIE).filter(|t| is_token(t))) {
        (Some(s), _) => s.csrf.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => {
            let t = random_token();
            new_csrf_cookie = Some(t.clone());
            t
        }
    };
    let viewer = Viewer {
        session,
        csrf,
        client: client_address(&req, &state.config.trust_proxy),
        path: req.uri().path_and_query().map_or(path.clone(), |p| p.as_str().to_owned()),
    };

    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let limit = crate::routes::body_limit(&path);
        let c = &state.config.connections;
        let within = if limit > crate::routes::FORM_LIMIT { c.upload_body_within } else { c.form_body_within };
        // Refusals are pages too: rendered as the viewer, so a signed-in person is not offered
        // "Sign in".
        match CURRENT.scope(viewer.clone(), limit_body(req, limit, within)).await {
            Ok(r) => req = r,
            Err(resp) => return resp,
        }
        match CURRENT.scope(viewer.clone(), check_csrf(req, &viewer)).await {
            Ok(r) => req = r,
            Err(resp) => return resp,
        }
    }

    req.extensions_mut().insert(viewer.clone());
    // For the route guards that find a record's place before its handler runs.
    req.extensions_mut().insert(state.db.clone());
    let signed_in = viewer.session.is_some();
    let mut resp = CURRENT.scope(viewer, next.run(req)).await;
    let secure = state.config.secure_cookies;
    if let Some(t) = new_csrf_cookie {
        resp.headers_mut().append(header::SET_COOKIE, cookie(CSRF_COOKIE, &t, None, "Strict", secure));
    }
    if clear_session_cookie && !resp.headers().contains_key(header::SET_COOKIE) {
        resp.headers_mut().append(header::SET_COOKIE, cookie(SESSION_COOKIE, "", Some(Duration::ZERO), "Lax", secure));
    }
    if signed_in {
        // Pages for a signed-in person are theirs alone: no shared or back-button caching.
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// How long a body too large to accept is read (and thrown away) before the 413 page is sent,
/// so that the browser, still sending, shows the page rather than a reset connection.
const DRAIN_FOR: Duration = Duration::from_secs(30);

/// Refuses a body over `limit` bytes before anything reads it: at once when its Content-Length
/// says so, and while it streams otherwise (the body the handlers see stops with an error at
/// the limit, which they answer with the same 413 page); and one that has not arrived in full
/// `within` its time (408).
async fn limit_body(req: Request, limit: usize, within: Duration) -> Result<Request, Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let (_, body) = req.into_parts();
        let _ = tokio::time::timeout(DRAIN_FOR, async {
            use http_body_util::BodyExt as _;
            let mut body = body;
            while let Some(Ok(_)) = body.frame().await {}
        })
        .await;
        return Err(WebError::TooLarge(limit).into_response());
    }
    let (parts, body) = req.into_parts();
    Ok(Request::from_parts(parts, Body::new(Deadline::new(http_body_util::Limited::new(body, limit), within))))
}

/// A request body that must arrive in full within a time, however slowly it trickles: a body
/// sent a byte a minute would otherwise hold its connection for days.
struct Deadline<B> {
    body: B,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

/// The error a body gives when its time has run out.
#[derive(Debug, thiserror::Error)]
#[error("the request took too long to arrive")]
pub struct BodyTooSlow;

impl<B> Deadline<B> {
    fn new(body: B, within: Duration) -> Deadline<B> {
        Deadline { body, sleep: Box::pin(tokio::time::sleep(within)) }
    }
}

impl<B> hyper::body::Body for Deadline<B>
where
    B: hyper::body::Body + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = B::Data;
    type Error = axum::BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.sleep.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(Some(Err(Box::new(BodyTooSlow))));
        }
        std::pin::Pin::new(&mut this.body).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// An upload that could not be read, as the page says it: too large, too slow, or broken.
pub(crate) fn unreadable_upload(e: axum::extract::multipart::MultipartError) -> WebError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge(crate::routes::UPLOAD_LIMIT)
    } else if too_slow(&e) {
        WebError::TooSlow
    } else {
        WebError::BadRequest("The upload could not be read: send the form again, choosing the file anew.".into())
    }
}

/// Whether a body error (however wrapped) is the deadline's.
pub(crate) fn too_slow(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<BodyTooSlow>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// A state-changing request must come from this site's own pages: the browser says so
/// (Sec-Fetch-Site, Origin) when it can, and the form carries the token that only this site's
/// pages know. An ordinary form's body (small, see [`crate::routes::body_limit`]) is read, and
/// put back, to find its `csrf` field; an upload carries the token in its address instead, so
/// that its body is never buffered here.
async fn check_csrf(req: Request, viewer: &Viewer) -> Result<Request, Response> {
    let refuse = || WebError::StaleForm.into_response();
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refuse());
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if origin == "null" || origin_host != host {
            return Err(refuse());
        }
    }
    let from_header = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    // An upload's form sends its token as its first field, which the upload's handler reads
    // (`upload_token`) before the file: the body is never buffered here, and the token never
    // travels in an address, where logs and Referer headers would keep it.
    let upload = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"))
        && crate::routes::body_limit(req.uri().path()) > crate::routes::FORM_LIMIT;
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = req.into_parts();
    let (from_body, body) = if is_form {
        // Only an ordinary form's worth is ever buffered, on any path.
        let limit = crate::routes::FORM_LIMIT.min(crate::routes::body_limit(parts.uri.path()));
        let bytes = to_bytes(body, limit)
            .await
            .map_err(|e| if too_slow(&e) { WebError::TooSlow } else { WebError::TooLarge(limit) }.into_response())?;
        let field = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
        (field, Body::from(bytes))
    } else {
        (None, body)
    };
    if upload && from_header.is_none() {
        let mut parts = parts;
        parts.extensions.insert(TokenInUpload);
        return Ok(Request::from_parts(parts, body));
    }
    let given = from_body.or(from_header).unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), viewer.csrf.as_bytes()) || viewer.csrf.is_empty() {
        return Err(refuse());
    }
    Ok(Request::from_parts(parts, body))
}

/// Set on an upload whose CSRF token is in its body, for its handler to check.
#[derive(Debug, Clone, Copy)]
pub struct TokenInUpload;

/// Checks an upload's token, its form's first field (`csrf`), before anything else is read.
/// Without [`TokenInUpload`] the token came in a header and was checked already.
pub async fn upload_token(
    marked: Option<axum::Extension<TokenInUpload>>,
    form: &mut axum::extract::Multipart,
    viewer: &Viewer,
) -> Result<(), WebError> {
    if marked.is_none() {
        return Ok(());
    }
    let field = form.next_field().await.map_err(|_| WebError::StaleForm)?.ok_or(WebError::StaleForm)?;
    if field.name() != Some("csrf") {
        return Err(WebError::StaleForm);
    }
    let given = field.text().await.map_err(|_| WebError::StaleForm)?;
    if given.len() > 128 || !constant_time_eq(given.as_bytes(), viewer.csrf.as_bytes()) || viewer.csrf.is_empty() {
        return Err(WebError::StaleForm);
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a route requires. Every route in the table states one; the authorisation matrix test
/// walks them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: public data, the eligibility checker, signing in.
    Public,
    /// Any signed-in person (their own account, signing out).
    SignedIn,
    /// A signed-in person holding a role that may do this to such records somewhere; the
    /// handler then asks the policy about the record itself, and lists are filtered by it.
    May(Action, Record),
    /// A signed-in person who may do this to the record the address names: the guard finds
    /// the record's place from the path and asks the policy before the handler runs, so a
    /// handler cannot forget to. What does not exist, and what the viewer may not see, are
    /// the same 404 page.
    At(Action, Record, Locate),
}

/// How a route's path names the place of its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locate {
    /// `{id}` is a programme.
    Programme,
    /// `{id}` is a programme and `{network}` one of its networks.
    Network,
    /// `{id}` is a programme and `{urn}` a school in it (its place includes its network).
    Enrolment,
    /// `{id}` is a programme and `{day}` one of its planned days: the day's place is its
    /// network's (a Development Day too, so that its roll is the adviser's and the team's).
    Day,
}

/// The place of the record a path names, or `None` when there is no such record.
async fn locate(
    db: &aspire_store::Db,
    how: Locate,
    params: &HashMap<String, String>,
) -> Result<Option<Place>, WebError> {
    use aspire_core::people::{NetworkId, ProgrammeId};
    let Some(programme) = params.get("id").and_then(|v| v.parse::<ProgrammeId>().ok()) else { return Ok(None) };
    if db.programme(programme).await?.is_none() {
        return Ok(None);
    }
    Ok(match how {
        Locate::Programme => Some(Place::programme(programme)),
        Locate::Network => {
            let Some(network) = params.get("network").and_then(|v| v.parse::<NetworkId>().ok()) else {
                return Ok(None);
            };
            db.network(network).await?.filter(|n| n.programme == programme).map(|_| Place::network(programme, network))
        }
        Locate::Enrolment => {
            let Some(urn) = params.get("urn").and_then(|v| aspire_core::urn::Urn::parse(v).ok()) else {
                return Ok(None);
            };
            db.enrolment(programme, urn).await?.map(|e| e.place())
        }
        Locate::Day => {
            let Some(day) = params.get("day").and_then(|v| v.parse::<i64>().ok()) else { return Ok(None) };
            db.programme_event(programme, day).await?.map(|e| Place::day(programme, e.network, e.adviser))
        }
    })
}

/// The per-route guard.
pub async fn guard(State(access): State<Access>, req: Request, next: Next) -> Response {
    let viewer = req.extensions().get::<Viewer>().cloned().unwrap_or_default();
    let somewhere = |action: Action, record: Record| {
        viewer.signed_in().and_then(|s| {
            if s.principal.may_somewhere(action, record) {
                Ok(())
            } else {
                Err(WebError::Forbidden("no role you hold gives access to this page".into()))
            }
        })
    };
    let allowed = match access {
        Access::Public => Ok(()),
        Access::SignedIn => viewer.signed_in().map(|_| ()),
        Access::May(action, record) => somewhere(action, record),
        Access::At(action, record, how) => match somewhere(action, record) {
            Err(e) => Err(e),
            Ok(()) => {
                let (mut parts, body) = req.into_parts();
                let params: HashMap<String, String> =
                    match axum::extract::Path::<HashMap<String, String>>::from_request_parts(&mut parts, &()).await {
                        Ok(axum::extract::Path(p)) => p,
                        Err(_) => HashMap::new(),
                    };
                let req = Request::from_parts(parts, body);
                let Some(db) = req.extensions().get::<aspire_store::Db>().cloned() else {
                    return WebError::Internal("the database is not on the request".into()).into_response();
                };
                let decided = match locate(&db, how, &params).await {
                    Err(e) => Err(e),
                    Ok(None) => Err(not_found()),
                    Ok(Some(place)) => viewer.require(action, record, &place).map(|_| ()),
                };
                return match decided {
                    Ok(()) => next.run(req).await,
                    Err(e) => e.into_response(),
                };
            }
        },
    };
    match allowed {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// A path on this site, as given (for instance in `?next=`), or `None` when it could lead
/// anywhere else. It is parsed, not pattern-matched: it must be a URI with neither scheme nor
/// host, whose path starts with one `/` (a browser reads `//host` and `/\\host` as another
/// site), with no control character or space anywhere (browsers drop tabs and line breaks from
/// a `Location`, which turns `/<tab>/host` into `//host`) and no backslash.
pub fn local_path(given: &str) -> Option<String> {
    if given.is_empty() || given.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return None;
    }
    let uri: axum::http::Uri = given.parse().ok()?;
    if uri.scheme().is_some() || uri.authority().is_some() {
        return None;
    }
    let pq = uri.path_and_query()?;
    let path = pq.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    // The value must be its own parse, byte for byte, so that nothing is reinterpreted later.
    (pq.as_str() == given).then(|| given.to_owned())
}

/// Where to send someone to sign in, coming back to `path` afterwards (only a path on this site).
pub fn sign_in_redirect(path: &str) -> Response {
    let next = local_path(path).filter(|p| !p.starts_with(urls::route::SIGN_IN)).unwrap_or_else(urls::home);
    let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
    Redirect::to(&format!("{}?{q}", urls::sign_in())).into_response()
}

/// Fixed-window counters per (purpose, client), in this process. They slow one client down;
/// the per-account failure count that stops password guessing is in the database, shared by
/// every instance.
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    hits: Arc<Mutex<HashMap<(&'static str, String), Window>>>,
}

/// When the current window started, and the requests counted in it.
type Window = (Instant, u32);

impl RateLimiter {
    /// Counts a request; `Err(seconds)` when the client has made `limit` within `window`.
    pub fn check(&self, purpose: &'static str, client: Option<&str>, limit: u32, window: Duration) -> Result<(), u64> {
        self.tally(purpose, client, limit, window, true)
    }

    /// As [`RateLimiter::check`] without counting: for requests that count only once they have
    /// succeeded ([`RateLimiter::count`]), so that mistakes do not use up the allowance.
    pub fn peek(&self, purpose: &'static str, client: Option<&str>, limit: u32, window: Duration) -> Result<(), u64> {
        self.tally(purpose, client, limit, window, false)
    }

    /// Counts a request that succeeded.
    pub fn count(&self, purpose: &'static str, client: Option<&str>, window: Duration) {
        let _ = self.tally(purpose, client, u32::MAX, window, true);
    }

    fn tally(
        &self,
        purpose: &'static str,
        client: Option<&str>,
        limit: u32,
        window: Duration,
        add: bool,
    ) -> Result<(), u64> {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 10_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let key = client.map_or_else(|| "unknown".to_owned(), aspire_store::client_key);
        let e = hits.entry((purpose, key)).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        if e.1 >= limit {
            return Err(window.saturating_sub(now.duration_since(e.0)).as_secs().max(1));
        }
        if add {
            e.1 += 1;
        }
        Ok(())
    }
}
