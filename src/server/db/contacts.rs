//! Secondary e-mail addresses and their verification tokens (stored as SHA-256).

use crate::i18n::Msg;
use crate::{error::AppError, model::contacts::EmailAddress};
use sqlx::Row;

pub async fn list<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<Vec<EmailAddress>, AppError> {
    let rows = sqlx::query(
        "select id, email, verified_at from email_addresses where user_id = $1 order by created_at, id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EmailAddress {
            id: r.get(0),
            email: r.get(1),
            verified: r.get::<Option<i64>, _>(2).is_some(),
        })
        .collect())
}

pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
) -> Result<EmailAddress, AppError> {
    list(db, user_id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(AppError::NotFound)
}

/// Adds an unverified address; false when the user already has it.
pub async fn insert(
    db: &mut sqlx::AnyConnection,
    id: &str,
    user_id: &str,
    email: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "insert into email_addresses (id, user_id, email, created_at) values ($1, $2, $3, $4)
         on conflict (user_id, email) do nothing",
    )
    .bind(id)
    .bind(user_id)
    .bind(email)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A new link for an address; earlier unused links for it stop working.
pub async fn new_token(
    db: &mut sqlx::AnyConnection,
    address_id: &str,
    token_hash: &str,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query("delete from email_verifications where address_id = $1 and used_at is null")
        .bind(address_id)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "insert into email_verifications (token_hash, address_id, expires_at) values ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(address_id)
    .bind(expires_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The owner and address of a live link, without using it.
pub async fn token_address(
    db: &mut sqlx::AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<(String, String)>, AppError> {
    let row = sqlx::query(
        "select a.user_id, a.email from email_verifications v join email_addresses a on a.id = v.address_id
         where v.token_hash = $1 and v.used_at is null and v.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *db)
    .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Uses a link: marks it used (once) and its address verified. Returns (user id, e-mail), or
/// `None` for an unknown, used or expired link.
pub async fn use_token(
    db: &mut sqlx::AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<(String, String)>, AppError> {
    let claimed = sqlx::query(
        "update email_verifications set used_at = $2 where token_hash = $1 and used_at is null and expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .execute(&mut *db)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        return Ok(None);
    }
    let row = sqlx::query(
        "select a.id, a.user_id, a.email from email_verifications v join email_addresses a on a.id = v.address_id
         where v.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_one(&mut *db)
    .await?;
    let (id, user_id, email): (String, String, String) = (row.get(0), row.get(1), row.get(2));
    sqlx::query(
        "update email_addresses set verified_at = $2 where id = $1 and verified_at is null",
    )
    .bind(&id)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(Some((user_id, email)))
}

pub async fn delete<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query("delete from email_addresses where user_id = $1 and id = $2")
        .bind(user_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes a verified secondary address the primary one; the old primary takes its place as a
/// verified secondary. One transaction, so the account always has exactly one primary.
pub async fn swap_primary(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    id: &str,
    old_primary: &str,
    new_primary: &str,
) -> Result<(), AppError> {
    let moved = sqlx::query("update users set email = $2 where id = $1")
        .bind(user_id)
        .bind(new_primary)
        .execute(&mut *db)
        .await;
    match moved {
        Err(e) if super::is_unique_violation(&e) => {
            return Err(AppError::conflict(Msg::AnotherAccountSignsInWithThis))
        }
        other => other?,
    };
    sqlx::query("update email_addresses set email = $3 where user_id = $1 and id = $2 and verified_at is not null")
        .bind(user_id)
        .bind(id)
        .bind(old_primary)
        .execute(&mut *db)
        .await?;
    Ok(())
}
