//! The e-mail outbox: queued messages, claimed one at a time by whichever instance's worker
//! gets there first, and marked sent or scheduled for another attempt.

use crate::error::AppError;
use crate::server::{config::SecretKey, crypto};
use sqlx::Row;

/// A message as queued (already rendered: plain text and HTML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone)]
pub struct Queued {
    pub id: String,
    pub email: Email,
    pub attempts: i64,
}

/// How long a claim lasts: longer than any SMTP conversation, short enough to recover from a
/// crashed worker quickly.
pub const CLAIM_SECS: i64 = 120;

/// Queues a message on the pool or inside a caller's transaction (so the message is queued
/// exactly when what caused it is committed).
///
/// Bodies are stored encrypted under the app key (bound to the message id): messages carry
/// verification links and security details, which must not sit in the database readable. Once
/// sent, the bodies are dropped; recipient, subject and status stay as the delivery record.
pub async fn enqueue<'e, E>(
    db: E,
    key: &SecretKey,
    email: &Email,
    now: i64,
) -> Result<String, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // Ids sort by creation time, so that mail queued together goes out in the order it was queued.
    let id = crate::server::ordered_id();
    let seal = |body: &str| format!("enc:{}", crypto::encrypt(key, &id, body.as_bytes()));
    sqlx::query(
        "insert into outbox (id, to_addr, subject, text_body, html_body, created_at, next_attempt_at)
         values ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(seal(&email.text))
    .bind(seal(&email.html))
    .bind(now)
    .execute(db)
    .await?;
    Ok(id)
}

/// Claims the next due message, if any. The conditional update is the lock: of two workers
/// racing for one message, exactly one sees a changed row.
pub async fn claim_next(
    db: &mut sqlx::AnyConnection,
    key: &SecretKey,
    now: i64,
) -> Result<Option<Queued>, AppError> {
    loop {
        let candidate = sqlx::query(
            "select id from outbox where status = 'pending' and next_attempt_at <= $1 and locked_until <= $1
             order by next_attempt_at, created_at, id limit 1",
        )
        .bind(now)
        .fetch_optional(&mut *db)
        .await?;
        let Some(candidate) = candidate else {
            return Ok(None);
        };
        let id: String = candidate.get(0);
        let claimed = sqlx::query(
            "update outbox set locked_until = $2, attempts = attempts + 1
             where id = $1 and status = 'pending' and locked_until <= $3",
        )
        .bind(&id)
        .bind(now + CLAIM_SECS)
        .bind(now)
        .execute(&mut *db)
        .await?;
        if claimed.rows_affected() == 1 {
            let row = sqlx::query(
                "select to_addr, subject, text_body, html_body, attempts from outbox where id = $1",
            )
            .bind(&id)
            .fetch_one(&mut *db)
            .await?;
            let open = |stored: String| -> Result<String, AppError> {
                match stored.strip_prefix("enc:") {
                    Some(sealed) => crypto::decrypt(key, &id, sealed)
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or_else(|| {
                            crate::server::context::internal(
                                "outbox body does not decrypt (wrong SECRET_KEY?)",
                            )
                        }),
                    // Queued before bodies were encrypted.
                    None => Ok(stored),
                }
            };
            let email = Email {
                to: row.get(0),
                subject: row.get(1),
                text: open(row.get(2))?,
                html: open(row.get(3))?,
            };
            return Ok(Some(Queued {
                id,
                email,
                attempts: row.get(4),
            }));
        }
        // Another worker took it; look for the next one.
    }
}

pub async fn mark_sent<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "update outbox set status = 'sent', sent_at = $2, last_error = null, text_body = '', html_body = '' where id = $1",
    )
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`.
pub async fn mark_failed<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query(
        "update outbox set last_error = $2, locked_until = 0,
             status = case when $3 = 0 then 'failed' else 'pending' end,
             next_attempt_at = case when $3 = 0 then next_attempt_at else $4 end
         where id = $1",
    )
    .bind(id)
    .bind(error.chars().take(500).collect::<String>())
    .bind(retry_at.is_some() as i64)
    .bind(retry_at.unwrap_or(0))
    .execute(db)
    .await?;
    Ok(())
}

/// Makes every message that waits for a retry due again, as of when it was queued: the worker
/// takes due messages by that time, so they go out in the order they were queued (see
/// `Mailer::after_outage`). Returns how many there were.
pub async fn due_again(db: &super::Db) -> Result<u64, AppError> {
    let done = sqlx::query(
        "update outbox set next_attempt_at = created_at where status = 'pending' and attempts > 0",
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// How many messages wait to be sent, and when the oldest of them was queued (for `/metrics`).
pub async fn depth(db: &super::Db) -> Result<(i64, Option<i64>), AppError> {
    let row = sqlx::query("select count(*), min(created_at) from outbox where status = 'pending'")
        .fetch_one(db)
        .await?;
    Ok((row.get(0), row.try_get::<Option<i64>, _>(1)?))
}
