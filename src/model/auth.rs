//! Who a person is to the sign-in forms: e-mail and password rules.
//!
//! The same checks run in the server functions (the authority) and may run in the browser for
//! early feedback.

use crate::error::FieldErrors;
use crate::i18n::t;
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const EMAIL_MAX_CHARS: usize = 254;

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
pub fn validate_email(email: &str) -> Result<(), &'static str> {
    if email.is_empty() {
        return Err(t("Enter your email address."));
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(t("This email address is too long."));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(t("Enter an email address like name@example.com."));
    };
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
        return Err(t("Enter an email address like name@example.com."));
    }
    Ok(())
}

/// Checks a new password. `personal` holds values the password must not equal (e-mail, names).
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(t("Use at least 8 characters."));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(t("Use at most 128 characters."));
    }
    let lowered = password.to_lowercase();
    if is_common_password(&lowered) {
        return Err(t(
            "This password is too common. Choose one that is harder to guess.",
        ));
    }
    let local_part = |s: &str| s.split('@').next().unwrap_or("").to_lowercase();
    for value in personal {
        let value = value.trim().to_lowercase();
        if !value.is_empty()
            && (lowered == value || (value.contains('@') && lowered == local_part(&value)))
        {
            return Err(t("Your password must not be your email address or name."));
        }
    }
    Ok(())
}

/// Whether a lower-cased password is on the list of the most used passwords (only those of
/// 8 characters or more matter, shorter ones fail the length rule first). Also catches the
/// list's entries followed by a digit or `!`, the most common "strengthening".
pub fn is_common_password(lowered: &str) -> bool {
    let base = lowered.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!');
    COMMON_PASSWORDS
        .iter()
        .any(|p| *p == lowered || (!base.is_empty() && *p == base))
}

/// Frequent passwords from public breach-corpus top lists, 8 characters and longer.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "password1",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "welcome",
    "abc12345",
    "admin123",
    "administrator",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "11111111",
    "00000000",
    "88888888",
    "87654321",
    "12341234",
    "11223344",
    "qwertyui",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "1qaz2wsx",
    "zaq12wsx",
    "trustno1",
    "superman",
    "batman",
    "starwars",
    "whatever",
    "letmein1",
    "letmein",
    "charlie1",
    "michelle",
    "jennifer",
    "computer",
    "corvette",
    "mercedes",
    "mustang1",
    "internet",
    "monkey123",
    "dragon12",
    "shadow12",
    "master12",
    "liverpool",
    "chelsea1",
    "arsenal1",
    "jordan23",
    "michael1",
    "secret123",
    "changeme",
    "changeit",
    "default1",
    "qazwsxedc",
    "google123",
    "samsung1",
    "loveyou1",
    "lovely12",
    "butterfly",
    "passport",
    "password123",
    "passwort",
    "hallo123",
    "schalke04",
    "ficken12",
    "killer12",
    "hunter12",
    "freedom1",
    "sommer12",
    "access14",
    "cheese12",
    "summer12",
    "winter12",
    "spring12",
    "autumn12",
    "1234qwer",
    "qwer1234",
    "asdf1234",
    "zxcv1234",
    "aaaaaaaa",
    "abcdefgh",
    "abcd1234",
    "987654321",
    "123123123",
    "123321123",
    "147258369",
    "159753456",
    "741852963",
    "789456123",
    "123456789a",
    "a123456789",
    "1234abcd",
    "iloveyou1",
    "football1",
    "baseball1",
    "princess1",
    "sunshine1",
    "qwerty12",
    "password12",
    "welcome123",
    "admin1234",
    "rootroot",
    "toortoor",
    "test1234",
    "testtest",
    "guest123",
    "user1234",
    "letmein123",
    "profilecenter",
];

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
