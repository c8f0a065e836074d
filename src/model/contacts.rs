//! E-mail addresses beyond the primary one: listed with whether they are verified.

use serde::{Deserialize, Serialize};

/// How long a verification link works.
pub const VERIFY_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    pub id: String,
    pub email: String,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactsPage {
    pub primary: String,
    pub others: Vec<EmailAddress>,
    pub reauth_until: Option<i64>,
    /// The server's clock, so the page counts the window down from the server's time.
    pub now: i64,
}
