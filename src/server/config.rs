//! Configuration from the environment (see the README's table). Secrets are wrapped so that
//! `Debug` never prints them.

use std::{fmt, path::PathBuf};

/// The app's 256-bit secret key: encrypts secrets at rest (TOTP seeds in the security tab).
#[derive(Clone)]
pub struct SecretKey(pub [u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// What `profile-center --help` prints: every variable the server reads (the README's table has
/// the long form). A unit test checks that every variable `from_vars` reads is listed.
pub const HELP: &str = "\
profile-center: the Profile Center server (pages, server functions, REST API).

Usage: profile-center            serve, configured by environment variables
       profile-center --help     this text
       profile-center --version  the version
       profile-center backup FILE
                                 a consistent copy of the database while the server runs
                                 (SQLite: VACUUM INTO; Postgres: pg_dump, custom format)

Environment (defaults in brackets):
  DATABASE_URL              sqlite://PATH or postgres://USER@HOST:PORT/DB [sqlite://$DATA_DIR/profile-center.db]
  DATA_DIR                  folder for the SQLite file and the development key [data]
  LEPTOS_SITE_ADDR          address to listen on [127.0.0.1:3000]
  LEPTOS_SITE_ROOT          the built site (WASM, JS, CSS) [target/site]
  APP_ENV                   production: Secure cookies; SECRET_KEY and PUBLIC_ORIGIN required [development]
  SECRET_KEY                64 hex characters; encrypts secrets at rest [generated in development]
  PUBLIC_ORIGIN             origin browsers use, e.g. https://profile.example.com [the listen address]
  TRUST_PROXY_HEADERS       true or the number of proxies in front [off]
  CONSOLE_URL, CONSOLE_NAME the cloud console: the header's way back, billing links [unset, Console]
  REAUTH_WINDOW_SECS        how long a password confirmation opens sensitive actions [600]
  HTTP_IDLE_TIMEOUT_SECS    idle keep-alive connections closed after [10]
  HTTP_REQUEST_TIMEOUT_SECS a request must arrive within [30]
  MAX_CONNECTIONS           open connections at most [from the file limit]
  MAX_CONNECTIONS_PER_IP    open connections per client address [256]
  SHUTDOWN_GRACE_SECS       how long SIGTERM waits for requests in flight [20]
  SMTP_URL                  smtp://, smtps:// server for mail [unset: .eml files in DATA_DIR/mail]
  MAIL_FROM                 sender of every message [Profile Center <no-reply@localhost>]
  MAIL_RETRY_SECS           first retry delay for mail that failed [30]
  API_RATE_LIMIT            REST requests per key per minute [600]
  SWEEP_INTERVAL_SECS       housekeeping interval [600]
  PLATFORM_API_KEY          the platform's key for POST /api/v1/events [unset: refused]
  SCHEDULER_INTERVAL_SECS   notification scheduler interval [60]
  METRICS_ADDR              address for GET /metrics (Prometheus), e.g. 127.0.0.1:9100 [unset: off]
  RUST_LOG                  log filter, e.g. warn,profile_center=debug [info]
  LOG_FORMAT                text, or json: one JSON object per line [text]
";

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// Where the default SQLite file and the generated development key live.
    pub data_dir: PathBuf,
    /// Production mode: `Secure` + `__Host-` cookies, a secret key must be configured.
    pub production: bool,
    pub secret_key: SecretKey,
    /// The origin browsers use to reach us: links in e-mails are built from it, and behind a
    /// proxy that rewrites `Host` the cross-origin check compares with it. Required in
    /// production; in development the listen address stands in for links.
    pub public_origin: Option<String>,
    /// How many proxies in front of us append to `X-Forwarded-For` (0: the header is ignored).
    /// The client is the entry that many places from the right: entries further left were
    /// written by the client itself and prove nothing.
    pub proxy_hops: usize,
    /// A connection that sends no complete request head for this long is closed: it bounds both
    /// idle keep-alive connections and headers trickled byte by byte.
    pub idle_timeout: std::time::Duration,
    /// A request (body included) that takes longer than this is answered 408 and closed.
    pub request_timeout: std::time::Duration,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Open connections per client address at most (not applied behind a proxy, where every
    /// connection comes from the proxy).
    pub max_connections_per_ip: usize,
    /// On SIGTERM, how long in-flight requests may take to finish before the process exits.
    pub shutdown_grace: std::time::Duration,
    /// How long a confirmed password opens sensitive actions ("sudo mode"), in seconds: ten
    /// minutes unless set (tests set a few seconds to watch it end).
    pub reauth_window_secs: i64,
    /// The cloud console people come from: its name for "Back to …", its URL for that link and
    /// for notifications about invoices and billing (`{CONSOLE_URL}/billing/invoices/<id>`).
    pub console_name: String,
    pub console_url: Option<String>,
    /// SMTP server for outgoing mail; `None` writes `.eml` files under `data/mail/`.
    pub smtp_url: Option<String>,
    /// The sender of every message.
    pub mail_from: String,
    /// First retry delay for mail that could not be sent (doubles per attempt, at most 1 h).
    pub mail_retry_secs: i64,
    /// REST API requests allowed per key per minute (counted in the database, across instances).
    pub api_rate_limit: i64,
    /// The platform's key for `POST /api/v1/events`; unset: the endpoint refuses every request.
    pub platform_api_key: Option<String>,
    /// How often each instance's notification scheduler looks for due work.
    pub scheduler_secs: u64,
    /// How often housekeeping runs: expired sessions, old rate counters, key expiry e-mails.
    pub sweep_secs: u64,
    /// Where `GET /metrics` is served: its own listener, never the public one; unset: off.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SMTP_URL may carry a password, and so may DATABASE_URL: neither is printed.
        f.debug_struct("Config")
            .field("production", &self.production)
            .field("data_dir", &self.data_dir)
            .field("public_origin", &self.public_origin)
            .field("proxy_hops", &self.proxy_hops)
            .field("smtp", &self.smtp_url.as_ref().map(|_| "[configured]"))
            .field("mail_from", &self.mail_from)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The configuration from the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The configuration from `(variable, value)` pairs instead of the environment (tests start
    /// servers in process with their own).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, String> {
        Self::from_vars(|name| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    /// The configuration from a lookup of variables by name; empty values count as unset.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let production = matches!(var("APP_ENV").as_deref(), Some("production" | "prod"));
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        // Read by `main` before anything else (the log has to exist first); checked here.
        if !matches!(var("LOG_FORMAT").as_deref(), None | Some("text" | "json")) {
            return Err("LOG_FORMAT must be text or json".into());
        }
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/profile-center.db", data_dir.display()));
        let secret_key = match var("SECRET_KEY") {
            Some(hex_key) => parse_key(&hex_key)
                .ok_or("SECRET_KEY must be 64 hexadecimal characters (32 bytes)")?,
            None if production => {
                return Err("SECRET_KEY is required when APP_ENV=production".into())
            }
            None => dev_key(&data_dir)?,
        };
        let public_origin = match var("PUBLIC_ORIGIN") {
            Some(origin) => Some(parse_origin(&origin).ok_or(
                "PUBLIC_ORIGIN must be an origin like https://profile.example.com (scheme and host, no path)",
            )?),
            None if production => {
                return Err("PUBLIC_ORIGIN is required when APP_ENV=production: links in e-mails are built from it".into())
            }
            None => None,
        };
        let proxy_hops = match var("TRUST_PROXY_HEADERS") {
            None => 0,
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => 1,
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => 0,
            Some(v) => v.trim().parse().map_err(|_| {
                "TRUST_PROXY_HEADERS must be true, false or the number of proxies in front of the app"
            })?,
        };
        let secs = |name: &str, default: u64| -> Result<std::time::Duration, String> {
            let n: u64 = number_from(var(name), name, default)?;
            if n == 0 {
                return Err(format!("{name} must be at least 1"));
            }
            Ok(std::time::Duration::from_secs(n))
        };
        Ok(Config {
            database_url,
            data_dir,
            production,
            secret_key,
            public_origin,
            proxy_hops,
            idle_timeout: secs("HTTP_IDLE_TIMEOUT_SECS", 10)?,
            request_timeout: secs("HTTP_REQUEST_TIMEOUT_SECS", 30)?,
            max_connections: number_from(
                var("MAX_CONNECTIONS"),
                "MAX_CONNECTIONS",
                default_max_connections(),
            )?,
            max_connections_per_ip: number_from(
                var("MAX_CONNECTIONS_PER_IP"),
                "MAX_CONNECTIONS_PER_IP",
                256,
            )?,
            shutdown_grace: secs("SHUTDOWN_GRACE_SECS", 20)?,
            reauth_window_secs: secs(
                "REAUTH_WINDOW_SECS",
                crate::model::sessions::REAUTH_WINDOW_SECS as u64,
            )?
            .as_secs() as i64,
            console_name: var("CONSOLE_NAME").unwrap_or_else(|| "Console".into()),
            console_url: match var("CONSOLE_URL") {
                Some(url) => Some(parse_base_url(&url).ok_or(
                    "CONSOLE_URL must be an http(s) URL like https://console.example.com",
                )?),
                None => None,
            },
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM")
                .unwrap_or_else(|| "Profile Center <no-reply@localhost>".into()),
            mail_retry_secs: var("MAIL_RETRY_SECS")
                .map(|v| {
                    v.parse()
                        .map_err(|_| "MAIL_RETRY_SECS must be a number of seconds")
                })
                .transpose()?
                .unwrap_or(30),
            api_rate_limit: number_from(var("API_RATE_LIMIT"), "API_RATE_LIMIT", 600)?,
            sweep_secs: number_from(var("SWEEP_INTERVAL_SECS"), "SWEEP_INTERVAL_SECS", 600)?,
            platform_api_key: match var("PLATFORM_API_KEY") {
                Some(k) if k.trim().len() < 32 => {
                    return Err("PLATFORM_API_KEY must be at least 32 characters".into())
                }
                k => k.map(|k| k.trim().to_string()),
            },
            scheduler_secs: number_from(
                var("SCHEDULER_INTERVAL_SECS"),
                "SCHEDULER_INTERVAL_SECS",
                60,
            )?,
            metrics_addr: match var("METRICS_ADDR") {
                Some(addr) => {
                    Some(addr.trim().parse().map_err(|_| {
                        "METRICS_ADDR must be an address and port like 127.0.0.1:9100"
                    })?)
                }
                None => None,
            },
        })
    }
}

/// `scheme://host[:port]` without a trailing slash, or `None` when it is not an http(s) origin.
fn parse_origin(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://")?;
    let ok = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' ']);
    ok.then(|| trimmed.to_string())
}

/// An http(s) URL without a trailing slash (paths allowed: a console may live under one).
fn parse_base_url(raw: &str) -> Option<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://")?;
    let ok = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['?', '#', ' ', '"', '<', '>']);
    ok.then(|| trimmed.to_string())
}

/// Three quarters of the open-file limit (the rest is for the database, mail and files), at
/// most 10,000: connections past that would fail on `accept` and starve health checks.
fn default_max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur as usize
    } else {
        1024
    };
    (soft / 4 * 3).clamp(64, 10_000)
}

fn number_from<T: std::str::FromStr>(
    value: Option<String>,
    name: &str,
    default: T,
) -> Result<T, String> {
    match value {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name} must be a positive whole number")),
        None => Ok(default),
    }
}

fn parse_key(hex_key: &str) -> Option<SecretKey> {
    let bytes = hex::decode(hex_key.trim()).ok()?;
    Some(SecretKey(bytes.try_into().ok()?))
}

/// Development only: a key generated once into `data/secret.key` (mode 0600) and reused, so
/// encrypted data survives restarts without anyone configuring anything.
fn dev_key(data_dir: &std::path::Path) -> Result<SecretKey, String> {
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return parse_key(&existing)
            .ok_or_else(|| format!("{} is not a valid key", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    write_private(&path, hex::encode(key).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(SecretKey(key))
}

fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents)
}

#[cfg(test)]
mod tests {
    /// `--help` lists every variable the configuration reads.
    #[test]
    fn help_lists_every_variable() {
        let source = include_str!("config.rs");
        let read: std::collections::BTreeSet<&str> = source
            .split("var(\"")
            .skip(1)
            .chain(source.split("secs(\"").skip(1))
            .filter_map(|rest| rest.split('"').next())
            .filter(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            })
            .collect();
        assert!(read.len() >= 20, "{read:?}");
        for name in read {
            assert!(HELP.contains(name), "--help does not list {name}");
        }
    }

    use super::*;

    #[test]
    fn the_secret_key_never_shows_in_debug_output() {
        let key = SecretKey([7u8; 32]);
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }

    #[test]
    fn a_public_origin_is_a_scheme_and_a_host_only() {
        assert_eq!(
            parse_origin("https://pc.example.com/").as_deref(),
            Some("https://pc.example.com")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        for bad in [
            "pc.example.com",
            "ftp://x",
            "https://",
            "https://x/path",
            "https://u@x",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_key_must_be_exactly_32_bytes_of_hex() {
        assert!(parse_key(&"ab".repeat(32)).is_some());
        assert!(parse_key(&"ab".repeat(31)).is_none());
        assert!(parse_key(&"zz".repeat(32)).is_none());
    }
}
