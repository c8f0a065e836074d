//! Wire types and the rules that judge them, shared by server and browser.
//!
//! Nothing here is secret: no hash, token or password is ever part of a model type, so a model
//! value can always be rendered, serialised into an island's props, or returned over the API.

pub mod api_keys;
pub mod auth;
pub mod avatar;
pub mod contacts;
pub mod mfa;
pub mod notifications;
pub mod paging;
pub mod preferences;
pub mod profile;
pub mod security;
pub mod sessions;
pub mod text;
