//! API keys in the database (found by their public id; only the secret's SHA-256 is stored) and
//! the shared per-minute request counters behind the per-key rate limit.

use crate::model::api_keys::Scope;
use crate::{
    error::AppError,
    model::api_keys::{KeyStatus, KeyView},
};
use sqlx::{any::AnyRow, Row};

/// Last-used is written at most this often per key (unless the IP changes), so reads stay reads.
pub const TOUCH_EVERY_SECS: i64 = 60;

pub struct NewKeyRow<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    /// The account the key acts in, if it belongs to one.
    pub account_id: Option<&'a str>,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub secret_prefix: &'a str,
    pub scopes: &'a [Scope],
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// What authenticating a request needs to know about a key.
pub struct KeyAuth {
    pub id: String,
    pub user_id: String,
    pub secret_hash: String,
    pub scopes: Vec<Scope>,
    pub status: KeyStatus,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub account_id: Option<String>,
}

const COLUMNS: &str = "id, name, secret_prefix, scopes, created_at, expires_at, last_used_at, last_used_ip, revoked_at,
    account_id, (select a.name from accounts a where a.id = api_keys.account_id)";

fn scopes(text: &str) -> Vec<Scope> {
    Scope::parse_list(text)
}

fn words(scopes: &[Scope]) -> String {
    crate::model::api_keys::scope_words(scopes, " ")
}

fn view(row: AnyRow, now: i64) -> KeyView {
    let expires_at: Option<i64> = row.get(5);
    KeyView {
        id: row.get(0),
        name: row.get(1),
        secret_prefix: row.get(2),
        scopes: scopes(&row.get::<String, _>(3)),
        created_at: row.get(4),
        expires_at,
        last_used_at: row.get(6),
        last_used_ip: row.get(7),
        status: KeyStatus::of(row.get(8), expires_at, now),
        account: match (
            row.get::<Option<String>, _>(9),
            row.get::<Option<String>, _>(10),
        ) {
            (Some(id), Some(name)) => Some((id, name)),
            _ => None,
        },
    }
}

pub async fn insert<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    key: NewKeyRow<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into api_keys (id, user_id, name, secret_hash, secret_prefix, scopes, created_at, expires_at, account_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(key.id)
    .bind(key.user_id)
    .bind(key.name)
    .bind(key.secret_hash)
    .bind(key.secret_prefix)
    .bind(words(key.scopes))
    .bind(key.created_at)
    .bind(key.expires_at)
    .bind(key.account_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The user's keys, newest first.
pub async fn list<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    now: i64,
) -> Result<Vec<KeyView>, AppError> {
    let rows = sqlx::query(&format!(
        "select {COLUMNS} from api_keys where user_id = $1 order by created_at desc, id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| view(r, now)).collect())
}

/// One of the user's keys; another user's key id reads as not found.
pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
    now: i64,
) -> Result<KeyView, AppError> {
    sqlx::query(&format!(
        "select {COLUMNS} from api_keys where user_id = $1 and id = $2"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(db)
    .await?
    .map(|r| view(r, now))
    .ok_or(AppError::NotFound)
}

pub async fn for_auth<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<Option<KeyAuth>, AppError> {
    let row = sqlx::query(
        "select id, user_id, secret_hash, scopes, revoked_at, expires_at, last_used_at, last_used_ip, account_id
         from api_keys where id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| KeyAuth {
        id: r.get(0),
        user_id: r.get(1),
        secret_hash: r.get(2),
        scopes: scopes(&r.get::<String, _>(3)),
        status: KeyStatus::of(r.get(4), r.get(5), now),
        last_used_at: r.get(6),
        last_used_ip: r.get(7),
        account_id: r.get(8),
    }))
}

/// Renames a key and sets its scopes; only the owner's, only while it is active.
pub async fn update<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
    name: &str,
    scopes: &[Scope],
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update api_keys set name = $3, scopes = $4
         where user_id = $1 and id = $2 and revoked_at is null and (expires_at is null or expires_at > $5)",
    )
    .bind(user_id)
    .bind(id)
    .bind(name)
    .bind(words(scopes))
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes one of the user's keys; false when it is not theirs or already revoked.
pub async fn revoke<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update api_keys set revoked_at = $3 where user_id = $1 and id = $2 and revoked_at is null",
    )
    .bind(user_id)
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query("delete from api_keys where user_id = $1 and id = $2")
        .bind(user_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    ip: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("update api_keys set last_used_at = $2, last_used_ip = $3 where id = $1")
        .bind(id)
        .bind(now)
        .bind(ip)
        .execute(db)
        .await?;
    Ok(())
}

/// Active keys that expire within `window` seconds and whose owner was not told yet:
/// (key id, user id, name, expires_at).
pub async fn expiring_unnoticed<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    now: i64,
    window: i64,
) -> Result<Vec<(String, String, String, i64)>, AppError> {
    let rows = sqlx::query(
        "select id, user_id, name, expires_at from api_keys
         where revoked_at is null and expiry_notice_at is null
           and expires_at is not null and expires_at > $1 and expires_at <= $2
         order by expires_at",
    )
    .bind(now)
    .bind(now + window)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// Marks the expiry notice as sent; false when another instance got there first.
pub async fn claim_expiry_notice<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update api_keys set expiry_notice_at = $2 where id = $1 and expiry_notice_at is null",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
