//! `POST /api/v1/events`: how the platform (billing, monitoring, CI) tells Profile Center what
//! happened. Authenticated by the operator's platform key (`PLATFORM_API_KEY`), which is not a
//! person's API key and cannot be used anywhere else; user keys are refused here.
//! Also the person's own notification reads (`GET /api/v1/me/notifications`).

use super::{json_read, read_json, require, Problem};
use crate::server::{api_keys::Caller, db, notifications, state::AppState};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct EventReceipt {
    pub id: String,
    /// `accepted` (202) the first time, `duplicate` (200) for an id already received.
    pub status: String,
}

/// Whether the `Authorization` header carries the configured platform key (compared as
/// SHA-256 digests, so the comparison takes the same time wherever the keys differ).
fn platform_key_ok(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = state.config.platform_api_key.as_deref() else {
        return false;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::bearer)
        .unwrap_or("");
    let (a, b) = (
        Sha256::digest(expected.as_bytes()),
        Sha256::digest(given.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Send a platform event.
#[utoipa::path(
    post, path = "/api/v1/events", tag = "platform",
    request_body(content = Object, content_type = "application/json", description = "A `PlatformEvent` (its schema is set by `Conventions`)"),
    responses(
        (status = 202, description = "Stored and routed to the people it concerns", body = EventReceipt),
        (status = 200, description = "An event with this id was received before; nothing happened", body = EventReceipt),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong platform key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An event with this id was received before, with other content", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (see `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Unexpected failure", body = Problem, content_type = "application/problem+json"),
    ),
    security(("platform_key" = []))
)]
pub async fn post_event(State(state): State<AppState>, req: Request) -> Result<Response, Problem> {
    let (parts, body) = req.into_parts();
    if !platform_key_ok(&state, &parts.headers) {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "Send the platform key configured by the operator as `Authorization: Bearer …`.",
        ));
    }
    let event: notifications::EventIn = read_json(&parts.headers, body).await?;
    let fresh = notifications::ingest(&state, &event).await?;
    let receipt = EventReceipt {
        id: event.id.trim().to_string(),
        status: if fresh { "accepted" } else { "duplicate" }.into(),
    };
    let status = if fresh {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(receipt)).into_response())
}

/// Mark one of your notifications read.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/{id}/read", tag = "notifications",
    params(("id" = String, Path, description = "The notification's id")),
    responses(
        (status = 204, description = "Marked read (also if it was read before)"),
        (status = 404, description = "You have no notification with this id", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["notifications:write"]))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::NotificationsWrite)?;
    if !db::notifications::mark_read(&state.db, &caller.user_id, &id, crate::server::now()).await? {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "You have no notification with this id.",
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread before.
    pub marked: u64,
}

/// Mark all your notifications read.
#[utoipa::path(
    post, path = "/api/v1/me/notifications/read-all", tag = "notifications",
    responses((status = 200, description = "All read now", body = MarkedRead)),
    security(("api_key" = ["notifications:write"]))
)]
pub async fn mark_all_read(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::NotificationsWrite)?;
    let marked =
        db::notifications::mark_all_read(&state.db, &caller.user_id, crate::server::now()).await?;
    Ok(Json(MarkedRead { marked }).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiNotification {
    pub id: String,
    /// The subscription topic.
    pub topic: crate::model::notifications::Topic,
    pub title: String,
    pub body: String,
    /// Where it leads; empty for nowhere.
    pub link: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub read: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<ApiNotification>,
    pub unread: i64,
}

/// Your in-app notifications, newest first (the latest 100).
#[utoipa::path(
    get, path = "/api/v1/me/notifications", tag = "notifications",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read: 304 if unchanged")),
    responses(
        (status = 200, description = "Your notifications", body = NotificationList,
         headers(("ETag" = String, description = "Content hash"))),
        (status = 304, description = "Your copy is current"),
    ),
    security(("api_key" = ["notifications:read"]))
)]
pub async fn list_notifications(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, crate::model::api_keys::Scope::NotificationsRead)?;
    let (items, _) = db::notifications::inbox(&state.db, &caller.user_id, 1, 100).await?;
    let list = NotificationList {
        unread: db::notifications::unread_count(&state.db, &caller.user_id).await?,
        notifications: items
            .into_iter()
            .map(|n| ApiNotification {
                id: n.id,
                topic: n.topic,
                title: n.title,
                body: n.body,
                link: n.link,
                created_at: crate::model::sessions::rfc3339(n.created_at),
                read: n.read,
            })
            .collect(),
    };
    Ok(json_read(&headers, &list))
}
