//! Server functions, one module per tab. Each is a public POST endpoint under `/api/`:
//! it authenticates first, then validates and calls `server::…`. `server::app` gives each
//! returned `AppError` its HTTP status.

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod avatar;
pub mod contacts;
pub mod mfa;
pub mod notifications;
pub mod preferences;
pub mod profile;
pub mod security;
pub mod sessions;
