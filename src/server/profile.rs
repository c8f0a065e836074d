//! Saving a profile from the Profile tab's form. (`PATCH /api/v1/me` merges into the profile as
//! it is now, read and written in one transaction: `rest::v1::patch_me`.)

use super::{db::profile, state::AppState};
use crate::{
    error::AppError,
    model::profile::{validate, ProfileInput, ProfileView},
};

/// Validates every field and saves only if the profile is still at `input.version`.
pub async fn save(
    state: &AppState,
    user_id: &str,
    input: &ProfileInput,
) -> Result<ProfileView, AppError> {
    let valid = validate(input, &state.dashboards().await?).map_err(AppError::Validation)?;
    let mut tx = state.begin().await?;
    tx.lock_person(user_id).await?;
    let saved = profile::update(&mut tx, user_id, &valid, input.version, super::now()).await?;
    tx.commit().await?;
    Ok(saved)
}
