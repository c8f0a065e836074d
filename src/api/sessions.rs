//! The Sessions tab's server functions, and re-authentication (sudo mode), which every
//! sensitive action of every tab relies on.

use crate::{error::AppError, model::sessions::SessionsPage};
use leptos::prelude::*;

#[server(endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<SessionsPage, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::sessions::page(&state()?, &user).await
}

/// Confirms the signed-in user's password; opens the ten-minute window for sensitive actions
/// and gives the session a new token. Returns until when it is open (unix seconds).
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<i64, AppError> {
    use crate::server::context::*;
    confirm_identity(&require_user()?, password).await
}

/// Ends another of the user's sessions. Needs a recent sign-in proof. Returns the ended id.
#[server(endpoint = "end_session")]
pub async fn end_session(
    id: String,
    /// The password of a form that asked for it (see `ui::components::reauth`).
    #[server(default)]
    password: Option<String>,
) -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_recent_auth_or(password).await?;
    crate::server::sessions::end_one(&state()?, &user, &client_info(), &id).await?;
    Ok(id)
}

/// Ends every session of the user but this one. Needs a recent sign-in proof.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions(
    #[server(default)] password: Option<String>,
) -> Result<u64, AppError> {
    use crate::server::context::*;
    let user = require_recent_auth_or(password).await?;
    crate::server::sessions::end_others(&state()?, &user, &client_info()).await
}
