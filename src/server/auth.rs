//! Authentication internals: password hashing, session tokens and the session cookie.
//!
//! Passwords are hashed with argon2id (m = 19456 KiB, t = 2, p = 1, OWASP's baseline) on
//! tokio's blocking pool, at most `HASH_CONCURRENCY` at a time, so a burst of sign-ins neither
//! stalls the async executor nor exhausts memory (each hash holds 19 MiB).

use crate::error::AppError;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
};
use sha2::{Digest, Sha256};
use std::{sync::Arc, time::Duration};
use tokio::sync::Semaphore;

/// Hashes running at once; more wait in line (bounded below by `WAIT_FOR_HASHER`).
const HASH_CONCURRENCY: usize = 4;
/// A request that cannot start hashing within this time is told to retry, not left hanging.
const WAIT_FOR_HASHER: Duration = Duration::from_secs(15);

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password as typed: kept out of `Debug` so it can never reach a log line.
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against when the e-mail is unknown, so both failures cost the same time.
    dummy_hash: Arc<str>,
}

impl Hasher {
    pub fn new() -> Self {
        let salt = argon2::password_hash::SaltString::generate(&mut rand::rngs::OsRng);
        let dummy = argon2()
            .hash_password(crate::server::random_id(24).as_bytes(), &salt)
            .expect("hashing a random password")
            .to_string();
        Hasher {
            permits: Arc::new(Semaphore::new(HASH_CONCURRENCY)),
            dummy_hash: dummy.into(),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = tokio::time::timeout(WAIT_FOR_HASHER, self.permits.acquire())
            .await
            .map_err(|_| AppError::RateLimited(5))?
            .map_err(crate::server::context::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(crate::server::context::internal)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.0.clone();
        self.run(move || {
            let salt = argon2::password_hash::SaltString::generate(&mut rand::rngs::OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await?
        .map_err(crate::server::context::internal)
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no account.
    pub async fn verify(
        &self,
        stored: Option<&str>,
        password: &Password,
    ) -> Result<bool, AppError> {
        let exists = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy_hash).to_string();
        let password = password.0.clone();
        let matches = self
            .run(move || {
                PasswordHash::new(&stored)
                    .map(|parsed| {
                        argon2()
                            .verify_password(password.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(exists && matches)
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// A new session token (256 random bits) and the hash under which it is stored.
pub fn new_session_token() -> (String, String) {
    let token = crate::server::random_id(32);
    let hash = token_hash(&token);
    (token, hash)
}

/// Hex SHA-256: tokens carry full entropy, so a fast hash is enough to make a leaked table useless.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session cookie's name: `__Host-` in production binds it to our exact origin over HTTPS.
pub fn cookie_name(production: bool) -> &'static str {
    if production {
        "__Host-pc_session"
    } else {
        "pc_session"
    }
}

/// `Set-Cookie` value for a new session (`None` clears it).
pub fn session_cookie(production: bool, token: Option<&str>) -> String {
    let name = cookie_name(production);
    let secure = if production { "; Secure" } else { "" };
    match token {
        // No Max-Age: the server-side expiry decides; the browser drops it when closed for good.
        Some(token) => format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The cookie that carries a sign-in waiting for its second step (five minutes at most).
pub fn pending_cookie_name(production: bool) -> &'static str {
    if production {
        "__Host-pc_mfa"
    } else {
        "pc_mfa"
    }
}

pub fn pending_cookie(production: bool, token: Option<&str>) -> String {
    let name = pending_cookie_name(production);
    let secure = if production { "; Secure" } else { "" };
    let (value, age) = match token {
        Some(token) => (token, super::mfa::PENDING_SECS),
        None => ("", 0),
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}{secure}")
}

/// A cookie's value from a `Cookie` header.
pub fn cookie_value(header: &str, name: &str) -> Option<String> {
    cookie::Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The session token from a `Cookie` header, if present.
pub fn token_from_cookies(header: &str, production: bool) -> Option<String> {
    let name = cookie_name(production);
    cookie::Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let hasher = Hasher::new();
        let hash = hasher
            .hash(&Password("correct horse".into()))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher
            .verify(Some(&hash), &Password("correct horse".into()))
            .await
            .unwrap());
        assert!(!hasher
            .verify(Some(&hash), &Password("wrong horse".into()))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = Hasher::new();
        assert!(!hasher
            .verify(None, &Password("anything".into()))
            .await
            .unwrap());
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_their_hash() {
        let (a, hash_a) = new_session_token();
        let (b, _) = new_session_token();
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert_eq!(hash_a, token_hash(&a));
        assert!(!hash_a.contains(&a));
    }

    #[test]
    fn production_cookies_are_secure_and_host_prefixed() {
        let c = session_cookie(true, Some("t"));
        assert!(c.starts_with("__Host-pc_session=t;"));
        assert!(
            c.contains("Secure")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Lax")
                && c.contains("Path=/")
        );
        assert!(!session_cookie(false, Some("t")).contains("Secure"));
        assert_eq!(
            token_from_cookies("a=1; pc_session=tok; b=2", false).as_deref(),
            Some("tok")
        );
        assert_eq!(token_from_cookies("pc_session=tok", true), None);
    }
}
