//! E-mail addresses (on the Profile tab) and the verification link's confirmation.

use crate::{error::AppError, model::contacts::ContactsPage};
use leptos::prelude::*;

#[server(endpoint = "list_emails")]
pub async fn list_emails() -> Result<ContactsPage, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::contacts::page(&state()?, &user).await
}

/// Adds an address and e-mails it a verification link.
#[server(endpoint = "add_email")]
pub async fn add_email(email: String) -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::contacts::add(&state()?, &user, &client_info(), &email).await?;
    land_on("/settings/profile?email=sent#emails".into())
}

#[server(endpoint = "resend_email_link")]
pub async fn resend_email_link(id: String) -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::contacts::resend(&state()?, &user, &id).await?;
    land_on("/settings/profile?email=sent#emails".into())
}

#[server(endpoint = "remove_email")]
pub async fn remove_email(id: String) -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::contacts::remove(&state()?, &user, &client_info(), &id).await?;
    land_on("/settings/profile?email=removed#emails".into())
}

/// Makes a verified address the primary one. Needs a recent sign-in proof.
#[server(endpoint = "make_email_primary")]
pub async fn make_email_primary(
    id: String,
    #[server(default)] password: Option<String>,
) -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_recent_auth_or(password).await?;
    crate::server::contacts::make_primary(&state()?, &user, &client_info(), &id).await?;
    land_on("/settings/profile?email=primary#emails".into())
}

/// Confirms an address with the token from its link (no sign-in needed: the link is the proof).
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<String, AppError> {
    use crate::server::context::*;
    crate::server::contacts::verify(&state()?, &client_info(), &token).await?;
    land_on("/verify-email?done=1".into())
}
