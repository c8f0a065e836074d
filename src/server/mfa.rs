//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238: SHA-1, 6 digits, 30-second
//! steps, one step of tolerance either way) and single-use recovery codes.
//!
//! Every code is accepted at most once: a code's step must be newer than the last accepted
//! step (`db::mfa::claim_step`), which also refuses earlier steps and two simultaneous
//! submissions of one code.

use super::notifications::SecurityNotice;
use super::{
    auth::Password,
    context::{Authed, ClientInfo},
    crypto,
    db::{
        mfa,
        security_events::{self, Kind},
        users,
    },
    now,
    state::AppState,
};
use crate::i18n::Msg;
use crate::{
    error::AppError,
    model::mfa::{group_by_four, Enrolment, MfaStatus},
};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use totp_rs::{Algorithm, Secret, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;
/// A pending second step expires after five minutes…
pub const PENDING_SECS: i64 = 5 * 60;
/// …or after this many wrong codes.
pub const PENDING_ATTEMPTS: i64 = 5;
const ISSUER: &str = "Profile Center";

fn totp(secret: &[u8]) -> Result<TOTP, AppError> {
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECS, secret.to_vec())
        .map_err(super::context::internal)
}

/// The step (of `now`, the one before, or the one after) whose code `code` is, if any.
pub fn matching_step(secret: &[u8], code: &str, now: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret).ok()?;
    let current = now / STEP_SECS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| {
            let expected = totp.generate(step * STEP_SECS);
            // Constant-time comparison: no early exit on the first differing digit.
            expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        })
}

fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// How a recovery code is stored: HMAC-SHA-256 under the app key, so a copy of the table alone
/// (a backup, a leaked dump) cannot be checked against guesses.
fn recovery_hash(key: &super::config::SecretKey, code: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes any key length");
    mac.update(b"recovery-code:");
    mac.update(normalise_recovery_code(code).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// How codes made before keyed hashing were stored (plain SHA-256): still accepted, once each,
/// until the person makes new codes.
fn legacy_recovery_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_recovery_code(code).as_bytes()))
}

/// Uses up one of the user's recovery codes, if `code` is one (in the caller's transaction:
/// if the action fails, the code is not spent).
async fn use_recovery_code(
    tx: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    code: &str,
) -> Result<bool, AppError> {
    let at = now();
    let keyed = recovery_hash(&state.config.secret_key, code);
    if mfa::use_recovery_code(&mut *tx, user_id, &keyed, at).await? {
        return Ok(true);
    }
    mfa::use_recovery_code(&mut *tx, user_id, &legacy_recovery_hash(code), at).await
}

/// Ten codes like `k3m9-x2qp-7hwd`, drawn from an alphabet without look-alikes (60 bits each).
fn new_recovery_codes() -> Vec<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..12)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
        })
        .collect()
}

fn secret_of(state: &AppState, user_id: &str, row: &mfa::Totp) -> Result<Vec<u8>, AppError> {
    crypto::decrypt(&state.config.secret_key, user_id, &row.secret_enc)
        .ok_or_else(|| super::context::internal("TOTP secret does not decrypt (wrong SECRET_KEY?)"))
}

fn enrolment_view(email: &str, secret: &[u8]) -> Enrolment {
    let encoded = match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded returns Encoded"),
    };
    let label: String =
        url::form_urlencoded::byte_serialize(format!("{ISSUER}:{email}").as_bytes()).collect();
    let issuer: String = url::form_urlencoded::byte_serialize(ISSUER.as_bytes()).collect();
    let uri = format!("otpauth://totp/{}?secret={encoded}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}", label.replace('+', "%20"), issuer.replace('+', "%20"));
    Enrolment {
        manual_key: group_by_four(&encoded),
        qr_svg: qr_svg(&uri),
        otpauth_uri: uri,
    }
}

/// A QR code as a standalone SVG (dark modules on white, with the quiet zone).
fn qr_svg(text: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return String::new();
    };
    let border = 4;
    let size = qr.size() + 2 * border;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

pub async fn status(state: &AppState, user: &Authed) -> Result<MfaStatus, AppError> {
    let at = now();
    // Reading takes the one-time codes (a delete): one write.
    let mut tx = state.begin().await?;
    let row = mfa::totp(&mut *tx, &user.user_id).await?;
    // The pending secret only within a confirmation: someone at an unlocked browser who reads it
    // could otherwise make codes for an app its owner turns on later.
    let enrolment = match &row {
        Some(r) if !r.enabled && user.reauth_until(at).is_some() => {
            let email = users::credentials_by_id(&mut *tx, &user.user_id)
                .await?
                .map(|c| c.0)
                .unwrap_or_default();
            Some(enrolment_view(&email, &secret_of(state, &user.user_id, r)?))
        }
        _ => None,
    };
    let new_recovery_codes = match mfa::take_flash(&mut *tx, &user.session_id, at).await? {
        Some(sealed) => crypto::decrypt(&state.config.secret_key, &user.session_id, &sealed)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|codes| codes.lines().map(str::to_string).collect()),
        None => None,
    };
    let recovery_codes_left = mfa::recovery_codes_left(&mut *tx, &user.user_id).await?;
    tx.commit().await?;
    Ok(MfaStatus {
        enabled: row.as_ref().is_some_and(|r| r.enabled),
        enrolment,
        recovery_codes_left,
        new_recovery_codes,
        reauth_until: user.reauth_until(at),
        now: at,
    })
}

/// Begins enrolment with a fresh 160-bit secret. Needs a recent sign-in proof.
pub async fn start_enrolment(state: &AppState, user: &Authed) -> Result<(), AppError> {
    let mut secret = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let sealed = crypto::encrypt(&state.config.secret_key, &user.user_id, &secret);
    let mut tx = state.begin().await?;
    if !mfa::begin_enrolment(&mut tx, &user.user_id, &sealed, now()).await? {
        return Err(AppError::conflict(Msg::TwoFactorSignInIsAlready));
    }
    tx.commit().await?;
    Ok(())
}

/// Checks an authenticator code for an (enabled or enrolling) user, at most once per code.
pub(crate) async fn accept_totp(
    tx: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    code: &str,
) -> Result<bool, AppError> {
    let Some(row) = mfa::totp(&mut *tx, user_id).await? else {
        return Ok(false);
    };
    let secret = secret_of(state, user_id, &row)?;
    match matching_step(&secret, code, now() as u64) {
        Some(step) => mfa::claim_step(&mut *tx, user_id, step as i64).await,
        None => Ok(false),
    }
}

/// Makes and stores a new set of recovery codes, and keeps them for this session's next page.
async fn issue_recovery_codes(
    tx: &mut AnyConnection,
    state: &AppState,
    user: &Authed,
) -> Result<(), AppError> {
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| recovery_hash(&state.config.secret_key, c))
        .collect();
    mfa::replace_recovery_codes(&mut *tx, &user.user_id, &hashes).await?;
    let sealed = crypto::encrypt(
        &state.config.secret_key,
        &user.session_id,
        codes.join("\n").as_bytes(),
    );
    mfa::put_flash(&mut *tx, &user.session_id, &sealed, now() + 600).await
}

/// Records a successful change in the security log and tells the owner, in the caller's
/// transaction.
async fn log_and_notify(
    tx: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    event: Kind,
    detail: &str,
    client: &ClientInfo,
    subject: Msg,
    what: Msg,
) -> Result<(), AppError> {
    security_events::record(&mut *tx, user_id, event, true, client, detail).await?;
    let notice = SecurityNotice::happened(subject, what, &[], client);
    super::notifications::security_notice(tx, state, user_id, notice).await
}

/// Turns two-factor sign-in on once the first code from the app checks out.
pub async fn confirm_enrolment(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    code: &str,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    match mfa::totp(&mut *tx, &user.user_id).await? {
        Some(row) if !row.enabled => {}
        Some(_) => return Err(AppError::conflict(Msg::TwoFactorSignInIsAlready)),
        None => return Err(AppError::conflict(Msg::StartTheSetUpAgainIt)),
    }
    if !accept_totp(&mut tx, state, &user.user_id, code).await? {
        return Err(AppError::field("code", Msg::ThatCodeIsNotValidEnter2));
    }
    mfa::enable(&mut *tx, &user.user_id, now()).await?;
    issue_recovery_codes(&mut tx, state, user).await?;
    log_and_notify(
        &mut tx,
        state,
        &user.user_id,
        Kind::MfaEnabled,
        "authenticator app",
        client,
        Msg::TwoFactorSignInWasTurned2,
        Msg::TwoFactorSignInWithAn,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// New recovery codes; the old ones stop working. Needs a recent sign-in proof and, since
/// the codes are a way in without the authenticator, a current code from it (or one of the
/// remaining recovery codes, for someone who lost the authenticator).
pub async fn regenerate_recovery_codes(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    code: &str,
) -> Result<(), AppError> {
    if !is_enabled(&state.db, &user.user_id).await? {
        return Err(AppError::conflict(Msg::TurnOnTwoFactorSignIn));
    }
    super::sign_in::check_session_lock(state, user).await?;
    let mut tx = state.begin().await?;
    let proved = accept_totp(&mut tx, state, &user.user_id, code).await?
        || use_recovery_code(&mut tx, state, &user.user_id, code).await?;
    if !proved {
        drop(tx);
        let err = AppError::field("confirm_code", Msg::ThatCodeIsNotValidEnter);
        return Err(super::sign_in::refuse_in_session(
            state,
            user,
            client,
            Kind::RecoveryCodesRegenerated,
            "wrong code",
            err,
        )
        .await);
    }
    issue_recovery_codes(&mut tx, state, user).await?;
    log_and_notify(
        &mut tx,
        state,
        &user.user_id,
        Kind::RecoveryCodesRegenerated,
        "",
        client,
        Msg::NewRecoveryCodesWereMade,
        Msg::NewRecoveryCodesWereMadeOldOnesGone,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Turns two-factor sign-in off; needs the password and a current code (and a recent proof).
pub async fn disable(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    password: &Password,
    code: &str,
) -> Result<(), AppError> {
    let (_, hash) = users::credentials_by_id(&state.db, &user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    super::sign_in::check_session_lock(state, user).await?;
    let password_ok = state.hasher.verify(Some(&hash), password).await?;
    let mut tx = state.begin().await?;
    let mut errors = crate::error::FieldErrors::new();
    if !password_ok {
        errors.add("password", Msg::ThatIsNotYourCurrentPassword);
    } else if !accept_totp(&mut tx, state, &user.user_id, code).await? {
        errors.add("code", Msg::ThatCodeIsNotValidEnter2);
    }
    if !errors.is_empty() {
        drop(tx);
        let err = AppError::Validation(errors);
        return Err(super::sign_in::refuse_in_session(
            state,
            user,
            client,
            Kind::MfaDisabled,
            "wrong password or code",
            err,
        )
        .await);
    }
    mfa::disable(&mut tx, &user.user_id).await?;
    mfa::drop_pending_signins(&mut *tx, &user.user_id).await?;
    log_and_notify(
        &mut tx,
        state,
        &user.user_id,
        Kind::MfaDisabled,
        "",
        client,
        Msg::TwoFactorSignInWasTurned,
        Msg::TwoFactorSignInWasTurned3,
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

pub async fn is_enabled<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<bool, AppError> {
    Ok(mfa::totp(db, user_id).await?.is_some_and(|r| r.enabled))
}

/// The second step of a sign-in: an authenticator code or a recovery code, for the pending
/// sign-in whose token the browser holds; a session when it checks out.
///
/// Wrong codes count per account across every pending sign-in for a day
/// (`throttle::SECOND_FACTOR`): signing in again with the password opens a new challenge but
/// buys no new guesses. When the count first reaches the limit, the owner is told.
pub async fn second_step(
    state: &AppState,
    client: &ClientInfo,
    pending_token: &str,
    code: &str,
    device: Option<&str>,
) -> Result<super::sign_in::SignedIn, AppError> {
    let token_hash = super::auth::token_hash(pending_token);
    // The attempt counts whatever happens next: its own short transaction.
    let Some(user_id) =
        mfa::attempt_pending_signin(&state.db, &token_hash, PENDING_ATTEMPTS, now()).await?
    else {
        return Err(AppError::conflict(Msg::ThisSignInHasExpiredOr));
    };
    second_factor_lock(state, &user_id, client).await?;
    let mut tx = state.begin().await?;
    if check_second_factor(&mut tx, state, &user_id, client, code)
        .await?
        .is_none()
    {
        tx.commit().await?;
        state.mailer.wake();
        return Err(AppError::field("code", Msg::ThatCodeIsNotValid));
    }
    mfa::finish_pending_signin(&mut *tx, &token_hash).await?;
    let signed_in = super::sign_in::start_session(&mut tx, &user_id, client, device).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user_id, ip = %client.ip, "signed in with a second factor");
    Ok(signed_in)
}

/// Refused while the account's second step is locked by too many wrong codes (from any
/// sign-in or password reset: they share one count per account).
pub(crate) async fn second_factor_lock(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    use super::db::throttle::{self, key};
    let throttle_key = key::second_factor(user_id);
    match throttle::locked_for(&mut *state.conn().await?, &[&throttle_key], now()).await? {
        Some(secs) => {
            tracing::warn!(user_id = %user_id, ip = %client.ip, "second step refused: throttled");
            Err(AppError::RateLimited(secs))
        }
        None => Ok(()),
    }
}

/// How a second factor was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Factor {
    App,
    RecoveryCode,
}

/// Checks an authenticator or recovery code as the second factor of `user_id`, in the caller's
/// transaction, and logs it. A right code is spent (a recovery code also tells the owner) and
/// clears the account's count of wrong codes; a wrong one is counted per account
/// (`throttle::SECOND_FACTOR`) and, when the count first reaches the limit, the owner is told.
/// `None` for a wrong code: the caller commits (so the count stays) and refuses.
pub(crate) async fn check_second_factor(
    tx: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    code: &str,
) -> Result<Option<Factor>, AppError> {
    use super::db::throttle::{self, key};
    let throttle_key = key::second_factor(user_id);
    let factor = if accept_totp(tx, state, user_id, code).await? {
        Factor::App
    } else if use_recovery_code(tx, state, user_id, code).await? {
        Factor::RecoveryCode
    } else {
        security_events::record(&mut *tx, user_id, Kind::MfaChallenge, false, client, "").await?;
        let failure =
            throttle::record_failure(&mut *tx, &throttle_key, throttle::SECOND_FACTOR, now())
                .await?;
        tracing::info!(user_id = %user_id, ip = %client.ip, failures = failure.count, "wrong second factor");
        if failure.count == throttle::SECOND_FACTOR.failures {
            security_events::record(&mut *tx, user_id, Kind::MfaThrottled, true, client, "")
                .await?;
            let notice = SecurityNotice {
                sentence: Msg::SeveralWrongTwoFactorCodesWere,
                what: None,
                advice: Msg::IfThisWasNotYouSomeone,
                ..SecurityNotice::happened(
                    Msg::WrongTwoFactorCodesWereEntered,
                    Msg::SeveralWrongTwoFactorCodesWere,
                    &[],
                    client,
                )
            };
            super::notifications::security_notice(tx, state, user_id, notice).await?;
        }
        return Ok(None);
    };
    throttle::clear(&mut *tx, &throttle_key).await?;
    let how = match factor {
        Factor::App => "authenticator app",
        Factor::RecoveryCode => "recovery code",
    };
    security_events::record(&mut *tx, user_id, Kind::MfaChallenge, true, client, how).await?;
    if factor == Factor::RecoveryCode {
        security_events::record(&mut *tx, user_id, Kind::RecoveryCodeUsed, true, client, "")
            .await?;
        let notice = SecurityNotice::happened(
            Msg::ARecoveryCodeWasUsed,
            Msg::ARecoveryCodeWasUsedTo,
            &[],
            client,
        );
        super::notifications::security_notice(tx, state, user_id, notice).await?;
    }
    Ok(Some(factor))
}

/// Starts a pending sign-in for a user whose password checked out; returns its token.
pub async fn begin_second_step<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<String, AppError> {
    let (token, token_hash) = super::auth::new_session_token();
    mfa::create_pending_signin(db, &token_hash, user_id, now() + PENDING_SECS).await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits, the RFC's 20-byte ASCII secret).
    #[test]
    fn totp_matches_the_rfc_6238_test_vectors() {
        let rfc = TOTP::new(Algorithm::SHA1, 8, 0, 30, b"12345678901234567890".to_vec()).unwrap();
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(rfc.generate(time), code, "at {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_one_step_either_side_only() {
        let secret = b"12345678901234567890";
        let t = 1_700_000_000u64;
        let code_at = |time: u64| totp(secret).unwrap().generate(time);
        assert_eq!(matching_step(secret, &code_at(t), t), Some(t / 30));
        assert_eq!(matching_step(secret, &code_at(t - 30), t), Some(t / 30 - 1));
        assert_eq!(matching_step(secret, &code_at(t + 30), t), Some(t / 30 + 1));
        assert_eq!(
            matching_step(secret, &code_at(t - 60), t),
            None,
            "two steps old"
        );
        assert_eq!(matching_step(secret, "12345", t), None);
        assert_eq!(matching_step(secret, "abcdef", t), None);
    }

    #[test]
    fn recovery_codes_are_random_and_hash_the_same_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        assert!(codes
            .iter()
            .all(|c| c.len() == 14 && c.matches('-').count() == 2));
        let key = super::super::config::SecretKey([9; 32]);
        assert_eq!(
            recovery_hash(&key, "K3M9-X2QP-7HWD"),
            recovery_hash(&key, " k3m9x2qp7hwd ")
        );
        assert_ne!(
            recovery_hash(&key, "k3m9x2qp7hwd"),
            recovery_hash(&super::super::config::SecretKey([8; 32]), "k3m9x2qp7hwd"),
            "keyed: another key, another hash"
        );
        assert_ne!(
            recovery_hash(&key, "k3m9x2qp7hwd"),
            legacy_recovery_hash("k3m9x2qp7hwd")
        );
    }

    #[test]
    fn the_enrolment_uri_names_issuer_account_and_parameters() {
        let e = enrolment_view("ada@example.com", &[7u8; 20]);
        assert!(e
            .otpauth_uri
            .starts_with("otpauth://totp/Profile%20Center%3Aada%40example.com?secret="));
        assert!(e
            .otpauth_uri
            .contains("&issuer=Profile%20Center&algorithm=SHA1&digits=6&period=30"));
        assert_eq!(
            e.manual_key.replace(' ', "").len(),
            32,
            "160 bits in base32"
        );
        assert!(e.qr_svg.starts_with("<svg") && e.qr_svg.contains("<path d=\"M"));
    }
}
