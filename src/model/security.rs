//! The Security tab's data: the user's security log, and the password-strength hint.

use crate::i18n::t;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventView {
    pub at: i64,
    pub kind: String,
    pub success: bool,
    pub ip: String,
    /// "Firefox 128 on Linux", parsed from the user agent.
    pub device: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPage {
    pub events: Vec<SecurityEventView>,
    /// 1-based.
    pub page: usize,
    pub has_next: bool,
}

/// How the log names each kind of event.
pub fn event_label(kind: &str) -> &'static str {
    match kind {
        "account_created" => t("Account created"),
        "sign_in" => t("Sign-in"),
        "sign_in_throttled" => t("Sign-in attempts throttled"),
        "reauthenticated" => t("Identity confirmed"),
        "session_ended" => t("Session ended"),
        "other_sessions_ended" => t("All other sessions ended"),
        "password_changed" => t("Password changed"),
        "mfa_enabled" => t("Two-factor sign-in turned on"),
        "mfa_disabled" => t("Two-factor sign-in turned off"),
        "mfa_challenge" => t("Two-factor code"),
        "mfa_throttled" => t("Two-factor codes throttled"),
        "recovery_code_used" => t("Recovery code used"),
        "recovery_codes_regenerated" => t("Recovery codes regenerated"),
        "api_key_created" => t("API key created"),
        "api_key_changed" => t("API key changed"),
        "api_key_revoked" => t("API key revoked"),
        "api_key_deleted" => t("API key deleted"),
        "email_added" => t("E-mail address added"),
        "email_verified" => t("E-mail address verified"),
        "email_removed" => t("E-mail address removed"),
        "primary_email_changed" => t("Primary e-mail address changed"),
        _ => t("Security event"),
    }
}

/// A rough strength for the hint shown while typing a new password: length counts most, and
/// mixing kinds of characters helps. The server's policy (`auth::check_password`) decides.
/// ASCII-only classification on purpose: this runs in the browser, and Unicode case tables
/// would add kilobytes to the WASM for a hint (non-ASCII characters count as "other").
pub fn password_strength(password: &str) -> &'static str {
    let chars = password.chars().count();
    if chars == 0 {
        return "";
    }
    if chars < super::auth::PASSWORD_MIN_CHARS {
        return t("Too short: use at least 8 characters.");
    }
    if super::auth::is_common_password(&password.to_ascii_lowercase()) {
        return t("Too common: easy to guess.");
    }
    let kinds = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    match chars + 2 * kinds {
        0..=13 => t("Strength: weak."),
        14..=17 => t("Strength: fair."),
        18..=23 => t("Strength: good."),
        _ => t("Strength: strong."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strength_hint_grows_with_length_and_variety() {
        assert_eq!(password_strength(""), "");
        assert_eq!(
            password_strength("abc"),
            "Too short: use at least 8 characters."
        );
        assert_eq!(password_strength("Password1"), "Too common: easy to guess.");
        assert_eq!(password_strength("qzmxnvbc"), "Strength: weak.");
        assert_eq!(password_strength("qzmxnvbcQ7"), "Strength: fair.");
        assert_eq!(
            password_strength("a long and unusual passphrase"),
            "Strength: strong."
        );
    }
}
