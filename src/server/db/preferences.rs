//! Display preferences in the database: one row per person who saved any.

use crate::{
    error::AppError,
    model::preferences::{DateFormat, LanguageChoice, Preferences, Theme, TimeFormat, WeekStart},
};
use sqlx::Row;

/// The columns `from_row` reads, of `user_preferences` as `up`.
/// How many `COLUMNS` there are (where the next columns of a row start).
pub(crate) const COLUMN_COUNT: usize = 8;
pub(crate) const COLUMNS: &str = "up.version, up.time_zone, up.date_format, up.time_format, \
     up.week_start, up.rows_per_page, up.theme, up.language";

/// The saved preferences, if any (`zone_chosen` false when no zone was saved).
pub async fn get<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<Option<Preferences>, AppError> {
    let row = sqlx::query(&format!(
        "select {COLUMNS} from user_preferences up where up.user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| from_row(&r, 0)))
}

/// The preferences in `COLUMNS` from column `at` on; none when nobody saved any (the columns of
/// an outer join are null).
pub(crate) fn from_row(r: &sqlx::any::AnyRow, at: usize) -> Option<Preferences> {
    let version: i64 = r.get::<Option<i64>, _>(at)?;
    let zone: Option<String> = r.get(at + 1);
    Some(Preferences {
        zone_chosen: zone.is_some(),
        time_zone: zone.unwrap_or_else(|| "UTC".into()),
        // Words saved by an older version that are no longer offered read as the default.
        date_format: DateFormat::parse(&r.get::<String, _>(at + 2)).unwrap_or(DateFormat::Iso),
        time_format: TimeFormat::parse(&r.get::<String, _>(at + 3)).unwrap_or(TimeFormat::H24),
        week_start: WeekStart::parse(&r.get::<String, _>(at + 4)).unwrap_or(WeekStart::Monday),
        rows_per_page: r.get::<i64, _>(at + 5) as u32,
        theme: Theme::parse(&r.get::<String, _>(at + 6)).unwrap_or(Theme::System),
        language: LanguageChoice::parse(&r.get::<String, _>(at + 7))
            .unwrap_or(LanguageChoice::Auto),
        version,
    })
}

/// Saves the preferences. With `expected` (the version the form was made from), only if the
/// saved ones are still at that version (0: none saved yet); `Conflict` otherwise.
pub async fn save<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
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
    // No zone chosen is stored as none: pages then keep following the browser's zone.
    .bind(p.zone_chosen.then_some(p.time_zone.as_str()))
    .bind(p.date_format.as_str())
    .bind(p.time_format.as_str())
    .bind(p.week_start.as_str())
    .bind(p.rows_per_page as i64)
    .bind(p.theme.as_str())
    .bind(p.language.as_str())
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_counts_the_columns() {
        assert_eq!(super::COLUMNS.split(',').count(), super::COLUMN_COUNT);
    }
}
