//! Failure throttling (wrong passwords, wrong codes), kept in the database so every instance
//! counts the same attempts.
//!
//! Each key may fail `Limit::failures` times within `Limit::window_secs`; from then on every
//! further failure locks the key for twice as long as the last (from `BASE_LOCK_SECS`, at most
//! `MAX_LOCK_SECS`). Which keys an attempt is counted against is the flows' choice (see
//! `server::accounts`): the point is that nobody's failures lock out somebody else.

use crate::error::AppError;
use sqlx::Row;

pub const BASE_LOCK_SECS: i64 = 30;
pub const MAX_LOCK_SECS: i64 = 15 * 60;

/// How many failures a key may have in how long before it locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub failures: i64,
    pub window_secs: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60;

/// Sign-in failures from one address (offices and carriers put many people behind one).
pub const IP: Limit = Limit {
    failures: 20,
    window_secs: FIFTEEN_MINUTES,
};
/// Sign-in failures for one account from one source (an address, or a browser that signed in to
/// it before): a person mistyping is not locked out, a guesser is.
pub const SOURCE: Limit = Limit {
    failures: 5,
    window_secs: FIFTEEN_MINUTES,
};
/// Sign-in failures for one account from all unknown sources together: a distributed guesser
/// is stopped, while browsers the owner signed in with before are not held to it.
pub const ACCOUNT: Limit = Limit {
    failures: 50,
    window_secs: FIFTEEN_MINUTES,
};
/// Wrong passwords or codes inside one signed-in session (confirming it is you, changing the
/// password, turning two-factor off): only the session's own failures count.
pub const SESSION: Limit = Limit {
    failures: 5,
    window_secs: FIFTEEN_MINUTES,
};
/// Wrong second factors for one account, across every sign-in attempt, for a day: a correct
/// password does not reset it, so knowing the password does not buy fresh guesses.
pub const SECOND_FACTOR: Limit = Limit {
    failures: 5,
    window_secs: 24 * 3600,
};

/// How long a key that has failed `failures` times (of `limit` allowed) stays locked.
pub fn lock_secs(failures: i64, limit: i64) -> i64 {
    if failures < limit {
        return 0;
    }
    let doublings = (failures - limit).min(10) as u32;
    (BASE_LOCK_SECS << doublings).min(MAX_LOCK_SECS)
}

/// Seconds until the last of `keys` unlocks, if any is locked.
pub async fn locked_for(
    db: &mut sqlx::AnyConnection,
    keys: &[&str],
    now: i64,
) -> Result<Option<u64>, AppError> {
    let mut longest = 0;
    for key in keys {
        let row = sqlx::query("select locked_until from auth_throttle where key = $1")
            .bind(*key)
            .fetch_optional(&mut *db)
            .await?;
        if let Some(row) = row {
            longest = longest.max(row.get::<i64, _>(0) - now);
        }
    }
    Ok((longest > 0).then_some(longest as u64))
}

/// One counted failure: how many there are in the key's window now, and whether it is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    pub count: i64,
    pub locked: bool,
}

/// Counts one failure against `key`.
pub async fn record_failure(
    db: &mut sqlx::AnyConnection,
    key: &str,
    limit: Limit,
    now: i64,
) -> Result<Failure, AppError> {
    // One statement, so two instances counting at once cannot lose an increment. A window
    // starts over only once it has passed and the key is not locked.
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
    .bind(limit.window_secs)
    .fetch_one(&mut *db)
    .await?;
    let count: i64 = row.get(0);
    let lock = lock_secs(count, limit.failures);
    if lock > 0 {
        sqlx::query("update auth_throttle set locked_until = $2 where key = $1")
            .bind(key)
            .bind(now + lock)
            .execute(&mut *db)
            .await?;
    }
    Ok(Failure {
        count,
        locked: lock > 0,
    })
}

pub async fn clear<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    key: &str,
) -> Result<(), AppError> {
    sqlx::query("delete from auth_throttle where key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Keys, one function each so every flow spells them alike.
pub mod key {
    pub fn ip(ip: &str) -> String {
        format!("ip:{ip}")
    }
    /// An account (by its normalised e-mail) from one address.
    pub fn source(email: &str, ip: &str) -> String {
        format!("source:{email}|{ip}")
    }
    /// An account from a browser that signed in to it before (by the device cookie's hash).
    pub fn device(email: &str, device_hash: &str) -> String {
        format!("device:{email}|{device_hash}")
    }
    pub fn account(email: &str) -> String {
        format!("account:{email}")
    }
    pub fn session(session_id: &str) -> String {
        format!("session:{session_id}")
    }
    pub fn second_factor(user_id: &str) -> String {
        format!("mfa:{user_id}")
    }
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

    #[test]
    fn second_factor_failures_are_counted_for_a_day() {
        // Long enough that guessing six digits at the maximum lock takes years, not minutes.
        let guesses_per_day = 24 * 3600 / MAX_LOCK_SECS + SECOND_FACTOR.failures + 10;
        assert!(guesses_per_day < 200);
        assert!(SECOND_FACTOR.window_secs >= 24 * 3600);
    }
}
