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
    /// Set when a send failed because the SMTP server could not be reached at all (not a
    /// refusal of one message): the worker then checks every `probe_every` whether it is back.
    unreachable: Arc<std::sync::atomic::AtomicBool>,
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
            unreachable: Default::default(),
        })
    }

    /// While the SMTP server is unreachable, how often the worker checks whether it is back.
    fn probe_every(&self) -> Duration {
        Duration::from_secs(self.retry_base.clamp(1, 30) as u64)
    }

    /// Whether the SMTP server answers again (a connection and NOOP, no message).
    async fn smtp_is_back(&self) -> bool {
        match &self.transport {
            Transport::Smtp(smtp) => smtp.test_connection().await.unwrap_or(false),
            Transport::Files(_) => true,
        }
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
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                // No SMTP reply at all (refused, reset, timed out): the server is away, not
                // refusing this message.
                if !e.is_response() && !e.is_transient() && !e.is_permanent() {
                    self.unreachable
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                e.to_string()
            }),
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
                    record_sent(db, &queued.id).await?;
                    tracing::info!(message_id = %queued.id, "mail sent");
                    sent += 1;
                }
                Err(error) => {
                    let retry_at = (queued.attempts < MAX_ATTEMPTS)
                        .then(|| now() + retry_delay(self.retry_base, queued.attempts));
                    tracing::warn!(message_id = %queued.id, attempts = queued.attempts, %error, will_retry = retry_at.is_some(), "mail not sent");
                    outbox::mark_failed(db, &queued.id, &error, retry_at).await?;
                    if self.unreachable.load(std::sync::atomic::Ordering::Relaxed) {
                        // The others would fail the same way, each with a backoff of its own
                        // that would shuffle their order: they wait for the server instead.
                        break;
                    }
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
                // While the server is away nothing is tried (a message tried the moment it
                // came back would overtake older ones); it is asked whether it is back.
                if mailer
                    .unreachable
                    .load(std::sync::atomic::Ordering::Relaxed)
                {
                    tokio::time::sleep(mailer.probe_every()).await;
                    if !mailer.after_outage(&db).await {
                        continue;
                    }
                }
                if let Err(e) = mailer.deliver_due(&db).await {
                    tracing::warn!(error = %e, "mail worker pass failed");
                }
                if !mailer
                    .unreachable
                    .load(std::sync::atomic::Ordering::Relaxed)
                {
                    let _ = tokio::time::timeout(POLL_EVERY, mailer.wake.notified()).await;
                }
            }
        })
    }
}

impl Mailer {
    /// After the SMTP server was unreachable: once it answers again, everything that waits for
    /// a retry is due at once, in the order it was queued, instead of each message at the end
    /// of its own backoff (up to an hour after an outage of an hour).
    /// Whether the server is back and the waiting mail rescheduled.
    async fn after_outage(&self, db: &Db) -> bool {
        if !self.smtp_is_back().await {
            return false;
        }
        match outbox::due_again(db).await {
            Ok(n) => {
                self.unreachable
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(
                    waiting = n,
                    "SMTP server reachable again: sending what waited"
                );
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot reschedule waiting mail");
                false
            }
        }
    }
}

/// Marks a message that went out as sent. The database may fail just then (a restart): the
/// message was delivered, so giving up would send it again once its claim ends. Instead this
/// keeps trying for most of the claim (`outbox::CLAIM_SECS`), during which no other worker can
/// take the message; the database is then usually back.
async fn record_sent(db: &Db, id: &str) -> Result<(), AppError> {
    let deadline = tokio::time::Instant::now() + RECORD_SENT_FOR;
    let mut warned = false;
    loop {
        match outbox::mark_sent(db, id, now()).await {
            Ok(()) => return Ok(()),
            Err(e) if tokio::time::Instant::now() < deadline => {
                if !std::mem::replace(&mut warned, true) {
                    tracing::warn!(message_id = %id, error = %e, "mail sent but not yet recorded: retrying");
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "mail sent but not recorded: it may be sent again");
                return Err(e);
            }
        }
    }
}

/// A little under the claim, so that the claim still holds when the last try is made.
const RECORD_SENT_FOR: Duration = Duration::from_secs(outbox::CLAIM_SECS as u64 - 20);

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
