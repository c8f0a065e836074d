//! People: creation at sign-up and the lookups sign-in and the shell need.

use super::{is_unique_violation, Db};
use crate::i18n::t;
use crate::{error::AppError, model::auth::CurrentUser};
use sqlx::Row;

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// Creates the user and their profile in one transaction.
pub async fn create(db: &Db, user: NewUser<'_>, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let inserted = sqlx::query("insert into users (id, email, password_hash, created_at, updated_at) values ($1, $2, $3, $4, $4)")
        .bind(user.id)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::field(
                "email",
                t("An account with this email already exists. Sign in instead."),
            ))
        }
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
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The id and password hash of the account with this (normalised) e-mail.
pub async fn credentials_by_email(
    db: &Db,
    email: &str,
) -> Result<Option<(String, String)>, AppError> {
    let row = sqlx::query("select id, password_hash from users where email = $1")
        .bind(email)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// The e-mail and password hash of a user, for re-authentication.
pub async fn credentials_by_id(
    db: &Db,
    user_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    let row = sqlx::query("select email, password_hash from users where id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

pub async fn set_password_hash(
    db: &Db,
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

pub async fn current_user(db: &Db, user_id: &str) -> Result<Option<CurrentUser>, AppError> {
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
    }))
}

/// Every user's id (for platform-wide notifications).
pub async fn all_ids(db: &Db) -> Result<Vec<String>, AppError> {
    let rows = sqlx::query("select id from users order by created_at, id")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.get(0)).collect())
}

/// The ids of the users named by id or by e-mail, each once, and the names nobody has.
pub async fn ids_for(db: &Db, names: &[String]) -> Result<(Vec<String>, Vec<String>), AppError> {
    let mut ids: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        let email = crate::model::auth::normalize_email(name);
        let row = sqlx::query("select id from users where id = $1 or email = $2")
            .bind(name.trim())
            .bind(&email)
            .fetch_optional(db)
            .await?;
        match row.map(|r| r.get::<String, _>(0)) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => unknown.push(name.clone()),
        }
    }
    Ok((ids, unknown))
}
