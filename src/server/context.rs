//! What a server function needs from the request it serves: the app state, the signed-in
//! session, the client's IP and browser, and the mapping of errors to HTTP statuses.
//!
//! The session middleware (`middleware::session`) resolves the cookie once per request and
//! leaves an `Authed` in the request's extensions; `require_user` is how every server function
//! insists on it.

use super::state::AppState;
use crate::error::AppError;
use http::request::Parts;
use leptos::prelude::*;

/// The signed-in person behind this request.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user_id: String,
    pub session_id: String,
    /// When this session last proved its owner's identity (sudo mode).
    pub reauth_at: Option<i64>,
    /// How long such a proof lasts (`Config::reauth_window_secs`).
    pub reauth_window: i64,
    /// The account the session chose to work in (checked against the memberships on use).
    pub chosen_account: Option<String>,
}

impl Authed {
    /// Until when sensitive actions are allowed, if the proof is still fresh.
    pub fn reauth_until(&self, now: i64) -> Option<i64> {
        self.reauth_at
            .map(|at| at + self.reauth_window)
            .filter(|until| *until > now)
    }
}

/// Where a request came from, for sessions and throttling.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("AppState missing from context"))
}

/// `f` of the request being served, when there is one: server functions and pages have it;
/// REST handlers, background jobs and tests do not, and that is not an error (so nothing is
/// logged). By reference: every translated string asks for the language, and cloning the
/// request's headers and extensions for each made a page cost several times its queries.
fn with_parts<R>(f: impl FnOnce(&Parts) -> Option<R>) -> Option<R> {
    with_context::<Parts, _>(f).flatten()
}

/// A value the middleware left in the request's extensions.
fn extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    with_parts(|p| p.extensions.get::<T>().cloned())
}

/// The signed-in user, or `Unauthenticated`. The first line of every protected server function.
pub fn require_user() -> Result<Authed, AppError> {
    extension::<Authed>().ok_or(AppError::Unauthenticated)
}

/// The signed-in user, who must also have proved their identity within the last ten minutes.
/// The first line of every sensitive server function (ending sessions, later API keys, …).
pub fn require_recent_auth() -> Result<Authed, AppError> {
    let user = require_user()?;
    match user.reauth_until(super::now()) {
        Some(_) => Ok(user),
        None => Err(AppError::ReauthRequired),
    }
}

/// Like `require_recent_auth`, for actions whose form may carry the password: a form that came
/// back because the window closed while the person typed (without JavaScript) asks for it
/// inside the same form, and a right password opens the window in this very request.
pub async fn require_recent_auth_or(password: Option<String>) -> Result<Authed, AppError> {
    let user = require_user()?;
    let now = super::now();
    if user.reauth_until(now).is_some() {
        return Ok(user);
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Err(AppError::ReauthRequired);
    };
    confirm_identity(&user, password).await?;
    Ok(Authed {
        reauth_at: Some(now),
        ..user
    })
}

/// Checks the password (or, with two-factor on, a current code), opens the window for sensitive
/// actions and gives the session its new token. Returns until when the window is open.
pub async fn confirm_identity(user: &Authed, password: String) -> Result<i64, AppError> {
    let state = state()?;
    let password = super::auth::Password(password);
    let (until, token) =
        super::sign_in::reauthenticate(&state, user, &client_info(), &password).await?;
    set_cookie(&super::auth::session_cookie(
        state.config.production,
        Some(&token),
    ));
    Ok(until)
}

/// What the header shows about the signed-in person, read by the session middleware with the
/// session itself (pages and the layout's server function only, see `middleware::shows_header`).
pub fn current_header() -> Option<crate::model::auth::CurrentUser> {
    extension()
}

/// The signed-in user if there is one (for pages that show either state).
pub fn current_session() -> Option<Authed> {
    extension()
}

pub fn client_info() -> ClientInfo {
    extension().unwrap_or(ClientInfo {
        ip: "unknown".into(),
        user_agent: String::new(),
    })
}

/// How this request shows times and pages lists (set by the session middleware).
pub fn preferences() -> crate::model::preferences::Preferences {
    extension().unwrap_or_default()
}

/// The language this request is shown in (set by the session middleware).
pub fn request_language() -> crate::i18n::Lang {
    extension().unwrap_or_default()
}

/// A cookie of this request.
pub fn request_cookie(name: &str) -> Option<String> {
    with_parts(|p| {
        let header = p.headers.get(http::header::COOKIE)?.to_str().ok()?;
        super::auth::cookie_value(header, name)
    })
}

/// Whether this call is a plain HTML form post (JavaScript off) rather than a `fetch`.
pub fn is_form_post() -> bool {
    with_parts(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.contains("text/html"))
    })
    .unwrap_or(false)
}

/// Where a form's action lands (a path on this site): a redirect for a plain form post, the path
/// itself for `fetch`, which `Enhanced` then follows.
pub fn land_on(path: String) -> Result<String, AppError> {
    if is_form_post() {
        leptos_axum::redirect(&path);
    }
    Ok(path)
}

/// Logs an unexpected failure under a fresh reference and returns the opaque error that names
/// only that reference.
pub fn internal(err: impl std::fmt::Display) -> AppError {
    // The request's id, so the reference a person reports finds the request's log lines.
    let reference = with_parts(|p| {
        p.extensions
            .get::<super::middleware::RequestId>()
            .map(|r| r.0.to_string())
    })
    .or_else(|| super::middleware::current_request_id().map(|id| id.to_string()))
    .unwrap_or_else(|| super::random_id(6));
    tracing::error!(reference = %reference, error = %err, "internal error");
    AppError::Internal(reference)
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn set_cookie(value: &str) {
    if let (Some(options), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        options.append_header(http::header::SET_COOKIE, value);
    }
}
