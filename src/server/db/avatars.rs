//! Profile pictures, stored in the database (so every app instance can serve them): both sizes
//! of the one current picture per person, under a random name that changes with each upload.

use crate::error::AppError;
use sqlx::Row;

/// A stored picture in both sizes.
pub struct Stored {
    pub content_type: String,
    pub large: Vec<u8>,
    pub small: Vec<u8>,
}

/// Replaces the person's picture.
pub async fn save<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    name: &str,
    picture: &Stored,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into avatars (user_id, name, content_type, large, small, updated_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (user_id) do update set name = excluded.name,
             content_type = excluded.content_type, large = excluded.large,
             small = excluded.small, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(name)
    .bind(&picture.content_type)
    .bind(&picture.large)
    .bind(&picture.small)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The picture published under `name`.
pub async fn by_name<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    name: &str,
) -> Result<Option<Stored>, AppError> {
    let row = sqlx::query("select content_type, large, small from avatars where name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| Stored {
        content_type: r.get(0),
        large: r.get(1),
        small: r.get(2),
    }))
}

/// Back to initials; false when there was no picture.
pub async fn remove<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query("delete from avatars where user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}
