//! Health checks and what every response carries.

use crate::common::*;
use crate::on_both_databases;
use reqwest::header;
use std::process::Command;

on_both_databases! {
    async fn health_and_readiness_answer_when_the_database_does(app: TestApp) {
        let client = app.browser();
        assert_eq!(client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        let ready = client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
    }

    async fn pages_carry_security_headers_and_unknown_pages_are_404(app: TestApp) {
        let res = app.browser().get(app.url("/signin")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"<label for="field-email">Email</label>"#));
        assert!(html.contains(r#"<label for="field-password">Password</label>"#));
        let missing = app.browser().get(app.url("/no/such/page")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        assert!(missing.text().await.unwrap().contains("Page not found"));
        // Under /settings/ too: a real page, with the header and tabs, not an empty 404.
        let client = app.signed_in("ada@example.com").await;
        let missing = client.get(app.url("/settings/nope")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let html = missing.text().await.unwrap();
        assert!(html.contains("Page not found") && html.contains(r#"href="/settings/sessions""#), "{html}");
    }
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_gone_but_health_stays_up() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let client = app.browser();
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(app.drop_postgres_database());
    // Static files do not touch the database, even for a browser with a session cookie.
    let favicon = client
        .get(app.url("/favicon.svg"))
        .header("cookie", "pc_session=some-token")
        .send()
        .await
        .unwrap();
    assert_ne!(favicon.status(), 503);
    assert_eq!(
        client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn production_mode_refuses_to_start_without_a_secret_key() {
    let dir = std::env::temp_dir().join(format!("pc-prod-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_profile-center"))
        .env_clear()
        .env("APP_ENV", "production")
        .env("DATA_DIR", &dir)
        .env("DATABASE_URL", format!("sqlite://{}/app.db", dir.display()))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("SECRET_KEY is required"), "{text}");
    assert!(
        !dir.join("secret.key").exists(),
        "production never generates a key"
    );
}

#[tokio::test]
async fn a_development_key_is_generated_once_and_kept_private() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = app.dir.join("secret.key");
    let contents = std::fs::read_to_string(&key).unwrap();
    assert_eq!(contents.len(), 64);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// Cookie attributes do not depend on the database, so this runs on SQLite only.
#[tokio::test]
async fn production_cookies_are_secure_and_host_prefixed() {
    let key = "ab".repeat(32);
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("APP_ENV", "production"),
            ("SECRET_KEY", key.as_str()),
            ("PUBLIC_ORIGIN", "https://profile.example.com"),
        ],
    )
    .await;
    let res = app
        .sign_up_and_verify(&app.browser(), "ada@example.com")
        .await;
    assert_eq!(res.status(), 200);
    let cookies: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    let cookie = cookies
        .iter()
        .find(|c| c.contains("pc_session"))
        .unwrap()
        .clone();
    let device = cookies.iter().find(|c| c.contains("pc_device")).unwrap();
    assert!(
        device.starts_with("__Host-pc_device=") && device.contains("; Secure"),
        "{device}"
    );
    assert!(cookie.starts_with("__Host-pc_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/")
    );
}

/// Operators ask the binary itself what it is and what it reads.
#[test]
fn the_binary_tells_its_version_and_its_variables() {
    let run = |arg: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_profile-center"))
            .arg(arg)
            .output()
            .unwrap()
    };
    let version = run("--version");
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("profile-center {}", env!("CARGO_PKG_VERSION"))
    );
    let help = run("--help");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for name in [
        "DATABASE_URL",
        "SECRET_KEY",
        "REAUTH_WINDOW_SECS",
        "SMTP_URL",
    ] {
        assert!(text.contains(name), "{text}");
    }
    let wrong = run("--frobnicate");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("--help"));
}
