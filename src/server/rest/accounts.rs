//! `/api/v1/me/accounts`, `/api/v1/me/invitations` and the Manage actions under
//! `/api/v1/accounts/{id}/…`: the Accounts tab's functions for scripts. Scopes `accounts:read`
//! and `accounts:write`; the caller's role in the account is checked by `server::accounts`
//! exactly as for the tab.

use super::{json_read, read_json, require, Problem};
use crate::{
    model::{
        accounts::{AuditAction, Role},
        api_keys::Scope,
        sessions::rfc3339,
    },
    server::{
        accounts, api_keys::Caller, context::ClientInfo, db::accounts::InvitationKey,
        state::AppState,
    },
};
use axum::{
    extract::{Path, Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A key that belongs to an account acts only there: other accounts do not exist for it.
fn in_reach(caller: &Caller, account: &str) -> Result<(), Problem> {
    match &caller.account_id {
        Some(own) if own != account => Err(crate::error::AppError::NotFound.into()),
        _ => Ok(()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiMembership {
    pub account_id: String,
    pub account_name: String,
    pub role: Role,
    /// Free text an Admin assigns; empty when none.
    pub group: String,
    pub joined_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipList {
    pub accounts: Vec<ApiMembership>,
}

/// The accounts you belong to, with your role and group in each.
#[utoipa::path(
    get, path = "/api/v1/me/accounts", tag = "accounts",
    responses((status = 200, description = "Your accounts, by name", body = MembershipList)),
    security(("api_key" = ["accounts:read"]))
)]
pub async fn my_accounts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsRead)?;
    let page = accounts::page(&state, &caller.user_id, None).await?;
    let list = MembershipList {
        accounts: page
            .memberships
            .into_iter()
            .filter(|m| in_reach(&caller, &m.account_id).is_ok())
            .map(|m| ApiMembership {
                account_id: m.account_id,
                account_name: m.account_name,
                role: m.role,
                group: m.group,
                joined_at: rfc3339(m.joined_at),
            })
            .collect(),
    };
    Ok(json_read(&headers, &list))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiInvitation {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    /// Your verified address it was sent to.
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    pub invitations: Vec<ApiInvitation>,
}

/// Invitations to your verified addresses, waiting for an answer.
#[utoipa::path(
    get, path = "/api/v1/me/invitations", tag = "accounts",
    responses((status = 200, description = "Open invitations, newest first", body = InvitationList)),
    security(("api_key" = ["accounts:read"]))
)]
pub async fn my_invitations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsRead)?;
    let page = accounts::page(&state, &caller.user_id, None).await?;
    let list = InvitationList {
        invitations: page
            .invitations
            .into_iter()
            .map(|i| ApiInvitation {
                id: i.id,
                account_id: i.account_id,
                account_name: i.account_name,
                email: i.email,
                role: i.role,
                invited_by: i.invited_by,
                expires_at: rfc3339(i.expires_at),
            })
            .collect(),
    };
    Ok(json_read(&headers, &list))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    pub account_id: String,
}

/// Accept an invitation: you become a member with its role.
#[utoipa::path(
    post, path = "/api/v1/me/invitations/{id}/accept", tag = "accounts",
    params(("id" = String, Path, description = "The invitation's id")),
    responses(
        (status = 200, description = "You are a member now", body = Joined),
        (status = 404, description = "No open invitation with this id to one of your verified addresses", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:write"]))
)]
pub async fn accept(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(client): Extension<ClientInfo>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsWrite)?;
    let account_id =
        accounts::accept(&state, &caller.user_id, &client, InvitationKey::Id(&id)).await?;
    Ok(Json(Joined { account_id }).into_response())
}

/// Ignore an invitation: it is gone from your list.
#[utoipa::path(
    post, path = "/api/v1/me/invitations/{id}/ignore", tag = "accounts",
    params(("id" = String, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Ignored"),
        (status = 404, description = "No open invitation with this id to one of your verified addresses", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:write"]))
)]
pub async fn ignore(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(client): Extension<ClientInfo>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsWrite)?;
    accounts::ignore(&state, &caller.user_id, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiMember {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub group: String,
    pub joined_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiPendingInvitation {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: String,
    pub expired: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Members {
    pub members: Vec<ApiMember>,
    pub invitations: Vec<ApiPendingInvitation>,
}

/// An account's members and open invitations (Owners and Admins).
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/members", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Members by joining date, and open invitations", body = Members),
        (status = 403, description = "Your role here does not manage members", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You are not a member of an account with this id", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:read"]))
)]
pub async fn members(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsRead)?;
    in_reach(&caller, &id)?;
    let page = accounts::manage_page(&state, &caller.user_id, &id, 1, 1).await?;
    let body = Members {
        members: page
            .members
            .into_iter()
            .map(|m| ApiMember {
                user_id: m.user_id,
                name: m.name,
                email: m.email,
                role: m.role,
                group: m.group,
                joined_at: rfc3339(m.joined_at),
            })
            .collect(),
        invitations: page
            .invitations
            .into_iter()
            .map(|i| ApiPendingInvitation {
                id: i.id,
                email: i.email,
                role: i.role,
                invited_by: i.invited_by,
                expires_at: rfc3339(i.expires_at),
                expired: i.expired,
            })
            .collect(),
    };
    Ok(json_read(&headers, &body))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    pub email: String,
    /// Never above your own role; only an Owner invites Owners.
    pub role: Role,
}

/// Invite someone by e-mail; they get a link valid for 7 days.
#[utoipa::path(
    post, path = "/api/v1/accounts/{id}/invitations", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    request_body(content = InvitationIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Invited; the mail is on its way"),
        (status = 403, description = "Your role here does not manage members", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You are not a member of an account with this id", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (see `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:write"]))
)]
pub async fn invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(client): Extension<ClientInfo>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsWrite)?;
    in_reach(&caller, &id)?;
    let (parts, body) = req.into_parts();
    let input: InvitationIn = read_json(&parts.headers, body).await?;
    accounts::invite(
        &state,
        &caller.user_id,
        &client,
        &id,
        &input.email,
        input.role.as_str(),
    )
    .await?;
    Ok(StatusCode::CREATED.into_response())
}

/// Revoke an open invitation: its link stops working.
#[utoipa::path(
    delete, path = "/api/v1/accounts/{id}/invitations/{invitation}", tag = "accounts",
    params(("id" = String, Path, description = "The account's id"), ("invitation" = String, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No open invitation with this id in an account of yours", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:write"]))
)]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(client): Extension<ClientInfo>,
    Path((id, invitation)): Path<(String, String)>,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsWrite)?;
    in_reach(&caller, &id)?;
    accounts::revoke(&state, &caller.user_id, &client, &id, &invitation).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub role: Option<Role>,
    /// Up to 60 characters; `""` clears it.
    #[schema(max_length = 60)]
    pub group: Option<String>,
}

/// Change a member's role or group (absent fields stay).
#[utoipa::path(
    patch, path = "/api/v1/accounts/{id}/members/{user}", tag = "accounts",
    params(("id" = String, Path, description = "The account's id"), ("user" = String, Path, description = "The member's user id")),
    request_body(content = MemberPatch, content_type = "application/json"),
    responses(
        (status = 204, description = "Saved"),
        (status = 403, description = "You may not manage this member or give this role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member in an account of yours", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or the change would leave the account without an Owner", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:write"]))
)]
pub async fn change_member(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(client): Extension<ClientInfo>,
    Path((id, user)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsWrite)?;
    in_reach(&caller, &id)?;
    let (parts, body) = req.into_parts();
    let patch: MemberPatch = read_json(&parts.headers, body).await?;
    let member = accounts::member(&state, &caller.user_id, &id, &user).await?;
    let role = patch.role.unwrap_or(member.role);
    let group = patch.group.unwrap_or(member.group);
    accounts::change_member(
        &state,
        &caller.user_id,
        &client,
        &id,
        &user,
        role.as_str(),
        &group,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Remove a member: their next request in the account is refused.
#[utoipa::path(
    delete, path = "/api/v1/accounts/{id}/members/{user}", tag = "accounts",
    params(("id" = String, Path, description = "The account's id"), ("user" = String, Path, description = "The member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "You may not manage this member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member in an account of yours", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:write"]))
)]
pub async fn remove_member(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(client): Extension<ClientInfo>,
    Path((id, user)): Path<(String, String)>,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsWrite)?;
    in_reach(&caller, &id)?;
    accounts::remove_member(&state, &caller.user_id, &client, &id, &user).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiAuditEntry {
    pub at: String,
    pub actor: String,
    pub action: AuditAction,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<ApiAuditEntry>,
}

/// An account's audit log, newest first (Owners and Admins).
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}/audit", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Who did what to whom", body = AuditLog),
        (status = 403, description = "Your role here does not read the audit log", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "You are not a member of an account with this id", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["accounts:read"]))
)]
pub async fn audit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, Scope::AccountsRead)?;
    in_reach(&caller, &id)?;
    let entries = accounts::audit_log(&state, &caller.user_id, &id).await?;
    let log = AuditLog {
        entries: entries
            .into_iter()
            .map(|e| ApiAuditEntry {
                at: rfc3339(e.at),
                actor: e.actor,
                action: e.action,
                target: e.target,
                detail: e.detail,
                ip: e.ip,
            })
            .collect(),
    };
    Ok(json_read(&headers, &log))
}
