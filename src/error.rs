//! The one error type every server function returns.
//!
//! Each variant is something a person (or a script) can act on; `Internal` carries only an
//! opaque reference, because without JavaScript Leptos puts a failed form's error into the
//! redirect URL, and database or library messages must never reach a browser or a log line
//! outside the server. `server::error` logs the details under that reference.

use crate::i18n::{Msg, Text};
use serde::{Deserialize, Serialize};

/// Field name → messages, in the order the form shows its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, Text)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<Text>) {
        self.0.push((field.to_string(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&Text> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }

    /// `Ok(())` when nothing was added, so validators can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

/// What `Retry-After` says while the database is unreachable: long enough not to hammer it,
/// short enough that people retry as soon as it is back.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// `Display` is the English message (for logs and the REST API); what a person sees is
/// `message()`, rendered in their language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{}", self.message())]
    Unauthenticated,
    #[error("{}", self.message())]
    ReauthRequired,
    #[error("{}", self.message())]
    Forbidden,
    #[error("{}", self.message())]
    NotFound,
    /// The account (named) requires two-factor sign-in, which this person has not turned on.
    #[error("{}", self.message())]
    TwoFactorRequired(String),
    /// A request that was well-formed but clashes with the current state (stale form, taken e-mail).
    #[error("{0}")]
    Conflict(Text),
    #[error("{}", self.message())]
    Validation(FieldErrors),
    /// The one message for every sign-in failure, so nobody learns which e-mails exist.
    #[error("{}", self.message())]
    InvalidCredentials,
    #[error("{}", self.message())]
    RateLimited(u64),
    /// The request did not reach our code in a usable shape (bad encoding, missing argument).
    #[error("{}", self.message())]
    BadRequest,
    /// The request body is larger than any form of ours (413).
    #[error("{}", self.message())]
    TooLarge,
    /// A dependency (the database) is down or saturated: try again shortly (503, `Retry-After`).
    #[error("{}", self.message())]
    Unavailable,
    #[error("{}", self.message())]
    Internal(String),
}

impl AppError {
    /// One field's validation error, for checks that find a single problem.
    pub fn field(field: &str, message: impl Into<Text>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Validation(errors)
    }

    /// A conflict, told by a message.
    pub fn conflict(message: impl Into<Text>) -> Self {
        AppError::Conflict(message.into())
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(errors) => Some(errors),
            _ => None,
        }
    }

    /// What to tell a person (for validation, a summary of what to fix).
    pub fn message(&self) -> Text {
        match self {
            AppError::Unauthenticated => Msg::PleaseSignInToContinue.into(),
            AppError::ReauthRequired => Msg::PleaseConfirmItIsYouBefore.into(),
            AppError::Forbidden => Msg::YouDoNotHaveAccessTo.into(),
            AppError::NotFound => Msg::NotFound.into(),
            AppError::TwoFactorRequired(account) => {
                Msg::AccountRequiresTwoFactorSignIn.with(&[account])
            }
            AppError::Conflict(text) => text.clone(),
            AppError::Validation(_) => Msg::PleaseCorrectTheFieldsMarkedBelow.into(),
            AppError::InvalidCredentials => Msg::IncorrectEmailOrPassword.into(),
            AppError::RateLimited(secs) => {
                Msg::TooManyAttemptsTryAgainIn.with(&[&secs.to_string()])
            }
            AppError::BadRequest => Msg::TheRequestCouldNotBeUnderstood.into(),
            AppError::TooLarge => Msg::TheFormIsTooLargeTo.into(),
            AppError::Unavailable => Msg::TheServiceIsBrieflyUnavailablePlease.into(),
            AppError::Internal(reference) => Msg::SomethingWentWrongOnOurSide.with(&[reference]),
        }
    }

    /// Seconds a client should wait before trying again (`Retry-After`), for 429 and 503.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited(secs) => Some(*secs),
            AppError::Unavailable => Some(UNAVAILABLE_RETRY_SECS),
            _ => None,
        }
    }

    /// The HTTP status a JSON client (or the REST API) sees for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::ReauthRequired | AppError::Forbidden | AppError::TwoFactorRequired(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Validation(_) => 422,
            AppError::RateLimited(_) => 429,
            AppError::BadRequest => 400,
            AppError::TooLarge => 413,
            AppError::Unavailable => 503,
            AppError::Internal(_) => 500,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // Framework-level failures: the argument did not decode, the route is wrong.
            E::Args(_)
            | E::Deserialization(_)
            | E::MissingArg(_)
            | E::UnsupportedRequestMethod(_) => AppError::BadRequest,
            // A client-side failure (network down) still needs to read as something to retry.
            _ => AppError::Internal("network".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_become_a_validation_error_only_when_present() {
        assert_eq!(FieldErrors::new().into_result(), Ok(()));
        let mut errors = FieldErrors::new();
        errors.add("first_name", Msg::ThisFieldIsRequired);
        let err = errors.into_result().unwrap_err();
        assert_eq!(
            err.field_errors().unwrap().get("first_name"),
            Some(&Msg::ThisFieldIsRequired.into())
        );
        assert_eq!(err.status(), 422);
    }

    #[test]
    fn internal_errors_show_only_their_reference() {
        let text = AppError::Internal("ab12".into()).to_string();
        assert!(text.contains("ab12"));
        assert!(!text.to_lowercase().contains("sql"));
    }
}
