//! The user's security log: one row per security-relevant event, written by the flows that
//! cause them and read (later) by the Security tab.

use crate::{error::AppError, server::context::ClientInfo};

/// Event kinds (the vocabulary lives in the model, with its labels).
pub use crate::model::security::EventKind as Kind;

pub async fn record<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    kind: Kind,
    success: bool,
    client: &ClientInfo,
    detail: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into security_events (id, user_id, at, kind, outcome, ip, user_agent, detail) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::server::ordered_id())
    .bind(user_id)
    .bind(crate::server::now())
    .bind(kind.as_str())
    .bind(if success { "success" } else { "failure" })
    .bind(&client.ip)
    .bind(&client.user_agent)
    .bind(detail)
    .execute(db)
    .await?;
    Ok(())
}

/// A stored event (never anything secret: kinds, outcomes, addresses, browsers).
pub struct EventRow {
    pub at: i64,
    pub kind: String,
    pub success: bool,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// A user's events, newest first: `limit` of them from `offset` (all of them when `None`).
pub async fn list<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    offset: i64,
    limit: Option<i64>,
) -> Result<Vec<EventRow>, AppError> {
    use sqlx::Row;
    let rows = sqlx::query(
        "select at, kind, outcome, ip, user_agent, detail from security_events where user_id = $1
         order by at desc, id desc limit $2 offset $3",
    )
    .bind(user_id)
    .bind(limit.unwrap_or(i64::MAX))
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EventRow {
            at: r.get(0),
            kind: r.get(1),
            success: r.get::<String, _>(2) == "success",
            ip: r.get(3),
            user_agent: r.get(4),
            detail: r.get(5),
        })
        .collect())
}
