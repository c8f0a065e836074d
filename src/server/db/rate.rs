//! Fixed-window counters shared by every instance: the REST API's per-key budget, the mail a
//! person may trigger, sign-ups per address. One row per bucket and window; old windows are
//! swept.

use crate::error::AppError;
use sqlx::Row;

/// Windows are kept this long after they start, so the longest window (a day) still counts.
pub const KEEP_SECS: i64 = 2 * 24 * 3600;

/// A budget: at most `max` hits per window of `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub max: i64,
    pub window_secs: i64,
}

/// Counts one hit against `bucket` at `now`; `Err(seconds until the window ends)` when this
/// hit is over the budget. One statement, so concurrent requests on any instance count exactly.
pub async fn hit<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    bucket: &str,
    budget: Budget,
    now: i64,
) -> Result<Result<(), u64>, AppError> {
    let window = now - now.rem_euclid(budget.window_secs);
    let row = sqlx::query(
        "insert into rate_windows (bucket, window_start, hits) values ($1, $2, 1)
         on conflict (bucket, window_start) do update set hits = rate_windows.hits + 1
         returning hits",
    )
    .bind(bucket)
    .bind(window)
    .fetch_one(db)
    .await?;
    let hits: i64 = row.get(0);
    if hits > budget.max {
        return Ok(Err((window + budget.window_secs - now).max(1) as u64));
    }
    Ok(Ok(()))
}

/// Drops counters of windows that started before `before`.
pub async fn sweep<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    before: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query("delete from rate_windows where window_start < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
