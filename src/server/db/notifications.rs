//! Notifications in the database: subscriptions, platform events (idempotent by id), delivered
//! notifications (idempotent per person and reason), scheduled ones, quota readings and
//! schedule marks. Every write that decides "has this been sent?" is a unique key or a
//! conditional update, so several instances and restarts never send twice.

use super::outbox;
use crate::{
    error::AppError,
    model::notifications::{
        BuildOutcomes, NotificationView, Severity, Subscription, Topic, TOPICS,
    },
};
use sqlx::{AnyConnection, Executor, Row};

/// The person's subscriptions, every topic, defaults where they chose nothing.
pub async fn subscriptions<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<Vec<Subscription>, AppError> {
    let rows = sqlx::query(
        "select topic, email, in_app, min_severity, build_outcomes, include_manual
         from notification_subscriptions where user_id = $1",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(TOPICS
        .iter()
        .map(|topic| {
            let mut sub = Subscription::default_for(topic);
            if let Some(r) = rows
                .iter()
                .find(|r| r.get::<String, _>(0) == topic.topic.as_str())
            {
                sub.email = r.get::<i64, _>(1) != 0;
                sub.in_app = r.get::<i64, _>(2) != 0;
                sub.min_severity =
                    Severity::parse(&r.get::<String, _>(3)).unwrap_or(Severity::Warning);
                sub.build_outcomes =
                    BuildOutcomes::parse(&r.get::<String, _>(4)).unwrap_or(BuildOutcomes::Failed);
                sub.include_manual = r.get::<i64, _>(5) != 0;
            }
            sub
        })
        .collect())
}

/// The person's subscription to one topic (`test` sends, which nobody subscribes to, get the
/// defaults of no channel).
pub async fn subscription<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    topic: Topic,
) -> Result<Subscription, AppError> {
    Ok(subscriptions(db, user_id)
        .await?
        .into_iter()
        .find(|s| s.topic == topic)
        .unwrap_or(Subscription {
            topic,
            email: false,
            in_app: false,
            min_severity: Severity::Warning,
            build_outcomes: BuildOutcomes::Failed,
            include_manual: false,
        }))
}

/// The version of a person's subscriptions (0: never saved).
pub async fn subscriptions_version<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<i64, AppError> {
    let row = sqlx::query("select version from subscription_versions where user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.get(0)).unwrap_or(0))
}

/// Saves every subscription at once. With `expected` (the version the form was made from), only
/// if the subscriptions are still at that version; `Conflict` otherwise.
pub async fn save_subscriptions(
    tx: &mut AnyConnection,
    user_id: &str,
    subs: &[Subscription],
    expected: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let bumped = sqlx::query(
        "insert into subscription_versions (user_id, version) values ($1, 1)
         on conflict (user_id) do update set version = subscription_versions.version + 1
         where $2 < 0 or subscription_versions.version = $2",
    )
    .bind(user_id)
    .bind(expected.unwrap_or(-1))
    .execute(&mut *tx)
    .await?;
    if bumped.rows_affected() == 0 {
        return Err(super::preferences::stale_form());
    }
    for s in subs {
        let locked = s.topic.info().is_some_and(|t| t.locked_email);
        sqlx::query(
            "insert into notification_subscriptions
                 (user_id, topic, email, in_app, min_severity, build_outcomes, include_manual, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (user_id, topic) do update set email = $3, in_app = $4, min_severity = $5,
                 build_outcomes = $6, include_manual = $7, updated_at = $8",
        )
        .bind(user_id)
        .bind(s.topic.as_str())
        .bind((s.email || locked) as i64)
        .bind(s.in_app as i64)
        .bind(s.min_severity.as_str())
        .bind(s.build_outcomes.as_str())
        .bind(s.include_manual as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Stores an event; false when one with this id was already received (a replay).
pub async fn insert_event<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    id: &str,
    kind: &str,
    payload: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "insert into platform_events (id, kind, payload, received_at) values ($1, $2, $3, $4)
         on conflict (id) do nothing",
    )
    .bind(id)
    .bind(kind)
    .bind(payload)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The payload stored for an event id, if it was received.
pub async fn event_payload<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query("select payload from platform_events where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Events whose routing has not finished (received more than `older_than` seconds ago, so a
/// request still routing its own event is left alone): (id, payload).
pub async fn unprocessed_events<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    before: i64,
) -> Result<Vec<(String, String)>, AppError> {
    let rows = sqlx::query(
        "select id, payload from platform_events where processed_at is null and received_at <= $1
         order by received_at limit 100",
    )
    .bind(before)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub async fn mark_processed<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("update platform_events set processed_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// One notification for one person, ready to store.
pub struct Delivery<'a> {
    pub user_id: &'a str,
    pub topic: Topic,
    pub dedupe_key: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub in_app: bool,
    pub email: Option<&'a outbox::Email>,
}

/// Records the notification and queues its e-mail in one transaction; false (and nothing
/// written) when this person already got a notification for this reason.
pub async fn deliver(
    tx: &mut AnyConnection,
    key: &crate::server::config::SecretKey,
    d: Delivery<'_>,
    now: i64,
) -> Result<bool, AppError> {
    let id = crate::server::ordered_id();
    let inserted = sqlx::query(
        "insert into notifications (id, user_id, topic, dedupe_key, title, body, link, in_app, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (user_id, dedupe_key) do nothing",
    )
    .bind(&id)
    .bind(d.user_id)
    .bind(d.topic.as_str())
    .bind(d.dedupe_key)
    .bind(d.title)
    .bind(d.body)
    .bind(d.link)
    .bind(d.in_app as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(false);
    }
    if let Some(email) = d.email {
        let outbox_id = outbox::enqueue(&mut *tx, key, email, now).await?;
        sqlx::query("update notifications set outbox_id = $2 where id = $1")
            .bind(&id)
            .bind(&outbox_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(true)
}

/// A page of the in-app inbox, newest first, with each e-mail copy's delivery status.
pub async fn inbox<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    page: usize,
    per_page: usize,
) -> Result<(Vec<NotificationView>, bool), AppError> {
    let rows = sqlx::query(
        "select n.id, n.topic, n.title, n.body, n.link, n.created_at, n.read_at, o.status, o.attempts
         from notifications n left join outbox o on o.id = n.outbox_id
         where n.user_id = $1 and n.in_app = 1
         order by n.created_at desc, n.id desc limit $2 offset $3",
    )
    .bind(user_id)
    .bind(per_page as i64 + 1)
    .bind(crate::model::paging::offset(page, per_page))
    .fetch_all(db)
    .await?;
    let has_next = rows.len() > per_page;
    let items = rows
        .into_iter()
        .take(per_page)
        .map(|r| {
            let status: Option<String> = r.get(7);
            let attempts: Option<i64> = r.get(8);
            NotificationView {
                id: r.get(0),
                topic: Topic::parse(&r.get::<String, _>(1)).unwrap_or(Topic::News),
                title: r.get(2),
                body: r.get(3),
                link: r.get(4),
                created_at: r.get(5),
                read: r.get::<Option<i64>, _>(6).is_some(),
                email_status: match (status.as_deref(), attempts.unwrap_or(0)) {
                    (None, _) => String::new(),
                    (Some("pending"), 0) => "queued".into(),
                    (Some("pending"), _) => "retrying".into(),
                    (Some(s), _) => s.to_string(),
                },
            }
        })
        .collect();
    Ok((items, has_next))
}

/// The bell's count for the person whose id is the SQL expression `user` (also a column of the
/// one statement that finds the caller, `db::caller`).
pub(crate) fn unread_count_sql(user: &str) -> String {
    format!(
        "select count(*) from notifications n where n.user_id = {user} and n.in_app = 1 and n.read_at is null"
    )
}

pub async fn unread_count<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
) -> Result<i64, AppError> {
    let row = sqlx::query(&unread_count_sql("$1"))
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(row.get(0))
}

/// Marks one of the user's notifications read; false when it is not theirs.
pub async fn mark_read<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update notifications set read_at = coalesce(read_at, $3) where user_id = $1 and id = $2 and in_app = 1",
    )
    .bind(user_id)
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_all_read<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    now: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query(
        "update notifications set read_at = $2 where user_id = $1 and in_app = 1 and read_at is null",
    )
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A notification to deliver later.
pub struct Scheduled<'a> {
    pub user_id: &'a str,
    pub topic: Topic,
    pub dedupe_key: &'a str,
    /// What it is about (an invoice id), so it can be cancelled.
    pub subject_id: &'a str,
    pub due_at: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

/// Schedules a notification; scheduling the same reason twice keeps the first.
pub async fn schedule<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    s: Scheduled<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into scheduled_notifications (id, user_id, topic, dedupe_key, subject_id, due_at, title, body, link)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (user_id, dedupe_key) do nothing",
    )
    .bind(crate::server::random_id(12))
    .bind(s.user_id)
    .bind(s.topic.as_str())
    .bind(s.dedupe_key)
    .bind(s.subject_id)
    .bind(s.due_at)
    .bind(s.title)
    .bind(s.body)
    .bind(s.link)
    .execute(db)
    .await?;
    Ok(())
}

/// Cancels what is still pending about a subject (an invoice that was paid).
pub async fn cancel_scheduled<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    topic: Topic,
    subject_id: &str,
) -> Result<u64, AppError> {
    let done = sqlx::query(
        "delete from scheduled_notifications where topic = $1 and subject_id = $2 and done_at is null",
    )
    .bind(topic.as_str())
    .bind(subject_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub struct DueRow {
    pub id: String,
    pub user_id: String,
    pub topic: Topic,
    pub dedupe_key: String,
    pub subject_id: String,
    pub due_at: i64,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// Scheduled notifications whose time has come.
/// When the oldest scheduled notification that is due and not yet done fell due (the
/// scheduler's lag, for `/metrics`).
pub async fn oldest_due(db: &super::Db, now: i64) -> Result<Option<i64>, AppError> {
    let row = sqlx::query(
        "select min(due_at) from scheduled_notifications where done_at is null and due_at <= $1",
    )
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(row.try_get::<Option<i64>, _>(0)?)
}

pub async fn due<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    now: i64,
) -> Result<Vec<DueRow>, AppError> {
    let rows = sqlx::query(
        "select id, user_id, topic, dedupe_key, subject_id, due_at, title, body, link
         from scheduled_notifications where done_at is null and due_at <= $1
         order by due_at limit 200",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DueRow {
            id: r.get(0),
            user_id: r.get(1),
            topic: Topic::parse(&r.get::<String, _>(2)).unwrap_or(Topic::PaymentReminders),
            dedupe_key: r.get(3),
            subject_id: r.get(4),
            due_at: r.get(5),
            title: r.get(6),
            body: r.get(7),
            link: r.get(8),
        })
        .collect())
}

pub async fn mark_scheduled_done<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("update scheduled_notifications set done_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether other scheduled rows for the same subject and topic are due too (then only the
/// latest of them is worth sending).
pub async fn later_due_exists<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    row: &DueRow,
    now: i64,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "select count(*) from scheduled_notifications
         where user_id = $1 and topic = $2 and subject_id = $3 and done_at is null and due_at > $4 and due_at <= $5",
    )
    .bind(&row.user_id)
    .bind(row.topic.as_str())
    .bind(&row.subject_id)
    .bind(row.due_at)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(r.get::<i64, _>(0) > 0)
}

/// Reads and updates a quota's state: returns the crossings count after this reading, and
/// whether this reading crossed the threshold.
pub async fn quota_reading(
    tx: &mut AnyConnection,
    user_id: &str,
    quota_id: &str,
    above: bool,
) -> Result<(i64, bool), AppError> {
    let row = sqlx::query(
        "select above, crossings from quota_state where user_id = $1 and quota_id = $2",
    )
    .bind(user_id)
    .bind(quota_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (was_above, crossings) = row
        .map(|r| (r.get::<i64, _>(0) != 0, r.get::<i64, _>(1)))
        .unwrap_or((false, 0));
    let crossed = above && !was_above;
    let crossings = crossings + crossed as i64;
    sqlx::query(
        "insert into quota_state (user_id, quota_id, above, crossings) values ($1, $2, $3, $4)
         on conflict (user_id, quota_id) do update set above = $3, crossings = $4",
    )
    .bind(user_id)
    .bind(quota_id)
    .bind(above as i64)
    .bind(crossings)
    .execute(&mut *tx)
    .await?;
    Ok((crossings, crossed))
}

/// Claims a schedule-wide job; false when it was already done (by any instance).
pub async fn claim_mark<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    key: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "insert into schedule_marks (key, done_at) values ($1, $2) on conflict (key) do nothing",
    )
    .bind(key)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_exists<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    key: &str,
) -> Result<bool, AppError> {
    let row = sqlx::query("select 1 from schedule_marks where key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// The latest notification e-mails to the user with their delivery status, newest first:
/// (title, queued at, status).
pub async fn recent_emails<'e>(
    db: impl Executor<'e, Database = sqlx::Any>,
    user_id: &str,
    limit: i64,
) -> Result<Vec<(String, i64, String)>, AppError> {
    let rows = sqlx::query(
        "select n.title, n.created_at, o.status, o.attempts from notifications n join outbox o on o.id = n.outbox_id
         where n.user_id = $1 order by n.created_at desc, n.id desc limit $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let status = match (r.get::<String, _>(2).as_str(), r.get::<i64, _>(3)) {
                ("pending", 0) => "queued".to_string(),
                ("pending", _) => "retrying".to_string(),
                (s, _) => s.to_string(),
            };
            (r.get(0), r.get(1), status)
        })
        .collect())
}
