//! Sessions in the database, found by the SHA-256 of the cookie token. Ended sessions are kept
//! with how they ended, as history for the Sessions tab.

use super::Db;
use crate::error::AppError;
use sqlx::Row;

/// A session is signed out after this long without a request…
pub const IDLE_SECS: i64 = 7 * 24 * 3600;
/// …and after this long in any case.
pub const ABSOLUTE_SECS: i64 = 30 * 24 * 3600;
/// Last-seen is written at most this often per session, so reads stay reads.
pub const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: String,
    pub user_id: String,
    pub last_seen_at: i64,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn create(db: &Db, s: NewSession<'_>, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "insert into sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ip, user_agent)
         values ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(s.id)
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(now)
    .bind(now + IDLE_SECS)
    .bind(now + ABSOLUTE_SECS)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(db)
    .await?;
    Ok(())
}

/// The live session with this token hash: not ended, not idle too long, not too old.
pub async fn find_active(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> Result<Option<ActiveSession>, AppError> {
    let row = sqlx::query(
        "select id, user_id, last_seen_at from sessions
         where token_hash = $1 and ended_at is null and idle_expires_at > $2 and absolute_expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| ActiveSession {
        id: r.get(0),
        user_id: r.get(1),
        last_seen_at: r.get(2),
    }))
}

/// Records activity and slides the idle expiry (never past the absolute one).
pub async fn touch(db: &Db, id: &str, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "update sessions set last_seen_at = $2,
             idle_expires_at = case when $3 < absolute_expires_at then $3 else absolute_expires_at end
         where id = $1 and ended_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(now + IDLE_SECS)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends a session; `reason` is one of `signed_out`, `ended_by_user`, `password_changed`, ….
pub async fn end(db: &Db, id: &str, reason: &str, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "update sessions set ended_at = $2, end_reason = $3 where id = $1 and ended_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}
