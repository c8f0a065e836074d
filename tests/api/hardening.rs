//! Regression tests for the weaknesses an attack run found (one test per finding): each of
//! these failed on the build that was attacked.

use crate::common::*;
use crate::mfa::{enrolled, first_step};
use crate::on_both_databases;
use crate::on_both_databases_as_binaries;
use profile_center::error::AppError;
use reqwest::header;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn spawn_behind_proxy(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, &[("TRUST_PROXY_HEADERS", "true")]).await
}

async fn security_log(app: &TestApp, client: &reqwest::Client) -> Vec<(String, String)> {
    let page: Value = app
        .call(client, "get_security_log", &[("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["success"].to_string(),
            )
        })
        .collect()
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

both!(spawn_behind_proxy:
    a_strangers_wrong_passwords_do_not_lock_the_owner_out,
    only_the_address_the_trusted_proxy_added_counts,
);

// High: 6 challenges × 5 wrong codes, then the right code, used to sign in.
on_both_databases! {
    async fn wrong_second_factors_count_across_fresh_challenges_and_the_owner_is_told(app: TestApp) {
        let (owner, key, _) = enrolled(&app, "ada@example.com").await;
        let mut wrong = 0;
        for _ in 0..2 {
            // Knowing the password opens a fresh challenge each time…
            let (guesser, _) = first_step(&app, "ada@example.com").await;
            for _ in 0..3 {
                let res = app.call(&guesser, "verify_sign_in_code", &[("code", "000000")]).await;
                wrong += 1;
                if wrong <= 5 {
                    assert_eq!(res.status(), 422, "wrong code {wrong}");
                }
            }
        }
        // …but the wrong codes added up across them: even the right code is refused now.
        let (guesser, _) = first_step(&app, "ada@example.com").await;
        let res = app.call(&guesser, "verify_sign_in_code", &[("code", &key.code(1))]).await;
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        assert_eq!(app.call(&guesser, "get_profile_page", &[]).await.status(), 401);
        let log = security_log(&app, &owner).await;
        assert!(log.iter().any(|(k, _)| k == "mfa_throttled"), "{log:?}");
        app.wait_for_mail("ada@example.com", "Several wrong two-factor codes").await;
        // A correct password alone did not reset the count: it held through three sign-ins.
        assert!(log.iter().filter(|(k, ok)| k == "sign_in" && ok == "true").count() >= 3);
    }

    // Low: regenerating recovery codes needed only sudo; disable_mfa was not throttled.
    async fn new_recovery_codes_need_a_code_and_turning_off_is_throttled(app: TestApp) {
        let (client, key, codes) = enrolled(&app, "ada@example.com").await;
        let res = app.call(&client, "regenerate_recovery_codes", &[("confirm_code", "000000")]).await;
        assert_eq!(res.status(), 422);
        assert!(error_of(res).await.field_errors().unwrap().get("confirm_code").is_some());
        assert_eq!(app.call(&client, "regenerate_recovery_codes", &[("confirm_code", &codes[0])]).await.status(), 200);
        // One wrong code above, four wrong passwords here: five failures in this session.
        for _ in 0..4 {
            let res = app.call(&client, "disable_mfa", &[("password", "not my password"), ("code", &key.code(1))]).await;
            assert_eq!(res.status(), 422);
        }
        let res = app.call(&client, "disable_mfa", &[("password", PASSWORD), ("code", &key.code(1))]).await;
        assert_eq!(res.status(), 429, "the session's own wrong passwords throttle it");
    }

    // Low: a password step taken before a password change could be finished with a code after.
    async fn a_password_step_from_before_a_password_change_cannot_be_finished(app: TestApp) {
        let (client, key, _) = enrolled(&app, "ada@example.com").await;
        let (thief, _) = first_step(&app, "ada@example.com").await;
        let change = [("current_password", PASSWORD), ("new_password", "a brand new passphrase"), ("confirm_password", "a brand new passphrase")];
        assert_eq!(app.call(&client, "change_password", &change).await.status(), 200);
        let res = app.call(&thief, "verify_sign_in_code", &[("code", &key.code(1))]).await;
        assert_eq!(res.status(), 409);
        assert_eq!(app.call(&thief, "get_profile_page", &[]).await.status(), 401);
    }

    // Low: sudo confirmation kept the session token (ASVS 7.2.4).
    async fn confirming_it_is_you_gives_the_session_a_new_token(app: TestApp) {
        let client = app.browser();
        let res = app.sign_up_and_verify(&client, "ada@example.com").await;
        let before = session_token(&res).expect("a session");
        let res = app.call(&client, "confirm_password", &[("password", PASSWORD)]).await;
        assert_eq!(res.status(), 200);
        let after = session_token(&res).expect("a new session cookie");
        assert_ne!(before, after);
        let old = reqwest::Client::new()
            .post(app.url("/api/get_profile_page"))
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, format!("pc_session={before}"))
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 401, "the token from before the confirmation is dead");
        assert_eq!(app.call(&client, "end_other_sessions", &[]).await.status(), 200, "the new one is in sudo mode");
    }

    // Medium: links in e-mails took their host from the request's Host header.
    async fn links_in_mail_come_from_configuration_not_the_host_header(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let res = client
            .post(app.url("/api/add_email"))
            .header(header::ACCEPT, "application/json")
            .header(header::HOST, "evil.test")
            .form(&[("email", "work@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let mail = app.wait_for_mail("work@example.com", "/verify-email?token").await;
        assert!(!mail.contains("evil.test"), "{mail}");
        assert!(mail.contains(&format!("{}/verify-email?token", app.base)), "the listen address in development");
    }

    // Medium: "send me a test e-mail" and "send link again" delivered without limit.
    async fn mail_people_ask_for_is_limited_per_recipient_and_per_person(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let mut refused = 0;
        for _ in 0..8 {
            let res = app.call(&client, "send_test_notification", &[("channel", "email")]).await;
            if res.status() == 429 {
                assert!(res.headers().contains_key(header::RETRY_AFTER));
                refused += 1;
            }
        }
        assert_eq!(refused, 4, "5 requested e-mails an hour to one address (the sign-up link was one)");
        app.call(&client, "add_email", &[("email", "victim@example.com")]).await;
        let list: Value = app.call(&client, "list_emails", &[]).await.json().await.unwrap();
        let id = list["others"][0]["id"].as_str().unwrap().to_string();
        for _ in 0..10 {
            app.call(&client, "resend_email_link", &[("id", &id)]).await;
        }
        app.work().await; // every queued message goes out now
        assert_eq!(app.mail_count("victim@example.com", "verify-email"), 5, "at most 5 an hour reach a third party");
    }

    // Medium: sign-up revealed which addresses have accounts and never verified the address.
    async fn sign_up_answers_alike_for_every_address_and_verifies_it_first(app: TestApp) {
        app.signed_in("ada@example.com").await;
        let fields = |email: &'static str| [("email", email), ("password", "a stranger's long passphrase"), ("first_name", "Eve"), ("last_name", "Stranger")];
        let taken = app.call(&app.browser(), "sign_up", &fields("ada@example.com")).await;
        let fresh = app.call(&app.browser(), "sign_up", &fields("grace@example.com")).await;
        assert_eq!((taken.status(), fresh.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
        assert!(taken.headers().get(header::SET_COOKIE).is_none() && fresh.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(taken.text().await.unwrap(), fresh.text().await.unwrap());
        app.wait_for_mail("ada@example.com", "Someone tried to use your e-mail address").await;
        // The stranger's sign-up for grace@ waits for its link and gets nothing else.
        let (_, res) = app.sign_in("grace@example.com", "a stranger's long passphrase").await;
        assert_eq!(res.status(), 409, "unverified: no session");
        while app.mail_count("grace@example.com", "/signup/verify?token=") < 2 {
            app.work().await; // the link sent again
        }
        let event = serde_json::json!({ "id": "n1", "type": "news.published", "users": ["grace@example.com"], "data": { "title": "t", "body": "b" } });
        let res = app.api(reqwest::Method::POST, "/api/v1/events", PLATFORM_KEY).json(&event).send().await.unwrap();
        assert_eq!(res.status(), 422, "an unverified account is nobody to notify");
        // The real Grace signs up too: her password replaces the stranger's, and only the link
        // with the password chosen last finishes it.
        let grace = app.browser();
        let res = app.sign_up_and_verify(&grace, "grace@example.com").await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        assert_eq!(app.call(&grace, "get_profile_page", &[]).await.status(), 200);
        assert_eq!(app.sign_in("grace@example.com", "a stranger's long passphrase").await.1.status(), 401);
    }

    // Low: common passwords like these were accepted.
    async fn the_ten_thousand_most_common_passwords_are_refused(app: TestApp) {
        for password in ["qwerty1234", "shadow123", "1q2w3e4r5t6y", "Princess2023!"] {
            let fields = [("email", "ada@example.com"), ("password", password), ("first_name", "Ada"), ("last_name", "Lovelace")];
            let res = app.call(&app.browser(), "sign_up", &fields).await;
            assert_eq!(res.status(), 422, "{password}");
            assert!(error_of(res).await.field_errors().unwrap().get("password").is_some());
        }
    }

    // Medium: no CSP, COOP or HSTS on pages that show keys and recovery codes.
    async fn pages_carry_a_content_security_policy_with_a_fresh_nonce(app: TestApp) {
        let nonce_of = |csp: &str| csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).map(str::to_string);
        let first = app.browser().get(app.url("/signin")).send().await.unwrap();
        let csp = first.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
        assert_eq!(first.headers()["cross-origin-opener-policy"], "same-origin");
        assert!(first.headers().get(header::STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS over plain development HTTP");
        for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "'strict-dynamic'"] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
        let nonce = nonce_of(&csp).expect("a nonce");
        let html = first.text().await.unwrap();
        let scripts = html.matches("<script").count();
        assert!(scripts > 0 && html.matches(&format!("nonce=\"{nonce}\"")).count() >= scripts, "every inline script carries it");
        let second = app.browser().get(app.url("/signin")).send().await.unwrap();
        let again = nonce_of(second.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap()).unwrap();
        assert_ne!(nonce, again, "a new nonce per response");
        let api = app.browser().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert!(api.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));
    }

    // Low: page=18446744073709551615 wrapped to a negative OFFSET (500 on Postgres).
    async fn absurd_page_numbers_are_bounded(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        for function in ["get_security_log", "get_notifications_page"] {
            let res = app.call(&client, function, &[("page", "18446744073709551615")]).await;
            assert_eq!(res.status(), 200, "{function}");
        }
        let res = client.get(app.url("/settings/security?page=18446744073709551615")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }

    // Low: a 12 MB form post answered 302 "BadRequest".
    async fn an_oversized_form_post_is_refused_with_413_and_a_message(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let big = "x".repeat(12 * 1024 * 1024);
        let res = client
            .post(app.url("/api/update_profile"))
            .header(header::ACCEPT, "text/html")
            .form(&[("first_name", big.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 413);
        assert!(res.text().await.unwrap().contains("The form is too large"));
        let res = app.call(&client, "update_profile", &[("first_name", big.as_str())]).await;
        assert_eq!(res.status(), 413);
        assert_eq!(error_of(res).await, AppError::TooLarge);
    }

    // Low: a key in the query string answered 400; "bearer" in lower case was refused.
    async fn api_keys_work_only_in_the_header_with_any_case_of_bearer(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&client, "ci", &["profile:read"], "30").await;
        let in_query = reqwest::Client::new().get(app.url(&format!("/api/v1/me?api_key={key}"))).send().await.unwrap();
        let bad_key = app.api(reqwest::Method::GET, "/api/v1/me", "pc_nonsense").send().await.unwrap();
        assert_eq!(in_query.status(), 401);
        assert_eq!(in_query.text().await.unwrap(), bad_key.text().await.unwrap(), "the same body as any bad key");
        let lower = reqwest::Client::new().get(app.url("/api/v1/me")).header(header::AUTHORIZATION, format!("bearer {key}")).send().await.unwrap();
        assert_eq!(lower.status(), 200);
    }

    // Low: recovery codes were stored as unsalted SHA-256.
    async fn recovery_codes_are_stored_under_a_keyed_hash(app: TestApp) {
        use sha2::Digest;
        let (_, _, codes) = enrolled(&app, "ada@example.com").await;
        let stored = app.database_contents();
        for code in &codes {
            let plain = hex::encode(sha2::Sha256::digest(code.replace('-', "").as_bytes()));
            assert!(!stored.contains(&plain), "an unkeyed hash of {code} is in the database");
        }
    }


    // schemathesis --checks all: `If-Match: null` with an invalid body answered 412.
    async fn a_bad_body_is_refused_before_its_precondition(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let key = app.create_api_key(&client, "ci", &["profile:write"], "30").await;
        let res = app.api(reqwest::Method::PATCH, "/api/v1/me", &key).header(header::IF_MATCH, "null").json(&serde_json::json!({ "first_name": "" })).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = app.api(reqwest::Method::PATCH, "/api/v1/me", &key).header(header::IF_MATCH, "null").json(&serde_json::json!({ "first_name": "Ada" })).send().await.unwrap();
        assert_eq!(res.status(), 412);
    }
}

/// The session token a response sets, if it sets one.
fn session_token(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("pc_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .filter(|t| !t.is_empty())
}

// Medium: 5 wrong passwords from anywhere locked out the owner everywhere, also inside their
// session.
async fn a_strangers_wrong_passwords_do_not_lock_the_owner_out(app: TestApp) {
    let owner = app.browser_from("198.51.100.7");
    let res = app.sign_up_and_verify(&owner, "ada@example.com").await;
    assert_eq!(res.status(), 200);
    for i in 0..12 {
        let attacker = app.browser_from("203.0.113.66");
        let res = app
            .call(
                &attacker,
                "sign_in",
                &[
                    ("email", "ada@example.com"),
                    ("password", "guess the password"),
                ],
            )
            .await;
        assert!(matches!(res.status().as_u16(), 401 | 429), "attempt {i}");
    }
    let attacker = app.browser_from("203.0.113.66");
    let res = app
        .call(
            &attacker,
            "sign_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status(),
        429,
        "the guesser's own source is locked, right password or not"
    );
    // The owner, inside their session: confirming and changing the password still work.
    assert_eq!(
        app.call(&owner, "confirm_password", &[("password", PASSWORD)])
            .await
            .status(),
        200
    );
    // The owner's browser that signed in before: even from the attacker's address.
    let known = owner.clone();
    let res = app
        .call(
            &known,
            "sign_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "a browser that signed in before is not locked by others"
    );
    // The owner from a new browser elsewhere.
    let elsewhere = app.browser_from("192.0.2.10");
    let res = app
        .call(
            &elsewhere,
            "sign_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "another source is not locked by the guesser's failures"
    );
    let change = [
        ("current_password", PASSWORD),
        ("new_password", "a brand new passphrase"),
        ("confirm_password", "a brand new passphrase"),
    ];
    assert_eq!(
        app.call(&elsewhere, "change_password", &change)
            .await
            .status(),
        200
    );
}

// Medium: the leftmost X-Forwarded-For entry (the client's own words) was trusted.
async fn only_the_address_the_trusted_proxy_added_counts(app: TestApp) {
    let client = app.browser_from("1.2.3.4, 198.51.100.20");
    app.sign_up_and_verify(&client, "ada@example.com").await;
    let page: Value = app
        .call(&client, "list_sessions", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["active"][0]["ip"], "198.51.100.20");
    // Varying the part the client writes does not escape the per-address limit.
    let mut locked = false;
    for i in 0..25 {
        let spoofer = app.browser_from(&format!("10.0.0.{i}, 203.0.113.5"));
        let res = app
            .call(
                &spoofer,
                "sign_in",
                &[
                    ("email", &format!("nobody{i}@example.com")),
                    ("password", "guess the password"),
                ],
            )
            .await;
        locked |= res.status() == 429;
    }
    assert!(locked, "20 failures from one real address lock it");
}

// Medium: a stranger guessing codes or a flood of sign-ins used to take the memory with it.
#[tokio::test]
async fn memory_stays_bounded_under_a_flood_of_failed_sign_ins() {
    // The binary, whose memory is its own.
    let app = TestApp::spawn_binary_with(Backend::Sqlite, &[("TRUST_PROXY_HEADERS", "true")]).await;
    app.signed_in("ada@example.com").await;
    let flood = (0..64).map(|i| {
        let client = app.browser_from(&format!("10.1.{}.{}", i / 200, i % 200));
        let url = app.url("/api/sign_in");
        async move {
            client
                .post(url)
                .header(header::ACCEPT, "application/json")
                .form(&[
                    ("email", "ada@example.com"),
                    ("password", "not the password at all"),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let statuses = futures_util::future::join_all(flood).await;
    assert!(
        statuses.iter().all(|s| matches!(s, Ok(401 | 429))),
        "{statuses:?}"
    );
    let rss = app.rss_bytes();
    assert!(
        rss < 150 * 1024 * 1024,
        "RSS after 64 concurrent sign-ins: {} MB",
        rss / 1024 / 1024
    );
}

// Medium: slow clients held connections open past 70 s and used up file descriptors.
#[tokio::test]
async fn slow_idle_and_surplus_connections_are_closed() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("HTTP_IDLE_TIMEOUT_SECS", "1"),
            ("HTTP_REQUEST_TIMEOUT_SECS", "2"),
            ("MAX_CONNECTIONS_PER_IP", "10"),
        ],
    )
    .await;
    let addr = app.addr();
    let closed_within = |mut stream: tokio::net::TcpStream, limit: Duration| async move {
        let started = Instant::now();
        let mut buf = [0u8; 512];
        loop {
            match tokio::time::timeout(limit, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed() < limit,
                Ok(Ok(_)) => continue, // e.g. a 408 before closing
                Err(_) => return false,
            }
        }
    };
    // An idle connection.
    let idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(
        closed_within(idle, Duration::from_secs(5)).await,
        "idle connection left open"
    );
    // A request head trickled in.
    let mut head = tokio::net::TcpStream::connect(addr).await.unwrap();
    head.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(head, Duration::from_secs(5)).await,
        "incomplete head left open"
    );
    // A body trickled in, a byte every half second.
    let mut body = tokio::net::TcpStream::connect(addr).await.unwrap();
    body.write_all(b"POST /api/sign_in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n").await.unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..40 {
            if body.write_all(b"a").await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        false
    });
    let started = Instant::now();
    assert!(trickle.await.unwrap(), "a trickled body was read for 20 s");
    assert!(started.elapsed() < Duration::from_secs(8));
    // More connections from one address than allowed: the surplus is closed at once, and
    // everybody else is still served.
    let mut held = Vec::new();
    for _ in 0..10 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        held.push(socket.connect(addr).await.unwrap());
    }
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let surplus = socket.connect(addr).await.unwrap();
    assert!(
        closed_within(surplus, Duration::from_millis(500)).await,
        "the 11th connection from one address was kept"
    );
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    drop(held);
}

// Low: with Postgres down, pages and the API hung 30 s and then answered 500.
#[tokio::test]
async fn with_the_database_down_everything_answers_503_quickly_and_recovers() {
    let app = TestApp::spawn_behind_db_proxy(&[]).await;
    let client = app.signed_in("ada@example.com").await;
    let key = app
        .create_api_key(&client, "ci", &["profile:read"], "30")
        .await;
    app.db_proxy.as_ref().unwrap().cut();
    let started = Instant::now();
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    let page = client
        .get(app.url("/settings/profile"))
        .send()
        .await
        .unwrap();
    let function = app.call(&client, "get_profile_page", &[]).await;
    let api = app
        .api(reqwest::Method::GET, "/api/v1/me", &key)
        .send()
        .await
        .unwrap();
    for (what, res) in [
        ("readyz", &ready),
        ("page", &page),
        ("server function", &function),
        ("REST", &api),
    ] {
        assert_eq!(res.status(), 503, "{what}");
        assert!(res.headers().contains_key(header::RETRY_AFTER), "{what}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered within the acquire timeouts"
    );
    assert_eq!(error_of(function).await, AppError::Unavailable);
    app.db_proxy.as_ref().unwrap().restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if app.call(&client, "get_profile_page", &[]).await.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// Medium: links must come from configuration; production refuses to start without it.
#[test]
fn production_without_a_public_origin_does_not_start() {
    let text = refused_start(&[
        ("APP_ENV", "production"),
        ("SECRET_KEY", &"ab".repeat(32)),
        ("DATABASE_URL", "sqlite::memory:"),
    ]);
    assert!(text.contains("PUBLIC_ORIGIN is required"), "{text}");
}

#[tokio::test]
async fn production_pages_send_hsts() {
    let key = "ab".repeat(32);
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("APP_ENV", "production"),
            ("SECRET_KEY", key.as_str()),
            ("PUBLIC_ORIGIN", "https://profile.example.com"),
        ],
    )
    .await;
    let res = app.browser().get(app.url("/signin")).send().await.unwrap();
    assert_eq!(
        res.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

on_both_databases_as_binaries! {
    // Low: sign-ins and failures were not in the server log; a spurious error on every REST
    // validation failure was.
    async fn sign_ins_are_logged_without_secrets(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        app.sign_in("ada@example.com", "a wrong password here").await;
        assert_eq!(app.sign_in("ada@example.com", PASSWORD).await.1.status(), 200);
        let key = app.create_api_key(&client, "ci", &["profile:write"], "30").await;
        let res = app.api(reqwest::Method::PATCH, "/api/v1/me", &key).json(&serde_json::json!({ "first_name": "" })).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let logs = app.logs();
        assert!(logs.contains("sign-in failed") && logs.contains("signed in"), "{logs}");
        assert!(!logs.contains(PASSWORD) && !logs.contains("a wrong password here") && !logs.contains(&key));
        assert!(!logs.contains("request parts missing"), "{logs}");
        assert!(!logs.contains("ERROR"), "{logs}");
    }
}

// Found by the bench: a request whose client went away midway was dropped with it. A REST write
// dropped inside its transaction kept SQLite's write lock until the pool reused the connection,
// and the next writers waited and got 503; a page dropped midway could deadlock a worker thread
// for good. Every request now runs to its end whether or not anyone still waits for it.
// The real binary: its runtime has the worker threads a stuck render would stop.
on_both_databases_as_binaries! {
    async fn requests_whose_clients_leave_midway_finish_and_hold_up_nobody(app: TestApp) {
        let client = app.signed_in("ada@example.com").await;
        let key = app
            .create_api_key(&client, "ci", &["profile:read", "profile:write"], "30")
            .await;
        let (_, signed_in) = app.sign_in("ada@example.com", PASSWORD).await;
        let cookie = signed_in
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("pc_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string();
        let addr = app.addr();
        for i in 0..60u64 {
            let request = if i % 2 == 0 {
                let body = format!(r#"{{"first_name":"Left{i}"}}"#);
                format!(
                    "PATCH /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            } else {
                format!("GET /settings/profile HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n")
            };
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            // Gone at different points of the server's work: before, during, after the write.
            tokio::time::sleep(Duration::from_micros(i * 150)).await;
            drop(stream);
        }
        // Whoever comes next is served at once: no lock left behind, no thread stuck.
        let patient = reqwest::Client::builder()
            .timeout(Duration::from_secs(4))
            .build()
            .unwrap();
        for i in 0..10 {
            let res = patient
                .patch(app.url("/api/v1/me"))
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .json(&serde_json::json!({ "first_name": format!("Next{i}") }))
                .send()
                .await
                .expect("a write after abandoned requests is answered");
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
            let page = patient
                .get(app.url("/settings/profile"))
                .header(header::COOKIE, &cookie)
                .send()
                .await
                .expect("a page after abandoned requests is answered");
            assert_eq!(page.status(), 200);
        }
        assert_eq!(app.first_name(&key).await, "Next9");
        assert!(!app.logs().contains("database is locked"));
    }
}
