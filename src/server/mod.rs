//! Everything that only runs on the server: configuration, the database, authentication
//! internals, HTTP middleware and the Axum application that serves pages, server functions,
//! static files and health checks.
//!
//! `app::build` wires it together; `main.rs` only calls `run`.

pub mod accounts;
pub mod api_keys;
pub mod app;
pub mod auth;
pub mod avatar;
pub mod backup;
pub mod config;
pub mod contacts;
pub mod context;
pub mod crypto;
pub mod db;
pub mod mail;
pub mod metrics;
pub mod mfa;
pub mod middleware;
pub mod notifications;
pub mod password_reset;
pub mod profile;
pub mod rest;
pub mod security;
pub mod serve;
pub mod sessions;
pub mod sign_in;
pub mod state;

/// Seconds since the Unix epoch: every stored timestamp is UTC in this unit.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A random, URL-safe identifier with `bytes` bytes of entropy.
pub fn random_id(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// An id that sorts by creation time (nanoseconds, then randomness), so events recorded within
/// the same second still list in the order they happened.
pub fn ordered_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:020}-{}", random_id(6))
}
