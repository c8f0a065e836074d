//! Preferences over HTTP: validation, and that saved choices change how every page shows times
//! and pages lists.

use crate::common::*;
use crate::on_both_databases;
use serde_json::Value;

fn prefs<'a>(
    zone: &'a str,
    date: &'a str,
    time: &'a str,
    rows: &'a str,
    theme: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("time_zone", zone),
        ("date_format", date),
        ("time_format", time),
        ("week_start", "monday"),
        ("rows_per_page", rows),
        ("theme", theme),
        ("language", "en"),
    ]
}

on_both_databases! {
    async fn unknown_zones_formats_and_languages_are_refused_and_nothing_changes(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let mut bad = prefs("Mars/Base", "julian", "36h", "7", "neon");
        bad[6] = ("language", "tlh");
        let res = app.call(&browser, "save_preferences", &bad).await;
        assert_eq!(res.status(), 422);
        let text = res.text().await.unwrap();
        for field in ["time_zone", "date_format", "time_format", "rows_per_page", "theme", "language"] {
            assert!(text.contains(&format!("\"{field}\"")), "{field}: {text}");
        }
        let saved: Value = app.call(&browser, "get_preferences", &[]).await.json().await.unwrap();
        assert_eq!(saved["time_zone"], "UTC");
        assert_eq!(saved["zone_chosen"], false);
    }

    async fn saved_preferences_change_every_time_and_the_theme_on_every_page(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let before = app.page(&browser, "/settings/sessions").await;
        assert!(before.contains(" UTC</time>"), "UTC until chosen");
        let res = app.call(&browser, "save_preferences", &prefs("Pacific/Chatham", "us", "12h", "10", "dark")).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

        for page in ["/settings/sessions", "/settings/security"] {
            let html = app.page(&browser, page).await;
            assert!(html.contains(" +1345</time>") || html.contains(" +1245</time>"), "{page} shows Chatham time");
            assert!(html.contains(" AM +") || html.contains(" PM +"), "{page} in 12-hour format");
            assert!(!html.contains(" UTC</time>"), "{page}");
            assert!(html.contains("data-theme=\"dark\""), "{page} is dark from the first byte");
        }
    }

    async fn the_browser_zone_is_the_default_until_one_is_chosen(app: TestApp) {
        // A browser whose page told us its zone (the island's cookie).
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str("pc_tz=Asia/Tokyo; Path=/", &app.url("/").parse().unwrap());
        let browser = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        assert_eq!(app.sign_up_and_verify(&browser, "ada@example.com").await.status(), 200);
        let html = app.page(&browser, "/settings/sessions").await;
        assert!(html.contains(" JST</time>"), "the browser's zone");
        app.call(&browser, "save_preferences", &prefs("Europe/Berlin", "iso", "24h", "25", "system")).await;
        let html = app.page(&browser, "/settings/sessions").await;
        assert!(html.contains(" CET</time>") || html.contains(" CEST</time>"), "a chosen zone wins");
    }

    async fn paged_lists_use_the_rows_per_page(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        app.call(&browser, "save_preferences", &prefs("UTC", "iso", "24h", "10", "system")).await;
        // Twelve security events: the account, then eleven password confirmations.
        for _ in 0..11 {
            app.call(&browser, "confirm_password", &[("password", PASSWORD)]).await;
        }
        let page: Value = app.call(&browser, "get_security_log", &[("page", "1")]).await.json().await.unwrap();
        assert_eq!(page["events"].as_array().unwrap().len(), 10);
        assert_eq!(page["has_next"], true);
        app.call(&browser, "save_preferences", &prefs("UTC", "iso", "24h", "25", "system")).await;
        let page: Value = app.call(&browser, "get_security_log", &[("page", "1")]).await.json().await.unwrap();
        assert_eq!(page["events"].as_array().unwrap().len(), 12);
        assert_eq!(page["has_next"], false);
    }
}

/// The `lang` of a page's `<html>` element.
fn page_language(html: &str) -> String {
    let tag = &html[html.find("<html").unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    let start = tag.find(" lang=\"").expect("a lang attribute") + 7;
    tag[start..].split('"').next().unwrap().to_string()
}

/// A signed-in browser whose every request says it prefers German.
async fn german_browser(app: &TestApp, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [(
                reqwest::header::ACCEPT_LANGUAGE,
                reqwest::header::HeaderValue::from_static("de-DE,de;q=0.9,en;q=0.5"),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let res = app.sign_up_and_verify(&client, email).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    client
}

on_both_databases! {
    async fn the_language_follows_the_browser_until_one_is_chosen(app: TestApp) {
        // Signed out: the sign-in page speaks the browser's language.
        let stranger = reqwest::Client::new();
        let page = stranger
            .get(app.url("/signin"))
            .header(reqwest::header::ACCEPT_LANGUAGE, "de-CH, en;q=0.5")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(page_language(&page), "de", "German page");
        assert!(page.contains("Bei Profile Center anmelden"));
        let english = app.page(&app.browser(), "/signin").await;
        assert_eq!(page_language(&english), "en");
        assert!(english.contains("Sign in to Profile Center"));

        let browser = german_browser(&app, "ada@example.com").await;
        let html = app.page(&browser, "/settings/sessions").await;
        assert!(html.contains("Aktive Sitzungen"), "German by default");
        assert!(!html.contains("Active sessions"));

        // Chosen English wins over the browser; chosen German over an English browser.
        let mut english = prefs("UTC", "iso", "24h", "25", "system");
        english[6] = ("language", "en");
        assert_eq!(app.call(&browser, "save_preferences", &english).await.status(), 200);
        let html = app.page(&browser, "/settings/sessions").await;
        assert!(html.contains("Active sessions"), "English when chosen");
        assert_eq!(page_language(&html), "en");
        let mut german = english.clone();
        german[6] = ("language", "de");
        let ada = app.signed_in("bob@example.com").await;
        assert_eq!(app.call(&ada, "save_preferences", &german).await.status(), 200);
        let html = app.page(&ada, "/settings/profile").await;
        assert!(html.contains("Profilbild"));
        assert_eq!(page_language(&html), "de");
        // Each language is offered in itself, marked for screen readers.
        let form = app.page(&ada, "/settings/preferences").await;
        let at = form.find("Deutsch").unwrap_or(0);
        assert!(form.contains(r#"<option value="de" lang="de" selected>Deutsch</option>"#), "{}", &form[at.saturating_sub(300)..at + 20]);
        assert!(form.contains(r#"<option value="en" lang="en">English</option>"#));

        // Field errors come back in the person's language.
        let mut bad = german.clone();
        bad[0] = ("time_zone", "Mars/Base");
        let res = app.call(&ada, "save_preferences", &bad).await;
        assert_eq!(res.status(), 422);
        let err = error_of(res).await;
        // The message travels as an id and is shown in the reader's language.
        assert_eq!(
            err.field_errors().unwrap().get("time_zone").map(|t| t.render(profile_center::i18n::Lang::De)).as_deref(),
            Some("Wählen Sie eine Zeitzone aus der Liste, etwa Europe/Berlin.")
        );
    }
}
