//! Request middleware: who is calling (session and client info), whether a mutation may come
//! from where it comes from (origin check), and the security headers every response carries.

use super::{
    auth,
    context::{Authed, ClientInfo},
    db::{preferences, sessions},
    now,
    state::AppState,
};
use crate::model::preferences::{known_zone, Preferences};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use std::net::SocketAddr;

/// Resolves the session cookie against the database on every request (so an ended session is
/// signed out at once, on every instance) and records client IP and browser.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !needs_session(req.uri().path(), &state.leptos_options.site_pkg_dir) {
        // Static files and health checks: no database round trip for each of them.
        return next.run(req).await;
    }
    let client = client_info(&state, &req);
    let token = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::token_from_cookies(c, state.config.production));
    let mut authed = None;
    if let Some(token) = token {
        let now = now();
        match sessions::find_active(&state.db, &auth::token_hash(&token), now).await {
            Ok(Some(s)) => {
                if sessions::needs_touch(s.last_seen_at, now) {
                    // A failed touch only delays last-seen; the request itself is fine.
                    let _ = sessions::touch(&state.db, &s.id, now).await;
                }
                authed = Some(Authed {
                    user_id: s.user_id,
                    session_id: s.id,
                    reauth_at: s.reauth_at,
                });
            }
            Ok(None) => {}
            Err(_) => return unavailable(),
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
    if !path.starts_with("/api/v1/") {
        // Pages and their server functions show times and lists the person's way.
        let saved = match &authed {
            Some(a) => match preferences::get(&state.db, &a.user_id).await {
                Ok(saved) => saved,
                Err(_) => return unavailable(),
            },
            None => None,
        };
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
        let lang = crate::i18n::Lang::resolve(&prefs.language, accept_language);
        req.extensions_mut().insert(lang);
        req.extensions_mut().insert(prefs);
    }
    req.extensions_mut().insert(client);
    if let Some(authed) = authed {
        req.extensions_mut().insert(authed);
    }
    next.run(req).await
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

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The database is unavailable. Please try again.",
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
    let forwarded = state
        .config
        .trust_proxy
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
        })
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|ip| ip.trim().to_string());
    let ip = forwarded
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

/// Gives a failed server function the HTTP status of its `AppError`: server_fn answers every
/// error with 500. (Form posts without JavaScript are redirects back to the form instead, since
/// a browser cannot show a JSON body; those are left alone.)
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    // Leptos leaves a bare `?` when it strips an old error from the form's URL.
    if res.status().is_redirection() {
        if let Some(tidy) = res
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.strip_suffix('?'))
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            res.headers_mut().insert(header::LOCATION, tidy);
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
        if let crate::error::AppError::RateLimited(secs) = err {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Headers every response carries: no sniffing, no framing, no referrer leakage off-site.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
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
