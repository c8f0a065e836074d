//! The Accounts tab's server functions and its Manage page's. Each checks the person here and
//! their role in the account inside `server::accounts` (never only in the page).

use crate::{
    error::AppError,
    model::accounts::{AccountsPage, InvitationView, ManagePage},
};
use leptos::prelude::*;

#[server(endpoint = "get_accounts_page")]
pub async fn get_accounts_page() -> Result<AccountsPage, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::page(&state()?, &user.user_id, user.chosen_account.as_deref()).await
}

#[server(endpoint = "create_account")]
pub async fn create_account(name: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let state = state()?;
    let id = accounts::create(&state, &user.user_id, &client_info(), &name).await?;
    // A new account is where its creator means to work next.
    accounts::switch(&state, &user.user_id, &user.session_id, &id).await?;
    land_on(format!("/settings/accounts?done=created#account-{id}"))
}

#[server(endpoint = "switch_account")]
pub async fn switch_account(id: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::switch(&state()?, &user.user_id, &user.session_id, &id).await?;
    land_on("/settings/accounts?done=switched".into())
}

#[server(endpoint = "leave_account")]
pub async fn leave_account(id: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::leave(&state()?, &user.user_id, &client_info(), &id).await?;
    land_on("/settings/accounts?done=left".into())
}

/// Accepts an invitation from the tab's list (`id`) or from its e-mail's link (`token`).
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    #[server(default)] id: Option<String>,
    #[server(default)] token: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{accounts, auth, context::*, db::accounts::InvitationKey};
    let user = require_user()?;
    let hash = token.as_deref().map(auth::token_hash);
    let key = match (&id, &hash) {
        (Some(id), _) => InvitationKey::Id(id),
        (None, Some(hash)) => InvitationKey::TokenHash(hash),
        (None, None) => return Err(AppError::BadRequest),
    };
    let account = accounts::accept(&state()?, &user.user_id, &client_info(), key).await?;
    land_on(format!("/settings/accounts?done=joined#account-{account}"))
}

#[server(endpoint = "ignore_invitation")]
pub async fn ignore_invitation(id: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::ignore(&state()?, &user.user_id, &client_info(), &id).await?;
    land_on("/settings/accounts?done=ignored".into())
}

/// What an invitation link opens (anyone holding the link may see whom it invites where), and
/// whether this browser is signed in (to accept here, or to sign in first). `None`: the link no
/// longer works.
#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<(Option<InvitationView>, bool), AppError> {
    use crate::server::{accounts, context::*};
    let signed_in = current_session().is_some();
    match accounts::by_token(&state()?, &token).await {
        Ok(invitation) => Ok((Some(invitation), signed_in)),
        Err(AppError::NotFound) => Ok((None, signed_in)),
        Err(e) => Err(e),
    }
}

#[server(endpoint = "get_manage_page")]
pub async fn get_manage_page(account: String, page: usize) -> Result<ManagePage, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let rows = preferences().rows_per_page as usize;
    accounts::manage_page(&state()?, &user.user_id, &account, page, rows).await
}

#[server(endpoint = "invite_member")]
pub async fn invite_member(
    account: String,
    email: String,
    role: String,
) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::invite(
        &state()?,
        &user.user_id,
        &client_info(),
        &account,
        &email,
        &role,
    )
    .await?;
    back_to_manage(&account, "invited")
}

#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(account: String, id: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::resend(&state()?, &user.user_id, &client_info(), &account, &id).await?;
    back_to_manage(&account, "resent")
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(account: String, id: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::revoke(&state()?, &user.user_id, &client_info(), &account, &id).await?;
    back_to_manage(&account, "revoked")
}

#[server(endpoint = "change_member")]
pub async fn change_member(
    account: String,
    id: String,
    role: String,
    #[server(default)] group: String,
) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let state = state()?;
    accounts::change_member(
        &state,
        &user.user_id,
        &client_info(),
        &account,
        &id,
        &role,
        &group,
    )
    .await?;
    back_to_manage(&account, "changed")
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(account: String, id: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    accounts::remove_member(&state()?, &user.user_id, &client_info(), &account, &id).await?;
    back_to_manage(&account, "removed")
}

/// Saves the account's policies (checkboxes are absent when unticked).
#[server(endpoint = "set_account_policies")]
pub async fn set_account_policies(
    account: String,
    #[server(default)] require_mfa: Option<String>,
    #[server(default)] grace_days: String,
    #[server(default)] api_approval: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let wanted = (
        require_mfa.is_some(),
        grace_days.as_str(),
        api_approval.is_some(),
    );
    accounts::set_policies(&state()?, &user.user_id, &client_info(), &account, wanted).await?;
    back_to_manage(&account, "policies")
}

#[server(endpoint = "create_billing_profile")]
pub async fn create_billing_profile(
    account: String,
    name: String,
    email: String,
) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let state = state()?;
    accounts::create_billing_profile(
        &state,
        &user.user_id,
        &client_info(),
        &account,
        &name,
        &email,
    )
    .await?;
    back_to_manage(&account, "billing")
}

/// Puts a member on a billing profile (`on` present) or takes them off.
#[server(endpoint = "assign_billing")]
pub async fn assign_billing(
    account: String,
    profile: String,
    id: String,
    #[server(default)] on: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let state = state()?;
    let on = on.is_some();
    accounts::assign_billing(
        &state,
        &user.user_id,
        &client_info(),
        &account,
        &profile,
        &id,
        on,
    )
    .await?;
    back_to_manage(&account, "billing")
}

/// Asks an account that needs approval for API access (from the API keys tab).
#[server(endpoint = "request_api_access")]
pub async fn request_api_access(account: String, reason: String) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let state = state()?;
    accounts::request_api_access(&state, &user.user_id, &client_info(), &account, &reason).await?;
    land_on("/settings/api-keys?done=requested#access".into())
}

/// Approves (`approve` present) or declines a member's request for API access.
#[server(endpoint = "decide_api_access")]
pub async fn decide_api_access(
    account: String,
    id: String,
    #[server(default)] approve: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{accounts, context::*};
    let user = require_user()?;
    let state = state()?;
    let approve = approve.is_some();
    accounts::decide_api_access(
        &state,
        &user.user_id,
        &client_info(),
        &account,
        &id,
        approve,
    )
    .await?;
    back_to_manage(&account, "decided")
}

#[cfg(feature = "ssr")]
fn back_to_manage(account: &str, done: &str) -> Result<String, AppError> {
    crate::server::context::land_on(format!("/settings/accounts/{account}/manage?done={done}"))
}
