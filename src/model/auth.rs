//! Who a person is to the sign-in forms: e-mail and password rules.
//!
//! The same checks run in the server functions (the authority) and may run in the browser for
//! early feedback.

use crate::error::FieldErrors;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const EMAIL_MAX_CHARS: usize = 254;
/// How long a "forgot password" link works.
pub const RESET_LINK_SECS: i64 = 30 * 60;

/// What the page a "forgot password" link opens needs to know about the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLink {
    /// Two-factor sign-in is on: the new password also needs a code.
    pub needs_code: bool,
}

/// The signed-in person as the header and shell need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Unread in-app notifications (the bell's count).
    #[serde(default)]
    pub unread: i64,
    /// The profile picture's name, if there is one (else initials are shown).
    #[serde(default)]
    pub avatar: Option<String>,
    /// Invitations to accounts waiting for an answer (the badge on the Accounts tab).
    #[serde(default)]
    pub invitations: i64,
    /// The name of the account this session works in, if the person belongs to any.
    #[serde(default)]
    pub account: Option<String>,
}

impl CurrentUser {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }

    /// Up to two letters for the avatar shown when there is no picture.
    pub fn initials(&self) -> String {
        initials(&self.first_name, &self.last_name, &self.email)
    }
}

/// The first letters of first and last name, upper-cased; the e-mail's first letter when both
/// names are empty.
pub fn initials(first_name: &str, last_name: &str, email: &str) -> String {
    let letters: String = first_name
        .chars()
        .next()
        .into_iter()
        .chain(last_name.chars().next())
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        email.chars().take(1).flat_map(char::to_uppercase).collect()
    } else {
        letters
    }
}

/// Trims and lower-cases an address so that one mailbox maps to one account.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters. Deliverability is proven later by verification mail, not by a regex.
pub fn validate_email(email: &str) -> Result<(), Msg> {
    if email.is_empty() {
        return Err(Msg::EnterYourEmailAddress);
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(Msg::ThisEmailAddressIsTooLong);
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(Msg::EnterAnEmailAddressLikeName);
    };
    // Mail to such an address needs SMTPUTF8 all the way, which mail relays often lack: it
    // would wait in the outbox for ever instead of arriving.
    if !email.is_ascii() {
        return Err(Msg::UseAnAddressWithOnlyLatin);
    }
    let bad_char =
        |c: char| c.is_whitespace() || c.is_control() || c == '@' || c == '<' || c == '>';
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.len() <= 253;
    if local.is_empty()
        || local.len() > 64
        || local.chars().any(bad_char)
        || !domain_ok
        || domain.chars().any(bad_char)
    {
        return Err(Msg::EnterAnEmailAddressLikeName);
    }
    Ok(())
}

/// Checks a new password. `personal` holds values the password must not equal (e-mail, names).
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), Msg> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(Msg::UseAtLeast8Characters);
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Msg::UseAtMost128Characters);
    }
    let lowered = password.to_lowercase();
    if is_common_password(&lowered) {
        return Err(Msg::ThisPasswordIsTooCommonChoose);
    }
    let local_part = |s: &str| s.split('@').next().unwrap_or("").to_lowercase();
    for value in personal {
        let value = value.trim().to_lowercase();
        if !value.is_empty()
            && (lowered == value || (value.contains('@') && lowered == local_part(&value)))
        {
            return Err(Msg::YourPasswordMustNotBeYour);
        }
    }
    Ok(())
}

/// Whether a lower-cased password is one of the most used passwords, or one of them with the
/// usual "strengthening": digits or `!?.*` appended, letters swapped for look-alike digits and
/// symbols (`p@ssw0rd`).
///
/// On the server the list is 30,000 passwords from public breach corpora (the frequency list
/// zxcvbn ships, MIT licence), in `common_passwords.txt`; in the browser, where it only feeds
/// the strength hint, a short list keeps the download small.
pub fn is_common_password(lowered: &str) -> bool {
    let base = lowered.trim_end_matches(|c: char| c.is_ascii_digit() || "!?.*#".contains(c));
    let unleet: String = lowered
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '3' => 'e',
            '1' | '!' => 'i',
            '0' => 'o',
            '$' | '5' => 's',
            '7' => 't',
            c => c,
        })
        .collect();
    let listed = |candidate: &str| {
        candidate.chars().count() >= 4 && common_list().binary_search(&candidate).is_ok()
    };
    listed(lowered) || listed(base) || listed(&unleet)
}

#[cfg(not(feature = "hydrate"))]
fn common_list() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| include_str!("common_passwords.txt").lines().collect())
}

/// The browser's short list: enough for the hint to flag the obvious ones as you type.
#[cfg(feature = "hydrate")]
fn common_list() -> &'static [&'static str] {
    &[
        "1234",
        "12345",
        "123456",
        "1234567",
        "12345678",
        "123456789",
        "1234567890",
        "1q2w3e4r",
        "abc123",
        "admin",
        "baseball",
        "dragon",
        "football",
        "iloveyou",
        "letmein",
        "master",
        "monkey",
        "passw0rd",
        "password",
        "princess",
        "qwerty",
        "qwertyuiop",
        "shadow",
        "sunshine",
        "superman",
        "trustno1",
        "welcome",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_password_is_refused() {
        assert!(check_password("Ab3$xyz", &[]).is_err());
        assert!(check_password("Ab3$xyzq", &[]).is_ok());
    }

    #[test]
    fn a_password_over_128_characters_is_refused() {
        let long: String = "é".repeat(129);
        assert!(check_password(&long, &[]).is_err());
        assert!(check_password(&"é".repeat(128), &[]).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_case_insensitively_and_with_a_trailing_digit() {
        assert!(check_password("Password", &[]).is_err());
        assert!(check_password("password1!", &[]).is_err());
        assert!(check_password("Sunshine2024", &[]).is_err());
        assert!(check_password("correct horse battery", &[]).is_ok());
    }

    #[test]
    fn the_list_holds_tens_of_thousands_sorted_and_catches_the_usual_variations() {
        let list = common_list();
        assert!(list.len() >= 10_000, "{}", list.len());
        assert!(
            list.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        for common in [
            "qwerty1234",
            "shadow123",
            "1q2w3e4r5t6y",
            "Dragon2024!",
            "P@ssw0rd99",
            "letmein!!",
        ] {
            assert!(
                check_password(common, &[]).is_err(),
                "{common} should be refused"
            );
        }
        for fine in [
            "a long and unusual passphrase",
            "Lovelace1843x",
            "zq7#Kp2m!v",
        ] {
            assert!(
                check_password(fine, &[]).is_ok(),
                "{fine} should be allowed"
            );
        }
    }

    #[test]
    fn a_password_equal_to_the_email_or_name_is_refused() {
        assert!(check_password("Ada.Lovelace@Example.com", &["ada.lovelace@example.com"]).is_err());
        assert!(check_password("ada.lovelace", &["ada.lovelace@example.com"]).is_err());
        assert!(check_password(
            "Lovelace1843x",
            &["ada.lovelace@example.com", "Ada", "Lovelace"]
        )
        .is_ok());
        assert!(check_password("babbagefriend", &["", "babbagefriend"]).is_err());
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Ada@Example.COM "), "ada@example.com");
        assert!(validate_email("ada@example.com").is_ok());
        for bad in [
            "",
            "üser@exämple.test",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@exa..mple.com",
            "ada@@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn initials_fall_back_to_the_email() {
        let mut user = CurrentUser {
            id: "1".into(),
            email: "zoe@example.com".into(),
            first_name: "ada".into(),
            last_name: "Lovelace".into(),
            unread: 0,
            avatar: None,
            invitations: 0,
            account: None,
        };
        assert_eq!(user.initials(), "AL");
        user.first_name.clear();
        user.last_name.clear();
        assert_eq!(user.initials(), "Z");
    }
}

/// Sign-up form input, validated as a whole so every field error shows at once.
pub fn validate_signup(
    email: &str,
    password: &str,
    first_name: &str,
    last_name: &str,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if let Err(e) = validate_email(email) {
        errors.add("email", e);
    }
    if let Err(e) = crate::model::profile::validate_name(first_name) {
        errors.add("first_name", e);
    }
    if let Err(e) = crate::model::profile::validate_name(last_name) {
        errors.add("last_name", e);
    }
    if let Err(e) = check_password(password, &[email, first_name, last_name]) {
        errors.add("password", e);
    }
    errors
}
