//! Secrets at rest: AES-256-GCM under the app's secret key, with associated data that binds a
//! ciphertext to its row (the user id), so copying it to another row does not decrypt.

use super::config::SecretKey;
use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use base64::Engine;

const NONCE_LEN: usize = 12;

/// `base64(nonce || ciphertext)` with a fresh random nonce.
pub fn encrypt(key: &SecretKey, bound_to: &str, plaintext: &[u8]) -> String {
    let cipher = Aes256Gcm::new_from_slice(&key.0).expect("32-byte key");
    let mut nonce = [0u8; NONCE_LEN];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: bound_to.as_bytes(),
            },
        )
        .expect("AES-GCM encryption cannot fail for in-memory data");
    base64::engine::general_purpose::STANDARD.encode([nonce.as_slice(), &sealed].concat())
}

/// The plaintext, or `None` when the data was altered, bound to another row, or sealed with
/// another key.
pub fn decrypt(key: &SecretKey, bound_to: &str, encoded: &str) -> Option<Vec<u8>> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    if raw.len() < NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = raw.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new_from_slice(&key.0).ok()?;
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: bound_to.as_bytes(),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_decrypts_only_with_its_key_and_for_its_row() {
        let key = SecretKey([1; 32]);
        let sealed = encrypt(&key, "user-a", b"totp secret");
        assert_eq!(
            decrypt(&key, "user-a", &sealed).as_deref(),
            Some(&b"totp secret"[..])
        );
        assert_eq!(decrypt(&key, "user-b", &sealed), None);
        assert_eq!(decrypt(&SecretKey([2; 32]), "user-a", &sealed), None);
        assert_ne!(
            encrypt(&key, "user-a", b"totp secret"),
            sealed,
            "fresh nonce each time"
        );
        assert!(!sealed.contains("totp"));
    }
}
