//! "Forgot password?": a single-use link, mailed to a verified address, that lets a person set
//! a new password without the old one.
//!
//! Asking for a link gives the same answer whether or not the address belongs to anyone, and
//! mails nothing to an address that is not verified (unverified accounts get only their sign-up
//! link). A link works once, for 30 minutes; a newer one replaces it. Setting the new password
//! ends every session of the account (whoever knew the old password is out) and tells the
//! person; with two-factor sign-in on, it also needs an authenticator or recovery code, counted
//! with the sign-in's wrong codes, so a mailbox alone is not enough to take the account over.

use super::{
    auth::{self, Password},
    context::ClientInfo,
    db::{
        password_resets, rate,
        security_events::{self, Kind},
        sessions,
        throttle::{self, key},
        users,
    },
    mail::{self, templates},
    notifications::SecurityNotice,
    now, random_id,
    state::AppState,
};
use crate::{
    error::{AppError, FieldErrors},
    i18n::Msg,
    model::{
        auth::{check_password, normalize_email, validate_email, ResetLink, RESET_LINK_SECS},
        sessions::EndReason,
    },
};

/// Requests for links from one IP address: enough for an office, too few to probe addresses.
const REQUESTS_PER_IP: rate::Budget = rate::Budget {
    max: 10,
    window_secs: 3600,
};
/// Links to one address per hour. More requests get the same answer and no mail, so nobody can
/// flood a mailbox, and the newest link the owner has keeps working.
const LINKS_PER_ADDRESS: rate::Budget = rate::Budget {
    max: 3,
    window_secs: 3600,
};
/// New passwords tried from one IP address per hour (links are unguessable; this bounds the
/// argon2 work anyone can cause here).
const ATTEMPTS_PER_IP: rate::Budget = rate::Budget {
    max: 30,
    window_secs: 3600,
};

/// Mails a link to `email` if it is a verified address of an account; the same answer either
/// way. Throttled per IP address (an error) and per address (silently).
#[tracing::instrument(skip_all)]
pub async fn request(state: &AppState, client: &ClientInfo, email: &str) -> Result<(), AppError> {
    let email = normalize_email(email);
    validate_email(&email).map_err(|e| AppError::field("email", e))?;
    let at = now();
    if let Err(secs) = rate::hit(
        &state.db,
        &format!("reset_by:{}", client.ip),
        REQUESTS_PER_IP,
        at,
    )
    .await?
    {
        tracing::warn!(ip = %client.ip, "password reset requests throttled");
        return Err(AppError::RateLimited(secs));
    }
    let mut tx = state.begin().await?;
    // Counted for every address, known or not, so the budget says nothing about accounts.
    let within = rate::hit(
        &mut *tx,
        &format!("reset_to:{email}"),
        LINKS_PER_ADDRESS,
        at,
    )
    .await?
    .is_ok();
    let owner = users::by_verified_address(&mut *tx, &email).await?;
    match (owner, within) {
        (Some(user_id), true) => {
            let token = random_id(32);
            password_resets::create(
                &mut tx,
                &user_id,
                &auth::token_hash(&token),
                at,
                at + RESET_LINK_SECS,
            )
            .await?;
            let name = users::current_user(&mut *tx, &user_id)
                .await?
                .map(|u| u.display_name())
                .unwrap_or_default();
            let lang = mail::language_of(&mut *tx, &user_id).await?;
            let link = state.link(&format!("/reset-password?token={token}"));
            let message = templates::password_reset(lang, &email, &name, &link);
            mail::send_requested(&mut tx, state, None, &message).await?;
            security_events::record(
                &mut *tx,
                &user_id,
                Kind::PasswordResetRequested,
                true,
                client,
                &email,
            )
            .await?;
            tracing::info!(user_id = %user_id, ip = %client.ip, "password reset link sent");
        }
        (Some(user_id), false) => {
            tracing::warn!(user_id = %user_id, ip = %client.ip, "password reset link not sent: address over its hourly budget");
        }
        (None, _) => tracing::info!(ip = %client.ip, "password reset for an unknown address"),
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

fn expired() -> AppError {
    AppError::conflict(Msg::ThisResetLinkWasAlreadyUsed)
}

/// What the page behind a link needs: whether the link works (else the "used or expired"
/// error) and whether it also needs a code. Opening a link changes nothing.
pub async fn check(state: &AppState, token: &str) -> Result<ResetLink, AppError> {
    let user_id = password_resets::owner(&state.db, &auth::token_hash(token.trim()), now())
        .await?
        .ok_or_else(expired)?;
    Ok(ResetLink {
        needs_code: super::mfa::is_enabled(&state.db, &user_id).await?,
    })
}

pub struct NewPassword {
    pub token: String,
    pub new: Password,
    pub confirm: Password,
    /// An authenticator or recovery code, when two-factor sign-in is on.
    pub code: String,
}

/// Sets the new password from a live link: in one transaction, the password, the link spent,
/// every session ended, pending sign-ins dropped, this address's wrong-password count cleared,
/// the log entry and the notice. The person then signs in with the new password.
#[tracing::instrument(skip_all)]
pub async fn reset(
    state: &AppState,
    client: &ClientInfo,
    form: NewPassword,
) -> Result<(), AppError> {
    let at = now();
    if let Err(secs) = rate::hit(
        &state.db,
        &format!("reset_try:{}", client.ip),
        ATTEMPTS_PER_IP,
        at,
    )
    .await?
    {
        tracing::warn!(ip = %client.ip, "password resets throttled");
        return Err(AppError::RateLimited(secs));
    }
    let token_hash = auth::token_hash(form.token.trim());
    let user_id = password_resets::owner(&state.db, &token_hash, at)
        .await?
        .ok_or_else(expired)?;
    let person = users::current_user(&state.db, &user_id)
        .await?
        .ok_or_else(expired)?;
    let needs_code = super::mfa::is_enabled(&state.db, &user_id).await?;
    let code = form.code.trim();
    let mut errors = FieldErrors::new();
    if let Err(e) = check_password(
        &form.new.0,
        &[&person.email, &person.first_name, &person.last_name],
    ) {
        errors.add("new_password", e);
    }
    if form.new.0 != form.confirm.0 {
        errors.add("confirm_password", Msg::TheTwoNewPasswordsDoNot);
    }
    if needs_code && code.is_empty() {
        errors.add("code", Msg::EnterACodeFromYourAuthenticator);
    }
    errors.into_result()?;
    if needs_code {
        super::mfa::second_factor_lock(state, &user_id, client).await?;
    }
    // Hashed before the transaction: no connection is held while argon2 works.
    let new_hash = state.hasher.hash(&form.new).await?;
    let mut tx = state.begin().await?;
    if needs_code
        && super::mfa::check_second_factor(&mut tx, state, &user_id, client, code)
            .await?
            .is_none()
    {
        // The wrong code stays counted; the link stays usable.
        tx.commit().await?;
        state.mailer.wake();
        return Err(AppError::field("code", Msg::ThatCodeIsNotValidEnter));
    }
    if !password_resets::spend(&mut *tx, &token_hash, &user_id, at).await? {
        return Err(expired());
    }
    users::set_password_hash(&mut *tx, &user_id, &new_hash, at).await?;
    let ended =
        sessions::end_all_except(&mut *tx, &user_id, "", EndReason::PasswordReset, at).await?;
    super::db::mfa::drop_pending_signins(&mut *tx, &user_id).await?;
    throttle::clear(&mut *tx, &key::source(&person.email, &client.ip)).await?;
    security_events::record(&mut *tx, &user_id, Kind::PasswordReset, true, client, "").await?;
    let notice = SecurityNotice {
        sentence: Msg::ThePasswordOfYourProfileCenter2,
        what: None,
        more: &[Msg::AllYourSessionsWereSignedOut],
        advice: Msg::IfThisWasNotYouSomeoneReset,
        act_at: "/forgot-password",
        ..SecurityNotice::happened(
            Msg::YourProfileCenterPasswordWasReset,
            Msg::ThePasswordOfYourProfileCenter2,
            &[],
            client,
        )
    };
    super::notifications::security_notice(&mut tx, state, &user_id, notice).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user_id, ip = %client.ip, sessions_ended = ended, "password reset");
    Ok(())
}

/// Housekeeping: links that expired a day ago or more.
pub async fn sweep(state: &AppState) -> Result<u64, AppError> {
    password_resets::sweep(&state.db, now() - 24 * 3600).await
}
