//! E-mail: messages are queued in the outbox (`db::outbox`) by the request that causes them and
//! delivered by a background worker in every instance, with retries and backoff, so a failing
//! SMTP server delays mail but never fails a request or loses a message.
//!
//! With `SMTP_URL` set, mail goes over SMTP; without it (development), each message is written
//! as an `.eml` file under `data/mail/` and logged, so nothing is silently dropped.

pub mod templates;

use super::config::SecretKey;
use super::{
    db::{outbox, Db},
    now,
};
use crate::error::AppError;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::{path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::Notify;

pub use outbox::Email;

/// Attempts before a message is marked failed (spread over about a day by the backoff).
const MAX_ATTEMPTS: i64 = 20;
/// How often the worker looks for due messages when nobody wakes it.
const POLL_EVERY: Duration = Duration::from_secs(5);

/// Seconds to wait after the `attempts`-th failure: `base`, doubling, at most an hour.
pub fn retry_delay(base: i64, attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 12) as u32;
    (base.max(1) << doublings).min(3600)
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Queues and delivers mail. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// Wakes the worker right after a message is queued, instead of at the next poll.
    wake: Arc<Notify>,
    retry_base: i64,
    /// Seals message bodies in the outbox.
    key: SecretKey,
}

impl Mailer {
    /// `smtp_url` like `smtp://user:pass@host:587?tls=required`, or `None` for `.eml` files.
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        data_dir: &std::path::Path,
        retry_base: i64,
        key: SecretKey,
    ) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("MAIL_FROM is not a valid address: {e}"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL is not valid: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Files(data_dir.join("mail")),
        };
        Ok(Mailer {
            transport,
            from,
            wake: Arc::new(Notify::new()),
            retry_base,
            key,
        })
    }

    /// Tells the worker that messages were queued (by a transaction of their own).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Queues a message; it goes out from the background worker.
    pub async fn enqueue(&self, db: &Db, email: &Email) -> Result<(), AppError> {
        outbox::enqueue(db, &self.key, email, now()).await?;
        self.wake.notify_one();
        Ok(())
    }

    fn build(&self, email: &Email) -> Result<Message, String> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        // Header values cannot carry line breaks, whatever a template was given.
        let subject: String = email.subject.chars().filter(|c| !c.is_control()).collect();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|e| e.to_string())
    }

    async fn send(&self, id: &str, email: &Email) -> Result<(), String> {
        let message = self.build(email)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                let path = dir.join(format!("{id}.eml"));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(path = %path.display(), "mail written to file (no SMTP_URL configured)");
                Ok(())
            }
        }
    }

    /// Sends every message that is due now; returns how many went out.
    pub async fn deliver_due(&self, db: &Db) -> Result<usize, AppError> {
        let mut sent = 0;
        while let Some(queued) =
            outbox::claim_next(&mut *db.acquire().await?, &self.key, now()).await?
        {
            match self.send(&queued.id, &queued.email).await {
                Ok(()) => {
                    outbox::mark_sent(db, &queued.id, now()).await?;
                    tracing::info!(message_id = %queued.id, "mail sent");
                    sent += 1;
                }
                Err(error) => {
                    let retry_at = (queued.attempts < MAX_ATTEMPTS)
                        .then(|| now() + retry_delay(self.retry_base, queued.attempts));
                    tracing::warn!(message_id = %queued.id, attempts = queued.attempts, %error, will_retry = retry_at.is_some(), "mail not sent");
                    outbox::mark_failed(db, &queued.id, &error, retry_at).await?;
                }
            }
        }
        Ok(sent)
    }

    /// The worker: delivers due mail when woken and at least every `POLL_EVERY`.
    pub fn spawn_worker(&self, db: Db) -> tokio::task::JoinHandle<()> {
        let mailer = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = mailer.deliver_due(&db).await {
                    tracing::warn!(error = %e, "mail worker pass failed");
                }
                let _ = tokio::time::timeout(POLL_EVERY, mailer.wake.notified()).await;
            }
        })
    }
}

/// Mail that someone asks for — a verification link to an address they typed, a test message,
/// a sign-up — goes at most this often to one recipient…
const PER_RECIPIENT: super::db::rate::Budget = super::db::rate::Budget {
    max: 5,
    window_secs: 3600,
};
/// …and at most this often for one signed-in person, whatever the recipients.
const PER_PERSON: super::db::rate::Budget = super::db::rate::Budget {
    max: 20,
    window_secs: 3600,
};

/// Queues mail that someone asked for, within the budgets above. For a signed-in `person` an
/// exhausted budget is an error they see (429); for anonymous flows (sign-up) the message is
/// dropped silently, so that the answer stays the same whoever the address belongs to.
pub async fn send_requested(
    conn: &mut sqlx::AnyConnection,
    state: &super::state::AppState,
    person: Option<&str>,
    email: &Email,
) -> Result<(), AppError> {
    match allow_requested(&mut *conn, person, &email.to).await {
        Ok(()) => queue(conn, state, email).await,
        Err(e) if person.is_none() => {
            tracing::warn!("requested mail dropped: recipient over the hourly budget");
            let _ = e;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Counts one requested message to `recipient` (and for `person`) against the budgets;
/// `RateLimited` when either is used up.
pub async fn allow_requested(
    conn: &mut sqlx::AnyConnection,
    person: Option<&str>,
    recipient: &str,
) -> Result<(), AppError> {
    use super::db::rate;
    let at = now();
    let bucket = format!("mail_to:{}", recipient.to_lowercase());
    let mut over = rate::hit(&mut *conn, &bucket, PER_RECIPIENT, at)
        .await?
        .err();
    if let Some(person) = person {
        let sender = rate::hit(&mut *conn, &format!("mail_by:{person}"), PER_PERSON, at).await?;
        over = over.max(sender.err());
    }
    match over {
        None => Ok(()),
        Some(secs) => {
            if let Some(person) = person {
                tracing::warn!(user_id = %person, "requested mail refused: over the hourly budget");
            }
            Err(AppError::RateLimited(secs))
        }
    }
}

/// Queues a message in the caller's transaction: it is sent only if that commits (wake the
/// worker after the commit, `Mailer::wake`).
pub async fn queue(
    conn: &mut sqlx::AnyConnection,
    state: &super::state::AppState,
    email: &Email,
) -> Result<(), AppError> {
    outbox::enqueue(conn, &state.config.secret_key, email, now()).await?;
    Ok(())
}

/// The language to write to a person in: the one they chose on the Preferences tab, else the
/// language of the request being served (their browser's), else English.
pub async fn language_of<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<crate::i18n::Lang, AppError> {
    let chosen = super::db::preferences::get(db, user_id)
        .await?
        .map(|p| p.language.as_str());
    Ok(chosen
        .as_deref()
        .and_then(crate::i18n::Lang::from_code)
        .unwrap_or_else(crate::i18n::current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_30_seconds_to_an_hour() {
        assert_eq!(retry_delay(30, 1), 30);
        assert_eq!(retry_delay(30, 2), 60);
        assert_eq!(retry_delay(30, 3), 120);
        assert_eq!(retry_delay(30, 8), 3600);
        assert_eq!(retry_delay(30, 20), 3600);
        assert_eq!(retry_delay(1, 1), 1);
    }

    #[test]
    fn a_subject_cannot_smuggle_headers() {
        let mailer = Mailer::new(
            None,
            "Profile Center <no-reply@example.com>",
            std::path::Path::new("/tmp"),
            30,
            SecretKey([7; 32]),
        )
        .unwrap();
        let email = Email {
            to: "ada@example.com".into(),
            subject: "Hello\r\nBcc: victim@example.com".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        };
        let raw = String::from_utf8(mailer.build(&email).unwrap().formatted()).unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        let bad = Email {
            to: "ada@example.com\r\nBcc: x@y.z".into(),
            ..email
        };
        assert!(mailer.build(&bad).is_err());
    }
}
