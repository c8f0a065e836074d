//! Sign-up and sign-in: the flows behind the forms, kept out of the server functions so tests
//! and the REST API call the same code.
//!
//! Sign-up reveals nothing about which addresses have accounts: every valid sign-up answers
//! "check your inbox" after the same work. A new address gets a link that finishes the sign-up
//! (with the password chosen, so a stranger who signed up with someone's address cannot hand
//! them an account whose password the stranger knows); an address that already belongs to a
//! verified account gets a "someone tried to sign up with your address" message instead.
//!
//! Throttling is shaped so that nobody's failures lock out somebody else: wrong passwords count
//! per address, per account *from that address*, and per account from all unknown places; a
//! browser that signed in to the account before (its device cookie) is counted on its own and
//! is not held to the others. Inside a signed-in session, confirming it is you counts only the
//! session's own failures.

use super::{
    auth::{self, Password},
    context::Authed,
    context::ClientInfo,
    db::{
        devices, rate,
        security_events::{self, Kind},
        sessions,
        throttle::{self, key, Limit},
        users,
    },
    mail::templates,
    metrics::SignInOutcome,
    now, random_id,
    state::AppState,
};
use crate::i18n::Msg;
use crate::{
    error::AppError,
    model::auth::{normalize_email, validate_signup},
};
use sqlx::AnyConnection;

/// How long a sign-up link works.
pub const SIGNUP_LINK_SECS: i64 = 24 * 3600;
/// Unverified accounts are deleted this long after sign-up.
pub const UNVERIFIED_KEEP_SECS: i64 = 7 * 24 * 3600;
/// Sign-ups from one address per hour: enough for an office, too few to probe addresses.
const SIGNUPS_PER_IP: rate::Budget = rate::Budget {
    max: 10,
    window_secs: 3600,
};

pub struct SignUp {
    pub email: String,
    pub password: Password,
    pub first_name: String,
    pub last_name: String,
}

/// What a finished sign-in gives the browser: its session token, and its device cookie.
pub struct SignedIn {
    pub session: String,
    pub device: String,
}

/// Takes a sign-up. The same answer (and the same work: one argon2 hash, one queued message)
/// whether the address is new, unverified or taken; see the module docs.
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, client: &ClientInfo, form: SignUp) -> Result<(), AppError> {
    use crate::model::profile::validate_name;
    let email = normalize_email(&form.email);
    validate_signup(&email, &form.password.0, &form.first_name, &form.last_name).into_result()?;
    let hit = {
        let _turn = state.write_turn().await;
        rate::hit(
            &state.db,
            &format!("signup:{}", client.ip),
            SIGNUPS_PER_IP,
            now(),
        )
        .await?
    };
    if let Err(secs) = hit {
        tracing::warn!(ip = %client.ip, "sign-ups throttled");
        return Err(AppError::RateLimited(secs));
    }
    // Hashed before the transaction: no connection is held while argon2 works.
    let password_hash = state.hasher.hash(&form.password).await?;
    let lang = crate::i18n::current();
    let mut tx = state.begin().await?;
    if users::address_taken(&mut *tx, &email, None).await? {
        tracing::info!(ip = %client.ip, "sign-up for an address that has an account: its owner is told");
        let notice = templates::signup_attempt(lang, &email, &state.link("/signin"));
        super::mail::send_requested(&mut tx, state, None, &notice).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Ok(());
    }
    let (first_name, last_name) = (
        validate_name(&form.first_name).unwrap_or_default(),
        validate_name(&form.last_name).unwrap_or_default(),
    );
    let id = match users::by_email(&mut *tx, &email).await? {
        Some(unverified) => unverified.id,
        None => random_id(16),
    };
    let user = users::NewUser {
        id: &id,
        email: &email,
        password_hash: &password_hash,
        first_name: &first_name,
        last_name: &last_name,
    };
    if !users::replace_unverified(&mut tx, user, now()).await? {
        users::create(&mut tx, user, now()).await?;
    }
    send_signup_link(
        &mut tx,
        state,
        &id,
        &email,
        &format!("{first_name} {last_name}"),
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %id, ip = %client.ip, "sign-up: verification link sent");
    Ok(())
}

/// A fresh sign-up link to an unverified account's address (earlier links stop working).
async fn send_signup_link(
    tx: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    email: &str,
    name: &str,
) -> Result<(), AppError> {
    let token = random_id(32);
    users::new_signup_token(
        &mut *tx,
        user_id,
        &auth::token_hash(&token),
        now() + SIGNUP_LINK_SECS,
    )
    .await?;
    let link = state.link(&format!("/signup/verify?token={token}"));
    let message = templates::confirm_signup(crate::i18n::current(), email, name.trim(), &link);
    super::mail::send_requested(tx, state, None, &message).await
}

/// Finishes a sign-up from its link: the password chosen at sign-up proves it is the same
/// person; the account becomes verified and signed in.
#[tracing::instrument(skip_all)]
pub async fn finish_sign_up(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    password: &Password,
    device: Option<&str>,
) -> Result<SignedIn, AppError> {
    let token_hash = auth::token_hash(token.trim());
    let expired = || AppError::conflict(Msg::ThisLinkWasAlreadyUsedOr2);
    let Some((account, email)) = users::signup_token_owner(&state.db, &token_hash, now()).await?
    else {
        return Err(expired());
    };
    let keys = [
        (key::ip(&client.ip), throttle::IP),
        (key::source(&email, &client.ip), throttle::SOURCE),
    ];
    check_locks(&mut *state.conn().await?, &keys).await?;
    if !state
        .hasher
        .verify(Some(&account.password_hash), password)
        .await?
    {
        let mut tx = state.begin().await?;
        record_failures(&mut tx, &keys).await?;
        tx.commit().await?;
        return Err(AppError::field("password", Msg::ThatIsNotThePasswordYou));
    }
    let mut tx = state.begin().await?;
    if users::address_taken(&mut *tx, &email, Some(&account.id)).await? {
        return Err(AppError::conflict(Msg::ThisAddressNowBelongsToAnother2));
    }
    if !users::finish_signup(&mut tx, &token_hash, &account.id, now()).await? {
        return Err(expired());
    }
    throttle::clear(&mut *tx, &keys[1].0).await?;
    security_events::record(
        &mut *tx,
        &account.id,
        Kind::AccountCreated,
        true,
        client,
        "",
    )
    .await?;
    let signed_in = start_session(&mut tx, &account.id, client, device).await?;
    tx.commit().await?;
    tracing::info!(user_id = %account.id, ip = %client.ip, "account created and verified");
    Ok(signed_in)
}

/// Refused with `RateLimited` while any of `keys` is locked.
async fn check_locks(conn: &mut AnyConnection, keys: &[(String, Limit)]) -> Result<(), AppError> {
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    match throttle::locked_for(conn, &names, now()).await? {
        Some(secs) => Err(AppError::RateLimited(secs)),
        None => Ok(()),
    }
}

/// Counts a failure against every key; true when any of them is now locked.
async fn record_failures(
    tx: &mut AnyConnection,
    keys: &[(String, Limit)],
) -> Result<bool, AppError> {
    let mut locked = false;
    for (name, limit) in keys {
        locked |= throttle::record_failure(&mut *tx, name, *limit, now())
            .await?
            .locked;
    }
    Ok(locked)
}

/// Checks the credentials (throttled, see the module docs) and starts a session, or the second
/// step when two-factor sign-in is on.
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
    device: Option<&str>,
) -> Result<SignInStep, AppError> {
    let step = password_step(state, client, email, password, device).await;
    state.metrics.sign_in(match &step {
        Ok(SignInStep::SignedIn(_)) => SignInOutcome::SignedIn,
        Ok(SignInStep::SecondFactor(_)) => SignInOutcome::SecondFactor,
        Err(e) => SignInOutcome::of_error(e),
    });
    step
}

async fn password_step(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: &Password,
    device: Option<&str>,
) -> Result<SignInStep, AppError> {
    state.hasher.refuse_when_full()?;
    let email = normalize_email(email);
    let device_hash = device.map(auth::token_hash);
    // The reads before the hash share one connection (each pooled statement costs the database
    // round trips of its own), which goes back to the pool before argon2 starts.
    let (account, keys, checked) = {
        let mut conn = state.conn().await?;
        let account = users::by_email(&mut *conn, &email).await?;
        let known_device = match (&account, &device_hash) {
            (Some(a), Some(hash)) => devices::is_known(&mut *conn, hash, &a.id).await?,
            _ => false,
        };
        // The first key is this source's own: it is cleared by a correct password.
        let keys = match (&device_hash, known_device) {
            (Some(hash), true) => vec![(key::device(&email, hash), throttle::SOURCE)],
            _ => vec![
                (key::source(&email, &client.ip), throttle::SOURCE),
                (key::ip(&client.ip), throttle::IP),
                (key::account(&email), throttle::ACCOUNT),
            ],
        };
        let checked = check_locks(&mut conn, &keys).await;
        (account, keys, checked)
    };
    if let Err(e) = checked {
        tracing::warn!(user_id = account.as_ref().map(|a| a.id.as_str()), ip = %client.ip, "sign-in refused: throttled");
        return Err(e);
    }
    let verified = state
        .hasher
        .verify(account.as_ref().map(|a| a.password_hash.as_str()), password)
        .await?;
    let mut tx = state.begin().await?;
    let account = match account {
        Some(account) if verified => account,
        account => {
            let locked = record_failures(&mut tx, &keys).await?;
            tracing::info!(user_id = account.as_ref().map(|a| a.id.as_str()), ip = %client.ip, locked, "sign-in failed");
            if let Some(account) = account.filter(|a| a.verified) {
                security_events::record(
                    &mut *tx,
                    &account.id,
                    Kind::SignIn,
                    false,
                    client,
                    "wrong password",
                )
                .await?;
                if locked {
                    security_events::record(
                        &mut *tx,
                        &account.id,
                        Kind::Throttled,
                        true,
                        client,
                        "",
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    throttle::clear(&mut *tx, &keys[0].0).await?;
    if !account.verified {
        // Only someone who knows the password learns that the account waits for its link.
        let name = users::current_user(&mut *tx, &account.id)
            .await?
            .map(|u| u.display_name())
            .unwrap_or_default();
        send_signup_link(&mut tx, state, &account.id, &email, &name).await?;
        tx.commit().await?;
        state.mailer.wake();
        return Err(AppError::conflict(Msg::ConfirmYourEMailAddressFirst));
    }
    security_events::record(
        &mut *tx,
        &account.id,
        Kind::SignIn,
        true,
        client,
        "password",
    )
    .await?;
    let step = match super::mfa::is_enabled(&mut *tx, &account.id).await? {
        true => {
            tracing::info!(user_id = %account.id, ip = %client.ip, "password accepted: second step");
            SignInStep::SecondFactor(super::mfa::begin_second_step(&mut *tx, &account.id).await?)
        }
        false => {
            tracing::info!(user_id = %account.id, ip = %client.ip, "signed in");
            SignInStep::SignedIn(start_session(&mut tx, &account.id, client, device).await?)
        }
    };
    tx.commit().await?;
    Ok(step)
}

/// What a correct password leads to.
pub enum SignInStep {
    SignedIn(SignedIn),
    /// Two-factor sign-in is on: a pending sign-in token for the second step.
    SecondFactor(String),
}

/// Completes a sign-in after its second step: a session for the user.
pub async fn finish_second_step(
    state: &AppState,
    client: &ClientInfo,
    pending_token: &str,
    code: &str,
    device: Option<&str>,
) -> Result<SignedIn, AppError> {
    let done = super::mfa::second_step(state, client, pending_token, code, device).await;
    state.metrics.sign_in(match &done {
        Ok(_) => SignInOutcome::SignedIn,
        Err(e) => SignInOutcome::of_error(e),
    });
    done
}

/// Counts a wrong password or code inside a session (only the session's own attempts) and
/// records it, in the caller's transaction.
pub async fn session_failure(
    tx: &mut AnyConnection,
    user: &Authed,
    client: &ClientInfo,
    event: Kind,
    detail: &str,
) -> Result<(), AppError> {
    let failure = throttle::record_failure(
        &mut *tx,
        &key::session(&user.session_id),
        throttle::SESSION,
        now(),
    )
    .await?;
    security_events::record(&mut *tx, &user.user_id, event, false, client, detail).await?;
    if failure.locked {
        tracing::warn!(user_id = %user.user_id, ip = %client.ip, "confirmations in this session throttled");
        security_events::record(&mut *tx, &user.user_id, Kind::Throttled, true, client, "").await?;
    }
    Ok(())
}

/// `session_failure` as an action of its own, recorded and committed: returns `err` to
/// answer with (or the database's error, if recording failed).
pub async fn refuse_in_session(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    event: Kind,
    detail: &str,
    err: AppError,
) -> AppError {
    let recorded = async {
        let mut tx = state.begin().await?;
        session_failure(&mut tx, user, client, event, detail).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    };
    match recorded.await {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// Refused while this session has had too many wrong passwords or codes of its own.
pub async fn check_session_lock(state: &AppState, user: &Authed) -> Result<(), AppError> {
    check_locks(
        &mut *state.conn().await?,
        &[(key::session(&user.session_id), throttle::SESSION)],
    )
    .await
}

/// Sudo mode: the signed-in user proves their identity again with their password (or, with
/// two-factor sign-in on, a current authenticator code), which allows sensitive actions from
/// this session for `Config::reauth_window_secs`. Only this session's own failures throttle it. The
/// session gets a new token (returned, for the cookie), as after any proof of identity.
/// Returns until when the window is open, and the new token.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn reauthenticate(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    password: &Password,
) -> Result<(i64, String), AppError> {
    let (_, hash) = users::credentials_by_id(&state.db, &user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    check_session_lock(state, user).await?;
    // With two-factor sign-in on, a current code is proof too. Passwords have at least 8
    // characters, so a 6-digit input is never a password.
    let is_code =
        password.0.len() == super::mfa::DIGITS && password.0.chars().all(|c| c.is_ascii_digit());
    let proved = if is_code && super::mfa::is_enabled(&state.db, &user.user_id).await? {
        // The code is spent whether or not what follows succeeds: its own transaction.
        let mut tx = state.begin().await?;
        let accepted = super::mfa::accept_totp(&mut tx, state, &user.user_id, &password.0).await?;
        tx.commit().await?;
        accepted
    } else {
        state.hasher.verify(Some(&hash), password).await?
    };
    if !proved {
        let err = AppError::field("password", Msg::ThatIsNotYourCurrentPassword);
        return Err(
            refuse_in_session(state, user, client, Kind::Reauth, "wrong password", err).await,
        );
    }
    let at = now();
    let (token, token_hash) = auth::new_session_token();
    let mut tx = state.begin().await?;
    throttle::clear(&mut *tx, &key::session(&user.session_id)).await?;
    sessions::mark_reauthenticated(&mut *tx, &user.session_id, at).await?;
    sessions::rotate_token(&mut *tx, &user.session_id, &token_hash).await?;
    let how = if is_code {
        "authenticator app"
    } else {
        "password"
    };
    security_events::record(&mut *tx, &user.user_id, Kind::Reauth, true, client, how).await?;
    tx.commit().await?;
    Ok((at + state.config.reauth_window_secs, token))
}

/// A fresh session for `user_id`, in the caller's transaction: a new random token every time,
/// so a token planted before sign-in (session fixation) is never promoted. The browser's device
/// cookie (`device`, or a new one) is remembered for this account.
pub(crate) async fn start_session(
    tx: &mut AnyConnection,
    user_id: &str,
    client: &ClientInfo,
    device: Option<&str>,
) -> Result<SignedIn, AppError> {
    let (token, token_hash) = auth::new_session_token();
    let session = sessions::NewSession {
        id: &random_id(16),
        token_hash: &token_hash,
        user_id,
        ip: &client.ip,
        user_agent: &client.user_agent,
    };
    let at = now();
    sessions::create(&mut *tx, session, at).await?;
    let device = device
        .filter(|d| auth::is_token_shaped(d))
        .map(str::to_string)
        .unwrap_or_else(|| random_id(32));
    devices::remember(&mut *tx, &auth::token_hash(&device), user_id, at).await?;
    Ok(SignedIn {
        session: token,
        device,
    })
}

/// Housekeeping: unverified accounts past their week, devices unused for a year.
pub async fn sweep(state: &AppState) -> Result<u64, AppError> {
    let at = now();
    let deleted = users::delete_unverified(&state.db, at - UNVERIFIED_KEEP_SECS, None).await?;
    devices::sweep(&state.db, at).await?;
    Ok(deleted)
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
