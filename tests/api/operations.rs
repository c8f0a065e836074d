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
async fn a_bad_log_format_is_refused_at_start_with_its_name() {
    let dir = std::env::temp_dir().join("pc-bad-log-format");
    let said = refused_start(&[
        ("LOG_FORMAT", "xml"),
        ("DATA_DIR", dir.to_str().unwrap()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
    ]);
    assert!(said.contains("LOG_FORMAT must be text or json"), "{said}");
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
    let deadline = Instant::now() + Duration::from_secs(20);
    while app
        .count(
            "select count(*) from platform_events where processed_at is null",
            &[],
        )
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "events left unrouted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
