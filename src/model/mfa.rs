//! Two-factor sign-in as the Security tab shows it.

use serde::{Deserialize, Serialize};

/// What a person needs to add Profile Center to an authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The base32 secret in groups of four characters, for typing in by hand.
    pub manual_key: String,
    pub otpauth_uri: String,
    /// The URI as a QR code (an SVG document).
    pub qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub enabled: bool,
    /// Set while an enrolment waits for its first code, and only within a confirmation.
    pub enrolment: Option<Enrolment>,
    pub recovery_codes_left: i64,
    /// New recovery codes, present exactly once: on the first page after they were made.
    pub new_recovery_codes: Option<Vec<String>>,
    /// Until when sensitive actions are allowed without confirming again.
    pub reauth_until: Option<i64>,
    pub now: i64,
}

/// "ABCDEFGH…" as "ABCD EFGH …".
pub fn group_by_four(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn manual_keys_read_in_groups_of_four() {
        assert_eq!(super::group_by_four("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
