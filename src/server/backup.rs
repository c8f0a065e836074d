//! `profile-center backup FILE`: a consistent copy of the database, taken while the server runs.
//!
//! SQLite: `VACUUM INTO`, a transaction-consistent snapshot written to a new file, read through
//! a read-only connection (in WAL mode the server keeps reading and writing meanwhile).
//! Postgres: `pg_dump --format=custom`, one snapshot in one transaction. Restoring is described
//! in the README ("Backups") and rehearsed by the integration tests (`tests/api/backup.rs`).

use super::config::Config;
use super::db::Backend;
use std::path::Path;

/// Writes the backup to `target` (which must not exist yet); returns what was done, for the
/// operator.
pub async fn backup(config: &Config, target: &Path) -> Result<String, String> {
    if target.exists() {
        return Err(format!(
            "{} exists already; a backup never overwrites a file",
            target.display()
        ));
    }
    match Backend::from_url(&config.database_url)? {
        Backend::Sqlite => sqlite(&config.database_url, target).await,
        Backend::Postgres => postgres(&config.database_url, target).await,
    }
}

async fn sqlite(url: &str, target: &Path) -> Result<String, String> {
    use sqlx::{ConnectOptions, Connection};
    let path = super::db::sqlite_path(url);
    if !Path::new(path).exists() {
        return Err(format!("there is no database at {path}"));
    }
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| format!("cannot open {path}: {e}"))?;
    let target_name = target
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", target.display()))?;
    sqlx::query("vacuum into $1")
        .bind(target_name)
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot write the backup: {e}"))?;
    let _ = conn.close().await;
    let size = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "SQLite database {path} copied to {} ({size} bytes)",
        target.display()
    ))
}

/// The URL pg_dump is given, without its password, and the password, decoded, which goes to
/// pg_dump by environment: on the command line `ps` would show it.
fn without_password(url: &str) -> Result<(String, Option<String>), String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("DATABASE_URL: {e}"))?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

async fn postgres(url: &str, target: &Path) -> Result<String, String> {
    let (parsed, password) = without_password(url)?;
    let mut command = std::process::Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--no-owner")
        .arg(format!("--file={}", target.display()))
        .arg(format!("--dbname={parsed}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let out = command.output().map_err(|e| {
        format!(
            "cannot run pg_dump ({e}); install the PostgreSQL client tools of the server's version"
        )
    })?;
    if !out.status.success() {
        let _ = std::fs::remove_file(target);
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let size = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Postgres database dumped to {} ({size} bytes, pg_dump custom format; restore with pg_restore)",
        target.display()
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_leaves_the_url_decoded() {
        let (url, password) =
            super::without_password("postgres://pc:a+b%40c%2Fd@db.example.com:5432/pc").unwrap();
        assert_eq!(url, "postgres://pc@db.example.com:5432/pc");
        assert_eq!(password.as_deref(), Some("a+b@c/d"));
        let (url, password) = super::without_password("postgres://pc@db/pc").unwrap();
        assert_eq!((url.as_str(), password), ("postgres://pc@db/pc", None));
    }
}
