//! The REST API under `/api/v1`: JSON in and out, authenticated only by
//! `Authorization: Bearer pc_<id>.<secret>`, errors as `application/problem+json` (RFC 9457),
//! documented by an OpenAPI 3 document generated from the handlers (`/api/v1/openapi.json`)
//! and browsable in a vendored Swagger UI (`/api/docs`).
//!
//! Every request passes `authenticate` (key in the URL → 400; bad key → 401, one body for every
//! reason; over the per-key budget → 429 with `Retry-After`) before its handler, which checks
//! the scope it needs and calls the same code the settings tabs use.

mod accounts;
mod events;
mod preferences;
mod subscriptions;
mod v1;

use super::{api_keys, api_keys::Caller, context::ClientInfo, state::AppState};
use crate::{
    error::AppError,
    model::api_keys::{allows, Scope},
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{from_fn_with_state, Next},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, Ref, ResponseBuilder,
    },
    OpenApi, ToSchema,
};

/// `/api/v1/…` and `/api/docs`.
pub fn router(state: AppState) -> Router<AppState> {
    let authed = Router::new()
        .route("/me", get(v1::get_me).patch(v1::patch_me))
        .route("/me/sessions", get(v1::list_sessions))
        .route("/me/api-keys", get(v1::list_api_keys))
        .route("/me/notifications", get(events::list_notifications))
        .route(
            "/me/notifications/read-all",
            axum::routing::post(events::mark_all_read),
        )
        .route(
            "/me/notifications/{id}/read",
            axum::routing::post(events::mark_read),
        )
        .route(
            "/me/subscriptions",
            get(subscriptions::get_subscriptions).patch(subscriptions::patch_subscriptions),
        )
        .route(
            "/me/preferences",
            get(preferences::get_preferences).patch(preferences::patch_preferences),
        )
        .route("/me/accounts", get(accounts::my_accounts))
        .route("/me/invitations", get(accounts::my_invitations))
        .route(
            "/me/invitations/{id}/accept",
            axum::routing::post(accounts::accept),
        )
        .route(
            "/me/invitations/{id}/ignore",
            axum::routing::post(accounts::ignore),
        )
        .route("/accounts/{id}/members", get(accounts::members))
        .route(
            "/accounts/{id}/members/{user}",
            axum::routing::patch(accounts::change_member).delete(accounts::remove_member),
        )
        .route(
            "/accounts/{id}/invitations",
            axum::routing::post(accounts::invite),
        )
        .route(
            "/accounts/{id}/invitations/{invitation}",
            axum::routing::delete(accounts::revoke),
        )
        .route("/accounts/{id}/audit", get(accounts::audit))
        .layer(from_fn_with_state(state, authenticate));
    let v1 = Router::new()
        .route("/openapi.json", get(openapi_json))
        // The platform's own door, with its own key (not a person's API key).
        .route("/events", axum::routing::post(events::post_event))
        .merge(authed)
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "There is no such endpoint.") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "This endpoint does not accept that method.",
            )
        });
    Router::new()
        .nest("/api/v1", v1)
        .route("/api/docs", get(docs_page))
}

/// An error as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `title` is the HTTP status's meaning, `detail` says what to do.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Validation errors, one per field and problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// On 403: the scope the key lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_scope: Option<String>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            missing_scope: None,
            retry_after: None,
        }
    }

    /// The one answer for every key that does not work, whatever the reason.
    fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "Send a valid, active API key as `Authorization: Bearer pc_…` (only in that header: a key sent in a URL is never accepted; if you sent a real key that way, revoke it).",
        )
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut problem = Problem::new(status, err.to_string());
        problem.retry_after = err.retry_after();
        match err {
            AppError::Validation(fields) => {
                problem.errors = fields
                    .0
                    .into_iter()
                    .map(|(field, message)| FieldProblem {
                        field,
                        message: message.to_string(),
                    })
                    .collect();
            }
            _ => {}
        }
        problem
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"profile-center\""),
            );
        }
        res
    }
}

/// The credentials of an `Authorization: Bearer …` header; the scheme is case-insensitive
/// (RFC 9110), the credentials are not.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, credentials) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|c| !c.is_empty())
}

/// The key's scopes must include `scope` (a write scope includes its read scope).
pub fn require(caller: &Caller, scope: Scope) -> Result<(), Problem> {
    if allows(&caller.scopes, scope) {
        return Ok(());
    }
    let mut problem = Problem::new(
        StatusCode::FORBIDDEN,
        format!("This API key lacks the scope `{scope}`. Edit the key under Settings → API keys to add it."),
    );
    problem.missing_scope = Some(scope.to_string());
    Err(problem)
}

/// Query parameters that look like someone put a key in the URL.
fn key_in_query(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(name, value)| {
        matches!(
            name.to_ascii_lowercase().as_str(),
            "access_token" | "api_key" | "apikey" | "key" | "token" | "authorization"
        ) || value.starts_with("pc_")
    })
}

/// Recognises the key, applies its rate limit and hands the handler a `Caller`.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // A key in the URL is never accepted (URLs end up in logs and browser history): the same
    // 401 as any key that does not work, so the answer teaches nothing else.
    if req.uri().query().is_some_and(key_in_query) {
        return Problem::unauthorized().into_response();
    }
    let client = req
        .extensions()
        .get::<ClientInfo>()
        .cloned()
        .unwrap_or(ClientInfo {
            ip: "unknown".into(),
            user_agent: String::new(),
        });
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = match api_keys::authenticate(&state, authorization, &client).await {
        Ok(Some(caller)) => caller,
        Ok(None) => return Problem::unauthorized().into_response(),
        Err(e) => return Problem::from(e).into_response(),
    };
    match api_keys::rate_limit(&state, &caller.key_id).await {
        Ok(Ok(())) => {}
        Ok(Err(secs)) => {
            let mut problem = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("This key made too many requests. Try again in {secs} s."),
            );
            problem.retry_after = Some(secs);
            return problem.into_response();
        }
        Err(e) => return Problem::from(e).into_response(),
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// A JSON request body of at most 64 KiB.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<T, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && essence != "application/merge-patch+json" {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON (Content-Type: application/json).",
        ));
    }
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body must be at most 64 KiB.",
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        Problem::new(status, format!("The body does not fit the schema: {e}."))
    })
}

/// A strong ETag for a JSON representation: its content hash.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(body))[..32])
}

/// Whether an `If-Match` / `If-None-Match` header lists `etag` (or is `*`). Strong comparison:
/// weak tags never match, since these guard writes.
pub fn etag_listed(header_value: &str, etag: &str) -> bool {
    header_value
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag)
}

/// A read: JSON with its ETag, or `304 Not Modified` when the client's copy is current.
pub fn json_read<T: Serialize>(headers: &HeaderMap, value: &T) -> Response {
    let body = match serde_json::to_vec(value) {
        Ok(body) => body,
        Err(e) => return Problem::from(super::context::internal(e)).into_response(),
    };
    let etag = etag_of(&body);
    let cache = [
        (header::ETAG, etag.clone()),
        // Scripts may keep a copy but must revalidate it (with If-None-Match) before use.
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_listed(v, &etag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Profile Center API",
        version = "1",
        description = "Your profile, sessions and API keys, for scripts. Authenticate with a personal API key from Settings → API keys: `Authorization: Bearer pc_<id>.<secret>`. Each endpoint names the scope it needs; a `…:write` scope includes `…:read`. Reads carry an `ETag`; send it back as `If-Match` on writes to avoid overwriting someone else's change (412 when stale) and as `If-None-Match` to revalidate a copy (304). Errors are `application/problem+json`. Each key may make `API_RATE_LIMIT` requests per minute (600 by default); beyond that, 429 with `Retry-After`."
    ),
    paths(v1::get_me, v1::patch_me, preferences::get_preferences, preferences::patch_preferences, v1::list_sessions, v1::list_api_keys, events::list_notifications, subscriptions::get_subscriptions, subscriptions::patch_subscriptions, events::mark_read, events::mark_all_read, accounts::my_accounts, accounts::my_invitations, accounts::accept, accounts::ignore, accounts::members, accounts::invite, accounts::revoke, accounts::change_member, accounts::remove_member, accounts::audit, events::post_event),
    components(schemas(Problem, FieldProblem)),
    modifiers(&Conventions),
    tags(
        (name = "profile", description = "Who you are"),
        (name = "preferences", description = "Your time zone, formats, theme and language"),
        (name = "sessions", description = "Where you are signed in"),
        (name = "api-keys", description = "Your API keys (never their secrets)"),
        (name = "notifications", description = "Your in-app notifications and what you hear about"),
        (name = "accounts", description = "The accounts you belong to, invitations, and managing an account's members"),
        (name = "platform", description = "For the platform, with the operator's platform key: events that become notifications"),
    )
)]
struct ApiDoc;

/// What every operation shares: the bearer scheme, and the error answers every one can give.
struct Conventions;

impl utoipa::Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pc_<id>.<secret>")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "platform_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // The platform's events: one shape per type, built by `notifications::events`.
        if let Ok(event) =
            serde_json::from_value(crate::server::notifications::events::openapi_schema())
        {
            components.schemas.insert("PlatformEvent".into(), event);
        }
        if let Some(body) = openapi
            .paths
            .paths
            .get_mut("/api/v1/events")
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.request_body.as_mut())
        {
            if let Some(json) = body.content.get_mut("application/json") {
                json.schema = Some(Ref::from_schema_name("PlatformEvent").into());
            }
        }
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let rate_limited = {
            let mut r = problem("Too many requests with this key; wait `Retry-After` seconds.");
            r.headers.insert(
                "Retry-After".into(),
                utoipa::openapi::header::HeaderBuilder::new()
                    .schema(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Integer),
                    )
                    .description(Some("Seconds until the key may call again"))
                    .build(),
            );
            r
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.patch,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, response: utoipa::openapi::Response| {
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| response.into());
                };
                add("400", problem("Malformed request"));
                add(
                    "401",
                    problem("Missing, malformed, unknown, revoked or expired API key, or a key in the URL"),
                );
                add(
                    "403",
                    problem("The key lacks the scope this endpoint needs (`missing_scope`)"),
                );
                add("429", rate_limited.clone());
                add(
                    "500",
                    problem("Unexpected failure; `detail` carries a reference for the operator"),
                );
                let mut unavailable = problem(
                    "The database is briefly unavailable; retry after `Retry-After` seconds.",
                );
                unavailable.headers = rate_limited.headers.clone();
                add("503", unavailable);
            }
        }
    }
}

async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => Problem::from(super::context::internal(e)).into_response(),
    }
}

/// The Swagger UI page: vendored files under `/swagger/` (see `public/swagger/VERSION`), no CDN.
/// Swagger UI styles its widgets with inline style attributes and shows SVG icons as data
/// URLs; its scripts are our own files. Nothing else is allowed.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn docs_page() -> impl IntoResponse {
    (
        [(header::CONTENT_SECURITY_POLICY, DOCS_CSP)],
        Html(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation · Profile Center</title>
<link rel="stylesheet" href="/swagger/swagger-ui.css">
<link rel="stylesheet" href="/swagger/overrides.css">
</head>
<body>
<main id="swagger-ui" aria-label=Msg::ProfileCenterAPIDocumentation><noscript><p>The interactive documentation needs JavaScript. The OpenAPI document itself is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></noscript></main>
<script src="/swagger/swagger-ui-bundle.js"></script>
<script src="/swagger/init.js"></script>
</body>
</html>"#,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn keys_in_the_query_string_are_spotted() {
        assert!(key_in_query("api_key=abc"));
        assert!(key_in_query("x=1&access_token=abc"));
        assert!(key_in_query("q=pc_0123.abc"));
        assert!(key_in_query("Token=abc"));
        assert!(!key_in_query("page=2&q=hello"));
    }

    #[test]
    fn if_match_compares_strong_etags_and_star() {
        assert!(etag_listed("\"abc\"", "\"abc\""));
        assert!(etag_listed("\"x\", \"abc\"", "\"abc\""));
        assert!(etag_listed("*", "\"abc\""));
        assert!(!etag_listed("W/\"abc\"", "\"abc\""));
        assert!(!etag_listed("\"abd\"", "\"abc\""));
    }

    #[test]
    fn the_openapi_document_names_every_endpoint_and_the_bearer_scheme() {
        let doc = ApiDoc::openapi().to_json().unwrap();
        for needle in [
            "/api/v1/me",
            "/api/v1/me/sessions",
            "/api/v1/me/api-keys",
            "\"bearer\"",
            "application/problem+json",
        ] {
            assert!(doc.contains(needle), "{needle}");
        }
    }
}
