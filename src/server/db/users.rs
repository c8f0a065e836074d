//! People: creation at sign-up and the lookups sign-in and the shell need.

use super::{is_unique_violation, Db};
use crate::i18n::Msg;
use crate::{error::AppError, model::auth::CurrentUser};
use sqlx::Row;

#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// Creates an unverified user and their profile in one transaction (see `sign_in::sign_up`:
/// the caller has made sure the address is not someone's verified address).
pub async fn create(
    db: &mut sqlx::AnyConnection,
    user: NewUser<'_>,
    now: i64,
) -> Result<(), AppError> {
    let inserted = sqlx::query("insert into users (id, email, password_hash, created_at, updated_at) values ($1, $2, $3, $4, $4)")
        .bind(user.id)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(now)
        .execute(&mut *db)
        .await;
    match inserted {
        // Two sign-ups for one address at the same moment: the same answer as any other.
        Err(e) if is_unique_violation(&e) => return Err(AppError::conflict(Msg::PleaseTryAgain)),
        other => other?,
    };
    sqlx::query(
        "insert into profiles (user_id, first_name, last_name, default_dashboard, version, updated_at)
         values ($1, $2, $3, (select id from dashboards order by position limit 1), 1, $4)",
    )
    .bind(user.id)
    .bind(user.first_name)
    .bind(user.last_name)
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Someone signed up again for an address whose account was never verified: their password
/// and names replace the earlier ones (whoever proves the mailbox gets the account).
pub async fn replace_unverified(
    db: &mut sqlx::AnyConnection,
    user: NewUser<'_>,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update users set password_hash = $2, updated_at = $3 where id = $1 and email_verified_at is null",
    )
    .bind(user.id)
    .bind(user.password_hash)
    .bind(now)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("update profiles set first_name = $2, last_name = $3, updated_at = $4, version = version + 1 where user_id = $1")
        .bind(user.id)
        .bind(user.first_name)
        .bind(user.last_name)
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(true)
}

/// An account as sign-in sees it.
pub struct Account {
    pub id: String,
    pub password_hash: String,
    /// Whether the sign-in address was proven (unverified accounts cannot sign in).
    pub verified: bool,
}

/// The account whose sign-in address is this (normalised) e-mail.
pub async fn by_email<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    email: &str,
) -> Result<Option<Account>, AppError> {
    let row =
        sqlx::query("select id, password_hash, email_verified_at from users where email = $1")
            .bind(email)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| Account {
        id: r.get(0),
        password_hash: r.get(1),
        verified: r.get::<Option<i64>, _>(2).is_some(),
    }))
}

/// Whether a verified account uses this address: as its sign-in address, or as a verified
/// further address. Such an address cannot be signed up with or added elsewhere.
pub async fn address_taken<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    email: &str,
    except_user: Option<&str>,
) -> Result<bool, AppError> {
    let row = sqlx::query(
        "select 1 from users where email = $1 and email_verified_at is not null and id <> $2
         union all
         select 1 from email_addresses where email = $1 and verified_at is not null and user_id <> $2
         limit 1",
    )
    .bind(email)
    .bind(except_user.unwrap_or(""))
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// The verified account that `email` belongs to: its verified sign-in address, or a verified
/// further address (an address is verified on one account at most).
pub async fn by_verified_address<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    email: &str,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query(
        "select id from users where email = $1 and email_verified_at is not null
         union all
         select a.user_id from email_addresses a join users u on u.id = a.user_id
         where a.email = $1 and a.verified_at is not null and u.email_verified_at is not null
         limit 1",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// A new sign-up link for an unverified user; earlier unused links stop working.
pub async fn new_signup_token(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    token_hash: &str,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query("delete from signup_verifications where user_id = $1 and used_at is null")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "insert into signup_verifications (token_hash, user_id, expires_at) values ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(expires_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The unverified account a live (unused, unexpired) sign-up link is for.
pub async fn signup_token_owner<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<(Account, String)>, AppError> {
    let row = sqlx::query(
        "select u.id, u.password_hash, u.email from signup_verifications v join users u on u.id = v.user_id
         where v.token_hash = $1 and v.used_at is null and v.expires_at > $2 and u.email_verified_at is null",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        (
            Account {
                id: r.get(0),
                password_hash: r.get(1),
                verified: false,
            },
            r.get(2),
        )
    }))
}

/// Uses a sign-up link (once) and marks its account verified; false if someone was faster.
pub async fn finish_signup(
    db: &mut sqlx::AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let claimed = sqlx::query(
        "update signup_verifications set used_at = $3 where token_hash = $1 and user_id = $2 and used_at is null and expires_at > $3",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .execute(&mut *db)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        return Ok(false);
    }
    sqlx::query("update users set email_verified_at = $2, updated_at = $2 where id = $1 and email_verified_at is null")
        .bind(user_id)
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(true)
}

/// Deletes unverified accounts made before `before` (nobody proved their address in time), and
/// the unverified account that holds `email` once another account has verified it.
pub async fn delete_unverified<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    before: i64,
    email: Option<&str>,
) -> Result<u64, AppError> {
    let done = sqlx::query(
        "delete from users where email_verified_at is null and (created_at < $1 or email = $2)",
    )
    .bind(before)
    .bind(email.unwrap_or(""))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The e-mail and password hash of a user, for re-authentication.
pub async fn credentials_by_id<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    let row = sqlx::query("select email, password_hash from users where id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

pub async fn set_password_hash<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("update users set password_hash = $2, updated_at = $3 where id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn current_user<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let row = sqlx::query(
        "select u.id, u.email, p.first_name, p.last_name, a.name from users u
         join profiles p on p.user_id = u.id left join avatars a on a.user_id = u.id
         where u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| CurrentUser {
        id: r.get(0),
        email: r.get(1),
        first_name: r.get(2),
        last_name: r.get(3),
        unread: 0,
        avatar: r.get(4),
        invitations: 0,
        account: None,
    }))
}

/// Every verified user's id (for platform-wide notifications).
pub async fn all_ids(db: &Db) -> Result<Vec<String>, AppError> {
    let rows = sqlx::query(
        "select id from users where email_verified_at is not null order by created_at, id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.get(0)).collect())
}

/// The ids of the (verified) users named by id or by e-mail, each once, and the names nobody
/// has.
pub async fn ids_for(
    db: &mut sqlx::AnyConnection,
    names: &[String],
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let mut ids: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let email = crate::model::auth::normalize_email(name);
        let row = sqlx::query(
            "select id from users where (id = $1 or email = $2) and email_verified_at is not null",
        )
        .bind(name.trim())
        .bind(&email)
        .fetch_optional(&mut *db)
        .await?;
        match row.map(|r| r.get::<String, _>(0)) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => unknown.push(name.clone()),
        }
    }
    Ok((ids, unknown))
}
