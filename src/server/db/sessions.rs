//! Sessions in the database, found by the SHA-256 of the cookie token. Ended sessions are kept
//! with how they ended, as history for the Sessions tab.

use crate::error::AppError;
use crate::model::sessions::EndReason;
use sqlx::Row;

/// A session is signed out after this long without a request…
pub const IDLE_SECS: i64 = 7 * 24 * 3600;
/// …and after this long in any case.
pub const ABSOLUTE_SECS: i64 = 30 * 24 * 3600;
/// Last-seen is written at most this often per session, so reads stay reads.
pub const TOUCH_EVERY_SECS: i64 = 60;

/// Ended sessions stay listed this long as history.
pub const HISTORY_SECS: i64 = 90 * 24 * 3600;

#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: String,
    pub user_id: String,
    pub last_seen_at: i64,
    pub reauth_at: Option<i64>,
    /// The account it works in ("Switch to"), if one was chosen.
    pub current_account_id: Option<String>,
}

/// A session as the Sessions tab lists it (never its token hash).
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn create<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    s: NewSession<'_>,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into sessions (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ip, user_agent)
         values ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(s.id)
    .bind(s.token_hash)
    .bind(s.user_id)
    .bind(now)
    .bind(now + IDLE_SECS)
    .bind(now + ABSOLUTE_SECS)
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a request at `now` should record activity: at most once per `TOUCH_EVERY_SECS`, so
/// a busy user's reads do not each become a write.
pub fn needs_touch(last_seen_at: i64, now: i64) -> bool {
    now - last_seen_at >= TOUCH_EVERY_SECS
}

/// Records activity and slides the idle expiry (never past the absolute one).
pub async fn touch<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "update sessions set last_seen_at = $2,
             idle_expires_at = case when $3 < absolute_expires_at then $3 else absolute_expires_at end
         where id = $1 and ended_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(now + IDLE_SECS)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends a session; `reason` is one of `signed_out`, `ended_by_user`, `password_changed`, ….
pub async fn end<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    reason: EndReason,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "update sessions set ended_at = $2, end_reason = $3 where id = $1 and ended_at is null",
    )
    .bind(id)
    .bind(now)
    .bind(reason.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Ends one of `user_id`'s live sessions; false when it is not theirs, not live, or unknown
/// (the caller cannot tell which: another user's session id is simply not found).
pub async fn end_own<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
    reason: EndReason,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update sessions set ended_at = $3, end_reason = $4
         where id = $1 and user_id = $2 and ended_at is null and idle_expires_at > $3 and absolute_expires_at > $3",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .bind(reason.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every live session of `user_id` except `keep`; returns how many ended.
pub async fn end_all_except<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    keep: &str,
    reason: EndReason,
    now: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query("update sessions set ended_at = $3, end_reason = $4 where user_id = $1 and id <> $2 and ended_at is null")
        .bind(user_id)
        .bind(keep)
        .bind(now)
        .bind(reason.as_str())
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Gives a live session a new token (after a password change), so a copy of the old cookie stops
/// working while this browser stays signed in.
pub async fn rotate_token<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    token_hash: &str,
) -> Result<(), AppError> {
    sqlx::query("update sessions set token_hash = $2 where id = $1")
        .bind(id)
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Records that this session's owner just proved who they are.
pub async fn mark_reauthenticated<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("update sessions set reauth_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// The user's live sessions (newest activity first) and their sessions ended within
/// `HISTORY_SECS` (newest first).
pub async fn list<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    now: i64,
) -> Result<(Vec<SessionRow>, Vec<SessionRow>), AppError> {
    let rows = sqlx::query(
        "select id, created_at, last_seen_at,
                case when idle_expires_at < absolute_expires_at then idle_expires_at else absolute_expires_at end,
                ip, user_agent, ended_at, end_reason
         from sessions
         where user_id = $1 and (ended_at is null or ended_at > $2)
         order by last_seen_at desc, id",
    )
    .bind(user_id)
    .bind(now - HISTORY_SECS)
    .fetch_all(db)
    .await?;
    let (mut active, mut ended) = (Vec::new(), Vec::new());
    for r in rows {
        let row = SessionRow {
            id: r.get(0),
            created_at: r.get(1),
            last_seen_at: r.get(2),
            expires_at: r.get(3),
            ip: r.get(4),
            user_agent: r.get(5),
            ended_at: r.get(6),
            end_reason: r.get(7),
        };
        if row.ended_at.is_none() && row.expires_at > now {
            active.push(row);
        } else {
            ended.push(row);
        }
    }
    ended.sort_by_key(|r| std::cmp::Reverse(r.ended_at.unwrap_or(r.expires_at)));
    Ok((active, ended))
}

/// Background housekeeping: marks sessions past their expiry as ended (`expired`), keeping the
/// row as history, and deletes history older than `HISTORY_SECS`. Idempotent, so every instance
/// may run it.
pub async fn sweep(db: &mut sqlx::AnyConnection, now: i64) -> Result<(u64, u64), AppError> {
    let expired = sqlx::query(
        "update sessions set end_reason = 'expired',
             ended_at = case when idle_expires_at < absolute_expires_at then idle_expires_at else absolute_expires_at end
         where ended_at is null and (idle_expires_at <= $1 or absolute_expires_at <= $1)",
    )
    .bind(now)
    .execute(&mut *db)
    .await?
    .rows_affected();
    let deleted = sqlx::query("delete from sessions where ended_at is not null and ended_at <= $1")
        .bind(now - HISTORY_SECS)
        .execute(&mut *db)
        .await?
        .rows_affected();
    Ok((expired, deleted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_recorded_at_most_once_a_minute() {
        assert!(!needs_touch(1_000, 1_000));
        assert!(!needs_touch(1_000, 1_059));
        assert!(needs_touch(1_000, 1_060));
    }

    /// A throw-away SQLite database with one user, migrated like the real one.
    async fn db_with_user() -> (crate::server::db::Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "pc-sweep-{}-{}",
            std::process::id(),
            crate::server::random_id(6)
        ));
        let (db, _) = crate::server::db::connect(&format!("sqlite://{}/t.db", dir.display()))
            .await
            .unwrap();
        sqlx::query("insert into users (id, email, password_hash, created_at, updated_at) values ('u', 'u@example.com', 'x', 0, 0)")
            .execute(&db)
            .await
            .unwrap();
        (db, dir)
    }

    async fn session(db: &crate::server::db::Db, id: &str, created: i64) {
        let s = NewSession {
            id,
            token_hash: id,
            user_id: "u",
            ip: "127.0.0.1",
            user_agent: "",
        };
        create(db, s, created).await.unwrap();
    }

    #[tokio::test]
    async fn the_sweep_ends_expired_sessions_keeps_their_history_and_drops_old_history() {
        let (db, dir) = db_with_user().await;
        let now = 1_800_000_000;
        session(&db, "live", now - 60).await;
        session(&db, "idle", now - IDLE_SECS - 10).await;
        session(&db, "ancient", now - HISTORY_SECS - IDLE_SECS - 10).await;

        let (expired, deleted) = sweep(&mut db.acquire().await.unwrap(), now).await.unwrap();
        assert_eq!(
            (expired, deleted),
            (2, 1),
            "two expired, of which the ancient one is past history"
        );
        let (active, ended) = list(&db, "u", now).await.unwrap();
        assert_eq!(
            active.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["live"]
        );
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].id, "idle");
        assert_eq!(ended[0].end_reason.as_deref(), Some("expired"));
        assert_eq!(ended[0].ended_at, Some(now - 10));
        assert_eq!(
            sweep(&mut db.acquire().await.unwrap(), now).await.unwrap(),
            (0, 0),
            "a second sweep changes nothing"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
