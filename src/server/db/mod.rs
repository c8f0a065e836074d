//! The database: one `AnyPool` whose backend (SQLite or Postgres) is chosen at run time from
//! `DATABASE_URL`, with the matching migrations embedded in the binary.
//!
//! Queries use `$1` placeholders and integer columns only (see `migrations/`), so every query in
//! the per-tab modules runs unchanged on both backends.

pub mod api_keys;
pub mod avatars;
pub mod contacts;
pub mod devices;
pub mod mfa;
pub mod notifications;
pub mod outbox;
pub mod preferences;
pub mod profile;
pub mod rate;
pub mod security_events;
pub mod sessions;
pub mod throttle;
pub mod users;

use crate::error::AppError;
use sqlx::{
    any::AnyPoolOptions, migrate::Migration, migrate::MigrationType, migrate::Migrator, AnyPool,
};
use std::borrow::Cow;

pub type Db = AnyPool;

/// How long a request waits for a database connection before it answers 503.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err("DATABASE_URL must start with sqlite: or postgres:".into())
        }
    }
}

/// Each backend's migrations, embedded so the binary needs no files beside it.
macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),* $(,)?) => {
        vec![$(Migration::new(
            $version,
            Cow::Borrowed($name),
            MigrationType::Simple,
            Cow::Borrowed(include_str!(concat!("../../../migrations/", $dir, "/", $name, ".sql"))),
            false,
        )),*]
    };
}

fn migrator(backend: Backend) -> Migrator {
    let migrations = match backend {
        Backend::Sqlite => {
            migrations!("sqlite": 1 "0001_foundation", 2 "0002_sessions_and_security_log", 3 "0003_outbox", 4 "0004_mfa", 5 "0005_api_keys", 6 "0006_notifications", 7 "0007_preferences", 8 "0008_email_addresses", 9 "0009_avatars", 10 "0010_hardening")
        }
        Backend::Postgres => {
            migrations!("postgres": 1 "0001_foundation", 2 "0002_sessions_and_security_log", 3 "0003_outbox", 4 "0004_mfa", 5 "0005_api_keys", 6 "0006_notifications", 7 "0007_preferences", 8 "0008_email_addresses", 9 "0009_avatars", 10 "0010_hardening")
        }
    };
    Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        // Several instances may start at once on one Postgres: the advisory lock serialises them.
        locking: true,
        no_tx: false,
    }
}

/// Opens the pool (creating the SQLite file and its folder if needed) and applies migrations.
pub async fn connect(url: &str) -> Result<(Db, Backend), String> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    let mut url = url.to_string();
    if backend == Backend::Sqlite {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or_default();
        if let Some(parent) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        if !url.contains("mode=") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
    }
    let pool = AnyPoolOptions::new()
        // SQLite has one writer at a time; a few connections serve reads while it writes.
        .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
        // Fail fast when the database is down: a request answers 503 within seconds instead of
        // waiting the default 30 s for a connection that will not come.
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    use sqlx::Executor;
                    // WAL lets readers proceed during a write; busy_timeout waits for the write
                    // lock instead of failing; SQLite leaves foreign keys off unless asked.
                    conn.execute("pragma journal_mode = wal").await?;
                    conn.execute("pragma busy_timeout = 5000").await?;
                    conn.execute("pragma foreign_keys = on").await?;
                    // Safe with WAL: a power cut may lose the last commits, never corrupt the file.
                    conn.execute("pragma synchronous = normal").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    migrator(backend)
        .run(&pool)
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok((pool, backend))
}

/// Whether an insert failed on a unique constraint (both backends report the same kind).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Whether an error means the database cannot be reached right now (down, restarting, the pool
/// exhausted), as opposed to a bug in a query: the first is a 503 to retry, the second a 500.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // Postgres: connection exceptions (08…), shutting down or restarting (57P…), the
        // database gone (3D000); SQLite: the database busy or locked past the busy timeout.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("57P")
                || code == "3D000"
                || code == "5"
                || code == "6"
                || code == "517"
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return AppError::Unavailable;
        }
        crate::server::context::internal(err)
    }
}
