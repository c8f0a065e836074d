//! Failed sign-in throttling, kept in the database so every instance counts the same attempts.
//!
//! Each key (an IP or an account e-mail) may fail `limit` times within `WINDOW_SECS`; from
//! then on every further failure locks the key for twice as long as the last (from
//! `BASE_LOCK_SECS`, at most `MAX_LOCK_SECS`).

use super::Db;
use crate::error::AppError;
use sqlx::Row;

pub const WINDOW_SECS: i64 = 15 * 60;
pub const BASE_LOCK_SECS: i64 = 30;
pub const MAX_LOCK_SECS: i64 = 15 * 60;
/// Failures per account before locking: a person mistyping is not locked out.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures per IP: higher, since offices and carriers put many people behind one address.
pub const IP_LIMIT: i64 = 20;

/// How long a key that has failed `failures` times (of `limit` allowed) stays locked.
pub fn lock_secs(failures: i64, limit: i64) -> i64 {
    if failures < limit {
        return 0;
    }
    let doublings = (failures - limit).min(10) as u32;
    (BASE_LOCK_SECS << doublings).min(MAX_LOCK_SECS)
}

/// Seconds until the first of `keys` unlocks, if any is locked.
pub async fn locked_for(db: &Db, keys: &[&str], now: i64) -> Result<Option<u64>, AppError> {
    let mut longest = 0;
    for key in keys {
        let row = sqlx::query("select locked_until from auth_throttle where key = $1")
            .bind(*key)
            .fetch_optional(db)
            .await?;
        if let Some(row) = row {
            longest = longest.max(row.get::<i64, _>(0) - now);
        }
    }
    Ok((longest > 0).then_some(longest as u64))
}

/// Counts one failure against `key`; returns true when this failure locked it.
pub async fn record_failure(db: &Db, key: &str, limit: i64, now: i64) -> Result<bool, AppError> {
    // One statement, so two instances counting at once cannot lose an increment.
    let row = sqlx::query(
        "insert into auth_throttle (key, failures, window_started_at, locked_until) values ($1, 1, $2, 0)
         on conflict (key) do update set
             failures = case when auth_throttle.window_started_at <= $2 - $3 and auth_throttle.locked_until <= $2
                             then 1 else auth_throttle.failures + 1 end,
             window_started_at = case when auth_throttle.window_started_at <= $2 - $3 and auth_throttle.locked_until <= $2
                             then $2 else auth_throttle.window_started_at end
         returning failures",
    )
    .bind(key)
    .bind(now)
    .bind(WINDOW_SECS)
    .fetch_one(db)
    .await?;
    let failures: i64 = row.get(0);
    let lock = lock_secs(failures, limit);
    if lock > 0 {
        sqlx::query("update auth_throttle set locked_until = $2 where key = $1")
            .bind(key)
            .bind(now + lock)
            .execute(db)
            .await?;
    }
    Ok(lock > 0)
}

pub async fn clear(db: &Db, key: &str) -> Result<(), AppError> {
    sqlx::query("delete from auth_throttle where key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_the_limit_and_double_up_to_the_maximum() {
        assert_eq!(lock_secs(4, 5), 0);
        assert_eq!(lock_secs(5, 5), 30);
        assert_eq!(lock_secs(6, 5), 60);
        assert_eq!(lock_secs(7, 5), 120);
        assert_eq!(lock_secs(50, 5), MAX_LOCK_SECS);
    }
}
