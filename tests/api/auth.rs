//! Sign-up, sign-in, sign-out, sessions, throttling and the origin check.

use crate::common::*;
use crate::on_both_databases;
use profile_center::error::AppError;
use reqwest::header;

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pc_session="))
        .map(str::to_string)
}

fn token_of(cookie: &str) -> String {
    cookie
        .trim_start_matches("pc_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

on_both_databases! {
    async fn finishing_a_sign_up_starts_a_session_with_a_safe_cookie(app: TestApp) {
        let client = app.browser();
        let signup = app.sign_up(&client, "ada@example.com").await;
        assert_eq!(signup.status(), 200);
        assert!(session_cookie(&signup).is_none(), "the address is not proven yet: no session");
        assert_eq!(app.call(&client, "get_profile_page", &[]).await.status(), 401);
        let token = app.link_token("ada@example.com", "/signup/verify").await;
        let res = app.call(&client, "finish_sign_up", &[("token", &token), ("password", PASSWORD)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get_all(header::SET_COOKIE).iter().count(), 2, "session and device cookies");
        let cookie = session_cookie(&res).expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(!cookie.contains("Secure"), "development mode serves plain HTTP");
        assert!(token_of(&cookie).len() >= 43, "the token carries at least 256 bits");
        let profile = app.call(&client, "get_profile_page", &[]).await;
        assert_eq!(profile.status(), 200);
    }

    async fn signing_up_again_with_a_taken_address_creates_nothing_and_tells_its_owner(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let fields = [("email", " ADA@example.com "), ("password", "another long passphrase"), ("first_name", "Eve"), ("last_name", "X")];
        let res = app.call(&app.browser(), "sign_up", &fields).await;
        assert_eq!(res.status(), 200);
        assert!(session_cookie(&res).is_none());
        app.wait_for_mail("ada@example.com", "Someone tried to use your e-mail address").await;
        let (_, res) = app.sign_in("ada@example.com", "another long passphrase").await;
        assert_eq!(res.status(), 401, "the second sign-up made no account and changed no password");
        assert_eq!(app.sign_in("ada@example.com", PASSWORD).await.1.status(), 200);
    }

    async fn a_weak_password_or_bad_email_is_refused_with_field_errors(app: TestApp) {
        let fields = [("email", "not-an-email"), ("password", "password1"), ("first_name", ""), ("last_name", "L")];
        let res = app.call(&app.browser(), "sign_up", &fields).await;
        assert_eq!(res.status(), 422);
        let err = error_of(res).await;
        let fields = err.field_errors().unwrap();
        assert!(fields.get("email").is_some() && fields.get("password").is_some() && fields.get("first_name").is_some());
        assert!(fields.get("last_name").is_none());
    }

    async fn an_unknown_email_and_a_wrong_password_get_the_same_answer(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let wrong_password = app.call(&app.browser(), "sign_in", &[("email", "ada@example.com"), ("password", "not the password")]).await;
        let unknown_email = app.call(&app.browser(), "sign_in", &[("email", "nobody@example.com"), ("password", "not the password")]).await;
        assert_eq!(wrong_password.status(), 401);
        assert_eq!(unknown_email.status(), 401);
        assert!(session_cookie(&wrong_password).is_none());
        let (a, b) = (wrong_password.text().await.unwrap(), unknown_email.text().await.unwrap());
        assert_eq!(a, b);
        assert_eq!(serde_json::from_str::<AppError>(&a).unwrap(), AppError::InvalidCredentials);
    }

    async fn signing_in_issues_a_new_token_each_time(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let client = app.browser();
        let fields = [("email", "Ada@Example.com"), ("password", PASSWORD)];
        let first = app.call(&client, "sign_in", &fields).await;
        assert_eq!(first.status(), 200);
        let a = session_cookie(&first);
        assert_eq!(first.json::<String>().await.unwrap(), "/settings/profile");
        let second = app.call(&client, "sign_in", &fields).await;
        let b = session_cookie(&second);
        assert!(a.is_some() && b.is_some());
        assert_ne!(token_of(&a.unwrap()), token_of(&b.unwrap()));
    }

    async fn signing_out_ends_the_session_in_the_database(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        // Keep a copy of the cookie, as an attacker who stole it would.
        let stolen = app.browser();
        let res = app.call(&client, "get_current_user", &[]).await;
        assert!(res.json::<Option<serde_json::Value>>().await.unwrap().is_some());
        let signin = app.call(&stolen, "sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
        let cookie = session_cookie(&signin).unwrap();
        let token = token_of(&cookie);

        let out = stolen.post(app.url("/signout")).send().await.unwrap();
        assert_eq!(out.status(), 303);
        assert_eq!(out.headers()[header::LOCATION], "/signin?signed_out=1");
        assert!(session_cookie(&out).unwrap().contains("Max-Age=0"));
        let page = app.page(&app.browser(), "/signin?signed_out=1").await;
        assert!(page.contains("You have signed out."), "{page}");
        let page = app.page(&app.browser(), "/signin").await;
        assert!(!page.contains("You have signed out.") && !page.contains("Sign in to continue"));
        let page = app.page(&app.browser(), "/signin?next=%2Fsettings%2Fsessions").await;
        assert!(page.contains("Sign in to continue"), "{page}");

        let replay = reqwest::Client::new()
            .post(app.url("/api/get_profile_page"))
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, format!("pc_session={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 401, "a signed-out token must not work again");
        // The other browser's session is untouched.
        assert_eq!(app.call(&client, "get_profile_page", &[]).await.status(), 200);
    }

    async fn server_functions_refuse_calls_without_a_session(app: TestApp) {
        let client = app.browser();
        let full = [("first_name", "X"), ("last_name", "Y"), ("job_function", ""), ("phone", ""), ("default_dashboard", "billing"), ("version", "1")];
        for function in ["get_profile_page", "update_profile"] {
            let res = app.call(&client, function, &full).await;
            assert_eq!(res.status(), 401, "{function}");
            assert_eq!(error_of(res).await, AppError::Unauthenticated);
        }
        // Arguments that do not decode are the caller's mistake, not ours.
        let partial = app.call(&client, "update_profile", &[("first_name", "X")]).await;
        assert_eq!(partial.status(), 400);
        assert_eq!(error_of(partial).await, AppError::BadRequest);
        let forged = reqwest::Client::new()
            .post(app.url("/api/get_profile_page"))
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, "pc_session=forged-token-value")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401);
    }

    async fn settings_pages_send_strangers_to_sign_in_and_back(app: TestApp) {
        let res = app.browser().get(app.url("/settings/profile")).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()[header::LOCATION], "/signin?next=%2Fsettings%2Fprofile");

        app.signed_in("ada@example.com").await;
        let fields = [("email", "ada@example.com"), ("password", PASSWORD), ("next", "/settings/profile?x=1")];
        let res = app.call(&app.browser(), "sign_in", &fields).await;
        assert_eq!(res.json::<String>().await.unwrap(), "/settings/profile?x=1");
        let evil = [("email", "ada@example.com"), ("password", PASSWORD), ("next", "//evil.example/settings")];
        let res = app.call(&app.browser(), "sign_in", &evil).await;
        assert_eq!(res.json::<String>().await.unwrap(), "/settings/profile", "no open redirect");
    }

    async fn a_form_post_without_javascript_redirects_to_the_next_page(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let client = app.browser();
        let referer = app.url("/signin?next=%2Fsettings%2Fprofile");
        let form = |password: &'static str| {
            client
                .post(app.url("/api/sign_in"))
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, &referer)
                .form(&[("email", "ada@example.com"), ("password", password), ("next", "/settings/profile")])
        };
        let failed = form("wrong password!").send().await.unwrap();
        assert_eq!(failed.status(), 302);
        let location = failed.headers()[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.contains("__err=") && location.contains("next=%2Fsettings%2Fprofile"), "{location}");
        assert!(!location.contains("wrong"), "the password never appears in the URL");

        let ok = form(PASSWORD).send().await.unwrap();
        assert_eq!(ok.status(), 302);
        assert_eq!(ok.headers()[header::LOCATION], "/settings/profile");
        assert!(session_cookie(&ok).is_some());
        let page = client.get(app.url("/settings/profile")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Ada Lovelace") && html.contains(r#"aria-current="page""#));
    }

    async fn repeated_failures_are_throttled_per_account(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let client = app.browser();
        for _ in 0..5 {
            let res = app.call(&client, "sign_in", &[("email", "ada@example.com"), ("password", "wrong password")]).await;
            assert_eq!(res.status(), 401);
        }
        // Locked now: even the right password is refused, with how long to wait.
        let res = app.call(&client, "sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
        assert_eq!(res.status(), 429);
        let retry_after: u64 = res.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry_after));
        let err = error_of(res).await;
        assert!(matches!(err, AppError::RateLimited(_)));
        assert!(err.to_string().starts_with("Too many attempts. Try again in "));
        // A different account from the same address is not locked (the IP limit is higher).
        app.signed_in("grace@example.com").await;
        let other = app.call(&app.browser(), "sign_in", &[("email", "grace@example.com"), ("password", PASSWORD)]).await;
        assert_eq!(other.status(), 200);
    }

    async fn a_post_from_another_origin_is_refused(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let cross = client
            .post(app.url("/api/update_profile"))
            .header(header::ORIGIN, "http://evil.example")
            .form(&[("first_name", "Mallory")])
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), 403);
        let fetch_meta = client
            .post(app.url("/signout"))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(fetch_meta.status(), 403);
        // Still signed in, nothing changed.
        let page = app.call(&client, "get_profile_page", &[]).await.json::<serde_json::Value>().await.unwrap();
        assert_eq!(page["profile"]["first_name"], "Ada");
    }

    async fn no_token_or_password_is_stored_or_logged_in_plaintext(app: TestApp) {
        let client = app.browser();
        let res = app.sign_up_and_verify(&client, "ada@example.com").await;
        let token = token_of(&session_cookie(&res).unwrap());
        let logs = app.logs();
        assert!(!logs.contains(&token) && !logs.contains(PASSWORD));
        let stored = app.database_contents();
        assert!(stored.contains("ada@example.com"), "the dump must hold the data to be meaningful");
        assert!(!stored.contains(&token) && !stored.contains(PASSWORD));
    }
}
