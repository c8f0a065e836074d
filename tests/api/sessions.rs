//! The Sessions tab over HTTP: listing, sudo mode, ending one or all other sessions.

use crate::common::*;
use crate::on_both_databases;
use profile_center::error::AppError;
use serde_json::Value;

async fn sessions(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = app.call(client, "list_sessions", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The id of the first active session that is (or is not) the caller's own.
fn session_id(page: &Value, current: bool) -> String {
    page["active"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == current)
        .expect("such a session")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn sign_in(app: &TestApp, email: &str) -> reqwest::Client {
    let (client, res) = app.sign_in(email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    client
}

async fn confirm(app: &TestApp, client: &reqwest::Client) {
    let res = app
        .call(client, "confirm_password", &[("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 200);
}

on_both_databases! {
    async fn the_list_marks_this_device_and_never_shows_tokens(app: TestApp) {
        let laptop = app.browser();
        let signup = app.sign_up_and_verify(&laptop, "ada@example.com").await;
        let cookie = signup.headers()["set-cookie"].to_str().unwrap().to_string();
        let token = cookie.trim_start_matches("pc_session=").split(';').next().unwrap().to_string();
        let _phone = sign_in(&app, "ada@example.com").await;

        let res = app.call(&laptop, "list_sessions", &[]).await;
        let text = res.text().await.unwrap();
        let page: Value = serde_json::from_str(&text).unwrap();
        let active = page["active"].as_array().unwrap();
        assert_eq!(active.len(), 2);
        assert_eq!(active[0]["current"], true, "this device comes first");
        assert_eq!(active[1]["current"], false);
        assert_eq!(active[0]["ip"], "127.0.0.1");
        assert!(active[0]["expires_at"].as_i64().unwrap() > active[0]["created_at"].as_i64().unwrap());
        use sha2::Digest;
        let hash = hex::encode(sha2::Sha256::digest(token.as_bytes()));
        assert!(!text.contains(&token) && !text.contains(&hash) && !text.contains("token"));
        assert_eq!(page["reauth_until"], Value::Null, "signing in alone does not open sudo mode");
    }

    async fn ending_sessions_needs_a_fresh_password_confirmation(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let _phone = sign_in(&app, "ada@example.com").await;
        let other = session_id(&sessions(&app, &laptop).await, false);
        for (function, fields) in [("end_session", vec![("id", other.as_str())]), ("end_other_sessions", vec![])] {
            let res = app.call(&laptop, function, &fields).await;
            assert_eq!(res.status(), 403, "{function}");
            assert_eq!(error_of(res).await, AppError::ReauthRequired);
        }
        let wrong = app.call(&laptop, "confirm_password", &[("password", "not my password")]).await;
        assert_eq!(wrong.status(), 422);
        assert!(error_of(wrong).await.field_errors().unwrap().get("password").is_some());

        let res = app.call(&laptop, "confirm_password", &[("password", PASSWORD)]).await;
        let until: i64 = res.json().await.unwrap();
        let page = sessions(&app, &laptop).await;
        assert_eq!(page["reauth_until"], until);
        assert!((590..=600).contains(&(until - page["now"].as_i64().unwrap())));
        assert_eq!(app.call(&laptop, "end_session", &[("id", &other)]).await.status(), 200);
    }

    async fn a_session_ended_from_another_is_refused_at_once(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let phone = sign_in(&app, "ada@example.com").await;
        assert_eq!(app.call(&phone, "get_profile_page", &[]).await.status(), 200);
        confirm(&app, &laptop).await;
        let other = session_id(&sessions(&app, &laptop).await, false);
        let res = app.call(&laptop, "end_session", &[("id", &other)]).await;
        assert_eq!(res.json::<String>().await.unwrap(), other);

        let next = app.call(&phone, "get_profile_page", &[]).await;
        assert_eq!(next.status(), 401, "no grace period");
        let page = phone.get(app.url("/settings/profile")).send().await.unwrap();
        assert_eq!(page.status(), 303);

        let history = sessions(&app, &laptop).await;
        assert_eq!(history["active"].as_array().unwrap().len(), 1);
        let ended = &history["ended"][0];
        assert_eq!(ended["id"], other.as_str());
        assert_eq!(ended["end_reason"], "ended_by_user");
        assert!(app.database_contents().contains("session_ended"), "recorded in the security log");
    }

    async fn ending_all_others_keeps_this_session(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let phone = sign_in(&app, "ada@example.com").await;
        let tablet = sign_in(&app, "ada@example.com").await;
        confirm(&app, &laptop).await;
        // The page asks first, naming how many; only its button posts.
        let html = app.page(&laptop, "/settings/sessions").await;
        assert!(html.contains(r#"href="/settings/sessions?end=all#end-all""#), "{html}");
        assert!(!html.contains("End all 2 other sessions?"));
        let html = app.page(&laptop, "/settings/sessions?end=all").await;
        assert!(html.contains("End all 2 other sessions?") && html.contains("/api/end_other_sessions"), "{html}");
        assert_eq!(app.call(&phone, "get_profile_page", &[]).await.status(), 200, "asking ends nothing");
        let res = app.call(&laptop, "end_other_sessions", &[]).await;
        assert_eq!(res.json::<u64>().await.unwrap(), 2);
        assert_eq!(app.call(&laptop, "get_profile_page", &[]).await.status(), 200);
        assert_eq!(app.call(&phone, "get_profile_page", &[]).await.status(), 401);
        assert_eq!(app.call(&tablet, "get_profile_page", &[]).await.status(), 401);
        let page = sessions(&app, &laptop).await;
        assert_eq!(page["active"].as_array().unwrap().len(), 1);
        assert_eq!(page["ended"].as_array().unwrap().len(), 2);
        assert!(app.database_contents().contains("other_sessions_ended"));
    }

    async fn another_users_session_cannot_be_ended(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let grace = app.signed_in("grace@example.com").await;
        let graces = session_id(&sessions(&app, &grace).await, true);
        confirm(&app, &ada).await;
        let res = app.call(&ada, "end_session", &[("id", &graces)]).await;
        assert_eq!(res.status(), 404);
        assert_eq!(error_of(res).await, AppError::NotFound);
        assert_eq!(app.call(&grace, "get_profile_page", &[]).await.status(), 200);
        let unknown = app.call(&ada, "end_session", &[("id", "no-such-session")]).await;
        assert_eq!(unknown.status(), 404);
    }

    async fn the_current_session_is_ended_by_signing_out_not_from_the_list(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        confirm(&app, &laptop).await;
        let mine = session_id(&sessions(&app, &laptop).await, true);
        let res = app.call(&laptop, "end_session", &[("id", &mine)]).await;
        assert_eq!(res.status(), 409);
        assert_eq!(app.call(&laptop, "get_profile_page", &[]).await.status(), 200);
    }

    async fn signed_out_sessions_show_in_the_history_with_their_reason(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let phone = sign_in(&app, "ada@example.com").await;
        phone.post(app.url("/signout")).send().await.unwrap();
        let page = sessions(&app, &laptop).await;
        assert_eq!(page["ended"][0]["end_reason"], "signed_out");
        let html = app.page(&laptop, "/settings/sessions").await;
        assert!(html.contains("Signed out") && html.contains("This device"), "{html}");
        // The one confirmation dialog, closed until an action needs it.
        assert!(html.contains(r#"<dialog id="reauth""#) && !html.contains("<dialog id=\"reauth\" open"));
    }

    // Issue 13: the password is asked for at the button that needs it, not in a form above the
    // list. Without JavaScript the refused form comes back with the step inside it, and its
    // next post confirms and acts at once; a wrong password changes nothing.
    async fn ending_a_session_without_a_confirmation_asks_at_that_session_and_one_post_ends_it(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let _phone = sign_in(&app, "ada@example.com").await;
        let _tablet = sign_in(&app, "ada@example.com").await;
        let html = app.page(&laptop, "/settings/sessions").await;
        assert_eq!(html.matches(r#"action="/api/end_session""#).count(), 2, "each other session has its button at once");
        assert!(!html.contains(r#"id="step-password""#), "no password field up front");
        let other = session_id(&sessions(&app, &laptop).await, false);

        let back = app.post_form(&laptop, "end_session", "/settings/sessions", &[("id", &other)]).await;
        let html = app.page(&laptop, &back).await;
        let form = html
            .split(r#"action="/api/end_session""#)
            .find(|f| f.contains(&format!(r#"value="{other}""#)))
            .unwrap()
            .split("</form>")
            .next()
            .unwrap();
        assert!(form.contains(r#"name="password""#) && form.contains("Confirm it is you"), "the step sits in that session's form: {form}");
        assert_eq!(html.matches(r#"id="step-password""#).count(), 1, "only there");

        let back = app.post_form(&laptop, "end_session", &back, &[("id", &other), ("password", "not my password")]).await;
        let html = app.page(&laptop, &back).await;
        assert!(html.contains("That is not your current password."), "{back} {html}");
        assert_eq!(sessions(&app, &laptop).await["active"].as_array().unwrap().len(), 3, "nothing ended");

        let back = app.post_form(&laptop, "end_session", &back, &[("id", &other), ("password", PASSWORD)]).await;
        assert!(!back.contains("__err"), "{back}");
        let page = sessions(&app, &laptop).await;
        assert_eq!(page["active"].as_array().unwrap().len(), 2, "ended in the same post");
        assert!(page["reauth_until"].is_i64(), "and the window is open for what follows");

        // Ending all the others: the step comes inside the question, the same way.
        app.execute("update sessions set reauth_at = null", &[]).await;
        let back = app.post_form(&laptop, "end_other_sessions", "/settings/sessions?end=all", &[]).await;
        let html = app.page(&laptop, &back).await;
        let form = html.split(r#"action="/api/end_other_sessions""#).nth(1).unwrap().split("</form>").next().unwrap();
        assert!(form.contains(r#"name="password""#), "{form}");
        app.post_form(&laptop, "end_other_sessions", &back, &[("password", PASSWORD)]).await;
        assert_eq!(sessions(&app, &laptop).await["active"].as_array().unwrap().len(), 1);
    }

    async fn confirming_without_javascript_returns_to_a_clean_url(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let form = |password: &'static str, referer: String| {
            laptop
                .post(app.url("/api/confirm_password"))
                .header(reqwest::header::ACCEPT, "text/html")
                .header(reqwest::header::REFERER, referer)
                .form(&[("password", password)])
        };
        let failed = form("wrong password", app.url("/settings/sessions")).send().await.unwrap();
        let error_url = failed.headers()["location"].to_str().unwrap().to_string();
        assert!(error_url.contains("__err="), "{error_url}");
        let ok = form(PASSWORD, error_url).send().await.unwrap();
        assert_eq!(ok.status(), 302);
        assert_eq!(ok.headers()["location"], app.url("/settings/sessions").as_str());
    }
}

/// `REAUTH_WINDOW_SECS` sets how long a confirmation lasts: the page says so (its countdown
/// restarts from it) and the server refuses once it is over.
#[tokio::test]
async fn the_confirmation_lasts_as_long_as_configured() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("REAUTH_WINDOW_SECS", "2")]).await;
    let laptop = app.signed_in("short@example.com").await;
    let _phone = sign_in(&app, "short@example.com").await;
    let other = session_id(&sessions(&app, &laptop).await, false);
    let res = app
        .call(&laptop, "confirm_password", &[("password", PASSWORD)])
        .await;
    let until: i64 = res.json().await.unwrap();
    let page = sessions(&app, &laptop).await;
    assert!((1..=2).contains(&(until - page["now"].as_i64().unwrap())));
    let html = app.page(&laptop, "/settings/sessions").await;
    assert!(html.contains(r#"data-sudo-secs="2""#), "{html}");
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let res = app.call(&laptop, "end_session", &[("id", &other)]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(error_of(res).await, AppError::ReauthRequired);
}
