//! Storage for two-factor sign-in: the (encrypted) authenticator secret with its replay guard,
//! recovery code hashes, sign-ins waiting for their second step, and show-once flash data.

use crate::error::AppError;
use sqlx::Row;

pub struct Totp {
    pub secret_enc: String,
    pub enabled: bool,
}

pub async fn totp<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<Option<Totp>, AppError> {
    let row = sqlx::query("select secret_enc, enabled_at from mfa_totp where user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| Totp {
        secret_enc: r.get(0),
        enabled: r.get::<Option<i64>, _>(1).is_some(),
    }))
}

/// Starts (or restarts) an enrolment with a new secret; refused while one is enabled.
pub async fn begin_enrolment(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    secret_enc: &str,
    now: i64,
) -> Result<bool, AppError> {
    sqlx::query("delete from mfa_totp where user_id = $1 and enabled_at is null")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    let inserted = sqlx::query(
        "insert into mfa_totp (user_id, secret_enc, created_at) values ($1, $2, $3) on conflict (user_id) do nothing",
    )
    .bind(user_id)
    .bind(secret_enc)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Accepts a code for `step` only if no code for this or a later step was accepted before.
/// One conditional update, so of two simultaneous submissions of one code exactly one wins.
pub async fn claim_step<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    step: i64,
) -> Result<bool, AppError> {
    let done =
        sqlx::query("update mfa_totp set last_step = $2 where user_id = $1 and last_step < $2")
            .bind(user_id)
            .bind(step)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn enable<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("update mfa_totp set enabled_at = $2 where user_id = $1")
        .bind(user_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns two-factor sign-in off: the secret and every recovery code go.
pub async fn disable(db: &mut sqlx::AnyConnection, user_id: &str) -> Result<(), AppError> {
    sqlx::query("delete from mfa_totp where user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Replaces all of a user's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    hashes: &[String],
) -> Result<(), AppError> {
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    for hash in hashes {
        sqlx::query("insert into recovery_codes (id, user_id, code_hash) values ($1, $2, $3)")
            .bind(crate::server::random_id(12))
            .bind(user_id)
            .bind(hash)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// Uses up a recovery code; false when it is unknown, someone else's, or already used.
pub async fn use_recovery_code<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query("update recovery_codes set used_at = $3 where user_id = $1 and code_hash = $2 and used_at is null")
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<i64, AppError> {
    let row =
        sqlx::query("select count(*) from recovery_codes where user_id = $1 and used_at is null")
            .bind(user_id)
            .fetch_one(db)
            .await?;
    Ok(row.get(0))
}

pub async fn create_pending_signin<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    user_id: &str,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into pending_signins (id, token_hash, user_id, expires_at) values ($1, $2, $3, $4)",
    )
    .bind(crate::server::random_id(12))
    .bind(token_hash)
    .bind(user_id)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Counts an attempt on a live pending sign-in and returns its user, or `None` when it is
/// unknown, expired, or out of attempts.
pub async fn attempt_pending_signin<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    max_attempts: i64,
    now: i64,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query(
        "update pending_signins set attempts = attempts + 1
         where token_hash = $1 and expires_at > $2 and attempts < $3 returning user_id",
    )
    .bind(token_hash)
    .bind(now)
    .bind(max_attempts)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Ends every sign-in of the user waiting for its second step (after a password change or when
/// two-factor sign-in is turned off): a password step taken before must not complete after.
pub async fn drop_pending_signins<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<(), AppError> {
    sqlx::query("delete from pending_signins where user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn finish_pending_signin<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
) -> Result<(), AppError> {
    sqlx::query("delete from pending_signins where token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn put_flash(
    db: &mut sqlx::AnyConnection,
    session_id: &str,
    payload_enc: &str,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query("delete from flash where session_id = $1")
        .bind(session_id)
        .execute(&mut *db)
        .await?;
    sqlx::query("insert into flash (session_id, payload_enc, expires_at) values ($1, $2, $3)")
        .bind(session_id)
        .bind(payload_enc)
        .bind(expires_at)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Takes (reads and deletes) this session's flash, if it has not expired.
pub async fn take_flash<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    session_id: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    let row =
        sqlx::query("delete from flash where session_id = $1 returning payload_enc, expires_at")
            .bind(session_id)
            .fetch_optional(db)
            .await?;
    Ok(row.filter(|r| r.get::<i64, _>(1) > now).map(|r| r.get(0)))
}
