//! Two instances on one Postgres behind a real load balancer (haproxy on loopback) behave as
//! one: what one instance does, the other knows at once; background work is done once; the
//! migrations, started by both at the same moment, apply once.

use crate::accounts::{create, member, member_id};
use crate::common::*;
use reqwest::{Client, Method};
use serde_json::json;
use std::time::{Duration, Instant};

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn status(res: reqwest::Response) -> u16 {
    res.status().as_u16()
}

/// Whether `client` is signed in on `app` (the Profile page, not a redirect to sign-in).
async fn signed_in_on(app: &TestApp, client: &Client) -> bool {
    let res = client
        .get(app.url("/settings/profile"))
        .send()
        .await
        .unwrap();
    res.status() == 200
}

async fn confirm(app: &TestApp, client: &Client) {
    let res = app
        .call(client, "confirm_password", &[("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn two_instances_behind_haproxy_behave_as_one() {
    let pair = Pair::start(&[("API_RATE_LIMIT", "30")]).await;
    let (a, b, proxy) = (&pair.a, &pair.b, &pair.proxy);

    // Both ran the migrations at once: each applied exactly once, and both serve.
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    assert_eq!(
        a.count("select count(*) from _sqlx_migrations", &[]).await,
        files
    );
    assert_eq!(
        a.count("select count(distinct version) from _sqlx_migrations", &[])
            .await,
        files
    );
    for app in [a, b] {
        assert_eq!(
            status(reqwest::get(app.url("/readyz")).await.unwrap()).await,
            200
        );
    }

    // Signed in on one, signed in on the other (the cookie is the browser's for the host).
    let ada = a.signed_in("ada@example.com").await;
    assert!(signed_in_on(b, &ada).await);
    // A second session, ended from the other instance: refused on both at once.
    let (phone, res) = a.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(signed_in_on(b, &phone).await);
    confirm(b, &ada).await;
    assert_eq!(b.call(&ada, "end_other_sessions", &[]).await.status(), 200);
    assert!(!signed_in_on(a, &phone).await);
    assert!(!signed_in_on(b, &phone).await);
    assert!(signed_in_on(a, &ada).await);

    // A key made on one works on the other until revoked there, then on neither.
    let key = a
        .create_api_key(&ada, "script", &["profile:read"], "30")
        .await;
    let me = |app: &TestApp| app.api(Method::GET, "/api/v1/me", &key).send();
    assert_eq!(status(me(b).await.unwrap()).await, 200);
    let id = key.trim_start_matches("pc_").split_once('.').unwrap().0;
    assert_eq!(
        b.call(&ada, "revoke_api_key", &[("id", id)]).await.status(),
        200
    );
    assert_eq!(status(me(a).await.unwrap()).await, 401);
    assert_eq!(status(me(b).await.unwrap()).await, 401);

    // A member removed on one instance is refused on the other at once.
    let account = create(a, &ada, "Acme").await;
    let bob = member(a, &ada, &account, "bob@example.com", "admin").await;
    let manage = [("account", account.as_str()), ("page", "1")];
    assert_eq!(b.call(&bob, "get_manage_page", &manage).await.status(), 200);
    let bobs = member_id(a, &ada, &account, "bob@example.com").await;
    let remove = [("account", account.as_str()), ("id", bobs.as_str())];
    assert_eq!(b.call(&ada, "remove_member", &remove).await.status(), 200);
    assert_eq!(a.call(&bob, "get_manage_page", &manage).await.status(), 404);
    assert_eq!(b.call(&bob, "get_manage_page", &manage).await.status(), 404);

    // One key's rate limit (30 a minute) counts its requests on both: through the balancer
    // (round robin, so half on each) 30 pass, then either instance refuses the next.
    let limited = a
        .create_api_key(&ada, "limited", &["profile:read"], "30")
        .await;
    let http = Client::new();
    for n in 0..30 {
        let res = http
            .get(proxy.url("/api/v1/me"))
            .bearer_auth(&limited)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "request {n} through the balancer");
    }
    for app in [a, b] {
        let res = app
            .api(Method::GET, "/api/v1/me", &limited)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
    }

    // Background work once: sign-ups through the balancer (the outbox of whichever instance
    // took each), and invoices whose first reminder the schedulers of both (every second) find
    // due at once. Each message arrives exactly once.
    let people: Vec<String> = (1..=8).map(|n| format!("person{n}@example.com")).collect();
    for (n, email) in people.iter().enumerate() {
        let res = http
            .post(proxy.url("/api/sign_up"))
            .header("x-forwarded-for", format!("10.2.0.{}", n + 1))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("first_name", "P"),
                ("last_name", "Q"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let due = profile_center::model::notifications::format_date((unix_now() + 3 * 86_400) as i64);
    let invoices: Vec<String> = (1..=8).map(|n| format!("C-{n}")).collect();
    for number in &invoices {
        let event = json!({ "id": format!("ev-{number}"), "type": "invoice.issued",
            "users": ["ada@example.com"],
            "data": { "invoice_id": number, "number": number, "amount": "10 EUR", "due_date": due } });
        let res = http
            .post(proxy.url("/api/v1/events"))
            .bearer_auth(PLATFORM_KEY)
            .json(&event)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }
    for email in &people {
        a.wait_for_mail(email, "/signup/verify?token=").await;
    }
    for number in &invoices {
        a.wait_for_mail(
            "ada@example.com",
            &format!("Invoice {number} is due in 7 days"),
        )
        .await;
    }
    // Time for a second sending, if anything were to send twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for email in &people {
        assert_eq!(a.mail_count(email, "/signup/verify?token="), 1, "{email}");
    }
    for number in &invoices {
        let subject = format!("Invoice {number} is due in 7 days");
        assert_eq!(a.mail_count("ada@example.com", &subject), 1, "{subject}");
    }
    assert_eq!(
        a.count("select count(*) from outbox where status <> 'sent'", &[])
            .await,
        0
    );

    // One instance stops: the balancer's health check takes it out and nothing fails.
    let mut pair = pair;
    pair.a.stop();
    let stopped = Instant::now();
    let mut failures = 0;
    while stopped.elapsed() < Duration::from_secs(2) {
        let res = http.get(pair.proxy.url("/signin")).send().await;
        if !res.is_ok_and(|r| r.status() == 200) {
            failures += 1;
        }
    }
    assert_eq!(failures, 0, "requests failed while one instance was gone");
}
