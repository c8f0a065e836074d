//! API keys and the REST API over HTTP: keys work until revoked, scopes, the one 401, ETags,
//! rate limits, and that a key's secret is nowhere once it has been shown.

use crate::common::*;
use crate::on_both_databases;
use reqwest::{header, Method};
use serde_json::{json, Value};

const ME: &str = "/api/v1/me";

async fn status_of(app: &TestApp, path: &str, key: &str) -> u16 {
    app.api(Method::GET, path, key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn secret_of(key: &str) -> &str {
    key.split_once('.').unwrap().1
}

fn id_of(key: &str) -> &str {
    key.trim_start_matches("pc_").split_once('.').unwrap().0
}

on_both_databases! {
    async fn many_unconditional_patches_of_one_person_at_once_all_apply(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "sync", &["profile:read", "profile:write"], "90").await;
        let names = ["Augusta", "Grace", "Edith", "Hedy"];
        let patches: Vec<_> = (0..16)
            .map(|i| {
                let patch = app.api(Method::PATCH, ME, &key).json(&json!({ "first_name": names[i % 4] }));
                tokio::spawn(patch.send())
            })
            .collect();
        let mut statuses = Vec::new();
        for patch in patches {
            statuses.push(patch.await.unwrap().unwrap().status().as_u16());
        }
        assert_eq!(statuses, vec![200; 16]);
        let me: Value = app.api(Method::GET, ME, &key).send().await.unwrap().json().await.unwrap();
        assert!(names.contains(&me["first_name"].as_str().unwrap()));
    }

    async fn a_key_reads_the_profile_until_it_is_revoked_then_gets_401(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "laptop script", &["profile:read"], "90").await;

        let res = app.api(Method::GET, ME, &key).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()[header::ETAG].to_str().unwrap().starts_with('"'));
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["email"], "ada@example.com");
        assert_eq!(me["first_name"], "Ada");
        assert!(me["default_dashboard"].as_str().is_some_and(|d| !d.is_empty()));

        let res = app.call(&browser, "revoke_api_key", &[("id", id_of(&key))]).await;
        assert_eq!(res.status(), 200);
        let res = app.api(Method::GET, ME, &key).send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
    }

    async fn every_key_that_does_not_work_gets_the_same_401(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let revoked = app.create_api_key(&browser, "revoked", &["profile:read"], "30").await;
        app.call(&browser, "revoke_api_key", &[("id", id_of(&revoked))]).await;
        let expired = app.create_api_key(&browser, "expired", &["profile:read"], "30").await;
        app.execute("update api_keys set expires_at = 1 where id = $1", &[id_of(&expired)]).await;
        let valid = app.create_api_key(&browser, "valid", &["profile:read"], "30").await;
        let wrong_secret = format!("pc_{}.{}", id_of(&valid), "A".repeat(43));
        let unknown = format!("pc_0123456789abcdef.{}", secret_of(&valid));

        let mut bodies = Vec::new();
        for key in [revoked.as_str(), &expired, &wrong_secret, &unknown, "pc_short", "garbage"] {
            let res = app.api(Method::GET, ME, key).send().await.unwrap();
            assert_eq!(res.status(), 401, "{key}");
            bodies.push(res.text().await.unwrap());
        }
        let res = reqwest::get(app.url(ME)).await.unwrap();
        assert_eq!(res.status(), 401, "no header at all");
        bodies.push(res.text().await.unwrap());
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
        assert_eq!(status_of(&app, ME, &valid).await, 200);

        let page = app.page(&browser, "/settings/api-keys").await;
        assert!(page.contains("Expired") && page.contains("Revoked"), "both stay listed, marked");
    }

    async fn a_browser_session_cookie_does_not_open_the_api(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let res = browser.get(app.url(ME)).send().await.unwrap();
        assert_eq!(res.status(), 401);
    }

    async fn each_endpoint_needs_its_scope_and_names_the_missing_one(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "sessions only", &["sessions:read"], "90").await;

        let res = app.api(Method::GET, "/api/v1/me/sessions", &key).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let sessions: Value = res.json().await.unwrap();
        assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);
        assert!(sessions["sessions"][0]["created_at"].as_str().unwrap().ends_with('Z'));

        for (method, path, scope) in [
            (Method::GET, ME, "profile:read"),
            (Method::PATCH, ME, "profile:write"),
            (Method::GET, "/api/v1/me/api-keys", "api_keys:read"),
        ] {
            let res = app
                .api(method.clone(), path, &key)
                .json(&json!({ "first_name": "Eve" }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{method} {path}");
            let problem: Value = res.json().await.unwrap();
            assert_eq!(problem["missing_scope"], scope);
            assert!(problem["detail"].as_str().unwrap().contains(scope));
        }
        let write = app.create_api_key(&browser, "writer", &["profile:write"], "90").await;
        assert_eq!(status_of(&app, ME, &write).await, 200, "write includes read");
    }

    async fn the_secret_is_nowhere_once_shown(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "ci", &["profile:read", "api_keys:read"], "never").await;
        let secret = secret_of(&key).to_string();
        assert_eq!(status_of(&app, ME, &key).await, 200);

        let again = app.page(&browser, "/settings/api-keys").await;
        assert!(!again.contains(&secret), "shown only once");
        assert!(again.contains(&format!("pc_{}.{}", id_of(&key), &secret[..4])), "the list shows id and prefix");
        let list = app.call(&browser, "list_api_keys", &[]).await.text().await.unwrap();
        assert!(!list.contains(&secret));
        let api = app.api(Method::GET, "/api/v1/me/api-keys", &key).send().await.unwrap();
        let api: Value = api.json().await.unwrap();
        assert_eq!(api["api_keys"][0]["id"], id_of(&key));
        assert_eq!(api["api_keys"][0]["last_used_ip"], "127.0.0.1");
        assert_eq!(api["api_keys"][0]["status"], "active");
        assert!(!api.to_string().contains(&secret));
        assert!(!app.database_contents().contains(&secret), "database");
        assert!(!app.logs().contains(&secret), "logs");
        let log = app.page(&browser, "/settings/security").await;
        assert!(log.contains("API key created") && !log.contains(&secret));
    }

    async fn a_stale_if_match_gets_412_and_changes_nothing(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "sync", &["profile:write"], "90").await;
        let res = app.api(Method::GET, ME, &key).send().await.unwrap();
        let etag = res.headers()[header::ETAG].to_str().unwrap().to_string();

        let res = app.api(Method::GET, ME, &key).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
        assert_eq!(res.status(), 304);

        let res = app
            .api(Method::PATCH, ME, &key)
            .header(header::IF_MATCH, &etag)
            .json(&json!({ "first_name": "Augusta", "phone": "+44 20 7946 0018" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let new_etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(new_etag, etag);
        let me: Value = res.json().await.unwrap();
        assert_eq!((me["first_name"].as_str(), me["phone"].as_str()), (Some("Augusta"), Some("+442079460018")));

        let res = app
            .api(Method::PATCH, ME, &key)
            .header(header::IF_MATCH, &etag)
            .json(&json!({ "first_name": "Stale" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 412);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
        let me: Value = app.api(Method::GET, ME, &key).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["first_name"], "Augusta");

        let res = app.api(Method::PATCH, ME, &key).json(&json!({ "phone": null })).send().await.unwrap();
        assert_eq!(res.status(), 200, "without If-Match the change applies to the current profile");
        assert_eq!(res.json::<Value>().await.unwrap()["phone"], Value::Null);
    }

    async fn the_api_applies_the_profile_rules_and_changes_nothing_on_bad_input(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "sync", &["profile:write"], "90").await;
        let res = app
            .api(Method::PATCH, ME, &key)
            .json(&json!({ "first_name": "Augusta", "phone": "12345", "default_dashboard": "nope" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"phone") && fields.contains(&"default_dashboard"), "{fields:?}");
        let res = app.api(Method::PATCH, ME, &key).json(&json!({ "email": "x@example.com" })).send().await.unwrap();
        assert_eq!(res.status(), 422, "unknown fields are refused");
        let res = app.api(Method::PATCH, ME, &key).header(header::CONTENT_TYPE, "application/json").body("{").send().await.unwrap();
        assert_eq!(res.status(), 400);
        let res = app.api(Method::PATCH, ME, &key).body("first_name=x").send().await.unwrap();
        assert_eq!(res.status(), 415);
        let me: Value = app.api(Method::GET, ME, &key).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["first_name"], "Ada");
    }

    async fn another_users_key_cannot_be_revoked_edited_or_deleted(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&ada, "ada's", &["profile:read"], "90").await;
        let eve = app.signed_in("eve@example.com").await;
        app.call(&eve, "confirm_password", &[("password", PASSWORD)]).await;
        let id = id_of(&key);
        for (function, fields) in [
            ("revoke_api_key", vec![("id", id)]),
            ("delete_api_key", vec![("id", id)]),
            ("update_api_key", vec![("id", id), ("name", "mine"), ("scopes[]", "profile:write")]),
        ] {
            let res = app.call(&eve, function, &fields).await;
            assert_eq!(res.status(), 404, "{function}");
        }
        assert_eq!(status_of(&app, ME, &key).await, 200);
        let eve_page = app.page(&eve, "/settings/api-keys").await;
        assert!(!eve_page.contains(id));
    }

    async fn creating_and_editing_need_sudo_and_go_to_the_security_log(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let res = app
            .call(&browser, "create_api_key", &[("name", "x"), ("scopes[]", "profile:read"), ("expires_in", "90")])
            .await;
        assert_eq!(res.status(), 403, "needs a fresh password confirmation");
        let key = app.create_api_key(&browser, "x", &["profile:read"], "90").await;
        assert_eq!(status_of(&app, "/api/v1/me/sessions", &key).await, 403);

        let res = app
            .call(&browser, "update_api_key", &[("id", id_of(&key)), ("name", "renamed"), ("scopes[]", "profile:read"), ("scopes[]", "sessions:read")])
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        assert_eq!(status_of(&app, "/api/v1/me/sessions", &key).await, 200, "new scopes apply at once");

        let res = app.call(&browser, "update_api_key", &[("id", id_of(&key)), ("name", "")]).await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        let text = err.to_string();
        assert!(text.contains("name") && text.contains("scopes"), "{text}");

        let log = app.page(&browser, "/settings/security").await;
        assert!(log.contains("API key created") && log.contains("API key changed"));
        app.call(&browser, "revoke_api_key", &[("id", id_of(&key))]).await;
        let res = app.call(&browser, "update_api_key", &[("id", id_of(&key)), ("name", "again"), ("scopes[]", "profile:read")]).await;
        assert_eq!(res.status(), 409, "revoked keys cannot be changed");
        let res = app.call(&browser, "delete_api_key", &[("id", id_of(&key))]).await;
        assert_eq!(res.status(), 200);
        let log = app.page(&browser, "/settings/security").await;
        assert!(log.contains("API key revoked") && log.contains("API key deleted"));
        assert!(!app.page(&browser, "/settings/api-keys").await.contains(id_of(&key)));
    }

    async fn bad_names_scopes_and_expiries_are_refused_with_field_errors(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        app.call(&browser, "confirm_password", &[("password", PASSWORD)]).await;
        let res = app
            .call(&browser, "create_api_key", &[("name", " "), ("scopes[]", "admin:everything"), ("expires_in", "7")])
            .await;
        assert_eq!(res.status(), 422);
        let text = res.text().await.unwrap();
        for field in ["name", "scopes", "expires_in"] {
            assert!(text.contains(&format!("\"{field}\"")), "{field}: {text}");
        }
        assert!(!app.database_contents().contains("admin:everything"));
    }

    async fn a_key_in_the_query_string_is_refused(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "x", &["profile:read"], "90").await;
        let res = reqwest::get(app.url(&format!("{ME}?api_key={key}"))).await.unwrap();
        assert_eq!(res.status(), 401, "like any key that does not work");
        let res = app.api(Method::GET, &format!("{ME}?access_token={key}"), &key).send().await.unwrap();
        assert_eq!(res.status(), 401, "even alongside a valid header");
        assert!(!res.text().await.unwrap().contains(secret_of(&key)));
    }

    async fn the_openapi_document_and_the_docs_are_served_without_a_key(app: TestApp) {
        let res = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
        assert_eq!(res.status(), 200);
        let doc: Value = res.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
        assert!(doc["paths"]["/api/v1/me"]["patch"].is_object());
        let html = reqwest::get(app.url("/api/docs")).await.unwrap().text().await.unwrap();
        assert!(html.contains("/swagger/swagger-ui-bundle.js"));
        assert!(!html.contains("https://"), "no CDN");
        let res = reqwest::get(app.url("/api/v1/nothing")).await.unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
    }

    // Issue 18: a key form posted without JavaScript after the confirmation ended came back
    // with the prompt and nothing of what was typed.
    async fn a_key_form_that_outlived_its_confirmation_comes_back_as_typed_asking_for_the_password(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        assert_eq!(app.call(&browser, "confirm_password", &[("password", PASSWORD)]).await.status(), 200);
        // The window closes while the person types.
        app.execute("update sessions set reauth_at = reauth_at - 3600", &[]).await;
        let post = |fields: Vec<(&'static str, &'static str)>| {
            let (app, browser) = (&app, &browser);
            async move { app.post_form(browser, "create_api_key", "/settings/api-keys", &fields).await }
        };
        let typed = vec![("name", "nightly backup"), ("scopes[]", "profile:read"), ("scopes[]", "sessions:read"), ("expires_in", "365")];
        let back = post(typed.clone()).await;
        assert!(!back.contains("nightly"), "typed text travels sealed, never in clear: {back}");
        let html = app.page(&browser, &back).await;
        assert!(html.contains("Please confirm it is you"), "the reason is shown");
        assert!(html.contains(r#"value="nightly backup""#), "the name as typed");
        for scope in ["profile-read", "sessions-read"] {
            let input = html.split(&format!(r#"id="scope-{scope}""#)).nth(1).unwrap().split('>').next().unwrap();
            assert!(input.contains("checked"), "{scope} stays checked");
        }
        assert!(html.contains(r#"<option value="365" selected"#), "the expiry as chosen");
        assert!(html.contains(r#"name="password""#), "the password is asked inside the form");
        assert_eq!(app.count("select count(*) from api_keys", &[]).await, 0);

        // A wrong password: the same form again, with the field's error, still as typed.
        let mut wrong = typed.clone();
        wrong.push(("password", "not my password"));
        let html = app.page(&browser, &post(wrong).await).await;
        assert!(html.contains("That is not your current password."), "{html}");
        assert!(html.contains(r#"value="nightly backup""#));
        assert!(!html.contains("not my password"), "a password is never sent back");
        assert_eq!(app.count("select count(*) from api_keys", &[]).await, 0);

        // The right one confirms and creates in the same post.
        let mut right = typed.clone();
        right.push(("password", PASSWORD));
        let back = post(right).await;
        assert!(!back.contains("__err"), "{back}");
        let html = app.page(&browser, "/settings/api-keys").await;
        assert!(find_key(&html).is_some(), "the new key is shown once");
        assert_eq!(app.count("select count(*) from api_keys where name = 'nightly backup'", &[]).await, 1);
    }
}

#[tokio::test]
async fn each_key_is_rate_limited_with_retry_after() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("API_RATE_LIMIT", "3")]).await;
    let browser = app.signed_in("ada@example.com").await;
    let key = app
        .create_api_key(&browser, "busy", &["profile:read"], "90")
        .await;
    let other = app
        .create_api_key(&browser, "calm", &["profile:read"], "90")
        .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(status_of(&app, ME, &key).await);
    }
    // A window boundary may fall between the calls; then the count restarts once.
    assert!(
        statuses.contains(&429) || statuses == [200, 200, 200, 200],
        "{statuses:?}"
    );
    let res = loop {
        let res = app.api(Method::GET, ME, &key).send().await.unwrap();
        if res.status() == 429 {
            break res;
        }
    };
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(
        status_of(&app, ME, &other).await,
        200,
        "the limit is per key"
    );
}

#[tokio::test]
async fn the_owner_is_emailed_a_week_before_a_key_expires_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let browser = app.signed_in("ada@example.com").await;
    let key = app
        .create_api_key(&browser, "nightly backup", &["profile:read"], "30")
        .await;
    app.wait_for_mail("ada@example.com", "A new API key was created")
        .await;
    let in_three_days = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3 * 86_400)
        .to_string();
    app.execute(
        "update api_keys set expires_at = cast($1 as integer) where id = $2",
        &[&in_three_days, id_of(&key)],
    )
    .await;
    let mail = app
        .wait_for_mail("ada@example.com", "expires in a week")
        .await;
    assert!(mail.contains("nightly backup") && mail.contains(&format!("pc_{}", id_of(&key))));
    assert!(!mail.contains(secret_of(&key)));
    // Three more sweeps add no second notice.
    for _ in 0..3 {
        app.work().await;
    }
    assert_eq!(app.mail_count("ada@example.com", "expires in a week"), 1);
}
