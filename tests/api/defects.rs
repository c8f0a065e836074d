//! Regression tests for the defects acceptance testing found (the ones a browser is not needed
//! to show; the others are in the Playwright suite). Each failed on the build that was tested.

use crate::common::*;
use crate::on_both_databases;
use crate::on_both_databases_as_binaries;
use base64::Engine;
use reqwest::{header, Method};
use serde_json::{json, Value};

fn event(id: &str, kind: &str, user: &str, data: Value) -> Value {
    json!({ "id": id, "type": kind, "users": [user], "data": data })
}

async fn post_event(app: &TestApp, event: Value) -> reqwest::Response {
    app.api(Method::POST, "/api/v1/events", PLATFORM_KEY)
        .json(&event)
        .send()
        .await
        .unwrap()
}

async fn inbox(app: &TestApp, client: &reqwest::Client) -> Value {
    app.call(client, "get_notifications_page", &[("page", "1")])
        .await
        .json()
        .await
        .unwrap()
}

async fn spawn_with_console(backend: Backend) -> TestApp {
    TestApp::spawn_with_mail_and(backend, &[("CONSOLE_URL", "https://console.example.com/")]).await
}

macro_rules! both {
    ($spawn:ident: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() { super::$name(super::$spawn(crate::common::Backend::Sqlite).await).await }
            #[tokio::test]
            async fn postgres() { super::$name(super::$spawn(crate::common::Backend::Postgres).await).await }
        }
    )*};
}

both!(spawn_with_console:
    notifications_link_to_what_they_are_about,
    a_verified_address_belongs_to_one_account_only,
);

on_both_databases! {
    // Medium: `?__path=…&__err=<base64 of any text>` showed that text in the red alert box.
    async fn text_written_into_a_url_never_reaches_the_error_box(app: TestApp) {
        let forged = base64::engine::general_purpose::URL_SAFE
            .encode(r#"{"Conflict":"Security alert: your account is locked. Call +1 900 555 0199"}"#);
        let query = format!("__path=%2Fapi%2Fsign_in&__err={forged}");
        let html = app.page(&app.browser(), &format!("/signin?{query}")).await;
        assert!(!html.contains("Security alert"), "forged text on /signin");
        let html = app.page(&app.browser(), &format!("/signup?__path=%2Fapi%2Fsign_up&__err={forged}")).await;
        assert!(!html.contains("Security alert"), "forged text on /signup");
        let client = app.signed_in("ada@example.com").await;
        let html = app.page(&client, &format!("/settings/profile?__path=%2Fapi%2Fupdate_profile&__err={forged}")).await;
        assert!(!html.contains("Security alert"), "forged text on /settings/profile");
        // The server's own answer to a form post still shows.
        let failed = app
            .browser()
            .post(app.url("/api/sign_in"))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, app.url("/signin"))
            .form(&[("email", "ada@example.com"), ("password", "not the password")])
            .send()
            .await
            .unwrap();
        let location = failed.headers()[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.contains("__err="));
        let html = app.page(&app.browser(), &location.trim_start_matches(&app.base).to_string()).await;
        assert!(html.contains("Incorrect email or password."), "{location}");
    }

    // Issue 18: a form refused without JavaScript came back empty.
    async fn a_form_refused_without_javascript_shows_what_was_typed_but_never_a_password(app: TestApp) {
        let browser = app.browser();
        let signup = [("email", "grace@example.com"), ("first_name", "Grace"), ("last_name", "Hopper"), ("password", "short")];
        let location = app.post_form(&browser, "sign_up", "/signup", &signup).await;
        assert!(!location.contains("grace") && !location.contains("Hopper"), "sealed, not in clear: {location}");
        let html = app.page(&browser, &location).await;
        for value in ["grace@example.com", "Grace", "Hopper"] {
            assert!(html.contains(&format!(r#"value="{value}""#)), "{value} shown again");
        }
        assert!(!html.contains(r#"value="short""#), "the password is typed again");

        // The profile keeps what was typed after a validation error, not after a conflict.
        let client = app.signed_in("ada@example.com").await;
        let post = |fields: Vec<(&'static str, &'static str)>| {
            let (app, client) = (&app, &client);
            async move {
                let back = app.post_form(client, "update_profile", "/settings/profile", &fields).await;
                app.page(client, &back).await
            }
        };
        let page: Value = app.call(&client, "get_profile_page", &[]).await.json().await.unwrap();
        let version: &'static str = Box::leak(page["profile"]["version"].to_string().into_boxed_str());
        let html = post(vec![("first_name", "Augusta"), ("last_name", "King"), ("job_function", ""), ("phone", "not a phone"), ("default_dashboard", "billing"), ("version", version)]).await;
        assert!(html.contains(r#"value="Augusta""#) && html.contains(r#"value="not a phone""#), "typed values shown again");
        let html = post(vec![("first_name", "Augusta"), ("last_name", "King"), ("job_function", ""), ("phone", ""), ("default_dashboard", "billing"), ("version", "0")]).await;
        assert!(!html.contains(r#"value="Augusta""#) && html.contains(r#"value="Ada""#), "after a conflict, the saved values");
    }

    // Low: names accepted invisible and direction-reversing characters.
    async fn names_refuse_invisible_and_direction_reversing_characters(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        for name in ["Ada\u{200B}", "\u{202E}ecalevoL", "A\u{2066}da"] {
            let fields = [("first_name", name), ("last_name", "Lovelace"), ("job_function", ""), ("phone", ""), ("default_dashboard", "billing"), ("version", "1")];
            let res = app.call(&client, "update_profile", &fields).await;
            assert_eq!(res.status(), 422, "{name:?}");
            assert!(error_of(res).await.field_errors().unwrap().get("first_name").is_some());
        }
        let signup = [("email", "eve@example.com"), ("password", PASSWORD), ("first_name", "Eve\u{200F}"), ("last_name", "X")];
        assert_eq!(app.call(&app.browser(), "sign_up", &signup).await.status(), 422);
    }

    // Low: the browser's 100-character limit and the server's counted differently.
    async fn a_name_is_counted_the_way_the_form_counts_it(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let save = |name: String| {
            let app = &app;
            let client = &client;
            async move {
                let page: Value = app.call(client, "get_profile_page", &[]).await.json().await.unwrap();
                let version = page["profile"]["version"].to_string();
                let fields = [("first_name", name.as_str()), ("last_name", "Lovelace"), ("job_function", ""), ("phone", ""), ("default_dashboard", "billing"), ("version", version.as_str())];
                app.call(client, "update_profile", &fields).await.status().as_u16()
            }
        };
        assert_eq!(save("😀".repeat(50)).await, 200, "50 emoji are 100 units, as maxlength counts");
        assert_eq!(save("😀".repeat(51)).await, 422);
        assert_eq!(save("e\u{0301}".repeat(100)).await, 200, "100 decomposed accents are 100 once composed");
        let page: Value = app.call(&client, "get_profile_page", &[]).await.json().await.unwrap();
        assert_eq!(page["profile"]["first_name"], "é".repeat(100), "stored composed");
    }

    // Low: international addresses were accepted and their mail waited for ever.
    async fn addresses_mail_cannot_reach_are_refused_with_a_reason(app: TestApp) {
        let signup = [("email", "üser@exämple.test"), ("password", PASSWORD), ("first_name", "Ü"), ("last_name", "X")];
        let res = app.call(&app.browser(), "sign_up", &signup).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("email").unwrap().to_string().contains("Latin letters"));
        let client = app.signed_in("ada@example.com").await;
        let res = app.call(&client, "add_email", &[("email", "ada@exämple.test")]).await;
        assert_eq!(res.status(), 422);
    }

    // Low: credits.usage with total 0 was accepted and sent the 75 % and 100 % notices at once.
    async fn a_grant_of_zero_credits_is_refused(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let res = post_event(&app, event("c0", "credits.usage", "ada@example.com", json!({ "grant_id": "g", "used": 0, "total": 0 }))).await;
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == "data.total"), "{problem}");
        assert_eq!(inbox(&app, &client).await["inbox"].as_array().unwrap().iter().filter(|n| n["topic"] == "credits").count(), 0);
    }

    // Low: reusing an event id with a different payload was answered "duplicate".
    async fn an_event_id_reused_for_other_content_is_a_conflict(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let first = event("n1", "news.published", "ada@example.com", json!({ "title": "One", "body": "b" }));
        assert_eq!(post_event(&app, first.clone()).await.status(), 202);
        assert_eq!(post_event(&app, first).await.status(), 200, "the same event again: a duplicate");
        let other = event("n1", "news.published", "ada@example.com", json!({ "title": "Two", "body": "b" }));
        let res = post_event(&app, other).await;
        assert_eq!(res.status(), 409);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
    }


    // Low: the security-log CSV gave times to the minute only.
    async fn the_security_log_csv_gives_rfc_3339_times_with_seconds(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let csv = client.get(app.url("/settings/security/events.csv")).send().await.unwrap().text().await.unwrap();
        let first = csv.lines().nth(1).unwrap();
        let time = first.split(',').next().unwrap();
        assert_eq!(time.len(), 20, "{time}");
        assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T' && time.as_bytes()[16] == b':', "{time}");
    }

    // Low: German leftovers in the security log ("(password)", "… on Linux") and dashboards.
    async fn the_security_log_and_dashboards_are_in_the_readers_language(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        app.sign_in("ada@example.com", PASSWORD).await;
        let prefs = [("time_zone", "UTC"), ("date_format", "iso"), ("time_format", "24h"), ("week_start", "monday"), ("rows_per_page", "25"), ("theme", "system"), ("language", "de")];
        assert_eq!(app.call(&client, "save_preferences", &prefs).await.status(), 200);
        let log: Value = app.call(&client, "get_security_log", &[("page", "1")]).await.json().await.unwrap();
        let sign_in = log["events"].as_array().unwrap().iter().find(|e| e["kind"] == "sign_in").unwrap();
        assert_eq!(sign_in["detail"], "Passwort");
        assert!(sign_in["device"].as_str().unwrap().contains(" auf "), "{sign_in}");
        let html = app.page(&client, "/settings/profile").await;
        assert!(html.contains("Kostenübersicht"), "dashboard names in German");
    }

    // Low: Preferences and Notifications silently overwrote a save made in another tab.
    async fn a_stale_preferences_or_notifications_form_gets_a_conflict(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let prefs = |version: &'static str, zone: &'static str| [("time_zone", zone), ("date_format", "iso"), ("time_format", "24h"), ("week_start", "monday"), ("rows_per_page", "25"), ("theme", "system"), ("language", "en"), ("version", version)];
        assert_eq!(app.call(&client, "save_preferences", &prefs("0", "Europe/Berlin")).await.status(), 200, "first tab");
        let res = app.call(&client, "save_preferences", &prefs("0", "Asia/Tokyo")).await;
        assert_eq!(res.status(), 409, "second tab, opened before the first saved");
        let now: Value = app.call(&client, "get_preferences", &[]).await.json().await.unwrap();
        assert_eq!(now["time_zone"], "Europe/Berlin");
        assert_eq!(app.call(&client, "save_preferences", &prefs("1", "Asia/Tokyo")).await.status(), 200);

        let subs = |version: &'static str| [("email[]", "invoices"), ("in_app[]", "invoices"), ("min_severity", "warning"), ("build_outcomes", "failed"), ("version", version)];
        assert_eq!(app.call(&client, "save_notification_settings", &subs("0")).await.status(), 200);
        assert_eq!(app.call(&client, "save_notification_settings", &subs("0")).await.status(), 409);
        assert_eq!(inbox(&app, &client).await["version"], 1);
    }
}

// Low: in-app notifications for invoices, credits and news had no link.
async fn notifications_link_to_what_they_are_about(app: TestApp) {
    let client = app.signed_in("ada@example.com").await;
    let u = "ada@example.com";
    post_event(&app, event("i1", "invoice.issued", u, json!({ "invoice_id": "INV 7", "number": "A-7", "amount": "9 EUR", "due_date": "2099-01-31" }))).await;
    post_event(
        &app,
        event(
            "c1",
            "credits.usage",
            u,
            json!({ "grant_id": "g1", "used": 80, "total": 100 }),
        ),
    )
    .await;
    post_event(
        &app,
        event(
            "n1",
            "news.published",
            u,
            json!({ "title": "Launch", "body": "b", "url": "https://news.example.com/launch" }),
        ),
    )
    .await;
    let page = inbox(&app, &client).await;
    let link = |topic: &str| {
        page["inbox"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["topic"] == topic)
            .unwrap()["link"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        link("invoices"),
        "https://console.example.com/billing/invoices/INV+7"
    );
    assert_eq!(link("credits"), "https://console.example.com/billing");
    assert_eq!(link("news"), "https://news.example.com/launch");
}

// Medium: a verified secondary address could be signed up with (or added) by another account.
async fn a_verified_address_belongs_to_one_account_only(app: TestApp) {
    let ada = app.signed_in("ada@example.com").await;
    app.call(&ada, "add_email", &[("email", "x@example.com")])
        .await;
    let token = app.link_token("x@example.com", "/verify-email").await;
    assert_eq!(
        app.call(&ada, "verify_email", &[("token", &token)])
            .await
            .status(),
        200
    );
    // Someone signs up with it: the same answer as always, its owner is told, no account.
    let fields = [
        ("email", "x@example.com"),
        ("password", "a stranger's long passphrase"),
        ("first_name", "B"),
        ("last_name", "B"),
    ];
    assert_eq!(
        app.call(&app.browser(), "sign_up", &fields).await.status(),
        200
    );
    app.wait_for_mail("x@example.com", "Someone tried to use your e-mail address")
        .await;
    assert_eq!(
        app.mail_count("x@example.com", "/signup/verify?token="),
        0,
        "no sign-up link for a taken address"
    );
    assert_eq!(
        app.sign_in("x@example.com", "a stranger's long passphrase")
            .await
            .1
            .status(),
        401
    );
    // Someone adds it to their account: listed, never verifiable.
    let grace = app.signed_in("grace@example.com").await;
    assert_eq!(
        app.call(&grace, "add_email", &[("email", "x@example.com")])
            .await
            .status(),
        200
    );
    let list: Value = app
        .call(&grace, "list_emails", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["others"][0]["verified"], false);
    // And Ada can still make it her primary address.
    app.call(&ada, "confirm_password", &[("password", PASSWORD)])
        .await;
    let list: Value = app
        .call(&ada, "list_emails", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = list["others"][0]["id"].as_str().unwrap().to_string();
    let res = app.call(&ada, "make_email_primary", &[("id", &id)]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(app.sign_in("x@example.com", PASSWORD).await.1.status(), 200);
}

on_both_databases_as_binaries! {
    // Low: "request parts missing from context" was logged at ERROR for every platform event and
    // picture upload that succeeded.
    async fn successful_events_and_uploads_log_no_errors(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        assert_eq!(post_event(&app, event("n1", "news.published", "ada@example.com", json!({ "title": "t", "body": "b" }))).await.status(), 202);
        let png = {
            let mut bytes = Vec::new();
            image::DynamicImage::new_rgb8(64, 64)
                .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
                .unwrap();
            bytes
        };
        let form = reqwest::multipart::Form::new()
            .part("avatar", reqwest::multipart::Part::bytes(png).file_name("a.png").mime_str("image/png").unwrap())
            .text("zoom", "100").text("x", "50").text("y", "50");
        let res = client.post(app.url("/settings/avatar")).header(header::ACCEPT, "application/json").multipart(form).send().await.unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        let logs = app.logs();
        assert!(!logs.contains("ERROR") && !logs.contains("request parts missing"), "{logs}");
    }
}
