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

super::vocabulary! {
    /// What a security-log entry records.
    pub enum EventKind {
        AccountCreated = "account_created" => AccountCreated,
        SignIn = "sign_in" => SignIn2,
        Throttled = "sign_in_throttled" => SignInAttemptsThrottled,
        Reauth = "reauthenticated" => IdentityConfirmed,
        SessionEnded = "session_ended" => SessionEnded,
        OtherSessionsEnded = "other_sessions_ended" => AllOtherSessionsEnded,
        PasswordChanged = "password_changed" => PasswordChanged,
        PasswordResetRequested = "password_reset_requested" => PasswordResetRequested,
        PasswordReset = "password_reset" => PasswordReset,
        MfaEnabled = "mfa_enabled" => TwoFactorSignInTurnedOn,
        MfaDisabled = "mfa_disabled" => TwoFactorSignInTurnedOff,
        MfaChallenge = "mfa_challenge" => TwoFactorCode,
        MfaThrottled = "mfa_throttled" => TwoFactorCodesThrottled,
        RecoveryCodeUsed = "recovery_code_used" => RecoveryCodeUsed,
        RecoveryCodesRegenerated = "recovery_codes_regenerated" => RecoveryCodesRegenerated,
        ApiKeyCreated = "api_key_created" => APIKeyCreated,
        ApiKeyChanged = "api_key_changed" => APIKeyChanged,
        ApiKeyRevoked = "api_key_revoked" => APIKeyRevoked,
        ApiKeyDeleted = "api_key_deleted" => APIKeyDeleted,
        EmailAdded = "email_added" => EMailAddressAdded,
        EmailVerified = "email_verified" => EMailAddressVerified,
        EmailRemoved = "email_removed" => EMailAddressRemoved,
        PrimaryEmailChanged = "primary_email_changed" => PrimaryEMailAddressChanged,
        AccountCreatedOrg = "org_account_created" => CreatedAnAccount,
        AccountJoined = "account_joined" => JoinedAnAccount,
        AccountLeft = "account_left" => LeftAnAccount,
        InvitationIgnored = "invitation_ignored" => InvitationIgnored,
        AccountRoleChanged = "account_role_changed" => YourRoleInAnAccountChanged,
        AccountGroupChanged = "account_group_changed" => YourGroupInAnAccountChanged,
        AccountRemoved = "account_removed" => RemovedFromAnAccount,
        AccountBillingChanged = "account_billing_changed" => YourBillingProfilesInAnAccountChanged,
        ApiAccessDecided = "api_access_decided" => YourAPIAccessRequestWasAnswered,
    }
}

/// How the log names a stored kind (one it does not know reads "Security event").
pub fn event_label(kind: &str) -> &'static str {
    t(EventKind::parse(kind)
        .map(EventKind::label)
        .unwrap_or(Msg::SecurityEvent))
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
