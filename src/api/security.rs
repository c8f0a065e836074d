//! The Security tab's server functions.

use crate::{error::AppError, model::security::SecurityPage};
use leptos::prelude::*;

/// A page (1-based) of the signed-in user's security log.
#[server(endpoint = "get_security_log")]
pub async fn get_security_log(page: usize) -> Result<SecurityPage, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    let per_page = preferences().rows_per_page as usize;
    crate::server::security::log_page(&state()?, &user, page, per_page).await
}

/// Changes the password (see `server::security::change_password`).
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::server::{
        auth::{session_cookie, Password},
        context::*,
        security,
    };
    let user = require_user()?;
    let state = state()?;
    let form = security::PasswordChange {
        current: Password(current_password),
        new: Password(new_password),
        confirm: Password(confirm_password),
    };
    let token = security::change_password(&state, &user, &client_info(), form).await?;
    set_cookie(&session_cookie(state.config.production, Some(&token)));
    if is_form_post() {
        leptos_axum::redirect("/settings/security?changed=1");
    }
    Ok(())
}
