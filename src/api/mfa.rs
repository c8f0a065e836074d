//! Two-factor sign-in server functions (the Security tab). Everything that changes it needs a
//! recent sign-in proof.

use crate::{error::AppError, model::mfa::MfaStatus};
use leptos::prelude::*;

#[server(endpoint = "get_mfa_status")]
pub async fn get_mfa_status() -> Result<MfaStatus, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::mfa::status(&state()?, &user).await
}

/// Starts setting up an authenticator app (the page then shows the QR code and key).
#[server(endpoint = "start_mfa_enrolment")]
pub async fn start_mfa_enrolment(
    #[server(default)] password: Option<String>,
) -> Result<(), AppError> {
    use crate::server::context::*;
    let user = require_recent_auth_or(password).await?;
    crate::server::mfa::start_enrolment(&state()?, &user).await
}

/// Turns two-factor sign-in on with the first code from the app.
#[server(endpoint = "confirm_mfa_enrolment")]
pub async fn confirm_mfa_enrolment(
    code: String,
    #[server(default)] password: Option<String>,
) -> Result<(), AppError> {
    use crate::server::context::*;
    let user = require_recent_auth_or(password).await?;
    crate::server::mfa::confirm_enrolment(&state()?, &user, &client_info(), &code).await
}

/// New recovery codes: needs a recent sign-in proof and a current code (see the flow).
#[server(endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes(
    confirm_code: String,
    #[server(default)] password: Option<String>,
) -> Result<(), AppError> {
    use crate::server::context::*;
    let user = require_recent_auth_or(password).await?;
    crate::server::mfa::regenerate_recovery_codes(&state()?, &user, &client_info(), &confirm_code)
        .await
}

/// Turns two-factor sign-in off: needs the password and a current code.
#[server(endpoint = "disable_mfa")]
pub async fn disable_mfa(password: String, code: String) -> Result<(), AppError> {
    use crate::server::{auth::Password, context::*};
    let user = require_recent_auth()?;
    crate::server::mfa::disable(&state()?, &user, &client_info(), &Password(password), &code).await
}
