//! "Remove picture" (uploads go to the plain route `POST /settings/avatar`, see
//! `server::avatar`).

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "remove_avatar")]
pub async fn remove_avatar() -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::avatar::remove(&state()?, &user).await?;
    land_on("/settings/profile?avatar=removed#avatar".into())
}
