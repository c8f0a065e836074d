//! One module per page; the settings tabs live under `settings/`.

pub mod auth;
pub mod not_found;
pub mod settings;
pub mod verify_email;
