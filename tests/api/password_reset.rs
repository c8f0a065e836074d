//! "Forgot password?": the same answer for every address, a single-use 30-minute link only to a
//! verified address, every session ended and a notice when the password is set, a code still
//! needed with two-factor sign-in on, throttled per IP address and per address.

use crate::common::*;
use crate::mfa::{enrolled, first_step};
use crate::on_both_databases;
use profile_center::error::AppError;
use reqwest::header;

const LINK: &str = "/reset-password";
const NEW_PASSWORD: &str = "another long and unusual passphrase";

async fn request(app: &TestApp, email: &str) -> reqwest::Response {
    app.call(
        &app.browser(),
        "request_password_reset",
        &[("email", email)],
    )
    .await
}

async fn reset(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.call(&app.browser(), "reset_password", fields).await
}

/// Waits for the `n`-th reset link mailed to `to`; returns its token.
async fn nth_link(app: &TestApp, to: &str, n: usize) -> String {
    let needle = format!("{LINK}?token=");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.mail_count(to, &needle) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "reset link {n} to {to} did not arrive"
        );
        app.work().await;
    }
    token_in(&app.mails(to, &needle)[n - 1], LINK)
}

async fn signs_in_with(app: &TestApp, email: &str, password: &str) -> bool {
    app.sign_in(email, password).await.1.status() == 200
}

on_both_databases! {
    async fn the_answer_is_the_same_for_every_address_and_only_a_verified_one_gets_a_link(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        // A verified further address gets the link itself; an unverified one gets nothing.
        app.call(&ada, "add_email", &[("email", "ada.work@example.com")]).await;
        let verify = app.link_token("ada.work@example.com", "/verify-email").await;
        assert_eq!(app.call(&ada, "verify_email", &[("token", &verify)]).await.status(), 200);
        app.call(&ada, "add_email", &[("email", "ada.old@example.com")]).await;
        // An account that never finished signing up.
        assert_eq!(app.sign_up(&app.browser(), "newcomer@example.com").await.status(), 200);

        let mut answers = Vec::new();
        for email in ["nobody@example.com", "newcomer@example.com", "ada.old@example.com", "ADA.work@example.com ", "ada@example.com"] {
            let res = request(&app, email).await;
            assert_eq!(res.status(), 200, "{email}");
            answers.push(res.text().await.unwrap());
        }
        assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
        assert!(answers[0].contains("/forgot-password?sent=1"));

        nth_link(&app, "ada.work@example.com", 1).await;
        let token = nth_link(&app, "ada@example.com", 1).await;
        let needle = format!("{LINK}?token=");
        for nobody in ["nobody@example.com", "newcomer@example.com", "ada.old@example.com"] {
            assert_eq!(app.mail_count(nobody, &needle), 0, "{nobody}");
        }
        assert!(!app.database_contents().contains(&token), "only the hash is stored");
        assert!(!app.logs().contains(&token), "the token is not logged");
        let log = app.call(&ada, "get_security_log", &[("page", "1")]).await.text().await.unwrap();
        assert!(log.contains("password_reset_requested"), "{log}");

        // Malformed input is a field error, not a silent success.
        let res = request(&app, "not an address").await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("email").is_some());
    }

    async fn a_link_sets_the_password_once_ends_every_session_and_tells_the_person(app: TestApp) {
        let first = app.signed_in("ada@example.com").await;
        let (second, res) = app.sign_in("ada@example.com", PASSWORD).await;
        assert_eq!(res.status(), 200);
        assert_eq!(request(&app, "ada@example.com").await.status(), 200);
        let token = nth_link(&app, "ada@example.com", 1).await;

        // Opening the link shows the form and changes nothing.
        let page = app.page(&app.browser(), &format!("{LINK}?token={token}")).await;
        assert!(page.contains("Set new password"), "{page}");
        assert!(!page.contains("name=\"code\""), "no code without two-factor sign-in");
        let link: serde_json::Value = app.call(&app.browser(), "get_password_reset", &[("token", &token)]).await.json().await.unwrap();
        assert_eq!(link["needs_code"], false);

        // Bad input: field errors, nothing changed, the link still works.
        let res = reset(&app, &[("token", &token), ("new_password", NEW_PASSWORD), ("confirm_password", "something else")]).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("confirm_password").is_some());
        let res = reset(&app, &[("token", &token), ("new_password", "password"), ("confirm_password", "password")]).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("new_password").is_some());
        assert_eq!(app.call(&first, "get_profile_page", &[]).await.status(), 200);

        let res = reset(&app, &[("token", &token), ("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)]).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        assert_eq!(res.json::<String>().await.unwrap(), "/signin?reset=1");
        for browser in [&first, &second] {
            assert_eq!(app.call(browser, "get_profile_page", &[]).await.status(), 401, "every session ended");
        }
        assert_eq!(app.count("select count(*) from sessions where end_reason = 'password_reset'", &[]).await, 2);
        assert!(!signs_in_with(&app, "ada@example.com", PASSWORD).await, "the old password is gone");
        assert!(signs_in_with(&app, "ada@example.com", NEW_PASSWORD).await);
        app.wait_for_mail("ada@example.com", "Your Profile Center password was reset").await;

        // Once only.
        let again = reset(&app, &[("token", &token), ("new_password", PASSWORD), ("confirm_password", PASSWORD)]).await;
        assert_eq!(again.status(), 409);
        assert!(signs_in_with(&app, "ada@example.com", NEW_PASSWORD).await);
        let page = app.page(&app.browser(), &format!("{LINK}?token={token}")).await;
        assert!(page.contains("already used or has expired"), "{page}");
        assert!(page.contains("href=\"/forgot-password\""));

        let (client, _) = app.sign_in("ada@example.com", NEW_PASSWORD).await;
        let log = app.call(&client, "get_security_log", &[("page", "1")]).await.text().await.unwrap();
        assert!(log.contains("\"password_reset\""), "{log}");
    }

    async fn an_expired_or_replaced_link_does_nothing(app: TestApp) {
        app.signed_in("ada@example.com").await;
        request(&app, "ada@example.com").await;
        let older = nth_link(&app, "ada@example.com", 1).await;
        request(&app, "ada@example.com").await;
        let newer = nth_link(&app, "ada@example.com", 2).await;
        let fields = |token: &str| vec![("token", token.to_string()), ("new_password", NEW_PASSWORD.to_string()), ("confirm_password", NEW_PASSWORD.to_string())];
        let older_fields = fields(&older);
        let as_ref: Vec<(&str, &str)> = older_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(reset(&app, &as_ref).await.status(), 409, "a newer link replaced it");
        app.execute("update password_resets set expires_at = 1", &[]).await;
        let newer_fields = fields(&newer);
        let as_ref: Vec<(&str, &str)> = newer_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = reset(&app, &as_ref).await;
        assert_eq!(res.status(), 409);
        assert!(signs_in_with(&app, "ada@example.com", PASSWORD).await, "nothing changed");
    }

    async fn with_two_factor_on_the_reset_needs_a_code_counted_with_sign_in(app: TestApp) {
        let (_, _, codes) = enrolled(&app, "ada@example.com").await;
        request(&app, "ada@example.com").await;
        let token = nth_link(&app, "ada@example.com", 1).await;
        let link: serde_json::Value = app.call(&app.browser(), "get_password_reset", &[("token", &token)]).await.json().await.unwrap();
        assert_eq!(link["needs_code"], true);
        let page = app.page(&app.browser(), &format!("{LINK}?token={token}")).await;
        assert!(page.contains("name=\"code\""), "{page}");

        let new = [("token", token.as_str()), ("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)];
        let res = reset(&app, &new).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("code").is_some(), "a code is asked for");
        let res = reset(&app, &[new[0], new[1], new[2], ("code", "000000")]).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("code").is_some());
        assert!(!signs_in_with(&app, "ada@example.com", NEW_PASSWORD).await, "nothing changed");

        // Wrong codes at sign-in and at reset share one count: the reset buys no new guesses.
        let (guesser, _) = first_step(&app, "ada@example.com").await;
        for _ in 0..4 {
            app.call(&guesser, "verify_sign_in_code", &[("code", "000000")]).await;
        }
        let res = reset(&app, &[new[0], new[1], new[2], ("code", &codes[0])]).await;
        assert_eq!(res.status(), 429, "{}", res.text().await.unwrap());
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        assert!(!signs_in_with(&app, "ada@example.com", NEW_PASSWORD).await);

        // Once the lock is over, a recovery code does it (and is spent).
        app.execute("delete from auth_throttle", &[]).await;
        let res = reset(&app, &[new[0], new[1], new[2], ("code", &codes[0])]).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        app.wait_for_mail("ada@example.com", "A recovery code was used").await;
        assert!(signs_in_with(&app, "ada@example.com", NEW_PASSWORD).await);
        let (spent, _) = app.sign_in("ada@example.com", NEW_PASSWORD).await;
        let res = app.call(&spent, "verify_sign_in_code", &[("code", &codes[0])]).await;
        assert_eq!(res.status(), 422, "the recovery code is spent");
    }

    async fn requests_are_throttled_per_address_quietly_and_per_ip_openly(app: TestApp) {
        app.signed_in("ada@example.com").await;
        app.signed_in("bob@example.com").await;
        for _ in 0..4 {
            assert_eq!(request(&app, "ada@example.com").await.status(), 200);
        }
        nth_link(&app, "ada@example.com", 3).await;
        assert_eq!(request(&app, "bob@example.com").await.status(), 200);
        nth_link(&app, "bob@example.com", 1).await;
        // Bob's link went out after Ada's fourth request: had it been mailed, it would be here.
        assert_eq!(app.mail_count("ada@example.com", &format!("{LINK}?token=")), 3, "at most 3 links an hour to one address");
        for n in 6..=10 {
            assert_eq!(request(&app, &format!("nobody{n}@example.com")).await.status(), 200);
        }
        let res = request(&app, "ada@example.com").await;
        assert_eq!(res.status(), 429, "10 requests an hour from one IP address");
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        assert!(matches!(error_of(res).await, AppError::RateLimited(_)));
    }
}
