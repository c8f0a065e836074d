//! The Security tab over HTTP: password change (with its e-mail), and the security log.

use crate::common::*;
use crate::on_both_databases;
use profile_center::error::AppError;

const NEW_PASSWORD: &str = "another quite unusual passphrase";

fn change<'a>(current: &'a str, new: &'a str, confirm: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("current_password", current),
        ("new_password", new),
        ("confirm_password", confirm),
    ]
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> (reqwest::Client, u16) {
    let (client, res) = app.sign_in(email, password).await;
    (client, res.status().as_u16())
}

#[tokio::test]
async fn changing_the_password_on_sqlite_signs_out_others_and_mails_a_notice() {
    password_change_flow(TestApp::spawn_with_mail(Backend::Sqlite).await).await
}

#[tokio::test]
async fn changing_the_password_on_postgres_signs_out_others_and_mails_a_notice() {
    password_change_flow(TestApp::spawn_with_mail(Backend::Postgres).await).await
}

async fn password_change_flow(app: TestApp) {
    let laptop = app.signed_in("ada@example.com").await;
    let (phone, _) = sign_in(&app, "ada@example.com", PASSWORD).await;
    let old_cookie = app.call(&laptop, "get_current_user", &[]).await;
    assert_eq!(old_cookie.status(), 200);

    let res = app
        .call(
            &laptop,
            "change_password",
            &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    assert_eq!(
        app.call(&laptop, "get_profile_page", &[]).await.status(),
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        app.call(&phone, "get_profile_page", &[]).await.status(),
        401,
        "other sessions end"
    );
    assert_eq!(
        sign_in(&app, "ada@example.com", PASSWORD).await.1,
        401,
        "the old password is gone"
    );
    assert_eq!(sign_in(&app, "ada@example.com", NEW_PASSWORD).await.1, 200);

    let mail = app
        .wait_for_mail(
            "ada@example.com",
            "password of your Profile Center account was changed",
        )
        .await;
    assert!(mail.contains("127.0.0.1") && mail.contains("UTC"), "{mail}");
    assert!(mail.contains("text/plain") && mail.contains("text/html"));
    assert!(!mail.contains(NEW_PASSWORD) && !mail.contains(PASSWORD));
    let page = app
        .call(&laptop, "list_sessions", &[])
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(page["ended"][0]["end_reason"], "password_changed");
}

on_both_databases! {
    async fn the_session_token_is_replaced_when_the_password_changes(app: TestApp) {
        let client = app.browser();
        let res = app.sign_up_and_verify(&client, "ada@example.com").await;
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
        let old_token = cookie.trim_start_matches("pc_session=").split(';').next().unwrap().to_string();
        let res = app.call(&client, "change_password", &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
        let new_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(!new_cookie.contains(&old_token));
        let replay = reqwest::Client::new()
            .post(app.url("/api/get_profile_page"))
            .header("accept", "application/json")
            .header("cookie", format!("pc_session={old_token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 401);
    }

    async fn the_notice_says_when_in_the_persons_zone_and_formats(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let prefs = [("time_zone", "Asia/Tokyo"), ("date_format", "us"), ("time_format", "12h"), ("week_start", "monday"), ("rows_per_page", "25"), ("theme", "system"), ("language", "en")];
        assert_eq!(app.call(&client, "save_preferences", &prefs).await.status(), 200);
        let res = app.call(&client, "change_password", &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
        assert_eq!(res.status(), 200);
        let mail = app.wait_for_mail("ada@example.com", "password of your Profile Center account was changed").await;
        assert!(mail.contains(" JST") && (mail.contains(" AM JST") || mail.contains(" PM JST")), "{mail}");
        assert!(!mail.contains(" UTC"), "{mail}");
    }

    async fn a_wrong_current_password_is_refused_and_throttled(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        for _ in 0..5 {
            let res = app.call(&client, "change_password", &change("not it at all", NEW_PASSWORD, NEW_PASSWORD)).await;
            assert_eq!(res.status(), 422);
            assert!(error_of(res).await.field_errors().unwrap().get("current_password").is_some());
        }
        let res = app.call(&client, "change_password", &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
        assert_eq!(res.status(), 429, "this session's own failures throttle it");
        // Only this session: sign-in elsewhere is not locked by what happens inside a session.
        assert_eq!(sign_in(&app, "ada@example.com", PASSWORD).await.1, 200);
        assert!(app.database_contents().contains("wrong current password"), "each failure is in the security log");
    }

    async fn the_new_password_follows_the_policy_and_must_be_confirmed(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let res = app.call(&client, "change_password", &change(PASSWORD, "ada@example.com", "something else")).await;
        assert_eq!(res.status(), 422);
        let err = error_of(res).await;
        let fields = err.field_errors().unwrap();
        assert!(fields.get("new_password").is_some() && fields.get("confirm_password").is_some());
        let res = app.call(&client, "change_password", &change(PASSWORD, "Lovelace", "Lovelace")).await;
        assert!(error_of(res).await.field_errors().unwrap().get("new_password").is_some());
        assert_eq!(sign_in(&app, "ada@example.com", PASSWORD).await.1, 200, "nothing changed");
    }

    async fn the_security_log_shows_only_the_users_own_events_and_exports_csv(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let grace = app.signed_in("grace@example.com").await;
        let (_, status) = sign_in(&app, "ada@example.com", "wrong password").await;
        assert_eq!(status, 401);
        app.call(&ada, "change_password", &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;

        let log = app.call(&ada, "get_security_log", &[("page", "1")]).await.json::<serde_json::Value>().await.unwrap();
        let kinds: Vec<(&str, bool)> = log["events"].as_array().unwrap().iter().map(|e| (e["kind"].as_str().unwrap(), e["success"].as_bool().unwrap())).collect();
        assert_eq!(kinds[0], ("password_changed", true), "newest first: {kinds:?}");
        assert!(kinds.contains(&("sign_in", false)));
        let graces = app.call(&grace, "get_security_log", &[("page", "1")]).await.json::<serde_json::Value>().await.unwrap();
        assert!(graces["events"].as_array().unwrap().iter().all(|e| e["kind"] != "password_changed" && e["success"] != false));

        let csv = ada.get(app.url("/settings/security/events.csv")).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let body = csv.text().await.unwrap();
        assert!(body.starts_with("time_utc,event,outcome,ip,device,detail\r\n"));
        assert!(body.contains("Password changed,success,127.0.0.1"));
        let strangers = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = strangers.get(app.url("/settings/security/events.csv")).send().await.unwrap();
        assert_eq!(res.status(), 303, "strangers are sent to sign in");
        let unauthenticated = app.call(&app.browser(), "change_password", &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
        assert_eq!(error_of(unauthenticated).await, AppError::Unauthenticated);
    }
}

/// A failing SMTP server delays mail but never fails the request or loses the message.
#[tokio::test]
async fn mail_waits_while_smtp_is_down_and_goes_out_when_it_is_back() {
    // The binary: the test reads its own log.
    let (app, client, port) = TestApp::with_smtp_down(true).await;
    let res = app
        .call(
            &client,
            "change_password",
            &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(res.status(), 200, "the request does not wait for mail");
    let waiting = || app.logs().contains("mail not sent");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !waiting() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first attempt should have failed:\n{}",
            app.logs()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let sink = SmtpSink::start(port).await;
    sink.wait_for(
        "ada@example.com",
        "password of your Profile Center account was changed",
    )
    .await;
}

/// Without SMTP_URL (development), every message is written to DATA_DIR/mail as an .eml file.
#[tokio::test]
async fn without_smtp_mail_is_written_to_files() {
    // The binary: the test reads its own log.
    let app = TestApp::spawn_binary_with(Backend::Sqlite, &[]).await;
    let client = app.signed_in("ada@example.com").await;
    app.call(
        &client,
        "change_password",
        &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
    )
    .await;
    let dir = app.dir.join("mail");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        let notice = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .find(|raw| raw.contains("Subject: Your Profile Center password was changed"));
        if let Some(raw) = notice {
            assert!(raw.contains("To: ada@example.com"));
            // It advises a reset if this was not them, and links to where that starts.
            assert!(raw.contains("/forgot-password"), "{raw}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no .eml file in {}",
            dir.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(app.logs().contains("mail written to file"));
}
