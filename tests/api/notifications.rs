//! Notifications over HTTP: event ingestion (auth, validation, idempotency), routing by
//! subscription for every event type, security notices, the scheduler across restarts, the inbox,
//! and mail that waits for SMTP.

use crate::common::*;
use crate::on_both_databases;
use reqwest::{header, Method};
use serde_json::{json, Value};

async fn post_event(app: &TestApp, event: Value) -> reqwest::Response {
    app.api(Method::POST, "/api/v1/events", PLATFORM_KEY)
        .json(&event)
        .send()
        .await
        .unwrap()
}

async fn accepted(app: &TestApp, event: Value) {
    let res = post_event(app, event).await;
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
}

async fn inbox(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = app
        .call(client, "get_notifications_page", &[("page", "1")])
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["inbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

fn event(id: &str, kind: &str, user: &str, data: Value) -> Value {
    json!({ "id": id, "type": kind, "users": [user], "data": data })
}

/// Saves subscriptions as the form does: the topics ticked per channel.
async fn subscribe(
    app: &TestApp,
    client: &reqwest::Client,
    email: &[&str],
    in_app: &[&str],
    severity: &str,
    builds: &str,
    manual: bool,
) {
    let mut fields: Vec<(&str, &str)> =
        vec![("min_severity", severity), ("build_outcomes", builds)];
    fields.extend(email.iter().map(|t| ("email[]", *t)));
    fields.extend(in_app.iter().map(|t| ("in_app[]", *t)));
    if manual {
        fields.push(("include_manual", "on"));
    }
    let res = app
        .call(client, "save_notification_settings", &fields)
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

on_both_databases! {
    async fn only_the_platform_key_may_post_events(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let user_key = app.create_api_key(&browser, "mine", &["notifications:write"], "90").await;
        let news = event("n1", "news.published", "ada@example.com", json!({ "title": "Hello", "body": "World" }));
        for key in [user_key.as_str(), "wrong", ""] {
            let res = app.api(Method::POST, "/api/v1/events", key).json(&news).send().await.unwrap();
            assert_eq!(res.status(), 401, "{key}");
        }
        let res = reqwest::Client::new().post(app.url("/api/v1/events")).json(&news).send().await.unwrap();
        assert_eq!(res.status(), 401);
        // (The inbox already holds the security notice about the new key.)
        assert!(!titles(&inbox(&app, &browser).await).contains(&"Hello".to_string()));
        accepted(&app, news).await;
        assert_eq!(titles(&inbox(&app, &browser).await)[0], "Hello");
    }

    async fn bad_events_are_refused_with_the_field_named_and_change_nothing(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        for (ev, field) in [
            (event("e1", "invoice.exploded", "ada@example.com", json!({})), "type"),
            (event("e2", "invoice.issued", "ada@example.com", json!({ "invoice_id": "1", "number": "A-1", "amount": "10 EUR", "due_date": "2026-02-30" })), "data.due_date"),
            (event("e3", "credits.usage", "ada@example.com", json!({ "grant_id": "g", "used": -1, "total": 10 })), "data.used"),
            (event("e4", "news.published", "nobody@example.com", json!({ "title": "t", "body": "b" })), "users"),
            (json!({ "id": "e5", "type": "invoice.paid", "all_users": true, "data": { "invoice_id": "1" } }), "all_users"),
            (event("", "news.published", "ada@example.com", json!({ "title": "t", "body": "b" })), "id"),
        ] {
            let res = post_event(&app, ev).await;
            assert_eq!(res.status(), 422, "{field}");
            assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
            let problem: Value = res.json().await.unwrap();
            assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{field}: {problem}");
        }
        let res = app.api(Method::POST, "/api/v1/events", PLATFORM_KEY).header(header::CONTENT_TYPE, "application/json").body("{").send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(titles(&inbox(&app, &browser).await).is_empty());
        assert!(!app.database_contents().contains("invoice.exploded"));
    }

    async fn a_replayed_event_id_does_nothing(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let news = event("news-1", "news.published", "ada@example.com", json!({ "title": "Once", "body": "only" }));
        accepted(&app, news.clone()).await;
        let res = post_event(&app, news).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "duplicate");
        assert_eq!(titles(&inbox(&app, &browser).await), ["Once"]);
    }

    async fn each_event_type_goes_where_the_subscriptions_say(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let u = "ada@example.com";
        // Defaults: invoices by e-mail and in the app; news, incidents, maintenance in the app;
        // builds off; cost anomalies from Warning.
        accepted(&app, event("1", "invoice.issued", u, json!({ "invoice_id": "inv-1", "number": "A-1", "amount": "12.50 EUR", "due_date": "2099-01-31" }))).await;
        accepted(&app, event("2", "incident.known_issue", u, json!({ "title": "Known issue: storage", "description": "Slow volumes" }))).await;
        accepted(&app, event("3", "maintenance.scheduled", u, json!({ "title": "Maintenance Sunday", "description": "02:00-04:00 UTC" }))).await;
        accepted(&app, event("4", "build.finished", u, json!({ "pipeline": "web", "build_id": "b1", "status": "failed", "trigger": "push" }))).await;
        accepted(&app, event("5", "cost.anomaly", u, json!({ "severity": "information", "description": "Tiny blip" }))).await;
        accepted(&app, event("6", "cost.anomaly", u, json!({ "severity": "critical", "description": "Spend tripled" }))).await;
        let page = inbox(&app, &browser).await;
        let got = titles(&page);
        assert_eq!(got, ["Cost anomaly (Critical)", "Maintenance Sunday", "Known issue: storage", "Invoice A-1 issued"], "{got:?}");
        let invoice = &page["inbox"][3];
        assert!(["queued", "sent", "retrying"].contains(&invoice["email_status"].as_str().unwrap()), "invoices are e-mailed");
        assert_eq!(page["inbox"][1]["email_status"], "", "maintenance is in-app only");
        assert_eq!(page["unread"], 4);

        // Builds: failed ones from pushes and schedules; manual runs only when asked for.
        subscribe(&app, &browser, &[], &["builds", "cost_anomalies"], "information", "failed", false).await;
        accepted(&app, event("7", "build.finished", u, json!({ "pipeline": "web", "build_id": "b2", "status": "failed", "trigger": "schedule" }))).await;
        accepted(&app, event("8", "build.finished", u, json!({ "pipeline": "web", "build_id": "b3", "status": "success", "trigger": "push" }))).await;
        accepted(&app, event("9", "build.finished", u, json!({ "pipeline": "web", "build_id": "b4", "status": "failed", "trigger": "manual" }))).await;
        accepted(&app, event("10", "cost.anomaly", u, json!({ "severity": "information", "description": "Small blip" }))).await;
        accepted(&app, event("11", "news.published", u, json!({ "title": "Unsubscribed news", "body": "…" }))).await;
        let got = titles(&inbox(&app, &browser).await);
        assert_eq!(&got[..2], ["Cost anomaly (Information)", "Build b2 of web failed"], "{got:?}");
        assert!(!got.iter().any(|t| t.contains("b3") || t.contains("b4") || t.contains("Unsubscribed")), "{got:?}");
    }

    async fn credit_thresholds_notify_once_each_per_grant(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let u = "ada@example.com";
        let usage = |id: &str, grant: &str, used: f64| event(id, "credits.usage", u, json!({ "grant_id": grant, "used": used, "total": 100 }));
        for (id, grant, used) in [("c1", "g1", 50.0), ("c2", "g1", 80.0), ("c3", "g1", 90.0), ("c4", "g1", 100.0), ("c5", "g1", 120.0), ("c6", "g2", 76.0)] {
            accepted(&app, usage(id, grant, used)).await;
        }
        let got = titles(&inbox(&app, &browser).await);
        assert_eq!(got, ["75 % of your credits are used", "100 % of your credits are used", "75 % of your credits are used"], "{got:?}");
    }

    async fn a_quota_notifies_on_each_crossing_of_50_percent(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let u = "ada@example.com";
        for (id, used) in [("q1", 40.0), ("q2", 60.0), ("q3", 70.0), ("q4", 30.0), ("q5", 55.0)] {
            accepted(&app, event(id, "quota.usage", u, json!({ "quota_id": "vcpu", "name": "vCPUs", "used": used, "limit": 100 }))).await;
        }
        let got = titles(&inbox(&app, &browser).await);
        assert_eq!(got, ["vCPUs is over 50 %", "vCPUs is over 50 %"], "{got:?}");
    }

    async fn scripts_read_their_notifications_with_the_notifications_read_scope(app: TestApp) {
        let browser = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&browser, "inbox reader", &["notifications:read"], "90").await;
        accepted(&app, event("n-api", "news.published", "ada@example.com", json!({ "title": "Via the API", "body": "…", "link": "/settings/profile" }))).await;
        let res = app.api(Method::GET, "/api/v1/me/notifications", &key).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let list: Value = res.json().await.unwrap();
        assert_eq!(list["notifications"][0]["title"], "Via the API");
        assert_eq!(list["notifications"][0]["link"], "/settings/profile");
        assert_eq!(list["unread"], 2, "the news and the notice about the new key");
        let profile_only = app.create_api_key(&browser, "profile", &["profile:read"], "90").await;
        let res = app.api(Method::GET, "/api/v1/me/notifications", &profile_only).send().await.unwrap();
        assert_eq!(res.status(), 403);
    }

    async fn the_inbox_marks_read_one_or_all_and_only_the_owners(app: TestApp) {
        let ada = app.signed_in("ada@example.com").await;
        let eve = app.signed_in("eve@example.com").await;
        for id in ["a", "b", "c"] {
            accepted(&app, event(id, "news.published", "ada@example.com", json!({ "title": format!("News {id}"), "body": "…" }))).await;
        }
        let page = inbox(&app, &ada).await;
        let first = page["inbox"][0]["id"].as_str().unwrap().to_string();
        let res = app.call(&eve, "mark_notification_read", &[("id", &first)]).await;
        assert_eq!(res.status(), 404, "not hers");
        let res = app.call(&ada, "mark_notification_read", &[("id", &first)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(inbox(&app, &ada).await["unread"], 2);
        let html = app.page(&ada, "/settings/profile").await;
        assert!(html.contains("Notifications: 2 unread"), "the bell on every page");
        app.call(&ada, "mark_all_notifications_read", &[]).await;
        assert_eq!(inbox(&app, &ada).await["unread"], 0);
        assert_eq!(inbox(&app, &eve).await["inbox"].as_array().unwrap().len(), 0);
    }
}

/// Security notices reach the person by e-mail even with every e-mail switch off.
#[tokio::test]
async fn security_notices_cannot_be_switched_off() {
    let app = TestApp::spawn_with_mail(Backend::Sqlite).await;
    let browser = app.signed_in("ada@example.com").await;
    subscribe(&app, &browser, &[], &[], "warning", "failed", false).await;
    let key_created = app
        .create_api_key(&browser, "ci", &["profile:read"], "90")
        .await;
    assert!(!key_created.is_empty());
    app.wait_for_mail("ada@example.com", "A new API key was created")
        .await;
    let page = inbox(&app, &browser).await;
    assert!(
        titles(&page).is_empty(),
        "in-app was switched off for security too"
    );
}

#[tokio::test]
async fn test_notifications_arrive_on_each_channel() {
    let app = TestApp::spawn_with_mail(Backend::Sqlite).await;
    let browser = app.signed_in("ada@example.com").await;
    let res = app
        .call(&browser, "send_test_notification", &[("channel", "in_app")])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(titles(&inbox(&app, &browser).await), ["Test notification"]);
    let res = app
        .call(&browser, "send_test_notification", &[("channel", "email")])
        .await;
    assert_eq!(res.status(), 200);
    app.wait_for_mail("ada@example.com", "This is the test you asked for")
        .await;
    let res = app
        .call(&browser, "send_test_notification", &[("channel", "pigeon")])
        .await;
    assert_eq!(res.status(), 422);
}

/// Payment reminders come from the scheduler; killing the server between two of them neither
/// repeats the first nor skips the second; paying the invoice cancels what is left.
#[tokio::test]
async fn payment_reminders_survive_a_restart_without_repeats_or_gaps() {
    let mut app = TestApp::spawn_with_mail(Backend::Sqlite).await;
    let browser = app.signed_in("ada@example.com").await;
    // Due in 3 days: the "due in 7 days" reminder is already due.
    let due = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3 * 86_400;
    let due_date = profile_center::model::notifications::format_date(due as i64);
    for (id, number) in [("i1", "A-1"), ("i2", "A-2")] {
        accepted(&app, event(id, "invoice.issued", "ada@example.com", json!({ "invoice_id": id, "number": number, "amount": "10 EUR", "due_date": due_date }))).await;
    }
    app.wait_for_mail("ada@example.com", "Invoice A-1 is due in 7 days")
        .await;
    app.wait_for_mail("ada@example.com", "Invoice A-2 is due in 7 days")
        .await;
    accepted(
        &app,
        event(
            "p2",
            "invoice.paid",
            "ada@example.com",
            json!({ "invoice_id": "i2" }),
        ),
    )
    .await;

    app.restart().await;
    // Time passes while it is down: the next stage of both invoices comes due.
    app.execute(
        "update scheduled_notifications set due_at = 1 where dedupe_key like '%overdue_4_days'",
        &[],
    )
    .await;
    app.wait_for_mail("ada@example.com", "Invoice A-1 is 4 days overdue")
        .await;
    let later = inbox(&app, &browser).await;
    assert!(titles(&later).contains(&"Invoice A-1 is 4 days overdue".to_string()));
    assert_eq!(
        app.mail_count("ada@example.com", "Invoice A-1 is due in 7 days"),
        1
    );
    assert_eq!(
        app.mail_count("ada@example.com", "Invoice A-2 is 4 days overdue"),
        0,
        "paid: cancelled"
    );
    assert!(!titles(&later).iter().any(|t| t.contains("A-2 is 4 days")));
}

/// With SMTP down, notification e-mails wait (the inbox says so) and go out when it is back.
#[tokio::test]
async fn notification_mail_waits_for_smtp_and_goes_out_when_it_is_back() {
    let (app, browser, port) = TestApp::with_smtp_down(false).await;
    accepted(&app, event("inv", "invoice.issued", "ada@example.com", json!({ "invoice_id": "9", "number": "B-9", "amount": "5 EUR", "due_date": "2099-12-31" }))).await;
    let status = || async {
        inbox(&app, &browser).await["inbox"][0]["email_status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while status().await != "retrying" {
        assert!(
            std::time::Instant::now() < deadline,
            "the first attempt should fail"
        );
        app.work().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let sink = SmtpSink::start(port).await;
    sink.wait_for("ada@example.com", "Invoice B-9 issued").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while status().await != "sent" {
        assert!(
            std::time::Instant::now() < deadline,
            "the inbox shows it sent"
        );
        app.work().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A weekly summary waits for Monday morning, then goes out once, whoever's scheduler gets it.
#[tokio::test]
async fn the_weekly_summary_is_held_until_its_time_and_sent_once() {
    let app = TestApp::spawn_with_mail(Backend::Sqlite).await;
    let browser = app.signed_in("ada@example.com").await;
    accepted(
        &app,
        event(
            "w1",
            "usage.weekly",
            "ada@example.com",
            json!({ "week_start": "2026-11-16", "summary": "42 vCPU hours, 3 builds" }),
        ),
    )
    .await;
    accepted(
        &app,
        event(
            "w1-again",
            "usage.weekly",
            "ada@example.com",
            json!({ "week_start": "2026-11-16", "summary": "42 vCPU hours, 3 builds" }),
        ),
    )
    .await;
    let pending = inbox(&app, &browser).await;
    assert!(
        !titles(&pending).iter().any(|t| t.contains("week of")),
        "held until Monday morning"
    );
    // Monday morning comes.
    app.execute(
        "update scheduled_notifications set due_at = 1 where topic = 'weekly_summary'",
        &[],
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let got = titles(&inbox(&app, &browser).await);
        if got
            .iter()
            .any(|t| t == "Your usage for the week of 2026-11-16")
        {
            assert_eq!(
                got.iter().filter(|t| t.contains("week of")).count(),
                1,
                "the same week twice is one summary"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler delivers it"
        );
        app.work().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

on_both_databases! {
    // The bell's poll: the count of unread in-app notifications, for the signed-in person only,
    // and not counted as activity (an open tab must not keep a session from going idle).
    async fn the_bell_poll_counts_unread_and_does_not_keep_a_session_alive(app: TestApp) {
        let anonymous = app.browser();
        let res = app.call(&anonymous, "unread_count", &[]).await;
        assert_eq!(res.status(), 401);

        let email = "bell@example.com";
        let client = app.signed_in(email).await;
        let res = app.call(&client, "unread_count", &[]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap().trim(), "0");
        accepted(
            &app,
            event("bell-news-1", "news.published", email, json!({ "title": "Bell news", "body": "…" })),
        )
        .await;
        let res = app.call(&client, "unread_count", &[]).await;
        assert_eq!(res.text().await.unwrap().trim(), "1");
        // The bell leads to the inbox's own page, which lists it.
        let html = app.page(&client, "/settings/notifications/inbox").await;
        assert!(html.contains(r#"href="/settings/notifications/inbox""#), "{html}");
        assert!(html.contains("Inbox (1 unread)</h1>") && html.contains("Bell news"), "{html}");
        // Someone else's notifications are not counted.
        let other = app.signed_in("not-bell@example.com").await;
        let res = app.call(&other, "unread_count", &[]).await;
        assert_eq!(res.text().await.unwrap().trim(), "0");

        // Long idle: the poll leaves last-seen (and so the idle expiry) where it was; a real
        // request moves it.
        let user_sessions = "select count(*) from sessions s join users u on u.id = s.user_id \
                             where u.email = $1 and s.last_seen_at = 1000";
        app.execute(
            "update sessions set last_seen_at = 1000 where user_id = (select id from users where email = $1)",
            &[email],
        )
        .await;
        let res = app.call(&client, "unread_count", &[]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(app.count(user_sessions, &[email]).await, 1);
        let res = app.call(&client, "get_current_user", &[]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(app.count(user_sessions, &[email]).await, 0);
    }
}
