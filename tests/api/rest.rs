//! REST endpoints for preferences, subscriptions and marking notifications read: every scope a key can
//! carry is checked by an endpoint, and none is offered that nothing checks.

use crate::common::*;
use crate::on_both_databases;
use reqwest::{header, Method};
use serde_json::{json, Value};

/// Sends every patch to `path` at once and returns the statuses in order.
async fn patch_at_once(app: &TestApp, path: &str, key: &str, patches: Vec<Value>) -> Vec<u16> {
    let sent: Vec<_> = patches
        .into_iter()
        .map(|patch| tokio::spawn(app.api(Method::PATCH, path, key).json(&patch).send()))
        .collect();
    let mut statuses = Vec::new();
    for patch in sent {
        statuses.push(patch.await.unwrap().unwrap().status().as_u16());
    }
    statuses
}

on_both_databases! {
    // Each patch names one field and leaves the rest as they are now: if two of them read the
    // same old preferences and both wrote, one field would be back at its default.
    async fn many_unconditional_preference_patches_at_once_all_apply(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "sync", &["preferences:read", "preferences:write"], "30").await;
        let wanted = json!({ "theme": "dark", "language": "de", "date_format": "us", "time_format": "12h", "week_start": "sunday", "time_zone": "Asia/Tokyo", "rows_per_page": 50 });
        let fields: Vec<_> = wanted.as_object().unwrap().iter().map(|(k, v)| json!({ k: v })).collect();
        let patches = (0..16).map(|i| fields[i % fields.len()].clone()).collect();
        assert_eq!(patch_at_once(&app, "/api/v1/me/preferences", &key, patches).await, vec![200; 16]);
        let now: Value = app.api(Method::GET, "/api/v1/me/preferences", &key).send().await.unwrap().json().await.unwrap();
        for (field, value) in wanted.as_object().unwrap() {
            assert_eq!(&now[field], value, "{field} was lost");
        }
    }

    async fn many_unconditional_subscription_patches_at_once_all_apply(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "sync", &["notifications:read", "notifications:write"], "30").await;
        let topics = ["month_end", "credits", "quota", "cost_anomalies", "known_issues", "maintenance", "builds", "news"];
        let patches = (0..16).map(|i| json!({ "topics": { topics[i % topics.len()]: { "email": true } } })).collect();
        assert_eq!(patch_at_once(&app, "/api/v1/me/subscriptions", &key, patches).await, vec![200; 16]);
        let now: Value = app.api(Method::GET, "/api/v1/me/subscriptions", &key).send().await.unwrap().json().await.unwrap();
        for topic in topics {
            assert_eq!(now["topics"][topic]["email"], true, "{topic} was lost");
        }
    }

    async fn preferences_are_read_and_changed_with_their_own_scopes(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let reader = app.create_api_key(&browser, "read", &["preferences:read"], "30").await;
        let writer = app.create_api_key(&browser, "write", &["preferences:write"], "30").await;
        let res = app.api(Method::GET, "/api/v1/me/preferences", &reader).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
        let prefs: Value = res.json().await.unwrap();
        assert_eq!(prefs["time_zone"], Value::Null, "no zone chosen yet");
        assert_eq!(prefs["date_format"], "iso");
        let res = app.api(Method::PATCH, "/api/v1/me/preferences", &reader).json(&json!({ "theme": "dark" })).send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(res.json::<Value>().await.unwrap()["missing_scope"], "preferences:write");
        let res = app.api(Method::PATCH, "/api/v1/me/preferences", &writer).json(&json!({ "theme": "neon", "time_zone": "Mars/Base" })).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = app.api(Method::PATCH, "/api/v1/me/preferences", &writer).header(header::IF_MATCH, &etag).json(&json!({ "theme": "dark", "time_zone": "Asia/Tokyo" })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let saved: Value = res.json().await.unwrap();
        assert_eq!((saved["theme"].as_str(), saved["time_zone"].as_str()), (Some("dark"), Some("Asia/Tokyo")));
        let res = app.api(Method::PATCH, "/api/v1/me/preferences", &writer).header(header::IF_MATCH, &etag).json(&json!({ "theme": "light" })).send().await.unwrap();
        assert_eq!(res.status(), 412, "the old ETag is stale now");
        let html = app.page(&browser, "/settings/sessions").await;
        assert!(html.contains(r#"data-theme="dark""#) && html.contains(" JST</time>"), "the tab shows what the API saved");
    }

    async fn notifications_are_marked_read_with_the_write_scope(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let reader = app.create_api_key(&browser, "read", &["notifications:read"], "30").await;
        let writer = app.create_api_key(&browser, "write", &["notifications:write"], "30").await;
        app.call(&browser, "send_test_notification", &[("channel", "in_app")]).await;
        let list: Value = app.api(Method::GET, "/api/v1/me/notifications", &reader).send().await.unwrap().json().await.unwrap();
        let unread = list["unread"].as_i64().unwrap();
        assert!(unread >= 1);
        let id = list["notifications"][0]["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/me/notifications/{id}/read");
        assert_eq!(app.api(Method::POST, &path, &reader).send().await.unwrap().status(), 403);
        assert_eq!(app.api(Method::POST, &path, &writer).send().await.unwrap().status(), 204);
        assert_eq!(app.api(Method::POST, "/api/v1/me/notifications/nope/read", &writer).send().await.unwrap().status(), 404);
        let other = app.signed_in("grace@example.com").await;
        let graces = app.create_api_key(&other, "g", &["notifications:write"], "30").await;
        assert_eq!(app.api(Method::POST, &path, &graces).send().await.unwrap().status(), 404, "not someone else's");
        let res = app.api(Method::POST, "/api/v1/me/notifications/read-all", &writer).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let list: Value = app.api(Method::GET, "/api/v1/me/notifications", &reader).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["unread"], 0);
    }

    async fn subscriptions_are_read_and_changed_with_the_notification_scopes(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let reader = app.create_api_key(&browser, "read", &["notifications:read"], "30").await;
        let writer = app.create_api_key(&browser, "write", &["notifications:write"], "30").await;
        let path = "/api/v1/me/subscriptions";
        let res = app.api(Method::GET, path, &reader).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
        let subs: Value = res.json().await.unwrap();
        assert_eq!(subs["topics"]["security"], json!({ "email": true, "in_app": true }));
        assert_eq!(subs["topics"]["builds"], json!({ "email": false, "in_app": false }));
        assert!(subs["topics"].get("test").is_none(), "nobody subscribes to test sends");
        assert_eq!(subs["min_severity"], "warning");
        let change = json!({ "topics": { "builds": { "in_app": true } }, "build_outcomes": "both" });
        assert_eq!(app.api(Method::PATCH, path, &reader).json(&change).send().await.unwrap().status(), 403);
        for bad in [json!({ "topics": { "security": { "email": false } } }), json!({ "topics": { "admin": { "email": true } } }), json!({ "min_severity": "loud" })] {
            let res = app.api(Method::PATCH, path, &writer).json(&bad).send().await.unwrap();
            assert_eq!(res.status(), 422, "{bad}");
        }
        let res = app.api(Method::PATCH, path, &writer).header(header::IF_MATCH, &etag).json(&change).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let saved: Value = res.json().await.unwrap();
        assert_eq!((saved["topics"]["builds"]["in_app"].as_bool(), saved["build_outcomes"].as_str()), (Some(true), Some("both")));
        assert_eq!(saved["topics"]["invoices"], subs["topics"]["invoices"], "topics not named stay");
        let res = app.api(Method::PATCH, path, &writer).header(header::IF_MATCH, &etag).json(&json!({ "include_manual": true })).send().await.unwrap();
        assert_eq!(res.status(), 412, "the old ETag is stale now");
        // The tab shows what the API saved: the builds switch is on and "both" selected.
        let html = app.page(&browser, "/settings/notifications").await;
        assert!(html.contains(r#"id="in_app-builds" name="in_app[]" value="builds" checked"#), "the tab shows the saved switch");
        assert!(html.contains(r#"<option value="both" selected"#));
    }

    async fn a_scope_nothing_checks_is_not_offered(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        app.call(&browser, "confirm_password", &[("password", PASSWORD)]).await;
        let res = app.call(&browser, "create_api_key", &[("name", "x"), ("expires_in", "30"), ("scopes[]", "billing:read")]).await;
        assert_eq!(res.status(), 422);
        let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
        let text = doc.to_string();
        for scope in ["profile:read", "profile:write", "preferences:read", "preferences:write", "notifications:read", "notifications:write", "sessions:read", "api_keys:read"] {
            assert!(text.contains(&format!("\"{scope}\"")), "no endpoint documents {scope}");
        }
    }

    // schemathesis: the document named the Rust variants ("H24", "ProfileRead") instead of the
    // words on the wire, so every answer "violated" it and real words were refused.
    async fn the_document_lists_the_words_on_the_wire(app: TestApp) {
        let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
        let words = |schema: &str| doc["components"]["schemas"][schema]["enum"].clone();
        assert_eq!(words("TimeFormat"), serde_json::json!(["24h", "12h"]));
        assert!(words("Scope").as_array().unwrap().contains(&"profile:read".into()), "{}", words("Scope"));
        assert!(words("Topic").as_array().unwrap().contains(&"security".into()));
        let zone = &doc["components"]["schemas"]["PreferencesPatch"]["properties"]["time_zone"]["enum"];
        assert!(zone.as_array().unwrap().contains(&"Europe/Berlin".into()) && !zone.as_array().unwrap().contains(&"".into()));
        let security = &doc["components"]["schemas"]["SubscriptionsPatch"]["properties"]["topics"]["properties"]["security"]["properties"]["email"];
        assert_eq!(security["enum"], serde_json::json!([true]), "{security}");
    }
}
