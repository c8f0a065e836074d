//! Shared application state: cheap to clone, handed to Axum and to every server function.
//! It holds no per-user data, so any number of instances can serve one database.

use super::{
    auth::Hasher,
    config::Config,
    db::{Backend, Db},
    mail::Mailer,
};
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub backend: Backend,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    pub mailer: Mailer,
    pub leptos_options: LeptosOptions,
    /// The stylesheet's URL (with its content hash when the site was built with hashes).
    pub css_href: Arc<str>,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
