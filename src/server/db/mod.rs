//! The database: one `AnyPool` whose backend (SQLite or Postgres) is chosen at run time from
//! `DATABASE_URL`, with the matching migrations embedded in the binary.
//!
//! Queries use `$1` placeholders and integer columns only (see `migrations/`), so every query in
//! the per-tab modules runs unchanged on both backends.

pub mod accounts;
pub mod api_keys;
pub mod avatars;
pub mod caller;
pub mod contacts;
pub mod devices;
pub mod mfa;
pub mod notifications;
pub mod outbox;
pub mod password_resets;
pub mod preferences;
pub mod profile;
pub mod rate;
pub mod security_events;
pub mod sessions;
pub mod throttle;
pub mod users;

use crate::error::AppError;
use sqlx::{any::AnyPoolOptions, migrate::Migrator, AnyPool};

pub type Db = AnyPool;

/// A pooled Postgres connection idle this long is pinged before it is used again.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

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

/// Each backend's migrations, embedded so the binary needs no files beside it: every file of
/// `migrations/<backend>/`, in the order of their numbers (no list to keep up to date). The two
/// trees say the same in each backend's type names; `tests::both_trees_say_the_same` checks.
fn migrator(backend: Backend) -> Migrator {
    let mut migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    // Several instances may start at once on one Postgres: the advisory lock serialises them.
    migrator.locking = true;
    migrator
}

/// The file a `sqlite://PATH?options` URL names.
pub fn sqlite_path(url: &str) -> &str {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or_default()
}

/// Opens the pool (creating the SQLite file and its folder if needed) and applies migrations.
pub async fn connect(url: &str) -> Result<(Db, Backend), String> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    let mut url = url.to_string();
    if backend == Backend::Sqlite {
        let path = sqlite_path(&url);
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
        // sqlx pings every connection it hands out, and again when it takes it back: three
        // round trips for one statement, each a wake-up of SQLite's worker thread or of the
        // Postgres backend, which made up a third of a signed-in page's CPU. A connection that
        // was busy a moment ago is alive; one that sat idle may have been cut (a Postgres
        // restart) and is still checked before use. SQLite's file never goes away.
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            Box::pin(async move {
                if backend == Backend::Postgres && meta.idle_for > STALE_AFTER {
                    use sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
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

/// Who may write next on SQLite: one transaction at a time, in the order they asked.
///
/// SQLite has one writer; without this, writers race for its lock and the losers sleep in its
/// busy handler (1, 2, 5, 10 … 100 ms), which put a write's p99 at 50–100 ms with 32 people
/// saving at once. Waiting here is first come, first served and wakes the next writer the
/// moment the last one is done. Taken before the connection, so waiting writers hold no pooled
/// connection that readers need. Postgres needs none of this (`None`).
pub type WriteGate = Option<std::sync::Arc<tokio::sync::Mutex<()>>>;

pub fn write_gate(backend: Backend) -> WriteGate {
    (backend == Backend::Sqlite).then(Default::default)
}

/// A user action's write transaction (`AppState::begin`): the connection, and on SQLite the
/// turn to write.
pub struct Tx {
    // Declared first so it drops first: a transaction dropped without commit queues its
    // rollback before the next writer is let in.
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    backend: Backend,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Makes this transaction the only one changing the person's own settings (profile,
    /// preferences, subscriptions) until it ends, so that what it reads is still what it
    /// overwrites: a PATCH without If-Match reads, merges and writes with no other save in
    /// between. SQLite already runs one writing transaction at a time (`BEGIN IMMEDIATE`);
    /// on Postgres it is a row lock on the person, `no key` so that other transactions can
    /// still insert rows that refer to the person (sessions, events).
    pub async fn lock_person(&mut self, user_id: &str) -> Result<(), AppError> {
        if self.backend == Backend::Postgres {
            sqlx::query("select id from users where id = $1 for no key update")
                .bind(user_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// A transaction for a user action that writes. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a transaction that reads first and upgrades later can fail with
/// "database is locked" when another writer got in between, whatever the busy timeout.
pub async fn begin(
    db: &Db,
    backend: Backend,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
) -> Result<Tx, AppError> {
    let tx = match backend {
        Backend::Sqlite => db.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.begin().await?,
    };
    Ok(Tx {
        tx,
        _turn: turn,
        backend,
    })
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

#[cfg(test)]
mod tests {
    /// The SQLite and Postgres trees hold the same migrations, statement for statement, apart
    /// from the type names (`integer`/`blob` there are `bigint`/`bytea` here) and comments.
    #[test]
    fn both_trees_say_the_same() {
        let dir = |backend: &str| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend)
        };
        let names = |backend: &str| {
            let mut names: Vec<String> = std::fs::read_dir(dir(backend))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            names("sqlite"),
            names("postgres"),
            "the same files in both trees"
        );
        for name in names("sqlite") {
            // Statements only (comments may explain a backend's choice), type names mapped.
            let read = |backend: &str| {
                std::fs::read_to_string(dir(backend).join(&name))
                    .unwrap()
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let sqlite = read("sqlite")
                .replace(" integer", " bigint")
                .replace(" blob", " bytea");
            assert_eq!(
                sqlite,
                read("postgres"),
                "{name} differs beyond its type names"
            );
        }
    }
}
