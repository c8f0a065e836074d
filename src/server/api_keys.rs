//! API keys: creating, editing, revoking and deleting them (the tab's flows), recognising them on
//! REST requests, the per-key rate limit, and the "expires in a week" e-mail.
//!
//! A key is `pc_<id>.<secret>`: 64 random bits of public id (to find the row) and 256 random
//! bits of secret, of which only the SHA-256 is stored. The full key exists once, in the answer
//! to its creation; it reaches the page that shows it in a short-lived cookie sealed with the
//! app key and bound to the session, never through the database.

use super::notifications::SecurityNotice;
use super::{
    context::Authed,
    context::ClientInfo,
    crypto,
    db::api_keys as db,
    db::security_events::{self, Kind},
    now, random_id,
    state::AppState,
};
use crate::i18n::Msg;
use crate::{
    error::AppError,
    model::api_keys::{
        parse_expiry, scope_words, validate, ApiKeysPage, KeyStatus, KeyView, NewKey,
        EXPIRY_NOTICE_SECS,
    },
};
use sha2::{Digest, Sha256};

const ID_BYTES: usize = 8;
const SECRET_BYTES: usize = 32;
/// How many characters of the secret lists show.
const PREFIX_CHARS: usize = 4;
/// The one-time cookie that carries a new key to the page showing it.
const SHOW_ONCE_SECS: i64 = 300;

/// Splits `pc_<id>.<secret>` into its parts when it has the exact shape we issue.
pub fn parse(key: &str) -> Option<(&str, &str)> {
    let (id, secret) = key.strip_prefix("pc_")?.split_once('.')?;
    let id_ok = id.len() == ID_BYTES * 2 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let secret_ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (id_ok && secret_ok).then_some((id, secret))
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two equal-length hex digests without stopping at the first difference.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Creates a key (the caller has checked sudo mode); returns it in full, the only time.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn create(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    name: &str,
    scopes: &[String],
    expires_in: &str,
    // The account the key will act in ("" for a personal key).
    account: &str,
) -> Result<NewKey, AppError> {
    let (valid, expiry) = match (validate(name, scopes), parse_expiry(expires_in)) {
        (Ok(valid), Ok(expiry)) => (valid, expiry),
        (a, b) => {
            let mut errors = a.err().unwrap_or_default();
            errors.0.extend(b.err().unwrap_or_default().0);
            return Err(AppError::Validation(errors));
        }
    };
    let id = {
        let mut bytes = [0u8; ID_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        hex::encode(bytes)
    };
    let secret = random_id(SECRET_BYTES);
    let at = now();
    let mut tx = state.begin().await?;
    let account = Some(account.trim()).filter(|a| !a.is_empty());
    if let Some(account) = account {
        // Checked inside the key's transaction: a removal or a new policy lands first or after.
        super::accounts::check_key_account(&mut tx, &user.user_id, account).await?;
    }
    db::insert(
        &mut *tx,
        db::NewKeyRow {
            id: &id,
            user_id: &user.user_id,
            account_id: account,
            name: &valid.name,
            secret_hash: &secret_hash(&secret),
            secret_prefix: &secret[..PREFIX_CHARS],
            scopes: &valid.scopes,
            created_at: at,
            expires_at: expiry.map(|days| at + days * 86_400),
        },
    )
    .await?;
    let detail = format!("{} ({id}): {}", valid.name, scope_words(&valid.scopes, " "));
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::ApiKeyCreated,
        true,
        client,
        &detail,
    )
    .await?;
    let shown = format!("pc_{id}");
    let args = [valid.name.as_str(), shown.as_str()];
    let notice = SecurityNotice::happened(
        Msg::ANewAPIKeyWasCreated,
        Msg::TheAPIKeyWasCreated,
        &args,
        client,
    );
    super::notifications::security_notice(&mut tx, state, &user.user_id, notice).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(NewKey {
        key: format!("pc_{id}.{secret}"),
        id,
        name: valid.name,
    })
}

/// Renames a key and changes its scopes; only active keys of the user's own.
pub async fn update(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    id: &str,
    name: &str,
    scopes: &[String],
) -> Result<KeyView, AppError> {
    let valid = validate(name, scopes).map_err(AppError::Validation)?;
    let at = now();
    let mut tx = state.begin().await?;
    let before = db::get(&mut *tx, &user.user_id, id, at).await?;
    if !db::update(&mut *tx, &user.user_id, id, &valid.name, &valid.scopes, at).await? {
        return Err(AppError::conflict(Msg::RevokedAndExpiredKeysCannotBe));
    }
    let detail = format!(
        "{} ({id}): {} → {}",
        valid.name,
        scope_words(&before.scopes, " "),
        scope_words(&valid.scopes, " ")
    );
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::ApiKeyChanged,
        true,
        client,
        &detail,
    )
    .await?;
    let key = db::get(&mut *tx, &user.user_id, id, at).await?;
    tx.commit().await?;
    Ok(key)
}

/// Revokes one of the user's keys; it fails on its next request.
pub async fn revoke(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    id: &str,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    let key = db::get(&mut *tx, &user.user_id, id, now()).await?;
    if !db::revoke(&mut *tx, &user.user_id, id, now()).await? {
        return Err(AppError::conflict(Msg::ThisKeyIsAlreadyRevoked));
    }
    let detail = format!("{} ({id})", key.name);
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::ApiKeyRevoked,
        true,
        client,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one of the user's keys from the list (an active key is thereby revoked too).
pub async fn delete(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    id: &str,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    let key = db::get(&mut *tx, &user.user_id, id, now()).await?;
    if !db::delete(&mut *tx, &user.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    let detail = format!("{} ({id}), {}", key.name, key.status.label().to_lowercase());
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::ApiKeyDeleted,
        true,
        client,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The tab's data, including a key created just before (taken from its one-time cookie).
pub async fn page(
    state: &AppState,
    user: &Authed,
    sealed: Option<&str>,
) -> Result<ApiKeysPage, AppError> {
    let at = now();
    let new_key = sealed
        .and_then(|s| crypto::decrypt(&state.config.secret_key, &user.session_id, s))
        .and_then(|bytes| serde_json::from_slice::<NewKey>(&bytes).ok());
    Ok(ApiKeysPage {
        keys: db::list(&state.db, &user.user_id, at).await?,
        accounts: super::accounts::key_accounts(state, &user.user_id).await?,
        new_key,
        reauth_until: user.reauth_until(at),
        now: at,
    })
}

/// The name of the cookie that carries a new key to its page (`__Secure-` over HTTPS).
pub fn show_once_cookie_name(production: bool) -> &'static str {
    if production {
        "__Secure-pc_new_key"
    } else {
        "pc_new_key"
    }
}

/// `Set-Cookie` for the one-time display: the key sealed for this session, only sent to the
/// API keys page, gone after five minutes (`None` clears it once shown).
pub fn show_once_cookie(state: &AppState, user: &Authed, key: Option<&NewKey>) -> String {
    let production = state.config.production;
    let name = show_once_cookie_name(production);
    let secure = if production { "; Secure" } else { "" };
    let (value, age) = match key.and_then(|k| serde_json::to_vec(k).ok()) {
        Some(json) => (
            crypto::encrypt(&state.config.secret_key, &user.session_id, &json),
            SHOW_ONCE_SECS,
        ),
        None => (String::new(), 0),
    };
    format!(
        "{name}={value}; Path=/settings/api-keys; HttpOnly; SameSite=Strict; Max-Age={age}{secure}"
    )
}

/// Who a REST request acts for, once its key checked out.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: String,
    pub user_id: String,
    pub scopes: Vec<crate::model::api_keys::Scope>,
    /// The account the key belongs to: its calls act only there.
    pub account_id: Option<String>,
}

/// Recognises an `Authorization` header value. Every failure — no header, wrong shape, unknown
/// id, wrong secret, revoked, expired — is the same `None`, so responses tell nothing apart.
pub async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
    client: &ClientInfo,
) -> Result<Option<Caller>, AppError> {
    let Some((id, secret)) = authorization.and_then(super::rest::bearer).and_then(parse) else {
        return Ok(None);
    };
    let at = now();
    let Some(key) = db::for_auth(&state.db, id, at).await? else {
        return Ok(None);
    };
    if !same_digest(&key.secret_hash, &secret_hash(secret)) || key.status != KeyStatus::Active {
        return Ok(None);
    }
    let stale = key
        .last_used_at
        .is_none_or(|t| at - t >= db::TOUCH_EVERY_SECS);
    if stale || key.last_used_ip.as_deref() != Some(client.ip.as_str()) {
        // A failed write only delays last-used; the request itself is fine.
        let _turn = state.write_turn().await;
        if let Err(e) = db::touch(&state.db, &key.id, &client.ip, at).await {
            tracing::warn!(error = %e, "could not record API key use");
        }
    }
    Ok(Some(Caller {
        key_id: key.id,
        user_id: key.user_id,
        scopes: key.scopes,
        account_id: key.account_id,
    }))
}

/// Counts a request against the key's per-minute budget; `Err(seconds)` until the next window.
pub async fn rate_limit(state: &AppState, key_id: &str) -> Result<Result<(), u64>, AppError> {
    let budget = super::db::rate::Budget {
        max: state.config.api_rate_limit,
        window_secs: 60,
    };
    let _turn = state.write_turn().await;
    super::db::rate::hit(&state.db, &format!("key:{key_id}"), budget, now()).await
}

/// Housekeeping: e-mails owners of keys that expire within a week (once per key, whichever
/// instance claims it first) and drops old rate counters.
pub async fn sweep(state: &AppState) -> Result<usize, AppError> {
    let at = now();
    super::db::rate::sweep(&state.db, at - super::db::rate::KEEP_SECS).await?;
    let mut sent = 0;
    for (id, user_id, name, expires_at) in
        db::expiring_unnoticed(&state.db, at, EXPIRY_NOTICE_SECS).await?
    {
        // Claimed and told in one transaction: a crash in between tells nobody and claims
        // nothing, so the next sweep tries again.
        let mut tx = state.begin().await?;
        if !db::claim_expiry_notice(&mut *tx, &id, at).await? {
            continue;
        }
        let shown = format!("pc_{id}");
        let args = [name.as_str(), shown.as_str()];
        let notice = SecurityNotice {
            subject: Msg::YourProfileCenterAPIKeyExpires,
            sentence: Msg::YourAPIKeyExpiresOnScripts,
            what: None,
            args: &args,
            client: None,
            at: Some(expires_at),
            more: &[Msg::ToKeepThemWorkingCreateA],
            advice: Msg::IfYouNoLongerNeedTheKey,
            act_at: "/settings/api-keys",
            to: None,
        };
        super::notifications::security_notice(&mut tx, state, &user_id, notice).await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_of_the_issued_shape_parse() {
        let secret = "A".repeat(43);
        let key = format!("pc_0123456789abcdef.{secret}");
        assert_eq!(parse(&key), Some(("0123456789abcdef", secret.as_str())));
        for bad in [
            "",
            "pc_",
            "pc_0123456789abcdef",
            &format!("pc_0123456789abcdeg.{secret}"),
            &format!("pc_0123456789abcde.{secret}"),
            &format!("xx_0123456789abcdef.{secret}"),
            &format!("pc_0123456789abcdef.{}", "A".repeat(42)),
            &format!("pc_0123456789abcdef.{}!", "A".repeat(42)),
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn digests_compare_equal_only_when_identical() {
        assert!(same_digest("abcd", "abcd"));
        assert!(!same_digest("abcd", "abce"));
        assert!(!same_digest("abcd", "abc"));
    }

    #[test]
    fn a_new_key_prints_without_its_secret() {
        let key = NewKey {
            id: "0123456789abcdef".into(),
            name: "ci".into(),
            key: "pc_0123456789abcdef.SECRET".into(),
        };
        assert!(!format!("{key:?}").contains("SECRET"));
    }
}
