//! The Aspire web application: server-rendered pages (askama templates, escaped by default)
//! over the store. Pages work without JavaScript.
//!
//! [`router`] builds the application for tests (`tower::ServiceExt::oneshot`) and
//! [`serve`] runs it on a listener the caller bound (port 0 in tests).

pub mod auth;
mod error;
mod extract;
mod filters;
mod forms;
mod nav;
pub mod proxy;
mod receipts;
mod register;
mod routes;
mod server;
pub mod urls;

use std::future::Future;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use aspire_store::{Db, SignInPolicy};

pub use error::WebError;
pub use routes::{FORM_LIMIT, RouteInfo, UPLOAD_LIMIT, route_table};
pub use server::{ConnectionLimits, serve_with_limits as serve_router};

/// How this instance is reached and how strict it is.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use, for links in emails: `https://aspire.example.org`.
    pub public_url: String,
    /// Mark cookies Secure (the service is reached over HTTPS).
    pub secure_cookies: bool,
    /// The reverse proxies in front of this service: from them, the client's address is read
    /// from X-Forwarded-For (the rightmost entry that is not one of them).
    pub trust_proxy: proxy::TrustedProxies,
    pub sign_in: SignInPolicy,
    /// Sign-in and password-reset attempts per client per minute.
    pub form_rate_per_minute: u32,
    /// Enquiries kept from the public form per client per hour: generous, because a school's
    /// staff, or a local authority's schools, often share one address.
    pub enquiries_per_hour: u32,
    /// Enquiries kept about one school per day, from any address.
    pub enquiries_per_school_per_day: u64,
    /// The address the public writes to about a programme that has no contact of its own.
    pub contact_email: String,
    /// The date the public pages take as today (`None`: the server's date). For tests, and to
    /// show past programmes as they were.
    pub today: Option<chrono::NaiveDate>,
    /// How many connections are served at once, from one address, and how long headers take.
    pub connections: ConnectionLimits,
    /// The database this server runs on, as `--database-url` takes it (a password hidden), for
    /// the commands the pages suggest; `None`: the suggestions leave it out.
    pub database_url_hint: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".into(),
            database_url_hint: None,
            secure_cookies: false,
            trust_proxy: proxy::TrustedProxies::default(),
            sign_in: SignInPolicy::default(),
            form_rate_per_minute: 20,
            enquiries_per_hour: 30,
            enquiries_per_school_per_day: 5,
            contact_email: "programmes@aspire.invalid".into(),
            today: None,
            connections: ConnectionLimits::default(),
        }
    }
}

impl WebConfig {
    /// For a public address: cookies are Secure when it is HTTPS.
    pub fn for_url(public_url: &str) -> WebConfig {
        WebConfig {
            public_url: public_url.trim_end_matches('/').to_owned(),
            secure_cookies: public_url.starts_with("https://"),
            ..WebConfig::default()
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub config: std::sync::Arc<WebConfig>,
    pub limiter: auth::RateLimiter,
    /// The last full eligibility run, reused while the data, rules and date are the same.
    pub eligibility_cache: routes::eligibility::Cache,
    /// The last evaluation report, reused for its downloads.
    pub evaluation_cache: routes::evaluation::Cache,
    /// The directory, national figures and school profiles of the register as it is.
    pub register: register::RegisterCache,
    /// Tokens that open the pages saying a public form was sent.
    pub receipts: receipts::Receipts,
}

impl AppState {
    /// Today, as the public pages take it ([`WebConfig::today`], else the server's date).
    pub fn today(&self) -> chrono::NaiveDate {
        self.config.today.unwrap_or_else(|| aspire_core::ics::england_date(chrono::Utc::now()))
    }
}

/// The application with default settings (tests).
pub fn router(db: Db) -> Router {
    router_with(db, WebConfig::default())
}

/// The application with its security headers, sessions and CSRF checks.
pub fn router_with(db: Db, config: WebConfig) -> Router {
    let headers: [(HeaderName, &'static str); 6] = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "geolocation=(), camera=(), microphone=()"),
    ];
    // Over HTTPS, browsers are told to use nothing else for a year (HSTS).
    let hsts = config.public_url.starts_with("https://");
    let state = AppState {
        db,
        config: std::sync::Arc::new(config),
        limiter: Default::default(),
        eligibility_cache: Default::default(),
        evaluation_cache: Default::default(),
        register: Default::default(),
        receipts: Default::default(),
    };
    let mut app = routes::routes()
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer))
        .with_state(state);
    for (name, value) in headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    if hsts {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    app = with_fault_page(app);
    // One log line per request (method, path, status, latency) at info level. Invitation and
    // reset links carry a secret in the path: the log shows the path without it.
    app.layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &axum::http::Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()))
            })
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
    )
}

/// A fault in a handler (a panic) answers the request with the 500 page, the cause logged once
/// with its reference, instead of dropping the connection.
pub fn with_fault_page(app: Router) -> Router {
    app.layer(tower_http::catch_panic::CatchPanicLayer::custom(|payload: Box<dyn std::any::Any + Send>| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        WebError::Internal(format!("a handler panicked: {why}")).into_response()
    }))
}

/// A request path fit for the log: the token of an invitation or reset link is replaced.
fn loggable_path(path: &str) -> String {
    for prefix in ["/invitation/", "/password-reset/"] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}…");
        }
    }
    path.to_owned()
}

/// Serves until `shutdown` resolves, within the configuration's connection limits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (limits, proxies) = (config.connections.clone(), config.trust_proxy.clone());
    server::serve_with_limits(listener, router_with(db, config), limits, proxies, shutdown).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_tokens_stay_out_of_the_log() {
        assert_eq!(super::loggable_path("/invitation/0123abcd"), "/invitation/…");
        assert_eq!(super::loggable_path("/password-reset/0123abcd"), "/password-reset/…");
        assert_eq!(super::loggable_path("/password-reset"), "/password-reset");
        assert_eq!(super::loggable_path("/schools/100000"), "/schools/100000");
    }
}
