//! Browsers that signed in to an account before, known by the SHA-256 of their device cookie.
//! Sign-in counts their failures on their own (`throttle::key::device`), so that a guesser
//! elsewhere cannot lock the owner out of the browsers they use.

use crate::error::AppError;

/// A device cookie nobody used for this long is forgotten.
pub const FORGET_AFTER_SECS: i64 = 365 * 24 * 3600;

pub async fn is_known<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    user_id: &str,
) -> Result<bool, AppError> {
    let row = sqlx::query("select 1 from known_devices where token_hash = $1 and user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// Records that this browser signed in to this account now.
pub async fn remember(
    db: &mut sqlx::AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into known_devices (token_hash, user_id, created_at, last_used_at) values ($1, $2, $3, $3)
         on conflict (token_hash, user_id) do update set last_used_at = $3",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Housekeeping: forgets devices unused for a year.
pub async fn sweep<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    now: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query("delete from known_devices where last_used_at < $1")
        .bind(now - FORGET_AFTER_SECS)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
