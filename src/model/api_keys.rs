//! The API keys tab's data: scopes, the key list, and the rules for creating and editing keys.
//!
//! A key reads `pc_<id>.<secret>`. Nothing here ever holds a secret except `NewKey`, the one
//! value that carries a freshly created key to the page that shows it once.

use crate::error::FieldErrors;
use crate::i18n::t;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

pub const NAME_MAX_CHARS: usize = 60;

super::vocabulary! {
    /// What a key may do: every scope is checked by a REST endpoint (`rest::require`), and a
    /// scope no endpoint checks is not offered. Later tabs add theirs here. `…:write` includes
    /// `…:read` of the same resource.
    pub enum Scope {
        ProfileRead = "profile:read" => ReadYourProfile,
        ProfileWrite = "profile:write" => ChangeYourProfile,
        PreferencesRead = "preferences:read" => ReadYourPreferences,
        PreferencesWrite = "preferences:write" => ChangeYourPreferences,
        NotificationsRead = "notifications:read" => ReadYourNotificationsAndSubscriptions,
        NotificationsWrite = "notifications:write" => ChangeYourNotificationSubscriptions,
        SessionsRead = "sessions:read" => ListYourActiveSessions,
        ApiKeysRead = "api_keys:read" => ListYourAPIKeysNeverTheir,
        AccountsRead = "accounts:read" => ReadYourAccountsInvitationsAndMembers,
        AccountsWrite = "accounts:write" => AnswerInvitationsAndManageMembers,
    }
}

impl Scope {
    /// The read scope a write scope includes.
    fn reads(self) -> Option<Scope> {
        match self {
            Scope::ProfileWrite => Some(Scope::ProfileRead),
            Scope::PreferencesWrite => Some(Scope::PreferencesRead),
            Scope::NotificationsWrite => Some(Scope::NotificationsRead),
            Scope::AccountsWrite => Some(Scope::AccountsRead),
            _ => None,
        }
    }

    /// Scopes as stored (space-separated words); words no longer offered are dropped, so a key
    /// made with one simply lacks it.
    pub fn parse_list(words: &str) -> Vec<Scope> {
        words.split_whitespace().filter_map(Scope::parse).collect()
    }
}

/// Expiry choices in days; `None` is "never". The default is 90 days.
pub const EXPIRY_DAYS: &[Option<i64>] = &[Some(30), Some(90), Some(365), None];
pub const DEFAULT_EXPIRY: &str = "90";

/// A week before a key expires, its owner gets an e-mail.
pub const EXPIRY_NOTICE_SECS: i64 = 7 * 86_400;

/// Scopes as words, separated by `sep` (for the log and the list).
pub fn scope_words(scopes: &[Scope], sep: &str) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Whether `granted` (a key's scopes) allows `needed`; a write scope includes its read scope.
pub fn allows(granted: &[Scope], needed: Scope) -> bool {
    granted
        .iter()
        .any(|g| *g == needed || g.reads() == Some(needed))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub fn of(revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> Self {
        if revoked_at.is_some() {
            KeyStatus::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyStatus::Active => t(Msg::Active),
            KeyStatus::Expired => t(Msg::Expired),
            KeyStatus::Revoked => t(Msg::Revoked),
        }
    }
}

/// One key as lists show it: never the secret or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, to tell keys apart: `pc_<id>.<prefix>…`.
    pub secret_prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub status: KeyStatus,
    /// The account it acts in (id, name); none for a personal key.
    #[serde(default)]
    pub account: Option<(String, String)>,
}

impl KeyView {
    /// How the key starts, e.g. `pc_1a2b3c4d5e6f7a8b.Xy3k…`.
    pub fn masked(&self) -> String {
        format!("pc_{}.{}…", self.id, self.secret_prefix)
    }
}

/// A key just created: the only time its full text exists outside the caller's hands.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKey {
    pub id: String,
    pub name: String,
    pub key: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// The tab's data in one round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysPage {
    pub keys: Vec<KeyView>,
    /// The accounts the person's role lets them create keys for, with their API access.
    #[serde(default)]
    pub accounts: Vec<super::accounts::KeyAccount>,
    /// The key created just before this page load, shown once.
    pub new_key: Option<NewKey>,
    pub reauth_until: Option<i64>,
    pub now: i64,
}

/// A key's name and scopes, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidKey {
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Names are 1–60 characters without control characters; at least one known scope. Scopes come
/// back sorted and without duplicates.
pub fn validate(name: &str, scopes: &[String]) -> Result<ValidKey, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = name.trim();
    if name.is_empty() {
        errors.add("name", Msg::GiveTheKeyANameSuch);
    } else if name.chars().count() > NAME_MAX_CHARS {
        errors.add("name", Msg::UseAtMost60Characters);
    } else if name.chars().any(char::is_control) {
        errors.add("name", Msg::RemoveTheControlCharactersSuchAs);
    }
    let mut valid: Vec<Scope> = Vec::new();
    for word in scopes {
        let Some(scope) = Scope::parse(word) else {
            errors.add("scopes", Msg::UnknownScope.with(&[word.as_str()]));
            break;
        };
        if !valid.contains(&scope) {
            valid.push(scope);
        }
    }
    if scopes.is_empty() {
        errors.add("scopes", Msg::ChooseAtLeastOneScope);
    }
    valid.sort();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidKey {
        name: name.to_string(),
        scopes: valid,
    })
}

/// The expiry field: "30", "90", "365" or "never" → days, or a field error.
pub fn parse_expiry(raw: &str) -> Result<Option<i64>, FieldErrors> {
    let choice = match raw.trim() {
        "never" => Some(None),
        days => days
            .parse::<i64>()
            .ok()
            .filter(|d| EXPIRY_DAYS.contains(&Some(*d)))
            .map(Some),
    };
    choice.ok_or_else(|| {
        let mut errors = FieldErrors::new();
        errors.add("expires_in", Msg::Choose3090Or365Days);
        errors
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_write_scope_includes_reading_the_same_resource_only() {
        use Scope::*;
        assert!(allows(&[ProfileWrite], ProfileRead));
        assert!(allows(&[ProfileRead], ProfileRead));
        assert!(!allows(&[ProfileRead], ProfileWrite));
        assert!(!allows(&[PreferencesWrite], ProfileRead));
        assert!(!allows(&[], SessionsRead));
        assert_eq!(
            Scope::parse_list("profile:read billing:read sessions:read"),
            [ProfileRead, SessionsRead]
        );
        assert_eq!(
            serde_json::to_string(&ProfileWrite).unwrap(),
            "\"profile:write\""
        );
    }

    #[test]
    fn names_and_scopes_are_checked_and_scopes_sorted() {
        let ok = validate(
            "  CI runner ",
            &s(&["sessions:read", "profile:read", "profile:read"]),
        )
        .unwrap();
        assert_eq!(ok.name, "CI runner");
        assert_eq!(ok.scopes, [Scope::ProfileRead, Scope::SessionsRead]);
        let err = validate("", &s(&[])).unwrap_err();
        assert!(err.get("name").is_some() && err.get("scopes").is_some());
        let err = validate("x", &s(&["admin:all"])).unwrap_err();
        assert_eq!(
            err.get("scopes").map(|t| t.to_string()).as_deref(),
            Some("Unknown scope: admin:all.")
        );
        assert!(validate(&"a".repeat(61), &s(&["profile:read"])).is_err());
        assert!(validate("a\tb", &s(&["profile:read"])).is_err());
    }

    #[test]
    fn only_the_offered_expiries_are_accepted() {
        assert_eq!(parse_expiry("90").unwrap(), Some(90));
        assert_eq!(parse_expiry("never").unwrap(), None);
        assert!(parse_expiry("7").is_err());
        assert!(parse_expiry("").is_err());
    }

    #[test]
    fn a_key_is_revoked_before_it_is_expired() {
        assert_eq!(KeyStatus::of(None, None, 10), KeyStatus::Active);
        assert_eq!(KeyStatus::of(None, Some(10), 10), KeyStatus::Expired);
        assert_eq!(KeyStatus::of(Some(5), Some(10), 20), KeyStatus::Revoked);
        assert_eq!(KeyStatus::of(None, Some(11), 10), KeyStatus::Active);
    }
}
