//! One transaction per action. Each test makes the action's last write fail (a trigger on the
//! table it writes last, like a connection dropped just before commit) and shows that nothing of
//! the action is left: no new password without its notice, no key without its log entry, no
//! log entry without its change. Then it lets the write through and shows the same action does
//! change all of it, so the first half could have failed.

use crate::common::*;
use crate::mfa::enrolled;
use crate::on_both_databases;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

/// How many security events of `kind` the log holds.
async fn events(app: &TestApp, kind: &str) -> i64 {
    app.count(
        "select count(*) from security_events where kind = $1",
        &[kind],
    )
    .await
}

fn id_of(key: &str) -> &str {
    key.trim_start_matches("pc_").split_once('.').unwrap().0
}

async fn sudo(app: &TestApp, client: &Client) {
    let res = app
        .call(client, "confirm_password", &[("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 200);
}

async fn other_session(app: &TestApp, laptop: &Client) -> String {
    let page: Value = app
        .call(laptop, "list_sessions", &[])
        .await
        .json()
        .await
        .unwrap();
    let other = page["active"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap();
    other["id"].as_str().unwrap().to_string()
}

async fn alive(app: &TestApp, client: &Client) -> bool {
    app.call(client, "get_profile_page", &[]).await.status() == StatusCode::OK
}

on_both_databases! {
    async fn sign_up_and_its_link_are_written_together(app: TestApp) {
        let count = "select count(*) from users where email = $1";
        app.break_inserts_into("outbox").await;
        assert_eq!(app.sign_up(&app.browser(), "grace@example.com").await.status(), 500);
        assert_eq!(app.count(count, &["grace@example.com"]).await, 0, "no account without its link");
        app.mend_inserts_into("outbox").await;
        assert_eq!(app.sign_up(&app.browser(), "grace@example.com").await.status(), 200);
        assert_eq!(app.count(count, &["grace@example.com"]).await, 1);

        // Finishing it: verified, logged and signed in together, and the link stays usable.
        let token = app.link_token("grace@example.com", "/signup/verify").await;
        let finish = [("token", token.as_str()), ("password", PASSWORD)];
        let verified = "select count(*) from users where email = $1 and email_verified_at is not null";
        app.break_inserts_into("sessions").await;
        assert_eq!(app.call(&app.browser(), "finish_sign_up", &finish).await.status(), 500);
        assert_eq!(app.count(verified, &["grace@example.com"]).await, 0);
        assert_eq!(events(&app, "account_created").await, 0);
        app.mend_inserts_into("sessions").await;
        let grace = app.browser();
        assert_eq!(app.call(&grace, "finish_sign_up", &finish).await.status(), 200, "the link was not used up");
        assert_eq!((app.count(verified, &["grace@example.com"]).await, events(&app, "account_created").await), (1, 1));
        assert!(alive(&app, &grace).await);
    }

    async fn a_password_reset_is_all_or_nothing(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let ask = app.call(&app.browser(), "request_password_reset", &[("email", "ada@example.com")]).await;
        assert_eq!(ask.status(), 200);
        let token = app.link_token("ada@example.com", "/reset-password").await;
        let new = "another long and unusual passphrase";
        let fields = [("token", token.as_str()), ("new_password", new), ("confirm_password", new)];
        // The notice's e-mail is written last.
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&app.browser(), "reset_password", &fields).await.status(), 500);
        assert!(alive(&app, &laptop).await, "no session ended");
        assert_eq!(events(&app, "password_reset").await, 0);
        assert_eq!(app.sign_in("ada@example.com", new).await.1.status(), 401, "the old password stays");
        app.mend_inserts_into("outbox").await;
        assert_eq!(app.call(&app.browser(), "reset_password", &fields).await.status(), 200, "the link was not used up");
        assert!(!alive(&app, &laptop).await);
        assert_eq!(events(&app, "password_reset").await, 1);
        assert_eq!(app.sign_in("ada@example.com", new).await.1.status(), 200);
    }

    async fn a_password_change_is_all_or_nothing(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let (phone, _) = app.sign_in("ada@example.com", PASSWORD).await;
        let change = [("current_password", PASSWORD), ("new_password", "a brand new passphrase"), ("confirm_password", "a brand new passphrase")];
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&laptop, "change_password", &change).await.status(), 500);
        app.mend_inserts_into("outbox").await;
        assert!(alive(&app, &laptop).await && alive(&app, &phone).await, "no session ended, no token rotated");
        assert_eq!(events(&app, "password_changed").await, 0);
        assert_eq!(app.sign_in("ada@example.com", PASSWORD).await.1.status(), 200, "the old password still works");

        assert_eq!(app.call(&laptop, "change_password", &change).await.status(), 200);
        assert!(!alive(&app, &phone).await);
        assert_eq!(events(&app, "password_changed").await, 1);
        assert_eq!(app.sign_in("ada@example.com", PASSWORD).await.1.status(), 401);
    }

    async fn each_api_key_change_is_all_or_nothing(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "deploy", &["profile:read"], "30").await;
        let keys = "select count(*) from api_keys";
        let create = [("name", "second"), ("expires_in", "30"), ("scopes[]", "profile:read")];
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&browser, "create_api_key", &create).await.status(), 500);
        app.mend_inserts_into("outbox").await;
        assert_eq!((app.count(keys, &[]).await, events(&app, "api_key_created").await), (1, 1), "no key without its notice");

        let id = id_of(&key);
        let rename = [("id", id), ("name", "renamed"), ("scopes[]", "profile:read")];
        let works = |app: &TestApp| app.api(Method::GET, "/api/v1/me", &key).send();
        app.break_inserts_into("security_events").await;
        for (function, fields) in [("update_api_key", &rename[..]), ("revoke_api_key", &[("id", id)]), ("delete_api_key", &[("id", id)])] {
            assert_eq!(app.call(&browser, function, fields).await.status(), 500, "{function}");
        }
        app.mend_inserts_into("security_events").await;
        assert_eq!(app.count("select count(*) from api_keys where name = 'deploy' and revoked_at is null", &[]).await, 1, "not renamed, revoked or deleted");
        assert_eq!(works(&app).await.unwrap().status(), 200);

        assert_eq!(app.call(&browser, "update_api_key", &rename).await.status(), 200);
        assert_eq!(app.call(&browser, "revoke_api_key", &[("id", id)]).await.status(), 200);
        assert_eq!(works(&app).await.unwrap().status(), 401);
        assert_eq!(app.call(&browser, "delete_api_key", &[("id", id)]).await.status(), 200);
        assert_eq!(app.count(keys, &[]).await, 0);
        for kind in ["api_key_changed", "api_key_revoked", "api_key_deleted"] {
            assert_eq!(events(&app, kind).await, 1, "{kind}");
        }
    }

    async fn each_address_change_is_all_or_nothing(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        sudo(&app, &browser).await;
        let addresses = "select count(*) from email_addresses";
        let add = [("email", "ada.work@example.com")];
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&browser, "add_email", &add).await.status(), 500);
        app.mend_inserts_into("outbox").await;
        assert_eq!((app.count(addresses, &[]).await, events(&app, "email_added").await), (0, 0), "no address without its link");
        assert_eq!(app.call(&browser, "add_email", &add).await.status(), 200);

        let token = app.link_token("ada.work@example.com", "/verify-email").await;
        let verified = "select count(*) from email_addresses where verified_at is not null";
        app.break_inserts_into("security_events").await;
        assert_eq!(app.call(&browser, "verify_email", &[("token", &token)]).await.status(), 500);
        app.mend_inserts_into("security_events").await;
        assert_eq!(app.count(verified, &[]).await, 0);
        assert_eq!(app.call(&browser, "verify_email", &[("token", &token)]).await.status(), 200, "the link was not used up");
        assert_eq!(app.count(verified, &[]).await, 1);

        let list: Value = app.call(&browser, "list_emails", &[]).await.json().await.unwrap();
        let id = list["others"][0]["id"].as_str().unwrap().to_string();
        let primary = "select count(*) from users where email = $1";
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&browser, "make_email_primary", &[("id", &id)]).await.status(), 500);
        app.mend_inserts_into("outbox").await;
        assert_eq!(app.count(primary, &["ada@example.com"]).await, 1, "the primary is unchanged");
        assert_eq!(events(&app, "primary_email_changed").await, 0);
        assert_eq!(app.call(&browser, "make_email_primary", &[("id", &id)]).await.status(), 200);
        assert_eq!(app.count(primary, &["ada.work@example.com"]).await, 1);

        let list: Value = app.call(&browser, "list_emails", &[]).await.json().await.unwrap();
        let old = list["others"][0]["id"].as_str().unwrap().to_string();
        app.break_inserts_into("security_events").await;
        assert_eq!(app.call(&browser, "remove_email", &[("id", &old)]).await.status(), 500);
        app.mend_inserts_into("security_events").await;
        assert_eq!(app.count(addresses, &[]).await, 1, "still listed");
        assert_eq!(app.call(&browser, "remove_email", &[("id", &old)]).await.status(), 200);
        assert_eq!((app.count(addresses, &[]).await, events(&app, "email_removed").await), (0, 1));
    }

    async fn two_factor_changes_are_all_or_nothing(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        sudo(&app, &client).await;
        assert_eq!(app.call(&client, "start_mfa_enrolment", &[]).await.status(), 200);
        let status: Value = app.call(&client, "get_mfa_status", &[]).await.json().await.unwrap();
        let key = status["enrolment"]["manual_key"].as_str().unwrap().to_string();
        let code = crate::mfa::Authenticator { key, at: unix_now() }.code(0);
        let on = "select count(*) from mfa_totp where enabled_at is not null";
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&client, "confirm_mfa_enrolment", &[("code", &code)]).await.status(), 500);
        app.mend_inserts_into("outbox").await;
        assert_eq!(app.count(on, &[]).await, 0);
        assert_eq!(app.count("select count(*) from recovery_codes", &[]).await, 0, "no codes for a factor that is off");
        assert_eq!(app.call(&client, "confirm_mfa_enrolment", &[("code", &code)]).await.status(), 200, "the code was not used up");
        assert_eq!((app.count(on, &[]).await, events(&app, "mfa_enabled").await), (1, 1));

        let (grace, authenticator, _) = enrolled(&app, "grace@example.com").await;
        let off = [("password", PASSWORD), ("code", &authenticator.code(1))];
        app.break_inserts_into("outbox").await;
        assert_eq!(app.call(&grace, "disable_mfa", &off).await.status(), 500);
        app.mend_inserts_into("outbox").await;
        assert_eq!(app.count(on, &[]).await, 2, "still on");
        assert_eq!(app.call(&grace, "disable_mfa", &off).await.status(), 200);
        assert_eq!((app.count(on, &[]).await, events(&app, "mfa_disabled").await), (1, 1));
    }

    async fn ending_sessions_is_all_or_nothing(app: TestApp) {
        let laptop = app.signed_in("ada@example.com").await;
        let (phone, _) = app.sign_in("ada@example.com", PASSWORD).await;
        sudo(&app, &laptop).await;
        let other = other_session(&app, &laptop).await;
        app.break_inserts_into("security_events").await;
        assert_eq!(app.call(&laptop, "end_session", &[("id", &other)]).await.status(), 500);
        assert_eq!(app.call(&laptop, "end_other_sessions", &[]).await.status(), 500);
        app.mend_inserts_into("security_events").await;
        assert!(alive(&app, &phone).await, "not ended without its log entry");
        assert_eq!(app.call(&laptop, "end_session", &[("id", &other)]).await.status(), 200);
        assert!(!alive(&app, &phone).await);
        assert_eq!(events(&app, "session_ended").await, 1);
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
