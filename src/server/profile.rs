//! Saving a profile: the one code path behind the Profile tab's form and `PATCH /api/v1/me`.

use super::{db::profile, state::AppState};
use crate::{
    error::AppError,
    model::profile::{validate, ProfileInput, ProfileView},
};

/// Validates every field without saving (the REST API checks a body before its precondition).
pub async fn check(state: &AppState, input: &ProfileInput) -> Result<(), AppError> {
    validate(input, &state.dashboards().await?)
        .map(|_| ())
        .map_err(AppError::Validation)
}

/// Validates every field and saves only if the profile is still at `input.version`.
pub async fn save(
    state: &AppState,
    user_id: &str,
    input: &ProfileInput,
) -> Result<ProfileView, AppError> {
    let valid = validate(input, &state.dashboards().await?).map_err(AppError::Validation)?;
    let mut tx = state.begin().await?;
    let saved = profile::update(&mut tx, user_id, &valid, input.version, super::now()).await?;
    tx.commit().await?;
    Ok(saved)
}
