//! The Profile tab's data: names, job function, phone, default dashboard.
//!
//! `ProfileView` is what the page shows; `ProfileInput` is what the form sends. `validate`
//! turns input into a `ValidProfile` or field errors, and nothing is stored unless every field
//! passes.

use crate::error::FieldErrors;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

pub const NAME_MAX_CHARS: usize = 100;

super::vocabulary! {
    /// Job functions offered in the select, stored by word.
    pub enum JobFunction {
        Engineering = "engineering" => Engineering,
        DevopsSre = "devops_sre" => DevOpsSRE,
        Finance = "finance" => Finance,
        Management = "management" => Management,
        Procurement = "procurement" => Procurement,
        Security = "security" => Security,
        Other = "other" => Other,
    }
}

/// One of the platform's dashboards, from the `dashboards` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// A `JobFunction` word, empty when not chosen.
    pub job_function: String,
    /// E.164, empty when not given.
    pub phone: String,
    pub default_dashboard: String,
    /// Optimistic-concurrency token: a save must name the version it was edited from.
    pub version: i64,
}

/// The Profile page's data in one round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePage {
    pub profile: ProfileView,
    pub dashboards: Vec<Dashboard>,
    /// The current picture's name (see `model::avatar::url`), if there is one.
    pub avatar: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    pub first_name: String,
    pub last_name: String,
    pub job_function: String,
    pub phone: String,
    pub default_dashboard: String,
    pub version: i64,
}

/// Input that passed every rule, normalised for storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProfile {
    pub first_name: String,
    pub last_name: String,
    pub job_function: Option<String>,
    pub phone: Option<String>,
    pub default_dashboard: String,
}

/// A name is 1–100 characters after trimming (counted as the form's `maxlength` counts, see
/// `text::length`), holds no control or invisible format characters, and is stored composed
/// (NFC).
pub fn validate_name(raw: &str) -> Result<String, Msg> {
    let name = super::text::nfc(raw.trim());
    if name.is_empty() {
        return Err(Msg::ThisFieldIsRequired);
    }
    if super::text::length(&name) > NAME_MAX_CHARS {
        return Err(Msg::UseAtMost100Characters);
    }
    if name.chars().any(char::is_control) {
        return Err(Msg::RemoveTheControlCharactersSuchAs);
    }
    if name.chars().any(super::text::is_format_char) {
        return Err(Msg::RemoveTheInvisibleCharactersSuchAs);
    }
    Ok(name)
}

/// Normalises an international phone number to E.164 (`+` and 8–15 digits, no leading zero
/// in the country code). Spaces, dashes, dots and parentheses are accepted as separators, and
/// a leading `00` is read as `+`.
pub fn normalize_phone(raw: &str) -> Result<Option<String>, Msg> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let rest = if let Some(rest) = trimmed.strip_prefix('+') {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("00") {
        rest
    } else {
        return Err(Msg::UseTheInternationalFormatStartingWith);
    };
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(Msg::APhoneNumberMayContainOnly),
        }
    }
    if digits.starts_with('0') {
        return Err(Msg::TheCountryCodeCannotStartWith);
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(Msg::AnInternationalNumberHas8To);
    }
    Ok(Some(format!("+{digits}")))
}

/// Validates a whole form against the known dashboards; returns every field's error at once.
pub fn validate(
    input: &ProfileInput,
    dashboards: &[Dashboard],
) -> Result<ValidProfile, FieldErrors> {
    let mut errors = FieldErrors::new();
    let first_name = validate_name(&input.first_name)
        .map_err(|e| errors.add("first_name", e))
        .ok();
    let last_name = validate_name(&input.last_name)
        .map_err(|e| errors.add("last_name", e))
        .ok();
    let job_function = match input.job_function.trim() {
        "" => Some(None),
        slug if JobFunction::parse(slug).is_some() => Some(Some(slug.to_string())),
        _ => {
            errors.add("job_function", Msg::ChooseAJobFunctionFromThe);
            None
        }
    };
    let phone = normalize_phone(&input.phone)
        .map_err(|e| errors.add("phone", e))
        .ok();
    let dashboard = input.default_dashboard.trim();
    if !dashboards.iter().any(|d| d.id == dashboard) {
        errors.add("default_dashboard", Msg::ChooseADashboardFromTheList);
    }
    match (first_name, last_name, job_function, phone) {
        (Some(first_name), Some(last_name), Some(job_function), Some(phone))
            if errors.is_empty() =>
        {
            Ok(ValidProfile {
                first_name,
                last_name,
                job_function,
                phone,
                default_dashboard: dashboard.to_string(),
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboards() -> Vec<Dashboard> {
        vec![Dashboard {
            id: "cost-overview".into(),
            name: "Cost overview".into(),
        }]
    }

    fn input() -> ProfileInput {
        ProfileInput {
            first_name: " Ada ".into(),
            last_name: "Lovelace".into(),
            job_function: "engineering".into(),
            phone: "+44 (20) 7946-0958".into(),
            default_dashboard: "cost-overview".into(),
            version: 1,
        }
    }

    #[test]
    fn a_valid_profile_is_trimmed_and_its_phone_stored_as_e164() {
        let valid = validate(&input(), &dashboards()).unwrap();
        assert_eq!(valid.first_name, "Ada");
        assert_eq!(valid.phone.as_deref(), Some("+442079460958"));
        assert_eq!(valid.job_function.as_deref(), Some("engineering"));
    }

    #[test]
    fn names_must_be_1_to_100_characters_without_control_characters() {
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"x".repeat(101)).is_err());
        assert!(validate_name(&"ß".repeat(100)).is_ok());
        assert!(validate_name("Ada\u{0007}").is_err());
        assert!(validate_name("Ada\nLovelace").is_err());
        assert!(validate_name("Ada\u{200B}").is_err(), "zero-width space");
        assert!(
            validate_name("\u{202E}ecalevoL").is_err(),
            "right-to-left override"
        );
        assert!(
            validate_name(&"😀".repeat(50)).is_ok(),
            "100 UTF-16 units, as maxlength counts"
        );
        assert!(validate_name(&"😀".repeat(51)).is_err());
    }

    #[test]
    fn phone_numbers_must_be_international() {
        assert_eq!(normalize_phone(""), Ok(None));
        assert_eq!(
            normalize_phone("0049 30 1234567"),
            Ok(Some("+49301234567".into()))
        );
        assert!(normalize_phone("030 1234567").is_err());
        assert!(normalize_phone("+0 30 1234567").is_err());
        assert!(normalize_phone("+49 30 12x4567").is_err());
        assert!(normalize_phone("+1234567").is_err());
        assert!(normalize_phone("+1234567890123456").is_err());
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let bad = ProfileInput {
            first_name: "".into(),
            last_name: "x".repeat(101),
            job_function: "astronaut".into(),
            phone: "12".into(),
            default_dashboard: "nope".into(),
            version: 1,
        };
        let errors = validate(&bad, &dashboards()).unwrap_err();
        for field in [
            "first_name",
            "last_name",
            "job_function",
            "phone",
            "default_dashboard",
        ] {
            assert!(errors.get(field).is_some(), "{field} should have an error");
        }
    }

    #[test]
    fn an_empty_job_function_means_not_chosen() {
        let mut i = input();
        i.job_function = String::new();
        assert_eq!(validate(&i, &dashboards()).unwrap().job_function, None);
    }
}
