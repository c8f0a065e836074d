//! Display preferences in the database: one row per person who saved any.

use super::Db;
use crate::{error::AppError, model::preferences::Preferences};
use sqlx::Row;

/// The saved preferences, if any (`zone_chosen` false when no zone was saved).
pub async fn get(db: &Db, user_id: &str) -> Result<Option<Preferences>, AppError> {
    let row = sqlx::query(
        "select time_zone, date_format, time_format, week_start, rows_per_page, theme, language, version
         from user_preferences where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| {
        let zone: Option<String> = r.get(0);
        Preferences {
            zone_chosen: zone.is_some(),
            time_zone: zone.unwrap_or_else(|| "UTC".into()),
            date_format: r.get(1),
            time_format: r.get(2),
            week_start: r.get(3),
            rows_per_page: r.get::<i64, _>(4) as u32,
            theme: r.get(5),
            language: r.get(6),
            version: r.get(7),
        }
    }))
}

/// Saves the preferences. With `expected` (the version the form was made from), only if the
/// saved ones are still at that version (0: none saved yet); `Conflict` otherwise.
pub async fn save(
    db: &Db,
    user_id: &str,
    p: &Preferences,
    expected: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "insert into user_preferences
             (user_id, time_zone, date_format, time_format, week_start, rows_per_page, theme, language, updated_at, version)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)
         on conflict (user_id) do update set time_zone = $2, date_format = $3, time_format = $4,
             week_start = $5, rows_per_page = $6, theme = $7, language = $8, updated_at = $9,
             version = user_preferences.version + 1
         where $10 < 0 or user_preferences.version = $10",
    )
    .bind(user_id)
    .bind(&p.time_zone)
    .bind(&p.date_format)
    .bind(&p.time_format)
    .bind(&p.week_start)
    .bind(p.rows_per_page as i64)
    .bind(&p.theme)
    .bind(&p.language)
    .bind(now)
    .bind(expected.unwrap_or(-1))
    .execute(db)
    .await?;
    // Nothing written: the saved version was not the form's.
    if done.rows_affected() == 0 {
        return Err(stale_form());
    }
    Ok(())
}

/// The answer to a form saved from an older copy (another tab saved in between).
pub fn stale_form() -> AppError {
    AppError::Conflict(crate::i18n::Msg::TheseSettingsWereChangedInAnother.into())
}
