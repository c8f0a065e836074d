//! The restore drill: a backup taken with `profile-center backup` while the server runs and
//! writes, restored the way the README says, gives back exactly what was there when it was
//! taken.

use crate::common::*;
use std::process::Command;

const RESTORE_KEY: &str = "5f0c2b7a9d1e4f3a8b6c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f0a";

fn backup(app: &TestApp, target: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_profile-center"))
        .arg("backup")
        .arg(target)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.env_var("DATABASE_URL").unwrap())
        .env("DATA_DIR", app.env_var("DATA_DIR").unwrap())
        .output()
        .expect("run profile-center backup")
}

async fn rename(app: &TestApp, key: &str, name: &str) {
    let res = app
        .api(reqwest::Method::PATCH, "/api/v1/me", key)
        .json(&serde_json::json!({ "first_name": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Writes that keep coming while the backup is taken: the backup must not stop them.
fn keep_writing(app: &TestApp, key: &str) -> tokio::task::JoinHandle<usize> {
    let (url, key) = (app.url("/api/v1/me"), key.to_string());
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut ok = 0;
        for i in 0..40 {
            let res = client
                .patch(&url)
                .bearer_auth(&key)
                .json(&serde_json::json!({ "job_function": if i % 2 == 0 { "engineering" } else { "finance" } }))
                .send()
                .await
                .unwrap();
            ok += usize::from(res.status() == 200);
        }
        ok
    })
}

/// A person with a key, named "Before", backed up to `target` while 40 saves come in (none
/// refused), then renamed "After": the restored backup must give back "Before". Returns the key.
async fn backed_up_while_writing(app: &TestApp, target: &std::path::Path) -> String {
    let client = app.signed_in("ada@example.com").await;
    let key = app
        .create_api_key(&client, "ci", &["profile:read", "profile:write"], "30")
        .await;
    rename(app, &key, "Before").await;
    let writer = keep_writing(app, &key);
    let out = backup(app, target);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        writer.await.unwrap(),
        40,
        "writes were refused during the backup"
    );
    rename(app, &key, "After").await;
    assert_eq!(app.first_name(&key).await, "After");
    key
}

#[tokio::test]
async fn a_sqlite_backup_taken_while_serving_restores_what_was_there() {
    let mut app = TestApp::spawn_binary_with(Backend::Sqlite, &[]).await;
    let target = app.dir.join("backup.db");
    let key = backed_up_while_writing(&app, &target).await;
    // A second backup to the same file is refused rather than overwriting it.
    assert!(!backup(&app, &target).status.success());

    // Restore as the README says: stop, put the file in place of the database, start.
    app.stop();
    let live = app.dir.join("app.db");
    for stale in ["app.db-wal", "app.db-shm"] {
        let _ = std::fs::remove_file(app.dir.join(stale));
    }
    std::fs::copy(&target, &live).unwrap();
    app.restart().await;
    assert_eq!(app.first_name(&key).await, "Before");
    assert_eq!(app.count("select count(*) from users", &[]).await, 1);
    let integrity = sqlite_integrity(&format!("sqlite://{}", live.display())).await;
    assert_eq!(integrity, "ok");
}

#[tokio::test]
async fn a_postgres_backup_taken_while_serving_restores_into_a_new_database() {
    // The secret key goes with the backup: it decrypts what is encrypted at rest.
    let app = TestApp::spawn_binary_with(Backend::Postgres, &[("SECRET_KEY", RESTORE_KEY)]).await;
    let target = app.dir.join("backup.dump");
    let key = backed_up_while_writing(&app, &target).await;

    // Restore into a new, empty database and start a server on it.
    let name = format!("pc_test_restored_{}", std::process::id());
    let restored_url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    psql(&format!("drop database if exists {name} with (force)")).unwrap();
    psql(&format!("create database {name}")).unwrap();
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored_url])
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = TestApp::spawn_binary_with(
        Backend::Postgres,
        &[("DATABASE_URL", &restored_url), ("SECRET_KEY", RESTORE_KEY)],
    )
    .await;
    assert_eq!(restored.first_name(&key).await, "Before");
    assert_eq!(app.first_name(&key).await, "After");
    drop(restored);
    let _ = psql(&format!("drop database if exists {name} with (force)"));
}
