//! The Security tab's data: the user's security log, and the password-strength hint.

use crate::i18n::t;
use crate::i18n::Msg;
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
        "account_created" => t(Msg::AccountCreated),
        "sign_in" => t(Msg::SignIn2),
        "sign_in_throttled" => t(Msg::SignInAttemptsThrottled),
        "reauthenticated" => t(Msg::IdentityConfirmed),
        "session_ended" => t(Msg::SessionEnded),
        "other_sessions_ended" => t(Msg::AllOtherSessionsEnded),
        "password_changed" => t(Msg::PasswordChanged),
        "mfa_enabled" => t(Msg::TwoFactorSignInTurnedOn),
        "mfa_disabled" => t(Msg::TwoFactorSignInTurnedOff),
        "mfa_challenge" => t(Msg::TwoFactorCode),
        "mfa_throttled" => t(Msg::TwoFactorCodesThrottled),
        "recovery_code_used" => t(Msg::RecoveryCodeUsed),
        "recovery_codes_regenerated" => t(Msg::RecoveryCodesRegenerated),
        "api_key_created" => t(Msg::APIKeyCreated),
        "api_key_changed" => t(Msg::APIKeyChanged),
        "api_key_revoked" => t(Msg::APIKeyRevoked),
        "api_key_deleted" => t(Msg::APIKeyDeleted),
        "email_added" => t(Msg::EMailAddressAdded),
        "email_verified" => t(Msg::EMailAddressVerified),
        "email_removed" => t(Msg::EMailAddressRemoved),
        "primary_email_changed" => t(Msg::PrimaryEMailAddressChanged),
        _ => t(Msg::SecurityEvent),
    }
}

/// A rough strength for the hint shown while typing a new password: length counts most, and
/// mixing kinds of characters helps. The server's policy (`auth::check_password`) decides.
/// ASCII-only classification on purpose: this runs in the browser, and Unicode case tables
/// would add kilobytes to the WASM for a hint (non-ASCII characters count as "other").
pub fn password_strength(password: &str) -> Option<Msg> {
    let chars = password.chars().count();
    if chars == 0 {
        return None;
    }
    if chars < super::auth::PASSWORD_MIN_CHARS {
        return Some(Msg::TooShortUseAtLeast8);
    }
    if super::auth::is_common_password(&password.to_ascii_lowercase()) {
        return Some(Msg::TooCommonEasyToGuess);
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
        0..=13 => Some(Msg::StrengthWeak),
        14..=17 => Some(Msg::StrengthFair),
        18..=23 => Some(Msg::StrengthGood),
        _ => Some(Msg::StrengthStrong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strength_hint_grows_with_length_and_variety() {
        assert_eq!(password_strength(""), None);
        assert_eq!(password_strength("abc"), Some(Msg::TooShortUseAtLeast8));
        assert_eq!(
            password_strength("Password1"),
            Some(Msg::TooCommonEasyToGuess)
        );
        assert_eq!(password_strength("qzmxnvbc"), Some(Msg::StrengthWeak));
        assert_eq!(password_strength("qzmxnvbcQ7"), Some(Msg::StrengthFair));
        assert_eq!(
            password_strength("a long and unusual passphrase"),
            Some(Msg::StrengthStrong)
        );
    }
}
