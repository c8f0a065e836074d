//! The Sessions tab's data: where the user is signed in, and where they were.

use crate::i18n::t;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// How long a sign-in proof opens the door to sensitive actions ("sudo mode") unless
/// `REAUTH_WINDOW_SECS` says otherwise (`Config::reauth_window_secs`).
pub const REAUTH_WINDOW_SECS: i64 = 10 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Public handle, used to end the session; never the token or its hash.
    pub id: String,
    /// "Firefox 128", parsed from the user agent.
    pub browser: String,
    /// "Windows 10", parsed from the user agent.
    pub os: String,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// The session making this request ("This device").
    pub current: bool,
    pub ended_at: Option<i64>,
    /// One of `END_REASONS`' keys.
    pub end_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsPage {
    pub active: Vec<SessionView>,
    pub ended: Vec<SessionView>,
    /// Until when sensitive actions are allowed without asking for the password again.
    pub reauth_until: Option<i64>,
    pub now: i64,
}

super::vocabulary! {
    /// How a session ended, as its history says.
    pub enum EndReason {
        SignedOut = "signed_out" => SignedOut,
        SignedInAgain = "signed_in_again" => ReplacedByANewSignIn,
        EndedByUser = "ended_by_user" => EndedByYou,
        Expired = "expired" => Expired,
        PasswordChanged = "password_changed" => EndedByPasswordChange,
        PasswordReset = "password_reset" => EndedByPasswordReset,
        EndedByAdmin = "ended_by_admin" => EndedByAnAdministrator,
    }
}

/// How the history names a stored end reason (one it does not know reads "Ended").
pub fn end_reason_label(reason: Option<&str>) -> &'static str {
    let msg = reason
        .and_then(EndReason::parse)
        .map(EndReason::label)
        .unwrap_or(Msg::Ended);
    crate::i18n::t(msg)
}

/// A UTC timestamp as "2026-11-24 14:05 UTC": the fallback when a time cannot be shown in the
/// person's zone and formats (`Preferences::format`, which pages and e-mails use).
pub fn format_utc(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// A UTC timestamp as RFC 3339, "2026-11-24T14:05:09Z", as the REST API writes times.
pub fn rfc3339(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// "9 minutes", "1 minute", "less than a minute" — for how long the sudo window stays open,
/// in whole minutes rounded up, in the page's language (the server's page and the browser's
/// countdown, `reauth::SudoCountdown`, say it the same way).
pub fn minutes_left(until: i64, now: i64) -> String {
    let secs = until - now;
    match (secs + 59) / 60 {
        _ if secs < 60 => t(Msg::LessThanAMinute).to_string(),
        1 => t(Msg::N1Minute).to_string(),
        n => crate::i18n::fill(t(Msg::NMinutes), &[&n.to_string()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_as_utc_dates_including_leap_days() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_795_528_800), "2026-11-24 14:00 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn api_timestamps_are_rfc3339_in_utc_with_seconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_528_809), "2026-11-24T14:00:09Z");
    }

    #[test]
    fn end_reasons_have_labels_and_unknown_ones_a_fallback() {
        assert_eq!(end_reason_label(Some("expired")), "Expired");
        assert_eq!(
            end_reason_label(Some("password_changed")),
            "Ended by password change"
        );
        assert_eq!(end_reason_label(Some("???")), "Ended");
    }

    #[test]
    fn the_sudo_window_reads_in_whole_minutes() {
        assert_eq!(minutes_left(1000 + 600, 1000), "10 minutes");
        assert_eq!(minutes_left(1000 + 61, 1000), "2 minutes");
        assert_eq!(minutes_left(1000 + 60, 1000), "1 minute");
        assert_eq!(minutes_left(1000 + 30, 1000), "less than a minute");
    }
}
