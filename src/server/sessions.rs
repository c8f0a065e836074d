//! The Sessions tab's flows: listing a user's sessions with readable devices, ending one or
//! all others (each recorded in the security log), and the periodic sweep of expired ones.

use super::{
    context::{Authed, ClientInfo},
    db::{
        security_events::{self, Kind},
        sessions,
    },
    now,
    state::AppState,
};
use crate::i18n::t;
use crate::i18n::Msg;
use crate::{
    error::AppError,
    model::sessions::{SessionView, SessionsPage},
};
use std::time::Duration;

/// "Firefox 128" and "Windows 10" from a user-agent string.
pub fn describe_user_agent(ua: &str) -> (String, String) {
    let unknown = || {
        (
            t(Msg::UnknownBrowser).to_string(),
            t(Msg::UnknownSystem).to_string(),
        )
    };
    let Some(parsed) = woothee::parser::Parser::new().parse(ua) else {
        return unknown();
    };
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    let major = parsed.version.split('.').next().unwrap_or("");
    let browser = match (known(parsed.name), known(major)) {
        (true, true) => format!("{} {major}", parsed.name),
        (true, false) => parsed.name.to_string(),
        _ => t(Msg::UnknownBrowser).to_string(),
    };
    let os = match (known(parsed.os), known(&parsed.os_version)) {
        (true, true)
            if !parsed.os.contains(parsed.os_version.as_ref())
                && parsed
                    .os_version
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit()) =>
        {
            format!("{} {}", parsed.os, parsed.os_version)
        }
        (true, _) => parsed.os.to_string(),
        _ => t(Msg::UnknownSystem).to_string(),
    };
    (browser, os)
}

pub async fn page(state: &AppState, user: &Authed) -> Result<SessionsPage, AppError> {
    let now = now();
    let (active, ended) = lists(state, &user.user_id, Some(&user.session_id), now).await?;
    Ok(SessionsPage {
        active,
        ended,
        reauth_until: user.reauth_until(now),
        now,
    })
}

/// A user's active and ended sessions, readable; `current` (the caller's own session, if the
/// caller is a browser) is marked and listed first, the rest by last activity.
pub async fn lists(
    state: &AppState,
    user_id: &str,
    current: Option<&str>,
    now: i64,
) -> Result<(Vec<SessionView>, Vec<SessionView>), AppError> {
    let (active, ended) = sessions::list(&state.db, user_id, now).await?;
    let view = |row: sessions::SessionRow| {
        let (browser, os) = describe_user_agent(&row.user_agent);
        SessionView {
            current: Some(row.id.as_str()) == current,
            id: row.id,
            browser,
            os,
            ip: row.ip,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            ended_at: row.ended_at,
            end_reason: row.end_reason,
        }
    };
    let mut active: Vec<SessionView> = active.into_iter().map(view).collect();
    active.sort_by_key(|s| !s.current);
    Ok((active, ended.into_iter().map(view).collect()))
}

/// Ends another of the user's sessions. The current one is ended by signing out instead.
pub async fn end_one(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    id: &str,
) -> Result<(), AppError> {
    if id == user.session_id {
        return Err(AppError::conflict(Msg::ThisIsTheSessionYouAre));
    }
    // One transaction: the session ends together with its log entry, or neither happens.
    let mut tx = state.begin().await?;
    let reason = crate::model::sessions::EndReason::EndedByUser;
    if !sessions::end_own(&mut *tx, &user.user_id, id, reason, now()).await? {
        return Err(AppError::NotFound);
    }
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::SessionEnded,
        true,
        client,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every other session of the user; returns how many ended.
pub async fn end_others(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
) -> Result<u64, AppError> {
    let mut tx = state.begin().await?;
    let reason = crate::model::sessions::EndReason::EndedByUser;
    let count =
        sessions::end_all_except(&mut *tx, &user.user_id, &user.session_id, reason, now()).await?;
    let detail = format!("{count} ended");
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::OtherSessionsEnded,
        true,
        client,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(count)
}

/// Runs housekeeping now and every `SWEEP_INTERVAL_SECS` (10 minutes by default) for as long as
/// the process lives: ends expired sessions, then API key chores (expiry e-mails, old counters).
/// Every step is safe to run on several instances at once.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(state.config.sweep_secs.max(1)));
        loop {
            tick.tick().await;
            sweep_once(&state).await;
        }
    })
}

/// One pass of the housekeeping above; failures are logged and retried on the next pass.
pub async fn sweep_once(state: &AppState) {
    match super::api_keys::sweep(state).await {
        Ok(0) => {}
        Ok(sent) => tracing::info!(sent, "API key expiry notices queued"),
        Err(e) => tracing::warn!(error = %e, "API key sweep failed"),
    }
    match super::sign_in::sweep(state).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "unverified sign-ups past their week deleted"),
        Err(e) => tracing::warn!(error = %e, "sign-up sweep failed"),
    }
    if let Err(e) = super::password_reset::sweep(state).await {
        tracing::warn!(error = %e, "password reset sweep failed");
    }
    let swept = match state.db.acquire().await {
        Ok(mut conn) => sessions::sweep(&mut conn, now()).await,
        Err(e) => Err(e.into()),
    };
    match swept {
        Ok((expired, deleted)) if expired + deleted > 0 => {
            tracing::info!(expired, deleted, "session sweep")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "session sweep failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_user_agent;

    #[test]
    fn user_agents_read_as_browser_and_system() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(
            describe_user_agent(chrome),
            ("Chrome 120".to_string(), "Windows 10".to_string())
        );
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(
            describe_user_agent(firefox),
            ("Firefox 128".to_string(), "Linux".to_string())
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        let (browser, os) = describe_user_agent(iphone);
        assert!(browser.starts_with("Safari"), "{browser}");
        assert!(os.starts_with("iPhone"), "{os}");
        assert_eq!(
            describe_user_agent("Zork/1.0 (Great Underground Empire)").0,
            "Unknown browser"
        );
        assert_eq!(
            describe_user_agent(""),
            ("Unknown browser".to_string(), "unknown system".to_string())
        );
    }
}
