//! The Profile tab over HTTP: reading, validating, saving, conflicts, and isolation between users.

use crate::common::*;
use crate::on_both_databases;
use profile_center::error::AppError;
use serde_json::Value;

async fn page(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = app.call(client, "get_profile_page", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn form<'a>(version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("first_name", "  Grace "),
        ("last_name", "Hopper"),
        ("job_function", "engineering"),
        ("phone", "+1 (202) 555-0143"),
        ("default_dashboard", "budgets"),
        ("version", version),
    ]
}

on_both_databases! {
    async fn a_new_profile_holds_the_sign_up_names_and_the_seeded_dashboards(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let page = page(&app, &client).await;
        assert_eq!(page["profile"]["email"], "ada@example.com");
        assert_eq!(page["profile"]["first_name"], "Ada");
        assert_eq!(page["profile"]["default_dashboard"], "cost-overview");
        let names: Vec<&str> = page["dashboards"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Cost overview", "Billing", "Quotas", "Cost anomalies", "Budgets"]);
    }

    async fn a_valid_save_is_normalised_and_stored(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let res = app.call(&client, "update_profile", &form("1")).await;
        assert_eq!(res.status(), 200);
        let saved: Value = res.json().await.unwrap();
        assert_eq!(saved["first_name"], "Grace");
        assert_eq!(saved["phone"], "+12025550143");
        assert_eq!(saved["version"], 2);
        let page = page(&app, &client).await;
        assert_eq!(page["profile"], saved);
    }

    async fn an_invalid_field_saves_nothing_and_names_the_field(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let mut fields = form("1");
        fields[3] = ("phone", "555-0143");
        fields[4] = ("default_dashboard", "not-a-dashboard");
        let res = app.call(&client, "update_profile", &fields).await;
        assert_eq!(res.status(), 422);
        let err = error_of(res).await;
        let errors = err.field_errors().unwrap();
        assert!(errors.get("phone").is_some() && errors.get("default_dashboard").is_some());
        assert!(errors.get("first_name").is_none());
        let page = page(&app, &client).await;
        assert_eq!(page["profile"]["first_name"], "Ada", "valid fields of an invalid form are not saved either");
        assert_eq!(page["profile"]["version"], 1);
    }

    async fn control_characters_and_overlong_names_are_refused(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let long = "x".repeat(101);
        let mut fields = form("1");
        fields[0] = ("first_name", "Ada\u{0}");
        fields[1] = ("last_name", &long);
        fields[2] = ("job_function", "astronaut");
        let err = error_of(app.call(&client, "update_profile", &fields).await).await;
        let errors = err.field_errors().unwrap();
        for field in ["first_name", "last_name", "job_function"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    async fn a_stale_form_gets_a_conflict_instead_of_overwriting(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        // Two tabs opened the form at version 1; the first saves.
        assert_eq!(app.call(&client, "update_profile", &form("1")).await.status(), 200);
        let mut second = form("1");
        second[1] = ("last_name", "Stale");
        let res = app.call(&client, "update_profile", &second).await;
        assert_eq!(res.status(), 409);
        assert!(matches!(error_of(res).await, AppError::Conflict(m) if m.to_string().contains("Reload")));
        assert_eq!(page(&app, &client).await["profile"]["last_name"], "Hopper");
    }

    async fn one_user_cannot_read_or_change_another_users_profile(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let grace = app.signed_in("grace@example.com").await;
        assert_eq!(app.call(&grace, "update_profile", &form("1")).await.status(), 200);
        let adas = page(&app, &ada).await;
        assert_eq!(adas["profile"]["email"], "ada@example.com");
        assert_eq!(adas["profile"]["last_name"], "Lovelace");
        assert_eq!(adas["profile"]["version"], 1);
        // The functions take no user id at all: the session alone decides whose profile it is.
        let sneaky = [("user_id", "someone-else")];
        let res = app.call(&ada, "get_profile_page", &sneaky).await;
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_ne!(body["profile"]["email"], "grace@example.com");
    }

    async fn the_profile_page_renders_the_stored_values_without_javascript(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        app.call(&client, "update_profile", &form("1")).await;
        let html = client.get(app.url("/settings/profile")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(r#"value="Grace""#));
        assert!(html.contains(r#"value="+12025550143""#));
        assert!(html.contains(r#"<option value="budgets" selected"#));
        assert!(html.contains(r#"name="version" value="2""#));
    }
}
