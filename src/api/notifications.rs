//! The Notifications tab's server functions: subscriptions, the in-app inbox, test sends.

use crate::{error::AppError, model::notifications::NotificationsPage};
use leptos::prelude::*;

/// Subscriptions and one page of the inbox (newest first).
#[server(endpoint = "get_notifications_page")]
pub async fn get_notifications_page(page: usize) -> Result<NotificationsPage, AppError> {
    use crate::server::{context::*, db::notifications as db};
    let user = require_user()?;
    let state = state()?;
    let page = crate::model::paging::page(page);
    let per_page = preferences().rows_per_page as usize;
    let (inbox, has_next) = db::inbox(&state.db, &user.user_id, page, per_page).await?;
    Ok(NotificationsPage {
        subscriptions: db::subscriptions(&state.db, &user.user_id).await?,
        version: db::subscriptions_version(&state.db, &user.user_id).await?,
        emails: db::recent_emails(&state.db, &user.user_id, 10).await?,
        inbox,
        unread: db::unread_count(&state.db, &user.user_id).await?,
        page,
        has_next,
    })
}

/// Saves every subscription at once from the form's ticked boxes.
#[server(endpoint = "save_notification_settings")]
pub async fn save_notification_settings(
    #[server(default)] email: Vec<String>,
    #[server(default)] in_app: Vec<String>,
    min_severity: String,
    build_outcomes: String,
    #[server(default)] include_manual: Option<String>,
    /// The version the form was made from; without it, the save applies regardless.
    #[server(default)]
    version: Option<i64>,
) -> Result<String, AppError> {
    use crate::{model::notifications::subscriptions_from_form, server::context::*};
    let user = require_user()?;
    let subs = subscriptions_from_form(
        &email,
        &in_app,
        &min_severity,
        &build_outcomes,
        include_manual.is_some(),
    )
    .map_err(AppError::Validation)?;
    let state = state()?;
    let mut tx = state.begin().await?;
    tx.lock_person(&user.user_id).await?;
    crate::server::db::notifications::save_subscriptions(
        &mut tx,
        &user.user_id,
        &subs,
        version,
        crate::server::now(),
    )
    .await?;
    tx.commit().await?;
    back("saved")
}

/// "Send me a test notification" on one channel (`email` or `in_app`).
#[server(endpoint = "send_test_notification")]
pub async fn send_test_notification(channel: String) -> Result<String, AppError> {
    use crate::{model::notifications::Channel, server::context::*};
    let user = require_user()?;
    let channel = match channel.as_str() {
        "email" => Channel::Email,
        "in_app" => Channel::InApp,
        _ => {
            return Err(AppError::field(
                "channel",
                crate::i18n::Msg::ChooseEMailOrInApp,
            ))
        }
    };
    crate::server::notifications::send_test(&state()?, &user.user_id, channel).await?;
    back(match channel {
        Channel::Email => "test_email",
        Channel::InApp => "test_in_app",
    })
}

#[server(endpoint = "mark_notification_read")]
pub async fn mark_notification_read(id: String) -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    if !crate::server::db::notifications::mark_read(
        &state()?.db,
        &user.user_id,
        &id,
        crate::server::now(),
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    to_inbox()
}

#[server(endpoint = "mark_all_notifications_read")]
pub async fn mark_all_notifications_read() -> Result<String, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::db::notifications::mark_all_read(
        &state()?.db,
        &user.user_id,
        crate::server::now(),
    )
    .await?;
    to_inbox()
}

/// To the inbox, saying it is done.
#[cfg(feature = "ssr")]
fn to_inbox() -> Result<String, AppError> {
    crate::server::context::land_on("/settings/notifications/inbox?done=read".to_string())
}

/// Back to the tab, saying what happened.
#[cfg(feature = "ssr")]
fn back(done: &str) -> Result<String, AppError> {
    crate::server::context::land_on(format!("/settings/notifications?done={done}"))
}

/// The bell's unread count, which an open page asks for every 20 s. Not activity: the session
/// middleware does not slide the idle expiry for it, so a forgotten tab does not keep a session
/// alive.
#[server(endpoint = "unread_count")]
pub async fn unread_count() -> Result<i64, AppError> {
    use crate::server::context::*;
    let user = require_user()?;
    crate::server::db::notifications::unread_count(&state()?.db, &user.user_id).await
}
