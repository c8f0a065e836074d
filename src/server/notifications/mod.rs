//! Notifications, in stages: platform events come in and are checked (`events`), the router
//! decides per recipient from their subscriptions what each event means (`router`, pure),
//! delivery writes the in-app notification and its e-mail (`delivery`, also for security
//! notices), and the scheduler sends what is due later (`scheduler`).
//!
//! Every delivery is idempotent per person and reason (`dedupe_key`) and queues its e-mail in
//! the same write, so re-running any step after a crash or on another instance neither repeats
//! nor loses a notification.

pub mod delivery;
pub mod events;
pub mod router;
pub mod scheduler;

pub use delivery::{security_notice, send_test, Note, SecurityNotice};
pub use events::EventIn;
pub use scheduler::{spawn_scheduler, tick};

use super::{
    db::{notifications as db, preferences, users},
    now,
    state::AppState,
};
use crate::{error::AppError, i18n::Msg, model::preferences::Preferences};
use events::{Audience, Event, Parsed};
use router::{Action, Recipient};
use serde_json::Value;

/// Stores an event once and routes it to the people it concerns. `Ok(false)`: an event with
/// this id was received before; nothing happened. Every name in `users` must be someone here.
pub async fn ingest(state: &AppState, event: &EventIn) -> Result<bool, AppError> {
    let parsed = events::parse(event)?;
    if let Audience::Named(names) = &parsed.audience {
        let (_, unknown) = users::ids_for(&mut *state.conn().await?, names).await?;
        if !unknown.is_empty() {
            return Err(AppError::field(
                "users",
                Msg::NoSuchUser.with(&[&unknown.join(", ")]),
            ));
        }
    }
    let payload = serde_json::to_string(event).map_err(super::context::internal)?;
    if !db::insert_event(&state.db, &parsed.id, parsed.kind.as_str(), &payload, now()).await? {
        // A retry of the same event is a duplicate; another event under a used id is a mistake
        // the platform must hear about, not a silent "duplicate".
        let stored = db::event_payload(&state.db, &parsed.id).await?;
        let same = stored
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .is_some_and(|s| serde_json::to_value(event).is_ok_and(|e| e == s));
        if !same {
            return Err(AppError::conflict(Msg::AnEventWithThisIdWas));
        }
        return Ok(false);
    }
    dispatch(state, &parsed).await?;
    db::mark_processed(&state.db, &parsed.id, now()).await?;
    Ok(true)
}

/// Routes a stored event to each recipient and carries out what the router decided. Names
/// nobody has (any more, when a stored event is routed again) are skipped.
pub async fn dispatch(state: &AppState, parsed: &Parsed) -> Result<(), AppError> {
    let (recipients, _) = match &parsed.audience {
        Audience::Everyone => (users::all_ids(&state.db).await?, Vec::new()),
        Audience::Named(names) => users::ids_for(&mut *state.conn().await?, names).await?,
    };
    let link = router::link_for(
        &parsed.event,
        parsed.kind,
        state.config.console_url.as_deref(),
    );
    for user_id in &recipients {
        // One transaction per recipient: their reading, notifications and reminders together.
        let mut tx = state.begin().await?;
        let lang = super::mail::language_of(&mut *tx, user_id).await?;
        let subscriptions = db::subscriptions(&mut *tx, user_id).await?;
        let prefs: Preferences = preferences::get(&mut *tx, user_id)
            .await?
            .unwrap_or_default();
        let quota_crossing = match &parsed.event {
            Event::QuotaUsage(q) => {
                let above = crate::model::notifications::percent(q.used, q.limit)
                    > crate::model::notifications::QUOTA_THRESHOLD;
                let (crossings, crossed) =
                    db::quota_reading(&mut tx, user_id, &q.quota_id, above).await?;
                crossed.then_some(crossings)
            }
            _ => None,
        };
        let to = Recipient {
            lang,
            subscriptions: &subscriptions,
            preferences: &prefs,
            quota_crossing,
            now: now(),
        };
        for action in router::route(&parsed.id, &parsed.event, &to) {
            match action {
                Action::Notify(n) => {
                    let note = Note {
                        topic: n.topic,
                        key: &n.key,
                        title: &n.title,
                        body: &n.body,
                        link: &link,
                        lang,
                    };
                    delivery::notify(&mut tx, state, user_id, &note).await?;
                }
                Action::Remind(r) => {
                    let scheduled = db::Scheduled {
                        user_id,
                        topic: r.notice.topic,
                        dedupe_key: &r.notice.key,
                        subject_id: &r.subject,
                        due_at: r.due_at,
                        title: &r.notice.title,
                        body: &r.notice.body,
                        link: &link,
                    };
                    db::schedule(&mut *tx, scheduled).await?;
                }
                Action::Cancel { topic, subject } => {
                    db::cancel_scheduled(&mut *tx, topic, &subject).await?;
                }
            }
        }
        tx.commit().await?;
    }
    state.mailer.wake();
    Ok(())
}
