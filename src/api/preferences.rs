//! The Preferences tab's server functions.

use crate::{error::AppError, model::preferences::Preferences};
use leptos::prelude::*;

/// The preferences this request uses (saved ones, else the browser's zone and defaults).
#[server(endpoint = "get_preferences")]
pub async fn get_preferences() -> Result<Preferences, AppError> {
    use crate::server::context::*;
    require_user()?;
    Ok(preferences())
}

/// Saves every preference at once, if every field is one of the offered values.
#[server(endpoint = "save_preferences")]
pub async fn save_preferences(
    time_zone: String,
    date_format: String,
    time_format: String,
    week_start: String,
    rows_per_page: String,
    theme: String,
    language: String,
    /// The version the form was made from; without it (scripts), the save applies regardless.
    #[server(default)]
    version: Option<i64>,
) -> Result<String, AppError> {
    use crate::{
        model::preferences::{validate, PreferencesInput},
        server::context::*,
    };
    let user = require_user()?;
    let input = PreferencesInput {
        time_zone,
        date_format,
        time_format,
        week_start,
        rows_per_page,
        theme,
        language,
    };
    let prefs = validate(&input).map_err(AppError::Validation)?;
    let state = state()?;
    let mut tx = state.begin().await?;
    tx.lock_person(&user.user_id).await?;
    let at = crate::server::now();
    crate::server::db::preferences::save(&mut *tx, &user.user_id, &prefs, version, at).await?;
    tx.commit().await?;
    land_on("/settings/preferences?done=saved".into())
}
