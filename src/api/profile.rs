//! The Profile tab's server functions.

use crate::{
    error::AppError,
    model::profile::{ProfilePage, ProfileView},
};
use leptos::prelude::*;

/// The signed-in user's profile and the dashboards they may choose from.
#[server(endpoint = "get_profile_page")]
pub async fn get_profile_page() -> Result<ProfilePage, AppError> {
    use crate::server::{context::*, db::profile};
    let user = require_user()?;
    let state = state()?;
    let (profile, avatar) = profile::with_avatar(&state.db, &user.user_id).await?;
    Ok(ProfilePage {
        profile,
        dashboards: state.dashboards().await?,
        avatar,
    })
}

/// Saves the profile if every field is valid and the form is not stale (`version`).
#[server(endpoint = "update_profile")]
pub async fn update_profile(
    first_name: String,
    last_name: String,
    job_function: String,
    phone: String,
    default_dashboard: String,
    version: i64,
) -> Result<ProfileView, AppError> {
    use crate::{model::profile::ProfileInput, server::context::*};
    let user = require_user()?;
    let input = ProfileInput {
        first_name,
        last_name,
        job_function,
        phone,
        default_dashboard,
        version,
    };
    let saved = crate::server::profile::save(&state()?, &user.user_id, &input).await?;
    if is_form_post() {
        // Without JavaScript the page reloads: tell it to say "Saved".
        leptos_axum::redirect("/settings/profile?saved=1");
    }
    Ok(saved)
}
