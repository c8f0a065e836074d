//! What operators read: the log (one line per request, JSON on request, the id an error page
//! shows) and the configuration check.

use crate::common::*;
use profile_center::error::AppError;
use serde_json::Value;

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every answer says its request id")
        .to_string()
}

#[tokio::test]
async fn json_logs_have_a_line_per_request_and_the_id_an_error_shows() {
    let app = TestApp::spawn_binary_with(Backend::Sqlite, &[("LOG_FORMAT", "json")]).await;
    let page = reqwest::get(app.url("/signin?next=%2Fsettings%2Ftoken-in-the-query"))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page_id = request_id(&page);

    // An internal error: the person sees a reference, the log has it on the request's lines.
    app.break_inserts_into("outbox").await;
    let failed = app.sign_up(&app.browser(), "grace@example.com").await;
    assert_eq!(failed.status(), 500);
    let failed_id = request_id(&failed);
    match error_of(failed).await {
        AppError::Internal(reference) => assert_eq!(reference, failed_id),
        other => panic!("not an internal error: {other:?}"),
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let logs = app.logs();
    let lines: Vec<Value> = logs
        .lines()
        .filter(|l| !l.starts_with("profile-center listening on"))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    // Whether a line was logged while serving request `id` (in its span or one inside it).
    let during = |l: &Value, id: &str| {
        l["spans"]
            .as_array()
            .is_some_and(|spans| spans.iter().any(|s| s["id"] == id))
    };
    let request_line = |id: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == "request" && during(l, id))
            .unwrap_or_else(|| panic!("no request line for {id}:\n{logs}"))
    };
    let signin = request_line(&page_id);
    assert_eq!(signin["fields"]["method"], "GET");
    assert_eq!(signin["fields"]["path"], "/signin");
    assert_eq!(signin["fields"]["status"], 200);
    assert!(
        !logs.contains("token-in-the-query"),
        "a query string reached the log"
    );
    assert_eq!(request_line(&failed_id)["fields"]["status"], 500);
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "internal error"
                && l["fields"]["reference"] == failed_id.as_str()
                && during(l, &failed_id)),
        "the error's own line carries the request's id:\n{logs}"
    );
    assert!(!logs.contains(PASSWORD), "a password reached the log");
}

#[tokio::test]
async fn a_bad_log_format_or_metrics_address_is_refused_at_start_with_its_name() {
    let dir = std::env::temp_dir().join("pc-bad-operations-variable");
    for (name, value, message) in [
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be text or json"),
        (
            "METRICS_ADDR",
            "everywhere",
            "METRICS_ADDR must be an address",
        ),
    ] {
        let said = refused_start(&[
            (name, value),
            ("DATA_DIR", dir.to_str().unwrap()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ]);
        assert!(said.contains(message), "{said}");
    }
}

// A service manager's stop: SIGTERM. New connections are refused at once, the request in
// flight is answered, mail not sent yet stays in the outbox for the next start, and the process
// exits 0 well inside the grace period.
#[tokio::test]
async fn sigterm_answers_the_request_in_flight_keeps_unsent_mail_and_exits_0() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut app = TestApp::spawn_binary_with(
        Backend::Sqlite,
        &[
            ("SHUTDOWN_GRACE_SECS", "10"),
            // Nobody listens there: the sign-up link waits in the outbox.
            ("SMTP_URL", "smtp://127.0.0.1:9"),
        ],
    )
    .await;
    assert_eq!(
        app.sign_up(&app.browser(), "grace@example.com")
            .await
            .status(),
        200
    );
    let pending = "select count(*) from outbox where status = 'pending'";
    assert_eq!(app.count(pending, &[]).await, 1);

    // A sign-in whose body is still arriving when the signal comes.
    let body = format!(
        "email=grace%40example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let mut slow = tokio::net::TcpStream::connect(app.addr()).await.unwrap();
    let head = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Accept: application/json\r\nContent-Length: {}\r\n\r\n",
        app.addr(),
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let stopping = std::time::Instant::now();
    app.terminate();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let refused = reqwest::Client::new()
        .get(app.url("/healthz"))
        .timeout(std::time::Duration::from_secs(2))
        .send()
        .await;
    assert!(refused.is_err(), "a new request was served after SIGTERM");

    slow.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut answer),
    )
    .await
    .expect("the request in flight is answered")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(!answer.starts_with("HTTP/1.1 5"), "{answer}");

    assert_eq!(
        app.exit_code(std::time::Duration::from_secs(10)).await,
        Some(0)
    );
    assert!(stopping.elapsed() < std::time::Duration::from_secs(8));
    // The sign-up link is still there (the sign-in sent it once more: the account waits for it).
    assert!(
        app.count(pending, &[]).await >= 1,
        "the unsent mail is kept"
    );
    let gone = "select count(*) from outbox where status <> 'pending'";
    assert_eq!(
        app.count(gone, &[]).await,
        0,
        "no mail was dropped or marked sent"
    );
}

// kill -9 while platform events and profile saves pour in, 20 times on one SQLite file: after
// each restart the file is intact, /readyz answers within 5 s, and every write the server
// acknowledged is there; at the end every event was routed exactly once.
#[tokio::test]
async fn sqlite_survives_kill_9_under_write_load_without_losing_an_acknowledged_write() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let mut app =
        TestApp::spawn_binary_with(Backend::Sqlite, &[("API_RATE_LIMIT", "1000000")]).await;
    let client = app.signed_in("ada@example.com").await;
    let key = app
        .create_api_key(&client, "ci", &["profile:read", "profile:write"], "never")
        .await;
    let acked: Arc<Mutex<Vec<String>>> = Default::default();
    let mut total = 0;
    let mut last_name: Option<String> = None;
    for round in 0..20 {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..4 {
            let (base, key, acked, stop) = (app.url(""), key.clone(), acked.clone(), stop.clone());
            writers.push(tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(2))
                    .build()
                    .unwrap();
                let mut named = None;
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("r{round}-w{w}-{i}");
                    let res = if w == 0 {
                        http.patch(format!("{base}/api/v1/me"))
                            .bearer_auth(&key)
                            .json(&serde_json::json!({ "first_name": id }))
                            .send()
                            .await
                    } else {
                        http.post(format!("{base}/api/v1/events"))
                            .bearer_auth(PLATFORM_KEY)
                            .json(&serde_json::json!({ "id": id, "type": "news.published",
                                "users": ["ada@example.com"], "data": { "title": id, "body": "b" } }))
                            .send()
                            .await
                    };
                    match res {
                        Ok(r) if r.status().is_success() => {
                            if w == 0 {
                                named = Some(id);
                            } else {
                                acked.lock().unwrap().push(id);
                            }
                        }
                        // Refused or cut by the kill: not acknowledged, so not promised.
                        _ => {}
                    }
                }
                named
            }));
        }
        tokio::time::sleep(Duration::from_millis(150 + 20 * round)).await;
        let killed = Instant::now();
        app.stop();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for (w, writer) in writers.into_iter().enumerate() {
            let named = writer.await.unwrap();
            if w == 0 && named.is_some() {
                last_name = named;
            }
        }
        app.restart().await;
        loop {
            let ready = reqwest::get(app.url("/readyz")).await.map(|r| r.status());
            if matches!(ready, Ok(s) if s == 200) {
                break;
            }
            assert!(
                killed.elapsed() < Duration::from_secs(5),
                "not ready within 5 s of the kill"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let integrity = sqlite_integrity(&app.database_url).await;
        assert_eq!(integrity, "ok", "round {round}");
        // This round's acknowledged events, all in one query.
        let ids = std::mem::take(&mut *acked.lock().unwrap());
        total += ids.len() as i64;
        let list = ids
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",");
        if !ids.is_empty() {
            let found = app
                .count(
                    &format!("select count(*) from platform_events where id in ({list})"),
                    &[],
                )
                .await;
            assert_eq!(
                found,
                ids.len() as i64,
                "round {round}: acknowledged events lost"
            );
        }
        if let Some(name) = &last_name {
            // The last acknowledged save, or a later one the kill cut off before its answer.
            let stored = app.first_name(&key).await;
            let number = |n: &str| n.rsplit('-').next().unwrap().parse::<u64>().unwrap();
            assert!(
                stored.starts_with(&format!("r{round}-w0-")) && number(&stored) >= number(name)
                    || !name.starts_with(&format!("r{round}-")),
                "round {round}: acknowledged save {name} lost, {stored} stored"
            );
        }
    }
    // Every event routed once. An event stored but cut off before its routing ended is routed
    // again by the scheduler once it is a minute old: a minute passes here.
    assert!(
        total > 100,
        "the drill wrote too little to prove anything: {total}"
    );
    app.execute(
        "update platform_events set received_at = received_at - 120 where processed_at is null",
        &[],
    )
    .await;
    app.wait_for_count(
        "select count(*) from platform_events where processed_at is null",
        |n| n == 0,
        20,
        "events left unrouted",
    )
    .await;
    let twice = "select count(*) from (select user_id, dedupe_key from notifications \
                 group by user_id, dedupe_key having count(*) > 1) t";
    assert_eq!(app.count(twice, &[]).await, 0);
    // News goes to everyone's inbox by default: one notification for each stored event.
    let events = app.count("select count(*) from platform_events", &[]).await;
    let notes = app
        .count(
            "select count(*) from notifications where topic = 'news'",
            &[],
        )
        .await;
    assert_eq!((notes, events >= total), (events, true));
}

/// The value of the first series in a metrics text whose line starts with `series`.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in:\n{text}"))
}

/// `/metrics` on its own address only; requests by route pattern; sign-ins by outcome; the
/// outbox and scheduler as the database has them; the pool.
async fn metrics_are_served_apart_and_count_what_happened(backend: Backend) {
    let addr = format!("127.0.0.1:{}", free_port());
    let app = TestApp::spawn_with(backend, &[("METRICS_ADDR", addr.as_str())]).await;
    let public = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(public.status(), 404, "the public port never serves metrics");

    let ada = app.signed_in("ada@example.com").await;
    let (_, wrong) = app.sign_in("ada@example.com", "not the passphrase").await;
    assert_eq!(wrong.status(), 401);
    let (_, right) = app.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(right.status(), 200);
    // Two accounts that are not hers: the route answers (404) for each id.
    for id in ["acc_one", "acc_two"] {
        let url = app.url(&format!("/settings/accounts/{id}/audit.csv"));
        assert_eq!(ada.get(url).send().await.unwrap().status(), 404);
    }
    // Signed out, a settings page redirects before any route is reached.
    let out = app
        .browser()
        .get(app.url("/settings/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    // A message queued two minutes ago and not due yet; a notification due five minutes ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    app.execute(
        &format!(
            "insert into outbox (id, to_addr, subject, text_body, html_body, created_at, next_attempt_at)
             values ('m-waiting', 'x@example.com', 's', 't', 'h', {}, {})",
            now - 120,
            now + 3600
        ),
        &[],
    )
    .await;
    app.execute(
        &format!(
            "insert into scheduled_notifications (id, user_id, topic, dedupe_key, subject_id, due_at, title, body, link)
             select 'sn-late', id, 'payment_reminders', 'k', 's', {}, 't', 'b', '' from users",
            now - 300
        ),
        &[],
    )
    .await;

    let res = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    let outcome = |o: &str| {
        metric(
            &text,
            &format!("profile_center_sign_ins_total{{outcome=\"{o}\"}}"),
        )
    };
    assert_eq!(outcome("wrong_credentials"), 1.0);
    assert_eq!(outcome("signed_in"), 1.0);
    assert_eq!(
        metric(
            &text,
            r#"profile_center_http_requests_total{route="/settings/accounts/{id}/audit.csv",method="GET",status="404"}"#
        ),
        2.0,
        "one series for the route, not one per id"
    );
    assert!(!text.contains("acc_one"));
    assert_eq!(
        metric(
            &text,
            r#"profile_center_http_requests_total{route="/api/sign_in",method="POST",status="401"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            r#"profile_center_http_requests_total{route="unrouted",method="GET",status="404"}"#
        ),
        1.0,
        "the public /metrics answered 404"
    );
    assert_eq!(
        metric(
            &text,
            r#"profile_center_http_requests_total{route="unrouted",method="GET",status="303"}"#
        ),
        1.0,
        "the redirect to sign-in"
    );
    assert!(
        metric(
            &text,
            r#"profile_center_http_request_duration_seconds_count{route="/api/sign_in"}"#
        ) >= 2.0
    );
    assert!(metric(&text, "profile_center_outbox_pending") >= 1.0);
    let age = metric(&text, "profile_center_outbox_oldest_age_seconds");
    assert!((120.0..200.0).contains(&age), "oldest message age {age}");
    let lag = metric(&text, "profile_center_scheduler_lag_seconds");
    assert!((300.0..400.0).contains(&lag), "scheduler lag {lag}");
    assert!(
        metric(
            &text,
            "profile_center_scheduler_last_pass_timestamp_seconds"
        ) > 0.0
    );
    assert!(metric(&text, "profile_center_db_pool_max_connections") >= 1.0);
    assert!(
        metric(&text, r#"profile_center_db_pool_connections{state="idle"}"#)
            + metric(
                &text,
                r#"profile_center_db_pool_connections{state="in_use"}"#
            )
            >= 1.0
    );
}

#[tokio::test]
async fn metrics_sqlite() {
    metrics_are_served_apart_and_count_what_happened(Backend::Sqlite).await;
}

#[tokio::test]
async fn metrics_postgres() {
    metrics_are_served_apart_and_count_what_happened(Backend::Postgres).await;
}

/// What one request of the restart drill got: when, which kind, and its status (0: no answer).
type Answers = std::sync::Arc<std::sync::Mutex<Vec<(std::time::Instant, &'static str, u16)>>>;

// The database restarted under load (its own Postgres server, stopped the way an operator's
// restart stops it: open connections terminated). While it is down, pages, server functions and
// the REST API answer 503, never 500 and never not at all; within 10 s of it being back they
// answer 200 again; every sign-up that was acknowledged gets its one mail, and none gets two.
#[tokio::test]
async fn a_postgres_restart_under_load_answers_503_never_500_and_mails_each_message_once() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let pg = PrivatePostgres::start();
    let mut app = TestApp::spawn_with_mail_and(
        Backend::Postgres,
        &[
            ("DATABASE_URL", pg.url().as_str()),
            ("TRUST_PROXY_HEADERS", "true"),
            ("MAIL_RETRY_SECS", "1"),
        ],
    )
    .await;
    app.database_url = pg.url();
    let client = app.signed_in("ada@example.com").await;
    let key = app
        .create_api_key(&client, "ci", &["profile:read"], "30")
        .await;
    let app = std::sync::Arc::new(app);
    let answers: Answers = Default::default();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let record =
        |answers: &Answers, kind: &'static str, res: Result<reqwest::Response, reqwest::Error>| {
            let status = res.map(|r| r.status().as_u16()).unwrap_or(0);
            answers.lock().unwrap().push((Instant::now(), kind, status));
            status
        };
    let mut load = Vec::new();
    {
        let (app, answers, stop, client) =
            (app.clone(), answers.clone(), stop.clone(), client.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let res = client.get(app.url("/settings/profile")).send().await;
                record(&answers, "page", res);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    {
        let (app, answers, stop, client) =
            (app.clone(), answers.clone(), stop.clone(), client.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let res = Ok(app.call(&client, "get_profile_page", &[]).await);
                record(&answers, "server function", res);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    {
        let (app, answers, stop, key) = (app.clone(), answers.clone(), stop.clone(), key.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let res = app
                    .api(reqwest::Method::GET, "/api/v1/me", &key)
                    .send()
                    .await;
                record(&answers, "REST", res);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    let signups = {
        let (app, answers, stop) = (app.clone(), answers.clone(), stop.clone());
        tokio::spawn(async move {
            let mut done = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let email = format!("person{n}@example.com");
                // Each from its own address, so the sign-up limit per address does not apply.
                let browser = app.browser_from(&format!("10.1.{}.{}", n / 250, n % 250 + 1));
                let res = Ok(app.sign_up(&browser, &email).await);
                done.push((email, record(&answers, "sign-up", res)));
                tokio::time::sleep(Duration::from_millis(60)).await;
            }
            done
        })
    };

    tokio::time::sleep(Duration::from_millis(1500)).await;
    pg.down();
    let down_at = Instant::now();
    // Twice the pool's 3 s wait for a connection: a request sent early in the outage is
    // answered 503 within it (one sent late may wait it out and get 200, which is fine too).
    tokio::time::sleep(Duration::from_secs(6)).await;
    pg.up();
    let up_at = Instant::now();
    // Until every kind has been answered 200 since the database came back (15 s at most).
    let kinds = ["page", "server function", "REST", "sign-up"];
    let recovered = loop {
        let back: Vec<Instant> = {
            let answers = answers.lock().unwrap();
            kinds
                .iter()
                .filter_map(|k| {
                    answers
                        .iter()
                        .find(|(at, kind, status)| *at > up_at && kind == k && *status == 200)
                        .map(|(at, ..)| *at)
                })
                .collect()
        };
        if back.len() == kinds.len() {
            break back.into_iter().max().unwrap();
        }
        assert!(
            up_at.elapsed() < Duration::from_secs(15),
            "not all recovered: {back:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let signups = signups.await.unwrap();

    let answers = answers.lock().unwrap().clone();
    let odd: Vec<_> = answers
        .iter()
        .filter(|(_, _, status)| !matches!(status, 200 | 503))
        .collect();
    assert!(odd.is_empty(), "answers other than 200 and 503: {odd:?}");
    for kind in kinds {
        assert!(
            answers
                .iter()
                .any(|(at, k, s)| *k == kind && *s == 503 && *at > down_at && *at < up_at),
            "{kind} was never answered 503 while the database was down"
        );
    }
    let took = recovered - up_at;
    assert!(took < Duration::from_secs(10), "recovery took {took:?}");

    // Mail: one message per acknowledged sign-up, none twice (a 503 may have come after the
    // commit, so it may have one).
    let needle = "/signup/verify?token=";
    let acknowledged: Vec<&String> = signups
        .iter()
        .filter(|(_, s)| *s == 200)
        .map(|(e, _)| e)
        .collect();
    assert!(
        acknowledged.len() > 10,
        "too few sign-ups to judge: {signups:?}"
    );
    for email in &acknowledged {
        app.wait_for_mail(email, needle).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.work().await;
    for (email, status) in &signups {
        let count = app.mail_count(email, needle);
        match status {
            200 => assert_eq!(count, 1, "{email}"),
            _ => assert!(count <= 1, "{email} got {count}"),
        }
    }
    eprintln!(
        "restart drill: {} answers, {} of them 503; {} sign-ups acknowledged; every kind back {:?} after the database",
        answers.len(),
        answers.iter().filter(|a| a.2 == 503).count(),
        acknowledged.len(),
        took
    );
}

// SMTP down for an hour: the messages queued meanwhile wait (none is lost or marked failed),
// and when the server is back each goes out once, in the order it was queued, soon after, not
// at the end of its own backoff (by then up to half an hour away).
#[tokio::test]
async fn mail_waits_out_an_hour_without_smtp_and_then_goes_once_in_order() {
    use std::time::{Duration, Instant};
    let (app, ada, port) = TestApp::with_smtp_down(false).await;
    let queued: Vec<String> = (1..=5).map(|n| format!("ada.{n}@example.com")).collect();
    for email in &queued {
        let res = app.call(&ada, "add_email", &[("email", email)]).await;
        assert_eq!(res.status(), 200);
    }
    // The worker's first attempt fails (nothing listens on the port).
    app.wait_for_count(
        "select count(*) from outbox where status = 'pending' and attempts > 0",
        |n| n > 0,
        20,
        "no attempt was made",
    )
    .await;
    // An hour passes: the state an hour of failed attempts leaves (7 attempts, the next one
    // half an hour away).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    app.execute(
        &format!(
            "update outbox set attempts = 7, next_attempt_at = {} where status = 'pending'",
            now + 1920
        ),
        &[],
    )
    .await;
    assert_eq!(
        app.count("select count(*) from outbox where status = 'pending'", &[])
            .await,
        5
    );

    let sink = SmtpSink::start(port).await;
    let back = Instant::now();
    let deadline = back + Duration::from_secs(30);
    while sink.recipients().len() < queued.len() {
        assert!(
            Instant::now() < deadline,
            "only {:?} arrived",
            sink.recipients()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = back.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.recipients(), queued, "each once, in the order queued");
    assert_eq!(
        app.count("select count(*) from outbox where status <> 'sent'", &[])
            .await,
        0
    );
    eprintln!(
        "smtp outage drill: all {} messages out {took:?} after the server came back",
        queued.len()
    );
}
