//! "Forgot password" links: only the sha-256 of a link's token is stored; a link works once,
//! for `model::auth::RESET_LINK_SECS`.

use crate::error::AppError;
use sqlx::Row;

/// A new link for `user_id`; their earlier unused links stop working.
pub async fn create(
    tx: &mut sqlx::AnyConnection,
    user_id: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query("delete from password_resets where user_id = $1 and used_at is null")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into password_resets (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The person a live (unused, unexpired) link is for.
pub async fn owner<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query(
        "select user_id from password_resets where token_hash = $1 and used_at is null and expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Uses a link, once; false if it was used (or expired) meanwhile.
pub async fn spend<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update password_resets set used_at = $3 where token_hash = $1 and user_id = $2 and used_at is null and expires_at > $3",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Housekeeping: links that expired before `before`.
pub async fn sweep<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    before: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query("delete from password_resets where expires_at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
