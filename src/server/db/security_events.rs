//! The user's security log: one row per security-relevant event, written by the flows that
//! cause them and read (later) by the Security tab.

use super::Db;
use crate::{error::AppError, server::context::ClientInfo};

/// Event kinds, as stored.
pub mod kind {
    pub const SIGN_IN: &str = "sign_in";
    pub const THROTTLED: &str = "sign_in_throttled";
    pub const REAUTH: &str = "reauthenticated";
    pub const SESSION_ENDED: &str = "session_ended";
    pub const OTHER_SESSIONS_ENDED: &str = "other_sessions_ended";
}

pub async fn record(
    db: &Db,
    user_id: &str,
    kind: &str,
    success: bool,
    client: &ClientInfo,
    detail: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into security_events (id, user_id, at, kind, outcome, ip, user_agent, detail) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::server::random_id(16))
    .bind(user_id)
    .bind(crate::server::now())
    .bind(kind)
    .bind(if success { "success" } else { "failure" })
    .bind(&client.ip)
    .bind(&client.user_agent)
    .bind(detail)
    .execute(db)
    .await?;
    Ok(())
}
