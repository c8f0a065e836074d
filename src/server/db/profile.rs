//! The Profile tab's storage: dashboards, reading a profile, and the versioned update.

use super::Db;
use crate::{
    error::AppError,
    model::profile::{Dashboard, ProfileView, ValidProfile},
};
use sqlx::Row;

pub async fn dashboards(db: &Db) -> Result<Vec<Dashboard>, AppError> {
    let rows = sqlx::query("select id, name from dashboards order by position")
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Dashboard {
            id: r.get(0),
            name: r.get(1),
        })
        .collect())
}

pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<ProfileView, AppError> {
    Ok(with_avatar(db, user_id).await?.0)
}

/// The profile and the picture's name, if there is one (the Profile tab shows both).
pub async fn with_avatar<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<(ProfileView, Option<String>), AppError> {
    let row = sqlx::query(
        "select u.email, p.first_name, p.last_name, p.job_function, p.phone, p.default_dashboard, p.version, a.name
         from profiles p join users u on u.id = p.user_id left join avatars a on a.user_id = p.user_id
         where p.user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let avatar = row.get(7);
    let view = ProfileView {
        email: row.get(0),
        first_name: row.get(1),
        last_name: row.get(2),
        job_function: row.get::<Option<String>, _>(3).unwrap_or_default(),
        phone: row.get::<Option<String>, _>(4).unwrap_or_default(),
        default_dashboard: row.get(5),
        version: row.get(6),
    };
    Ok((view, avatar))
}

/// Saves the profile only if it is still at `version`: a stale form gets a conflict instead of
/// silently overwriting what another tab saved.
pub async fn update(
    db: &mut sqlx::AnyConnection,
    user_id: &str,
    p: &ValidProfile,
    version: i64,
    now: i64,
) -> Result<ProfileView, AppError> {
    let updated = sqlx::query(
        "update profiles set first_name = $3, last_name = $4, job_function = $5, phone = $6,
             default_dashboard = $7, version = version + 1, updated_at = $8
         where user_id = $1 and version = $2",
    )
    .bind(user_id)
    .bind(version)
    .bind(&p.first_name)
    .bind(&p.last_name)
    .bind(p.job_function.as_deref())
    .bind(p.phone.as_deref())
    .bind(&p.default_dashboard)
    .bind(now)
    .execute(&mut *db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::conflict(
            crate::i18n::Msg::YourProfileWasChangedSomewhereElse,
        ));
    }
    get(&mut *db, user_id).await
}
