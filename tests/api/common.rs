//! `TestApp`: one running server with its own database, and helpers to call it.
//!
//! Servers run in the test process (`app::start` on port 0, configured in code from the same
//! variables an operator sets), so starting one costs a database and no process; background
//! work (mail, scheduled notifications, housekeeping) also runs on its timers, and `work` runs
//! all of it at once so that tests wait for results, not for timers. `spawn_binary_with` starts
//! the real binary instead, for what only a process shows: its own logs and its memory.

use profile_center::error::AppError;
use reqwest::{header, Client, Response};
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
};

pub const PASSWORD: &str = "a long and unusual passphrase";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each test once and runs it on SQLite and on Postgres, each server started by
/// `TestApp::$spawn(backend, &[])`.
#[macro_export]
macro_rules! on_both_databases_with {
    ($spawn:ident: $(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($app: $crate::common::TestApp) $body
                #[tokio::test]
                async fn sqlite() {
                    run($crate::common::TestApp::$spawn($crate::common::Backend::Sqlite, &[]).await).await
                }
                #[tokio::test]
                async fn postgres() {
                    run($crate::common::TestApp::$spawn($crate::common::Backend::Postgres, &[]).await).await
                }
            }
        )*
    };
}

/// Declares each test once and runs it on SQLite and on Postgres (servers in process).
#[macro_export]
macro_rules! on_both_databases {
    ($($test:tt)*) => { $crate::on_both_databases_with! { spawn_with: $($test)* } };
}

/// `on_both_databases!` on the real binary: for tests that read the server's own log (in
/// process, the log is the whole test run's).
#[macro_export]
macro_rules! on_both_databases_as_binaries {
    ($($test:tt)*) => { $crate::on_both_databases_with! { spawn_binary_with: $($test)* } };
}

enum Server {
    InProcess(profile_center::server::app::Running),
    Binary(Child),
}

pub struct TestApp {
    pub base: String,
    pub database_url: String,
    pub dir: PathBuf,
    env: Vec<(String, String)>,
    server: Server,
    smtp_sink: Option<SmtpSink>,
    postgres_db: Option<String>,
    logs: Arc<Mutex<String>>,
    /// Between the server and Postgres, when started with `spawn_behind_db_proxy`.
    pub db_proxy: Option<DbProxy>,
}

const PG_ADMIN: &[&str] = &[
    "-h",
    "127.0.0.1",
    "-p",
    "5432",
    "-U",
    "postgres",
    "-d",
    "test",
    "-v",
    "ON_ERROR_STOP=1",
    "-q",
    "-c",
];

/// A port nothing listens on now (for a server the test starts on a port it must know).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs one SQL statement as the Postgres superuser in the `test` database.
pub fn psql(sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args(PG_ADMIN)
        .arg(sql)
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts the server with extra configuration variables (e.g. production mode).
    /// `PC_TEST_BINARY=1` runs every test against the real binary instead.
    pub async fn spawn_with(backend: Backend, extra_env: &[(&str, &str)]) -> TestApp {
        let binary = std::env::var_os("PC_TEST_BINARY").is_some_and(|v| v == "1");
        Self::spawn_as(backend, extra_env, binary).await
    }

    /// `spawn_with`, but the real binary in its own process.
    pub async fn spawn_binary_with(backend: Backend, extra_env: &[(&str, &str)]) -> TestApp {
        Self::spawn_as(backend, extra_env, true).await
    }

    async fn spawn_as(backend: Backend, extra_env: &[(&str, &str)], binary: bool) -> TestApp {
        let id = format!("{:x}{:x}", std::process::id(), rand_u64());
        let dir = std::env::temp_dir().join(format!("pc-test-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        let (database_url, postgres_db) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/app.db", dir.display()), None),
            Backend::Postgres => {
                let name = format!("pc_test_{id}");
                if let Err(e) = psql(&format!("create database {name}")) {
                    panic!(
                        "\n\n*** PostgreSQL at 127.0.0.1:5432 is not reachable, so the Postgres half of the \
                         integration tests cannot run. Start it (scripts/test.sh does) and run again. ***\n{e}\n"
                    );
                }
                (
                    format!("postgres://postgres@127.0.0.1:5432/{name}"),
                    Some(name),
                )
            }
        };
        let mut env: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), database_url.clone()),
            ("DATA_DIR".into(), dir.display().to_string()),
            ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
            (
                "LEPTOS_SITE_ROOT".into(),
                dir.join("site").display().to_string(),
            ),
            ("LEPTOS_OUTPUT_NAME".into(), "profile-center".into()),
            ("RUST_LOG".into(), "info".into()),
            ("PLATFORM_API_KEY".into(), PLATFORM_KEY.into()),
        ];
        if binary {
            // Its background work cannot be called: its timers run it every second instead.
            env.push(("SCHEDULER_INTERVAL_SECS".into(), "1".into()));
            env.push(("SWEEP_INTERVAL_SECS".into(), "1".into()));
        }
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let logs = match binary {
            true => Arc::new(Mutex::new(String::new())),
            false => process_logs(),
        };
        let (server, base) = match binary {
            true => launch(&env, &logs).await,
            false => start_in_process(&env).await,
        };
        TestApp {
            base,
            database_url,
            dir,
            env,
            server,
            smtp_sink: None,
            postgres_db,
            logs,
            db_proxy: None,
        }
    }

    /// Runs every piece of background work now (in-process servers; the binary's own timers
    /// do it there): scheduled notifications, housekeeping, due mail.
    pub async fn work(&self) {
        match &self.server {
            Server::InProcess(running) => profile_center::server::app::chores(&running.state).await,
            // One pass of its one-second timers.
            Server::Binary(_) => tokio::time::sleep(std::time::Duration::from_millis(1100)).await,
        }
    }

    /// A Postgres-backed server that reaches its database through a TCP proxy the test can cut
    /// (as if the database went down) and restore.
    pub async fn spawn_behind_db_proxy(extra_env: &[(&str, &str)]) -> TestApp {
        let proxy = DbProxy::start().await;
        let mut app = Self::spawn_with(Backend::Postgres, extra_env).await;
        let db = app.postgres_db.clone().unwrap();
        let url = format!("postgres://postgres@127.0.0.1:{}/{db}", proxy.port);
        for (k, v) in app.env.iter_mut() {
            if k == "DATABASE_URL" {
                *v = url.clone();
            }
        }
        app.db_proxy = Some(proxy);
        app.restart().await;
        app
    }

    /// The server process's resident memory now, in bytes (from /proc).
    pub fn rss_bytes(&self) -> u64 {
        let Server::Binary(child) = &self.server else {
            panic!("memory is measured on the binary: start it with spawn_binary_with");
        };
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb * 1024
    }

    /// The address the server listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.base.trim_start_matches("http://").parse().unwrap()
    }

    /// A browser whose requests come, as far as the server can tell, from `ip` (the server
    /// must trust one proxy hop: `TRUST_PROXY_HEADERS=true`).
    pub fn browser_from(&self, ip: &str) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(
                [(
                    header::HeaderName::from_static("x-forwarded-for"),
                    header::HeaderValue::from_str(ip).unwrap(),
                )]
                .into_iter()
                .collect(),
            )
            .build()
            .unwrap()
    }

    /// Stops the real binary (like a crash), leaving its database as it is: `restart` starts
    /// it again.
    pub fn stop(&mut self) {
        if let Server::Binary(child) = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends the real binary SIGTERM, as a service manager stopping it would.
    pub fn terminate(&self) {
        if let Server::Binary(child) = &self.server {
            let sent = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("run kill");
            assert!(sent.success());
        }
    }

    /// The real binary's exit code once it has exited, waiting at most `within`.
    pub async fn exit_code(&mut self, within: std::time::Duration) -> Option<i32> {
        let Server::Binary(child) = &mut self.server else {
            return None;
        };
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }

    /// The server's configuration variable `name`, as it was started.
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// Stops the server (like a crash: no graceful shutdown) and starts it again on the same
    /// database and configuration, on a new port.
    pub async fn restart(&mut self) {
        let (server, base) = match &mut self.server {
            Server::Binary(child) => {
                let _ = child.kill();
                let _ = child.wait();
                launch(&self.env, &self.logs).await
            }
            Server::InProcess(running) => {
                // Its tasks end at once, like a crash.
                running.abort();
                start_in_process(&self.env).await
            }
        };
        self.server = server;
        self.base = base;
    }

    /// Starts the server with a real SMTP server on loopback that keeps what it receives.
    pub async fn spawn_with_mail(backend: Backend) -> TestApp {
        Self::spawn_with_mail_and(backend, &[]).await
    }

    /// `spawn_with_mail` with extra environment variables.
    pub async fn spawn_with_mail_and(backend: Backend, extra_env: &[(&str, &str)]) -> TestApp {
        let port = free_port();
        let sink = SmtpSink::start(port).await;
        let url = format!("smtp://127.0.0.1:{port}");
        let mut env = vec![
            ("SMTP_URL", url.as_str()),
            ("MAIL_FROM", "Profile Center <no-reply@profile.test>"),
            // A sink that is slow to answer under a loaded test run makes a send fail now and
            // then; the retry must come within the tests' wait, not after the default 30 s.
            ("MAIL_RETRY_SECS", "1"),
        ];
        env.extend_from_slice(extra_env);
        let mut app = Self::spawn_with(backend, &env).await;
        app.smtp_sink = Some(sink);
        app
    }

    /// Every message to `to` containing `needle` the server has sent so far: to the SMTP sink
    /// when it has one, else as the `.eml` files it writes without SMTP (`DATA_DIR/mail`).
    pub fn mails(&self, to: &str, needle: &str) -> Vec<String> {
        match &self.smtp_sink {
            Some(sink) => sink.messages(to, needle),
            None => read_maildir(&self.dir.join("mail"), to, needle),
        }
    }

    /// How many messages to `to` containing `needle` the server has sent so far.
    pub fn mail_count(&self, to: &str, needle: &str) -> usize {
        self.mails(to, needle).len()
    }

    /// Waits (up to 30 s) for a message to `to` containing `needle`; returns it with
    /// quoted-printable soft line breaks undone.
    pub async fn wait_for_mail(&self, to: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(message) = self.mails(to, needle).into_iter().next() {
                return message;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail to {to} containing {needle:?} arrived"
            );
            self.work().await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The token of the newest link to `path` (e.g. `/signup/verify`) mailed to `to`, waiting for
    /// the first such mail if there is none yet.
    pub async fn link_token(&self, to: &str, path: &str) -> String {
        let needle = format!("{path}?token=");
        self.wait_for_mail(to, &needle).await;
        // Mails come oldest first.
        token_in(&self.mails(to, &needle).pop().unwrap(), path)
    }

    /// A SQLite server whose SMTP server is down (nothing listens on its port; retries after
    /// 1 s, then 2, 4, …), with Ada signed in while it was briefly up. Returns the server, her
    /// browser and the port, where the test can start a sink to bring the server back.
    pub async fn with_smtp_down(binary: bool) -> (TestApp, Client, u16) {
        let port = free_port();
        let url = format!("smtp://127.0.0.1:{port}");
        let env = [("SMTP_URL", url.as_str()), ("MAIL_RETRY_SECS", "1")];
        let app = match binary {
            true => Self::spawn_binary_with(Backend::Sqlite, &env).await,
            false => Self::spawn_with(Backend::Sqlite, &env).await,
        };
        let ada = app
            .signed_in_while_smtp_is_briefly_up("ada@example.com", port)
            .await;
        (app, ada, port)
    }

    /// `signed_in` for a server whose SMTP server (`SMTP_URL` on `port`) is down: a sink listens
    /// on `port` just long enough for the sign-up link.
    pub async fn signed_in_while_smtp_is_briefly_up(&self, email: &str, port: u16) -> Client {
        let sink = SmtpSink::start(port).await;
        let client = self.browser();
        assert_eq!(self.sign_up(&client, email).await.status(), 200);
        let mail = sink.wait_for(email, "/signup/verify?token=").await;
        let token = token_in(&mail, "/signup/verify");
        let res = self
            .call(
                &client,
                "finish_sign_up",
                &[("token", &token), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 200);
        drop(sink);
        client
    }

    /// Signs up `email` on `client` and finishes the sign-up with the link mailed to it: the
    /// client is then signed in. Returns the answer to the last step.
    pub async fn sign_up_and_verify(&self, client: &Client, email: &str) -> Response {
        let needle = "/signup/verify?token=";
        let before = self.mails(email, needle);
        let res = self.sign_up(client, email).await;
        assert_eq!(
            res.status(),
            200,
            "sign-up failed: {}",
            res.text().await.unwrap()
        );
        // The link of this sign-up: the one mail that was not there before it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mail = loop {
            // Newest last: a link sent just before this sign-up may arrive after `before`.
            if let Some(new) = self
                .mails(email, needle)
                .into_iter()
                .rev()
                .find(|m| !before.contains(m))
            {
                break new;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no sign-up link for {email} arrived"
            );
            self.work().await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        let token = token_in(&mail, "/signup/verify");
        self.call(
            client,
            "finish_sign_up",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every byte the database holds: the SQLite file and its write-ahead log, or on Postgres
    /// every row of every table as text.
    pub fn database_contents(&self) -> String {
        match &self.postgres_db {
            None => {
                let mut bytes = Vec::new();
                for name in ["app.db", "app.db-wal"] {
                    if let Ok(b) = std::fs::read(self.dir.join(name)) {
                        bytes.extend(b);
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Some(db) => {
                let tables = "select string_agg(format('select t::text from %I t', table_name), ' union all ') \
                              from information_schema.tables where table_schema = 'public'";
                let run = |sql: &str| {
                    let out = Command::new("psql")
                        .args([
                            "-h",
                            "127.0.0.1",
                            "-U",
                            "postgres",
                            "-d",
                            db,
                            "-At",
                            "-c",
                            sql,
                        ])
                        .output()
                        .unwrap();
                    String::from_utf8_lossy(&out.stdout).into_owned()
                };
                let query = run(tables);
                run(query.trim())
            }
        }
    }

    /// Drops the Postgres database under the running server (to test what happens when the
    /// database goes away). Returns false on SQLite.
    pub fn drop_postgres_database(&self) -> bool {
        match &self.postgres_db {
            Some(db) => psql(&format!("drop database if exists {db} with (force)")).is_ok(),
            None => false,
        }
    }

    /// Runs one SQL statement against the server's database (`$1`… bound to `args`).
    pub async fn execute(&self, sql: &str, args: &[&str]) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url).await.unwrap();
        let mut query = sqlx::query(sql);
        for arg in args {
            query = query.bind(*arg);
        }
        query.execute(&pool).await.unwrap();
        pool.close().await;
    }

    /// Makes every insert into `table` fail from now on, the way a dropped connection or a full
    /// disk fails an action's last write (a trigger that raises). `mend_inserts_into` undoes it.
    pub async fn break_inserts_into(&self, table: &str) {
        match self.postgres_db {
            None => {
                let sql = format!("create trigger broken_{table} before insert on {table} begin select raise(abort, 'injected failure'); end");
                self.execute(&sql, &[]).await;
            }
            Some(_) => {
                let function = "create or replace function injected_failure() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$";
                self.execute(function, &[]).await;
                let sql = format!("create trigger broken_{table} before insert on {table} for each row execute function injected_failure()");
                self.execute(&sql, &[]).await;
            }
        }
    }

    pub async fn mend_inserts_into(&self, table: &str) {
        let sql = match self.postgres_db {
            None => format!("drop trigger broken_{table}"),
            Some(_) => format!("drop trigger broken_{table} on {table}"),
        };
        self.execute(&sql, &[]).await;
    }

    /// The number a `select count(*) …` gives (`$1`… bound to `args`).
    pub async fn count(&self, sql: &str, args: &[&str]) -> i64 {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url).await.unwrap();
        let mut query = sqlx::query(sql);
        for arg in args {
            query = query.bind(*arg);
        }
        let n: i64 = query.fetch_one(&pool).await.unwrap().get(0);
        pool.close().await;
        n
    }

    /// Polls `sql` (a count) until `done` holds for it, failing with `what` after `secs` seconds:
    /// for the background workers, whose passes a test cannot await.
    pub async fn wait_for_count(
        &self,
        sql: &str,
        done: impl Fn(i64) -> bool,
        secs: u64,
        what: &str,
    ) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while !done(self.count(sql, &[]).await) {
            assert!(std::time::Instant::now() < deadline, "{what}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Signs in sudo mode on `client`, creates a key and reads it off the page that shows it
    /// once. `expires_in` is "30", "90", "365" or "never".
    pub async fn create_api_key(
        &self,
        client: &Client,
        name: &str,
        scopes: &[&str],
        expires_in: &str,
    ) -> String {
        let res = self
            .call(client, "confirm_password", &[("password", PASSWORD)])
            .await;
        assert_eq!(res.status(), 200);
        let mut fields = vec![("name", name), ("expires_in", expires_in)];
        fields.extend(scopes.iter().map(|s| ("scopes[]", *s)));
        let res = self.call(client, "create_api_key", &fields).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let page = self.page(client, "/settings/api-keys").await;
        find_key(&page).expect("the page shows the new key once")
    }

    /// A page's HTML as this client sees it.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        let res = client.get(self.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.unwrap()
    }

    /// The first name `GET /api/v1/me` gives for this key.
    pub async fn first_name(&self, key: &str) -> String {
        let me: serde_json::Value = self
            .api(reqwest::Method::GET, "/api/v1/me", key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        me["first_name"].as_str().unwrap().to_string()
    }

    /// A REST API call with a bearer key.
    pub fn api(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        Client::new()
            .request(method, self.url(path))
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
    }

    /// Everything the server has logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    /// A client like a browser tab: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Posts a form as a browser without JavaScript does (from `page`, HTML accepted) and
    /// returns the path it is sent back to.
    pub async fn post_form(
        &self,
        client: &Client,
        function: &str,
        page: &str,
        fields: &[(&str, &str)],
    ) -> String {
        let res = client
            .post(self.url(&format!("/api/{function}")))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, self.url(page))
            .form(fields)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_redirection(),
            "{function}: {}",
            res.status()
        );
        res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .trim_start_matches(&self.base)
            .to_string()
    }

    /// Calls a server function as the hydrated page does (form-encoded in, JSON out).
    pub async fn call(&self, client: &Client, function: &str, fields: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/api/{function}")))
            .header(header::ACCEPT, "application/json")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_up(&self, client: &Client, email: &str) -> Response {
        let fields = [
            ("email", email),
            ("password", PASSWORD),
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
        ];
        let res = self.call(client, "sign_up", &fields).await;
        res
    }

    /// A fresh browser that signs in with this e-mail and password; returns it and the answer.
    pub async fn sign_in(&self, email: &str, password: &str) -> (Client, Response) {
        let client = self.browser();
        let res = self
            .call(
                &client,
                "sign_in",
                &[("email", email), ("password", password)],
            )
            .await;
        (client, res)
    }

    /// A browser already signed in as a new (verified) user with this e-mail.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.browser();
        let res = self.sign_up_and_verify(&client, email).await;
        assert_eq!(
            res.status(),
            200,
            "finishing the sign-up failed: {}",
            res.text().await.unwrap()
        );
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Server::Binary(child) = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }

        if let Some(db) = &self.postgres_db {
            let _ = psql(&format!("drop database if exists {db} with (force)"));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP proxy on loopback in front of Postgres. `cut` drops every connection and refuses new
/// ones until `restore`, which looks to the server like the database going down and back up.
pub struct DbProxy {
    pub port: u16,
    down: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl DbProxy {
    async fn start() -> DbProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accept = {
            let (down, connections) = (down.clone(), connections.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((mut client, _)) = listener.accept().await else {
                        continue;
                    };
                    if down.load(std::sync::atomic::Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let task = tokio::spawn(async move {
                        if let Ok(mut server) =
                            tokio::net::TcpStream::connect("127.0.0.1:5432").await
                        {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    connections.lock().unwrap().push(task.abort_handle());
                }
            })
        };
        DbProxy {
            port,
            down,
            connections,
            accept,
        }
    }

    pub fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// A real SMTP server on loopback (aiosmtpd from PyPI, installed by scripts/setup.sh) that
/// stores every message it receives in a Maildir.
pub struct SmtpSink {
    process: Child,
    dir: PathBuf,
}

impl SmtpSink {
    pub async fn start(port: u16) -> SmtpSink {
        let dir = std::env::temp_dir().join(format!("pc-smtp-{:x}", rand_u64()));
        std::fs::create_dir_all(&dir).unwrap();
        let process = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd (pip install aiosmtpd; scripts/setup.sh does)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the SMTP sink did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        SmtpSink { process, dir }
    }

    /// Every message to `to` whose text contains `needle`, with quoted-printable soft line
    /// breaks undone.
    pub fn messages(&self, to: &str, needle: &str) -> Vec<String> {
        read_maildir(&self.dir.join("maildir").join("new"), to, needle)
    }

    /// The recipient of every message received, in the order they arrived.
    pub fn recipients(&self) -> Vec<String> {
        read_maildir(&self.dir.join("maildir").join("new"), "", "")
            .iter()
            .filter_map(|m| m.lines().find_map(|l| l.strip_prefix("To: ")))
            .map(|to| to.trim().to_string())
            .collect()
    }

    /// Waits (up to 30 s) for a message to `to` whose text contains `needle`; returns it with
    /// quoted-printable soft line breaks undone.
    pub async fn wait_for(&self, to: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(message) = self.messages(to, needle).into_iter().next() {
                return message;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail to {to} containing {needle:?} arrived"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The token of the link to `path` in a mail.
pub fn token_in(mail: &str, path: &str) -> String {
    // Quoted-printable writes "=" as "=3D".
    let mail = mail.replace("=3D", "=");
    let needle = format!("{path}?token=");
    let start = mail.find(&needle).expect("a link with a token") + needle.len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The messages in a folder of mail files to `to` whose text contains `needle`, oldest first
/// (by when their file was written), with quoted-printable soft line breaks undone.
fn read_maildir(dir: &std::path::Path, to: &str, needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String)> = entries
        .flatten()
        .map(|entry| {
            let written = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (
                written,
                std::fs::read_to_string(entry.path()).unwrap_or_default(),
            )
        })
        .filter(|(_, raw)| raw.contains(&format!("To: {to}")))
        .map(|(at, raw)| (at, raw.replace("=\r\n", "").replace("=\n", "")))
        .filter(|(_, unfolded)| unfolded.contains(needle))
        .collect();
    found.sort();
    found.into_iter().map(|(_, mail)| mail).collect()
}

/// Decodes a server function's error body.
/// The platform's key for `POST /api/v1/events` in every test server.
pub const PLATFORM_KEY: &str = "test-platform-key-0123456789abcdef0123456789";

/// Starts the server in this process, configured by exactly `env`; returns it and its base URL.
async fn start_in_process(env: &[(String, String)]) -> (Server, String) {
    use profile_center::server::{app, config::Config};
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let config = Config::from_pairs(&pairs).expect("a valid test configuration");
    let var = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    };
    let options = leptos::config::LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME").unwrap_or("profile-center"))
        .site_root(var("LEPTOS_SITE_ROOT").unwrap_or("target/site"))
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = app::start(
        config,
        options,
        listener,
        app::Background::Spawn,
        std::future::pending(),
    )
    .await
    .expect("the server starts");
    let base = format!("http://{}", running.addr);
    (Server::InProcess(running), base)
}

/// What in-process servers log: one buffer for the whole test process (a subscriber is global),
/// so a test that looks for a secret in it looks through every server's lines.
fn process_logs() -> Arc<Mutex<String>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<String>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(String::new()));
        let sink = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .try_init();
        logs
    })
    .clone()
}

struct LogWriter(Arc<Mutex<String>>);

/// With `PC_TEST_LOG_FILE` set (the test command sets it), every server's log also goes to that
/// file, which the test command then searches for secrets (scripts/scan-logs.py).
fn log_file() -> Option<&'static Mutex<std::fs::File>> {
    static FILE: std::sync::OnceLock<Option<Mutex<std::fs::File>>> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::var_os("PC_TEST_LOG_FILE")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open PC_TEST_LOG_FILE");
        Some(Mutex::new(file))
    })
    .as_ref()
}

fn keep_log(buffer: &Mutex<String>, text: &str) {
    buffer.lock().unwrap().push_str(text);
    if let Some(file) = log_file() {
        use std::io::Write;
        let _ = file.lock().unwrap().write_all(text.as_bytes());
    }
}

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        keep_log(&self.0, &String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts the binary with exactly `env`; returns it and its base URL once it listens.
async fn launch(env: &[(String, String)], logs: &Arc<Mutex<String>>) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_profile-center"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the profile-center binary");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let logs = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("profile-center listening on ") {
                    let _ = tx.send(addr.to_string());
                }
                keep_log(&logs, &format!("{line}\n"));
            }
        });
    }
    {
        let logs = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                keep_log(&logs, &format!("{line}\n"));
            }
        });
    }
    let waited = logs.clone();
    let base =
        tokio::task::spawn_blocking(move || rx.recv_timeout(std::time::Duration::from_secs(60)))
            .await
            .unwrap()
            .unwrap_or_else(|_| {
                panic!(
                    "the server did not start; its output:\n{}",
                    waited.lock().unwrap()
                )
            });
    (Server::Binary(child), base)
}

/// The first full API key (`pc_<16 hex>.<43 characters>`) in a text.
pub fn find_key(text: &str) -> Option<String> {
    text.match_indices("pc_").find_map(|(at, _)| {
        let candidate: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .collect();
        (candidate.len() == 3 + 16 + 1 + 43).then_some(candidate)
    })
}

pub async fn error_of(res: Response) -> AppError {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an AppError ({e}): {text}"))
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// What `pragma integrity_check` says of the SQLite database at `url`.
pub async fn sqlite_integrity(url: &str) -> String {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("pragma integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0)
}

/// Starts the binary with only `env` and expects it to refuse: what it said.
pub fn refused_start(env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_profile-center"))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(!out.status.success(), "it started");
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// A Postgres server of the test's own (initdb in a temporary folder, on a free port), for
/// drills that stop and start the database itself, which the shared server on 5432 must not be.
pub struct PrivatePostgres {
    dir: PathBuf,
    pub port: u16,
}

impl PrivatePostgres {
    fn tool(name: &str) -> PathBuf {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server programs under /usr/lib/postgresql")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .max()
            .expect("a PostgreSQL version under /usr/lib/postgresql");
        bin.join(name)
    }

    /// Runs a server program as the `postgres` user (it refuses to run as root).
    fn run(&self, name: &str, args: &[&str]) {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let mut cmd = match root {
            true => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(Self::tool(name));
                c
            }
            false => Command::new(Self::tool(name)),
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL program");
        assert!(
            out.status.success(),
            "{name} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn start() -> PrivatePostgres {
        let dir = std::env::temp_dir().join(format!("pc-pg-{:x}", rand_u64()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = Command::new("chown").arg("postgres").arg(&dir).status();
        let pg = PrivatePostgres {
            dir,
            port: free_port(),
        };
        let data = pg.dir.join("data").display().to_string();
        pg.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-N"],
        );
        pg.up();
        pg
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&self) {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &opts, "-w", "start"],
        );
    }

    /// Stops it the way an operator's restart does: open connections are terminated.
    pub fn down(&self) {
        let data = self.dir.join("data").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = std::panic::catch_unwind(|| {
            self.run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"])
        });
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// haproxy on loopback in front of some servers: round robin, `/readyz` health checks every
/// 300 ms, a request whose server went away retried on another.
pub struct Haproxy {
    process: Child,
    dir: PathBuf,
    pub port: u16,
}

impl Haproxy {
    pub async fn start(port: u16, servers: &[std::net::SocketAddr]) -> Haproxy {
        let dir = std::env::temp_dir().join(format!("pc-haproxy-{:x}", rand_u64()));
        std::fs::create_dir_all(&dir).unwrap();
        let backends: String = servers
            .iter()
            .enumerate()
            .map(|(i, addr)| format!("  server app{i} {addr} check inter 300ms fall 1 rise 1\n"))
            .collect();
        let config = format!(
            "global\n  maxconn 512\n\
             defaults\n  mode http\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n\
             \x20 option forwardfor\n  option redispatch\n  retries 3\n  retry-on conn-failure empty-response\n\
             frontend web\n  bind 127.0.0.1:{port}\n  default_backend apps\n\
             backend apps\n  balance roundrobin\n  option httpchk GET /readyz\n{backends}"
        );
        let file = dir.join("haproxy.cfg");
        std::fs::write(&file, config).unwrap();
        let process = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy (Debian's haproxy; scripts/setup.sh installs it)");
        let proxy = Haproxy { process, dir, port };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let ready = reqwest::get(proxy.url("/readyz")).await;
            if ready.is_ok_and(|r| r.status() == 200) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "haproxy did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        proxy
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Two instances of the binary on one new Postgres database, started at the same moment (so
/// both run the migrations at once), sharing one key, one SMTP server and the public origin of
/// the haproxy in front of them. The first holds the mail sink.
pub struct Pair {
    pub a: TestApp,
    pub b: TestApp,
    pub proxy: Haproxy,
    database: String,
}

impl Pair {
    pub async fn start(extra_env: &[(&str, &str)]) -> Pair {
        let database = format!("pc_test_pair_{:x}", rand_u64());
        psql(&format!("create database {database}")).expect("create the shared database");
        let url = format!("postgres://postgres@127.0.0.1:5432/{database}");
        let smtp_port = free_port();
        let sink = SmtpSink::start(smtp_port).await;
        let smtp = format!("smtp://127.0.0.1:{smtp_port}");
        let proxy_port = free_port();
        let origin = format!("http://127.0.0.1:{proxy_port}");
        let key = "5e".repeat(32);
        let mut env: Vec<(&str, &str)> = vec![
            ("DATABASE_URL", &url),
            ("SECRET_KEY", &key),
            ("PUBLIC_ORIGIN", &origin),
            ("SMTP_URL", &smtp),
            ("MAIL_FROM", "Profile Center <no-reply@profile.test>"),
            ("MAIL_RETRY_SECS", "1"),
            ("TRUST_PROXY_HEADERS", "1"),
        ];
        env.extend_from_slice(extra_env);
        let (mut a, mut b) = tokio::join!(
            TestApp::spawn_binary_with(Backend::Postgres, &env),
            TestApp::spawn_binary_with(Backend::Postgres, &env)
        );
        a.database_url = url.clone();
        b.database_url = url;
        a.smtp_sink = Some(sink);
        let proxy = Haproxy::start(proxy_port, &[a.addr(), b.addr()]).await;
        Pair {
            a,
            b,
            proxy,
            database,
        }
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.a.stop();
        self.b.stop();
        let _ = psql(&format!(
            "drop database if exists {} with (force)",
            self.database
        ));
    }
}
