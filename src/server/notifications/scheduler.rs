//! Stage 4: what is due later — scheduled reminders and summaries, the month-end reminder — and
//! events an instance stopped routing half-way. Runs in every instance; every step is
//! idempotent, so they may overlap.

use super::{delivery, Note};
use crate::{
    error::AppError,
    i18n::{in_lang, Msg},
    model::notifications::Topic,
    server::{
        db::{notifications as db, users},
        now,
        state::AppState,
    },
};

/// One scheduler pass. Returns how many notifications it delivered.
pub async fn tick(state: &AppState) -> Result<usize, AppError> {
    let at = now();
    let mut delivered = 0;
    for row in db::due(&state.db, at).await? {
        let mut tx = state.begin().await?;
        // After downtime several stages of one invoice can be due at once: only the latest counts.
        if !db::later_due_exists(&mut *tx, &row, at).await? {
            let lang = crate::server::mail::language_of(&mut *tx, &row.user_id).await?;
            let note = Note {
                topic: row.topic,
                key: &row.dedupe_key,
                title: &row.title,
                body: &row.body,
                link: &row.link,
                lang,
            };
            if delivery::notify(&mut tx, state, &row.user_id, &note).await? {
                delivered += 1;
            }
        }
        db::mark_scheduled_done(&mut *tx, &row.id, at).await?;
        tx.commit().await?;
    }
    delivered += month_end(state, at).await?;
    for (id, payload) in db::unprocessed_events(&state.db, at - 60).await? {
        let parsed = serde_json::from_str::<super::EventIn>(&payload)
            .ok()
            .and_then(|event| super::events::parse(&event).ok());
        if let Some(parsed) = parsed {
            super::dispatch(state, &parsed).await?;
        }
        db::mark_processed(&state.db, &id, at).await?;
    }
    if delivered > 0 {
        state.mailer.wake();
    }
    state.metrics.scheduler_passed(at);
    Ok(delivered)
}

/// The month-end invoice reminder, 3 days before the end of the month (09:00 UTC), to everyone
/// subscribed; once per month, even across restarts and instances.
async fn month_end(state: &AppState, at: i64) -> Result<usize, AppError> {
    let Some(month) = crate::model::notifications::month_end_window(at) else {
        return Ok(0);
    };
    let mark = format!("month_end:{month}");
    if db::mark_exists(&state.db, &mark).await? {
        return Ok(0);
    }
    let mut delivered = 0;
    for user_id in users::all_ids(&state.db).await? {
        let mut conn = state.db.acquire().await?;
        let lang = crate::server::mail::language_of(&mut *conn, &user_id).await?;
        let note = Note {
            topic: Topic::MonthEnd,
            key: &mark,
            title: in_lang(lang, Msg::TheMonthEndsIn3Days),
            body: in_lang(lang, Msg::CheckYourUsageAndOpenInvoices),
            link: "",
            lang,
        };
        if delivery::notify(&mut conn, state, &user_id, &note).await? {
            delivered += 1;
        }
    }
    // Marked only after everyone was handled: a crash before this repeats the (idempotent) loop.
    db::claim_mark(&state.db, &mark, at).await?;
    Ok(delivered)
}

/// Runs `tick` every `interval` for as long as the process lives.
pub fn spawn_scheduler(
    state: AppState,
    interval: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(interval);
        loop {
            timer.tick().await;
            match tick(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(delivered = n, "scheduled notifications delivered"),
                Err(e) => tracing::warn!(error = %e, "notification scheduler pass failed"),
            }
        }
    })
}
