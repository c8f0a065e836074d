//! Sign-up, sign-in and the signed-in user for the shell.

use crate::{
    error::AppError,
    model::auth::{CurrentUser, ResetLink},
};
use leptos::prelude::*;

/// Where a sign-up lands: the page that says to check the inbox (the same for every address).
pub const SIGNUP_SENT: &str = "/signup?sent=1";
/// Where a request for a "forgot password" link lands (the same for every address).
pub const RESET_SENT: &str = "/forgot-password?sent=1";
/// Where a new password set from such a link lands: signing in with it.
pub const RESET_DONE: &str = "/signin?reset=1";

/// Takes a sign-up and e-mails the link that finishes it. Returns where the browser goes next
/// (the same answer whether or not the address has an account).
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    first_name: String,
    last_name: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{auth::Password, context::*, sign_in};
    let _ = next;
    let form = sign_in::SignUp {
        email,
        password: Password(password),
        first_name,
        last_name,
    };
    sign_in::sign_up(&state()?, &client_info(), form).await?;
    land_on(SIGNUP_SENT.into())
}

/// Finishes a sign-up from its e-mailed link with the password chosen: signs the new account in.
#[server(endpoint = "finish_sign_up")]
pub async fn finish_sign_up(token: String, password: String) -> Result<String, AppError> {
    use crate::server::{auth, auth::Password, context::*, sign_in};
    let state = state()?;
    let device = request_cookie(auth::device_cookie_name(state.config.production));
    let signed_in = sign_in::finish_sign_up(
        &state,
        &client_info(),
        &token,
        &Password(password),
        device.as_deref(),
    )
    .await?;
    Ok(finish_sign_in(
        &state,
        &signed_in,
        Some("/settings/profile?welcome=1"),
    ))
}

/// Signs in with e-mail and password. Returns where the browser should go next.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{auth, auth::Password, context::*, sign_in};
    let state = state()?;
    let device = request_cookie(auth::device_cookie_name(state.config.production));
    let step = sign_in::sign_in(
        &state,
        &client_info(),
        &email,
        &Password(password),
        device.as_deref(),
    )
    .await?;
    let signed_in = match step {
        sign_in::SignInStep::SignedIn(signed_in) => signed_in,
        sign_in::SignInStep::SecondFactor(pending) => {
            set_cookie(&auth::pending_cookie(
                state.config.production,
                Some(&pending),
            ));
            let next = sign_in::safe_next(next.as_deref());
            let target = format!(
                "/signin/mfa?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return land_on(target);
        }
    };
    end_previous_session(&state).await?;
    Ok(finish_sign_in(&state, &signed_in, next.as_deref()))
}

/// The second step of a sign-in with two-factor sign-in on: an authenticator or recovery code
/// for the pending sign-in in this browser's cookie. Returns where to go next.
#[server(endpoint = "verify_sign_in_code")]
pub async fn verify_sign_in_code(code: String, next: Option<String>) -> Result<String, AppError> {
    use crate::server::{auth, context::*, sign_in};
    let state = state()?;
    let pending = request_cookie(auth::pending_cookie_name(state.config.production))
        .ok_or_else(|| AppError::conflict(crate::i18n::Msg::ThisSignInHasExpiredPlease))?;
    let device = request_cookie(auth::device_cookie_name(state.config.production));
    let signed_in =
        sign_in::finish_second_step(&state, &client_info(), &pending, &code, device.as_deref())
            .await?;
    set_cookie(&auth::pending_cookie(state.config.production, None));
    end_previous_session(&state).await?;
    Ok(finish_sign_in(&state, &signed_in, next.as_deref()))
}

/// "Forgot password?": mails a single-use link to the address if it is a verified address of
/// an account. Returns where the browser goes next (the same answer for every address).
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    use crate::server::{context::*, password_reset};
    password_reset::request(&state()?, &client_info(), &email).await?;
    land_on(RESET_SENT.into())
}

/// Whether a "forgot password" link still works, and whether it also needs a code.
#[server(endpoint = "get_password_reset")]
pub async fn get_password_reset(token: String) -> Result<ResetLink, AppError> {
    use crate::server::{context::*, password_reset};
    password_reset::check(&state()?, &token).await
}

/// Sets a new password from a "forgot password" link (with an authenticator or recovery `code`
/// when two-factor sign-in is on). Every session ends; returns the sign-in page to go to.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
    code: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{auth::Password, context::*, password_reset};
    let form = password_reset::NewPassword {
        token,
        new: Password(new_password),
        confirm: Password(confirm_password),
        code: code.unwrap_or_default(),
    };
    password_reset::reset(&state()?, &client_info(), form).await?;
    land_on(RESET_DONE.into())
}

/// The browser had a session already: replace it rather than leave it dangling.
#[cfg(feature = "ssr")]
async fn end_previous_session(app: &crate::server::state::AppState) -> Result<(), AppError> {
    if let Some(old) = crate::server::context::current_session() {
        crate::server::db::sessions::end(
            &app.db,
            &old.session_id,
            crate::model::sessions::EndReason::SignedInAgain,
            crate::server::now(),
        )
        .await?;
    }
    Ok(())
}

/// Sets the session and device cookies and, for a form post without JavaScript, redirects to
/// `next`.
#[cfg(feature = "ssr")]
fn finish_sign_in(
    app: &crate::server::state::AppState,
    signed_in: &crate::server::sign_in::SignedIn,
    next: Option<&str>,
) -> String {
    use crate::server::{auth, context::*, sign_in::safe_next};
    set_cookie(&auth::session_cookie(
        app.config.production,
        Some(&signed_in.session),
    ));
    set_cookie(&auth::device_cookie(
        app.config.production,
        &signed_in.device,
    ));
    let target = safe_next(next);
    if is_form_post() {
        leptos_axum::redirect(&target);
    }
    target
}

/// The signed-in user, or `None`.
#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    // The session middleware read it with the session, in the same statement.
    Ok(crate::server::context::current_header())
}
