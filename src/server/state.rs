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

/// One pointer: pages ask for the state many times per request (every server function, the
/// shell, the header), and a clone of every field each time showed in the profile.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What a page links to from the site's `pkg` folder.
/// Shared strings, so that each page's shell takes them without copying.
pub struct SiteFiles {
    pub css: Arc<str>,
    pub js: Arc<str>,
    pub wasm: Arc<str>,
}

pub struct Shared {
    pub db: Db,
    pub backend: Backend,
    /// SQLite's writers take turns here (see `db::WriteGate`).
    pub write_gate: super::db::WriteGate,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    pub mailer: Mailer,
    pub leptos_options: LeptosOptions,
    /// The URLs of the stylesheet and the WASM (with their content hashes when the site was
    /// built with hashes).
    pub site_files: Arc<SiteFiles>,
    /// Where links in e-mails point: `PUBLIC_ORIGIN`, or in development the listen address;
    /// never a request's `Host` header, which the sender of the request chooses.
    pub origin: Arc<str>,
    /// The platform's dashboards: seeded by the migrations, so fixed while the process runs;
    /// read once, on first use, instead of on every Profile page.
    pub dashboards: tokio::sync::OnceCell<Vec<crate::model::profile::Dashboard>>,
    /// What `GET /metrics` reports (see `metrics`).
    pub metrics: super::metrics::Metrics,
}

impl AppState {
    /// A pooled connection, for reads that take several statements.
    pub async fn conn(
        &self,
    ) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, crate::error::AppError> {
        Ok(self.db.acquire().await?)
    }

    /// A transaction for one user action (see `db::begin`).
    pub async fn begin(&self) -> Result<super::db::Tx, crate::error::AppError> {
        let turn = self.write_turn().await;
        super::db::begin(&self.db, self.backend, turn).await
    }

    /// SQLite's turn to write, for a single statement that writes outside a transaction (the
    /// REST rate window, last-seen times): held while it runs, so it queues with the
    /// transactions instead of racing them (see `db::WriteGate`). `None` on Postgres.
    pub async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }

    /// The dashboards a person may choose as their home page (see `dashboards`).
    pub async fn dashboards(
        &self,
    ) -> Result<Vec<crate::model::profile::Dashboard>, crate::error::AppError> {
        self.dashboards
            .get_or_try_init(|| super::db::profile::dashboards(&self.db))
            .await
            .cloned()
    }

    /// An absolute URL on this site for a path (`/verify-email?…`), for e-mails.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
