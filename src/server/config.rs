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

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// Where the default SQLite file and the generated development key live.
    pub data_dir: PathBuf,
    /// Production mode: `Secure` + `__Host-` cookies, a secret key must be configured.
    pub production: bool,
    pub secret_key: SecretKey,
    /// The origin browsers use to reach us (behind a proxy that rewrites `Host`).
    pub public_origin: Option<String>,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
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
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SMTP_URL may carry a password, and so may DATABASE_URL: neither is printed.
        f.debug_struct("Config")
            .field("production", &self.production)
            .field("data_dir", &self.data_dir)
            .field("public_origin", &self.public_origin)
            .field("trust_proxy", &self.trust_proxy)
            .field("smtp", &self.smtp_url.as_ref().map(|_| "[configured]"))
            .field("mail_from", &self.mail_from)
            .finish_non_exhaustive()
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn flag(name: &str) -> bool {
    matches!(var(name).as_deref(), Some("1" | "true" | "yes" | "on"))
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let production = matches!(var("APP_ENV").as_deref(), Some("production" | "prod"));
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
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
        Ok(Config {
            database_url,
            data_dir,
            production,
            secret_key,
            public_origin: var("PUBLIC_ORIGIN").map(|o| o.trim_end_matches('/').to_string()),
            trust_proxy: flag("TRUST_PROXY_HEADERS"),
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
            api_rate_limit: number("API_RATE_LIMIT", 600)?,
            sweep_secs: number("SWEEP_INTERVAL_SECS", 600)?,
            platform_api_key: match var("PLATFORM_API_KEY") {
                Some(k) if k.trim().len() < 32 => {
                    return Err("PLATFORM_API_KEY must be at least 32 characters".into())
                }
                k => k.map(|k| k.trim().to_string()),
            },
            scheduler_secs: number("SCHEDULER_INTERVAL_SECS", 60)?,
        })
    }
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
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
    use super::*;

    #[test]
    fn the_secret_key_never_shows_in_debug_output() {
        let key = SecretKey([7u8; 32]);
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }

    #[test]
    fn a_key_must_be_exactly_32_bytes_of_hex() {
        assert!(parse_key(&"ab".repeat(32)).is_some());
        assert!(parse_key(&"ab".repeat(31)).is_none());
        assert!(parse_key(&"zz".repeat(32)).is_none());
    }
}
