//! The API keys tab's server functions. Creating and editing a key need a recent sign-in proof;
//! revoking and deleting (which only take access away) need a signed-in user.

use crate::{error::AppError, model::api_keys::ApiKeysPage};
use leptos::prelude::*;

/// The user's keys, and a key created just before, shown this once.
#[server(endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<ApiKeysPage, AppError> {
    use crate::server::{api_keys, context::*};
    let user = require_user()?;
    let state = state()?;
    let name = api_keys::show_once_cookie_name(state.config.production);
    let sealed = request_cookie(name);
    if sealed.is_some() {
        set_cookie(&api_keys::show_once_cookie(&state, &user, None));
    }
    api_keys::page(&state, &user, sealed.as_deref()).await
}

/// Creates a key and goes back to the tab, which shows it once.
#[server(endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    #[server(default)] scopes: Vec<String>,
    expires_in: String,
    /// The account the key acts in; empty for a personal key.
    #[server(default)]
    account: String,
    #[server(default)] password: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{api_keys, context::*};
    let user = require_recent_auth_or(password).await?;
    let state = state()?;
    let client = client_info();
    let key = api_keys::create(
        &state,
        &user,
        &client,
        &name,
        &scopes,
        &expires_in,
        &account,
    )
    .await?;
    set_cookie(&api_keys::show_once_cookie(&state, &user, Some(&key)));
    back_to_tab("created")
}

/// Renames a key and changes its scopes.
#[server(endpoint = "update_api_key")]
pub async fn update_api_key(
    id: String,
    name: String,
    #[server(default)] scopes: Vec<String>,
    #[server(default)] password: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{api_keys, context::*};
    let user = require_recent_auth_or(password).await?;
    api_keys::update(&state()?, &user, &client_info(), &id, &name, &scopes).await?;
    back_to_tab("saved")
}

#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: String) -> Result<String, AppError> {
    use crate::server::{api_keys, context::*};
    let user = require_user()?;
    api_keys::revoke(&state()?, &user, &client_info(), &id).await?;
    back_to_tab("revoked")
}

#[server(endpoint = "delete_api_key")]
pub async fn delete_api_key(id: String) -> Result<String, AppError> {
    use crate::server::{api_keys, context::*};
    let user = require_user()?;
    api_keys::delete(&state()?, &user, &client_info(), &id).await?;
    back_to_tab("deleted")
}

/// Back to the tab, saying what happened.
#[cfg(feature = "ssr")]
fn back_to_tab(done: &str) -> Result<String, AppError> {
    crate::server::context::land_on(format!("/settings/api-keys?done={done}"))
}
