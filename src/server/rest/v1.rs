//! The v1 endpoints. Each checks its scope, then calls the code the settings tabs use, so the
//! API and the UI share every rule.

use super::{etag_listed, etag_of, json_read, read_json, require, Problem};
use crate::{
    model::{
        api_keys::{KeyStatus, KeyView},
        profile::{ProfileInput, ProfileView},
        sessions::{rfc3339, SessionView},
    },
    server::{api_keys::Caller, db, state::AppState},
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// Your profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    /// The primary e-mail address (read-only here).
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Null when not set.
    pub job_function: Option<crate::model::profile::JobFunction>,
    /// E.164, e.g. `+4930123456`; null when not set.
    pub phone: Option<String>,
    /// The id of the dashboard the platform opens after sign-in.
    pub default_dashboard: String,
}

impl Me {
    fn from_view(id: &str, p: ProfileView) -> Self {
        Me {
            id: id.to_string(),
            email: p.email,
            first_name: p.first_name,
            last_name: p.last_name,
            job_function: crate::model::profile::JobFunction::parse(&p.job_function),
            phone: Some(p.phone).filter(|v| !v.is_empty()),
            default_dashboard: p.default_dashboard,
        }
    }
}

/// The platform's dashboards (seeded by the migrations).
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum DashboardId {
    #[schema(rename = "cost-overview")]
    CostOverview,
    #[schema(rename = "billing")]
    Billing,
    #[schema(rename = "quotas")]
    Quotas,
    #[schema(rename = "cost-anomalies")]
    CostAnomalies,
    #[schema(rename = "budgets")]
    Budgets,
}

/// The fields to change (JSON merge patch): absent fields stay as they are; `null` or `""`
/// clears an optional field. The same rules as the Profile tab apply.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// 1–100 characters, no control or invisible format characters (`model::text`), not
    /// starting or ending with a space (the pattern says so for the OpenAPI document).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb](?:[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb])?$"
    )]
    pub first_name: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb](?:[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb])?$"
    )]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::model::profile::JobFunction>)]
    pub job_function: Option<Option<String>>,
    /// E.164: `+`, the country code and the number, 8 to 15 digits (the Profile tab also takes
    /// spaces and dashes, and stores this form).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^(\\+[1-9][0-9]{7,14})?$")]
    pub phone: Option<Option<String>>,
    #[schema(value_type = Option<DashboardId>)]
    pub default_dashboard: Option<String>,
}

/// Tells "field absent" (`None`) from "field is null" (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Read your profile, including the default dashboard.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "profile",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read: 304 if unchanged")),
    responses(
        (status = 200, description = "Your profile", body = Me,
         headers(("ETag" = String, description = "Send back as If-Match to update"))),
        (status = 304, description = "Your copy is current"),
    ),
    security(("api_key" = ["profile:read"]))
)]
pub async fn get_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::ProfileRead)?;
    let me = Me::from_view(
        &caller.user_id,
        db::profile::get(&state.db, &caller.user_id).await?,
    );
    Ok(json_read(&headers, &me))
}

/// Change your profile.
#[utoipa::path(
    patch, path = "/api/v1/me", tag = "profile",
    params(("If-Match" = Option<String>, Header, description = "The ETag of the profile you edited: 412 if it changed since. Without it, the change applies to the current profile.")),
    request_body(content = MePatch, content_type = "application/json", description = "Also accepted as application/merge-patch+json"),
    responses(
        (status = 200, description = "The saved profile", body = Me,
         headers(("ETag" = String, description = "The new ETag"))),
        (status = 412, description = "The profile changed since the ETag in If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (see `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["profile:write"]))
)]
pub async fn patch_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::ProfileWrite)?;
    let (parts, body) = req.into_parts();
    let patch: MePatch = read_json(&parts.headers, body).await?;
    let wanted = parts
        .headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("").to_string());
    // Without If-Match the change applies to the profile as it is now: it is read, merged and
    // written in one transaction that no other save of the person's settings comes between.
    // Read first, so the transaction never waits for a second connection of the pool.
    let dashboards = state.dashboards().await?;
    let mut tx = state.begin().await?;
    tx.lock_person(&caller.user_id).await?;
    let current = db::profile::get(&mut *tx, &caller.user_id).await?;
    let current_etag = etag_of(
        &serde_json::to_vec(&Me::from_view(&caller.user_id, current.clone())).unwrap_or_default(),
    );
    let version = current.version;
    let input = ProfileInput {
        first_name: patch.first_name.unwrap_or(current.first_name),
        last_name: patch.last_name.unwrap_or(current.last_name),
        job_function: patch
            .job_function
            .map(Option::unwrap_or_default)
            .unwrap_or(current.job_function),
        phone: patch
            .phone
            .map(Option::unwrap_or_default)
            .unwrap_or(current.phone),
        default_dashboard: patch.default_dashboard.unwrap_or(current.default_dashboard),
        version,
    };
    // A bad body is a bad body whatever the precondition says: 422 before 412.
    let valid = crate::model::profile::validate(&input, &dashboards)
        .map_err(crate::error::AppError::Validation)?;
    if let Some(wanted) = &wanted {
        if !etag_listed(wanted, &current_etag) {
            return Err(stale());
        }
    }
    let now = crate::server::now();
    let saved = db::profile::update(&mut tx, &caller.user_id, &valid, version, now).await?;
    tx.commit().await.map_err(crate::error::AppError::from)?;
    Ok(json_read(
        &HeaderMap::new(),
        &Me::from_view(&caller.user_id, saved),
    ))
}

fn stale() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "The profile changed since you read it. Read it again (GET /api/v1/me), reapply your change and send the new ETag.",
    )
}

/// An active session, as the API lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSession {
    pub id: String,
    /// e.g. "Firefox 128"
    pub browser: String,
    /// e.g. "Windows 10"
    pub os: String,
    pub ip: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<ApiSession>,
}

impl From<SessionView> for ApiSession {
    fn from(s: SessionView) -> Self {
        ApiSession {
            id: s.id,
            browser: s.browser,
            os: s.os,
            ip: s.ip,
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
        }
    }
}

/// List where you are signed in.
#[utoipa::path(
    get, path = "/api/v1/me/sessions", tag = "sessions",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read: 304 if unchanged")),
    responses(
        (status = 200, description = "Your active sessions, most recently active first", body = SessionList,
         headers(("ETag" = String, description = "Content hash"))),
        (status = 304, description = "Your copy is current"),
    ),
    security(("api_key" = ["sessions:read"]))
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::SessionsRead)?;
    let now = crate::server::now();
    let (active, _) = crate::server::sessions::lists(&state, &caller.user_id, None, now).await?;
    let list = SessionList {
        sessions: active.into_iter().map(ApiSession::from).collect(),
    };
    Ok(json_read(&headers, &list))
}

/// An API key, as the API lists it: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    /// The public id: the key reads `pc_<id>.<secret>`.
    pub id: String,
    pub name: String,
    /// The first characters of the secret.
    pub secret_prefix: String,
    pub scopes: Vec<crate::model::api_keys::Scope>,
    pub status: KeyStatus,
    pub created_at: String,
    /// Null: never expires.
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKey>,
}

impl From<KeyView> for ApiKey {
    fn from(k: KeyView) -> Self {
        ApiKey {
            id: k.id,
            name: k.name,
            secret_prefix: k.secret_prefix,
            scopes: k.scopes,
            status: k.status,
            created_at: rfc3339(k.created_at),
            expires_at: k.expires_at.map(rfc3339),
            last_used_at: k.last_used_at.map(rfc3339),
            last_used_ip: k.last_used_ip,
        }
    }
}

/// List your API keys (active, expired and revoked), newest first.
#[utoipa::path(
    get, path = "/api/v1/me/api-keys", tag = "api-keys",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read: 304 if unchanged")),
    responses(
        (status = 200, description = "Your keys", body = ApiKeyList,
         headers(("ETag" = String, description = "Content hash"))),
        (status = 304, description = "Your copy is current"),
    ),
    security(("api_key" = ["api_keys:read"]))
)]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::ApiKeysRead)?;
    let keys = db::api_keys::list(&state.db, &caller.user_id, crate::server::now()).await?;
    let list = ApiKeyList {
        api_keys: keys.into_iter().map(ApiKey::from).collect(),
    };
    Ok(json_read(&headers, &list))
}
