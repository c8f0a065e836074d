//! Sign-up and sign-in: the flows behind the forms, kept out of the server functions so tests
//! and (later) the REST API call the same code.

use super::{
    auth::{self, Password},
    context::Authed,
    context::ClientInfo,
    db::{
        security_events::{self, kind},
        sessions, throttle, users,
    },
    now, random_id,
    state::AppState,
};
use crate::i18n::t;
use crate::{
    error::AppError,
    model::auth::{normalize_email, validate_signup},
};

pub struct SignUp {
    pub email: String,
    pub password: Password,
    pub first_name: String,
    pub last_name: String,
}

/// Creates the account and signs it in; returns the new session token.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    state: &AppState,
    client: &ClientInfo,
    form: SignUp,
) -> Result<String, AppError> {
    let email = normalize_email(&form.email);
    validate_signup(&email, &form.password.0, &form.first_name, &form.last_name).into_result()?;
    let password_hash = state.hasher.hash(&form.password).await?;
    let id = random_id(16);
    let user = users::NewUser {
        id: &id,
        email: &email,
        password_hash: &password_hash,
        first_name: form.first_name.trim(),
        last_name: form.last_name.trim(),
    };
    users::create(&state.db, user, now()).await?;
    security_events::record(&state.db, &id, kind::ACCOUNT_CREATED, true, client, "").await?;
    tracing::info!(user_id = %id, "account created");
    start_session(state, &id, client).await
}

/// Checks the credentials (throttled per IP and per account) and starts a session.
///
/// Every failure — unknown e-mail, wrong password, empty fields — returns the same
/// `InvalidCredentials` after the same argon2 work, so responses reveal nothing about which
/// accounts exist.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: &Password,
) -> Result<SignInStep, AppError> {
    let email = normalize_email(email);
    let account_key = format!("account:{email}");
    let ip_key = format!("ip:{}", client.ip);
    let now = now();
    if let Some(secs) = throttle::locked_for(&state.db, &[&account_key, &ip_key], now).await? {
        return Err(AppError::RateLimited(secs));
    }
    let credentials = users::credentials_by_email(&state.db, &email).await?;
    let verified = state
        .hasher
        .verify(
            credentials.as_ref().map(|(_, hash)| hash.as_str()),
            password,
        )
        .await?;
    let user_id = match credentials {
        Some((user_id, _)) if verified => user_id,
        credentials => {
            let locked = record_failure(state, &account_key, &ip_key, now).await?;
            if let Some((user_id, _)) = credentials {
                security_events::record(
                    &state.db,
                    &user_id,
                    kind::SIGN_IN,
                    false,
                    client,
                    "wrong password",
                )
                .await?;
                if locked {
                    security_events::record(&state.db, &user_id, kind::THROTTLED, true, client, "")
                        .await?;
                }
            }
            return Err(AppError::InvalidCredentials);
        }
    };
    throttle::clear(&state.db, &account_key).await?;
    security_events::record(&state.db, &user_id, kind::SIGN_IN, true, client, "password").await?;
    if super::mfa::is_enabled(state, &user_id).await? {
        return Ok(SignInStep::SecondFactor(
            super::mfa::begin_second_step(state, &user_id).await?,
        ));
    }
    Ok(SignInStep::SignedIn(
        start_session(state, &user_id, client).await?,
    ))
}

/// What a correct password leads to.
pub enum SignInStep {
    /// A session token: signed in.
    SignedIn(String),
    /// Two-factor sign-in is on: a pending sign-in token for the second step.
    SecondFactor(String),
}

/// Completes a sign-in after its second step: a session for the user.
pub async fn finish_second_step(
    state: &AppState,
    client: &ClientInfo,
    pending_token: &str,
    code: &str,
) -> Result<String, AppError> {
    let user_id = super::mfa::second_step(state, client, pending_token, code).await?;
    start_session(state, &user_id, client).await
}

/// Counts a failed password against the account and the IP; true when either is now locked.
async fn record_failure(
    state: &AppState,
    account_key: &str,
    ip_key: &str,
    now: i64,
) -> Result<bool, AppError> {
    let account_locked =
        throttle::record_failure(&state.db, account_key, throttle::ACCOUNT_LIMIT, now).await?;
    let ip_locked = throttle::record_failure(&state.db, ip_key, throttle::IP_LIMIT, now).await?;
    if account_locked || ip_locked {
        tracing::warn!(account_locked, ip_locked, "password attempts throttled");
    }
    Ok(account_locked || ip_locked)
}

/// Sudo mode: the signed-in user proves their identity again with their password (or, with
/// two-factor sign-in on, a current authenticator code), which
/// allows sensitive actions from this session for `REAUTH_WINDOW_SECS`. Wrong passwords count
/// toward the same throttling as sign-in. Returns until when the window is open.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn reauthenticate(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    password: &Password,
) -> Result<i64, AppError> {
    let (email, hash) = users::credentials_by_id(&state.db, &user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let account_key = format!("account:{email}");
    let ip_key = format!("ip:{}", client.ip);
    let now = now();
    if let Some(secs) = throttle::locked_for(&state.db, &[&account_key, &ip_key], now).await? {
        return Err(AppError::RateLimited(secs));
    }
    // With two-factor sign-in on, a current code is proof too. Passwords have at least 8
    // characters, so a 6-digit input is never a password.
    let is_code =
        password.0.len() == super::mfa::DIGITS && password.0.chars().all(|c| c.is_ascii_digit());
    let proved = if is_code && super::mfa::is_enabled(state, &user.user_id).await? {
        super::mfa::accept_totp(state, &user.user_id, &password.0).await?
    } else {
        state.hasher.verify(Some(&hash), password).await?
    };
    if !proved {
        let locked = record_failure(state, &account_key, &ip_key, now).await?;
        security_events::record(
            &state.db,
            &user.user_id,
            kind::REAUTH,
            false,
            client,
            "wrong password",
        )
        .await?;
        if locked {
            security_events::record(&state.db, &user.user_id, kind::THROTTLED, true, client, "")
                .await?;
        }
        return Err(AppError::field(
            "password",
            t("That is not your current password."),
        ));
    }
    throttle::clear(&state.db, &account_key).await?;
    sessions::mark_reauthenticated(&state.db, &user.session_id, now).await?;
    security_events::record(
        &state.db,
        &user.user_id,
        kind::REAUTH,
        true,
        client,
        if is_code {
            "authenticator app"
        } else {
            "password"
        },
    )
    .await?;
    Ok(now + crate::model::sessions::REAUTH_WINDOW_SECS)
}

/// A fresh session for `user_id`: a new random token every time, so a token planted before
/// sign-in (session fixation) is never promoted.
async fn start_session(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
) -> Result<String, AppError> {
    let (token, token_hash) = auth::new_session_token();
    let session = sessions::NewSession {
        id: &random_id(16),
        token_hash: &token_hash,
        user_id,
        ip: &client.ip,
        user_agent: &client.user_agent,
    };
    sessions::create(&state.db, session, now()).await?;
    Ok(token)
}

/// Where to go after signing in: only our own settings pages, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/settings/profile";
    match next.map(str::trim) {
        Some(path)
            if (path == "/settings"
                || path.starts_with("/settings/")
                || path.starts_with("/settings?"))
                && !path.contains('\\')
                && !path.contains("//")
                && !path.chars().any(char::is_control) =>
        {
            path.to_string()
        }
        _ => HOME.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_settings_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/settings/profile?tab=1")),
            "/settings/profile?tab=1"
        );
        for bad in [
            "https://evil.test",
            "//evil.test",
            "/\\evil.test",
            "/settings//evil.test",
            "/signout",
            "javascript:alert(1)",
            "/settings/\nx",
        ] {
            assert_eq!(safe_next(Some(bad)), "/settings/profile", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/settings/profile");
    }
}
