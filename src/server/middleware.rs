//! Request middleware: who is calling (session and client info), whether a mutation may come
//! from where it comes from (origin check), and the security headers every response carries.

use super::{
    auth,
    context::{Authed, ClientInfo},
    db::{caller, sessions},
    now,
    state::AppState,
};
use crate::i18n::Msg;
use crate::model::form::Typed;
use crate::model::preferences::{known_zone, Preferences};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use std::net::SocketAddr;

/// The bell's poll (`api::notifications::unread_count`).
const UNREAD_COUNT_PATH: &str =
    <crate::api::notifications::UnreadCount as leptos::server_fn::ServerFn>::PATH;

/// Resolves the session cookie against the database on every request (so an ended session is
/// signed out at once, on every instance) and records client IP and browser.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !needs_session(req.uri().path(), &state.leptos_options.site_pkg_dir) {
        // Static files and health checks: no database round trip for each of them.
        return next.run(req).await;
    }
    let client = client_info(&state, &req);
    if req.uri().path().starts_with("/api/v1/") {
        // The REST API authenticates by key only (a browser's cookie does not open it).
        req.extensions_mut().insert(client);
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::token_from_cookies(c, state.config.production));
    let mut authed = None;
    let mut saved = None;
    let mut header = None;
    if let Some(token) = token {
        let now = now();
        let with_header = shows_header(&req);
        match caller::find(&state.db, &auth::token_hash(&token), now, with_header).await {
            Ok(Some(c)) => {
                let s = c.session;
                // The bell's poll is not the person's activity (see `api::notifications`).
                let background = req.uri().path() == UNREAD_COUNT_PATH;
                if !background && sessions::needs_touch(s.last_seen_at, now) {
                    // A failed touch only delays last-seen; the request itself is fine.
                    let _turn = state.write_turn().await;
                    let _ = sessions::touch(&state.db, &s.id, now).await;
                }
                authed = Some(Authed {
                    user_id: s.user_id,
                    session_id: s.id,
                    reauth_at: s.reauth_at,
                    reauth_window: state.config.reauth_window_secs,
                    chosen_account: s.current_account_id,
                });
                saved = c.preferences;
                header = c.header;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the session");
                return unavailable(req.uri().path());
            }
        }
    }
    let path = req.uri().path().to_string();
    if req.method() == Method::GET {
        if authed.is_none() && (path == "/settings" || path.starts_with("/settings/")) {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/settings/profile");
            return Redirect::to(&format!(
                "/signin?next={}",
                url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
            ))
            .into_response();
        }
        if authed.is_some() && (path == "/signin" || path == "/signup") {
            return Redirect::to("/settings/profile").into_response();
        }
    }
    {
        // Pages and their server functions show times and lists the person's way.
        let browser_zone = req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| auth::cookie_value(c, BROWSER_ZONE_COOKIE));
        let prefs = effective_preferences(saved, browser_zone.as_deref());
        let accept_language = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let lang = crate::i18n::Lang::resolve(prefs.language.as_str(), accept_language);
        req.extensions_mut().insert(lang);
        req.extensions_mut().insert(prefs);
    }
    req.extensions_mut().insert(client);
    if let Some(authed) = authed {
        req.extensions_mut().insert(authed);
    }
    if let Some(header) = header {
        req.extensions_mut().insert(header);
    }
    next.run(req).await
}

/// The layout's server function (`api::auth::get_current_user`).
const CURRENT_USER_PATH: &str =
    <crate::api::auth::GetCurrentUser as leptos::server_fn::ServerFn>::PATH;

/// Whether the request renders the header or asks for what it shows: pages, and the layout's
/// server function when a tab is opened in place. Other server functions skip its counts.
fn shows_header(req: &Request) -> bool {
    let path = req.uri().path();
    path == CURRENT_USER_PATH
        || (matches!(*req.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/"))
}

/// The cookie in which the page tells us the browser's time zone (set by the `Enhanced` island).
pub const BROWSER_ZONE_COOKIE: &str = "pc_tz";

/// What a request shows with: the saved preferences, where no zone was chosen the browser's (if
/// it is a real zone), else the defaults.
fn effective_preferences(saved: Option<Preferences>, browser_zone: Option<&str>) -> Preferences {
    let mut prefs = saved.unwrap_or_default();
    if !prefs.zone_chosen {
        if let Some(zone) = browser_zone.filter(|z| known_zone(z)) {
            prefs.time_zone = zone.to_string();
        }
    }
    prefs
}

/// 503 while the database cannot be reached: the `AppError` a server function's caller
/// expects, or a small page a browser can show.
fn unavailable(path: &str) -> Response {
    let retry = (
        header::RETRY_AFTER,
        HeaderValue::from(crate::error::UNAVAILABLE_RETRY_SECS),
    );
    if path.starts_with("/api/") {
        let body = serde_json::to_string(&crate::error::AppError::Unavailable).unwrap_or_default();
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [
                retry,
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
            ],
            body,
        )
            .into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [retry, (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Unavailable · Profile Center</title></head><body><main><h1>Profile Center is briefly unavailable</h1><p>Please try again in a moment.</p></main></body></html>",
    )
        .into_response()
}

/// Whether a request may need to know who is calling: everything but the site's static files
/// and the health checks.
fn needs_session(path: &str, pkg_dir: &str) -> bool {
    let static_file = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(pkg_dir))
        .is_some_and(|rest| rest.starts_with('/'));
    !(static_file
        || path.starts_with("/swagger/")
        || path.starts_with("/avatars/")
        || matches!(
            path,
            "/healthz" | "/readyz" | "/favicon.svg" | "/robots.txt"
        ))
}

fn client_info(state: &AppState, req: &Request) -> ClientInfo {
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let ip = forwarded_client(&forwarded, state.config.proxy_hops)
        .or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(512)
        .collect();
    ClientInfo { ip, user_agent }
}

/// The client's address in an `X-Forwarded-For` chain that `hops` trusted proxies appended to:
/// the entry `hops` places from the right. Entries further left were sent by the client and
/// could say anything; with `hops = 0` the header is not trusted at all.
fn forwarded_client(header: &str, hops: usize) -> Option<String> {
    if hops == 0 {
        return None;
    }
    let entries: Vec<&str> = header
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let at = entries.len().checked_sub(hops).unwrap_or(0);
    entries
        .get(at)
        .and_then(|e| e.parse::<std::net::IpAddr>().ok())
        .map(|ip| ip.to_string())
}

/// Refuses state-changing requests that a browser marks as coming from another site.
///
/// `Sec-Fetch-Site` is sent by every current browser; `Origin` covers older ones. Requests
/// carrying neither (curl, scripts) are not browser-driven, so there is no ambient cookie to
/// abuse beyond what SameSite=Lax already stops.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !is_same_origin(&req, state.config.public_origin.as_deref()) {
        tracing::warn!(path = %req.uri().path(), "cross-origin request refused");
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Cross-origin request refused.",
        )
            .into_response();
    }
    next.run(req).await
}

fn is_same_origin(req: &Request, public_origin: Option<&str>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if let Some(public) = public_origin {
        return origin == public;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    !host.is_empty() && origin_host == host
}

/// Server function bodies are small forms: anything larger is refused with 413 before a byte
/// of it reaches a function (which would see it only as "could not be understood").
pub const SERVER_FN_BODY_LIMIT: usize = 64 * 1024;

/// Enforces `SERVER_FN_BODY_LIMIT` on `/api/…` server functions (the REST API and the picture
/// upload have limits of their own), with a page a browser can show for a plain form post.
pub async fn server_fn_body_limit(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/v1/") || req.method() != Method::POST {
        return next.run(req).await;
    }
    let lang = req
        .extensions()
        .get::<crate::i18n::Lang>()
        .copied()
        .unwrap_or_default();
    let form_post = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    // Back to the page the form was on (a path of ours only).
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| u.path().to_string())
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/settings/profile".into());
    use futures_util::StreamExt;
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return (
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
                .into_response();
        };
        if bytes.len() + chunk.len() > SERVER_FN_BODY_LIMIT {
            drain(stream).await;
            return too_large(form_post, &back, lang);
        }
        bytes.extend_from_slice(&chunk);
    }
    let mut parts = parts;
    if form_post {
        parts.extensions.insert(kept_fields(&bytes));
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// What a form posted without JavaScript typed, minus anything secret, so that a form which
/// comes back with an error shows it again instead of making the person type it all anew. It
/// travels only inside the sealed `__err` (encrypted, bound to the function, short-lived).
fn kept_fields(body: &[u8]) -> Typed {
    // At most this much is kept, so the URL stays short; a longer form comes back empty.
    const MAX_BYTES: usize = 2048;
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .into_owned()
        .filter(|(name, _)| !Typed::is_secret(name))
        .collect();
    let size: usize = fields.iter().map(|(k, v)| k.len() + v.len()).sum();
    match size <= MAX_BYTES {
        true => Typed(fields),
        false => Typed::default(),
    }
}

/// The sealed content of `__err`: the error, and what the form had typed.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedForm {
    error: serde_json::Value,
    #[serde(default)]
    fields: Typed,
}

/// Reads and drops the rest of a refused body (up to 32 MB, for at most 30 s, never keeping
/// it): a browser that is cut off mid-upload shows a connection error instead of our message.
pub async fn drain(mut stream: axum::body::BodyDataStream) {
    use futures_util::StreamExt;
    let mut read = 0usize;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len();
            if read > 32 * 1024 * 1024 {
                break;
            }
        }
    })
    .await;
}

fn too_large(form_post: bool, back: &str, lang: crate::i18n::Lang) -> Response {
    use crate::i18n::in_lang;
    let err = crate::error::AppError::TooLarge;
    if form_post {
        let text = err.message().render(lang);
        let page = format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head><body><main><h1>{}</h1><p><a href=\"{}\">{}</a></p></main></body></html>",
            lang.code(),
            in_lang(lang, Msg::TooLarge),
            super::mail::templates::escape_html(&text),
            super::mail::templates::escape_html(back),
            in_lang(lang, Msg::Back),
        );
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONNECTION, "close"),
            ],
            page,
        )
            .into_response();
    }
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONNECTION, "close"),
        ],
        serde_json::to_string(&err).unwrap_or_default(),
    )
        .into_response()
}

/// Gives a failed server function the HTTP status of its `AppError`: server_fn answers every
/// error with 500. (Form posts without JavaScript are redirects back to the form instead, since
/// a browser cannot show a JSON body; those are left alone.)
pub async fn server_fn_status(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let posted = req.extensions().get::<Typed>().cloned().unwrap_or_default();
    let mut res = next.run(req).await;
    if res.status().is_redirection() {
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| seal_url_error(&state, l, posted))
            // Leptos leaves a bare `?` when it strips an old error from the form's URL.
            .map(|l| l.strip_suffix('?').map(str::to_string).unwrap_or(l))
            .and_then(|l| HeaderValue::from_str(&l).ok());
        if let Some(location) = location {
            res.headers_mut().insert(header::LOCATION, location);
        }
        return res;
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Error bodies are small JSON values; 64 KiB is far above any of them.
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(secs) = err.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// How long a form's error in its URL is shown (a reload soon after still shows it; an old
/// bookmarked URL does not).
const URL_ERROR_SECS: i64 = 600;

/// A form posted without JavaScript comes back to its page with its error in the URL
/// (`__err`, written by Leptos). Left as it is, anyone could write a link that shows their own
/// text in our red alert box. So the error is sealed here (AES-GCM under the app key, bound to
/// the server function's path, with the time), and pages show only errors that unseal.
fn seal_url_error(state: &AppState, location: &str, fields: Typed) -> String {
    let Ok(url) = url::Url::options()
        .base_url(Some(
            &url::Url::parse("http://local.invalid/").expect("a valid base"),
        ))
        .parse(location)
    else {
        return location.to_string();
    };
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    // A form sent again from the page its last refusal came back to: Leptos appends the new
    // error after the old one, which is dropped (the last pair is this post's).
    let last = |name: &str| pairs.iter().rposition(|(k, _)| k == name);
    let (Some(path_at), Some(err_at)) = (last("__path"), last("__err")) else {
        return location.to_string();
    };
    let (path, err) = (pairs[path_at].1.clone(), pairs[err_at].clone());
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .enumerate()
        .filter(|(i, (k, _))| !(k == "__path" || k == "__err") || *i == path_at || *i == err_at)
        .map(|(_, pair)| pair)
        .collect();
    use base64::Engine;
    let Some(error) = base64::engine::general_purpose::URL_SAFE
        .decode(&err.1)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
    else {
        return location.to_string();
    };
    let mut payload = super::now().to_be_bytes().to_vec();
    let sealed = SealedForm { error, fields };
    payload.extend_from_slice(&serde_json::to_vec(&sealed).unwrap_or_default());
    let sealed = super::crypto::encrypt(
        &state.config.secret_key,
        &format!("form-error:{path}"),
        &payload,
    );
    let mut out = url.clone();
    out.query_pairs_mut()
        .clear()
        .extend_pairs(pairs.iter().map(|(k, v)| {
            (
                k.as_str(),
                if k == "__err" {
                    sealed.as_str()
                } else {
                    v.as_str()
                },
            )
        }));
    if location.starts_with('/') {
        let query = out.query().map(|q| format!("?{q}")).unwrap_or_default();
        format!("{}{query}", out.path())
    } else {
        out.to_string()
    }
}

/// The error a sealed `__err` holds and what its form had typed, if it was sealed by us for
/// server function `path` within the last `URL_ERROR_SECS`; anything else shows nothing.
pub fn unseal_url_error(
    state: &AppState,
    path: &str,
    sealed: &str,
) -> Option<(crate::error::AppError, Typed)> {
    let payload = super::crypto::decrypt(
        &state.config.secret_key,
        &format!("form-error:{path}"),
        sealed,
    )?;
    let (at, json) = payload.split_at_checked(8)?;
    let at = i64::from_be_bytes(at.try_into().ok()?);
    if super::now() - at > URL_ERROR_SECS {
        return None;
    }
    let sealed: SealedForm = serde_json::from_slice(json).ok()?;
    Some((serde_json::from_value(sealed.error).ok()?, sealed.fields))
}

/// Headers every response carries: no sniffing, no framing, no referrer leakage off-site, a
/// browsing context of our own (COOP), HTTPS only from the first visit on (HSTS, production),
/// and a Content-Security-Policy: pages set theirs with the response's nonce (`page_csp`);
/// everything else gets one that allows nothing to run.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.production {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// The policy of a rendered page: scripts only with this response's nonce (the hydration
/// script, which then loads our module and WASM: `'strict-dynamic'`, `'wasm-unsafe-eval'`),
/// styles, pictures, requests and workers (`public/zone.js`) only from here, no plugins, no
/// framing, forms only to us.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' blob:; connect-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Puts the page's policy on the response being rendered (called by the HTML shell).
pub fn set_page_csp() {
    let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce)) {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut builder = axum::http::Request::builder().method("POST").uri("/api/x");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn static_files_and_health_checks_skip_the_session_lookup() {
        for path in [
            "/pkg/profile-center.abc.wasm",
            "/healthz",
            "/readyz",
            "/favicon.svg",
            "/robots.txt",
            "/swagger/swagger-ui.css",
        ] {
            assert!(!needs_session(path, "pkg"), "{path}");
        }
        for path in [
            "/settings/profile",
            "/api/get_profile_page",
            "/signin",
            "/pkgs",
            "/",
        ] {
            assert!(needs_session(path, "pkg"), "{path}");
        }
    }

    #[test]
    fn the_client_is_the_address_the_trusted_proxy_added() {
        // The client wrote "1.2.3.4"; our one proxy appended the address it saw.
        assert_eq!(
            forwarded_client("1.2.3.4, 203.0.113.9", 1).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            forwarded_client("1.2.3.4, 203.0.113.9, 10.0.0.2", 2).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            forwarded_client("203.0.113.9", 2).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            forwarded_client("1.2.3.4", 0),
            None,
            "not behind a proxy: ignored"
        );
        assert_eq!(forwarded_client("1.2.3.4, not-an-ip", 1), None);
        assert_eq!(forwarded_client("", 1), None);
    }

    #[test]
    fn the_browser_zone_applies_only_until_a_zone_is_chosen() {
        let fresh = effective_preferences(None, Some("Asia/Tokyo"));
        assert_eq!(fresh.time_zone, "Asia/Tokyo");
        assert_eq!(
            effective_preferences(None, Some("Not/AZone")).time_zone,
            "UTC"
        );
        let chosen = Preferences {
            time_zone: "Europe/Berlin".into(),
            zone_chosen: true,
            ..Preferences::default()
        };
        assert_eq!(
            effective_preferences(Some(chosen), Some("Asia/Tokyo")).time_zone,
            "Europe/Berlin"
        );
    }

    #[test]
    fn a_post_from_another_site_is_refused() {
        assert!(!is_same_origin(
            &post(&[("host", "a.test"), ("origin", "http://evil.test")]),
            None
        ));
        assert!(!is_same_origin(
            &post(&[("host", "a.test"), ("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(!is_same_origin(
            &post(&[("host", "a.test"), ("sec-fetch-site", "same-site")]),
            None
        ));
        assert!(!is_same_origin(
            &post(&[("host", "a.test"), ("origin", "null")]),
            None
        ));
    }

    #[test]
    fn a_post_from_our_own_origin_or_a_script_passes() {
        assert!(is_same_origin(
            &post(&[
                ("host", "a.test:3000"),
                ("origin", "http://a.test:3000"),
                ("sec-fetch-site", "same-origin")
            ]),
            None
        ));
        assert!(is_same_origin(&post(&[("host", "a.test")]), None));
        assert!(is_same_origin(
            &post(&[("host", "internal:80"), ("origin", "https://pc.example")]),
            Some("https://pc.example")
        ));
        assert!(!is_same_origin(
            &post(&[("host", "pc.example"), ("origin", "http://pc.example")]),
            Some("https://pc.example")
        ));
    }
}

/// Runs every request but static files to the end in a task of its own, and answers with the
/// finished body, even when the client goes away or the request times out first.
///
/// A handler dropped midway could leave work half done in ways a transaction does not cover:
/// a SQLite connection whose write transaction was open when its request was dropped kept the
/// database's write lock until the pool reused it, and other writers got "database is locked"
/// (seen after `bench/run.sh` closed 32 writers' connections mid-request). So a user action
/// that has started always ends with its commit or its rollback.
///
/// Dropping a Leptos render midway (a closed connection, the request timeout) drops its
/// reactive owner on one thread while a Suspense task may still be walking that owner's
/// ancestors for a context on another; reactive_graph 0.2 then deadlocks that worker thread
/// for good (`Owner::with_context` holds the child's read lock while the parent's last
/// reference goes, and the parent's cleanup waits for the child's write lock). Seen under
/// `wrk`, which closes its connections mid-request when a run ends: a worker stuck, and the
/// process unable to exit. Pages are rendered whole before they are sent (`SsrMode::Async`) and
/// REST answers are small, so buffering here costs nothing a person could notice.
pub async fn finish_detached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let static_file = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(state.leptos_options.site_pkg_dir.as_ref()))
        .is_some_and(|rest| rest.starts_with('/'));
    if static_file || path.starts_with("/swagger/") {
        return next.run(req).await;
    }
    // The spawned task keeps the request's id and log span.
    let id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let span = tracing::Span::current();
    let finished = tokio::spawn(async move {
        use tracing::Instrument;
        let run = next.run(req).instrument(span);
        let res = match id {
            Some(id) => REQUEST_ID.scope(id, run).await,
            None => run.await,
        };
        let (parts, body) = res.into_parts();
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => Response::from_parts(parts, axum::body::Body::from(bytes)),
            Err(e) => {
                tracing::error!(error = %e, "a page's body could not be rendered");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    });
    match finished.await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "a page's render task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The id of the request being served: in its log lines (the `request` span), in the
/// `X-Request-Id` response header, and as the reference an internal error shows the person, so
/// that what they report finds its log lines.
#[derive(Debug, Clone)]
pub struct RequestId(pub std::sync::Arc<str>);

tokio::task_local! {
    /// The same id for code without the Leptos context (REST handlers).
    static REQUEST_ID: std::sync::Arc<str>;
}

/// The id of the request this code serves, if any.
pub fn current_request_id() -> Option<std::sync::Arc<str>> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// One log line per request (method, path without its query, status, milliseconds), and the
/// request's id for everything logged while it is served. The query is left out because links
/// in e-mails carry their tokens there.
pub async fn request_log(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id: std::sync::Arc<str> = super::random_id(6).into();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let span = tracing::info_span!("request", id = %id);
    let mut res = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span.clone()))
        .await;
    let status = res.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    let route = res.extensions().get::<axum::extract::MatchedPath>();
    state
        .metrics
        .request(route.map(|r| r.as_str()), &path, &method, status, secs);
    span.in_scope(|| {
        tracing::info!(
            target: "profile_center::request",
            %method,
            %path,
            status,
            ms = secs * 1000.0,
            "request"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", value);
    }
    res
}
