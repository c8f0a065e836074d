//! Sign-up, sign-in and the signed-in user for the shell.

use crate::{error::AppError, model::auth::CurrentUser};
use leptos::prelude::*;

/// Creates an account and signs it in. Returns where the browser should go next.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    first_name: String,
    last_name: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{accounts, auth::Password, context::*};
    let state = state()?;
    let form = accounts::SignUp {
        email,
        password: Password(password),
        first_name,
        last_name,
    };
    let token = accounts::sign_up(&state, &client_info(), form).await?;
    Ok(finish_sign_in(&state, &token, next.as_deref()))
}

/// Signs in with e-mail and password. Returns where the browser should go next.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{accounts, auth::Password, context::*};
    let state = state()?;
    let token = match accounts::sign_in(&state, &client_info(), &email, &Password(password)).await?
    {
        accounts::SignInStep::SignedIn(token) => token,
        accounts::SignInStep::SecondFactor(pending) => {
            set_cookie(&crate::server::auth::pending_cookie(
                state.config.production,
                Some(&pending),
            ));
            let next = accounts::safe_next(next.as_deref());
            let target = format!(
                "/signin/mfa?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            if is_form_post() {
                leptos_axum::redirect(&target);
            }
            return Ok(target);
        }
    };
    if let Some(old) = current_session() {
        // The browser had a session already: replace it rather than leave it dangling.
        crate::server::db::sessions::end(
            &state.db,
            &old.session_id,
            "signed_in_again",
            crate::server::now(),
        )
        .await?;
    }
    Ok(finish_sign_in(&state, &token, next.as_deref()))
}

/// The second step of a sign-in with two-factor sign-in on: an authenticator or recovery code
/// for the pending sign-in in this browser's cookie. Returns where to go next.
#[server(endpoint = "verify_sign_in_code")]
pub async fn verify_sign_in_code(code: String, next: Option<String>) -> Result<String, AppError> {
    use crate::server::{accounts, auth, context::*};
    let state = state()?;
    let pending =
        request_cookie(auth::pending_cookie_name(state.config.production)).ok_or_else(|| {
            AppError::Conflict(
                crate::i18n::t("This sign-in has expired. Please sign in again.").into(),
            )
        })?;
    let token = accounts::finish_second_step(&state, &client_info(), &pending, &code).await?;
    set_cookie(&auth::pending_cookie(state.config.production, None));
    Ok(finish_sign_in(&state, &token, next.as_deref()))
}

/// Sets the session cookie and, for a form post without JavaScript, redirects to `next`.
#[cfg(feature = "ssr")]
fn finish_sign_in(app: &crate::server::state::AppState, token: &str, next: Option<&str>) -> String {
    use crate::server::{accounts::safe_next, auth::session_cookie, context::*};
    set_cookie(&session_cookie(app.config.production, Some(token)));
    let target = safe_next(next);
    if is_form_post() {
        leptos_axum::redirect(&target);
    }
    target
}

/// The signed-in user, or `None`.
#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::context::*;
    let Some(authed) = current_session() else {
        return Ok(None);
    };
    let db = &state()?.db;
    let Some(mut user) = crate::server::db::users::current_user(db, &authed.user_id).await? else {
        return Ok(None);
    };
    user.unread = crate::server::db::notifications::unread_count(db, &authed.user_id).await?;
    Ok(Some(user))
}
